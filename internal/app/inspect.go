package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/internal/capture"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/pkg/bmp"
	"github.com/bmpstream/bmpstream/pkg/publisher/file"
	"github.com/bmpstream/bmpstream/pkg/record"
)

func init() {
	RegisterCommand(Command{Name: "inspect", Synopsis: "[flags] FILE|DIR...",
		Summary: "decode captures (.bmp, .pcap, .pcapng) offline to JSON Lines", Run: inspectMain})
}

// InspectResult summarises one decoded stream.
type InspectResult struct {
	Stream   string
	Messages int
	Records  int
	// DecodeErrors counts the messages (or parts of messages) that did not decode, by kind
	// (session.ErrorKind): what the collector counts in bmpstream_decode_errors_total.
	DecodeErrors [len(session.Counters{}.DecodeErrors)]uint64
	// Err is the error that ended the stream early (framing, output), if any.
	Err error
}

// Errors is the total of DecodeErrors.
func (r *InspectResult) Errors() uint64 {
	var n uint64
	for _, c := range r.DecodeErrors {
		n += c
	}
	return n
}

// Failed reports whether the stream had a decode error or ended early.
func (r *InspectResult) Failed() bool { return r.Err != nil || r.Errors() > 0 }

// summary is the stream's line for stderr.
func (r *InspectResult) summary() string {
	line := fmt.Sprintf("%s: %d messages, %d records, %d decode errors", r.Stream, r.Messages, r.Records, r.Errors())
	if n := r.Errors(); n > 0 {
		var kinds []string
		for _, k := range session.ErrorKinds() {
			if c := r.DecodeErrors[k]; c > 0 {
				kinds = append(kinds, fmt.Sprintf("%s=%d", k, c))
			}
		}
		line += " (" + strings.Join(kinds, " ") + ")"
	}
	switch {
	case r.Err != nil:
		return line + ": " + r.Err.Error()
	case r.Errors() > 0:
		return line + ": FAILED"
	}
	return line + ": ok"
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
		counters := &session.Counters{}
		sess := session.New(context.Background(), session.Config{Counters: counters, Encodings: sink.Needs()}, remote, out)
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
		for i := range res.DecodeErrors {
			res.DecodeErrors[i] = counters.DecodeErrors[i].Load()
		}
		results = append(results, res)
	}
	return results, sink.Flush()
}

const inspectUsage = `Usage: bmpstream inspect [flags] FILE|DIR...

Decodes BMP captures (.bmp raw streams, .pcap, .pcapng) to JSON Lines on stdout, the same
records the collector publishes; a DIR is searched recursively for *.pcap, *.pcapng, *.cap
and *.bmp. A summary per stream goes to stderr, with its decode errors by kind. The exit
code is 1 when a message failed to decode, a stream ended early or a file could not be
read (--allow-errors: only the last), 2 on a usage error.

Flags:
`

func inspectMain(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("bmpstream inspect", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	formatName := fs.String("dump-format", "jsonl", "output format: jsonl, gobmp or proto (length-delimited bmpstream.v1.Record)")
	ports := fs.UintSlice("ports", []uint{1790, 5000, 10000, 11019}, "collector TCP ports, to tell the router→collector direction in pcaps")
	maxSize := fs.Int("max-message-size", 1<<20, "largest BMP message accepted, in bytes")
	quiet := fs.BoolP("quiet", "q", false, "do not print the per-stream summary on stderr")
	allowErrors := fs.Bool("allow-errors", false, "exit 0 even when messages failed to decode or a stream ended early (the summary still reports them)")
	fs.Usage = func() {
		fmt.Fprint(stdout, inspectUsage)
		fmt.Fprint(stdout, fs.FlagUsages())
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "bmpstream inspect: %v\nRun 'bmpstream inspect --help' for the usage.\n", err)
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprint(stderr, "bmpstream inspect: no capture given\n\n", inspectUsage, fs.FlagUsages())
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
	paths, err := capture.Expand(fs.Args())
	if err != nil {
		fmt.Fprintln(stderr, "bmpstream inspect:", err)
		return 1
	}
	code := 0
	var total InspectResult
	streams, failed := 0, 0
	for _, path := range paths {
		results, err := Inspect(path, stdout, format, copts, *maxSize)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", path, err)
			code = 1
			continue
		}
		for _, r := range results {
			streams++
			total.Messages += r.Messages
			total.Records += r.Records
			for i, c := range r.DecodeErrors {
				total.DecodeErrors[i] += c
			}
			if r.Failed() {
				failed++
				if !*allowErrors {
					code = 1
				}
			}
			if !*quiet || r.Failed() {
				fmt.Fprintln(stderr, r.summary())
			}
		}
	}
	if streams > 1 && !*quiet {
		total.Stream = fmt.Sprintf("total (%d files, %d streams, %d failed)", len(paths), streams, failed)
		fmt.Fprintln(stderr, total.summary())
	}
	return code
}
