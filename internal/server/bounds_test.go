package server

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/gen"
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
	if n := h.sink.Len(); n != 101 {
		t.Fatalf("%d records, want the 101 Peer Ups up to the one over the limit", n)
	}
}
