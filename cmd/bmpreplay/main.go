// Command bmpreplay replays the BMP sessions found in packet captures (pcap, pcapng) and
// raw BMP files to a BMP collector over TCP, one connection per captured session, as the
// routers sent them. It can loop, rate-limit by BMP message, multiply sessions, and list
// what a capture holds without sending anything. "bmpreplay gen" writes BMP streams:
// synthetic ones, or converted from MRT RIB dumps and update files (see package mrtbmp).
// Run "bmpreplay --help" and "bmpreplay gen --help" for the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/golang/glog"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/bmpstream/bmpstream/internal/buildinfo"
	"github.com/bmpstream/bmpstream/internal/capture"
	"github.com/bmpstream/bmpstream/internal/replay"
)

// Exit codes.
const (
	exitOK     = 0
	exitReplay = 1 // a connection failed or the replay was interrupted
	exitUsage  = 2 // bad flags or unreadable input
)

func main() {
	// glog writes to files by default; a command-line tool logs to stderr.
	flag.Set("logtostderr", "true")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	glog.Flush()
	os.Exit(code)
}

const usageHead = `Usage: bmpreplay [flags] FILE|DIR...
       bmpreplay gen [flags] -o OUT.bmp   (write a synthetic or MRT-converted stream; gen --help)

Replays BMP sessions to a collector. FILE is a pcap, pcapng (optionally gzipped) or raw
BMP byte-stream file (the format is detected from its content); a DIR is searched
recursively for *.pcap, *.pcapng, *.cap and *.bmp. Every TCP session found is sent on its
own connection (--parallel K opens K connections per session), all concurrently; the
summary line is printed on stderr at the end. The exit code is 1 if any connection failed.

Flags:
`

const usageTail = `
Examples:
  bmpreplay -c 127.0.0.1:1790 capture.pcap
        replay every BMP session of capture.pcap once
  bmpreplay --list testdata/
        list the BMP sessions of every capture under testdata/ without sending
  bmpreplay -c collector:5000 --loop 10 --parallel 4 --rate 5000 session.bmp
        4 sessions each sending session.bmp 10 times, at 5,000 messages/s in total
  bmpreplay --ports 10179 --progress always raw-capture.pcapng
        take port 10179 as the collector side to find the router-to-collector direction
`

type config struct {
	collector   string
	loop        int
	rate        float64
	parallel    int
	ports       string
	progress    string
	list        bool
	version     bool
	closeDelay  time.Duration
	dialTimeout time.Duration
	maxStreams  int
	verbose     int
}

// newFlagSet builds the flags; --help prints the usage to stdout (parse errors go to
// stderr).
func newFlagSet(cfg *config, stdout, stderr io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet("bmpreplay", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.SortFlags = false
	fs.StringVarP(&cfg.collector, "collector", "c", "127.0.0.1:5000", "collector `host:port` to send to")
	fs.IntVar(&cfg.loop, "loop", 1, "send each session `N` times on its connection")
	fs.Float64Var(&cfg.rate, "rate", 0, "total rate in BMP `MSGS_PER_SEC` over all connections (0 = unlimited)")
	fs.IntVar(&cfg.parallel, "parallel", 1, "open `K` connections per session, each sending the whole session")
	fs.StringVar(&cfg.ports, "ports", joinPorts(capture.DefaultPorts), "collector TCP `PORTS`, comma-separated: in packet captures the direction towards\none of them is router → collector; other sessions are recognised by content\n(\"\" = by content only)")
	fs.StringVar(&cfg.progress, "progress", "auto", "`MODE` of the live progress line on stderr: auto (when stderr is a\nterminal), always or never")
	fs.BoolVar(&cfg.list, "list", false, "list the sessions found in each file (name, src → dst, bytes, messages, torn) and exit\nwithout sending")
	fs.DurationVar(&cfg.closeDelay, "close-delay", 0, "after sending and half-closing, wait up to `D` for the collector to close (e.g. 2s)")
	fs.DurationVar(&cfg.dialTimeout, "dial-timeout", 10*time.Second, "timeout of each connection attempt")
	fs.IntVar(&cfg.maxStreams, "max-streams", 0, "take at most `N` sessions from each file (0 = all)")
	fs.BoolVar(&cfg.version, "version", false, "print the version and exit")
	fs.IntVarP(&cfg.verbose, "verbose", "v", 0, "log `LEVEL` (glog -v): 1 = files and sessions")
	fs.Usage = func() {
		fmt.Fprint(stdout, usageHead)
		fmt.Fprint(stdout, fs.FlagUsages())
		fmt.Fprint(stdout, usageTail)
	}
	return fs
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "gen" {
		return runGen(args[1:], stdout, stderr)
	}
	var cfg config
	fs := newFlagSet(&cfg, stdout, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "bmpreplay: %v (see --help)\n", err)
		return exitUsage
	}
	if cfg.verbose > 0 {
		flag.Set("v", strconv.Itoa(cfg.verbose))
	}
	if cfg.version {
		fmt.Fprintf(stdout, "bmpreplay %s\n", versionString())
		return exitOK
	}
	ports, err := parsePorts(cfg.ports)
	if err != nil {
		return usageError(stderr, "--ports: %v", err)
	}
	switch {
	case cfg.loop < 1:
		return usageError(stderr, "--loop must be at least 1, got %d", cfg.loop)
	case cfg.parallel < 1:
		return usageError(stderr, "--parallel must be at least 1, got %d", cfg.parallel)
	case cfg.rate < 0:
		return usageError(stderr, "--rate must not be negative, got %g", cfg.rate)
	case cfg.progress != "auto" && cfg.progress != "always" && cfg.progress != "never":
		return usageError(stderr, "--progress must be auto, always or never, got %q", cfg.progress)
	case fs.NArg() == 0:
		return usageError(stderr, "no capture file given")
	}

	files, err := capture.Expand(fs.Args())
	if err != nil {
		return usageError(stderr, "%v", err)
	}
	opts := capture.Options{Ports: ports, MaxStreams: cfg.maxStreams}
	var all []capture.Stream
	for _, f := range files {
		streams, err := capture.ReadFile(f, opts)
		if err != nil {
			fmt.Fprintf(stderr, "bmpreplay: %v\n", err)
			return exitUsage
		}
		glog.V(1).Infof("%s: %d BMP sessions", f, len(streams))
		if cfg.list {
			list(stdout, f, streams)
			continue
		}
		if len(streams) == 0 {
			fmt.Fprintf(stderr, "bmpreplay: %s: no BMP session found\n", f)
		}
		all = append(all, streams...)
	}
	if cfg.list {
		return exitOK
	}
	if len(all) == 0 {
		fmt.Fprintln(stderr, "bmpreplay: nothing to replay")
		return exitUsage
	}

	ropts := replay.Options{
		Addr:        cfg.collector,
		Loop:        cfg.loop,
		Rate:        cfg.rate,
		Parallel:    cfg.parallel,
		CloseDelay:  cfg.closeDelay,
		DialTimeout: cfg.dialTimeout,
	}
	tty := isTerminal(stderr)
	if cfg.progress == "always" || (cfg.progress == "auto" && tty) {
		ropts.Progress = stderr
		ropts.ProgressRedraw = tty
		if !tty {
			ropts.ProgressInterval = time.Second
		}
	}
	glog.V(1).Infof("replaying %d sessions x %d to %s", len(all), cfg.parallel, cfg.collector)
	sum, err := replay.Run(ctx, all, ropts)
	code := exitOK
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(stderr, "bmpreplay: %s\n", line)
		}
		code = exitReplay
	}
	fmt.Fprintln(stderr, sum)
	return code
}

func usageError(w io.Writer, format string, args ...any) int {
	fmt.Fprintf(w, "bmpreplay: "+format+" (see --help)\n", args...)
	return exitUsage
}

func list(w io.Writer, file string, streams []capture.Stream) {
	if len(streams) == 1 {
		fmt.Fprintf(w, "%s: 1 BMP session\n", file)
	} else {
		fmt.Fprintf(w, "%s: %d BMP sessions\n", file, len(streams))
	}
	if len(streams) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  SESSION\tSOURCE → COLLECTOR\tBYTES\tMESSAGES\tTORN\tGAPS")
	for _, s := range streams {
		c := capture.Count(s.Data)
		flow := "-"
		if s.Src.IsValid() {
			flow = s.Src.String() + " → " + s.Dst.String()
		}
		torn := "-"
		switch {
		case c.Torn && c.TornDeclared > 0:
			torn = fmt.Sprintf("%s %d/%d B", capture.TypeName(c.TornType), c.TornPresent, c.TornDeclared)
		case c.Torn && c.BadOffset >= 0:
			torn = fmt.Sprintf("bad header at %d, %d B", c.BadOffset, c.TornPresent)
		case c.Torn:
			torn = fmt.Sprintf("%d B", c.TornPresent)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%d\n", s.Name, flow,
			replay.Thousands(uint64(len(s.Data))), replay.Thousands(uint64(c.Messages)), torn, s.Gaps)
	}
	tw.Flush()
}

func joinPorts(ports []uint16) string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = strconv.Itoa(int(p))
	}
	return strings.Join(s, ",")
}

// parsePorts parses "1790,5000"; "" gives an empty (non-nil) list: detection by content.
func parsePorts(s string) ([]uint16, error) {
	out := []uint16{}
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.ParseUint(f, 10, 16)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("%q is not a TCP port (1-65535)", f)
		}
		out = append(out, uint16(n))
	}
	return out, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func versionString() string {
	v := buildinfo.String()
	if bi, ok := debug.ReadBuildInfo(); ok {
		v += " " + bi.GoVersion
	}
	return v
}
