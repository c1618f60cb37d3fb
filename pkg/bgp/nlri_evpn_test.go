package bgp

import (
	"bytes"
	"encoding/hex"
	"net/netip"
	"reflect"
	"testing"
)

// evpnNLRI builds one EVPN route: type, length, then the concatenated fields.
func evpnNLRI(typ uint8, fields ...[]byte) []byte {
	v := cat(fields...)
	return append([]byte{typ, uint8(len(v))}, v...)
}

// evpnHex decodes hex with optional spaces.
func evpnHex(s string) []byte {
	b, err := hex.DecodeString(string(bytes.ReplaceAll([]byte(s), []byte(" "), nil)))
	if err != nil {
		panic(err)
	}
	return b
}

var (
	// RD type 0 65001:101, type 1 192.0.2.1:100, type 2 4200000001:7 (RFC 4364 4.2).
	evRD0 = evpnHex("0000 fde9 00000065")
	evRD1 = evpnHex("0001 c0000201 0064")
	evRD2 = evpnHex("0002 fa56ea01 0007")
	// ESI type 0 (arbitrary) and type 1 (LACP: system MAC 00:11:22:33:44:55, port key 0x0102).
	evESI0    = evpnHex("00 11 22 33 44 55 66 77 88 99")
	evESI1    = evpnHex("01 00 11 22 33 44 55 01 02 00")
	evESIZero = make([]byte, 10)
	// VXLAN: the 3-byte label field carries VNI 10004 (0x002714).
	evVNI10004 = evpnHex("002714")
	// MPLS label 16 with the bottom-of-stack bit, 0x000101.
	evMPLS16 = evpnHex("000101")
)

func evpnIP(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestDecodeEVPNRouteTypes(t *testing.T) {
	type8tail := cat(u32(7), []byte{10, 0x04})
	leafKey := evpnNLRI(EVPNInclusiveMulticast, evRD0, u32(4), []byte{32}, addr("192.0.2.9"))
	cases := []struct {
		name  string
		route []byte
		want  EVPNRoute
	}{
		{"type 1 Ethernet A-D per ES (MAX-ET, RFC 7432 8.2.1)", evpnNLRI(1, evRD1, evESI1, u32(0xFFFFFFFF), evpnHex("000000")),
			EVPNRoute{Type: 1, RD: [8]byte(evRD1), HasRD: true, ESI: [10]byte(evESI1), HasESI: true, EthTag: 0xFFFFFFFF, HasEthTag: true,
				NumLabels: 1}},
		{"type 1 per EVI with a VNI", evpnNLRI(1, evRD0, evESI0, u32(100), evVNI10004),
			EVPNRoute{Type: 1, RD: [8]byte(evRD0), HasRD: true, ESI: [10]byte(evESI0), HasESI: true, EthTag: 100, HasEthTag: true,
				Labels: [2]uint32{10004}, NumLabels: 1}},
		{"type 2 MAC only (33 bytes, FRR layout)", evpnNLRI(2, evRD0, evESIZero, u32(0), []byte{48}, evpnHex("020000000099"), []byte{0}, evpnHex("000000")),
			EVPNRoute{Type: 2, RD: [8]byte(evRD0), HasRD: true, HasESI: true, HasEthTag: true, MAC: [6]byte(evpnHex("020000000099")), MACLen: 48, HasMAC: true,
				NumLabels: 1}},
		{"type 2 MAC + IPv4, VNI", evpnNLRI(2, evRD0, evESI0, u32(10), []byte{48}, evpnHex("aabbccddeeff"), []byte{32}, addr("192.168.0.160"), evVNI10004),
			EVPNRoute{Type: 2, RD: [8]byte(evRD0), HasRD: true, ESI: [10]byte(evESI0), HasESI: true, EthTag: 10, HasEthTag: true,
				MAC: [6]byte(evpnHex("aabbccddeeff")), MACLen: 48, HasMAC: true, IP: evpnIP("192.168.0.160"), IPLen: 32, Labels: [2]uint32{10004}, NumLabels: 1}},
		{"type 2 MAC + IPv6, two labels (L2 + L3 VNI, RFC 9135)", evpnNLRI(2, evRD2, evESIZero, u32(0), []byte{48}, evpnHex("0200000000a0"), []byte{128}, addr("2001:db8::a0"), evVNI10004, evpnHex("001389")),
			EVPNRoute{Type: 2, RD: [8]byte(evRD2), HasRD: true, HasESI: true, HasEthTag: true,
				MAC: [6]byte(evpnHex("0200000000a0")), MACLen: 48, HasMAC: true, IP: evpnIP("2001:db8::a0"), IPLen: 128, Labels: [2]uint32{10004, 0x1389}, NumLabels: 2}},
		{"type 2 MAC + IPv4, two MPLS labels", evpnNLRI(2, evRD0, evESIZero, u32(0), []byte{48}, evpnHex("0200000000a0"), []byte{32}, addr("10.0.0.1"), evMPLS16, evpnHex("000111")),
			EVPNRoute{Type: 2, RD: [8]byte(evRD0), HasRD: true, HasESI: true, HasEthTag: true,
				MAC: [6]byte(evpnHex("0200000000a0")), MACLen: 48, HasMAC: true, IP: evpnIP("10.0.0.1"), IPLen: 32, Labels: [2]uint32{0x101, 0x111}, NumLabels: 2}},
		{"type 3 IMET IPv4 originator", evpnNLRI(3, evRD0, u32(4), []byte{32}, addr("127.0.0.2")),
			EVPNRoute{Type: 3, RD: [8]byte(evRD0), HasRD: true, EthTag: 4, HasEthTag: true, Originator: evpnIP("127.0.0.2")}},
		{"type 3 IMET IPv6 originator", evpnNLRI(3, evRD1, u32(0), []byte{128}, addr("2001:db8::2")),
			EVPNRoute{Type: 3, RD: [8]byte(evRD1), HasRD: true, HasEthTag: true, Originator: evpnIP("2001:db8::2")}},
		{"type 4 Ethernet Segment, LACP ESI", evpnNLRI(4, evRD1, evESI1, []byte{32}, addr("192.0.2.1")),
			EVPNRoute{Type: 4, RD: [8]byte(evRD1), HasRD: true, ESI: [10]byte(evESI1), HasESI: true, Originator: evpnIP("192.0.2.1")}},
		// RFC 9136 section 4.1 (TS2 behind NVE2): IPL=24, IP=SN1, Label=0, GW IP=IP2 (with
		// documentation addresses for SN1 and IP2).
		{"type 5 RFC 9136 4.1 gateway IP", evpnNLRI(5, evRD0, evESIZero, u32(0), []byte{24}, addr("198.51.100.0"), addr("198.51.100.2"), evpnHex("000000")),
			EVPNRoute{Type: 5, RD: [8]byte(evRD0), HasRD: true, HasESI: true, HasEthTag: true, Prefix: netip.MustParsePrefix("198.51.100.0/24"),
				Gateway: evpnIP("198.51.100.2"), NumLabels: 1}},
		{"type 5 FRR layout, VNI 5001", evpnNLRI(5, evpnHex("0000fde9000000c8"), evESIZero, u32(0), []byte{24}, addr("198.18.60.0"), addr("0.0.0.0"), evpnHex("001389")),
			EVPNRoute{Type: 5, RD: [8]byte(evpnHex("0000fde9000000c8")), HasRD: true, HasESI: true, HasEthTag: true, Prefix: netip.MustParsePrefix("198.18.60.0/24"),
				Gateway: evpnIP("0.0.0.0"), Labels: [2]uint32{5001}, NumLabels: 1}},
		{"type 5 IPv6 /0 with ESI", evpnNLRI(5, evRD0, evESI0, u32(7), []byte{0}, addr("::"), addr("::"), evMPLS16),
			EVPNRoute{Type: 5, RD: [8]byte(evRD0), HasRD: true, ESI: [10]byte(evESI0), HasESI: true, EthTag: 7, HasEthTag: true,
				Prefix: netip.MustParsePrefix("::/0"), Gateway: evpnIP("::"), Labels: [2]uint32{0x101}, NumLabels: 1}},
		{"type 6 SMET (*,G) IGMPv2", evpnNLRI(6, evRD0, u32(10), []byte{0}, []byte{32}, addr("239.1.1.1"), []byte{32}, addr("192.0.2.1"), []byte{0x02}),
			EVPNRoute{Type: 6, RD: [8]byte(evRD0), HasRD: true, EthTag: 10, HasEthTag: true, Group: evpnIP("239.1.1.1"), Originator: evpnIP("192.0.2.1"),
				Flags: 2, HasFlags: true}},
		{"type 6 SMET (S,G) IPv6 exclude v3", evpnNLRI(6, evRD0, u32(0), []byte{128}, addr("2001:db8::5"), []byte{128}, addr("ff3e::1"), []byte{128}, addr("2001:db8::1"), []byte{0x0c}),
			EVPNRoute{Type: 6, RD: [8]byte(evRD0), HasRD: true, HasEthTag: true, Source: evpnIP("2001:db8::5"), Group: evpnIP("ff3e::1"), Originator: evpnIP("2001:db8::1"),
				Flags: 0x0c, HasFlags: true}},
		{"type 7 Membership Report Synch", evpnNLRI(7, evRD0, evESI0, u32(10), []byte{32}, addr("10.1.1.1"), []byte{32}, addr("239.1.1.1"), []byte{32}, addr("192.0.2.1"), []byte{0x04}),
			EVPNRoute{Type: 7, RD: [8]byte(evRD0), HasRD: true, ESI: [10]byte(evESI0), HasESI: true, EthTag: 10, HasEthTag: true, Source: evpnIP("10.1.1.1"),
				Group: evpnIP("239.1.1.1"), Originator: evpnIP("192.0.2.1"), Flags: 4, HasFlags: true}},
		{"type 8 Leave Synch", evpnNLRI(8, evRD0, evESI0, u32(10), []byte{0}, []byte{32}, addr("239.1.1.1"), []byte{32}, addr("192.0.2.1"), type8tail),
			EVPNRoute{Type: 8, RD: [8]byte(evRD0), HasRD: true, ESI: [10]byte(evESI0), HasESI: true, EthTag: 10, HasEthTag: true,
				Group: evpnIP("239.1.1.1"), Originator: evpnIP("192.0.2.1"), LeaveGroupSync: 7, MaxResponseTime: 10, Flags: 4, HasFlags: true}},
		{"type 9 Per-Region I-PMSI A-D", evpnNLRI(9, evRD0, u32(0), evpnHex("0002fde900000064")),
			EVPNRoute{Type: 9, RD: [8]byte(evRD0), HasRD: true, HasEthTag: true, RegionID: [8]byte(evpnHex("0002fde900000064"))}},
		{"type 10 S-PMSI A-D (*,*)", evpnNLRI(10, evRD0, u32(3), []byte{0}, []byte{0}, []byte{32}, addr("192.0.2.1")),
			EVPNRoute{Type: 10, RD: [8]byte(evRD0), HasRD: true, EthTag: 3, HasEthTag: true, Originator: evpnIP("192.0.2.1")}},
		{"type 11 Leaf A-D for an IMET route", evpnNLRI(11, leafKey, []byte{32}, addr("192.0.2.7")),
			EVPNRoute{Type: 11, RouteKey: leafKey, Originator: evpnIP("192.0.2.7")}},
		{"type 12 unknown kept raw", evpnNLRI(12, evpnHex("01020304")), EVPNRoute{Type: 12}},
		{"type 200 empty", evpnNLRI(200), EVPNRoute{Type: 200}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := DecodeEVPN(c.route, false, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Fatalf("%d routes", len(got))
			}
			c.want.Raw = c.route
			if !reflect.DeepEqual(got[0], c.want) {
				t.Fatalf("decoded\n %+v\nwant\n %+v", got[0], c.want)
			}
			if got[0].Known() != (c.want.Type <= 11) {
				t.Fatalf("Known() = %v", got[0].Known())
			}
			// The same route with a path identifier.
			got, err = DecodeEVPN(cat(u32(0x01020304), c.route), true, got[:0])
			if err != nil || len(got) != 1 || got[0].PathID != 0x01020304 || !got[0].HasPathID {
				t.Fatalf("with ADD-PATH: %v %+v", err, got)
			}
		})
	}
}

func TestDecodeEVPNLabelsAndESI(t *testing.T) {
	rs, err := DecodeEVPN(evpnNLRI(2, evRD0, evESI1, u32(0), []byte{48}, evpnHex("020000000099"), []byte{0}, evVNI10004, evMPLS16), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := rs[0]
	// 0x002714: VNI 10004 as a 24-bit value, MPLS label 0x00271 = 625 as a 20-bit one.
	if r.Labels[0] != 10004 || r.Label(0) != 625 || r.Labels[1] != 0x101 || r.Label(1) != 16 || r.ESIType() != 1 {
		t.Fatalf("labels %v/%d/%d esi type %d", r.Labels, r.Label(0), r.Label(1), r.ESIType())
	}
}

func TestDecodeEVPNSeveralRoutesAndAddPath(t *testing.T) {
	r2 := evpnNLRI(2, evRD0, evESIZero, u32(0), []byte{48}, evpnHex("020000000099"), []byte{0}, evpnHex("000000"))
	r3 := evpnNLRI(3, evRD0, u32(4), []byte{32}, addr("127.0.0.2"))
	r5 := evpnNLRI(5, evRD0, evESIZero, u32(0), []byte{24}, addr("198.18.0.0"), addr("0.0.0.0"), evpnHex("000000"))
	plain := cat(r2, r3, r5)
	pre := []EVPNRoute{{Type: 99}}
	rs, err := DecodeEVPN(plain, false, pre)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 4 || rs[0].Type != 99 || rs[1].Type != 2 || rs[2].Type != 3 || rs[3].Type != 5 || rs[2].Originator != evpnIP("127.0.0.2") ||
		rs[3].Prefix != netip.MustParsePrefix("198.18.0.0/24") || rs[1].HasPathID {
		t.Fatalf("routes %+v", rs)
	}
	withIDs := cat(u32(1), r2, u32(2), r3, u32(0xffffffff), r5)
	rs, err = DecodeEVPN(withIDs, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 || rs[0].PathID != 1 || rs[1].PathID != 2 || rs[2].PathID != 0xffffffff || !bytes.Equal(rs[1].Raw, r3) {
		t.Fatalf("add-path routes %+v", rs)
	}
	// The wrong setting fails either way, so that the caller can fall back to the other.
	if _, err := DecodeEVPN(withIDs, false, nil); err == nil {
		t.Fatal("path identifiers decoded without ADD-PATH")
	}
	if _, err := DecodeEVPN(plain, true, nil); err == nil {
		t.Fatal("routes decoded as if they had path identifiers")
	}
	// An empty block (End-of-RIB) has no routes.
	if rs, err := DecodeEVPN(nil, true, nil); err != nil || len(rs) != 0 {
		t.Fatalf("empty: %v %v", rs, err)
	}
}

func TestDecodeEVPNMalformed(t *testing.T) {
	good2 := evpnNLRI(2, evRD0, evESIZero, u32(0), []byte{48}, evpnHex("020000000099"), []byte{32}, addr("10.0.0.1"), evpnHex("000000"))
	mac47 := bytes.Clone(good2)
	mac47[2+22] = 47
	ip24 := bytes.Clone(good2)
	ip24[2+29] = 24
	ip128 := bytes.Clone(good2) // says IPv6 but carries 4 bytes
	ip128[2+29] = 128
	ip0 := bytes.Clone(good2) // says no IP but carries 4 bytes + label: 7 bytes after the length
	ip0[2+29] = 0
	type5 := evpnNLRI(5, evRD0, evESIZero, u32(0), []byte{33}, addr("198.18.0.0"), addr("0.0.0.0"), evpnHex("000000"))
	type5v6 := evpnNLRI(5, evRD0, evESIZero, u32(0), []byte{129}, addr("::"), addr("::"), evpnHex("000000"))
	cases := []struct {
		name    string
		b       []byte
		addPath bool
		off     int
		substr  string
	}{
		{"one byte", []byte{2}, false, 0, "need route type and length"},
		{"length overruns the block", append(bytes.Clone(good2[:10]), 0), false, 1, "route type 2 length 37 exceeds the NLRI (9 bytes left)"},
		{"second route overruns", cat(good2, []byte{3, 17, 0}), false, 40, "route type 3 length 17 exceeds the NLRI (1 bytes left)"},
		{"truncated path identifier", []byte{0, 0, 1}, true, 0, "truncated path identifier: need 4 bytes, have 3"},
		{"path identifier only", u32(1), true, 4, "need route type and length (2 bytes), have 0"},
		{"route type 0", []byte{0, 0}, false, 0, "route type 0 is reserved"},
		{"type 1 short", evpnNLRI(1, evRD0, evESI0, u32(0)), false, 1, "Ethernet A-D route length 22, want 25"},
		{"type 2 below minimum", evpnNLRI(2, evRD0, evESI0), false, 1, "MAC/IP Advertisement route length 18 below the minimum 33"},
		{"type 2 MAC length 47", mac47, false, 24, "MAC address length 47, want 48"},
		{"type 2 IP length 24", ip24, false, 31, "IP address length 24, want 0, 32 or 128"},
		{"type 2 IPv6 length, IPv4 bytes", ip128, false, 1, "route length 37 does not match IP address length 128: want 49 or 52"},
		{"type 2 no IP, IPv4 bytes", ip0, false, 1, "route length 37 does not match IP address length 0: want 33 or 36"},
		{"type 2 three labels", cat([]byte{2, 43}, good2[2:], evpnHex("000000000000")), false, 1, "route length 43 does not match IP address length 32: want 37 or 40"},
		{"type 3 originator length 24", evpnNLRI(3, evRD0, u32(0), []byte{24}, addr("192.0.2.1")), false, 14, "originating router's IP length 24, want 32 or 128"},
		{"type 3 length mismatch", evpnNLRI(3, evRD0, u32(0), []byte{128}, addr("192.0.2.1")), false, 1, "Inclusive Multicast Ethernet Tag route length 17 does not match IP length 128: want 29"},
		{"type 3 short", evpnNLRI(3, evRD0), false, 1, "route length 8 below the minimum 13"},
		{"type 4 short", evpnNLRI(4, evRD0, evESI0), false, 1, "Ethernet Segment route length 18 below the minimum 19"},
		{"type 5 bad length", evpnNLRI(5, evRD0, evESIZero, u32(0), []byte{24}, addr("198.18.0.0"), evpnHex("000000")), false, 1, "IP Prefix route length 30, want 34 (IPv4) or 58 (IPv6)"},
		{"type 5 prefix length 33", type5, false, 24, "prefix length 33 exceeds 32"},
		{"type 5 prefix length 129", type5v6, false, 24, "prefix length 129 exceeds 128"},
		{"type 6 short", evpnNLRI(6, evRD0, u32(0), []byte{0, 0}), false, 1, "SMET route length 14 below the minimum 16"},
		{"type 6 source length 24", evpnNLRI(6, evRD0, u32(0), []byte{24, 1, 2, 3}, []byte{32}, addr("239.1.1.1"), []byte{32}, addr("192.0.2.1"), []byte{0}),
			false, 14, "SMET route: multicast source length 24, want 0, 32 or 128"},
		{"type 6 group overruns", evpnNLRI(6, evRD0, u32(0), []byte{0, 128}, addr("239.1.1.1"), []byte{0}), false, 15, "multicast group length 128 needs 16 bytes, 5 left"},
		{"type 6 originator wildcard", evpnNLRI(6, evRD0, u32(0), []byte{0, 32}, addr("239.1.1.1"), []byte{0}, []byte{0}), false, 20, "originator length 0, want 32 or 128"},
		{"type 6 no flags", evpnNLRI(6, evRD0, u32(0), []byte{0, 32}, addr("239.1.1.1"), []byte{32}, addr("192.0.2.1")), false, 1, "SMET route length 23 does not match its address lengths: want 24"},
		{"type 8 missing tail", evpnNLRI(8, evRD0, evESI0, u32(0), []byte{0, 32}, addr("239.1.1.1"), []byte{32}, addr("192.0.2.1"), []byte{0}), false, 1,
			"Multicast Leave Synch route length 34 does not match its address lengths: want 39"},
		{"type 9 long", evpnNLRI(9, evRD0, u32(0), make([]byte, 9)), false, 1, "Per-Region I-PMSI A-D route length 21, want 20"},
		{"type 10 trailing byte", evpnNLRI(10, evRD0, u32(0), []byte{0, 0, 32}, addr("192.0.2.1"), []byte{0}), false, 1, "S-PMSI A-D route length 20 does not match its address lengths: want 19"},
		{"type 11 key overruns", evpnNLRI(11, []byte{3, 40}, evRD0), false, 3, "route key length 40 leaves no room for the originator (10 bytes)"},
		{"type 11 trailing", evpnNLRI(11, []byte{3, 0}, []byte{32}, addr("192.0.2.1"), []byte{9}), false, 1, "Leaf A-D route length 8 does not match route key and originator: want 7"},
		{"type 11 short", evpnNLRI(11, []byte{3, 0}), false, 1, "Leaf A-D route length 2 below the minimum 3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dst := []EVPNRoute{{Type: 42}}
			got, err := DecodeEVPN(c.b, c.addPath, dst)
			wantError(t, err, c.off, c.substr)
			if len(got) != 1 || got[0].Type != 42 {
				t.Fatalf("dst not restored on error: %+v", got)
			}
		})
	}
}

func TestDecodeEVPNNoAllocs(t *testing.T) {
	b := cat(evpnNLRI(2, evRD0, evESIZero, u32(0), []byte{48}, evpnHex("020000000099"), []byte{32}, addr("10.0.0.1"), evpnHex("000000")),
		evpnNLRI(5, evRD0, evESIZero, u32(0), []byte{24}, addr("198.18.0.0"), addr("0.0.0.0"), evpnHex("000000")))
	dst := make([]EVPNRoute, 0, 4)
	n := testing.AllocsPerRun(100, func() {
		var err error
		if dst, err = DecodeEVPN(b, false, dst[:0]); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Fatalf("DecodeEVPN allocates %.1f times", n)
	}
}

// FuzzEVPN: DecodeEVPN never panics; what it accepts is consistent with the bytes (each
// route's Raw is its framing in the input, fields lie within it) and its errors carry an
// offset inside the input.
func FuzzEVPN(f *testing.F) {
	seeds := [][]byte{
		evpnNLRI(1, evRD1, evESI1, u32(0xFFFFFFFF), evpnHex("000000")),
		evpnNLRI(2, evRD0, evESIZero, u32(0), []byte{48}, evpnHex("020000000099"), []byte{128}, addr("2001:db8::1"), evVNI10004, evMPLS16),
		evpnNLRI(3, evRD0, u32(4), []byte{32}, addr("127.0.0.2")),
		evpnNLRI(4, evRD1, evESI1, []byte{128}, addr("2001:db8::1")),
		evpnNLRI(5, evRD0, evESIZero, u32(0), []byte{64}, addr("2001:db8::"), addr("::"), evpnHex("000000")),
		evpnNLRI(6, evRD0, u32(10), []byte{0}, []byte{32}, addr("239.1.1.1"), []byte{32}, addr("192.0.2.1"), []byte{0x02}),
		evpnNLRI(7, evRD0, evESI0, u32(10), []byte{32}, addr("10.1.1.1"), []byte{32}, addr("239.1.1.1"), []byte{32}, addr("192.0.2.1"), []byte{0x04}),
		evpnNLRI(8, evRD0, evESI0, u32(10), []byte{0}, []byte{32}, addr("239.1.1.1"), []byte{32}, addr("192.0.2.1"), u32(1), []byte{10, 0}),
		evpnNLRI(9, evRD0, u32(0), evpnHex("0002fde900000064")),
		evpnNLRI(10, evRD0, u32(3), []byte{0}, []byte{0}, []byte{32}, addr("192.0.2.1")),
		evpnNLRI(11, evpnNLRI(3, evRD0, u32(4), []byte{32}, addr("192.0.2.9")), []byte{32}, addr("192.0.2.7")),
		evpnNLRI(17, []byte{1}),
	}
	for i, s := range seeds {
		f.Add(s, false)
		f.Add(cat(u32(uint32(i)), s), true)
	}
	f.Add(cat(seeds[1], seeds[2], seeds[4]), false)
	f.Fuzz(func(t *testing.T, b []byte, addPath bool) {
		rs, err := DecodeEVPN(b, addPath, nil)
		if err != nil {
			e, ok := err.(*Error)
			if !ok || e.Offset < 0 || e.Offset > len(b) || len(rs) != 0 {
				t.Fatalf("error %v (%T), %d routes", err, err, len(rs))
			}
			return
		}
		total := 0
		for _, r := range rs {
			if r.HasPathID != addPath || len(r.Raw) < 2 || int(r.Raw[1]) != len(r.Raw)-2 || r.Raw[0] != r.Type || r.Type == 0 {
				t.Fatalf("route %+v", r)
			}
			total += len(r.Raw)
			if addPath {
				total += 4
			}
			if r.NumLabels > 2 || (r.HasMAC && r.MACLen != 48) || (r.IPLen != 0) != r.IP.IsValid() {
				t.Fatalf("route fields %+v", r)
			}
			if r.Type == EVPNIPPrefix && (!r.Prefix.IsValid() || r.Prefix.Addr().Is4() != r.Gateway.Is4()) {
				t.Fatalf("type 5 %+v", r)
			}
		}
		if total != len(b) {
			t.Fatalf("routes cover %d of %d bytes", total, len(b))
		}
	})
}
