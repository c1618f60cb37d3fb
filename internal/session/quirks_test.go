package session

import (
	"net/netip"
	"reflect"
	"testing"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// Quirks of real routers (issue 8), each reproduced byte for byte with internal/gen.

// locRIBPeer is a Loc-RIB "peer" (RFC 9069) as Huawei VRP 8.2 sends it.
var locRIBPeer = gen.Peer{Type: 3, Addr: netip.MustParseAddr("0.0.0.0"), AS: 65001, BGPID: netip.MustParseAddr("192.0.2.1"),
	Time: peer.Time}

// TestQuirkTrailingBytesV3: Huawei VRP 8.2 appends a TLV of type 0xEA62 (4 to 6 bytes of
// value) after the BGP UPDATE of BMPv3 Loc-RIB Route Monitoring messages. The routes of
// the UPDATE are kept and carry the TLV as bmp_tlvs; bytes that are not TLVs are kept as
// bmp_trailing_bytes. Before the fix the whole message was a decode error.
func TestQuirkTrailingBytesV3(t *testing.T) {
	upd := gen.Update(nil, attrs, gen.Prefixes(pfx("198.51.100.0/24", "203.0.113.0/24"), nil))
	v6 := gen.Update(nil, gen.Cat(gen.Origin(0), gen.ASPath(true, 65002),
		gen.MPReach(2, 1, []netip.Addr{netip.MustParseAddr("2001:db8::2")}, gen.Prefixes(pfx("2001:db8:1::/48"), nil))), nil)
	rm := func(u []byte, trailing ...[]byte) []byte {
		return gen.BMP(0, locRIBPeer.Header(), u, gen.Cat(trailing...))
	}
	huawei4 := gen.TLV(0xea62, []byte{0, 0, 0, 1})
	huawei6 := gen.TLV(0xea62, []byte{0, 0, 0, 3, 0, 1})
	msgs := [][]byte{
		rm(upd, huawei4),
		rm(v6, huawei6),
		rm(upd, []byte{0xea, 0x62, 0}), // 3 bytes: not a TLV
		rm(upd),                        // a clean message after them carries nothing
	}
	rs, c := run(t, Config{}, msgs...)
	want := []string{
		"unicast_prefix:add:198.51.100.0/24", "unicast_prefix:add:203.0.113.0/24",
		"unicast_prefix:add:2001:db8:1::/48",
		"unicast_prefix:add:198.51.100.0/24", "unicast_prefix:add:203.0.113.0/24",
		"unicast_prefix:add:198.51.100.0/24", "unicast_prefix:add:203.0.113.0/24",
	}
	if got := summary(rs); !reflect.DeepEqual(got, want) {
		t.Fatalf("records:\n got  %q\n want %q", got, want)
	}
	tlv4 := []any{map[string]any{"type": 60002.0, "value": "00000001"}}
	tlv6 := []any{map[string]any{"type": 60002.0, "value": "000000030001"}}
	for i, w := range []map[string]any{
		{"bmp_tlvs": tlv4, "bmp_trailing_bytes": nil, "is_loc_rib": true},
		{"bmp_tlvs": tlv4, "bmp_trailing_bytes": nil},
		{"bmp_tlvs": tlv6, "bmp_trailing_bytes": nil, "is_ipv4": false},
		{"bmp_tlvs": nil, "bmp_trailing_bytes": "ea6200"},
		{"bmp_tlvs": nil, "bmp_trailing_bytes": "ea6200"},
		{"bmp_tlvs": nil, "bmp_trailing_bytes": nil},
		{"bmp_tlvs": nil, "bmp_trailing_bytes": nil},
	} {
		checkFields(t, rs[i], w)
	}
	if e, w := c.DecodeErrors[ErrBMP].Load()+c.DecodeErrors[ErrUpdate].Load(), c.Warnings[WarnTrailingBytes].Load(); e != 0 || w != 3 {
		t.Errorf("decode errors %d, trailing_bytes warnings %d; want 0 and 3", e, w)
	}
}

// TestQuirkLabelWithoutBottomOfStack: FRR 8.4 announces VPN-IPv4 routes whose label entry
// is 0x000000 without the bottom-of-stack bit. They came out as 0.0.0.0/0 with RD
// 59648:000009ac1009 instead of 172.16.9.0/24 with RD 65001:9. The same label in
// labelled unicast (SAFI 4) ends the stack too.
func TestQuirkLabelWithoutBottomOfStack(t *testing.T) {
	rd := []byte{0, 0, 0xfd, 0xe9, 0, 0, 0, 9} // 65001:9
	frr := vpnNLRI(nil, "172.16.9.0/24", rd, 0x000000)
	if want := []byte{112, 0, 0, 0, 0, 0, 0xfd, 0xe9, 0, 0, 0, 9, 172, 16, 9}; string(frr) != string(want) {
		t.Fatalf("fixture %x, want FRR's %x", frr, want)
	}
	base := gen.Cat(gen.Origin(0), gen.ASPath(true, 65002))
	nh := append(make([]byte, 8), 192, 0, 2, 2)
	vpn := gen.Update(nil, gen.Cat(base, mpReachRaw(1, 128, nh,
		gen.Cat(frr, vpnNLRI(nil, "172.16.10.0/24", rd, 0x000000), vpnNLRI(nil, "10.0.0.0/8", vpnRD0, lbl(16))))), nil)
	// A stack that runs past the length: label 16 without BoS, RD 10.0.0.2:9 (type 1).
	past := gen.Update(nil, gen.Cat(base, mpReachRaw(1, 128, nh,
		vpnNLRI(nil, "172.16.8.0/24", []byte{0, 1, 10, 0, 0, 2, 0, 9}, 16<<4))), nil)
	lu := []byte{24 + 24, 0, 0, 0, 172, 16, 9} // labelled unicast 172.16.9.0/24, label 0x000000
	labelled := gen.Update(nil, gen.Cat(base, gen.MPReach(1, 4, []netip.Addr{netip.MustParseAddr("192.0.2.2")}, lu)), nil)
	rs, c := run(t, Config{}, gen.PeerUp(peer, local, 179, 40000, sentOpn, recvOpn),
		gen.RouteMonitoring(peer, vpn), gen.RouteMonitoring(peer, past), gen.RouteMonitoring(peer, labelled))
	want := []string{"peer:up", "l3vpn:add:172.16.9.0/24", "l3vpn:add:172.16.10.0/24", "l3vpn:add:10.0.0.0/8",
		"l3vpn:add:172.16.8.0/24", "unicast_prefix:add:172.16.9.0/24"}
	if got := summary(rs); !reflect.DeepEqual(got, want) {
		t.Fatalf("records:\n got  %q\n want %q", got, want)
	}
	checkFields(t, rs[1], map[string]any{"vpn_rd": "65001:9", "vpn_rd_type": 0.0, "labels": []any{0.0}, "prefix_len": 24.0})
	checkFields(t, rs[2], map[string]any{"vpn_rd": "65001:9", "labels": []any{0.0}})
	checkFields(t, rs[3], map[string]any{"vpn_rd": "65001:100", "labels": []any{16.0}})
	checkFields(t, rs[4], map[string]any{"vpn_rd": "10.0.0.2:9", "vpn_rd_type": 1.0, "labels": []any{16.0}})
	checkFields(t, rs[5], map[string]any{"labels": []any{0.0}, "prefix_len": 24.0})
	if n := c.Warnings[WarnLabelNoBoS].Load(); n != 4 {
		t.Errorf("label_stack_no_bos warnings %d, want 4 (3 VPN routes, 1 labelled unicast)", n)
	}
	if n := c.DecodeErrors[ErrUpdate].Load(); n != 0 {
		t.Errorf("decode errors %d", n)
	}
	if n := c.Records[record.TypeUnknownNLRI].Load(); n != 0 {
		t.Errorf("%d unknown_nlri records", n)
	}
}

var emptyASPath = gen.Attr(0x40, 2, nil)

// TestQuirkPeerUpPerFamily: Huawei sends one Loc-RIB Peer Up per address family for the
// same peer, each OPEN declaring its own family and ADD-PATH. The second used to replace
// the first's ADD-PATH state: IPv4 routes with path identifiers then decoded as garbage
// (a /32 with path ID 0 became four 0.0.0.0/0 and the /32).
func TestQuirkPeerUpPerFamily(t *testing.T) {
	ap := func(afi uint16) []byte { return gen.CapAddPath(gen.AddPathEntry{AFI: afi, SAFI: 1, Mode: 3}) }
	open4 := gen.Open(65001, 90, netip.MustParseAddr("192.0.2.1"), gen.CapMP(1, 1), gen.CapAS4(65001), ap(1))
	open6 := gen.Open(65001, 90, netip.MustParseAddr("192.0.2.1"), gen.CapMP(2, 1), gen.CapAS4(65001), ap(2))
	open6plain := gen.Open(65001, 90, netip.MustParseAddr("192.0.2.1"), gen.CapMP(2, 1))
	id0 := []uint32{0}
	v4 := gen.Update(nil, gen.Cat(gen.Origin(0), emptyASPath, gen.NextHop(netip.MustParseAddr("192.0.2.9"))),
		gen.Prefixes(pfx("10.0.0.1/32"), id0))
	v6 := gen.Update(nil, gen.Cat(gen.Origin(0), emptyASPath,
		gen.MPReach(2, 1, []netip.Addr{netip.MustParseAddr("2001:db8::9")}, gen.Prefixes(pfx("2001:db8::1/128"), id0))), nil)
	rs, c := run(t, Config{},
		gen.PeerUp(locRIBPeer, netip.Addr{}, 0, 0, open4, open4),
		gen.PeerUp(locRIBPeer, netip.Addr{}, 0, 0, open6, open6),
		gen.RouteMonitoring(locRIBPeer, v4), gen.RouteMonitoring(locRIBPeer, v6),
		// A later Peer Up for IPv6 without ADD-PATH updates IPv6 only.
		gen.PeerUp(locRIBPeer, netip.Addr{}, 0, 0, open6plain, open6plain),
		gen.RouteMonitoring(locRIBPeer, v4),
		gen.RouteMonitoring(locRIBPeer, gen.Update(nil, gen.Cat(gen.Origin(0), emptyASPath,
			gen.MPReach(2, 1, []netip.Addr{netip.MustParseAddr("2001:db8::9")}, gen.Prefixes(pfx("2001:db8::2/128"), nil))), nil)))
	want := []string{"peer:up", "peer:up", "unicast_prefix:add:10.0.0.1/32", "unicast_prefix:add:2001:db8::1/128",
		"peer:up", "unicast_prefix:add:10.0.0.1/32", "unicast_prefix:add:2001:db8::2/128"}
	if got := summary(rs); !reflect.DeepEqual(got, want) {
		t.Fatalf("records:\n got  %q\n want %q", got, want)
	}
	for _, i := range []int{2, 3, 5} {
		checkFields(t, rs[i], map[string]any{"path_id": 0.0})
	}
	checkFields(t, rs[6], map[string]any{"path_id": nil})
	if n := c.AddPathMismatches.Load(); n != 0 {
		t.Errorf("%d ADD-PATH mismatches: the merged state should fit every section", n)
	}
	if n := c.Warnings[WarnPeerUpRepeated].Load(); n != 2 {
		t.Errorf("peer_up_repeated warnings %d, want 2", n)
	}
}
