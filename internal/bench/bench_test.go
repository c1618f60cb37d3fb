package bench

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/testutil"
)

func TestParseStatus(t *testing.T) {
	good := "Name:\tbmpstream\nVmPeak:\t  900000 kB\nVmHWM:\t   51234 kB\nVmRSS:\t   40000 kB\nThreads:\t7\n"
	m, err := ParseStatus([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if m.HWM != 51234<<10 || m.RSS != 40000<<10 {
		t.Fatalf("got %+v", m)
	}
	for name, in := range map[string]string{
		"no HWM":     "VmRSS:\t 1 kB\n",
		"no RSS":     "VmHWM:\t 1 kB\n",
		"bad unit":   "VmHWM:\t 1 MB\nVmRSS:\t 1 kB\n",
		"bad number": "VmHWM:\t x kB\nVmRSS:\t 1 kB\n",
		"no value":   "VmHWM:\nVmRSS:\t 1 kB\n",
		"empty":      "",
	} {
		if _, err := ParseStatus([]byte(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseStat(t *testing.T) {
	// Fields 14 and 15 are utime 250 and stime 57 ticks; the command name holds ") (".
	line := "4242 (bmp) (stream) S 1 4242 4242 0 -1 4194304 1234 0 0 0 250 57 0 0 20 0 9 0 100 0 0\n"
	c, err := ParseStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if c.User != 2500*time.Millisecond || c.System != 570*time.Millisecond || c.Total() != 3070*time.Millisecond {
		t.Fatalf("cpu %+v", c)
	}
	for name, in := range map[string]string{
		"no paren":  "4242 bmp S 1 2 3",
		"short":     "4242 (bmp) S 1 4242 4242 0 -1 4194304 1234 0 0 0 250",
		"bad utime": "4242 (bmp) S 1 4242 4242 0 -1 4194304 1234 0 0 0 x 57 0",
	} {
		if _, err := ParseStat([]byte(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// This process: the real files parse.
	if _, err := ReadCPU(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	if m, err := ReadMem(os.Getpid()); err != nil || m.HWM < m.RSS || m.RSS <= 0 {
		t.Fatalf("own memory %+v, %v", m, err)
	}
}

func TestParseIO(t *testing.T) {
	in := "rchar: 6976\nwchar: 120\nsyscr: 10\nsyscw: 3\nread_bytes: 0\nwrite_bytes: 4096\ncancelled_write_bytes: 0\n"
	got, err := ParseIO([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if want := (IO{ReadBytes: 6976, WriteBytes: 120, Reads: 10, Writes: 3}); got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if d := got.Sub(IO{1, 2, 3, 4}); d != (IO{6975, 118, 7, -1}) {
		t.Fatalf("sub %+v", d)
	}
	for name, in := range map[string]string{
		"missing syscw": "rchar: 1\nwchar: 2\nsyscr: 3\n",
		"bad number":    "rchar: x\nwchar: 2\nsyscr: 3\nsyscw: 4\n",
		"empty":         "",
	} {
		if _, err := ParseIO([]byte(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := ReadIO(os.Getpid()); err != nil {
		t.Fatal(err)
	}
}

func TestCPUModel(t *testing.T) {
	for in, want := range map[string]string{
		"processor\t: 0\nmodel name\t: AMD EPYC 7B13\nmodel name\t: other\n": "AMD EPYC 7B13",
		"processor\t: 0\nHardware\t: BCM2835\nModel\t: Raspberry Pi\n":       "BCM2835",
		"processor\t: 0\n": "unknown",
	} {
		if got := cpuModel([]byte(in)); got != want {
			t.Errorf("cpuModel(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSessionAddr(t *testing.T) {
	seen := map[string]bool{}
	for i := range 60000 {
		a := SessionAddr(i)
		if !a.IP.IsLoopback() || seen[a.IP.String()] {
			t.Fatalf("session %d: %s (loopback %v, seen %v)", i, a.IP, a.IP.IsLoopback(), seen[a.IP.String()])
		}
		seen[a.IP.String()] = true
	}
	if SessionAddr(0).IP.String() != "127.0.0.1" {
		t.Fatalf("first session from %s", SessionAddr(0).IP)
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -45678: "-45,678"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}

// lines renders records of router 127.0.0.1 with the given sequence numbers, every third
// a unicast_prefix.
func lines(seqs ...int) []byte { return linesOf("127.0.0.1", seqs...) }

func linesOf(router string, seqs ...int) []byte {
	var b bytes.Buffer
	for _, s := range seqs {
		typ := "peer"
		if s%3 == 0 {
			typ = "unicast_prefix"
		}
		fmt.Fprintf(&b, `{"type":"%s","action":"add","sequence":%d,"router_ip":"%s"}`+"\n", typ, s, router)
	}
	return b.Bytes()
}

func seq(from, to int) []int {
	var s []int
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// interleave alternates the lines of a and b.
func interleave(a, b []byte) []byte {
	la, lb := bytes.SplitAfter(a, []byte("\n")), bytes.SplitAfter(b, []byte("\n"))
	var out []byte
	for i := 0; i < max(len(la), len(lb)); i++ {
		if i < len(la) {
			out = append(out, la[i]...)
		}
		if i < len(lb) {
			out = append(out, lb[i]...)
		}
	}
	return out
}

func TestTally(t *testing.T) {
	two := interleave(lines(seq(1, 9)...), linesOf("127.0.0.2", seq(1, 9)...))
	cases := []struct {
		name     string
		in       []byte
		sessions int
		order    Order
		err      string // substring; "" means valid
	}{
		{"one session", lines(seq(1, 9)...), 1, Contiguous, ""},
		{"two sessions interleaved", two, 2, Contiguous, ""},
		{"missing record", lines(1, 2, 3, 4, 6, 7, 8, 9), 1, Increasing, "1 missing"},
		{"missing record is disorder", lines(1, 2, 3, 4, 6, 7, 8, 9), 1, Contiguous, "out of order"},
		{"duplicate", lines(1, 2, 3, 4, 5, 5, 6, 7, 8, 9), 1, AnyOrder, "1 extra"},
		{"swapped", lines(1, 2, 3, 5, 4, 6, 7, 8, 9), 1, Increasing, "1 records out of order, first line 5: router 127.0.0.1 sequence 4 after 5"},
		{"swapped, any order", lines(1, 2, 3, 5, 4, 6, 7, 8, 9), 1, AnyOrder, ""},
		{"beyond the end", lines(seq(1, 10)...), 1, Contiguous, "10 lines, want 9"},
		{"second session short", append(lines(seq(1, 9)...), linesOf("127.0.0.2", seq(1, 8)...)...), 2, Contiguous, "17 lines, want 18"},
		{"same router twice", append(lines(seq(1, 9)...), lines(seq(1, 9)...)...), 2, AnyOrder, "1 sessions (router_ip) in the output, want 2"},
		{"no sequence", append(lines(seq(1, 9)...), "{\"type\":\"peer\"}\n"...), 1, Contiguous, "malformed"},
		{"no router", append(lines(seq(1, 9)...), "{\"type\":\"peer\",\"sequence\":10}\n"...), 1, Contiguous, "no router_ip"},
		{"zero sequence", append(lines(seq(1, 9)...), lines(0)...), 1, Contiguous, "out of range"},
		{"torn last line", append(lines(seq(1, 9)...), `{"type":"peer"`...), 1, Contiguous, "unterminated"},
	}
	for _, c := range cases {
		// Feed in small odd-sized chunks so that lines are split across writes.
		for _, chunk := range []int{1, 7, 1 << 20} {
			tl := &Tally{Verify: true, Order: c.order}
			for in := c.in; len(in) > 0; {
				n := min(chunk, len(in))
				tl.Write(in[:n])
				in = in[n:]
			}
			err := tl.Check(9, 3, c.sessions)
			switch {
			case c.err == "" && err != nil:
				t.Errorf("%s (chunk %d): %v", c.name, chunk, err)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Errorf("%s (chunk %d): error %v, want %q", c.name, chunk, err, c.err)
			}
		}
	}
	// Counting only.
	fast := &Tally{}
	fast.Write(two[:10])
	fast.Write(two[10:])
	if fast.Lines != 18 || fast.Bytes != int64(len(two)) {
		t.Fatalf("count-only tally: %d lines %d bytes", fast.Lines, fast.Bytes)
	}
}

// TestTallyMerge checks the Kafka use: one Increasing tally per partition, merged.
func TestTallyMerge(t *testing.T) {
	a, b := &Tally{Verify: true, Order: Increasing}, &Tally{Verify: true, Order: Increasing}
	a.Write(interleave(lines(1, 2, 4, 5, 7), linesOf("127.0.0.2", 1, 3, 4, 8)))
	b.Write(interleave(lines(3, 6, 8, 9), linesOf("127.0.0.2", 2, 5, 6, 7, 9)))
	all := &Tally{Verify: true}
	all.Merge(a)
	all.Merge(b)
	if err := all.Check(9, 3, 2); err != nil {
		t.Fatal(err)
	}
	c := &Tally{Verify: true, Order: Increasing}
	c.Write(lines(3, 8, 6, 9)) // 6 after 8 in one partition
	all.Merge(c)
	if err := all.Check(9, 3, 2); err == nil || !strings.Contains(err.Error(), "sequence 6 after 8") {
		t.Fatalf("merged disorder not reported: %v", err)
	}
}

func TestFollowFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	w, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	data := lines(1, 2, 3, 4, 5, 6)
	go func() {
		for i := 0; i < len(data); i += 40 {
			w.Write(data[i:min(i+40, len(data))])
			time.Sleep(2 * time.Millisecond)
		}
	}()
	tl := &Tally{Verify: true}
	if _, err := Follow(r, tl, 6, time.Millisecond, time.Now().Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := tl.Check(6, 2, 1); err != nil {
		t.Fatal(err)
	}
	// Nothing more arrives: the deadline ends the wait.
	if _, err := Follow(r, tl, 7, time.Millisecond, time.Now().Add(30*time.Millisecond)); err == nil || !strings.Contains(err.Error(), "6 of 7") {
		t.Fatalf("want a deadline error, got %v", err)
	}
}

// TestCollectorEndToEnd runs both scenarios, small, against the real collector.
func TestCollectorEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the collector")
	}
	bin := filepath.Join(t.TempDir(), "bmpstream")
	build := exec.Command("go", "build", "-o", bin, "./cmd/bmpstream")
	build.Dir = testutil.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the collector: %v\n%s", err, out)
	}
	// The metrics endpoint is on a free port, not the default 127.0.0.1:10790 that a
	// collector already running on the machine (make run) would hold.
	c, err := StartCollector(bin, filepath.Join(t.TempDir(), "out.json"), nil, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	metricsLine := ""
	for _, l := range strings.Split(c.Log(), "\n") {
		if strings.Contains(l, "event=metrics_listening") {
			metricsLine = l
		}
	}
	if err := c.Stop(time.Minute); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(metricsLine, "address=127.0.0.1:") || strings.Contains(metricsLine, ":10790") {
		t.Fatalf("metrics listener %q, want 127.0.0.1 on a free port", metricsLine)
	}
	s, err := MakeStream(3001, 10)
	if err != nil {
		t.Fatal(err)
	}
	if s.Records != 3005 || s.Messages != 301+4 {
		t.Fatalf("stream: %d records, %d messages", s.Records, s.Messages)
	}
	cfg := Config{Collector: bin, TmpDir: t.TempDir(), Sessions: 2, Timeout: time.Minute}
	r, err := Throughput(cfg, s)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Verified || r.Error != "" || r.ExitError != "" {
		t.Fatalf("throughput run: %+v", r)
	}
	if r.Records != 6010 || r.Prefixes != 6002 || r.Messages != 610 || r.InputBytes != 2*int64(len(s.Data)) ||
		r.PrefixesPerSec <= 0 || r.PeakRSS <= 0 || r.BytesPerRecord < 100 || r.IO.Reads <= 0 || r.IO.Writes <= 0 ||
		r.IO.ReadBytes < r.InputBytes {
		t.Fatalf("throughput numbers: %+v", r)
	}
	// The same to a protobuf file (--dump-format=proto): every message decoded and verified.
	pcfg := cfg
	pcfg.Format = "proto"
	pr, err := Throughput(pcfg, s)
	if err != nil {
		t.Fatal(err)
	}
	if !pr.Verified || pr.Error != "" || pr.ExitError != "" || pr.Sink != "file_proto" || pr.Records != 6010 ||
		pr.Prefixes != 6002 || pr.BytesPerRecord <= 0 || pr.BytesPerRecord >= r.BytesPerRecord || pr.CPUPerPrefix <= 0 {
		t.Fatalf("protobuf run: %+v", pr)
	}
	b, err := Blocked(cfg, s, 300*time.Millisecond, 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	if !b.Verified || !b.Bounded || b.Error != "" || b.StallHWM <= 0 || b.SentDuringStall <= 0 {
		t.Fatalf("blocked run: %+v", b)
	}
	// The same stream through Kafka (in-process kfake, acks=all, lz4), 2 partitions.
	k, err := ThroughputKafka(cfg, s, KafkaConfig{Partitions: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !k.Verified || k.Error != "" || k.Records != 6010 || k.Sink != "kafka lz4" || k.CPUPerPrefix <= 0 {
		t.Fatalf("kafka run: %+v", k)
	}
	// A realistic stream: 3 peers, attributes varying per UPDATE.
	rs, err := MakeRealistic(2000, 3, 3)
	if err != nil {
		t.Fatal(err)
	}
	if rs.Records != 2000+2+3+3 || rs.Unicast != 2000 {
		t.Fatalf("realistic stream: %+v", rs)
	}
	rr, err := Throughput(Config{Collector: bin, TmpDir: t.TempDir(), Timeout: time.Minute}, rs)
	if err != nil || !rr.Verified {
		t.Fatalf("realistic run: %+v, %v", rr, err)
	}
	idle, err := Idle(Config{Collector: bin, TmpDir: t.TempDir(), Timeout: time.Minute}, 20)
	if err != nil {
		t.Fatal(err)
	}
	if !idle.Verified || idle.Sessions != 20 || idle.RSS <= 0 || idle.Goroutines <= idle.BaseGoroutines {
		t.Fatalf("idle run: %+v", idle)
	}
	var md, bf bytes.Buffer
	rep := Report{Machine: ReadMachine(bin), Collector: bin, Results: []Result{r, pr, k, rr}, Blocked: []BlockedResult{b}, Idle: []IdleResult{idle}}
	rep.WriteMarkdown(&md)
	for _, want := range []string{"| synthetic | file | 10 | 2 | 6,002 | 610 |", "| synthetic | kafka lz4 | 10 | 2 | 6,002 | 610 |",
		"| synthetic | file_proto | 10 | 2 | 6,002 | 610 |",
		"| realistic, 3 peers | file | 3 | 1 | 2,000 |", "## Blocked output", "| synthetic | 10 | 2 | 6,002 | 300ms |", "## Idle router sessions", "| 20 |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	rep.WriteBenchFormat(&bf)
	for _, want := range []string{"\nBenchmarkE2E/stream=synthetic/sink=file/per-update=10/sessions=2 1 ",
		"\nBenchmarkE2E/stream=synthetic/sink=kafka_lz4/per-update=10/sessions=2 1 ", " cpu-ns/prefix ",
		"\nBenchmarkE2E/stream=synthetic/sink=file_proto/per-update=10/sessions=2 1 ",
		"\nBenchmarkE2E/stream=realistic_3_peers/sink=file/per-update=3/sessions=1 1 ",
		"\nBenchmarkIdle/sessions=20 1 ", "\nBenchmarkBlocked/stream=synthetic/per-update=10/sessions=2 1 "} {
		if !strings.Contains(bf.String(), want) {
			t.Errorf("benchmark format lacks %q:\n%s", want, bf.String())
		}
	}
	if leftovers, _ := filepath.Glob(filepath.Join(cfg.TmpDir, "bmpbench-*")); len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}
