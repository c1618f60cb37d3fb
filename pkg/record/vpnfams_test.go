package record

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
)

func vpnRouter() RouterFields {
	return RouterFields{RouterHash: "d0f8", RouterIP: netip.MustParseAddr("192.0.2.1"), RouterName: "r1"}
}

func vpnPeer() PeerFields {
	return PeerFields{PeerHash: "f12c", PeerIP: netip.MustParseAddr("192.0.2.2"), PeerType: 0, PeerASN: 65002,
		PeerBGPID: netip.MustParseAddr("192.0.2.2"), Timestamp: ts(), CollectorTimestamp: ts()}
}

// wantFields checks that the encoding of r contains every fragment, in order.
func wantFields(t *testing.T, r Encoder, frags ...string) {
	t.Helper()
	out := string(r.AppendJSON(nil))
	at := 0
	for _, f := range frags {
		i := strings.Index(out[at:], f)
		if i < 0 {
			t.Fatalf("missing %s (in order) in %s", f, out)
		}
		at += i + len(f)
	}
}

func TestRoundTripL3VPN(t *testing.T) {
	a := &BaseAttrs{BaseAttrHash: MD5{0x88, 0xdb}, Origin: "igp", ExtCommunities: []string{"rt=65000:1"}}
	v := &L3VPNPrefix{Head: Head{Action: ActionAdd, Sequence: 3}, Hash: MD5{9}, RouterFields: vpnRouter(), PeerFields: vpnPeer(),
		BaseAttrs: a, IsIPv4: true, Nexthop: netip.MustParseAddr("192.0.2.2"), IsNexthopIPv4: true,
		Labels: []uint32{16, 3000}, RIBFlags: RIBFlags{IsAdjRIBInPostPolicy: true}}
	v.SetPrefix(netip.MustParsePrefix("0.0.0.0/0"))
	v.SetRD("65000:100", 0)
	v.SetPathID(0)
	v.SetOriginAS(4200000001)
	roundTrip(t, v)
	wantFields(t, v, `"type":"l3vpn"`, `"action":"add"`, `"sequence":3`, `"hash":"09000000000000000000000000000000"`,
		`"router_hash":"d0f8"`, `"peer_hash":"f12c"`, `"prefix":"0.0.0.0","prefix_len":0`, `"is_ipv4":true`, `"origin_as":4200000001`,
		`"nexthop":"192.0.2.2"`, `"is_nexthop_ipv4":true`, `"path_id":0`, `"labels":[16,3000]`, `"vpn_rd":"65000:100"`,
		`"vpn_rd_type":0`, `"is_adj_rib_in_post_policy":true`, `"base_attrs":{"base_attr_hash":"88db0000000000000000000000000000"`)
	// A withdrawal of a VPNv6 route with the Compatibility label; an End-of-RIB.
	w := &L3VPNPrefix{Head: Head{Action: ActionDel, Sequence: 4}, Hash: MD5{1}, PeerFields: vpnPeer(), Labels: []uint32{524288}}
	w.SetPrefix(netip.MustParsePrefix("2001:db8::/32"))
	w.SetRD("192.0.2.1:7", 1)
	roundTrip(t, w)
	if s := string(w.AppendJSON(nil)); strings.Contains(s, "nexthop") || strings.Contains(s, "base_attrs") || !strings.Contains(s, `"labels":[524288],"vpn_rd":"192.0.2.1:7","vpn_rd_type":1`) {
		t.Fatalf("withdrawal: %s", s)
	}
	eor := &L3VPNPrefix{Head: Head{Action: ActionDel, Sequence: 5}, EORFields: EORFields{IsEOR: true, AFI: 2, SAFI: 128}}
	roundTrip(t, eor)
	if s := string(eor.AppendJSON(nil)); strings.Contains(s, "prefix") || strings.Contains(s, "vpn_rd") || strings.Contains(s, `"hash":`) ||
		!strings.Contains(s, `"is_ipv4":false`) || !strings.Contains(s, `"is_eor":true,"afi":2,"safi":128`) {
		t.Fatalf("EoR: %s", s)
	}
}

func TestRoundTripRTC(t *testing.T) {
	r := &RTCPrefix{Head: Head{Action: ActionAdd, Sequence: 1}, Hash: MD5{2}, RouterFields: vpnRouter(), PeerFields: vpnPeer(),
		BaseAttrs: &BaseAttrs{BaseAttrHash: MD5{0x88, 0xdb}}, RouteTarget: "65000:100", IsIPv4: true, Nexthop: netip.MustParseAddr("192.0.2.2"), IsNexthopIPv4: true}
	r.SetLength(96)
	r.SetOriginAS(65001)
	r.SetPathID(3)
	roundTrip(t, r)
	wantFields(t, r, `"type":"rtc"`, `"length":96`, `"origin_as":65001`, `"route_target":"65000:100"`, `"is_ipv4":true`, `"nexthop":"192.0.2.2"`, `"path_id":3`)
	d := &RTCPrefix{Head: Head{Action: ActionDel, Sequence: 2}, IsIPv4: true}
	d.SetLength(0)
	roundTrip(t, d)
	if s := string(d.AppendJSON(nil)); !strings.Contains(s, `"length":0,"is_ipv4":true`) || strings.Contains(s, "origin_as") || strings.Contains(s, "route_target") {
		t.Fatalf("default RT withdrawal: %s", s)
	}
	roundTrip(t, &RTCPrefix{Head: Head{Action: ActionDel, Sequence: 3}, IsIPv4: true, EORFields: EORFields{IsEOR: true, AFI: 1, SAFI: 132}})
}

func TestRoundTripMVPN(t *testing.T) {
	m := &MVPNPrefix{Head: Head{Action: ActionAdd, Sequence: 1}, Hash: MD5{3}, RouterFields: vpnRouter(), PeerFields: vpnPeer(),
		BaseAttrs: &BaseAttrs{BaseAttrHash: MD5{0x88, 0xdb}}, AFI: 1, SAFI: 5, RD: "65001:100",
		OriginatorIP: netip.MustParseAddr("192.0.2.1"), MulticastSource: McastAddr{Wildcard: true},
		MulticastGroup: McastAddr{Addr: netip.MustParseAddr("232.1.1.1")}, IsIPv4: true,
		Nexthop: netip.MustParseAddr("192.0.2.2"), IsNexthopIPv4: true}
	m.SetRouteType(3)
	m.SetOriginAS(65002)
	roundTrip(t, m)
	wantFields(t, m, `"type":"mvpn"`, `"afi":1,"safi":5,"route_type":3,"rd":"65001:100","originator_ip":"192.0.2.1"`,
		`"multicast_source":"*","multicast_group":"232.1.1.1"`, `"is_ipv4":true,"origin_as":65002,"nexthop":"192.0.2.2"`)
	leaf := &MVPNPrefix{Head: Head{Action: ActionDel, Sequence: 2}, AFI: 2, SAFI: 5, RouteKey: "0316", OriginatorIP: netip.MustParseAddr("2001:db8::1")}
	leaf.SetRouteType(4)
	leaf.SetSourceAS(4200000001)
	leaf.SetPathID(9)
	roundTrip(t, leaf)
	wantFields(t, leaf, `"route_type":4`, `"originator_ip":"2001:db8::1"`, `"source_as":4200000001`, `"route_key":"0316"`, `"is_ipv4":false`, `"path_id":9`)
	unk := &MVPNPrefix{Head: Head{Action: ActionAdd, Sequence: 3}, AFI: 1, SAFI: 5, NLRI: "010203"}
	unk.SetRouteType(9)
	roundTrip(t, unk)
	s129 := &MVPNPrefix{Head: Head{Action: ActionAdd, Sequence: 4}, AFI: 1, SAFI: 129, RD: "1:1", Labels: []uint32{16}, IsIPv4: true}
	s129.SetPrefix(netip.MustParsePrefix("10.0.0.0/8"))
	roundTrip(t, s129)
	if s := string(s129.AppendJSON(nil)); strings.Contains(s, "route_type") || !strings.Contains(s, `"rd":"1:1","prefix":"10.0.0.0","prefix_len":8,"labels":[16]`) {
		t.Fatalf("SAFI 129: %s", s)
	}
	roundTrip(t, &MVPNPrefix{Head: Head{Action: ActionDel, Sequence: 5}, AFI: 1, SAFI: 5, IsIPv4: true, IsEOR: true})
	var bad MVPNPrefix
	if err := json.Unmarshal([]byte(`{"multicast_source":"x"}`), &bad); err == nil {
		t.Fatal("bad multicast address accepted")
	}
}

func TestRoundTripVPLS(t *testing.T) {
	v := &VPLSPrefix{Head: Head{Action: ActionAdd, Sequence: 1}, Hash: MD5{4}, RouterFields: vpnRouter(), PeerFields: vpnPeer(),
		BaseAttrs: &BaseAttrs{BaseAttrHash: MD5{0x88, 0xdb}}, IsIPv4: true, Nexthop: netip.MustParseAddr("192.0.2.2"), IsNexthopIPv4: true,
		VPNRD: "65001:100", RFCType: VPLSRFC4761, RouteTargets: []string{"65000:100", "192.0.2.1:7"}}
	v.SetBlock(7, 1, 8, 1000)
	v.SetLayer2Info(19, true, false, 1500)
	v.SetOriginAS(65002)
	roundTrip(t, v)
	wantFields(t, v, `"type":"vpls"`, `"is_ipv4":true`, `"origin_as":65002`, `"nexthop":"192.0.2.2"`, `"vpn_rd":"65001:100","rfc_type":"RFC4761"`,
		`"ve_id":7,"ve_block_offset":1,"ve_block_size":8,"label_base":1000,"label_block_end":1007`,
		`"encap_type":19,"control_word":true,"sequenced_delivery":false,"mtu":1500`, `"route_targets":["65000:100","192.0.2.1:7"]`)
	ad := &VPLSPrefix{Head: Head{Action: ActionDel, Sequence: 2}, IsIPv4: true, VPNRD: "1:1", RFCType: VPLSRFC6074, PEAddress: netip.MustParseAddr("10.0.0.1")}
	ad.SetPathID(0)
	roundTrip(t, ad)
	if s := string(ad.AppendJSON(nil)); strings.Contains(s, "ve_id") || strings.Contains(s, "mtu") || !strings.Contains(s, `"pe_address":"10.0.0.1"`) {
		t.Fatalf("BGP-AD withdrawal: %s", s)
	}
	zero := &VPLSPrefix{Head: Head{Action: ActionAdd, Sequence: 3}}
	zero.SetBlock(1, 1, 0, 16)
	if s := string(zero.AppendJSON(nil)); strings.Contains(s, "label_block_end") {
		t.Fatalf("block size 0 has an end: %s", s)
	}
	roundTrip(t, &VPLSPrefix{Head: Head{Action: ActionDel, Sequence: 4}, IsIPv4: true, EORFields: EORFields{IsEOR: true, AFI: 25, SAFI: 65}})
}

func TestVPNTopicsAndAllocs(t *testing.T) {
	for _, c := range []struct {
		t    Type
		ipv4 bool
		want string
	}{
		{TypeL3VPN, true, "gobmp.parsed.l3vpn_v4"}, {TypeL3VPN, false, "gobmp.parsed.l3vpn_v6"},
		{TypeRTC, true, "gobmp.parsed.rtc_v4"}, {TypeMVPN, false, "gobmp.parsed.mvpn_v6"}, {TypeVPLS, true, "gobmp.parsed.vpls"},
	} {
		if got := Topic("gobmp", c.t, c.ipv4, true); got != c.want {
			t.Errorf("Topic(%v, %v) = %q, want %q", c.t, c.ipv4, got, c.want)
		}
	}
	v := &L3VPNPrefix{Head: Head{Action: ActionAdd, Sequence: 3}, RouterFields: vpnRouter(), PeerFields: vpnPeer(), Labels: []uint32{16}}
	v.SetPrefix(netip.MustParsePrefix("10.0.0.0/8"))
	v.SetRD("65000:100", 0)
	m := &MVPNPrefix{MulticastSource: McastAddr{Addr: netip.MustParseAddr("10.0.0.1")}, MulticastGroup: McastAddr{Wildcard: true}}
	p := &VPLSPrefix{RouteTargets: []string{"1:1"}}
	p.SetBlock(1, 1, 8, 16)
	p.SetLayer2Info(19, false, false, 1500)
	buf := make([]byte, 0, 4096)
	for _, r := range []Encoder{v, m, p, &RTCPrefix{}} {
		if n := testing.AllocsPerRun(50, func() { buf = r.AppendJSON(buf[:0]) }); n != 0 {
			t.Errorf("%T.AppendJSON allocates %.1f times", r, n)
		}
	}
}
