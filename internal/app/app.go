// Package app is the bmpstream command: flag parsing (goBMP's flag names), building the
// publishers, running the BMP server until a signal, draining on shutdown, and the
// offline "inspect" subcommand.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/golang/glog"
	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/internal/buildinfo"
	"github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/publisher/file"
)

// Version is the collector's version: internal/buildinfo's (stamped by make build from
// git describe, else what go build recorded). Tests may override it.
var Version = buildinfo.String()

// Options are the collector's settings.
type Options struct {
	SourcePort  int
	BindAddress string
	Dump        string
	MsgFile     string
	DumpFormat  string
	// Format is the record encoding of the Kafka, NATS and dump outputs (json or proto);
	// --kafka-format, --nats-format and --dump-format override it per sink.
	Format          string
	SplitAF         bool
	MaxMessageSize  int
	GoBMPPeerAction bool
	QueueSize       int
	ShutdownTimeout time.Duration
}

func defaultOptions() Options {
	return Options{SourcePort: 5000, Dump: "", DumpFormat: "", Format: "json", SplitAF: true,
		MaxMessageSize: 1 << 20, QueueSize: 64, ShutdownTimeout: 30 * time.Second}
}

func newFlagSet(o *Options, stderr io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet("bmpstream", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.SourcePort, "source-port", o.SourcePort, "TCP port to accept BMP sessions on (0: any free port, see the event=listening log line)")
	fs.StringVar(&o.BindAddress, "bind-address", o.BindAddress, "address to listen on (default: all interfaces)")
	fs.StringVar(&o.Dump, "dump", o.Dump, "output: console (JSON Lines on stdout) or file (JSON Lines in --msg-file); default console unless another sink (e.g. Kafka) is configured")
	fs.StringVar(&o.MsgFile, "msg-file", o.MsgFile, "output file for --dump=file (created or truncated)")
	fs.StringVar(&o.DumpFormat, "dump-format", o.DumpFormat, "dump format: jsonl (one flat record per line), gobmp (goBMP's {msg_type,msg_hash,msg_data} envelope) or proto (length-delimited bmpstream.v1.Record messages); default: from --format")
	fs.StringVar(&o.Format, "format", o.Format, "record encoding of every output: json or proto (protobuf, schemas/bmpstream/v1); --kafka-format, --nats-format and --dump-format override it")
	fs.BoolVar(&o.SplitAF, "split-af", o.SplitAF, "split unicast/L3VPN/SR Policy/FlowSpec by address family (topics; goBMP msg_type numbers)")
	fs.IntVar(&o.MaxMessageSize, "max-message-size", o.MaxMessageSize, "largest BMP message accepted, in bytes; a longer one ends that router's session")
	fs.BoolVar(&o.GoBMPPeerAction, "gobmp-peer-action", o.GoBMPPeerAction, `Peer Up records carry goBMP's action "add" instead of "up"`)
	fs.IntVar(&o.QueueSize, "queue-size", o.QueueSize, "batches queued per output before reading from routers pauses (backpressure)")
	fs.DurationVar(&o.ShutdownTimeout, "shutdown-timeout", o.ShutdownTimeout, "on SIGTERM/SIGINT, how long to wait for sessions and outputs to drain (a second signal stops waiting)")
	// glog's flags (-v, --logtostderr, --log_dir, …).
	gfs := flag.NewFlagSet("glog", flag.ContinueOnError)
	for _, name := range []string{"v", "vmodule", "logtostderr", "alsologtostderr", "log_dir", "stderrthreshold", "log_backtrace_at"} {
		if f := flag.CommandLine.Lookup(name); f != nil {
			gfs.Var(f.Value, f.Name, f.Usage)
		}
	}
	fs.AddGoFlagSet(gfs)
	return fs
}

const usageHead = `bmpstream — BGP Monitoring Protocol (RFC 7854) collector

Usage:
  bmpstream [flags]                 accept BMP sessions, write one JSON record per line
%s  bmpstream --version

Examples:
  bmpstream --source-port=5000 --dump=console
  bmpstream --dump=file --msg-file=records.json -v 1
  bmpstream inspect capture.pcap | jq 'select(.type=="peer")'
  bmpstream decode records.pb    # --dump-format=proto output back to JSON Lines
  bmpstream --rib --api-address=127.0.0.1:8080   # route table and looking glass

Flags:
`

// commandLine is the collector's parsed command line: options, features and their flags.
type commandLine struct {
	fs       *pflag.FlagSet
	o        *Options
	features []Feature
	cf       *configFlags
	version  *bool
}

// newCommandLine builds the collector's flag set with every feature's flags; --help
// prints the usage to stdout.
func newCommandLine(stdout, stderr io.Writer) *commandLine {
	o := defaultOptions()
	cl := &commandLine{o: &o}
	cl.fs = newFlagSet(cl.o, stderr)
	for _, newFeature := range registry {
		f := newFeature()
		f.AddFlags(cl.fs)
		cl.features = append(cl.features, f)
	}
	cl.cf = addConfigFlags(cl.fs)
	cl.version = cl.fs.Bool("version", false, "print the version and exit")
	cl.fs.Usage = func() {
		fmt.Fprintf(stdout, usageHead, commandUsage())
		fmt.Fprint(stdout, cl.fs.FlagUsages())
	}
	return cl
}

// Main runs the command with args (without the program name) and returns the exit code:
// 0 success, 1 failure, 2 usage or configuration error.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] != "" && !strings.HasPrefix(args[0], "-") {
		c, ok := commands[args[0]]
		if !ok {
			return unknownCommand(args[0], stderr)
		}
		return c.Run(args[1:], stdout, stderr)
	}
	if wantsMigrateOnly(args) {
		return migrateMain(args, stdout, stderr)
	}
	cl := newCommandLine(stdout, stderr)
	fs, o := cl.fs, cl.o
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "bmpstream: %v\nRun 'bmpstream --help' for the flags.\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "bmpstream: unexpected argument %q: the collector takes only flags (commands: %s)\nRun 'bmpstream --help' for the usage.\n",
			fs.Arg(0), strings.Join(commandNames(), ", "))
		return 2
	}
	if *cl.version {
		fmt.Fprintln(stdout, "bmpstream", Version)
		return 0
	}
	if code, exit := configure(cl, args, stdout, stderr); exit {
		return code
	}
	if f := flag.CommandLine.Lookup("logtostderr"); f != nil && !fs.Changed("logtostderr") && !fs.Changed("log_dir") {
		_ = f.Value.Set("true")
	}
	defer glog.Flush()
	if err := run(*o, cl.features); err != nil {
		glog.Errorf("event=fatal err=%q", err)
		fmt.Fprintln(stderr, "bmpstream:", err)
		return 1
	}
	return 0
}

// dumpFormat is --dump-format, or the one --format implies.
func (o *Options) dumpFormat() string {
	if o.DumpFormat == "" && o.Format == "proto" {
		return "proto"
	}
	return o.DumpFormat
}

// sinkFormat is a sink's --<sink>-format, or --format.
func (o *Options) sinkFormat(own string) (publisher.Format, error) {
	if own == "" {
		own = o.Format
	}
	return publisher.ParseFormat(own)
}

// addDumpSink adds the console or file sink when --dump asks for one, or as the default
// output when no other sink is configured.
func addDumpSink(rt *Runtime) error {
	o := rt.Options
	if o.Dump == "" && len(rt.sinks) > 0 {
		return nil
	}
	format, err := file.ParseFormat(o.dumpFormat())
	if err != nil {
		return err
	}
	fopts := file.Options{Format: format, SplitAF: o.SplitAF}
	switch o.Dump {
	case "console", "":
		c := file.Console(fopts)
		rt.AddSink(c, 0, publisher.Block)
		rt.AddReadiness(c.Ready)
		rt.OnShutdown(c.SetDeadline)
	case "file":
		if o.MsgFile == "" {
			return errors.New("--dump=file needs --msg-file")
		}
		f, err := file.Create(o.MsgFile, fopts)
		if err != nil {
			return err
		}
		rt.AddSink(f, 0, publisher.Block)
		rt.OnReopen("msg-file "+o.MsgFile, f.Reopen)
		// A failing disk: the sink retries (the queue fills, reading pauses), /readyz
		// reports it, and it gives up at the shutdown deadline (counted as failed).
		rt.AddReadiness(f.Ready)
		rt.OnShutdown(f.SetDeadline)
	default:
		return fmt.Errorf("unknown --dump %q (want console or file)", o.Dump)
	}
	return nil
}

func run(o Options, features []Feature) error {
	if o.SourcePort < 0 || o.SourcePort > 65535 {
		return fmt.Errorf("--source-port %d out of range 0-65535", o.SourcePort)
	}
	ctx, cancelFeatures := context.WithCancel(context.Background())
	defer cancelFeatures()
	rt := &Runtime{Options: &o, Counters: &session.Counters{}}
	rt.Server = &server.Config{
		Listen:         net.JoinHostPort(o.BindAddress, strconv.Itoa(o.SourcePort)),
		MaxMessageSize: o.MaxMessageSize,
		Session:        session.Config{GoBMPPeerAction: o.GoBMPPeerAction, Counters: rt.Counters},
	}
	var started []Feature
	stopFeatures := func() {
		sctx, cancel := context.WithTimeout(context.Background(), o.ShutdownTimeout)
		defer cancel()
		for i := len(started) - 1; i >= 0; i-- {
			if err := started[i].Stop(sctx); err != nil {
				glog.Errorf("feature=%s event=stop_failed err=%q", started[i].Name(), err)
			}
		}
	}
	for _, f := range features {
		if err := f.Start(ctx, rt); err != nil {
			publisher.Fanout(rt.sinks).Close()
			stopFeatures()
			return fmt.Errorf("%s: %w", f.Name(), err)
		}
		started = append(started, f)
	}
	if err := addDumpSink(rt); err != nil {
		publisher.Fanout(rt.sinks).Close()
		stopFeatures()
		return err
	}
	var pub publisher.Publisher = publisher.Fanout(rt.sinks)
	for _, w := range rt.wrappers {
		pub = w(pub)
	}
	rt.Server.Publisher = pub
	rt.Server.Session.Encodings = publisher.Needs(pub) // each encoding once per record, only if read
	srv := server.New(*rt.Server)
	if rt.Server.Listen != "" { // empty: a feature disabled the plain listener
		if err := srv.Listen(); err != nil {
			pub.Close()
			stopFeatures()
			return err
		}
	}
	for _, f := range rt.afterServer {
		f(srv)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	defer rt.handleReopen()()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve() }()
	rt.phase.Store(phaseServing)
	select {
	case s := <-sig:
		glog.Infof("event=shutdown signal=%s timeout=%s", s, o.ShutdownTimeout)
	case err := <-errc:
		rt.beginShutdown(time.Now().Add(o.ShutdownTimeout))
		pub.Close()
		stopFeatures()
		return err
	}
	res := drain(rt, srv, pub, sig)
	cancelFeatures()
	stopFeatures()
	return res.report(rt, srv)
}
