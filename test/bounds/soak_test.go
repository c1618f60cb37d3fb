package bounds

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/memory"
	"github.com/bmpstream/bmpstream/internal/testutil"
)

// soak skips soak-length tests unless BMP_SOAK=1 (.ci/run runs them once).
func soak(t *testing.T) {
	if os.Getenv("BMP_SOAK") != "1" {
		t.Skip("soak test: set BMP_SOAK=1")
	}
}

// TestSoakPartialBurstReturnsMemory: 1,000 connections with a partial 1 MiB message each,
// then all closed: RSS comes back (the free heap is returned every 10 s when over
// 64 MiB). Asserted: VmHWM grows by less than 200 MiB; 25 s after the close, VmRSS is
// within 48 MiB of what it was before the burst.
func TestSoakPartialBurstReturnsMemory(t *testing.T) {
	soak(t)
	c := start(t, "--dump=file", "--msg-file="+filepath.Join(t.TempDir(), "out.jsonl"),
		"--max-connections=0", "--max-connections-per-ip=0")
	time.Sleep(500 * time.Millisecond)
	m0, _ := c.Mem()
	// Each sends 200 KiB of a 1 MiB message: the buffers really grow.
	part := gen.BMP(0, make([]byte, 1<<20-6))[:200<<10]
	var conns []net.Conn
	for i := 0; i < 1000; i++ {
		cn := dialFrom(t, fmt.Sprintf("127.0.1.%d", 1+i%200), c.Addr)
		if _, err := cn.Write(part); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, cn)
	}
	testutil.WaitFor(t, "buffers filled", func() bool {
		return c.metric(t, `bmpstream_memory_bytes{component="read_buffers"}`) > 1000*(200<<10)
	})
	grown := c.hwm(t) - m0.HWM
	t.Logf("VmHWM grew by %d MiB for 1,000 × 200 KiB partial messages", grown/mib)
	if grown > 400*mib {
		t.Fatalf("VmHWM grew by %d MiB, bound 400 MiB", grown/mib)
	}
	for _, cn := range conns {
		cn.Close()
	}
	testutil.WaitFor(t, "sessions closed", func() bool { return c.metric(t, `bmpstream_memory_bytes{component="read_buffers"}`) == 0 })
	time.Sleep(25 * time.Second)
	m1, _ := c.Mem()
	t.Logf("VmRSS before %d MiB, 25 s after the burst %d MiB", m0.RSS/mib, m1.RSS/mib)
	if m1.RSS > m0.RSS+48*mib {
		t.Fatalf("VmRSS %d MiB 25 s after the burst, was %d MiB before", m1.RSS/mib, m0.RSS/mib)
	}
}

// TestSoakMemoryLimit: 20 routers stream 100,000 prefixes each while the output is
// stalled, under --memory-limit=48MiB: the accounted memory stays near the budget (reading
// pauses), and once the output flows every record of every router arrives.
func TestSoakMemoryLimit(t *testing.T) {
	soak(t)
	path, r := fifo(t)
	const limit = 48 * mib
	c := start(t, "--dump=file", "--msg-file="+path, "--memory-limit=48MiB", "--queue-size=1000")
	var buf bytes.Buffer
	counts, err := gen.WriteStream(&buf, gen.StreamSpec{Prefixes: 100000, PerUpdate: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Every router connects before any streams: a connection that arrives while the budget
	// is exceeded is refused (connections_refused_total{reason="memory_limit"}), which is
	// not what this test is about.
	conns := make([]net.Conn, 20)
	for i := range conns {
		conns[i] = dialFrom(t, fmt.Sprintf("127.0.2.%d", i+1), c.Addr)
	}
	testutil.WaitFor(t, "20 connections admitted", func() bool {
		for i := range conns {
			if c.metric(t, fmt.Sprintf(`bmpstream_connections_total{router="127.0.2.%d"}`, i+1)) != 1 {
				return false
			}
		}
		return true
	})
	var wg sync.WaitGroup
	for _, cn := range conns {
		wg.Add(1)
		go func() { defer wg.Done(); cn.Write(buf.Bytes()); cn.Close() }()
	}
	testutil.WaitFor(t, "a pause", func() bool { return c.metric(t, "bmpstream_memory_backpressure_pauses_total") > 0 })
	time.Sleep(3 * time.Second)
	var total float64
	for _, comp := range memory.Components() {
		total += c.metric(t, `bmpstream_memory_bytes{component="`+comp.String()+`"}`)
	}
	t.Logf("accounted %.1f MiB with a 48 MiB budget; VmHWM %d MiB", total/mib, c.hwm(t)/mib)
	if total > 1.5*limit {
		t.Fatalf("accounted %.0f MiB, budget 48 MiB", total/mib)
	}
	if h := c.hwm(t); h > 300*mib {
		t.Fatalf("VmHWM %d MiB", h/mib)
	}
	lines := make(chan int)
	go func() {
		n := 0
		b := make([]byte, 1<<20)
		for {
			k, err := r.Read(b)
			n += bytes.Count(b[:k], []byte("\n"))
			if err != nil {
				lines <- n
				return
			}
		}
	}()
	wg.Wait()
	testutil.WaitFor(t, "all sessions", func() bool { return c.metric(t, `bmpstream_sessions_ended_total{reason="eof"}`) == 20 })
	if err := c.Stop(60 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got, want := <-lines, 20*(counts.V4+counts.V6+4); got != want {
		t.Fatalf("%d records, want %d", got, want)
	}
}

// TestSoakConnectFlood: 10,000 connect/close cycles from one address cost a few log
// lines (5 per minute per address and event), and every one is counted.
func TestSoakConnectFlood(t *testing.T) {
	soak(t)
	c := start(t, "--dump=file", "--msg-file="+filepath.Join(t.TempDir(), "out.jsonl"))
	ok := 0
	for i := 0; i < 10000; i++ {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.3.1")}}
		if cn, err := d.Dial("tcp", c.Addr); err == nil {
			cn.Close()
			ok++
		}
	}
	if ok < 5000 {
		t.Fatalf("only %d of 10,000 connections made", ok)
	}
	// Wait until the counts settle, then check that (almost) every one was counted.
	last := -1.0
	for {
		time.Sleep(time.Second)
		n := c.metric(t, `bmpstream_connections_total{router="127.0.3.1"}`) + c.metric(t, `bmpstream_connections_refused_total{reason="max_connections_per_ip"}`)
		if n == last {
			break
		}
		last = n
	}
	t.Logf("%d connections made, %v counted", ok, last)
	if last < 0.9*float64(ok) {
		t.Fatalf("%v of %d connections counted", last, ok)
	}
	if n := c.lines("router=127.0.3.1:"); n > 20 {
		t.Fatalf("%d log lines for 10,000 connect/close cycles", n)
	}
}
