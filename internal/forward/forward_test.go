package forward

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/capture"
	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/bmp"
	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// countSink counts records.
type countSink struct{ n atomic.Int64 }

func (c *countSink) Name() string { return "count" }
func (c *countSink) Write(b *record.Batch) error {
	c.n.Add(int64(b.Len()))
	return nil
}
func (c *countSink) Flush() error { return nil }
func (c *countSink) Close() error { return nil }

// downstream is a collector that records the bytes of every connection it accepts.
type downstream struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []*received
	wg    sync.WaitGroup
	// stall, when not nil, makes connections wait for it to close before reading.
	stall chan struct{}
}

type received struct {
	mu   sync.Mutex
	conn net.Conn
	data []byte
	done chan struct{}
}

func (r *received) bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Clone(r.data)
}

func listenDownstream(t *testing.T, addr string, stall chan struct{}) *downstream {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	d := &downstream{ln: ln, stall: stall}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r := &received{conn: c, done: make(chan struct{})}
			d.mu.Lock()
			d.conns = append(d.conns, r)
			d.mu.Unlock()
			d.wg.Add(1)
			go func() {
				defer d.wg.Done()
				defer close(r.done)
				if d.stall != nil {
					<-d.stall
				}
				buf := make([]byte, 64<<10)
				for {
					n, err := c.Read(buf)
					r.mu.Lock()
					r.data = append(r.data, buf[:n]...)
					r.mu.Unlock()
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(d.close)
	return d
}

// close stops accepting and closes every connection.
func (d *downstream) close() {
	d.ln.Close()
	d.mu.Lock()
	for _, r := range d.conns {
		r.conn.Close()
	}
	d.mu.Unlock()
	d.wg.Wait()
}

func (d *downstream) received() []*received {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]*received(nil), d.conns...)
}

type harness struct {
	srv  *server.Server
	q    *publisher.Queue
	sink *countSink
	fw   *Forwarder
}

func start(t *testing.T, cfg Config) *harness {
	t.Helper()
	h := &harness{sink: &countSink{}, fw: New(cfg)}
	h.q = publisher.NewQueue(h.sink, 8, publisher.Block)
	h.srv = server.New(server.Config{Listen: "127.0.0.1:0", Publisher: h.q, Session: session.Config{},
		Taps: []func(netip.AddrPort) server.MessageTap{func(r netip.AddrPort) server.MessageTap { return h.fw.Tap(r) }}})
	if err := h.srv.Listen(); err != nil {
		t.Fatal(err)
	}
	go h.srv.Serve()
	t.Cleanup(func() { h.stop(t) })
	return h
}

func (h *harness) stop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h.srv.Shutdown(ctx)
	h.q.Close()
	if err := h.fw.Close(ctx); err != nil {
		t.Errorf("forwarder close: %v", err)
	}
}

// whole returns the complete messages of a stream as the collector frames them (up to
// the first framing error).
func whole(data []byte) [][]byte {
	var out [][]byte
	r := bmp.NewReader(bytes.NewReader(data), 1<<20)
	for {
		_, msg, err := r.Next()
		if err != nil {
			return out
		}
		out = append(out, bytes.Clone(msg))
	}
}

func concat(msgs [][]byte) []byte { return bytes.Join(msgs, nil) }

func genStream(t testing.TB, spec gen.StreamSpec) []byte {
	var buf bytes.Buffer
	if _, err := gen.WriteStream(&buf, spec); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// records counts the records a stream gives.
func records(t *testing.T, data []byte) int {
	n := 0
	sess := session.New(context.Background(), session.Config{}, netip.MustParseAddrPort("127.0.0.1:1"),
		func(_ context.Context, b *record.Batch) error { n += b.Len(); b.Release(); return nil })
	for _, m := range whole(data) {
		sess.Handle(m, time.Now())
	}
	sess.End(session.EndEOF, time.Now()) // the synthesized records of the session's end
	sess.Flush()
	return n
}

func dial(t *testing.T, addr string) net.Conn {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// realStreams are real router streams: the lab captures and every BMP stream of a
// multi-router pmacct capture.
func realStreams(t *testing.T) [][]byte {
	dir := testutil.TestdataDir(t)
	var out [][]byte
	for _, f := range []string{"lab/frr84-mixed.bmp", "lab/gobgp310deb-mixed.bmp", "public/pmacct_pmacct/202-BMP-CISCO-HUAWEI-multiple-sources__traffic-01.pcap"} {
		streams, err := capture.ReadFile(filepath.Join(dir, f), capture.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range streams {
			out = append(out, s.Data)
		}
	}
	return out
}

// TestForwardByteIdentical: routers in parallel, each forwarded on its own downstream
// connection, byte for byte.
func TestForwardByteIdentical(t *testing.T) {
	ds := listenDownstream(t, "127.0.0.1:0", nil)
	h := start(t, Config{Addr: ds.ln.Addr().String()})
	streams := realStreams(t)
	for i := 0; i < 4; i++ {
		streams = append(streams, genStream(t, gen.StreamSpec{Prefixes: 5000 * (i + 1), PerUpdate: 3, IPv6: i%2 == 1, SysName: fmt.Sprint("r", i)}))
	}
	var wg sync.WaitGroup
	want := map[string]int{}
	var msgs, recs int
	for _, s := range streams {
		ms := whole(s)
		want[string(concat(ms))]++
		msgs += len(ms)
		recs += records(t, s)
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := dial(t, h.srv.Addr().String())
			defer c.Close()
			if _, err := c.Write(s); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	ended := func() uint64 {
		var n uint64
		for _, r := range server.EndReasons {
			n += h.srv.Stats.Ended(r)
		}
		return n
	}
	testutil.WaitFor(t, "sessions", func() bool { return ended() == uint64(len(streams)) })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := h.fw.Close(ctx); err != nil {
		t.Fatal(err)
	}
	conns := ds.received()
	if len(conns) != len(streams) {
		t.Fatalf("%d downstream connections for %d routers", len(conns), len(streams))
	}
	for i, r := range conns {
		<-r.done // the writer closed: everything was read
		b := r.bytes()
		if want[string(b)] == 0 {
			t.Fatalf("downstream connection %d: %d bytes matching no router stream", i, len(b))
		}
		want[string(b)]--
	}
	st := &h.fw.Stats
	if st.ForwardedMessages.Load() != uint64(msgs) || st.DroppedMessages.Load() != 0 || st.Connects.Load() != uint64(len(streams)) ||
		st.Reconnects.Load() != 0 || st.Sessions.Load() != 0 || st.Connected.Load() != 0 || st.Buffered.Load() != 0 {
		t.Fatalf("stats: forwarded %d (want %d) dropped %d connects %d reconnects %d sessions %d connected %d buffered %d",
			st.ForwardedMessages.Load(), msgs, st.DroppedMessages.Load(), st.Connects.Load(), st.Reconnects.Load(),
			st.Sessions.Load(), st.Connected.Load(), st.Buffered.Load())
	}
	h.q.Close()
	if got := h.sink.n.Load(); got != int64(recs) {
		t.Fatalf("%d records published, want %d", got, recs)
	}
}

// freePort returns an address where nothing listens.
func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestForwardDownstreamAbsent: nothing listens downstream; parsing and publishing are
// not held up and every message is counted as dropped.
func TestForwardDownstreamAbsent(t *testing.T) {
	h := start(t, Config{Addr: freePort(t), BufferBytes: 256 << 10, CloseTimeout: 300 * time.Millisecond, BackoffMax: 50 * time.Millisecond})
	data := append(genStream(t, gen.StreamSpec{Prefixes: 30000, PerUpdate: 2, IPv6: true}), concat(whole(realStreams(t)[0]))...)
	ms := whole(data)
	recs := records(t, data)
	c := dial(t, h.srv.Addr().String())
	if _, err := c.Write(data); err != nil {
		t.Fatal(err)
	}
	c.Close()
	testutil.WaitFor(t, "records", func() bool { return h.q.Stats.Records.Load() == uint64(recs) })
	testutil.WaitFor(t, "the session", func() bool { return h.srv.Stats.Ended(server.EndEOF) == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := h.fw.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st := &h.fw.Stats
	if st.DroppedMessages.Load() != uint64(len(ms)) || st.DroppedBytes.Load() != uint64(len(data)) ||
		st.ForwardedMessages.Load() != 0 || st.Connects.Load() != 0 || st.DialErrors.Load() == 0 || st.Buffered.Load() != 0 {
		t.Fatalf("dropped %d/%d messages, %d/%d bytes; forwarded %d connects %d dial errors %d buffered %d",
			st.DroppedMessages.Load(), len(ms), st.DroppedBytes.Load(), len(data), st.ForwardedMessages.Load(),
			st.Connects.Load(), st.DialErrors.Load(), st.Buffered.Load())
	}
	h.q.Close()
	if h.sink.n.Load() != int64(recs) {
		t.Fatalf("%d records, want %d", h.sink.n.Load(), recs)
	}
}

// indexOf finds the position of each received message in the router's messages: the
// received bytes must be whole, well-formed messages forming an in-order subsequence.
func indexOf(t *testing.T, name string, got []byte, msgs [][]byte) []int {
	t.Helper()
	parts, rest := testutil.SplitBMP(got)
	if len(rest) != 0 {
		t.Fatalf("%s: %d bytes after the last whole message", name, len(rest))
	}
	var idx []int
	j := 0
	var m bmp.Message
	for i, p := range parts {
		if _, err := bmp.ParseCommonHeader(p); err != nil {
			t.Fatalf("%s: message %d: %v", name, i, err)
		}
		if err := m.Decode(p); err != nil {
			t.Fatalf("%s: message %d does not decode: %v", name, i, err)
		}
		for j < len(msgs) && !bytes.Equal(msgs[j], p) {
			j++
		}
		if j == len(msgs) {
			t.Fatalf("%s: message %d is not the next message of the router", name, i)
		}
		idx = append(idx, j)
		j++
	}
	return idx
}

// TestForwardLateAndRestartingDownstream: the downstream starts after the router, then
// restarts mid-session. The first connection gets the stream from its first message;
// after the restart the stream resumes at a message boundary and nothing after that is
// missing; every message is counted as forwarded or dropped.
func TestForwardLateAndRestartingDownstream(t *testing.T) {
	addr := freePort(t)
	h := start(t, Config{Addr: addr, BackoffMin: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond})
	data := genStream(t, gen.StreamSpec{Prefixes: 60000, PerUpdate: 3, IPv6: true})
	ms := whole(data)
	st := &h.fw.Stats
	c := dial(t, h.srv.Addr().String())
	defer c.Close()
	send := func(from, to int) {
		if _, err := c.Write(concat(ms[from:to])); err != nil {
			t.Fatal(err)
		}
	}
	third := len(ms) / 3
	send(0, third)
	testutil.WaitFor(t, "dial failures", func() bool { return st.DialErrors.Load() >= 2 })
	ds1 := listenDownstream(t, addr, nil)
	testutil.WaitFor(t, "the first third downstream", func() bool {
		rs := ds1.received()
		return len(rs) == 1 && len(rs[0].bytes()) == len(concat(ms[:third]))
	})
	ds1.close()
	// Trickle messages until the writer notices the downstream is gone.
	next := third
	for st.WriteErrors.Load() == 0 {
		if next >= 2*third {
			t.Fatal("no write error after the downstream closed")
		}
		send(next, next+1)
		next++
		time.Sleep(time.Millisecond) // pacing only; no assertion depends on it
	}
	dialErrs := st.DialErrors.Load()
	testutil.WaitFor(t, "redial failures", func() bool { return st.DialErrors.Load() > dialErrs })
	send(next, 2*third)
	ds2 := listenDownstream(t, addr, nil)
	send(2*third, len(ms))
	c.Close()
	testutil.WaitFor(t, "the session", func() bool { return h.srv.Stats.Ended(server.EndEOF) == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := h.fw.Close(ctx); err != nil {
		t.Fatal(err)
	}
	r1, r2 := ds1.received(), ds2.received()
	if len(r1) != 1 || len(r2) != 1 {
		t.Fatalf("%d and %d downstream connections", len(r1), len(r2))
	}
	<-r2[0].done
	first := indexOf(t, "first connection", r1[0].bytes(), ms)
	second := indexOf(t, "second connection", r2[0].bytes(), ms)
	// The first connection is the stream's beginning, without gaps.
	for i, j := range first {
		if i != j {
			t.Fatalf("first connection: message %d is the router's message %d", i, j)
		}
	}
	// The second starts at a boundary and carries everything from there on.
	if len(second) == 0 || second[0] < len(first) {
		t.Fatalf("second connection starts at message %v after %d", second[:min(1, len(second))], len(first))
	}
	for i, j := range second {
		if j != second[0]+i {
			t.Fatalf("second connection: gap at message %d (router's %d)", i, j)
		}
	}
	if second[len(second)-1] != len(ms)-1 {
		t.Fatalf("second connection ends at message %d of %d", second[len(second)-1], len(ms))
	}
	if st.ForwardedMessages.Load()+st.DroppedMessages.Load() != uint64(len(ms)) || st.DroppedMessages.Load() != 0 ||
		st.Connects.Load() != 2 || st.Reconnects.Load() != 1 {
		t.Fatalf("forwarded %d dropped %d (of %d) connects %d reconnects %d", st.ForwardedMessages.Load(),
			st.DroppedMessages.Load(), len(ms), st.Connects.Load(), st.Reconnects.Load())
	}
	t.Logf("%d messages: first connection 0..%d, lost in the socket %d..%d, second %d..%d", len(ms),
		len(first)-1, len(first), second[0]-1, second[0], len(ms)-1)
}

// TestForwardSlowDownstream: a downstream that stops reading fills the buffer: new
// messages are dropped whole and counted, parsing goes on, and what is forwarded
// arrives as whole messages in order.
func TestForwardSlowDownstream(t *testing.T) {
	stall := make(chan struct{})
	ds := listenDownstream(t, "127.0.0.1:0", stall)
	h := start(t, Config{Addr: ds.ln.Addr().String(), BufferBytes: 256 << 10, CloseTimeout: 30 * time.Second, WriteTimeout: 2 * time.Minute})
	data := genStream(t, gen.StreamSpec{Prefixes: 100000, PerUpdate: 1, IPv6: true})
	ms := whole(data)
	recs := records(t, data)
	c := dial(t, h.srv.Addr().String())
	if _, err := c.Write(data); err != nil {
		t.Fatal(err)
	}
	c.Close()
	testutil.WaitFor(t, "records", func() bool { return h.q.Stats.Records.Load() == uint64(recs) })
	st := &h.fw.Stats
	if st.DroppedMessages.Load() == 0 {
		t.Fatal("nothing dropped although the downstream stalled")
	}
	close(stall)
	testutil.WaitFor(t, "the session", func() bool { return h.srv.Stats.Ended(server.EndEOF) == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := h.fw.Close(ctx); err != nil {
		t.Fatal(err)
	}
	rs := ds.received()
	<-rs[0].done
	b := rs[0].bytes()
	idx := indexOf(t, "downstream", b, ms)
	if uint64(len(idx)) != st.ForwardedMessages.Load() || uint64(len(b)) != st.ForwardedBytes.Load() ||
		st.ForwardedMessages.Load()+st.DroppedMessages.Load() != uint64(len(ms)) ||
		st.ForwardedBytes.Load()+st.DroppedBytes.Load() != uint64(len(data)) {
		t.Fatalf("received %d messages/%d bytes; forwarded %d/%d, dropped %d/%d, total %d/%d", len(idx), len(b),
			st.ForwardedMessages.Load(), st.ForwardedBytes.Load(), st.DroppedMessages.Load(), st.DroppedBytes.Load(), len(ms), len(data))
	}
	if idx[0] != 0 {
		t.Fatalf("the downstream's first message is the router's %d", idx[0])
	}
	t.Logf("%d messages: %d forwarded, %d dropped", len(ms), len(idx), st.DroppedMessages.Load())
}
