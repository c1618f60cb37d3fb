package e2e

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// evpnRoute is one injected EVPN route and the route fields bmpstream must report for it
// (besides the per-view, per-action fields every record has).
type evpnRoute struct {
	nlri      *bgp.EVPNNLRI
	pmsi      bool // carries a PMSI_TUNNEL attribute (type 3)
	withdrawn bool // withdrawn by the injector before the session goes down
	fields    obj
}

// evpnKey identifies a route record by its type and RD (unique among evpnRoutes).
func evpnKey(typ int, rd string) string { return fmt.Sprintf("type%d %s", typ, rd) }

func (e *evpnRoute) key() string {
	return evpnKey(int(e.fields["route_type"].(int)), e.fields["vpn_rd"].(string))
}

// evpnRoutes: EVPN types 2, 3 and 5 (IPv4 and IPv6) as GoBGP's API builds them, with the
// three RD types, an arbitrary and a LACP ESI, VXLAN VNIs in the label fields (GoBGP
// writes the 24-bit value as given) and a PMSI tunnel (ingress replication) on type 3.
func evpnRoutes() []*evpnRoute {
	esi0 := bgp.EthernetSegmentIdentifier{Type: bgp.ESI_ARBITRARY, Value: make([]byte, 9)}
	lacp := bgp.EthernetSegmentIdentifier{Type: bgp.ESI_LACP, Value: []byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x01, 0x02, 0x00}}
	rd1 := must(bgp.NewRouteDistinguisherIPAddressAS(netip.MustParseAddr(injID), 3))
	mac := must(bgp.NewEVPNMacIPAdvertisementRoute(bgp.NewRouteDistinguisherTwoOctetAS(injASN, 102), esi0, 10,
		"02:00:00:00:00:01", netip.MustParseAddr("192.168.10.1"), []uint32{10002}))
	imet := must(bgp.NewEVPNMulticastEthernetTagRoute(rd1, 0, netip.MustParseAddr(injAddr)))
	pfx4 := must(bgp.NewEVPNIPPrefixRoute(bgp.NewRouteDistinguisherFourOctetAS(4200000001, 5), lacp, 0, 24,
		netip.MustParseAddr("198.18.5.0"), netip.MustParseAddr("0.0.0.0"), 5005))
	pfx6 := must(bgp.NewEVPNIPPrefixRoute(bgp.NewRouteDistinguisherTwoOctetAS(injASN, 6), esi0, 7, 48,
		netip.MustParseAddr("2001:db8:5::"), netip.MustParseAddr("2001:db8:ffff::1"), 5006))
	zero := "00:00:00:00:00:00:00:00:00:00"
	return []*evpnRoute{
		{nlri: mac, withdrawn: true, fields: obj{"route_type": 2, "vpn_rd": "65002:102", "vpn_rd_type": 0, "eth_segment_id": zero,
			"esi_type": 0, "eth_tag": 10, "mac": "02:00:00:00:00:01", "mac_len": 48, "ip_address": "192.168.10.1", "ip_len": 32,
			"labels": []uint32{625}, "rawlabels": []uint32{10002}, "is_ipv4": true}},
		{nlri: imet, pmsi: true, fields: obj{"route_type": 3, "vpn_rd": "192.0.2.2:3", "vpn_rd_type": 1, "eth_tag": 0,
			"ip_address": injAddr, "ip_len": 32, "originator_ip": injAddr, "is_ipv4": true}},
		{nlri: pfx4, fields: obj{"route_type": 5, "vpn_rd": "4200000001:5", "vpn_rd_type": 2, "eth_segment_id": "01:00:11:22:33:44:55:01:02:00",
			"esi_type": 1, "eth_tag": 0, "prefix": "198.18.5.0", "prefix_len": 24, "ip_address": "198.18.5.0", "ip_len": 24,
			"gw_address": "0.0.0.0", "labels": []uint32{312}, "rawlabels": []uint32{5005}, "is_ipv4": true}},
		{nlri: pfx6, fields: obj{"route_type": 5, "vpn_rd": "65002:6", "vpn_rd_type": 0, "eth_segment_id": zero,
			"esi_type": 0, "eth_tag": 7, "prefix": "2001:db8:5::", "prefix_len": 48, "ip_address": "2001:db8:5::", "ip_len": 48,
			"gw_address": "2001:db8:ffff::1", "labels": []uint32{312}, "rawlabels": []uint32{5006}, "is_ipv4": false}},
	}
}

// evpnPMSI is the type 3 routes' PMSI tunnel: ingress replication to the injector,
// VNI 10003 in the label field.
var evpnPMSI = obj{"flags": 0, "tunnel_type": 6, "tunnel_type_name": "Ingress Replication", "mpls_label": 625,
	"raw_label": 10003, "tunnel_identifier": injAddr}

func (e *evpnRoute) path() *apiutil.Path {
	attrs := []bgp.PathAttributeInterface{
		bgp.NewPathAttributeOrigin(0),
		bgp.NewPathAttributeAsPath([]bgp.AsPathParamInterface{bgp.NewAs4PathParam(bgp.BGP_ASPATH_ATTR_TYPE_SEQ, asPath)}),
		bgp.NewPathAttributeExtendedCommunities([]bgp.ExtendedCommunityInterface{
			bgp.NewTwoOctetAsSpecificExtended(bgp.EC_SUBTYPE_ROUTE_TARGET, injASN, 100, true)}),
		must(bgp.NewPathAttributeMpReachNLRI(bgp.RF_EVPN, []bgp.PathNLRI{{NLRI: e.nlri}}, netip.MustParseAddr(injAddr))),
	}
	if e.pmsi {
		attrs = append(attrs, bgp.NewPathAttributePmsiTunnel(bgp.PMSI_TUNNEL_TYPE_INGRESS_REPL, false, 10003,
			must(bgp.NewIngressReplTunnelID(netip.MustParseAddr(injAddr)))))
	}
	return &apiutil.Path{Family: bgp.RF_EVPN, Nlri: e.nlri, Attrs: attrs, Age: time.Now().Unix()}
}

func evpnPaths(rs []*evpnRoute, match func(*evpnRoute) bool) []*apiutil.Path {
	var out []*apiutil.Path
	for _, r := range rs {
		if match(r) {
			out = append(out, r.path())
		}
	}
	return out
}

func isEVPN(view, action string) func(rec) bool {
	return func(r rec) bool { return isType("evpn", action)(r) && !r.flag("is_eor") && r.view() == view }
}

// TestGoBGPEVPN: EVPN MAC/IP (type 2), IMET (type 3) and IP Prefix (type 5, IPv4 and
// IPv6) routes injected into a GoBGP DUT come out as evpn records in the pre-policy,
// post-policy and Loc-RIB views, with every field checked; one route is withdrawn, then
// the peer goes down. GoBGP 4.8's Loc-RIB NLRI carry an ADD-PATH path ID (1) that the
// Loc-RIB Peer Up declares for IPv4/IPv6 unicast only: bmpstream notices, decodes them
// with the path ID and counts each such section as an ADD-PATH mismatch.
func TestGoBGPEVPN(t *testing.T) {
	routes := evpnRoutes()
	l := newLab(t, labOptions{families: []bgp.Family{bgp.RF_EVPN}})
	l.attachBMP(sysName, sysDescr)
	l.connect()
	if _, err := l.inj.AddPath(apiutil.AddPathRequest{Paths: evpnPaths(routes, func(*evpnRoute) bool { return true })}); err != nil {
		t.Fatalf("AddPath: %v", err)
	}
	n := len(routes)
	l.waitRIB(map[bgp.Family]int{bgp.RF_EVPN: n})
	l.waitEVPN("add", map[string]int{"pre": n, "post": n, "loc": n})
	gone := func(r *evpnRoute) bool { return r.withdrawn }
	if err := l.inj.DeletePath(apiutil.DeletePathRequest{Paths: evpnPaths(routes, gone)}); err != nil {
		t.Fatalf("DeletePath: %v", err)
	}
	w := len(evpnPaths(routes, gone))
	l.waitRIB(map[bgp.Family]int{bgp.RF_EVPN: n - w})
	l.waitEVPN("del", map[string]int{"pre": w, "post": w, "loc": w})
	// At Peer Down GoBGP 4.8 withdraws the remaining routes in the pre-policy and Loc-RIB
	// views (not post-policy).
	l.shutdownPeer(shutdownText)
	l.waitEVPN("del", map[string]int{"pre": n, "post": w, "loc": n})
	l.detachBMP()
	l.shutdown()
	l.col.dump(t)

	rs := l.col.records()
	l.checkDecodeErrors()
	checkCommon(t, rs, sysName)
	if t.Failed() {
		t.FailNow()
	}
	f := l.findFrame(filter(rs, func(r rec) bool { return r.str("type") != "evpn" }), true)
	l.checkFrame(f)

	byKey := map[string]*evpnRoute{}
	for _, r := range routes {
		byKey[r.key()] = r
	}
	for _, view := range []string{"pre", "post", "loc"} {
		actions := map[string][]string{}
		hashes := map[string]string{}
		for _, rr := range filter(rs, isEVPN(view, "")) {
			k := evpnKey(int(rr.num("route_type")), rr.str("vpn_rd"))
			r := byKey[k]
			if r == nil {
				t.Errorf("record of a route that was never injected: %s", js(rr))
				continue
			}
			action := rr.str("action")
			actions[k] = append(actions[k], action)
			if h, ok := hashes[k]; ok && h != rr.str("hash") {
				t.Errorf("%s %s: hash %s differs from the earlier record's %s", view, k, rr.str("hash"), h)
			}
			hashes[k] = rr.str("hash")
			what := fmt.Sprintf("%s %s %s", view, action, k)
			want := merge(l.viewFields(view), obj{"type": "evpn", "action": action}, r.fields)
			if view == "loc" {
				want["path_id"] = 1
			}
			if action == "add" {
				want = merge(want, obj{"origin_as": asPath[len(asPath)-1], "nexthop": injAddr, "is_nexthop_ipv4": true})
				if r.pmsi {
					want["pmsi_tunnel"] = evpnPMSI
				}
			}
			checkFields(t, what, rr, want)
			up := f.peerUp
			if view == "loc" {
				up = f.locUp
			}
			if rr.str("peer_hash") != up.str("peer_hash") {
				t.Errorf("%s: peer_hash %s, want the peer up's %s", what, rr.str("peer_hash"), up.str("peer_hash"))
			}
			attrs, _ := rr["base_attrs"].(map[string]any)
			if action == "del" {
				if attrs != nil {
					t.Errorf("%s: a withdrawal carries base_attrs %s", what, js(attrs))
				}
				continue
			}
			path := []any{float64(injASN), float64(asPath[0]), float64(asPath[1])}
			ext, _ := attrs["ext_community_list"].([]any)
			if attrs["origin"] != "igp" || fmt.Sprint(attrs["as_path"]) != fmt.Sprint(path) || !slices.Contains(ext, any("rt=65002:100")) {
				t.Errorf("%s: base_attrs %s", what, js(attrs))
			}
		}
		for _, r := range routes {
			want := []string{"add", "del"}
			if view == "post" && !r.withdrawn {
				want = []string{"add"}
			}
			if !slices.Equal(actions[r.key()], want) {
				t.Errorf("%s %s: actions %v, want %v", view, r.key(), actions[r.key()], want)
			}
		}
	}
	raw, _ := bmpCounts(l.tap.bytes())
	// Post-policy and Loc-RIB: one message per route and event. Pre-policy carries the
	// injector's UPDATEs as received: the type 3 route (with its PMSI tunnel) apart, the
	// others in one to three, then one per route withdrawn at Peer Down.
	l.checkCounts(rs, map[string][2]int{"rm pre": {2 + w + (n - w), 2 * n}, "rm post": {n + w, n + w}, "rm loc": {2 * n, 2 * n}})
	if got, want := l.col.counters.AddPathMismatches.Load(), uint64(raw["rm loc"]); got != want {
		t.Errorf("ADD-PATH mismatches %d, want %d (one per Loc-RIB message)", got, want)
	}
}

// waitEVPN waits until the collector holds, per view, the given number of evpn route
// records of the given action.
func (l *lab) waitEVPN(action string, want map[string]int) {
	t := l.t
	t.Helper()
	got := map[string]int{}
	waitFor(t, waitShort, fmt.Sprintf("%q evpn records %v", action, want), func() bool {
		rs := l.col.records()
		ok := true
		for v, n := range want {
			if got[v] = len(filter(rs, isEVPN(v, action))); got[v] != n {
				ok = false
			}
		}
		return ok
	}, func() string { return fmt.Sprintf(" (have %v)", got) + l.col.latest()() })
	l.lap(fmt.Sprintf("evpn %s records %v", action, want))
}
