package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/internal/testutil/sinktest"
	"github.com/bmpstream/bmpstream/pkg/publisher"
)

type harness struct {
	srv  *Server
	q    *publisher.Queue
	sink *sinktest.MemSink
	addr string
}

func start(t *testing.T, sink *sinktest.MemSink, queueSize int, maxMsg int) *harness {
	t.Helper()
	return startWith(t, sink, queueSize, func(c *Config) { c.MaxMessageSize = maxMsg })
}

// startWith starts a server on 127.0.0.1 whose configuration edit changed.
func startWith(t *testing.T, sink *sinktest.MemSink, queueSize int, edit func(*Config)) *harness {
	t.Helper()
	q := publisher.NewQueue(sink, queueSize, publisher.Block)
	cfg := Config{Listen: "127.0.0.1:0", Publisher: q, Session: session.Config{MaxBatchRecords: 512}}
	edit(&cfg)
	srv := New(cfg)
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	h := &harness{srv: srv, q: q, sink: sink, addr: srv.Addr().String()}
	t.Cleanup(func() {
		if sink.Gate != nil {
			select {
			case <-sink.Gate:
			default:
				close(sink.Gate)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		q.Close()
	})
	return h
}

func (h *harness) ended(reason string, n uint64) func() bool {
	return func() bool { return h.srv.Stats.Ended(reason) >= n }
}

func stream(t testing.TB, spec gen.StreamSpec) ([]byte, gen.StreamCounts) {
	var buf bytes.Buffer
	c, err := gen.WriteStream(&buf, spec)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), c
}

func send(t testing.TB, addr string, data []byte) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return
	}
	defer c.Close()
	if _, err := c.Write(data); err != nil {
		t.Error(err)
	}
}

// TestLosslessCloseAndOrder: the router writes a stream and closes right after its last
// byte; every record comes out, in order.
func TestLosslessCloseAndOrder(t *testing.T) {
	h := start(t, sinktest.New(), 4, 0)
	data, c := stream(t, gen.StreamSpec{Prefixes: 20000, PerUpdate: 10, IPv6: true})
	send(t, h.addr, data)
	testutil.WaitFor(t, "session end", h.ended(EndEOF, 1))
	h.q.Close()
	rs := h.sink.Records(t)
	if want := c.V4 + c.V6 + 4; len(rs) != want {
		t.Fatalf("%d records, want %d", len(rs), want)
	}
	if rs[0]["type"] != "router" || rs[1]["action"] != "up" || rs[len(rs)-2]["action"] != "down" || rs[len(rs)-1]["action"] != "term" {
		t.Fatalf("session frame out of order: %v … %v", rs[:2], rs[len(rs)-2:])
	}
	for i, r := range rs {
		if r["sequence"] != float64(i+1) {
			t.Fatalf("record %d has sequence %v", i, r["sequence"])
		}
	}
	// Prefix i of the generator is 10.x or 2001:db8::/64 with index i encoded: check order.
	for i, r := range rs[2 : len(rs)-2] {
		p := netip.MustParseAddr(r["prefix"].(string))
		var idx uint32
		if p.Is4() {
			a := p.As4()
			idx = (uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])) - 0x0a000000
			idx >>= 8
		} else {
			a := p.As16()
			idx = uint32(a[4])<<24 | uint32(a[5])<<16 | uint32(a[6])<<8 | uint32(a[7])
		}
		if idx != uint32(i) {
			t.Fatalf("record %d carries prefix %s (index %d): out of order", i, p, idx)
		}
	}
}

// TestBackpressure: with the sink stalled, the collector stops reading (the router's
// writes block) and memory stays bounded; once the sink resumes, nothing is lost.
func TestBackpressure(t *testing.T) {
	sink := sinktest.New()
	sink.Gate = make(chan struct{})
	h := start(t, sink, 2, 0)
	data, c := stream(t, gen.StreamSpec{Prefixes: 200000, PerUpdate: 1}) // ≈ 30 MB of BMP
	conn, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	written := make(chan error, 1)
	go func() {
		_, err := conn.Write(data)
		conn.Close()
		written <- err
	}()
	<-sink.FirstWrite() // the pipeline flows, then the sink stalls
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	// Give an unbounded design time to swallow the stream; a bounded one cannot finish
	// the write whatever the time, because 30 MB exceed every buffer on the way.
	time.Sleep(300 * time.Millisecond)
	select {
	case <-written:
		t.Fatal("the router's write completed while the sink was stalled: no backpressure")
	default:
	}
	var during runtime.MemStats
	runtime.ReadMemStats(&during)
	if grown := int64(during.HeapInuse) - int64(before.HeapInuse); grown > 32<<20 {
		t.Fatalf("heap grew by %d MB while stalled", grown>>20)
	}
	close(sink.Gate)
	if err := <-written; err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, "session end", h.ended(EndEOF, 1))
	h.q.Close()
	if got, want := sink.Len(), c.V4+c.V6+4; got != want {
		t.Fatalf("%d records, want %d", got, want)
	}
}

// TestManyRouters: concurrent sessions each keep their own order.
func TestManyRouters(t *testing.T) {
	h := start(t, sinktest.New(), 8, 0)
	const n = 8
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		data, _ := stream(t, gen.StreamSpec{Prefixes: 3000, PerUpdate: 3, IPv6: true, SysName: fmt.Sprintf("r%d", i)})
		wg.Add(1)
		go func() { defer wg.Done(); send(t, h.addr, data) }()
	}
	wg.Wait()
	testutil.WaitFor(t, "all sessions", h.ended(EndEOF, n))
	h.q.Close()
	next := map[any]float64{}
	for _, r := range h.sink.Records(t) {
		name := r["router_name"]
		if r["type"] == "router" && r["action"] == "init" {
			name = r["sys_name"]
		}
		next[name]++
		if r["sequence"] != next[name] {
			t.Fatalf("router %v: sequence %v, want %v", name, r["sequence"], next[name])
		}
	}
	if len(next) != n {
		t.Fatalf("%d routers seen: %v", len(next), next)
	}
	for name, cnt := range next {
		if cnt != 3004 {
			t.Fatalf("router %v: %v records", name, cnt)
		}
	}
}

// lastIsSynthesizedTerm checks that the sink's last record is the router term record the
// session synthesizes when it ends without a Termination message, with the end reason.
func lastIsSynthesizedTerm(t *testing.T, sink *sinktest.MemSink, reason string) {
	t.Helper()
	rs := sink.Records(t)
	if len(rs) == 0 {
		t.Fatal("no records")
	}
	r := rs[len(rs)-1]
	if r["type"] != "router" || r["action"] != "term" || r["synthesized"] != true || r["end_reason"] != reason ||
		r["collector_timestamp"] == nil || r["term_reason"] != nil {
		t.Fatalf("last record %v, want a synthesized router term with end_reason %q", r, reason)
	}
}

func TestFramingErrorsEndTheSession(t *testing.T) {
	good := gen.Initiation("r1", "x")
	big := gen.BMP(0, make([]byte, 2000))
	cases := []struct {
		name, reason string
		data         []byte
		records      int
	}{
		// The Initiation's record, then the synthesized router term (framing_error).
		{"bad version", EndBadVersion, append(bytes.Clone(good), gen.BMPv(2, 4, []byte{0, 0})...), 2},
		{"too large", EndTooLarge, append(bytes.Clone(good), big...), 2},
		{"torn final message", EndTorn, append(bytes.Clone(good), gen.Initiation("r2", "y")[:10]...), 2},
		{"bad length", EndTooShort, append(bytes.Clone(good), 3, 0, 0, 0, 2, 4), 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := start(t, sinktest.New(), 4, 1024)
			send(t, h.addr, c.data)
			testutil.WaitFor(t, "session end", h.ended(c.reason, 1))
			h.q.Close()
			if got := h.sink.Len(); got != c.records {
				t.Fatalf("%d records, want %d", got, c.records)
			}
			lastIsSynthesizedTerm(t, h.sink, session.EndFramingError)
		})
	}
}

// TestShutdownDrains: messages already read are published before Shutdown returns.
func TestShutdownDrains(t *testing.T) {
	h := start(t, sinktest.New(), 4, 0)
	data, c := stream(t, gen.StreamSpec{Prefixes: 5000, PerUpdate: 5})
	data = data[:len(data)-len(gen.Termination(0))] // keep the session open
	conn, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(data); err != nil {
		t.Fatal(err)
	}
	want := c.V4 + 3
	testutil.WaitFor(t, "records", func() bool { return h.q.Stats.Records.Load() >= uint64(want) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if h.srv.Stats.Ended(EndShutdown) != 1 {
		t.Fatalf("end reason: shutdown=%d", h.srv.Stats.Ended(EndShutdown))
	}
	h.q.Close()
	want++ // the router term synthesized at the end (no Termination; the peer went down)
	if got := h.sink.Len(); got != want {
		t.Fatalf("%d records, want %d", got, want)
	}
	lastIsSynthesizedTerm(t, h.sink, session.EndShutdown)
	if _, err := net.Dial("tcp", h.addr); err == nil {
		t.Fatal("listener still accepting after Shutdown")
	}
	_ = io.EOF
}
