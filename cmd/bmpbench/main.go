// Command bmpbench measures the bmpstream collector end to end. It generates synthetic BMP
// router streams (IPv4 and IPv6 UPDATEs alternating, N prefixes, P prefixes per UPDATE),
// runs the collector binary as a child process writing JSON Lines to a temporary file,
// replays each stream over loopback TCP and waits until every record is in the file. It
// reports prefixes/s and BMP messages/s from the first byte sent to the last record
// written, input MB/s, JSON bytes per record, and the collector's peak RSS (VmHWM) and CPU
// time. A "blocked output" run then points the collector at a named pipe that is not read
// for a while, checks that its memory stays bounded, drains the pipe and verifies every
// record. Further scenarios: --realistic (several peers, attributes varying per UPDATE),
// --mrt (a full table converted from an MRT TABLE_DUMP_V2 RIB, on --mrt-sessions sessions),
// --kafka (the same through an in-process Kafka broker, acks=all), --proto-per-update (to a
// protobuf file, --dump-format=proto, every record decoded and verified) and --idle
// (memory per idle router session). Every output is verified: each session's records exactly once,
// in order. Results go to stdout as Markdown tables (or JSON with --json), progress to
// stderr; --bench-out also writes them in the Go benchmark format for benchstat.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
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
	benchFile     string
	cpuProfile    string
	collectorArgs []string

	realistic       bool
	peers           int
	mrtFile         string
	mrtSessions     int
	kafka           bool
	kafkaPer        []int
	protoPer        []int
	kafkaComp       string
	kafkaParts      int
	kafkaMRT        bool
	idle            int
	blockedMRT      bool
	blockedSessions int
	skipThroughput  bool
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
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of bmpbench itself (generator, sender, Kafka broker and consumer) to this file")
	fs.StringVar(&o.benchFile, "bench-out", "", "also write the results in the Go benchmark format (for benchstat) to this file")
	fs.BoolVar(&o.skipThroughput, "skip-synthetic", false, "skip the synthetic file throughput runs (--per-update)")
	fs.BoolVar(&o.realistic, "realistic", false, "also run each --per-update with the realistic generator (--peers peers, attributes varying per UPDATE)")
	fs.IntVar(&o.peers, "peers", 8, "peers of the --realistic streams")
	fs.StringVar(&o.mrtFile, "mrt", "", "also replay this MRT TABLE_DUMP_V2 RIB (converted as by \"bmpreplay gen --mrt\") to the file sink")
	fs.IntVar(&o.mrtSessions, "mrt-sessions", 4, "parallel sessions of the --mrt run")
	fs.BoolVar(&o.kafka, "kafka", false, "also run the synthetic streams of --kafka-per-update through an in-process Kafka broker (acks=all)")
	fs.IntSliceVar(&o.kafkaPer, "kafka-per-update", []int{10}, "prefixes per UPDATE of the --kafka runs")
	fs.IntSliceVar(&o.protoPer, "proto-per-update", nil, "also run the synthetic streams of these prefixes per UPDATE to a protobuf file (--dump-format=proto; every record decoded and verified)")
	fs.StringVar(&o.kafkaComp, "kafka-compression", "lz4", "collector's --kafka-compression in the --kafka runs")
	fs.IntVar(&o.kafkaParts, "kafka-partitions", 4, "partitions per topic in the --kafka runs")
	fs.BoolVar(&o.kafkaMRT, "kafka-mrt", false, "with --kafka and --mrt: also replay the MRT stream to Kafka")
	fs.BoolVar(&o.blockedMRT, "blocked-mrt", false, "the blocked-output run replays the --mrt stream (instead of a synthetic one)")
	fs.IntVar(&o.blockedSessions, "blocked-sessions", 0, "sessions of the blocked-output run (default --sessions)")
	fs.IntVar(&o.idle, "idle", 0, "also measure the memory of this many idle router sessions (0: skip)")
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
	case o.peers < 1:
		return o, fmt.Errorf("--peers %d: want at least 1", o.peers)
	case o.mrtSessions < 1:
		return o, fmt.Errorf("--mrt-sessions %d: want at least 1", o.mrtSessions)
	case o.idle < 0 || o.idle > 60000:
		return o, fmt.Errorf("--idle %d: want 0 to 60000", o.idle)
	}
	for _, p := range append(append(append([]int{}, o.perUpdate...), o.kafkaPer...), o.protoPer...) {
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
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "bmpbench:", err)
			return exitUsage
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "bmpbench:", err)
			return exitUsage
		}
		defer pprof.StopCPUProfile()
	}
	rep := bench.Report{Machine: bench.ReadMachine(o.collector), Collector: o.collector, Extra: o.collectorArgs}
	cfg := bench.Config{Collector: o.collector, Extra: o.collectorArgs, TmpDir: o.tmpDir, Sessions: o.sessions,
		Timeout: o.timeout, Keep: o.keep, Log: stderr}

	var blockedStream *bench.Stream
	streams := map[int]*bench.Stream{}
	synthetic := func(per int) *bench.Stream {
		if s, ok := streams[per]; ok {
			return s
		}
		s, err := makeStream(o.prefixes, per, stderr)
		if err != nil {
			rep.Failures = append(rep.Failures, err.Error())
		}
		streams[per] = s
		return s
	}
	measure := func(what string, cfg bench.Config, s *bench.Stream, run func(bench.Config, *bench.Stream) (bench.Result, error)) {
		for i := range o.count {
			fmt.Fprintf(stderr, "throughput: %s, %d session(s), run %d/%d …\n", what, cfg.Sessions, i+1, o.count)
			r, err := run(cfg, s)
			if err != nil {
				rep.Failures = append(rep.Failures, fmt.Sprintf("throughput %s: %v", what, err))
				fmt.Fprintf(stderr, "  failed: %v\n", err)
				continue
			}
			fmt.Fprintf(stderr, "  %.0f prefixes/s, %s CPU/prefix, %.1f MB/s in, peak RSS %.1f MiB, verified %v\n",
				r.PrefixesPerSec, r.CPUPerPrefix.Round(10*time.Nanosecond), r.InputMBPerSec, float64(r.PeakRSS)/(1<<20), r.Verified)
			if r.Error != "" {
				fmt.Fprintf(stderr, "  %s\n", r.Error)
			}
			rep.Results = append(rep.Results, r)
		}
	}
	for _, per := range o.perUpdate {
		if o.count == 0 || o.skipThroughput {
			break
		}
		if s := synthetic(per); s != nil {
			measure(fmt.Sprintf("synthetic, %d prefixes/UPDATE, file", per), cfg, s, bench.Throughput)
		}
	}
	for _, per := range o.protoPer {
		if o.count == 0 {
			break
		}
		if s := synthetic(per); s != nil {
			pcfg := cfg
			pcfg.Format = "proto"
			measure(fmt.Sprintf("synthetic, %d prefixes/UPDATE, protobuf file", per), pcfg, s, bench.Throughput)
		}
	}
	if o.realistic && o.count > 0 {
		for _, per := range o.perUpdate {
			start := time.Now()
			s, err := bench.MakeRealistic(o.prefixes, per, o.peers)
			if err != nil {
				rep.Failures = append(rep.Failures, fmt.Sprintf("realistic stream: %v", err))
				continue
			}
			fmt.Fprintf(stderr, "generated %s: %d BMP messages, %.1f MB in %s\n", s.Name, s.Messages, float64(len(s.Data))/1e6, time.Since(start).Round(time.Millisecond))
			measure(fmt.Sprintf("%s, %d prefixes/UPDATE, file", s.Name, per), cfg, s, bench.Throughput)
		}
	}
	var mrtStream *bench.Stream
	if o.mrtFile != "" && o.count > 0 {
		start := time.Now()
		mrtStream, err = bench.MRTStream(o.mrtFile)
		if err != nil {
			rep.Failures = append(rep.Failures, fmt.Sprintf("MRT stream: %v", err))
		} else {
			fmt.Fprintf(stderr, "converted %s: %d routes, %d BMP messages, %.1f MB in %s\n", o.mrtFile, mrtStream.Prefixes,
				mrtStream.Messages, float64(len(mrtStream.Data))/1e6, time.Since(start).Round(time.Millisecond))
			mcfg := cfg
			mcfg.Sessions = o.mrtSessions
			measure(mrtStream.Name+", file", mcfg, mrtStream, bench.Throughput)
		}
	}
	if o.kafka && o.count > 0 {
		kc := bench.KafkaConfig{Compression: o.kafkaComp, Partitions: o.kafkaParts}
		kafkaRun := func(c bench.Config, s *bench.Stream) (bench.Result, error) { return bench.ThroughputKafka(c, s, kc) }
		for _, per := range o.kafkaPer {
			if s := synthetic(per); s != nil {
				measure(fmt.Sprintf("synthetic, %d prefixes/UPDATE, kafka %s", per, o.kafkaComp), cfg, s, kafkaRun)
			}
		}
		if o.kafkaMRT && mrtStream != nil {
			mcfg := cfg
			mcfg.Sessions = o.mrtSessions
			measure(mrtStream.Name+", kafka "+o.kafkaComp, mcfg, mrtStream, kafkaRun)
		}
	}
	if o.idle > 0 {
		fmt.Fprintf(stderr, "idle: %d sessions …\n", o.idle)
		r, err := bench.Idle(cfg, o.idle)
		if err != nil {
			rep.Failures = append(rep.Failures, fmt.Sprintf("idle sessions: %v", err))
			fmt.Fprintf(stderr, "  failed: %v\n", err)
		} else {
			fmt.Fprintf(stderr, "  %.1f KiB and %.2f goroutines per session, verified %v\n", float64(r.PerSession)/1024, r.GoroutinesPerSession, r.Verified)
			rep.Idle = append(rep.Idle, r)
		}
	}
	blockedStream = streams[o.blockedPer]
	if !o.skipBlocked {
		s := blockedStream
		if o.blockedMRT {
			if mrtStream == nil && o.mrtFile != "" {
				mrtStream, err = bench.MRTStream(o.mrtFile)
			}
			if s = mrtStream; s == nil && err == nil {
				err = errors.New("--blocked-mrt needs --mrt")
			}
		}
		if s == nil && err == nil {
			s, err = makeStream(o.prefixes, o.blockedPer, stderr)
		}
		if err != nil {
			rep.Failures = append(rep.Failures, err.Error())
		} else {
			bcfg := cfg
			if o.blockedSessions > 0 {
				bcfg.Sessions = o.blockedSessions
			}
			fmt.Fprintf(stderr, "blocked output: %s, %d session(s) …\n", s.Name, bcfg.Sessions)
			b, err := bench.Blocked(bcfg, s, o.stall, int64(o.maxRSSMB)<<20)
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
	if o.benchFile != "" {
		if err := writeFile(o.benchFile, rep.WriteBenchFormat); err != nil {
			fmt.Fprintln(stderr, "bmpbench:", err)
			return exitFail
		}
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

func writeFile(path string, write func(io.Writer)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	write(f)
	return f.Close()
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
