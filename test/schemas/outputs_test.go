package schemas

import (
	"bytes"
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	natsgo "github.com/nats-io/nats.go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/bmpstream/bmpstream/internal/app"
	"github.com/bmpstream/bmpstream/internal/kafkatest"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/publisher/file"
	"github.com/bmpstream/bmpstream/pkg/publisher/kafka"
	natssink "github.com/bmpstream/bmpstream/pkg/publisher/nats"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// outputCapture is the capture the output tests publish (every record type of the lab
// captures: router, peer, unicast, statistics, route_mirror).
func outputCapture(t *testing.T) string {
	return filepath.Join(testutil.TestdataDir(t), "lab", "frr84-mixed.bmp")
}

// TestFileProtoDecode: --dump-format=proto writes length-delimited Records that
// `bmpstream decode` turns back into the JSON output, for every capture.
func TestFileProtoDecode(t *testing.T) {
	for _, path := range capturePaths(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			var pb bytes.Buffer
			sink := file.New("proto", &pb, file.Options{Format: file.Proto})
			if sink.Needs() != record.EncProto {
				t.Fatalf("needs %v", sink.Needs())
			}
			records := 0
			decode(t, path, sink.Needs(), func(b *record.Batch) {
				for i := range b.Recs {
					if b.Recs[i].Type != record.TypeRaw {
						records++
					}
				}
				if err := sink.Write(b); err != nil {
					t.Fatal(err)
				}
			})
			sink.Flush()
			var out bytes.Buffer
			n, err := app.DecodeProtoStream(&out, &pb, 0)
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			for _, l := range jsonLines(t, path, record.EncJSON) {
				want.Write(l)
				want.WriteByte('\n')
			}
			if n != records || !bytes.Equal(out.Bytes(), want.Bytes()) {
				t.Fatalf("%d records decoded of %d; output equal to the JSON output: %v", n, records, bytes.Equal(out.Bytes(), want.Bytes()))
			}
		})
	}
}

// expectedByTopic is the JSON output of a capture per Kafka topic / NATS subject, in
// stream order.
func expectedByTopic(t *testing.T, path string) (map[string][]string, int) {
	want := map[string][]string{}
	n := 0
	decode(t, path, record.EncJSON, func(b *record.Batch) {
		for i := range b.Recs {
			m := &b.Recs[i]
			topic := record.Topic("gobmp", m.Type, m.IPv4, true)
			want[topic] = append(want[topic], string(b.Record(i)))
			n++
		}
	})
	return want, n
}

// TestKafkaProto: the Kafka sink with --kafka-format=proto publishes each record's bare
// message with the content-type and schema headers; decoding each message as its header
// says gives the JSON output, topic by topic in order; `bmpstream decode` reads a topic.
func TestKafkaProto(t *testing.T) {
	path := outputCapture(t)
	want, total := expectedByTopic(t, path)
	addr, _ := kafkatest.Start(t)
	sink, err := kafka.New(kafka.Config{Brokers: []string{addr}, SplitAF: true, CreateTopics: true, Format: publisher.FormatProto})
	if err != nil {
		t.Fatal(err)
	}
	if sink.Needs() != record.EncProto {
		t.Fatalf("needs %v", sink.Needs())
	}
	decode(t, path, sink.Needs(), func(b *record.Batch) {
		if err := sink.Write(b); err != nil {
			t.Fatal(err)
		}
	})
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeRegex(), kgo.ConsumeTopics(`gobmp\..*`),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	got := map[string][]*kgo.Record{}
	n := 0
	ctx, cancel := context.WithTimeout(context.Background(), kafkatest.WaitLimit)
	defer cancel()
	for n < total && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			got[r.Topic] = append(got[r.Topic], r)
			n++
		})
	}
	if n != total {
		t.Fatalf("consumed %d of %d records", n, total)
	}
	var buf []byte
	for topic, lines := range want {
		rs := got[topic]
		sort.Slice(rs, func(i, j int) bool { return rs[i].Offset < rs[j].Offset })
		if len(rs) != len(lines) {
			t.Fatalf("%s: %d records, want %d", topic, len(rs), len(lines))
		}
		for i, r := range rs {
			hdr := map[string]string{}
			for _, h := range r.Headers {
				hdr[h.Key] = string(h.Value)
			}
			typ := strings.TrimPrefix(strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(topic, "gobmp.parsed."), "_v4"), "_v6"), "")
			rt, _ := record.ParseType(typ)
			if hdr["content-type"] != "application/x-protobuf; messageType="+record.ProtoMessageName(rt) || hdr["bmpstream-schema"] != "v1" {
				t.Fatalf("%s: headers %v", topic, hdr)
			}
			v := record.NewValue(rt)
			if err := v.UnmarshalProto(r.Value); err != nil {
				t.Fatal(err)
			}
			if buf = v.AppendJSON(buf[:0]); string(buf) != lines[i] {
				t.Fatalf("%s offset %d:\n%s\nwant\n%s", topic, r.Offset, buf, lines[i])
			}
		}
	}
	// bmpstream decode reads the unicast topic back.
	topic := "gobmp.parsed.unicast_prefix_v4"
	var out, errOut bytes.Buffer
	if code := app.Main([]string{"decode", "--kafka-server", addr, "--topic", topic, "--idle", "2s"}, &out, &errOut); code != 0 {
		t.Fatalf("decode: exit %d: %s", code, errOut.String())
	}
	if len(want[topic]) == 0 || out.String() != strings.Join(want[topic], "\n")+"\n" {
		t.Fatalf("decode of %s: %d bytes, want %d records", topic, out.Len(), len(want[topic]))
	}
}

// TestNATSProto: the NATS sink with --nats-format=proto publishes each record's message
// with the content-type and schema headers, and the messages decode to the JSON output.
func TestNATSProto(t *testing.T) {
	path := outputCapture(t)
	want, total := expectedByTopic(t, path)
	srv, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: natsserver.RANDOM_PORT, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	if !srv.ReadyForConnections(20 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	defer srv.Shutdown()
	nc, err := natsgo.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ch := make(chan *natsgo.Msg, total+10)
	sub, err := nc.ChanSubscribe("gobmp.>", ch)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	nc.Flush()
	sink, err := natssink.New(natssink.Options{URLs: srv.ClientURL(), SplitAF: true, Format: publisher.FormatProto})
	if err != nil {
		t.Fatal(err)
	}
	decode(t, path, sink.Needs(), func(b *record.Batch) {
		if err := sink.Write(b); err != nil {
			t.Fatal(err)
		}
	})
	sink.Flush()
	defer sink.Close()
	got := map[string][]*natsgo.Msg{}
	timeout := time.After(kafkatest.WaitLimit)
	for n := 0; n < total; n++ {
		select {
		case m := <-ch:
			got[m.Subject] = append(got[m.Subject], m)
		case <-timeout:
			t.Fatalf("received %d of %d messages", n, total)
		}
	}
	var buf []byte
	for subject, lines := range want {
		ms := got[subject]
		if len(ms) != len(lines) {
			t.Fatalf("%s: %d messages, want %d", subject, len(ms), len(lines))
		}
		for i, m := range ms {
			ct := m.Header.Get(publisher.HeaderContentType) // NATS headers are case-sensitive
			name, ok := strings.CutPrefix(ct, "application/x-protobuf; messageType=")
			var rt record.Type
			for _, typ := range record.Types() {
				if record.ProtoMessageName(typ) == name && strings.Contains(subject, "."+typ.String()) {
					rt = typ
				}
			}
			if !ok || rt == 0 || m.Header[publisher.HeaderSchema][0] != record.SchemaVersion {
				t.Fatalf("%s: headers %v", subject, m.Header)
			}
			v := record.NewValue(rt)
			if err := v.UnmarshalProto(m.Data); err != nil {
				t.Fatal(err)
			}
			if buf = v.AppendJSON(buf[:0]); string(buf) != lines[i] {
				t.Fatalf("%s message %d:\n%s\nwant\n%s", subject, i, buf, lines[i])
			}
		}
	}
}
