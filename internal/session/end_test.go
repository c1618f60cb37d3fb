package session

import (
	"context"
	"encoding/json"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// endRun feeds msgs through a fresh session, then ends it with End(reason) (unless reason
// is empty) and returns every record.
func endRun(t *testing.T, recv, end time.Time, reason string, msgs ...[]byte) ([]rec, *Session) {
	t.Helper()
	var out []rec
	collect := func(_ context.Context, b *record.Batch) error {
		for i := 0; i < b.Len(); i++ {
			var r rec
			if err := json.Unmarshal(b.Record(i), &r); err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
		b.Release()
		return nil
	}
	s := New(context.Background(), Config{Counters: &Counters{}}, netip.MustParseAddrPort("192.0.2.1:40000"), collect)
	for _, m := range msgs {
		if err := s.Handle(m, recv); err != nil {
			t.Fatal(err)
		}
	}
	if reason != "" {
		s.End(reason, end)
		s.End(reason, end) // a second End adds nothing
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	for i, r := range out {
		if r["sequence"].(float64) != float64(i+1) {
			t.Fatalf("record %d has sequence %v", i, r["sequence"])
		}
	}
	return out, s
}

// TestEndWithoutTermination: the end of a session without Termination synthesizes a peer
// down for every peer up (in the order they came up; a repeated Peer Up does not make a
// second one, a peer already down gets none) and a router term, both marked synthesized
// with the reason.
func TestEndWithoutTermination(t *testing.T) {
	b, c := peer, peer
	b.Addr, b.BGPID = netip.MustParseAddr("192.0.2.3"), netip.MustParseAddr("192.0.2.3")
	c.Addr, c.BGPID = netip.MustParseAddr("192.0.2.4"), netip.MustParseAddr("192.0.2.4")
	up := func(p gen.Peer) []byte { return gen.PeerUp(p, local, 179, 40000, sentOpn, recvOpn) }
	recv := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	end := recv.Add(time.Minute)
	rs, s := endRun(t, recv, end, EndReset, gen.Initiation("r1", "x"), up(b), up(peer), up(c), up(b),
		gen.PeerDown(c, 2, []byte{0, 0}), gen.PeerDown(c, 2, []byte{0, 0}))
	want := []string{"router:init", "peer:up", "peer:up", "peer:up", "peer:up", "peer:down", "peer:down",
		"peer:down", "peer:down", "router:term"}
	if got := summary(rs); !reflect.DeepEqual(got, want) {
		t.Fatalf("records:\n got  %q\n want %q", got, want)
	}
	for i, r := range rs[:7] {
		if r["synthesized"] != nil || r["end_reason"] != nil {
			t.Errorf("record %d from a message is marked synthesized: %v", i, r)
		}
	}
	synth := map[string]any{"synthesized": true, "end_reason": "reset", "timestamp": nil, "collector_timestamp": "2026-11-22T01:01:00Z",
		"bmp_reason": nil, "bmp_reason_text": nil}
	checkFields(t, rs[7], merge(synth, map[string]any{"remote_ip": "192.0.2.3", "peer_hash": rs[1]["peer_hash"], "hash": downHash(t, rs[1])}))
	checkFields(t, rs[8], merge(synth, map[string]any{"remote_ip": "192.0.2.2", "peer_hash": rs[2]["peer_hash"], "hash": downHash(t, rs[2])}))
	checkFields(t, rs[9], map[string]any{"synthesized": true, "end_reason": "reset", "collector_timestamp": "2026-11-22T01:01:00Z",
		"router_name": "r1", "term_reason": nil, "bmp_version": 3.0})
	if n := s.PeersUp(); n != 0 {
		t.Errorf("%d peers up after End", n)
	}
}

// downHash is the hash of a peer down record of the peer whose up record is up: peer
// records of one peer share it whatever their action.
func downHash(t *testing.T, up rec) any {
	t.Helper()
	if up["type"] != "peer" || up["action"] != "up" {
		t.Fatalf("not a peer up: %v", up)
	}
	return up["hash"]
}

func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// TestEndAfterTermination: a Termination message makes the peers still up down
// (synthesized, end_reason "termination") before its own record; End then adds nothing.
// A session that handled no message gets nothing from End either.
func TestEndAfterTermination(t *testing.T) {
	recv := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	rs, _ := endRun(t, recv, recv.Add(time.Second), EndEOF, gen.Initiation("r1", "x"),
		gen.PeerUp(peer, local, 179, 40000, sentOpn, recvOpn), gen.Termination(1))
	if got, want := summary(rs), []string{"router:init", "peer:up", "peer:down", "router:term"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("records %q, want %q", got, want)
	}
	checkFields(t, rs[2], map[string]any{"synthesized": true, "end_reason": "termination", "collector_timestamp": "2026-11-22T01:00:00Z"})
	checkFields(t, rs[3], map[string]any{"synthesized": nil, "end_reason": nil, "term_reason": 1.0})

	if rs, _ := endRun(t, recv, recv, EndEOF); len(rs) != 0 {
		t.Fatalf("End of an empty session: %v", rs)
	}
}

// TestTimestampsOfEveryRecordType: every record carries collector_timestamp, and the
// router's per-peer header time as timestamp exactly when it is not zero (FRR sends 0 in
// its End-of-RIB messages): End-of-RIB records of every kind, routes, peer, statistics and
// mirroring records. Router records have no per-peer header (collector_timestamp only);
// synthesized records have no router time.
func TestTimestampsOfEveryRecordType(t *testing.T) {
	zero := peer
	zero.Time = time.Time{}
	recv := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	const routerTS = "2026-11-22T00:15:36.947676Z"
	nhVPN := append(make([]byte, 8), 192, 0, 2, 2)
	upd := gen.Update(nil, attrs, gen.Prefixes(pfx("198.51.100.0/24"), nil))
	vpn := gen.Update(nil, gen.Cat(gen.Origin(0), gen.ASPath(true, 65002), mpReachRaw(1, 128, nhVPN, vpnNLRI(nil, "10.0.0.0/8", vpnRD0, lbl(16)))), nil)
	var msgs [][]byte
	var hasTS []bool // per message: the per-peer header's time is set
	for _, p := range []gen.Peer{peer, zero} {
		set := !p.Time.IsZero()
		for _, m := range [][]byte{
			gen.PeerUp(p, local, 179, 40000, sentOpn, recvOpn),
			gen.RouteMonitoring(p, upd),
			gen.RouteMonitoring(p, vpn),
			gen.RouteMonitoring(p, gen.Update(nil, nil, nil)),                           // IPv4 EoR
			gen.RouteMonitoring(p, gen.Update(nil, gen.MPUnreach(2, 1, nil), nil)),      // IPv6 EoR
			gen.RouteMonitoring(p, gen.Update(nil, gen.MPUnreach(1, 128, nil), nil)),    // VPNv4 EoR
			gen.RouteMonitoring(p, gen.Update(nil, gen.MPUnreach(25, 70, nil), nil)),    // EVPN EoR
			gen.RouteMonitoring(p, gen.Update(nil, gen.MPUnreach(16388, 71, nil), nil)), // BGP-LS EoR
			gen.RouteMonitoring(p, gen.Update(nil, gen.MPUnreach(1, 133, nil), nil)),    // FlowSpec EoR
			gen.RouteMonitoring(p, gen.Update(nil, gen.MPUnreach(25, 134, nil), nil)),   // unknown family EoR
			gen.Stats(p, gen.Counter32(0, 1)),
			gen.Mirror(p, upd, 0),
			gen.PeerDown(p, 2, []byte{0, 0}),
		} {
			msgs = append(msgs, m)
			hasTS = append(hasTS, set)
		}
	}
	// The records, per message, in order: collect them with their message's index.
	var out []rec
	var from []int
	s := New(context.Background(), Config{Counters: &Counters{}}, netip.MustParseAddrPort("192.0.2.1:40000"), func(_ context.Context, b *record.Batch) error {
		for i := 0; i < b.Len(); i++ {
			var r rec
			if err := json.Unmarshal(b.Record(i), &r); err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
		b.Release()
		return nil
	})
	for i, m := range msgs {
		if err := s.Handle(m, recv); err != nil {
			t.Fatal(err)
		}
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
		for len(from) < len(out) {
			from = append(from, i)
		}
	}
	types := map[string]int{}
	eors := 0
	for i, r := range out {
		types[r["type"].(string)]++
		if r["is_eor"] == true {
			eors++
		}
		if r["collector_timestamp"] != "2026-11-22T01:00:00Z" {
			t.Errorf("record %d (%v:%v) collector_timestamp %v", i, r["type"], r["action"], r["collector_timestamp"])
		}
		ts, ok := r["timestamp"]
		switch {
		case hasTS[from[i]] && (!ok || ts != routerTS):
			t.Errorf("record %d (%v:%v eor=%v) timestamp %v, want %s", i, r["type"], r["action"], r["is_eor"], ts, routerTS)
		case !hasTS[from[i]] && ok:
			t.Errorf("record %d (%v:%v eor=%v) has timestamp %v, its message had none", i, r["type"], r["action"], r["is_eor"], ts)
		}
	}
	// Every kind of record is there, with the 7 End-of-RIB records of each half.
	for _, typ := range []string{"peer", "unicast_prefix", "l3vpn", "evpn", "ls_node", "flowspec", "unknown_nlri", "statistics", "route_mirror"} {
		if types[typ] == 0 {
			t.Errorf("no %s record: %v", typ, types)
		}
	}
	if eors != 14 {
		t.Errorf("%d End-of-RIB records, want 14: %v", eors, types)
	}
}
