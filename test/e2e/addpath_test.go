package e2e

import (
	"net/netip"
	"testing"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// TestGoBGPLocRIBUndeclaredAddPath covers GoBGP 4.8's Loc-RIB ADD-PATH quirk: Loc-RIB
// Route Monitoring messages carry a path ID for every family, while the Loc-RIB Peer Up
// declares ADD-PATH for IPv4 and IPv6 unicast only. With IPv4 labelled unicast (SAFI 4),
// every Loc-RIB NLRI thus carries an undeclared 4-byte path ID. bmpstream must notice
// (AddPathMismatches), decode the NLRI with the path ID anyway, and publish the right
// prefixes, labels and path IDs; pre- and post-policy NLRI carry none.
func TestGoBGPLocRIBUndeclaredAddPath(t *testing.T) {
	var routes []*route
	for i := range 5 {
		routes = append(routes, &route{family: bgp.RF_IPv4_MPLS,
			prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{100, 64, byte(i), 0}), 24), label: 1000 + uint32(i),
			nexthop: netip.MustParseAddr(injAddr), origin: uint8(i % 3), med: uint32(i),
			communities: []uint32{injASN<<16 | 100}, large: [3]uint32{4200000001, 1, uint32(i)}})
	}
	l := newLab(t, labOptions{families: []bgp.Family{bgp.RF_IPv4_MPLS}})
	l.attachBMP(sysName, sysDescr)
	l.connect()
	l.inject(routes)
	l.waitRIB(count(routes, all))
	n := len(routes)
	l.waitViews("add", map[string]int{"pre": n, "post": n, "loc": n})
	l.shutdownPeer(shutdownText)
	l.waitViews("del", map[string]int{"pre": n, "post": 0, "loc": n})
	l.detachBMP()
	l.shutdown()

	rs := l.col.records()
	l.checkDecodeErrors()
	checkCommon(t, rs, sysName)
	if t.Failed() {
		t.FailNow()
	}
	f := l.findFrame(rs, true)
	l.checkFrame(f)
	l.checkRoutes(rs, routes, f, func(_ *route, view string) []string {
		if view == "post" { // no post-policy withdrawals at Peer Down (GoBGP 4.8)
			return []string{"add"}
		}
		return []string{"add", "del"}
	})
	l.checkCounts(rs, map[string][2]int{"rm pre": {2 * n, 2 * n}, "rm post": {n, n}, "rm loc": {2 * n, 2 * n}})
	// One NLRI section per Loc-RIB message (MP_REACH_NLRI or MP_UNREACH_NLRI).
	if got := l.col.counters.AddPathMismatches.Load(); got != uint64(2*n) {
		t.Errorf("AddPathMismatches = %d, want %d (every Loc-RIB message)", got, 2*n)
	}
}
