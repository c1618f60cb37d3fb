package e2e

import (
	"testing"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// TestGoBGPStationAttachedLate attaches the BMP station to a DUT that already holds
// routes. GoBGP then sends its current state instead of live updates: the Peer Up, the
// Loc-RIB, the Adj-RIB-In pre-policy and post-policy, each family of the two Adj-RIB-In
// views closed by an End-of-RIB marker (an empty UPDATE for IPv4, an empty MP_UNREACH_NLRI
// for IPv6; the post-policy ones flagged as 2-byte-AS messages).
func TestGoBGPStationAttachedLate(t *testing.T) {
	var routes []*route // 10.0.0-3.0/24 and 2001:db8:100-101::/48
	for _, r := range e2eRoutes() {
		a := r.prefix.Addr()
		if a.Is4() && a.As4()[2] < 4 || a.Is6() && a.As16()[5] < 2 {
			routes = append(routes, r)
		}
	}
	l := newLab(t, labOptions{families: []bgp.Family{bgp.RF_IPv4_UC, bgp.RF_IPv6_UC}, setup: importPolicy(t)})
	l.connectWithoutBMP()
	l.inject(routes)
	l.waitRIB(count(routes, all))
	l.attachBMP(sysName, sysDescr)
	n := len(routes)
	l.waitViews("add", map[string]int{"pre": n, "post": n, "loc": n})
	waitFor(t, waitShort, "4 End-of-RIB records", func() bool {
		return len(filter(l.col.records(), func(r rec) bool { return r.flag("is_eor") })) == 4
	}, l.col.latest())
	l.detachBMP()
	l.shutdown()

	rs := l.col.records()
	l.checkDecodeErrors()
	checkCommon(t, rs, sysName)
	if t.Failed() {
		t.FailNow()
	}
	f := l.findFrame(rs, false)
	l.checkFrame(f)
	l.checkRoutes(rs, routes, f, func(*route, string) []string { return []string{"add"} })
	l.checkEndOfRIB(rs, f)
	l.checkCounts(rs, map[string][2]int{"rm pre": {n + 2, n + 2}, "rm post": {n + 2, n + 2}, "rm loc": {n, n}})
}

// checkEndOfRIB checks the End-of-RIB records: one per family in each Adj-RIB-In view,
// none in the Loc-RIB, each after every route of its family and view. An IPv4 End-of-RIB
// (empty UPDATE) is an "add", an IPv6 one (empty MP_UNREACH_NLRI) a "del", as in goBMP;
// both name their family (afi, safi).
func (l *lab) checkEndOfRIB(rs []rec, f frame) {
	t := l.t
	t.Helper()
	for _, view := range []string{"pre", "post", "loc"} {
		var eors []rec
		for i, r := range rs {
			if r.str("type") != "unicast_prefix" || r.view() != view {
				continue
			}
			if !r.flag("is_eor") {
				for _, e := range eors {
					if e["is_ipv4"] == r["is_ipv4"] {
						t.Errorf("%s: route %v (record %d) after the End-of-RIB %v", view, r, i, e)
					}
				}
				continue
			}
			eors = append(eors, r)
			v4 := r.flag("is_ipv4")
			action, afi := "add", 1
			if !v4 {
				action, afi = "del", 2
			}
			checkFields(t, view+" End-of-RIB", r, merge(l.viewFields(view),
				obj{"action": action, "is_eor": true, "is_ipv4": v4, "afi": afi, "safi": 1}))
			if r.str("peer_hash") != f.peerUp.str("peer_hash") {
				t.Errorf("%s End-of-RIB: peer_hash %s, want the peer up's", view, r.str("peer_hash"))
			}
		}
		want := 2
		if view == "loc" {
			want = 0
		}
		if len(eors) != want {
			t.Errorf("%s: %d End-of-RIB records, want %d: %s", view, len(eors), want, summary(eors, 5))
		}
	}
}
