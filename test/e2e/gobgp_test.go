package e2e

import (
	"context"
	"net/netip"
	"testing"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	gobgp "github.com/osrg/gobgp/v4/pkg/server"
)

const (
	sysName      = "e2e-dut"
	sysDescr     = "GoBGP in-process DUT"
	shutdownText = "bmpstream e2e: maintenance"
	tagCommunity = "65001:200" // added by the DUT's import policy
	tagLocalPref = 200         // set by the DUT's import policy
)

// e2eRoutes: 20 IPv4 /24s (10.0.i.0/24, next hop 127.0.0.2) and 10 IPv6 /48s
// (2001:db8:100::/48 + i, next hop 2001:db8:ffff::2) with AS_PATH 64500 4200000001 (the DUT
// receives 65002 64500 4200000001), origin i%3, MED i, communities 65002:100 (+ NO_EXPORT
// for even i; 10.0.5.0/24 and 2001:db8:101::/48 also carry 900 more, for UPDATEs of
// 3.7 KB), large community 4200000001:1:i.
// The DUT's import policy tags IPv4 i < 8 and IPv6 i < 4; the injector later withdraws
// IPv4 i%4 == 3 and IPv6 i%5 == 2.
func e2eRoutes() []*route {
	var rs []*route
	comms := func(i int) []uint32 {
		c := []uint32{injASN<<16 | 100}
		if i%2 == 0 {
			c = append(c, uint32(bgp.COMMUNITY_NO_EXPORT))
		}
		return c
	}
	// 900 more communities: a COMMUNITIES attribute of 3.6 KB (extended length) in an
	// UPDATE of about 3.7 KB. (Over 4096 bytes, which the speakers' extended message
	// capability would allow, GoBGP 4.8's BMP client panics building the post-policy
	// message: makeslice: cap out of range in table.(*packerV4).pack.)
	huge := func(c []uint32) []uint32 {
		for k := range 900 {
			c = append(c, injASN<<16|uint32(1000+k))
		}
		return c
	}
	for i := range 20 {
		rs = append(rs, &route{family: bgp.RF_IPv4_UC,
			prefix:  netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, byte(i), 0}), 24),
			nexthop: netip.MustParseAddr(injAddr), origin: uint8(i % 3), med: uint32(i),
			communities: comms(i), large: [3]uint32{4200000001, 1, uint32(i)},
			tagged: i < 8, withdrawn: i%4 == 3})
	}
	rs[5].communities = huge(rs[5].communities)
	for i := range 10 {
		rs = append(rs, &route{family: bgp.RF_IPv6_UC,
			prefix:  netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0x01, byte(i)}), 48),
			nexthop: netip.MustParseAddr(nextHop6), origin: uint8(i % 3), med: uint32(i),
			communities: comms(i), large: [3]uint32{4200000001, 1, uint32(i)},
			tagged: i < 4, withdrawn: i%5 == 2})
	}
	rs[21].communities = huge(rs[21].communities)
	return rs
}

// importPolicy makes the DUT's pre- and post-policy views differ: routes in
// 10.0.0.0/21 (i < 8) and 2001:db8:100::/46 (i < 4) get community 65001:200 and
// LOCAL_PREF 200; every route is accepted.
func importPolicy(t *testing.T) func(*gobgp.BgpServer) {
	return func(dut *gobgp.BgpServer) {
		ctx := context.Background()
		sets := map[string]string{"tag-v4": "10.0.0.0/21", "tag-v6": "2001:db8:100::/46"}
		lens := map[string]uint32{"tag-v4": 24, "tag-v6": 48}
		var stmts []*api.Statement
		for _, name := range []string{"tag-v4", "tag-v6"} {
			err := dut.AddDefinedSet(ctx, &api.AddDefinedSetRequest{DefinedSet: &api.DefinedSet{
				DefinedType: api.DefinedType_DEFINED_TYPE_PREFIX, Name: name,
				Prefixes: []*api.Prefix{{IpPrefix: sets[name], MaskLengthMin: lens[name], MaskLengthMax: lens[name]}}}})
			if err != nil {
				t.Fatalf("AddDefinedSet %s: %v", name, err)
			}
			stmts = append(stmts, &api.Statement{Name: "st-" + name,
				Conditions: &api.Conditions{PrefixSet: &api.MatchSet{Type: api.MatchSet_TYPE_ANY, Name: name}},
				Actions: &api.Actions{RouteAction: api.RouteAction_ROUTE_ACTION_ACCEPT,
					Community: &api.CommunityAction{Type: api.CommunityAction_TYPE_ADD, Communities: []string{tagCommunity}},
					LocalPref: &api.LocalPrefAction{Value: tagLocalPref}}})
		}
		if err := dut.AddPolicy(ctx, &api.AddPolicyRequest{Policy: &api.Policy{Name: "dut-import", Statements: stmts}}); err != nil {
			t.Fatalf("AddPolicy: %v", err)
		}
		err := dut.AddPolicyAssignment(ctx, &api.AddPolicyAssignmentRequest{Assignment: &api.PolicyAssignment{
			Name: "global", Direction: api.PolicyDirection_POLICY_DIRECTION_IMPORT,
			Policies: []*api.Policy{{Name: "dut-import"}}, DefaultAction: api.RouteAction_ROUTE_ACTION_ACCEPT}})
		if err != nil {
			t.Fatalf("AddPolicyAssignment: %v", err)
		}
	}
}

func count(rs []*route, match func(*route) bool) map[bgp.Family]int {
	n := map[bgp.Family]int{}
	for _, r := range rs {
		if match(r) {
			n[r.family]++
		}
	}
	return n
}

// TestGoBGPEndToEnd runs a complete BMP session of a GoBGP DUT through bmpstream:
// Initiation, Loc-RIB and peer Peer Up, 30 routes in three views, statistics, 7
// withdrawals, an administrative shutdown of the peer (Peer Down with the NOTIFICATION),
// then the station is deleted (Loc-RIB Peer Down, Termination). It checks every record.
func TestGoBGPEndToEnd(t *testing.T) {
	runEndToEnd(t, labOptions{families: []bgp.Family{bgp.RF_IPv4_UC, bgp.RF_IPv6_UC}, setup: importPolicy(t)}, e2eRoutes())
}

// TestGoBGPIPv6Session is the same session with the BGP peering over ::1 (IPv6 only):
// per-peer headers with the V flag and IPv6 peer and local addresses. Over an IPv6
// eBGP session the injector sets its own address as next hop.
func TestGoBGPIPv6Session(t *testing.T) {
	var routes []*route
	for _, r := range e2eRoutes() {
		if r.family == bgp.RF_IPv6_UC {
			r.nexthop = netip.MustParseAddr(loopback6)
			routes = append(routes, r)
		}
	}
	runEndToEnd(t, labOptions{families: []bgp.Family{bgp.RF_IPv6_UC}, setup: importPolicy(t), ipv6: true}, routes)
}

func runEndToEnd(t *testing.T, o labOptions, routes []*route) {
	l := newLab(t, o)
	l.attachBMP(sysName, sysDescr)
	l.connect()

	l.inject(routes)
	l.waitRIB(count(routes, all))
	n := len(routes)
	l.waitViews("add", map[string]int{"pre": n, "post": n, "loc": n})
	l.lap("all routes in every view")
	waitFor(t, waitShort, "a statistics record counting every route", func() bool {
		return l.col.has(func(r rec) bool { return isType("statistics", "")(r) && r.num("ads_rib_in") == float64(n) })
	}, l.col.latest())
	l.lap("statistics with every route")

	var gone []*route
	for _, r := range routes {
		if r.withdrawn {
			gone = append(gone, r)
		}
	}
	l.withdraw(gone)
	l.waitRIB(count(routes, func(r *route) bool { return !r.withdrawn }))
	w := len(gone)
	l.waitViews("del", map[string]int{"pre": w, "post": w, "loc": w})
	l.lap("withdrawals in every view")

	// At Peer Down GoBGP 4.8 withdraws the peer's remaining routes explicitly in the
	// pre-policy and Loc-RIB views (not post-policy) before sending the Peer Down.
	l.shutdownPeer(shutdownText)
	l.waitViews("del", map[string]int{"pre": n, "post": w, "loc": n})
	l.detachBMP()
	l.shutdown()
	l.col.dump(t)

	rs := l.col.records()
	l.checkDecodeErrors()
	checkCommon(t, rs, sysName)
	if t.Failed() {
		t.FailNow()
	}
	f := l.findFrame(rs, true)
	l.checkFrame(f)
	l.checkRoutes(rs, routes, f, func(r *route, view string) []string {
		if view == "post" && !r.withdrawn {
			return []string{"add"}
		}
		return []string{"add", "del"}
	})
	checkWithdrawalOrder(t, rs, routes)
	l.checkStats(rs, n, f)
	l.checkCounts(rs, map[string][2]int{"rm post": {n + w, n + w}, "rm loc": {2 * n, 2 * n},
		// Pre-policy RMs carry the UPDATEs as received (the injector may pack several
		// withdrawals in one) plus one message per route withdrawn at Peer Down.
		"rm pre": {n + (n - w) + 1, n + (n - w) + w}})
	if n := l.col.counters.AddPathMismatches.Load(); n != 0 {
		t.Errorf("%d ADD-PATH mismatches: the Loc-RIB Peer Up declares ADD-PATH for IPv4 and IPv6 unicast", n)
	}
}

// checkWithdrawalOrder: in each view, the injector's withdrawals come before those GoBGP
// generates at Peer Down (the test waits for the former before shutting the peer down).
func checkWithdrawalOrder(t *testing.T, rs []rec, routes []*route) {
	t.Helper()
	withdrawn := map[string]bool{}
	for _, r := range routes {
		withdrawn[r.key()] = r.withdrawn
	}
	for _, view := range []string{"pre", "post", "loc"} {
		dels := filter(rs, isRoute(view, "del"))
		for i := 1; i < len(dels); i++ {
			if withdrawn[dels[i].key()] && !withdrawn[dels[i-1].key()] {
				t.Errorf("%s: explicit withdrawal %v after a Peer Down withdrawal %v", view, dels[i], dels[i-1])
			}
		}
	}
}
