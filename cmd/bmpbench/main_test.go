package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFlags(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "collector")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"--help"}, exitOK, "Usage: bmpbench"},
		{[]string{"--collector", bin, "--prefixes", "0"}, exitUsage, "--prefixes 0"},
		{[]string{"--collector", bin, "--sessions", "0"}, exitUsage, "--sessions 0"},
		{[]string{"--collector", bin, "--per-update", "1,0"}, exitUsage, "--per-update 0"},
		{[]string{"--collector", bin, "--per-update", "x"}, exitUsage, "invalid argument"},
		{[]string{"--collector", bin, "--blocked-per-update", "0"}, exitUsage, "--blocked-per-update 0"},
		{[]string{"--collector", bin, "--stall", "-1s"}, exitUsage, "--stall -1s"},
		{[]string{"--collector", bin, "extra"}, exitUsage, "unexpected arguments"},
		{[]string{"--collector", filepath.Join(t.TempDir(), "missing")}, exitUsage, "make build"},
		{[]string{"--nope"}, exitUsage, "unknown flag"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		if code := run(c.args, &stdout, &stderr); code != c.code || !strings.Contains(stderr.String(), c.err) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr.String(), c.code, c.err)
		}
		if stdout.Len() != 0 {
			t.Errorf("%q: stdout %q", c.args, stdout.String())
		}
	}
	o, err := parse([]string{"--collector", bin}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if o.prefixes != 1_000_000 || len(o.perUpdate) != 2 || o.perUpdate[0] != 1 || o.perUpdate[1] != 10 ||
		o.sessions != 1 || o.skipBlocked || o.stall.Seconds() != 10 || o.maxRSSMB != 150 {
		t.Fatalf("defaults: %+v", o)
	}
}
