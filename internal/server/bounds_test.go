package server

import (
	"bytes"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/memory"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/internal/testutil/sinktest"
)

var (
	tPeer = gen.Peer{Addr: netip.MustParseAddr("192.0.2.2"), AS: 65002, BGPID: netip.MustParseAddr("192.0.2.2")}
	tAttr = gen.Cat(gen.Origin(0), gen.ASPath(true, 65002), gen.NextHop(netip.MustParseAddr("192.0.2.2")))
)

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestFlushWithPartialMessageBuffered: the records of complete messages reach the sink
// while the start of the next message sits in the buffer and the connection stays open.
func TestFlushWithPartialMessageBuffered(t *testing.T) {
	h := start(t, sinktest.New(), 4, 0)
	c := dial(t, h.addr)
	upd := gen.RouteMonitoring(tPeer, gen.Update(nil, tAttr, gen.Prefixes([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, nil)))
	var data []byte
	data = append(data, gen.Initiation("r1", "x")...)
	data = append(data, upd...)
	data = append(data, upd...)
	data = append(data, upd[:20]...) // the next message has begun
	if _, err := c.Write(data); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for h.sink.Len() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d of 3 records of complete messages delivered while a partial one waits", h.sink.Len())
		}
		time.Sleep(5 * time.Millisecond)
	}
	rs := h.sink.Records(t)
	if rs[0]["type"] != "router" || rs[1]["prefix"] != "10.0.0.0" || rs[2]["sequence"] != 3.0 {
		t.Fatalf("records %v", rs)
	}
}

// TestTooManyPeersEndsSession: a router announcing more peers than the limit has its
// session ended with reason too_many_peers; the records before that are delivered.
func TestTooManyPeersEndsSession(t *testing.T) {
	h := startWith(t, sinktest.New(), 4, func(c *Config) { c.Session.MaxPeers = 100 })
	c := dial(t, h.addr)
	var data []byte
	for i := 0; i < 150; i++ {
		p := tPeer
		p.Addr = netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
		data = append(data, gen.PeerUp(p, netip.MustParseAddr("192.0.2.1"), 179, 1,
			gen.Open(65001, 90, netip.MustParseAddr("192.0.2.1")), gen.Open(65002, 90, p.Addr))...)
	}
	go c.Write(data)
	testutil.WaitFor(t, "session end", h.ended(EndTooManyPeers, 1))
	h.q.Close()
	// The 101 Peer Ups up to the one over the limit, then the end of the session: a
	// synthesized down for each of the 100 peers kept up and a synthesized router term.
	if n := h.sink.Len(); n != 202 {
		t.Fatalf("%d records, want the 101 Peer Ups up to the one over the limit, 100 synthesized downs and the term", n)
	}
	lastIsSynthesizedTerm(t, h.sink, session.EndTooManyPeers)
}

// TestMessageTimeoutEndsSlowDrip: a router that starts a message and sends its bytes one
// at a time is disconnected after --message-timeout (reason message_timeout), although
// every byte would reset an idle timer; a router quiet between messages is not.
func TestMessageTimeoutEndsSlowDrip(t *testing.T) {
	h := startWith(t, sinktest.New(), 4, func(c *Config) { c.MessageTimeout = 400 * time.Millisecond; c.ReadTimeout = time.Minute })
	quiet := dial(t, h.addr)
	if _, err := quiet.Write(gen.Initiation("quiet", "x")); err != nil {
		t.Fatal(err)
	}
	drip := dial(t, h.addr)
	msg := gen.RouteMonitoring(tPeer, gen.Update(nil, tAttr, gen.Prefixes([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, nil)))
	if _, err := drip.Write(append(gen.Initiation("drip", "x"), msg[:10]...)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for i := 10; i < len(msg)-1; i++ {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if _, err := drip.Write(msg[i : i+1]); err != nil {
				return
			}
		}
	}()
	testutil.WaitFor(t, "message timeout", h.ended(EndMessageTimeout, 1))
	if d := time.Since(start); d < 350*time.Millisecond || d > 5*time.Second {
		t.Fatalf("ended after %s, want about 400ms", d)
	}
	time.Sleep(200 * time.Millisecond)
	if n := h.srv.Stats.Open.Load(); n != 1 {
		t.Fatalf("%d sessions open, want the quiet one", n)
	}
	if h.srv.Stats.Ended(EndIdle) != 0 {
		t.Fatal("the quiet session ended")
	}
	if n := h.sink.Len(); n != 3 {
		t.Fatalf("%d records, want the 2 Initiations and the dripping session's synthesized router term", n)
	}
	lastIsSynthesizedTerm(t, h.sink, session.EndTimeout)
}

// TestMemoryBudgetPausesReading: with the sink stalled and a budget smaller than the
// queued output, every session's reading pauses, new connections are refused (reason
// memory_limit), and once the sink resumes everything is delivered in order.
func TestMemoryBudgetPausesReading(t *testing.T) {
	sink := sinktest.New()
	sink.Gate = make(chan struct{})
	budget := memory.New(2 << 20)
	h := startWith(t, sink, 64, func(c *Config) { c.Memory = budget; c.Session.MaxBatchRecords = 100 })
	budget.SetQueued(h.q.Stats.PendingBytes)
	data, c := stream(t, gen.StreamSpec{Prefixes: 100000, PerUpdate: 1})
	conn := dial(t, h.addr)
	written := make(chan error, 1)
	go func() { _, err := conn.Write(data); conn.Close(); written <- err }()
	<-sink.FirstWrite()
	testutil.WaitFor(t, "a pause", func() bool { return budget.Pauses.Load() > 0 })
	time.Sleep(200 * time.Millisecond)
	if q := h.q.Len(); q >= h.q.Cap() {
		t.Fatalf("queue full (%d batches): the budget did not pause reading first", q)
	}
	if total := budget.Total(); total > 4<<20 {
		t.Fatalf("accounted %d bytes with a 2 MiB budget", total)
	}
	// A new connection is refused while over the budget.
	late := dial(t, h.addr)
	testutil.WaitFor(t, "refusal", func() bool { return h.srv.Stats.Refused(RefuseMemory) == 1 })
	late.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := late.Read(make([]byte, 1)); err == nil {
		t.Fatal("refused connection not closed")
	}
	close(sink.Gate)
	if err := <-written; err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, "session end", h.ended(EndEOF, 1))
	h.q.Close()
	lines := h.sink.Lines(0, -1)
	if want := c.V4 + c.V6 + 4; len(lines) != want {
		t.Fatalf("%d records, want %d", len(lines), want)
	}
	for i, l := range lines {
		if q := seqOf(l); q != i+1 {
			t.Fatalf("record %d has sequence %d", i, q)
		}
	}
	if budget.Used(memory.ReadBuffers) != 0 || budget.Used(memory.SessionBatches) != 0 {
		t.Fatalf("session memory still accounted after it ended: %d %d", budget.Used(memory.ReadBuffers), budget.Used(memory.SessionBatches))
	}
}

// seqOf reads the "sequence" of a record line without decoding the whole line.
func seqOf(line []byte) int {
	i := bytes.Index(line, []byte(`"sequence":`))
	if i < 0 {
		return -1
	}
	n := 0
	for _, c := range line[i+len(`"sequence":`):] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}
