package session

import (
	"context"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

var (
	evpnSent = gen.Open(65001, 90, local, gen.CapMP(25, 70), gen.CapAS4(65001))
	evpnRecv = gen.Open(65002, 180, netip.MustParseAddr("192.0.2.2"), gen.CapMP(25, 70), gen.CapAS4(65002))
	evpnNH   = []netip.Addr{netip.MustParseAddr("192.0.2.2")}
	evpnRD   = gen.EVPNRD0(65001, 101)
	evpnESI  = make([]byte, 10)
	evpnMAC  = [6]byte{0x02, 0, 0, 0, 0, 0xa0}
)

// wantFields checks that r has exactly the given values for the given keys (absent
// when the value is nil).
func wantFields(t *testing.T, r rec, want map[string]any) {
	t.Helper()
	for k, v := range want {
		got, ok := r[k]
		if v == nil {
			if ok {
				t.Errorf("%s: unexpected %v in %v", k, got, r)
			}
			continue
		}
		if !reflect.DeepEqual(got, v) {
			t.Errorf("%s = %#v, want %#v (record %v)", k, got, v, r)
		}
	}
}

func TestEVPNRecords(t *testing.T) {
	type2 := gen.EVPNMACIP(evpnRD, evpnESI, 0, evpnMAC, netip.MustParseAddr("192.168.0.160"), 10002)
	type3 := gen.EVPNIMET(gen.EVPNRD0(65001, 104), 4, netip.MustParseAddr("192.0.2.2"))
	type5 := gen.EVPNIPPrefix(gen.EVPNRD0(65001, 200), evpnESI, 0, netip.MustParsePrefix("198.18.60.0/24"), netip.MustParseAddr("0.0.0.0"), 5001)
	// Type 1 as the Cisco router of NetGauze's evpn.pcap sends it: RD 1:198.51.100.154:513,
	// ESI 0, Ethernet Tag 513, label field 0xe00000.
	type1 := gen.EVPNRoute(1, gen.EVPNRD1(netip.MustParseAddr("198.51.100.154"), 513), evpnESI, []byte{0, 0, 2, 1}, gen.EVPNLabel(0xe00000))
	reach := gen.Update(nil, gen.Cat(attrs, gen.EVPNExtCommunities(0x0002fde900000004), gen.EVPNPMSITunnel(0, 6, 10004, []byte{192, 0, 2, 2}),
		gen.MPReach(25, 70, evpnNH, gen.Cat(type2, type3, type5, type1))), nil)
	// The withdrawal of the type 2 route carries another label and ESI: the hash is the same.
	withdraw2 := gen.EVPNMACIP(evpnRD, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 0, evpnMAC, netip.MustParseAddr("192.168.0.160"), 0)
	unreach := gen.Update(nil, gen.MPUnreach(25, 70, withdraw2), nil)
	eor := gen.Update(nil, gen.MPUnreach(25, 70, nil), nil)
	badMAC := gen.EVPNRoute(2, evpnRD, evpnESI, []byte{0, 0, 0, 0}, []byte{47}, evpnMAC[:], []byte{0}, gen.EVPNLabel(0))
	bad := gen.Update(nil, gen.Cat(attrs, gen.MPReach(25, 70, evpnNH, badMAC)), nil)
	unknownType := gen.Update(nil, gen.Cat(attrs, gen.MPReach(25, 70, evpnNH, gen.EVPNRoute(12, []byte{1, 2, 3}))), nil)
	rs, c := run(t, Config{},
		gen.PeerUp(peer, local, 179, 40000, evpnSent, evpnRecv),
		gen.RouteMonitoring(peer, reach),
		gen.RouteMonitoring(peer, unreach),
		gen.RouteMonitoring(peer, bad),
		gen.RouteMonitoring(peer, unknownType),
		gen.RouteMonitoring(peer, eor))
	// The malformed section is published raw as unknown_nlri with the error.
	if got := summary(rs); !reflect.DeepEqual(got, []string{"peer:up", "evpn:add", "evpn:add", "evpn:add:198.18.60.0/24", "evpn:add", "evpn:del", "unknown_nlri:add", "evpn:add", "evpn:del:eor"}) {
		t.Fatalf("records %q", got)
	}
	if u := rs[6]; u["afi"] != 25.0 || u["safi"] != 70.0 || u["error"] == nil || u["error"] == "" {
		t.Fatalf("unknown_nlri record of the malformed section: %v", u)
	}
	rs = append(rs[:6:6], rs[7:]...)
	common := map[string]any{"router_ip": "192.0.2.1", "peer_ip": "192.0.2.2", "peer_asn": 65002.0, "peer_hash": "f12cfb7950a4c1a9c4e2f8fb50a0bbfb",
		"is_adj_rib_in_post_policy": false, "is_loc_rib": false}
	announce := map[string]any{"nexthop": "192.0.2.2", "is_nexthop_ipv4": true, "origin_as": 4200000001.0, "path_id": nil}
	for _, r := range rs[1:] {
		wantFields(t, r, common)
	}
	for _, r := range []rec{rs[1], rs[2], rs[3], rs[4], rs[6]} {
		wantFields(t, r, announce)
		if ba, ok := r["base_attrs"].(map[string]any); !ok || ba["origin"] != "igp" {
			t.Errorf("base_attrs: %v", r["base_attrs"])
		}
	}
	wantFields(t, rs[1], map[string]any{"route_type": 2.0, "vpn_rd": "65001:101", "vpn_rd_type": 0.0, "eth_segment_id": "00:00:00:00:00:00:00:00:00:00",
		"esi_type": 0.0, "eth_tag": 0.0, "mac": "02:00:00:00:00:a0", "mac_len": 48.0, "ip_address": "192.168.0.160", "ip_len": 32.0,
		"labels": []any{625.0}, "rawlabels": []any{10002.0}, "is_ipv4": true, "pmsi_tunnel": nil, "prefix": nil, "originator_ip": nil})
	wantFields(t, rs[2], map[string]any{"route_type": 3.0, "vpn_rd": "65001:104", "eth_tag": 4.0, "ip_address": "192.0.2.2", "ip_len": 32.0,
		"originator_ip": "192.0.2.2", "eth_segment_id": nil, "mac": nil, "labels": nil,
		"pmsi_tunnel": map[string]any{"flags": 0.0, "tunnel_type": 6.0, "tunnel_type_name": "Ingress Replication", "mpls_label": 625.0,
			"raw_label": 10004.0, "tunnel_identifier": "192.0.2.2"}})
	wantFields(t, rs[3], map[string]any{"route_type": 5.0, "vpn_rd": "65001:200", "eth_tag": 0.0, "prefix": "198.18.60.0", "prefix_len": 24.0,
		"ip_address": "198.18.60.0", "ip_len": 24.0, "gw_address": "0.0.0.0", "labels": []any{312.0}, "rawlabels": []any{5001.0}, "pmsi_tunnel": nil})
	wantFields(t, rs[4], map[string]any{"route_type": 1.0, "vpn_rd": "198.51.100.154:513", "vpn_rd_type": 1.0, "eth_segment_id": "00:00:00:00:00:00:00:00:00:00",
		"esi_type": 0.0, "eth_tag": 513.0, "labels": []any{917504.0}, "rawlabels": []any{14680064.0}, "is_ipv4": true, "ip_address": nil, "ip_len": nil})
	wantFields(t, rs[5], map[string]any{"action": "del", "route_type": 2.0, "eth_segment_id": "00:01:02:03:04:05:06:07:08:09", "rawlabels": []any{0.0},
		"base_attrs": nil, "nexthop": nil, "origin_as": nil, "is_nexthop_ipv4": nil, "hash": rs[1]["hash"]})
	wantFields(t, rs[6], map[string]any{"route_type": 12.0, "nlri": "0c03010203"})
	for _, r := range rs[1:6] {
		wantFields(t, r, map[string]any{"nlri": nil}) // decoded types are not kept raw
	}
	wantFields(t, rs[7], map[string]any{"is_eor": true, "afi": 25.0, "safi": 70.0, "action": "del", "route_type": nil, "hash": nil, "base_attrs": nil})
	hashes := map[any]bool{}
	for _, r := range rs[1:7] {
		if h, ok := r["hash"].(string); !ok || len(h) != 32 {
			t.Fatalf("hash %v", r["hash"])
		}
		hashes[r["hash"]] = true
	}
	if len(hashes) != 5 {
		t.Fatalf("%d distinct hashes over 5 routes (add and del of one share one)", len(hashes))
	}
	if n := c.Records[record.TypeEVPN].Load(); n != 7 {
		t.Fatalf("evpn records counted %d", n)
	}
	if n := c.Records[record.TypeUnknownNLRI].Load(); n != 1 {
		t.Fatalf("unknown_nlri records %d, want the malformed section's 1", n)
	}
	if n := c.DecodeErrors[ErrUpdate].Load(); n != 1 {
		t.Fatalf("decode errors %d, want 1 (MAC length 47)", n)
	}
}

func TestEVPNAddPath(t *testing.T) {
	ap := gen.CapAddPath(gen.AddPathEntry{AFI: 25, SAFI: 70, Mode: 3})
	sent := gen.Open(65001, 90, local, gen.CapMP(25, 70), gen.CapAS4(65001), ap)
	recv := gen.Open(65002, 180, netip.MustParseAddr("192.0.2.2"), gen.CapMP(25, 70), gen.CapAS4(65002), ap)
	r2 := gen.EVPNMACIP(evpnRD, evpnESI, 0, evpnMAC, netip.Addr{}, 10002)
	r3 := gen.EVPNIMET(evpnRD, 0, netip.MustParseAddr("2001:db8::2"))
	withIDs := gen.Update(nil, gen.Cat(attrs, gen.MPReach(25, 70, evpnNH, gen.Cat(gen.EVPNPathID(7, r2), gen.EVPNPathID(8, r3)))), nil)
	withoutIDs := gen.Update(nil, gen.MPUnreach(25, 70, r2), nil)
	rs, c := run(t, Config{},
		gen.PeerUp(peer, local, 179, 40000, sent, recv),
		gen.RouteMonitoring(peer, withIDs),
		gen.RouteMonitoring(peer, withoutIDs))
	if got := summary(rs); !reflect.DeepEqual(got, []string{"peer:up", "evpn:add", "evpn:add", "evpn:del"}) {
		t.Fatalf("records %q", got)
	}
	wantFields(t, rs[1], map[string]any{"path_id": 7.0, "route_type": 2.0, "ip_len": 0.0, "ip_address": nil, "is_ipv4": true})
	wantFields(t, rs[2], map[string]any{"path_id": 8.0, "route_type": 3.0, "ip_len": 128.0, "originator_ip": "2001:db8::2", "is_ipv4": false})
	wantFields(t, rs[3], map[string]any{"path_id": nil, "route_type": 2.0})
	if rs[1]["hash"] == rs[3]["hash"] {
		t.Fatal("the path identifier is part of the hash")
	}
	if n := c.AddPathMismatches.Load(); n != 1 {
		t.Fatalf("ADD-PATH mismatches %d, want 1", n)
	}
}

// TestEVPNHandlerAllocs: the EVPN handler allocates nothing per route (decoder, record and
// hash storage are reused). The 2 allocations per section are the family dispatch's Ctx
// and Section in routes.go, which every non-IP family pays.
func TestEVPNHandlerAllocs(t *testing.T) {
	if evpnRace {
		t.Skip("allocation counts are not meaningful with -race (sync.Pool drops items)")
	}
	allocs := func(m []byte) float64 {
		out := func(_ context.Context, b *record.Batch) error { b.Release(); return nil }
		s := New(context.Background(), Config{Counters: &Counters{}}, netip.MustParseAddrPort("192.0.2.1:40000"), out)
		recv := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
		if err := s.Handle(gen.PeerUp(peer, local, 179, 40000, evpnSent, evpnRecv), recv); err != nil {
			t.Fatal(err)
		}
		return testing.AllocsPerRun(200, func() {
			if err := s.Handle(m, recv); err != nil {
				t.Fatal(err)
			}
		})
	}
	update := func(n int) []byte {
		var routes []byte
		for i := range n {
			mac := evpnMAC
			mac[5] = byte(i)
			routes = append(routes, gen.EVPNMACIP(evpnRD, evpnESI, 0, mac, netip.MustParseAddr("192.168.0.160"), 10002)...)
			routes = append(routes, gen.EVPNIPPrefix(evpnRD, evpnESI, 0, netip.MustParsePrefix("198.18.60.0/24"), netip.MustParseAddr("0.0.0.0"), 5001)...)
		}
		return gen.RouteMonitoring(peer, gen.Update(nil, gen.Cat(attrs, gen.MPReach(25, 70, evpnNH, routes)), nil))
	}
	two, forty := allocs(update(1)), allocs(update(20))
	if two > 2 || forty != two {
		t.Fatalf("allocations per EVPN UPDATE: %.1f with 2 routes, %.1f with 40", two, forty)
	}
}

// TestEVPNPMSI: the PMSI_TUNNEL of a type 3 route is read from the raw attribute block,
// after attributes of either length form; tunnel identifiers by tunnel type.
func TestEVPNPMSI(t *testing.T) {
	big := gen.Attr(0xc0, 99, make([]byte, 300)) // extended length
	cases := []struct {
		name string
		raw  []byte
		ok   bool
		want record.EVPNPMSITunnel
	}{
		{"ingress replication IPv6 after an extended-length attribute", gen.Cat(gen.Origin(0), big, gen.EVPNPMSITunnel(1, 6, 0x000101, netip.MustParseAddr("2001:db8::1").AsSlice())),
			true, record.EVPNPMSITunnel{Flags: 1, TunnelType: 6, TunnelTypeName: "Ingress Replication", MPLSLabel: 16, RawLabel: 0x101, TunnelID: "2001:db8::1"}},
		{"PIM-SSM sender,group", gen.EVPNPMSITunnel(0, 3, 0, []byte{192, 0, 2, 1, 232, 1, 1, 1}),
			true, record.EVPNPMSITunnel{TunnelType: 3, TunnelTypeName: "PIM-SSM Tree", TunnelID: "192.0.2.1,232.1.1.1"}},
		{"mLDP opaque identifier in hex", gen.EVPNPMSITunnel(0, 2, 0x0003e8, []byte{6, 0, 1, 4, 10, 0, 0, 1}),
			true, record.EVPNPMSITunnel{TunnelType: 2, TunnelTypeName: "mLDP P2MP LSP", MPLSLabel: 0x3e, RawLabel: 0x3e8, TunnelID: "060001040a000001"}},
		{"unknown tunnel type, no identifier", gen.EVPNPMSITunnel(0, 200, 0x002714, nil),
			true, record.EVPNPMSITunnel{TunnelType: 200, MPLSLabel: 625, RawLabel: 10004}},
		{"first occurrence wins", gen.Cat(gen.EVPNPMSITunnel(0, 6, 1, []byte{10, 0, 0, 1}), gen.EVPNPMSITunnel(0, 6, 2, []byte{10, 0, 0, 2})),
			true, record.EVPNPMSITunnel{TunnelType: 6, TunnelTypeName: "Ingress Replication", RawLabel: 1, TunnelID: "10.0.0.1"}},
		{"too short", gen.Attr(0xc0, 22, []byte{0, 6, 0, 0}), false, record.EVPNPMSITunnel{}},
		{"absent", gen.Cat(gen.Origin(0), big), false, record.EVPNPMSITunnel{}},
	}
	for _, c := range cases {
		var got record.EVPNPMSITunnel
		u := &bgp.Update{Attrs: bgp.Attributes{Raw: c.raw}}
		if ok := evpnPMSI(u, &got); ok != c.ok || got != c.want {
			t.Errorf("%s: %v %+v, want %v %+v", c.name, ok, got, c.ok, c.want)
		}
	}
}
