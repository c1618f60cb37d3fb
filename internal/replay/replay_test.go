package replay

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/bmpstream/bmpstream/internal/capture"
	"github.com/bmpstream/bmpstream/internal/testutil"
)

// msg builds a BMP message of a type and total length.
func msg(typ uint8, total int, seed byte) []byte {
	m := make([]byte, total)
	m[0] = 3
	binary.BigEndian.PutUint32(m[1:5], uint32(total))
	m[5] = typ
	for i := 6; i < total; i++ {
		m[i] = seed + byte(i)
	}
	return m
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// testStreams: two complete sessions and one whose last message is torn.
func testStreams() []capture.Stream {
	return []capture.Stream{
		{Name: "a", Data: cat(msg(4, 30, 1), msg(3, 120, 2), msg(0, 90, 3))},
		{Name: "b", Data: cat(msg(4, 40, 4), msg(0, 200, 5), msg(0, 75, 6), msg(1, 60, 7), msg(2, 50, 8))},
		{Name: "torn", Data: cat(msg(4, 30, 9), msg(0, 100, 10), msg(0, 300, 11)[:77])},
	}
}

// sink is a collector: it accepts connections and reads each to EOF.
type sink struct {
	ln      net.Listener
	results chan []byte
}

func newSink(t *testing.T) *sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sink{ln: ln, results: make(chan []byte, 1024)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				b, _ := io.ReadAll(c)
				s.results <- b
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return s
}

func (s *sink) addr() string { return s.ln.Addr().String() }

// collect waits for n connections to be read to EOF and returns their bytes, sorted.
func (s *sink) collect(t *testing.T, n int) [][]byte {
	t.Helper()
	var out [][]byte
	for range n {
		select {
		case b := <-s.results:
			out = append(out, b)
		case <-time.After(60 * time.Second):
			t.Fatalf("only %d of %d connections finished", len(out), n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i], out[j]) < 0 })
	return out
}

func sorted(bs ...[]byte) [][]byte {
	sort.Slice(bs, func(i, j int) bool { return bytes.Compare(bs[i], bs[j]) < 0 })
	return bs
}

func equalSets(t *testing.T, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d connections, want %d", len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("connection %d: %d bytes, want %d", i, len(got[i]), len(want[i]))
		}
	}
}

func TestRunByteIdentical(t *testing.T) {
	s := newSink(t)
	streams := testStreams()
	sum, err := Run(context.Background(), streams, Options{Addr: s.addr()})
	if err != nil {
		t.Fatal(err)
	}
	equalSets(t, s.collect(t, 3), sorted(streams[0].Data, streams[1].Data, streams[2].Data))
	if sum.Sessions != 3 || sum.Failed != 0 || sum.Messages != 3+5+2 || sum.TornMessages != 1 ||
		sum.Bytes != uint64(len(streams[0].Data)+len(streams[1].Data)+len(streams[2].Data)) {
		t.Errorf("summary %+v", sum)
	}
}

// TestRunLoopParallel: each of K connections per stream carries the stream N times; the
// torn tail is sent once, after the last loop.
func TestRunLoopParallel(t *testing.T) {
	s := newSink(t)
	streams := testStreams()
	const loops, par = 3, 2
	sum, err := Run(context.Background(), streams, Options{Addr: s.addr(), Loop: loops, Parallel: par})
	if err != nil {
		t.Fatal(err)
	}
	var want [][]byte
	for _, st := range streams {
		c := capture.Count(st.Data)
		one := bytes.Repeat(st.Data[:c.Bytes], loops)
		one = append(one, st.Data[c.Bytes:]...)
		want = append(want, one, one)
	}
	got := s.collect(t, len(streams)*par)
	equalSets(t, got, sorted(want...))
	for _, b := range got {
		if c := capture.Count(b); c.Torn && (c.TornDeclared != 300 || c.TornPresent != 77 || c.Messages != 2*loops) {
			t.Errorf("torn connection: %+v", c)
		}
	}
	if sum.Sessions != 6 || sum.Messages != par*loops*(3+5+2) || sum.TornMessages != par {
		t.Errorf("summary %+v", sum)
	}
}

// TestRunRealCaptures replays a lab capture byte for byte and a pmacct capture twice.
func TestRunRealCaptures(t *testing.T) {
	dir := testutil.TestdataDir(t)
	lab, err := capture.ReadFile(filepath.Join(dir, "lab", "frr84-mixed.pcap"), capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pm, err := capture.ReadFile(filepath.Join(dir, "public", "pmacct_pmacct", "201-BMP-CISCO-rd_instance__traffic-00.pcap"), capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "lab", "frr84-mixed.bmp"))
	if err != nil {
		t.Fatal(err)
	}

	s := newSink(t)
	sum, err := Run(context.Background(), lab, Options{Addr: s.addr()})
	if err != nil {
		t.Fatal(err)
	}
	got := s.collect(t, 1)[0]
	if sha256.Sum256(got) != sha256.Sum256(raw) {
		t.Errorf("received %d bytes, differ from frr84-mixed.bmp (%d bytes)", len(got), len(raw))
	}
	if sum.Messages != 5774 || sum.Bytes != 991685 || sum.Sessions != 1 {
		t.Errorf("summary %+v", sum)
	}

	sum, err = Run(context.Background(), pm, Options{Addr: s.addr(), Loop: 2})
	if err != nil {
		t.Fatal(err)
	}
	got = s.collect(t, 1)[0]
	msgs, rest := testutil.SplitBMP(got)
	if len(msgs) != 2*336 || len(rest) != 0 || !bytes.Equal(got, cat(pm[0].Data, pm[0].Data)) {
		t.Errorf("pmacct 201 looped: %d messages, %d rest", len(msgs), len(rest))
	}
	if sum.Messages != 672 {
		t.Errorf("summary %+v", sum)
	}
}

// countConn counts the bytes written through it.
type countConn struct {
	net.Conn
	written *atomic.Uint64
}

func (c *countConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.written.Add(uint64(n))
	return n, err
}

func (c *countConn) CloseWrite() error { return c.Conn.(*net.TCPConn).CloseWrite() }

// recLimiter records each WaitN with the number of bytes written before it.
type recLimiter struct {
	mu      sync.Mutex
	written *atomic.Uint64
	calls   [][2]uint64 // n, bytes written when asked
}

func (l *recLimiter) WaitN(ctx context.Context, n int) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, [2]uint64{uint64(n), l.written.Load()})
	return nil
}

// TestRunPacing: the limiter is asked once per message, before the message is written:
// when asked for message i, exactly the bytes of messages 0..i-1 have been written.
func TestRunPacing(t *testing.T) {
	s := newSink(t)
	st := testStreams()[2] // 2 whole messages + torn tail
	var written atomic.Uint64
	lim := &recLimiter{written: &written}
	opts := Options{Addr: s.addr(), Loop: 3, Limiter: lim}
	opts.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &countConn{Conn: c, written: &written}, nil
	}
	sum, err := Run(context.Background(), []capture.Stream{st}, opts)
	if err != nil {
		t.Fatal(err)
	}
	got := s.collect(t, 1)[0]
	sizes := []uint64{30, 100, 30, 100, 30, 100, 77} // 3 loops of 2 messages, then the tail
	if len(lim.calls) != len(sizes) {
		t.Fatalf("limiter asked %d times, want %d: %v", len(lim.calls), len(sizes), lim.calls)
	}
	var before uint64
	for i, c := range lim.calls {
		if c[0] != 1 || c[1] != before {
			t.Errorf("call %d: n=%d with %d bytes written, want n=1 with %d", i, c[0], c[1], before)
		}
		before += sizes[i]
	}
	if uint64(len(got)) != before || written.Load() != before {
		t.Errorf("received %d, written %d, want %d", len(got), written.Load(), before)
	}
	if msgs, _ := testutil.SplitBMP(got); len(msgs) != 6 || sum.Messages != 6 || sum.TornMessages != 1 {
		t.Errorf("%d messages received, summary %+v", len(msgs), sum)
	}
}

// TestRunRateLimiter drives the real rate.Limiter with a high rate (no timing asserted).
func TestRunRateLimiter(t *testing.T) {
	s := newSink(t)
	streams := testStreams()
	sum, err := Run(context.Background(), streams, Options{Addr: s.addr(), Rate: 1e6, Loop: 20, Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	s.collect(t, 6)
	if sum.Messages != 2*20*(3+5+2) || sum.Sessions != 6 {
		t.Errorf("summary %+v", sum)
	}
}

func TestNewLimiter(t *testing.T) {
	cases := []struct {
		rate  float64
		burst int
	}{{0.5, 1}, {10, 1}, {1000, 50}, {1e6, 1000}}
	for _, c := range cases {
		l, maxMsgs := newLimiter(Options{Rate: c.rate})
		rl, ok := l.(*rate.Limiter)
		if !ok || float64(rl.Limit()) != c.rate || rl.Burst() != c.burst || maxMsgs != c.burst {
			t.Errorf("rate %g: limiter %v burst %d max %d, want burst %d", c.rate, l, rl.Burst(), maxMsgs, c.burst)
		}
	}
	if l, maxMsgs := newLimiter(Options{}); l != nil || maxMsgs < 1<<20 {
		t.Errorf("unlimited: %v %d", l, maxMsgs)
	}
	custom := &recLimiter{}
	if l, maxMsgs := newLimiter(Options{Rate: 5, Limiter: custom}); l != custom || maxMsgs != 1 {
		t.Errorf("custom: %v %d", l, maxMsgs)
	}
}

func TestPlan(t *testing.T) {
	data := cat(msg(4, 30, 1), msg(0, 100, 2), msg(0, 100, 3), msg(0, 500, 4), msg(0, 60, 5), msg(0, 999, 6)[:10])
	cases := []struct {
		maxMsgs, maxBytes int
		want              []batch
	}{
		{1 << 30, 1 << 30, []batch{{0, 790, 5}}},
		{2, 1 << 30, []batch{{0, 130, 2}, {130, 730, 2}, {730, 790, 1}}},
		{1, 1 << 30, []batch{{0, 30, 1}, {30, 130, 1}, {130, 230, 1}, {230, 730, 1}, {730, 790, 1}}},
		{100, 250, []batch{{0, 230, 3}, {230, 730, 1}, {730, 790, 1}}},
	}
	for _, c := range cases {
		got, tail := plan(data, c.maxMsgs, c.maxBytes)
		if tail != 790 || len(got) != len(c.want) {
			t.Errorf("plan(%d,%d) = %v tail %d", c.maxMsgs, c.maxBytes, got, tail)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("plan(%d,%d)[%d] = %v, want %v", c.maxMsgs, c.maxBytes, i, got[i], c.want[i])
			}
		}
	}
	// Not BMP at all: everything is tail, sent once.
	if b, tail := plan([]byte("not bmp at all"), 10, 1000); len(b) != 0 || tail != 0 {
		t.Errorf("non-BMP: %v %d", b, tail)
	}
}

func TestRunErrors(t *testing.T) {
	if _, err := Run(context.Background(), testStreams(), Options{}); err == nil {
		t.Error("no address: no error")
	}
	if _, err := Run(context.Background(), testStreams(), Options{Addr: "127.0.0.1:1", Rate: -1}); err == nil {
		t.Error("negative rate: no error")
	}
	// A port nobody listens on: every connection fails, each error names its stream.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	sum, err := Run(context.Background(), testStreams(), Options{Addr: addr, Parallel: 2})
	if err == nil || sum.Failed != 6 || sum.Sessions != 0 || sum.Messages != 0 {
		t.Fatalf("refused: %v %+v", err, sum)
	}
	for _, name := range []string{"a (copy 1)", "a (copy 2)", "b (copy 1)", "torn (copy 2)"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %q", err, name)
		}
	}
}

// blockLimiter blocks every WaitN until the context ends, after signalling the first call.
type blockLimiter struct{ started chan struct{} }

func (l *blockLimiter) WaitN(ctx context.Context, n int) error {
	select {
	case l.started <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return ctx.Err()
}

func TestRunCancel(t *testing.T) {
	s := newSink(t)
	ctx, cancel := context.WithCancel(context.Background())
	lim := &blockLimiter{started: make(chan struct{}, 1)}
	done := make(chan struct{})
	var sum Summary
	var err error
	go func() {
		sum, err = Run(ctx, testStreams()[:1], Options{Addr: s.addr(), Limiter: lim})
		close(done)
	}()
	<-lim.started
	cancel()
	<-done
	if !errors.Is(err, context.Canceled) || sum.Failed != 1 || sum.Messages != 0 {
		t.Fatalf("cancel: %v %+v", err, sum)
	}
}

// TestRunCloseDelay: with a long close delay the session still ends as soon as the
// collector closes its side.
func TestRunCloseDelay(t *testing.T) {
	s := newSink(t)
	start := time.Now()
	_, err := Run(context.Background(), testStreams()[:1], Options{Addr: s.addr(), CloseDelay: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	s.collect(t, 1)
	if d := time.Since(start); d > 5*time.Minute {
		t.Errorf("Run waited %v: the collector's close was not noticed", d)
	}
}
