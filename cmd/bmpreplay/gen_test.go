package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bmpstream/bmpstream/internal/testutil"
)

func TestGenSynthetic(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "s.bmp")
	code, _, stderr := runCmd(t, "gen", "--prefixes", "1000", "--per-update", "10", "--peers", "3", "--json", "-o", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var sum genSummary
	if err := json.Unmarshal([]byte(stderr), &sum); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	// 1 Initiation, 3 Peer Ups, 100 UPDATEs, 3 Peer Downs, 1 Termination.
	if c := sum.Counts; c.Messages != 108 || c.Updates != 100 || c.PeerUps != 3 || c.Announced != 1000 || sum.Records != 1000+8 {
		t.Fatalf("summary %+v %+v", sum, *sum.Counts)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	msgs, rest := testutil.SplitBMP(data)
	if len(msgs) != 108 || len(rest) != 0 {
		t.Fatalf("%d messages, %d bytes left", len(msgs), len(rest))
	}
	// The same flags write the same bytes; another seed other bytes.
	again := filepath.Join(dir, "again.bmp")
	other := filepath.Join(dir, "other.bmp")
	runCmd(t, "gen", "--prefixes", "1000", "--per-update", "10", "--peers", "3", "-o", again)
	runCmd(t, "gen", "--prefixes", "1000", "--per-update", "10", "--peers", "3", "--seed", "2", "-o", other)
	a, _ := os.ReadFile(again)
	o, _ := os.ReadFile(other)
	if !bytes.Equal(a, data) || bytes.Equal(o, data) || len(o) == 0 {
		t.Fatalf("determinism: same %v, other differs %v", bytes.Equal(a, data), !bytes.Equal(o, data))
	}
	// The list command reads it back.
	code, stdout, _ := runCmd(t, "--list", out)
	if code != exitOK || !strings.Contains(stdout, "108") {
		t.Fatalf("list: exit %d: %s", code, stdout)
	}
}

func TestGenMRTUpdates(t *testing.T) {
	in := filepath.Join(testutil.TestdataDir(t), "mrt", "CAIDA_libbgpstream", "test-dumps__routeviews.route-views.jinx.updates.1401493500.bz2")
	out := filepath.Join(t.TempDir(), "u.bmp")
	code, _, stderr := runCmd(t, "gen", "--mrt", in, "-o", out)
	if code != exitOK || !strings.Contains(stderr, "u.bmp: ") || !strings.Contains(stderr, "Route Monitoring") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, _ := os.ReadFile(out)
	if msgs, rest := testutil.SplitBMP(data); len(msgs) < 10 || len(rest) != 0 {
		t.Fatalf("%d messages, %d bytes left", len(msgs), len(rest))
	}
}

func TestGenUsage(t *testing.T) {
	for args, want := range map[string]string{
		"gen":                             "no output file",
		"gen -o x --per-update 0":         "--per-update must be at least 1",
		"gen -o x --peers 0":              "--peers must be at least 1",
		"gen -o x extra":                  "unexpected arguments",
		"gen -o /nonexistent/dir/out.bmp": "no such file",
	} {
		code, _, stderr := runCmd(t, strings.Fields(args)...)
		if code == exitOK || !strings.Contains(stderr, want) {
			t.Errorf("%s: exit %d, %q (want %q)", args, code, stderr, want)
		}
	}
	code, _, stderr := runCmd(t, "gen", "--help")
	if code != exitOK || !strings.Contains(stderr, "TABLE_DUMP_V2") || !strings.Contains(stderr, "--mrt FILE") {
		t.Fatalf("gen --help: %d %s", code, stderr)
	}
}
