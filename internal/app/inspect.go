package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/internal/capture"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/pkg/bmp"
	"github.com/bmpstream/bmpstream/pkg/publisher/file"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// InspectResult summarises one decoded stream.
type InspectResult struct {
	Stream   string
	Messages int
	Records  int
	Err      error
}

// Inspect decodes every BMP stream of the capture at path and writes its records to w in
// the given format. The router address of a stream is its TCP source (0.0.0.0 for a raw
// .bmp file); the collector time of every record is the time of decoding.
func Inspect(path string, w io.Writer, format file.Format, opts capture.Options, maxMessageSize int) ([]InspectResult, error) {
	streams, err := capture.ReadFile(path, opts)
	if err != nil {
		return nil, err
	}
	sink := file.New("inspect", w, file.Options{Format: format, SplitAF: true})
	defer sink.Flush()
	var results []InspectResult
	for _, st := range streams {
		res := InspectResult{Stream: st.Name}
		out := func(_ context.Context, b *record.Batch) error {
			res.Records += b.Len()
			err := sink.Write(b)
			b.Release()
			return err
		}
		remote := st.Src
		if !remote.IsValid() {
			remote = netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
		}
		sess := session.New(context.Background(), session.Config{Encodings: sink.Needs()}, remote, out)
		r := bmp.NewReader(bytes.NewReader(st.Data), maxMessageSize)
		for {
			_, msg, err := r.Next()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					res.Err = err
				}
				break
			}
			res.Messages++
			if err := sess.Handle(msg, time.Now()); err != nil {
				res.Err = err
				break
			}
		}
		// The end of the stream ends the session as a disconnection ends the collector's
		// (synthesized peer downs and router term when there was no Termination).
		reason := session.EndEOF
		if res.Err != nil {
			reason = session.EndFramingError
		}
		sess.End(reason, time.Now())
		if err := sess.Flush(); err != nil && res.Err == nil {
			res.Err = err
		}
		results = append(results, res)
	}
	return results, sink.Flush()
}

func inspectMain(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("bmpstream inspect", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	formatName := fs.String("dump-format", "jsonl", "output format: jsonl, gobmp or proto (length-delimited bmpstream.v1.Record)")
	ports := fs.UintSlice("ports", []uint{1790, 5000, 10000, 11019}, "collector TCP ports, to tell the router→collector direction in pcaps")
	maxSize := fs.Int("max-message-size", 1<<20, "largest BMP message accepted, in bytes")
	quiet := fs.BoolP("quiet", "q", false, "do not print the per-stream summary on stderr")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: bmpstream inspect [flags] FILE...\n\nDecodes BMP captures (.bmp raw streams, .pcap, .pcapng) to JSON Lines on stdout,\nthe same records the collector publishes. A summary per stream goes to stderr.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "bmpstream inspect: %v\n", err)
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	format, err := file.ParseFormat(*formatName)
	if err != nil {
		fmt.Fprintln(stderr, "bmpstream inspect:", err)
		return 2
	}
	var copts capture.Options
	for _, p := range *ports {
		copts.Ports = append(copts.Ports, uint16(p))
	}
	code := 0
	for _, path := range fs.Args() {
		results, err := Inspect(path, stdout, format, copts, *maxSize)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", path, err)
			code = 1
			continue
		}
		for _, r := range results {
			if !*quiet {
				status := "ok"
				if r.Err != nil {
					status = r.Err.Error()
				}
				fmt.Fprintf(stderr, "%s: %d messages, %d records: %s\n", r.Stream, r.Messages, r.Records, status)
			}
		}
	}
	return code
}
