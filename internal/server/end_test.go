package server

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/internal/testutil/sinktest"
)

// TestSessionEndWithoutTermination: a router session that ends without a Termination
// message (FRR never sends one; a reset ends it too) gives a synthesized peer "down" for
// every peer still up, in the order they came up, then a synthesized router "term" with
// the reason. Consumers see a down for every up.
func TestSessionEndWithoutTermination(t *testing.T) {
	local := netip.MustParseAddr("192.0.2.1")
	p1, p2, p3 := gen.DefaultPeer(), gen.DefaultPeer(), gen.DefaultPeer()
	p2.Addr, p2.BGPID = netip.MustParseAddr("192.0.2.3"), netip.MustParseAddr("192.0.2.3")
	p3.Addr, p3.BGPID = netip.MustParseAddr("192.0.2.4"), netip.MustParseAddr("192.0.2.4")
	up := func(p gen.Peer) []byte {
		o := gen.Open(uint16(p.AS), 90, p.BGPID)
		return gen.PeerUp(p, local, 179, 40000, o, o)
	}
	data := gen.Cat(gen.Initiation("frr", "x"), up(p2), up(p1), up(p3), up(p2), // p2 twice: one down
		gen.PeerDown(p3, 2, []byte{0, 0}), gen.PeerDown(p3, 2, []byte{0, 0})) // p3 down (twice, as FRR)
	for _, c := range []struct {
		name, reason string
		close        func(c *net.TCPConn)
	}{
		{"eof", session.EndEOF, func(c *net.TCPConn) { c.CloseWrite() }},
		{"reset", session.EndReset, func(c *net.TCPConn) { c.SetLinger(0); c.Close() }},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := start(t, sinktest.New(), 4, 0)
			conn, err := net.Dial("tcp", h.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.Write(data); err != nil {
				t.Fatal(err)
			}
			testutil.WaitFor(t, "the messages", func() bool { return h.q.Stats.Records.Load() >= 7 })
			before := time.Now()
			c.close(conn.(*net.TCPConn))
			testutil.WaitFor(t, "session end", func() bool { return h.srv.Stats.Open.Load() == 0 && h.srv.Stats.Total.Load() == 1 })
			h.q.Close()
			rs := h.sink.Records(t)
			var got []string
			for _, r := range rs {
				s := r["type"].(string) + ":" + r["action"].(string)
				if ip, ok := r["remote_ip"]; ok {
					s += ":" + ip.(string)
				}
				if r["synthesized"] == true {
					s += ":synthesized:" + r["end_reason"].(string)
				}
				got = append(got, s)
			}
			want := []string{"router:init", "peer:up:192.0.2.3", "peer:up:192.0.2.2", "peer:up:192.0.2.4", "peer:up:192.0.2.3",
				"peer:down:192.0.2.4", "peer:down:192.0.2.4",
				"peer:down:192.0.2.3:synthesized:" + c.reason, "peer:down:192.0.2.2:synthesized:" + c.reason,
				"router:term:synthesized:" + c.reason}
			if len(got) != len(want) {
				t.Fatalf("records:\n got  %q\n want %q", got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("record %d: %q, want %q\n got %q", i, got[i], want[i], got)
				}
			}
			// The synthesized downs carry the peer's identity (same peer_hash as its up),
			// no router timestamp, the collector's time of the end.
			for _, i := range []int{7, 8} {
				r := rs[i]
				if r["timestamp"] != nil || r["bmp_reason"] != nil {
					t.Errorf("synthesized down %v has a timestamp or a BMP reason", r)
				}
				ts, err := time.Parse(time.RFC3339Nano, r["collector_timestamp"].(string))
				if err != nil || ts.Before(before.Add(-time.Second)) {
					t.Errorf("collector_timestamp %v (%v)", r["collector_timestamp"], err)
				}
			}
			if rs[7]["peer_hash"] != rs[1]["peer_hash"] || rs[8]["peer_hash"] != rs[2]["peer_hash"] {
				t.Errorf("peer hashes of the synthesized downs differ from their ups")
			}
			lastIsSynthesizedTerm(t, h.sink, c.reason)
		})
	}
}

// TestSessionEndAfterTermination: a Termination message gives the peers still up their
// synthesized down (end_reason "termination") before its router term record, and the
// disconnection that follows adds nothing.
func TestSessionEndAfterTermination(t *testing.T) {
	p := gen.DefaultPeer()
	o := gen.Open(uint16(p.AS), 90, p.BGPID)
	h := start(t, sinktest.New(), 4, 0)
	send(t, h.addr, gen.Cat(gen.Initiation("r", "x"), gen.PeerUp(p, netip.MustParseAddr("192.0.2.1"), 179, 40000, o, o), gen.Termination(0)))
	testutil.WaitFor(t, "session end", h.ended(EndEOF, 1))
	h.q.Close()
	rs := h.sink.Records(t)
	if len(rs) != 4 {
		t.Fatalf("%d records, want 4: %v", len(rs), rs)
	}
	if r := rs[2]; r["type"] != "peer" || r["action"] != "down" || r["synthesized"] != true || r["end_reason"] != session.EndTermination {
		t.Errorf("record 3: %v, want the synthesized peer down", r)
	}
	if r := rs[3]; r["type"] != "router" || r["action"] != "term" || r["synthesized"] != nil || r["term_reason"] != 0.0 {
		t.Errorf("record 4: %v, want the Termination's router term", r)
	}
}
