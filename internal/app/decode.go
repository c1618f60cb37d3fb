package app

import (
	"bufio"
	"context"
	encbin "encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/record"
)

func init() {
	RegisterCommand(Command{Name: "decode", Synopsis: "[flags] [FILE...]",
		Summary: "print protobuf records (files or a Kafka topic) as JSON Lines", Run: decodeMain})
}

// decodeMain is `bmpstream decode`: protobuf records back to JSON Lines, the debugging
// tool of a proto pipeline. It reads files of varint-length-delimited
// bmpstream.v1.Record messages (--dump-format=proto, protodelim), or the bare messages of
// a Kafka topic (--kafka-format=proto), whose content-type header names the message.
func decodeMain(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("bmpstream decode", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	brokers := fs.String("kafka-server", "", "read a Kafka topic from these brokers (host:port, comma-separated) instead of files")
	topic := fs.String("topic", "", "Kafka topic to read (with --kafka-server)")
	partition := fs.Int("partition", 0, "Kafka partition to read")
	offset := fs.Int64("offset", 0, "Kafka offset to start at")
	maxRecords := fs.Int("max-records", 0, "stop after this many records (0: Kafka: until --idle passes without a message; files: all)")
	idle := fs.Duration("idle", 5*time.Second, "Kafka: stop when no message arrives for this long")
	fs.Usage = func() {
		fmt.Fprint(stdout, "Usage: bmpstream decode [flags] [FILE...]\n\nPrints protobuf records as JSON Lines, exactly as the JSON output would have them:\n"+
			"files (or standard input) of length-delimited bmpstream.v1.Record messages, or a\nKafka topic of bare messages (--kafka-server, --topic).\n\nFlags:\n")
		fmt.Fprint(stdout, fs.FlagUsages())
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "bmpstream decode: %v\n", err)
		return 2
	}
	w := bufio.NewWriterSize(stdout, 1<<16)
	defer w.Flush()
	var err error
	switch {
	case *brokers != "":
		if *topic == "" {
			fmt.Fprintln(stderr, "bmpstream decode: --kafka-server needs --topic")
			return 2
		}
		err = decodeKafka(w, strings.Split(*brokers, ","), *topic, *partition, *offset, *maxRecords, *idle)
	case fs.NArg() == 0:
		_, err = DecodeProtoStream(w, os.Stdin, *maxRecords)
	default:
		for _, path := range fs.Args() {
			f, ferr := os.Open(path)
			if ferr != nil {
				err = ferr
				break
			}
			_, err = DecodeProtoStream(w, f, *maxRecords)
			f.Close()
			if err != nil {
				err = fmt.Errorf("%s: %w", path, err)
				break
			}
		}
	}
	if err != nil {
		w.Flush()
		fmt.Fprintln(stderr, "bmpstream decode:", err)
		return 1
	}
	return 0
}

// DecodeProtoStream writes the JSON line of every length-delimited bmpstream.v1.Record of
// r to w (raw records are skipped, as in the JSON output) and returns how many records it
// read. max > 0 stops after max records.
func DecodeProtoStream(w io.Writer, r io.Reader, max int) (int, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var buf, line []byte
	n := 0
	for max <= 0 || n < max {
		size, err := encbin.ReadUvarint(br)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("record %d: length: %w", n+1, err)
		}
		if size > 1<<28 {
			return n, fmt.Errorf("record %d: length %d too large", n+1, size)
		}
		if uint64(cap(buf)) < size {
			buf = make([]byte, size)
		}
		buf = buf[:size]
		if _, err := io.ReadFull(br, buf); err != nil {
			return n, fmt.Errorf("record %d: %w", n+1, err)
		}
		n++
		t, msg, _, err := record.ParseProtoRecord(buf)
		if err != nil {
			return n, fmt.Errorf("record %d: %w", n, err)
		}
		if t == record.TypeRaw {
			continue
		}
		v := record.NewValue(t)
		if v == nil {
			return n, fmt.Errorf("record %d: no record in the envelope", n)
		}
		if err := v.UnmarshalProto(msg); err != nil {
			return n, fmt.Errorf("record %d (%s): %w", n, t, err)
		}
		line = append(v.AppendJSON(line[:0]), '\n')
		if _, err := w.Write(line); err != nil {
			return n, err
		}
	}
	return n, nil
}

// decodeKafka prints the records of one partition of a topic.
func decodeKafka(w io.Writer, brokers []string, topic string, partition int, offset int64, max int, idle time.Duration) error {
	rd := kafkago.NewReader(kafkago.ReaderConfig{Brokers: brokers, Topic: topic, Partition: partition, MaxWait: 200 * time.Millisecond})
	defer rd.Close()
	if err := rd.SetOffset(offset); err != nil {
		return err
	}
	var line []byte
	for n := 0; max <= 0 || n < max; n++ {
		ctx, cancel := context.WithTimeout(context.Background(), idle)
		m, err := rd.ReadMessage(ctx)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			return nil
		}
		if err != nil {
			return err
		}
		v, err := kafkaValue(m)
		if err != nil {
			return fmt.Errorf("offset %d: %w", m.Offset, err)
		}
		line = append(v.AppendJSON(line[:0]), '\n')
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	return nil
}

// kafkaValue decodes a Kafka message of bmpstream's proto format: its content-type header
// names the message type.
func kafkaValue(m kafkago.Message) (record.Value, error) {
	var ct string
	for _, h := range m.Headers {
		if h.Key == publisher.HeaderContentType {
			ct = string(h.Value)
		}
	}
	_, name, ok := strings.Cut(ct, "messageType=")
	if !ok {
		return nil, fmt.Errorf("content-type %q does not name a protobuf message", ct)
	}
	for _, t := range record.Types() {
		if record.ProtoMessageName(t) == name {
			v := record.NewValue(t)
			return v, v.UnmarshalProto(m.Value)
		}
	}
	return nil, fmt.Errorf("unknown message %s", name)
}
