package e2e

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// vpnRoute is one injected VPN-IPv4/VPN-IPv6 route and what the collector must report.
type vpnRoute struct {
	family  bgp.Family
	prefix  netip.Prefix
	rd      bgp.RouteDistinguisherInterface
	rdText  string
	rdType  int
	label   uint32
	nexthop netip.Addr
	// withdrawn by the injector before the session goes down.
	withdrawn bool
}

// vpnRT is the route target every injected VPN route carries.
var vpnRT = bgp.NewTwoOctetAsSpecificExtended(bgp.EC_SUBTYPE_ROUTE_TARGET, 65000, 1, true)

func (r *vpnRoute) key() string {
	return fmt.Sprintf("%s %s/%d", r.rdText, r.prefix.Addr(), r.prefix.Bits())
}

func (r *vpnRoute) path() *apiutil.Path {
	nlri := must(bgp.NewLabeledVPNIPAddrPrefix(r.prefix, *bgp.NewMPLSLabelStack(r.label), r.rd))
	attrs := []bgp.PathAttributeInterface{
		bgp.NewPathAttributeOrigin(0),
		bgp.NewPathAttributeAsPath([]bgp.AsPathParamInterface{bgp.NewAs4PathParam(bgp.BGP_ASPATH_ATTR_TYPE_SEQ, asPath)}),
		bgp.NewPathAttributeExtendedCommunities([]bgp.ExtendedCommunityInterface{vpnRT}),
		must(bgp.NewPathAttributeMpReachNLRI(r.family, []bgp.PathNLRI{{NLRI: nlri}}, r.nexthop)),
	}
	return &apiutil.Path{Family: r.family, Nlri: nlri, Attrs: attrs, Age: time.Now().Unix()}
}

func vpnPaths(rs []*vpnRoute) []*apiutil.Path {
	var out []*apiutil.Path
	for _, r := range rs {
		out = append(out, r.path())
	}
	return out
}

// vpnE2ERoutes: VPNv4 routes under the three RD types and VPNv6 routes; one of each
// family is withdrawn before the Peer Down.
func vpnE2ERoutes() []*vpnRoute {
	ip := must(bgp.NewRouteDistinguisherIPAddressAS(netip.MustParseAddr("192.0.2.1"), 7))
	nh4, nh6 := netip.MustParseAddr(injAddr), netip.MustParseAddr(nextHop6)
	return []*vpnRoute{
		{family: bgp.RF_IPv4_VPN, prefix: netip.MustParsePrefix("10.10.0.0/24"), rd: bgp.NewRouteDistinguisherTwoOctetAS(65000, 100),
			rdText: "65000:100", rdType: 0, label: 100, nexthop: nh4},
		{family: bgp.RF_IPv4_VPN, prefix: netip.MustParsePrefix("10.10.0.0/24"), rd: ip,
			rdText: "192.0.2.1:7", rdType: 1, label: 101, nexthop: nh4, withdrawn: true},
		{family: bgp.RF_IPv4_VPN, prefix: netip.MustParsePrefix("10.10.1.128/25"), rd: bgp.NewRouteDistinguisherFourOctetAS(4200000001, 9),
			rdText: "4200000001:9", rdType: 2, label: 1048575, nexthop: nh4},
		{family: bgp.RF_IPv4_VPN, prefix: netip.MustParsePrefix("0.0.0.0/0"), rd: bgp.NewRouteDistinguisherTwoOctetAS(65000, 100),
			rdText: "65000:100", rdType: 0, label: 16, nexthop: nh4},
		{family: bgp.RF_IPv6_VPN, prefix: netip.MustParsePrefix("2001:db8:a::/48"), rd: bgp.NewRouteDistinguisherTwoOctetAS(65000, 100),
			rdText: "65000:100", rdType: 0, label: 200, nexthop: nh6},
		{family: bgp.RF_IPv6_VPN, prefix: netip.MustParsePrefix("2001:db8:b::1/128"), rd: ip,
			rdText: "192.0.2.1:7", rdType: 1, label: 201, nexthop: nh6, withdrawn: true},
	}
}

// isVPN matches the l3vpn route records (End-of-RIB aside) of a view and action.
func isVPN(view, action string) func(rec) bool {
	return func(r rec) bool {
		return isType("l3vpn", action)(r) && !r.flag("is_eor") && r.view() == view
	}
}

func vpnKey(r rec) string {
	return fmt.Sprintf("%s %s/%v", r.str("vpn_rd"), r.str("prefix"), r["prefix_len"])
}

// waitVPNViews waits until the collector holds, per view, want l3vpn records of action.
func (l *lab) waitVPNViews(action string, want map[string]int) {
	l.t.Helper()
	got := map[string]int{}
	waitFor(l.t, waitShort, fmt.Sprintf("%q l3vpn records %v", action, want), func() bool {
		rs := l.col.records()
		ok := true
		for v, n := range want {
			if got[v] = len(filter(rs, isVPN(v, action))); got[v] != n {
				ok = false
			}
		}
		return ok
	}, func() string { return fmt.Sprintf(" (have %v)", got) + l.col.latest()() })
}

// l3vpnHash is goBMP's L3VPN hash recipe, computed here from the parts.
func l3vpnHash(rh, ph, rd string, rdType int, p netip.Prefix, pathID int, label uint32) string {
	parts := []string{"l3vpn", rh, ph, rd, fmt.Sprint(rdType), p.Addr().String(), fmt.Sprint(p.Bits()),
		fmt.Sprint(p.Addr().Is4()), fmt.Sprint(pathID), fmt.Sprint(label)}
	s := md5.Sum([]byte(strings.Join(parts, "\x00") + "\x00"))
	return hex.EncodeToString(s[:])
}

// TestGoBGPVPN injects VPNv4 and VPNv6 routes (every RD type, labels, a route target)
// into the DUT and checks every l3vpn record of the three views: order of actions per
// route, each field, the goBMP hash, and the base_attrs of announcements.
func TestGoBGPVPN(t *testing.T) {
	routes := vpnE2ERoutes()
	l := newLab(t, labOptions{families: []bgp.Family{bgp.RF_IPv4_VPN, bgp.RF_IPv6_VPN}})
	l.attachBMP(sysName, sysDescr)
	l.connect()
	if _, err := l.inj.AddPath(apiutil.AddPathRequest{Paths: vpnPaths(routes)}); err != nil {
		t.Fatalf("AddPath: %v", err)
	}
	n := len(routes)
	l.waitRIB(map[bgp.Family]int{bgp.RF_IPv4_VPN: 4, bgp.RF_IPv6_VPN: 2})
	l.waitVPNViews("add", map[string]int{"pre": n, "post": n, "loc": n})
	var gone []*vpnRoute
	for _, r := range routes {
		if r.withdrawn {
			gone = append(gone, r)
		}
	}
	if err := l.inj.DeletePath(apiutil.DeletePathRequest{Paths: vpnPaths(gone)}); err != nil {
		t.Fatalf("DeletePath: %v", err)
	}
	w := len(gone)
	l.waitVPNViews("del", map[string]int{"pre": w, "post": w, "loc": w})
	// GoBGP 4.8 withdraws the peer's remaining routes in pre-policy and Loc-RIB at Peer Down.
	l.shutdownPeer(shutdownText)
	l.waitVPNViews("del", map[string]int{"pre": n, "post": w, "loc": n})
	l.detachBMP()
	l.shutdown()
	l.col.dump(t)

	rs := l.col.records()
	l.checkDecodeErrors()
	checkCommon(t, rs, sysName)
	if t.Failed() {
		t.FailNow()
	}
	up, locUp := filter(rs, isPeer("up", 0, l.injAddr)), filter(rs, isPeer("up", 3, ""))
	if len(up) != 1 || len(locUp) != 1 {
		t.Fatalf("%d peer up and %d Loc-RIB peer up records", len(up), len(locUp))
	}
	byKey := map[string]*vpnRoute{}
	for _, r := range routes {
		byKey[r.key()] = r
	}
	for _, view := range []string{"pre", "post", "loc"} {
		got := map[string][]string{}
		for _, rr := range filter(rs, isVPN(view, "")) {
			got[vpnKey(rr)] = append(got[vpnKey(rr)], rr.str("action"))
		}
		for _, r := range routes {
			want := "[add del]"
			if view == "post" && !r.withdrawn {
				want = "[add]"
			}
			if fmt.Sprint(got[r.key()]) != want {
				t.Errorf("%s %s: actions %v, want %s", view, r.key(), got[r.key()], want)
			}
		}
		if len(got) != len(routes) {
			t.Errorf("%s: records for %d routes, want %d: %v", view, len(got), len(routes), got)
		}
	}
	for _, rr := range filter(rs, isType("l3vpn", "")) {
		if rr.flag("is_eor") {
			t.Errorf("unexpected End-of-RIB %s", js(rr))
			continue
		}
		r := byKey[vpnKey(rr)]
		if r == nil {
			t.Errorf("record of a route never injected: %s", js(rr))
			continue
		}
		view, action := rr.view(), rr.str("action")
		peer := up[0]
		want := merge(l.viewFields(view), obj{"type": "l3vpn", "action": action, "prefix": r.prefix.Addr().String(),
			"prefix_len": r.prefix.Bits(), "is_ipv4": r.prefix.Addr().Is4(), "vpn_rd": r.rdText, "vpn_rd_type": r.rdType,
			// GoBGP withdraws VPN routes with their label, not RFC 8277's 0x800000.
			"labels": []uint32{r.label}})
		pathID := 0
		if view == "loc" {
			// GoBGP 4.8 puts a path ID on every Loc-RIB NLRI; its Loc-RIB Peer Up declares
			// ADD-PATH for IPv4/IPv6 unicast only, so bmpstream falls back (counted below).
			pathID, peer = 1, locUp[0]
			want["path_id"] = 1
		}
		if action == "add" {
			want = merge(want, obj{"origin_as": asPath[len(asPath)-1], "nexthop": r.nexthop.String(), "is_nexthop_ipv4": r.nexthop.Is4()})
		}
		what := fmt.Sprintf("%s %s %s", view, action, r.key())
		checkFields(t, what, rr, want)
		if h := l3vpnHash(rr.str("router_hash"), peer.str("peer_hash"), r.rdText, r.rdType, r.prefix, pathID, r.label); rr.str("hash") != h ||
			rr.str("peer_hash") != peer.str("peer_hash") {
			t.Errorf("%s: hash %s peer_hash %s, want %s %s", what, rr.str("hash"), rr.str("peer_hash"), h, peer.str("peer_hash"))
		}
		attrs, _ := rr["base_attrs"].(map[string]any)
		if action == "del" {
			if attrs != nil {
				t.Errorf("%s: a withdrawal carries base_attrs", what)
			}
			continue
		}
		path := append([]uint32{injASN}, asPath...)
		if d := diffFields(attrs, obj{"origin": "igp", "as_path": path, "as_path_count": len(path),
			"as_path_segments": []obj{{"type": 2, "asns": path}}, "is_atomic_agg": false,
			"ext_community_list": []string{"rt=65000:1"}}); len(d) > 0 {
			t.Errorf("%s base_attrs:\n  %s\n  %s", what, strings.Join(d, "\n  "), js(attrs))
		}
	}
	// Every Loc-RIB message carries undeclared path IDs: one mismatch per message.
	rmLoc, err := bmpCounts(l.tap.bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got := l.col.counters.AddPathMismatches.Load(); got != uint64(rmLoc["rm loc"]) || got == 0 {
		t.Errorf("AddPathMismatches = %d, want one per Loc-RIB Route Monitoring message (%d)", got, rmLoc["rm loc"])
	}
}
