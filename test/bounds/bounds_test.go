// Package bounds runs the collector binary as a child process and attacks it with hostile
// clients over real sockets on loopback: each test asserts the collector's peak RSS
// (VmHWM, read from /proc/<pid>/status) stays under a documented bound, that what a limit
// stops is counted, and that good routers are still served. The bounds are generous (2–4×
// what was measured) so that the tests hold on a loaded 2-core machine; what they catch is
// the unbounded growth they were written for (1.4 GB, 350 MB before the fixes). Soak-length
// cases run with BMP_SOAK=1 (.ci/run runs them once).
package bounds

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/bench"
	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/testutil"
)

var binPath string

func TestMain(m *testing.M) {
	testutil.Setup()
	dir, err := os.MkdirTemp("", "bmpbounds")
	if err != nil {
		panic(err)
	}
	binPath = filepath.Join(dir, "bmpstream")
	build := exec.Command("go", "build", "-o", binPath, "./cmd/bmpstream")
	build.Dir = filepath.Join("..", "..")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		panic(err)
	}
	code := m.Run()
	testutil.Report()
	os.RemoveAll(dir)
	os.Exit(code)
}

const mib = 1 << 20

type child struct {
	*bench.Collector
	metrics string // host:port of /metrics
	lines   func(substr string) int
}

// start runs the collector with flags (plus a free metrics port); logged lines are kept
// for counting.
func start(t *testing.T, flags ...string) *child {
	t.Helper()
	var log []string
	var n atomic.Int64
	logc := make(chan string, 1<<16)
	c, err := bench.StartCollectorFunc(binPath, flags, 30*time.Second,
		func(l string) {
			n.Add(1)
			select {
			case logc <- l:
			default:
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Stop(30 * time.Second); err != nil {
			t.Logf("collector stop: %v", err)
		}
	})
	ch := &child{Collector: c, metrics: c.MetricsAddr}
	ch.lines = func(substr string) int {
		for {
			select {
			case l := <-logc:
				log = append(log, l)
				continue
			default:
			}
			break
		}
		k := 0
		for _, l := range log {
			if strings.Contains(l, substr) {
				k++
			}
		}
		return k
	}
	return ch
}

// metric returns the value of one series of /metrics (0 when absent).
func (c *child) metric(t *testing.T, series string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + c.metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			v, _ := strconv.ParseFloat(rest, 64)
			return v
		}
	}
	return 0
}

func (c *child) hwm(t *testing.T) int64 {
	t.Helper()
	m, err := c.Mem()
	if err != nil {
		t.Fatal(err)
	}
	return m.HWM
}

// fifo makes a named pipe and opens its read end without blocking: the collector's file
// sink can open it, and its writes block once the pipe is full (a stalled output) until
// the test reads.
func fifo(t *testing.T) (string, *os.File) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "out.fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return p, r
}

func dialFrom(t *testing.T, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

var (
	peer  = gen.Peer{Addr: netip.MustParseAddr("192.0.2.2"), AS: 65002, BGPID: netip.MustParseAddr("192.0.2.2")}
	local = netip.MustParseAddr("192.0.2.1")
	attrs = gen.Cat(gen.Origin(0), gen.ASPath(true, 65002), gen.NextHop(netip.MustParseAddr("192.0.2.2")))
)

var seqRE = regexp.MustCompile(`"sequence":(\d+)`)

// checkOrder reads JSON lines from r until EOF: every line's sequence is the previous
// one + 1 per session; it returns the number of lines.
func checkOrder(t *testing.T, r io.Reader) int {
	t.Helper()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		m := seqRE.FindSubmatch(sc.Bytes())
		if m == nil {
			t.Fatalf("line %d has no sequence: %.200s", n, sc.Bytes())
		}
		if q, _ := strconv.Atoi(string(m[1])); q != n {
			t.Fatalf("line %d has sequence %d", n, q)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOversizedUpdatesStalledOutput: 12 UPDATEs of 65,535 bytes full of 1-byte NLRI
// (787 KB on the wire, ~785,000 records) with the output stalled. Before batches were
// cut inside a message this took the collector to 1.42 GB RSS; the bound is queue size ×
// batch size (64 × 256 KiB = 16 MiB) plus buffers. Asserted: VmHWM under 150 MiB
// (measured ~40–60 MiB), then every record arrives, in order.
func TestOversizedUpdatesStalledOutput(t *testing.T) {
	path, r := fifo(t)
	c := start(t, "--dump=file", "--msg-file="+path)
	conn := dialFrom(t, "127.0.0.1", c.Addr)
	var data []byte
	data = append(data, gen.Initiation("hostile", "x")...)
	data = append(data, gen.PeerUp(peer, local, 179, 1, gen.Open(65001, 90, local), gen.Open(65002, 90, peer.Addr))...)
	upd := gen.RouteMonitoring(peer, gen.FloodUpdate(attrs, 65535))
	for i := 0; i < 12; i++ {
		data = append(data, upd...)
	}
	go func() { conn.Write(data); conn.Close() }()
	time.Sleep(3 * time.Second) // the pipe is full, the queue fills, reading stops
	if h := c.hwm(t); h > 150*mib {
		t.Fatalf("VmHWM %d MiB with the output stalled, bound 150 MiB", h/mib)
	}
	t.Logf("VmHWM while stalled: %d MiB", c.hwm(t)/mib)
	done := make(chan int)
	go func() { done <- checkOrder(t, r) }()
	testutil.WaitFor(t, "session end", func() bool { return c.metric(t, `bmpstream_sessions_ended_total{reason="eof"}`) == 1 })
	if err := c.Stop(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	nrec := 65535 - 23 - len(attrs)
	// The session ended without Peer Down and Termination: the collector synthesizes
	// them (one Peer Down, one router record).
	if got, want := <-done, 2+12*nrec+2; got != want {
		t.Fatalf("%d records, want %d", got, want)
	}
}

// TestPartialMessages: 300 connections each send a header declaring a 1 MiB message and
// 100 bytes of it. Before the message buffer grew with the bytes that arrive, this took
// RSS from 16 to 350 MB. Bound: 64 KiB read buffer + 4 KiB message buffer per connection
// (~20 MiB for 300); asserted: VmHWM grows by less than 80 MiB.
func TestPartialMessages(t *testing.T) {
	c := start(t, "--dump=file", "--msg-file="+filepath.Join(t.TempDir(), "out.jsonl"), "--max-connections-per-ip=0")
	time.Sleep(200 * time.Millisecond)
	base := c.hwm(t)
	hdr := gen.BMP(0, make([]byte, 1<<20-6-16))[:100]
	conns := make([]net.Conn, 0, 300)
	for i := 0; i < 300; i++ {
		cn := dialFrom(t, "127.0.0.1", c.Addr)
		if _, err := cn.Write(hdr); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, cn)
	}
	testutil.WaitFor(t, "300 sessions", func() bool {
		return c.metric(t, `bmpstream_connections_open{router="127.0.0.1"}`) == 300
	})
	time.Sleep(500 * time.Millisecond)
	grown := c.hwm(t) - base
	t.Logf("VmHWM %d MiB, grown %d MiB for 300 partial 1 MiB messages", c.hwm(t)/mib, grown/mib)
	if grown > 80*mib {
		t.Fatalf("VmHWM grew by %d MiB for 300 partial messages, bound 80 MiB", grown/mib)
	}
	if rb := c.metric(t, `bmpstream_memory_bytes{component="read_buffers"}`); rb > 300*(68<<10) {
		t.Fatalf("read buffers accounted %v bytes", rb)
	}
	for _, cn := range conns {
		cn.Close()
	}
}

// TestManyPeers: one session announces up to 500,000 distinct peers. Before the per-
// session peer limit this held 362 MB until the session ended; with the default limit
// (10,000) the session ends with reason too_many_peers. Asserted: VmHWM under 120 MiB.
func TestManyPeers(t *testing.T) {
	c := start(t, "--dump=file", "--msg-file="+filepath.Join(t.TempDir(), "out.jsonl"))
	conn := dialFrom(t, "127.0.0.1", c.Addr)
	open1, open2 := gen.Open(65001, 90, local), gen.Open(65002, 90, peer.Addr)
	w := bufio.NewWriterSize(conn, 1<<20)
	for i := 0; i < 500000; i++ {
		p := peer
		p.Addr = netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		if _, err := w.Write(gen.PeerUp(p, local, 179, 1, open1, open2)); err != nil {
			break // the collector ended the session
		}
	}
	w.Flush()
	testutil.WaitFor(t, "too_many_peers", func() bool {
		return c.metric(t, `bmpstream_sessions_ended_total{reason="too_many_peers"}`) == 1
	})
	if h := c.hwm(t); h > 120*mib {
		t.Fatalf("VmHWM %d MiB, bound 120 MiB", h/mib)
	}
	// 10,001 Peer Ups (the limit, and the one over it), then the Peer Downs the collector
	// synthesizes at the session's end for the 10,000 peers it kept.
	if n := c.metric(t, `bmpstream_records_total{type="peer"}`); n != 20001 {
		t.Fatalf("%v peer records, want 20001", n)
	}
	if c.lines("reason=too_many_peers") == 0 {
		t.Fatal("no log line for the session's end")
	}
}

// TestSlowDrip: a client sends a message's header and then one byte every 100 ms; with
// --message-timeout=1s it is disconnected after about a second (reason message_timeout),
// while --read-timeout (any byte resets it) would never fire.
func TestSlowDrip(t *testing.T) {
	c := start(t, "--dump=file", "--msg-file="+filepath.Join(t.TempDir(), "out.jsonl"), "--message-timeout=1s", "--read-timeout=1m")
	conn := dialFrom(t, "127.0.0.1", c.Addr)
	msg := gen.Initiation("slow", strings.Repeat("x", 200))
	start := time.Now()
	var err error
	for i := 0; i < len(msg) && err == nil; i++ {
		_, err = conn.Write(msg[i : i+1])
		time.Sleep(100 * time.Millisecond)
	}
	testutil.WaitFor(t, "message_timeout", func() bool {
		return c.metric(t, `bmpstream_sessions_ended_total{reason="message_timeout"}`) == 1
	})
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("disconnected after %s", d)
	}
}

// TestFloodFromOneAddress: with no flags, one address opens 500 connections and holds
// them, and cycles 2,000 connect/close; a good router on another address (127.0.0.2)
// still connects and streams 200,000 prefixes, every record in order. The flood is
// refused beyond --max-connections-per-ip (default 100) and costs a few log lines.
func TestFloodFromOneAddress(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.jsonl")
	c := start(t, "--dump=file", "--msg-file="+out)
	for i := 0; i < 500; i++ {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.1")}}
		cn, err := d.Dial("tcp", c.Addr)
		if err != nil {
			continue
		}
		cn.Write(gen.Initiation(fmt.Sprintf("flood-%d", i), "x")[:3])
		t.Cleanup(func() { cn.Close() })
	}
	for i := 0; i < 2000; i++ {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.3")}}
		if cn, err := d.Dial("tcp", c.Addr); err == nil {
			cn.Close()
		}
	}
	var buf bytes.Buffer
	counts, err := gen.WriteStream(&buf, gen.StreamSpec{Prefixes: 200000, PerUpdate: 10, SysName: "good"})
	if err != nil {
		t.Fatal(err)
	}
	good := dialFrom(t, "127.0.0.2", c.Addr)
	if _, err := good.Write(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	good.Close()
	testutil.WaitFor(t, "the good router's session", func() bool {
		return c.metric(t, `bmpstream_sessions_ended_total{reason="eof"}`) >= 1 &&
			c.metric(t, `bmpstream_records_total{type="unicast_prefix"}`) >= 200000
	})
	if n := c.metric(t, `bmpstream_connections_open{router="127.0.0.1"}`); n > 100 {
		t.Fatalf("%v connections open from the flooding address, limit 100", n)
	}
	if n := c.metric(t, `bmpstream_connections_refused_total{reason="max_connections_per_ip"}`); n < 400 {
		t.Fatalf("%v refusals, want 400", n)
	}
	if err := c.Stop(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := checkOrder(t, f), counts.V4+counts.V6+4; got != want {
		t.Fatalf("%d records from the good router, want %d", got, want)
	}
	// 2,000 connect/close cycles from 127.0.0.3 and 400 refusals from 127.0.0.1 make a
	// handful of lines (5 per minute per address and event), not thousands.
	if n := c.lines("router=127.0.0.3:"); n > 20 {
		t.Fatalf("%d log lines for 2,000 connect/close cycles", n)
	}
	if n := c.lines("reason=max_connections_per_ip"); n > 5 {
		t.Fatalf("%d refusal log lines", n)
	}
}
