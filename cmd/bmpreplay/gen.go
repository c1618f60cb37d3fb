package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/mrtbmp"
	"github.com/bmpstream/bmpstream/internal/replay"
)

const genUsageHead = `Usage: bmpreplay gen [flags] -o OUT.bmp
       bmpreplay gen --mrt FILE [flags] -o OUT.bmp

Writes a BMP router stream to a raw BMP file (replay it with "bmpreplay -c HOST:PORT OUT.bmp").

Synthetic (default): an Initiation, a Peer Up per peer, --prefixes prefixes in UPDATEs of
--per-update prefixes (IPv4 through NLRI, alternately IPv6 through MP_REACH_NLRI with
--ipv6), a Peer Down per peer and a Termination. With --peers > 1 or --realistic, the
AS paths, communities, MEDs and prefix lengths vary per UPDATE (seeded by --seed, so the
same flags give the same bytes) and the UPDATEs go to the peers in turn.

From MRT (--mrt, gzip/bzip2 recognised): a TABLE_DUMP_V2 RIB becomes an Initiation, one
Peer Up per MRT peer, each peer's routes packed as a router would (prefixes that share
identical attributes in one UPDATE of at most 4096 bytes, IPv6 through MP_REACH_NLRI), an
End-of-RIB per family, then Peer Downs and a Termination (--no-termination leaves them
out). A BGP4MP update file becomes Route Monitoring messages in the file's order (each
peer's Peer Up before its first UPDATE; state changes become Peer Down and Peer Up).

What was written is summarised on stderr (as JSON with --json).

Flags:
`

type genConfig struct {
	out           string
	prefixes      int
	perUpdate     int
	ipv6          bool
	peers         int
	realistic     bool
	seed          uint64
	sysName       string
	mrtFile       string
	noTermination bool
	maxPeers      int
	jsonOut       bool
}

func runGen(args []string, stdout, stderr io.Writer) int {
	var cfg genConfig
	fs := pflag.NewFlagSet("bmpreplay gen", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.SortFlags = false
	fs.StringVarP(&cfg.out, "output", "o", "", "write the stream to `FILE` (\"-\" = stdout)")
	fs.IntVar(&cfg.prefixes, "prefixes", 100000, "synthetic: prefixes announced in total")
	fs.IntVar(&cfg.perUpdate, "per-update", 1, "synthetic: prefixes per UPDATE")
	fs.BoolVar(&cfg.ipv6, "ipv6", true, "synthetic: every other UPDATE announces IPv6 prefixes through MP_REACH_NLRI")
	fs.IntVar(&cfg.peers, "peers", 1, "synthetic: peers (more than 1 implies --realistic)")
	fs.BoolVar(&cfg.realistic, "realistic", false, "synthetic: vary AS paths, communities, MEDs and prefix lengths per UPDATE")
	fs.Uint64Var(&cfg.seed, "seed", 1, "synthetic: seed of the --realistic choices")
	fs.StringVar(&cfg.sysName, "sysname", "", "Initiation sysName (default gen-router, or mrt-router with --mrt)")
	fs.StringVar(&cfg.mrtFile, "mrt", "", "convert this MRT `FILE` (TABLE_DUMP_V2 RIB or BGP4MP updates) instead")
	fs.BoolVar(&cfg.noTermination, "no-termination", false, "--mrt: end without Peer Downs and Termination")
	fs.IntVar(&cfg.maxPeers, "max-peers", 0, "--mrt RIB: keep only the first `N` peers (0 = all)")
	fs.BoolVar(&cfg.jsonOut, "json", false, "print the summary as JSON")
	fs.Usage = func() {
		fmt.Fprint(stderr, genUsageHead)
		fmt.Fprint(stderr, fs.FlagUsages())
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		return usageError(stderr, "gen: %v", err)
	}
	switch {
	case fs.NArg() > 0:
		return usageError(stderr, "gen: unexpected arguments %q", fs.Args())
	case cfg.out == "":
		return usageError(stderr, "gen: no output file (-o)")
	case cfg.mrtFile == "" && cfg.prefixes < 1:
		return usageError(stderr, "gen: --prefixes must be at least 1, got %d", cfg.prefixes)
	case cfg.perUpdate < 1:
		return usageError(stderr, "gen: --per-update must be at least 1, got %d", cfg.perUpdate)
	case cfg.peers < 1:
		return usageError(stderr, "gen: --peers must be at least 1, got %d", cfg.peers)
	}
	var w io.Writer = stdout
	var f *os.File
	if cfg.out != "-" {
		var err error
		if f, err = os.Create(cfg.out); err != nil {
			fmt.Fprintf(stderr, "bmpreplay: gen: %v\n", err)
			return exitUsage
		}
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	summary, err := generate(&cfg, bw)
	if err == nil {
		err = bw.Flush()
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "bmpreplay: gen: %v\n", err)
		return exitReplay
	}
	if cfg.jsonOut {
		e := json.NewEncoder(stderr)
		e.SetIndent("", "  ")
		e.Encode(summary)
	} else {
		fmt.Fprintln(stderr, summary.text())
	}
	return exitOK
}

// genSummary is what gen prints: the counts of the stream written.
type genSummary struct {
	Output string         `json:"output"`
	Source string         `json:"source"`
	Counts *mrtbmp.Counts `json:"counts"`
	// Records is how many records bmpstream makes of the stream (RIB and synthetic only).
	Records int64 `json:"records,omitempty"`
}

func (s genSummary) text() string {
	c := s.Counts
	t := fmt.Sprintf("%s: %s BMP messages (%s Route Monitoring, %d Peer Up, %d Peer Down, %d End-of-RIB), %d peers, %s routes announced (%s unicast), %s withdrawn",
		s.Output, thousands(c.Messages), thousands(c.Updates), c.PeerUps, c.PeerDowns, c.EndOfRIBs, c.Peers,
		thousands(c.Announced), thousands(c.Unicast), thousands(c.Withdrawn))
	if s.Records > 0 {
		t += fmt.Sprintf("; bmpstream makes %s records of it", thousands(int(s.Records)))
	}
	for why, n := range c.Skipped {
		t += fmt.Sprintf("\n  skipped %d: %s", n, why)
	}
	for what, n := range c.Quirks {
		t += fmt.Sprintf("\n  converted %d: %s", n, what)
	}
	return t
}

func thousands(n int) string { return replay.Thousands(uint64(n)) }

func generate(cfg *genConfig, w io.Writer) (genSummary, error) {
	s := genSummary{Output: cfg.out}
	if cfg.mrtFile != "" {
		s.Source = cfg.mrtFile
		c, err := mrtbmp.ConvertFile(cfg.mrtFile, w, mrtbmp.Options{SysName: cfg.sysName, NoTermination: cfg.noTermination, MaxPeers: cfg.maxPeers})
		s.Counts = &c
		if c.Kind == "rib" {
			s.Records = c.Records()
		}
		return s, err
	}
	s.Source = "synthetic"
	spec := gen.StreamSpec{Prefixes: cfg.prefixes, PerUpdate: cfg.perUpdate, IPv6: cfg.ipv6, SysName: cfg.sysName,
		Peers: cfg.peers, Realistic: cfg.realistic, Seed: cfg.seed}
	sc, err := gen.WriteStream(w, spec)
	c := mrtbmp.Counts{Kind: "synthetic", Messages: sc.Messages, Announced: sc.V4 + sc.V6, Unicast: sc.V4 + sc.V6,
		Initiation: 1, Terminated: 1, PeerUps: max(sc.PeerUps, 1), PeerDowns: max(sc.PeerDowns, 1)}
	c.Peers = c.PeerUps
	c.Updates = c.Messages - 2 - c.PeerUps - c.PeerDowns
	s.Counts = &c
	s.Records = c.Records()
	return s, err
}
