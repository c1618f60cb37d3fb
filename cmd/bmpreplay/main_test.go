package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/testutil"
)

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelpDocumentsEveryFlag(t *testing.T) {
	code, stdout, stderr := runCmd(t, "--help")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"Usage: bmpreplay [flags] FILE|DIR...", "-c, --collector", `(default "127.0.0.1:5000")`,
		"--loop N", "--rate MSGS_PER_SEC", "--parallel K", "--ports PORTS", `"1790,5000,10000,11019"`,
		"--progress MODE", "auto", "always", "never", "--list", "--version", "--close-delay", "--dial-timeout",
		"--max-streams", "-v, --verbose", "Examples:", "bmpreplay -c 127.0.0.1:1790 capture.pcap"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("--help (stdout) lacks %q", want)
		}
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := runCmd(t, "--version")
	if code != 0 || !strings.HasPrefix(stdout, "bmpreplay ") || !strings.Contains(stdout, "go1.") {
		t.Fatalf("exit %d, %q", code, stdout)
	}
}

// TestVersionStampedByMake: the binary that make build produces prints the version make
// stamps (git describe), not "(devel)": the build command of the Makefile is run as is.
func TestVersionStampedByMake(t *testing.T) {
	if testing.Short() {
		t.Skip("builds bmpreplay")
	}
	bin := t.TempDir()
	dry := exec.Command("make", "-n", "build", "VERSION=v9.8.7-test", "BIN="+bin)
	dry.Dir = testutil.RepoRoot()
	out, err := dry.Output()
	if err != nil {
		t.Fatalf("make -n build: %v", err)
	}
	var build string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "./cmd/bmpreplay") {
			build = l
		}
	}
	if build == "" {
		t.Fatalf("no bmpreplay build command in:\n%s", out)
	}
	sh := exec.Command("sh", "-c", build)
	sh.Dir = testutil.RepoRoot()
	if out, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", build, err, out)
	}
	v, err := exec.Command(filepath.Join(bin, "bmpreplay"), "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(v), "bmpreplay v9.8.7-test go1.") {
		t.Fatalf("--version printed %q", v)
	}
}

func TestUsageErrors(t *testing.T) {
	f := filepath.Join(t.TempDir(), "x.bmp")
	os.WriteFile(f, []byte("\x03\x00\x00\x00\x06\x04"), 0o644)
	cases := []struct {
		args []string
		want string
	}{
		{nil, "no capture file given"},
		{[]string{"--loop", "0", f}, "--loop must be at least 1"},
		{[]string{"--parallel", "-1", f}, "--parallel must be at least 1"},
		{[]string{"--rate", "-5", f}, "--rate must not be negative"},
		{[]string{"--progress", "sometimes", f}, "--progress must be auto, always or never"},
		{[]string{"--ports", "1790,70000", f}, `"70000" is not a TCP port`},
		{[]string{"--ports", "abc", f}, `"abc" is not a TCP port`},
		{[]string{"--bogus", f}, "unknown flag: --bogus"},
		{[]string{"/nonexistent/file.pcap"}, "no such file"},
		{[]string{t.TempDir()}, "no *.pcap, *.pcapng, *.cap or *.bmp file"},
	}
	for _, c := range cases {
		code, _, stderr := runCmd(t, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

func TestParsePorts(t *testing.T) {
	cases := map[string]string{"": "[]", "1790": "[1790]", " 1790 , 5000,": "[1790 5000]", "65535": "[65535]"}
	for in, want := range cases {
		got, err := parsePorts(in)
		if err != nil || got == nil || fmt.Sprint(got) != want {
			t.Errorf("parsePorts(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"0", "65536", "-1", "x", "1790;5000"} {
		if _, err := parsePorts(bad); err == nil {
			t.Errorf("parsePorts(%q): no error", bad)
		}
	}
}

func TestList(t *testing.T) {
	dir := testutil.TestdataDir(t)
	code, stdout, stderr := runCmd(t, "--list",
		filepath.Join(dir, "public", "network-analytics_traffic-reproducer", "pcaps__bmp-traffic.pcap"),
		filepath.Join(dir, "public", "NetGauze_NetGauze", "bmp__evpn__evpn.pcap"),
		filepath.Join(dir, "public", "NetGauze_NetGauze", "pcap-reader__data__bgp.pcap"),
		filepath.Join(dir, "lab", "frr84-mixed.bmp"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(stdout, "\n")
	want := []string{
		"pcaps__bmp-traffic.pcap: 1 BMP session",
		"  SESSION",
		"  pcaps__bmp-traffic.pcap#1  192.0.2.61:52867 → 192.0.2.6:1790  20,791  107       RoutePolicyTrace 211/765 B  0",
		"bmp__evpn__evpn.pcap: 2 BMP sessions",
		"  SESSION",
		"  bmp__evpn__evpn.pcap#1  198.51.100.44:43969 → 192.0.2.1:1790   2,150   16        -     0",
		"  bmp__evpn__evpn.pcap#2  198.51.100.154:16436 → 192.0.2.1:1790  25,606  140       -     0",
		"pcap-reader__data__bgp.pcap: 0 BMP sessions",
		"frr84-mixed.bmp: 1 BMP session",
		"  SESSION",
		"  frr84-mixed.bmp  -                   991,685  5,774     -     0",
	}
	if len(lines) < len(want) {
		t.Fatalf("list output:\n%s", stdout)
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) {
			t.Errorf("line %d: %q, want it to contain %q", i, lines[i], w)
		}
	}
}

// collector accepts connections and returns each connection's bytes on a channel.
func collector(t *testing.T) (addr string, got chan []byte) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got = make(chan []byte, 64)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				b, _ := io.ReadAll(c)
				got <- b
			}()
		}
	}()
	return ln.Addr().String(), got
}

func TestReplay(t *testing.T) {
	dir := testutil.TestdataDir(t)
	file := filepath.Join(dir, "public", "pmacct_pmacct", "201-BMP-CISCO-rd_instance__traffic-00.pcap")
	addr, got := collector(t)
	code, _, stderr := runCmd(t, "-c", addr, "--loop", "2", "--parallel", "3", "--rate", "100000", "--progress", "never", file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for range 3 {
		select {
		case b := <-got:
			if len(b) != 2*43691 {
				t.Errorf("connection got %d bytes, want %d", len(b), 2*43691)
			}
		case <-time.After(time.Minute):
			t.Fatal("connection not finished")
		}
	}
	if !strings.HasPrefix(stderr, "replayed 3 sessions, 2,016 messages, 262.15 kB in ") {
		t.Errorf("summary %q", stderr)
	}
}

func TestReplayConnectionError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	f := filepath.Join(t.TempDir(), "s.bmp")
	os.WriteFile(f, []byte("\x03\x00\x00\x00\x06\x04"), 0o644)
	code, _, stderr := runCmd(t, "--collector", addr, f)
	if code != exitReplay || !strings.Contains(stderr, "s.bmp: dial tcp") ||
		!strings.Contains(stderr, "replayed 0 sessions, 0 messages, 0 B in ") || !strings.Contains(stderr, "1 failed") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestNothingToReplay(t *testing.T) {
	dir := testutil.TestdataDir(t)
	code, _, stderr := runCmd(t, filepath.Join(dir, "public", "NetGauze_NetGauze", "pcap-reader__data__bgp.pcap"))
	if code != exitUsage || !strings.Contains(stderr, "no BMP session found") || !strings.Contains(stderr, "nothing to replay") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}
