// Command bmpbench measures the bmpstream collector end to end. It generates synthetic BMP
// router streams (IPv4 and IPv6 UPDATEs alternating, N prefixes, P prefixes per UPDATE),
// runs the collector binary as a child process writing JSON Lines to a temporary file,
// replays each stream over loopback TCP and waits until every record is in the file. It
// reports prefixes/s and BMP messages/s from the first byte sent to the last record
// written, input MB/s, JSON bytes per record, and the collector's peak RSS (VmHWM) and CPU
// time. A "blocked output" run then points the collector at a named pipe that is not read
// for a while, checks that its memory stays bounded, drains the pipe and verifies every
// record. Results go to stdout as Markdown tables (or JSON with --json), progress to stderr.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/internal/bench"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // a scenario failed, an output did not verify or memory was not bounded
	exitUsage = 2
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

type options struct {
	prefixes      int
	perUpdate     []int
	collector     string
	sessions      int
	count         int
	skipBlocked   bool
	blockedPer    int
	stall         time.Duration
	maxRSSMB      int
	timeout       time.Duration
	tmpDir        string
	keep          bool
	jsonOut       bool
	jsonFile      string
	collectorArgs []string
}

const usageHead = `Usage: bmpbench [flags]

Benchmarks the bmpstream collector binary end to end over loopback TCP (see --collector;
build it first with "make build"). Prints Markdown tables on stdout (JSON with --json) and
progress on stderr. Exit code 1 when a scenario failed, an output did not verify, or the
blocked-output run exceeded --max-rss-mb.

Flags:
`

func parse(args []string, stderr io.Writer) (options, error) {
	o := options{}
	fs := pflag.NewFlagSet("bmpbench", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.prefixes, "prefixes", 1_000_000, "prefixes announced per session")
	fs.IntSliceVar(&o.perUpdate, "per-update", []int{1, 10}, "prefixes per UPDATE, one throughput run each (comma-separated)")
	fs.StringVar(&o.collector, "collector", "bin/bmpstream", "collector binary to run")
	fs.IntVar(&o.sessions, "sessions", 1, "parallel router sessions, each sending the whole stream")
	fs.IntVar(&o.count, "count", 1, "repetitions of each throughput run")
	fs.BoolVar(&o.skipBlocked, "skip-blocked", false, "skip the blocked-output run")
	fs.IntVar(&o.blockedPer, "blocked-per-update", 1, "prefixes per UPDATE of the blocked-output run")
	fs.DurationVar(&o.stall, "stall", 10*time.Second, "how long the blocked-output run leaves the pipe unread")
	fs.IntVar(&o.maxRSSMB, "max-rss-mb", 150, "VmHWM target (MiB) of the collector while its output is blocked")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "time limit of one run")
	fs.StringVar(&o.tmpDir, "tmpdir", "", "directory for output files and the pipe (default: system temporary directory)")
	fs.BoolVar(&o.keep, "keep", false, "keep the output files")
	fs.BoolVar(&o.jsonOut, "json", false, "print the report as JSON instead of Markdown")
	fs.StringVar(&o.jsonFile, "json-out", "", "also write the report as JSON to this file")
	fs.StringArrayVar(&o.collectorArgs, "collector-flag", nil, "extra collector flag, e.g. --collector-flag=--queue-size=16 (repeatable)")
	fs.Usage = func() {
		fmt.Fprint(stderr, usageHead)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch {
	case o.prefixes < 1:
		return o, fmt.Errorf("--prefixes %d: want at least 1", o.prefixes)
	case o.sessions < 1:
		return o, fmt.Errorf("--sessions %d: want at least 1", o.sessions)
	case o.count < 0:
		return o, fmt.Errorf("--count %d: want 0 or more", o.count)
	case o.blockedPer < 1:
		return o, fmt.Errorf("--blocked-per-update %d: want at least 1", o.blockedPer)
	case o.stall < 0:
		return o, fmt.Errorf("--stall %s: want 0 or more", o.stall)
	}
	for _, p := range o.perUpdate {
		if p < 1 {
			return o, fmt.Errorf("--per-update %d: want at least 1", p)
		}
	}
	if _, err := os.Stat(o.collector); err != nil {
		return o, fmt.Errorf("collector binary: %w (run \"make build\" or pass --collector)", err)
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parse(args, stderr)
	if err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintln(stderr, "bmpbench:", err)
		return exitUsage
	}
	rep := bench.Report{Machine: bench.ReadMachine(o.collector), Collector: o.collector, Extra: o.collectorArgs}
	cfg := bench.Config{Collector: o.collector, Extra: o.collectorArgs, TmpDir: o.tmpDir, Sessions: o.sessions,
		Timeout: o.timeout, Keep: o.keep, Log: stderr}

	var blockedStream *bench.Stream
	for _, per := range o.perUpdate {
		if o.count == 0 {
			break
		}
		s, err := makeStream(o.prefixes, per, stderr)
		if err != nil {
			rep.Failures = append(rep.Failures, err.Error())
			continue
		}
		if per == o.blockedPer {
			blockedStream = s
		}
		for i := range o.count {
			fmt.Fprintf(stderr, "throughput: %d prefixes/UPDATE, %d session(s), run %d/%d …\n", per, o.sessions, i+1, o.count)
			r, err := bench.Throughput(cfg, s)
			if err != nil {
				rep.Failures = append(rep.Failures, fmt.Sprintf("throughput %d/UPDATE: %v", per, err))
				fmt.Fprintf(stderr, "  failed: %v\n", err)
				continue
			}
			fmt.Fprintf(stderr, "  %.0f prefixes/s, %.1f MB/s in, peak RSS %.1f MiB, verified %v\n",
				r.PrefixesPerSec, r.InputMBPerSec, float64(r.PeakRSS)/(1<<20), r.Verified)
			rep.Results = append(rep.Results, r)
		}
	}
	if !o.skipBlocked {
		s := blockedStream
		if s == nil {
			s, err = makeStream(o.prefixes, o.blockedPer, stderr)
		}
		if err != nil {
			rep.Failures = append(rep.Failures, err.Error())
		} else {
			b, err := bench.Blocked(cfg, s, o.stall, int64(o.maxRSSMB)<<20)
			if err != nil {
				rep.Failures = append(rep.Failures, fmt.Sprintf("blocked output: %v", err))
				fmt.Fprintf(stderr, "  failed: %v\n", err)
			} else {
				fmt.Fprintf(stderr, "  VmHWM at end of stall %.1f MiB (target %d MiB), drain %s, verified %v\n",
					float64(b.StallHWM)/(1<<20), o.maxRSSMB, b.Drain.Round(time.Millisecond), b.Verified)
				rep.Blocked = append(rep.Blocked, b)
			}
		}
	}
	if o.jsonOut {
		if err := rep.WriteJSON(stdout); err != nil {
			fmt.Fprintln(stderr, "bmpbench:", err)
			return exitFail
		}
	} else {
		rep.WriteMarkdown(stdout)
	}
	if o.jsonFile != "" {
		if err := writeJSONFile(o.jsonFile, &rep); err != nil {
			fmt.Fprintln(stderr, "bmpbench:", err)
			return exitFail
		}
	}
	if !rep.OK() {
		fmt.Fprintln(stderr, "bmpbench: FAILED (see the report)")
		return exitFail
	}
	return exitOK
}

func makeStream(prefixes, per int, log io.Writer) (*bench.Stream, error) {
	start := time.Now()
	s, err := bench.MakeStream(prefixes, per)
	if err != nil {
		return nil, fmt.Errorf("generating %d prefixes, %d per UPDATE: %w", prefixes, per, err)
	}
	fmt.Fprintf(log, "generated %d prefixes, %d per UPDATE: %d BMP messages, %.1f MB in %s\n",
		prefixes, per, s.Messages, float64(len(s.Data))/1e6, time.Since(start).Round(time.Millisecond))
	return s, nil
}

func writeJSONFile(path string, rep *bench.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := rep.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
