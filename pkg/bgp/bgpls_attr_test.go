package bgp

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	g "github.com/bmpstream/bmpstream/internal/gen"
)

// Attribute TLVs built from the layouts of RFC 9552 section 5.3, RFC 9085 section 2,
// RFC 9086 section 5, RFC 9514 sections 3-8, RFC 8571 section 2, RFC 9351 sections 3-4,
// RFC 9294 section 2 and RFC 8814.

func sidTLV(v []byte) []byte { return g.LSTLV(LSAttrSIDLabel, v) }

func TestDecodeBGPLSAttrTLVs(t *testing.T) {
	label := []byte{0x01, 0x86, 0xa0} // 100000 in 20 bits
	ip4 := func(s string) netip.Addr { return netip.MustParseAddr(s) }
	cases := []struct {
		name string
		tlv  []byte
		want func(a *LSAttr) any // what must come out
		exp  any
	}{
		{"1024 node flags", g.LSTLV(1024, []byte{0xa0}), func(a *LSAttr) any { return [2]any{a.HasNodeFlags, a.NodeFlags} }, [2]any{true, uint8(0xa0)}},
		{"1025 opaque node", g.LSTLV(1025, []byte{1, 2}), func(a *LSAttr) any { return a.OpaqueNode }, [][]byte{{1, 2}}},
		{"1026 node name", g.LSTLV(1026, []byte("r1.lab")), func(a *LSAttr) any { return string(a.NodeName) }, "r1.lab"},
		{"1027 IS-IS area", g.LSTLV(1027, []byte{0x49, 0x09, 0x01}), func(a *LSAttr) any { return a.ISISAreas }, [][]byte{{0x49, 0x09, 0x01}}},
		{"1028 local IPv4 RID", g.LSTLV(1028, g.IP("10.0.0.1")), func(a *LSAttr) any { return a.LocalIPv4RouterID }, ip4("10.0.0.1")},
		{"1029 local IPv6 RID", g.LSTLV(1029, g.IP("2001:db8::1")), func(a *LSAttr) any { return a.LocalIPv6RouterID }, ip4("2001:db8::1")},
		{"1030 remote IPv4 RID", g.LSTLV(1030, g.IP("10.0.0.2")), func(a *LSAttr) any { return a.RemoteIPv4RouterID }, ip4("10.0.0.2")},
		{"1031 remote IPv6 RID", g.LSTLV(1031, g.IP("2001:db8::2")), func(a *LSAttr) any { return a.RemoteIPv6RouterID }, ip4("2001:db8::2")},
		{"263 MT-ID", g.LSTLV(263, g.U16(0), g.U16(0x8002)), func(a *LSAttr) any { return [3]any{a.MTID.Len(), a.MTID.At(0), a.MTID.At(1)} }, [3]any{2, uint16(0), uint16(0x8002)}},
		{"1034 SR capabilities", g.LSTLV(1034, []byte{0x80, 0}, []byte{0, 0xfa, 0}, sidTLV(label), []byte{0, 0, 10}, sidTLV(g.U32(500))),
			func(a *LSAttr) any { return *a.SRCapabilities },
			LSSRBlock{Flags: 0x80, Ranges: []LSSRRange{{64000, LSSID{100000, true}}, {10, LSSID{500, false}}}}},
		{"1035 SR algorithm", g.LSTLV(1035, []byte{0, 1, 128}), func(a *LSAttr) any { return a.SRAlgorithms }, []byte{0, 1, 128}},
		{"1036 SR local block", g.LSTLV(1036, []byte{0, 0}, []byte{0, 0x03, 0xe8}, sidTLV([]byte{0, 0x3a, 0x98})),
			func(a *LSAttr) any { return *a.SRLocalBlock }, LSSRBlock{Ranges: []LSSRRange{{1000, LSSID{15000, true}}}}},
		{"1038 SRv6 capabilities", g.LSTLV(1038, g.U16(0x4000), g.U16(0)), func(a *LSAttr) any { return [2]any{a.HasSRv6Cap, a.SRv6CapFlags} }, [2]any{true, uint16(0x4000)}},
		{"266 node MSD", g.LSTLV(266, []byte{1, 10, 41, 8}), func(a *LSAttr) any { return a.NodeMSD }, []byte{1, 10, 41, 8}},
		{"1039 flex-algo definition", g.LSTLV(1039, []byte{128, 1, 0, 200}, g.LSTLV(1040, g.U32(1)), g.LSTLV(1041, g.U32(2), g.U32(3)),
			g.LSTLV(1042, g.U32(4)), g.LSTLV(1043, []byte{0x80}), g.LSTLV(1045, g.U32(99)), g.LSTLV(1046, []byte{1})),
			func(a *LSAttr) any { return a.FlexAlgoDefs },
			[]LSFlexAlgoDef{{Algorithm: 128, MetricType: 1, CalcType: 0, Priority: 200, ExcludeAny: []uint32{1}, IncludeAny: []uint32{2, 3},
				IncludeAll: []uint32{4}, Flags: []byte{0x80}, ExcludeSRLG: []uint32{99}, SubTLVs: []LSTLV{{1046, []byte{1}}}}}},
		{"1044 flex-algo prefix metric", g.LSTLV(1044, []byte{129, 0x80, 0, 0}, g.U32(30)), func(a *LSAttr) any { return a.FlexAlgoPrefixMetrics },
			[]LSFlexAlgoPrefixMetric{{129, 0x80, 30}}},
		{"1088 admin group", g.LSTLV(1088, g.U32(0x11)), func(a *LSAttr) any { return [2]any{a.HasAdminGroup, a.AdminGroup} }, [2]any{true, uint32(0x11)}},
		{"1089 max link bw", g.LSTLV(1089, g.F32(125e6)), func(a *LSAttr) any { return [2]any{a.HasMaxLinkBW, a.MaxLinkBW} }, [2]any{true, float32(125e6)}},
		{"1090 max resv bw", g.LSTLV(1090, g.F32(1e6)), func(a *LSAttr) any { return [2]any{a.HasMaxResvBW, a.MaxResvBW} }, [2]any{true, float32(1e6)}},
		{"1091 unreserved bw", g.LSTLV(1091, g.F32(1), g.F32(2), g.F32(3), g.F32(4), g.F32(5), g.F32(6), g.F32(7), g.F32(8)),
			func(a *LSAttr) any { return a.UnreservedBW }, [8]float32{1, 2, 3, 4, 5, 6, 7, 8}},
		{"1092 TE metric", g.LSTLV(1092, g.U32(20)), func(a *LSAttr) any { return [2]any{a.HasTEDefaultMetric, a.TEDefaultMetric} }, [2]any{true, uint32(20)}},
		{"1092 TE metric, 3 bytes", g.LSTLV(1092, []byte{0, 1, 0}), func(a *LSAttr) any { return a.TEDefaultMetric }, uint32(256)},
		{"1093 link protection", g.LSTLV(1093, g.U16(0x0800)), func(a *LSAttr) any { return a.LinkProtection }, uint16(0x0800)},
		{"1094 MPLS protocol mask", g.LSTLV(1094, []byte{0xc0}), func(a *LSAttr) any { return a.MPLSProtoMask }, uint8(0xc0)},
		{"1095 IGP metric, 1 byte", g.LSTLV(1095, []byte{0xca}), func(a *LSAttr) any { return a.IGPMetric }, uint32(0x0a)},
		{"1095 IGP metric, 2 bytes", g.LSTLV(1095, g.U16(1000)), func(a *LSAttr) any { return a.IGPMetric }, uint32(1000)},
		{"1095 IGP metric, 3 bytes", g.LSTLV(1095, []byte{1, 0, 0}), func(a *LSAttr) any { return [2]any{a.HasIGPMetric, a.IGPMetric} }, [2]any{true, uint32(65536)}},
		{"1096 SRLG", g.LSTLV(1096, g.U32(7), g.U32(8)), func(a *LSAttr) any { return a.SRLG }, []uint32{7, 8}},
		{"1097 opaque link", g.LSTLV(1097, []byte{9}), func(a *LSAttr) any { return a.OpaqueLink }, [][]byte{{9}}},
		{"1098 link name", g.LSTLV(1098, []byte("ge-0/0/0")), func(a *LSAttr) any { return string(a.LinkName) }, "ge-0/0/0"},
		{"1099 adjacency SID label", g.LSTLV(1099, []byte{0x30, 10, 0, 0}, []byte{0, 0x5d, 0xc1}), func(a *LSAttr) any { return a.AdjSIDs },
			[]LSAdjSID{{Flags: 0x30, Weight: 10, SID: LSSID{24001, true}}}},
		{"1099 adjacency SID index", g.LSTLV(1099, []byte{0, 0, 0, 0}, g.U32(5)), func(a *LSAttr) any { return a.AdjSIDs[0].SID }, LSSID{5, false}},
		{"1100 LAN adjacency SID IS-IS", g.LSTLV(1100, []byte{0x30, 0, 0, 0}, []byte{0, 0, 0, 0, 0, 2}, []byte{0, 0x5d, 0xc2}),
			func(a *LSAttr) any { return a.AdjSIDs }, []LSAdjSID{{Flags: 0x30, SID: LSSID{24002, true}, NeighborID: []byte{0, 0, 0, 0, 0, 2}}}},
		{"1100 LAN adjacency SID OSPF", g.LSTLV(1100, []byte{0, 1, 0, 0}, g.IP("10.0.0.9"), g.U32(77)),
			func(a *LSAttr) any { return a.AdjSIDs }, []LSAdjSID{{Weight: 1, SID: LSSID{77, false}, NeighborID: g.IP("10.0.0.9")}}},
		{"1101 peer node SID", g.LSTLV(1101, []byte{0xc0, 1, 0, 0}, []byte{0, 0x3e, 0x80}), func(a *LSAttr) any { return *a.PeerNodeSID },
			LSPeerSID{Flags: 0xc0, Weight: 1, SID: LSSID{16000, true}}},
		{"1102 peer adj SID", g.LSTLV(1102, []byte{0xc0, 2, 0, 0}, []byte{0, 0x3e, 0x81}), func(a *LSAttr) any { return *a.PeerAdjSID },
			LSPeerSID{Flags: 0xc0, Weight: 2, SID: LSSID{16001, true}}},
		{"1103 peer set SID", g.LSTLV(1103, []byte{0, 3, 0, 0}, g.U32(9)), func(a *LSAttr) any { return *a.PeerSetSID },
			LSPeerSID{Weight: 3, SID: LSSID{9, false}}},
		{"1106 SRv6 End.X SID", g.LSTLV(1106, g.U16(0x39), []byte{0x80, 0, 5, 0}, g.IP("fc00:0:1:e000::"), g.LSTLV(1252, []byte{32, 16, 16, 0}), g.LSTLV(1300, []byte{1})),
			func(a *LSAttr) any { return a.SRv6EndX },
			[]LSSRv6EndX{{Type: 1106, Behavior: 0x39, Flags: 0x80, Weight: 5, SID: ip4("fc00:0:1:e000::"), Structure: LSSRv6SIDStructure{32, 16, 16, 0},
				HasStructure: true, SubTLVs: []LSTLV{{1300, []byte{1}}}}}},
		{"1107 SRv6 LAN End.X SID IS-IS", g.LSTLV(1107, g.U16(0x39), []byte{0, 0, 1, 0}, []byte{0, 0, 0, 0, 0, 3}, g.IP("fc00::3")),
			func(a *LSAttr) any { return a.SRv6EndX },
			[]LSSRv6EndX{{Type: 1107, Behavior: 0x39, Weight: 1, NeighborID: []byte{0, 0, 0, 0, 0, 3}, SID: ip4("fc00::3")}}},
		{"1108 SRv6 LAN End.X SID OSPFv3", g.LSTLV(1108, g.U16(0x39), []byte{0, 0, 1, 0}, g.IP("10.0.0.3"), g.IP("fc00::4")),
			func(a *LSAttr) any { return a.SRv6EndX[0].NeighborID }, g.IP("10.0.0.3")},
		{"267 link MSD", g.LSTLV(267, []byte{1, 8}), func(a *LSAttr) any { return a.LinkMSD }, []byte{1, 8}},
		{"1114 unidirectional delay", g.LSTLV(1114, []byte{0x80, 0, 0x03, 0xe8}), func(a *LSAttr) any { return *a.UnidirDelay }, LSDelay{1000, true}},
		{"1115 min/max delay", g.LSTLV(1115, []byte{0, 0, 0, 10}, []byte{0x80, 0, 0, 20}), func(a *LSAttr) any { return [2]LSDelay{*a.MinDelay, *a.MaxDelay} },
			[2]LSDelay{{10, false}, {20, false}}},
		{"1116 delay variation", g.LSTLV(1116, []byte{0xff, 0, 0, 5}), func(a *LSAttr) any { return *a.DelayVariation }, uint32(5)},
		{"1117 link loss", g.LSTLV(1117, []byte{0x80, 0, 1, 0}), func(a *LSAttr) any { return *a.LinkLoss }, LSDelay{256, true}},
		{"1118 residual bw", g.LSTLV(1118, g.F32(100)), func(a *LSAttr) any { return *a.ResidualBW }, float32(100)},
		{"1119 available bw", g.LSTLV(1119, g.F32(200)), func(a *LSAttr) any { return *a.AvailableBW }, float32(200)},
		{"1120 utilized bw", g.LSTLV(1120, g.F32(300)), func(a *LSAttr) any { return *a.UtilizedBW }, float32(300)},
		{"1152 IGP flags", g.LSTLV(1152, []byte{0x80}), func(a *LSAttr) any { return [2]any{a.HasIGPFlags, a.IGPFlags} }, [2]any{true, uint8(0x80)}},
		{"1153 route tags", g.LSTLV(1153, g.U32(1), g.U32(2)), func(a *LSAttr) any { return a.RouteTags }, []uint32{1, 2}},
		{"1154 extended route tags", g.LSTLV(1154, g.U64(1<<40)), func(a *LSAttr) any { return a.ExtRouteTags }, []uint64{1 << 40}},
		{"1155 prefix metric", g.LSTLV(1155, g.U32(0)), func(a *LSAttr) any { return [2]any{a.HasPrefixMetric, a.PrefixMetric} }, [2]any{true, uint32(0)}},
		{"1156 OSPF forwarding address", g.LSTLV(1156, g.IP("10.9.9.9")), func(a *LSAttr) any { return a.OSPFFwdAddr }, ip4("10.9.9.9")},
		{"1157 opaque prefix", g.LSTLV(1157, []byte{5, 6}), func(a *LSAttr) any { return a.OpaquePrefix }, [][]byte{{5, 6}}},
		{"1158 prefix SID index", g.LSTLV(1158, []byte{0x40, 0, 0, 0}, g.U32(1)), func(a *LSAttr) any { return a.PrefixSIDs },
			[]LSPrefixSID{{Flags: 0x40, SID: LSSID{1, false}}}},
		{"1158 prefix SID label, algorithm 128", g.LSTLV(1158, []byte{0x0c, 128, 0, 0}, []byte{0, 0x3e, 0x80}), func(a *LSAttr) any { return a.PrefixSIDs },
			[]LSPrefixSID{{Flags: 0x0c, Algorithm: 128, SID: LSSID{16000, true}}}},
		{"1170 prefix attribute flags", g.LSTLV(1170, []byte{0x80, 1}), func(a *LSAttr) any { return a.PrefixAttrFlags }, []byte{0x80, 1}},
		{"1171 source router ID", g.LSTLV(1171, g.IP("2001:db8::9")), func(a *LSAttr) any { return a.SourceRouterID }, ip4("2001:db8::9")},
		{"1162 SRv6 locator", g.LSTLV(1162, []byte{0x80, 128, 0, 0}, g.U32(10), g.LSTLV(1252, []byte{1, 2, 3, 4})), func(a *LSAttr) any { return *a.SRv6Locator },
			LSSRv6Locator{Flags: 0x80, Algorithm: 128, Metric: 10, SubTLVs: []LSTLV{{1252, []byte{1, 2, 3, 4}}}}},
		{"1250 SRv6 endpoint behavior", g.LSTLV(1250, g.U16(48), []byte{0, 0}), func(a *LSAttr) any { return *a.SRv6Endpoint }, LSSRv6Endpoint{Behavior: 48}},
		{"1251 SRv6 BGP peer node SID", g.LSTLV(1251, []byte{0x80, 1, 0, 0}, g.U32(65020), g.IP("192.0.2.20")), func(a *LSAttr) any { return *a.SRv6PeerNodeSID },
			LSSRv6PeerNodeSID{Flags: 0x80, Weight: 1, PeerAS: 65020, PeerBGPID: ip4("192.0.2.20")}},
		{"1252 SRv6 SID structure", g.LSTLV(1252, []byte{32, 16, 0, 80}), func(a *LSAttr) any { return *a.SRv6SIDStructure }, LSSRv6SIDStructure{32, 16, 0, 80}},
		{"unknown TLV", g.LSTLV(1173, []byte{1, 2}), func(a *LSAttr) any { return a.Unknown }, []LSTLV{{1173, []byte{1, 2}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var a LSAttr
			if err := DecodeBGPLSAttr(c.tlv, &a); err != nil {
				t.Fatalf("error %v", err)
			}
			if got := c.want(&a); !reflect.DeepEqual(got, c.exp) {
				t.Fatalf("got %#v\nwant %#v", got, c.exp)
			}
			if c.name != "unknown TLV" && (len(a.Unknown) != 0 || a.Malformed != 0) {
				t.Fatalf("unexpected unknown TLVs %v", a.Unknown)
			}
		})
	}
}

func TestDecodeBGPLSAttrASLA(t *testing.T) {
	// SABM 4 bytes with the R (RSVP-TE) and X (flex-algo) bits, no UDABM, then TE metric
	// and admin group for those applications.
	v := g.LSTLV(1122, []byte{4, 0, 0, 0}, []byte{0x90, 0, 0, 0}, g.LSTLV(1092, g.U32(15)), g.LSTLV(1088, g.U32(3)))
	var a LSAttr
	if err := DecodeBGPLSAttr(v, &a); err != nil {
		t.Fatal(err)
	}
	if len(a.ASLAs) != 1 {
		t.Fatalf("%d ASLA", len(a.ASLAs))
	}
	s := a.ASLAs[0]
	if string(s.SABM) != "\x90\x00\x00\x00" || len(s.UDABM) != 0 || s.Attrs.TEDefaultMetric != 15 || s.Attrs.AdminGroup != 3 || a.HasTEDefaultMetric {
		t.Fatalf("ASLA %+v attrs %+v", s, s.Attrs)
	}
}

// TestDecodeBGPLSAttrSeveral: several TLVs in one attribute, a repeated single-valued TLV
// (kept as unknown, not an error) and multi-valued TLVs accumulating.
func TestDecodeBGPLSAttrSeveral(t *testing.T) {
	v := g.Cat(g.LSTLV(1026, []byte("a")), g.LSTLV(1026, []byte("b")), g.LSTLV(1096, g.U32(1)), g.LSTLV(1096, g.U32(2)),
		g.LSTLV(1099, []byte{0, 0, 0, 0}, g.U32(1)), g.LSTLV(1099, []byte{0, 0, 0, 0}, g.U32(2)), g.LSTLV(1089, g.F32(float32(math.Inf(1)))))
	var a LSAttr
	if err := DecodeBGPLSAttr(v, &a); err != nil {
		t.Fatal(err)
	}
	if string(a.NodeName) != "a" || !reflect.DeepEqual(a.SRLG, []uint32{1, 2}) || len(a.AdjSIDs) != 2 || a.AdjSIDs[1].SID.Value != 2 {
		t.Fatalf("decoded %+v", a)
	}
	if !reflect.DeepEqual(a.Unknown, []LSTLV{{1026, []byte("b")}}) || a.Malformed != 0 || !math.IsInf(float64(a.MaxLinkBW), 1) {
		t.Fatalf("unknown %v malformed %d", a.Unknown, a.Malformed)
	}
}

func TestDecodeBGPLSAttrMalformed(t *testing.T) {
	good := g.LSTLV(1026, []byte("ok"))
	cases := []struct {
		name    string
		v       []byte
		off     int
		what    string
		unknown []uint16 // types kept in Unknown, in order
		name1   string   // the node name still decoded from good
	}{
		{"header truncated", g.Cat(good, []byte{4, 2, 0}), 6, "header needs 4 bytes", []uint16{0}, "ok"},
		{"TLV overruns the attribute", g.Cat(good, []byte{4, 0x2e, 0, 9, 1}), 8, "TLV 1070: length 9 exceeds", []uint16{1070}, "ok"},
		{"node flags length 2", g.Cat(g.LSTLV(1024, []byte{1, 2}), good), 2, "TLV 1024: length 2, expected 1", []uint16{1024}, "ok"},
		{"empty node name", g.LSTLV(1026), 2, "1 to 255", []uint16{1026}, ""},
		{"IS-IS area 14 bytes", g.Cat(good, g.LSTLV(1027, make([]byte, 14))), 8, "1 to 13", []uint16{1027}, "ok"},
		{"IPv4 router ID length 16", g.LSTLV(1028, g.IP("::1")), 2, "TLV 1028: length 16, expected 4", []uint16{1028}, ""},
		{"IPv6 router ID length 4", g.LSTLV(1031, g.IP("10.0.0.1")), 2, "TLV 1031: length 4, expected 16", []uint16{1031}, ""},
		{"MT-ID odd", g.LSTLV(263, []byte{1, 2, 3}), 2, "multiple of 2", []uint16{263}, ""},
		{"SR capabilities short", g.LSTLV(1034, []byte{0}), 2, "at least 2", []uint16{1034}, ""},
		{"SR range without sub-TLV", g.LSTLV(1034, []byte{0, 0, 0, 0, 1}), 6, "range needs", []uint16{1034}, ""},
		{"SR range sub-TLV not 1161", g.LSTLV(1034, []byte{0, 0}, []byte{0, 0, 1}, g.LSTLV(1158, g.U32(1))), 9, "expected SID/Label (1161)", []uint16{1034}, ""},
		{"SR range sub-TLV overrun", g.LSTLV(1036, []byte{0, 0}, []byte{0, 0, 1}, sidTLV(g.U32(1))[:7]), 11, "SID/Label length 4 exceeds", []uint16{1036}, ""},
		{"SR range SID length 5", g.LSTLV(1034, []byte{0, 0}, []byte{0, 0, 1}, sidTLV(make([]byte, 5))), 11, "expected 3 or 4", []uint16{1034}, ""},
		{"SRv6 capabilities length 2", g.LSTLV(1038, g.U16(0)), 2, "TLV 1038: length 2, expected 4", []uint16{1038}, ""},
		{"MSD odd", g.LSTLV(266, []byte{1}), 2, "multiple of 2", []uint16{266}, ""},
		{"FAD short", g.LSTLV(1039, []byte{128, 0, 0}), 2, "at least 4", []uint16{1039}, ""},
		{"FAD sub-TLV overrun", g.LSTLV(1039, []byte{128, 0, 0, 0}, g.LSTLV(1040, g.U32(1))[:6]), 10, "TLV 1040: length 4 exceeds", []uint16{1039}, ""},
		{"FAD affinity length 3", g.LSTLV(1039, []byte{128, 0, 0, 0}, g.LSTLV(1041, []byte{1, 2, 3})), 10, "TLV 1041: length 3", []uint16{1039}, ""},
		{"FAPM length 4", g.LSTLV(1044, g.U32(1)), 2, "expected 8", []uint16{1044}, ""},
		{"unreserved bw length 28", g.LSTLV(1091, make([]byte, 28)), 2, "expected 32", []uint16{1091}, ""},
		{"TE metric length 2", g.LSTLV(1092, g.U16(1)), 2, "4 (or 3)", []uint16{1092}, ""},
		{"IGP metric length 4", g.LSTLV(1095, g.U32(1)), 2, "1, 2 or 3", []uint16{1095}, ""},
		{"SRLG length 6", g.LSTLV(1096, make([]byte, 6)), 2, "multiple of 4", []uint16{1096}, ""},
		{"adjacency SID length 6", g.LSTLV(1099, make([]byte, 6)), 2, "7 or 8", []uint16{1099}, ""},
		{"LAN adjacency SID length 10", g.LSTLV(1100, make([]byte, 10)), 2, "13 or 14 (IS-IS)", []uint16{1100}, ""},
		{"peer node SID length 9", g.LSTLV(1101, make([]byte, 9)), 2, "7 or 8", []uint16{1101}, ""},
		{"End.X short", g.LSTLV(1106, make([]byte, 21)), 2, "at least 22", []uint16{1106}, ""},
		{"LAN End.X short", g.LSTLV(1107, make([]byte, 27)), 2, "at least 28", []uint16{1107}, ""},
		{"End.X sub-TLV overrun", g.LSTLV(1106, make([]byte, 22), []byte{4, 0xe4, 0, 4, 1}), 28, "TLV 1252: length 4 exceeds", []uint16{1106}, ""},
		{"delay length 3", g.LSTLV(1114, []byte{0, 0, 1}), 2, "expected 4", []uint16{1114}, ""},
		{"min/max delay length 4", g.LSTLV(1115, g.U32(1)), 2, "expected 8", []uint16{1115}, ""},
		{"ASLA bit mask length 3", g.LSTLV(1122, []byte{3, 0, 0, 0, 1, 2, 3}), 4, "bit mask length 3", []uint16{1122}, ""},
		{"ASLA masks overrun", g.LSTLV(1122, []byte{8, 0, 0, 0, 1, 2, 3}), 2, "for its bit masks", []uint16{1122}, ""},
		{"ASLA nested TLV malformed", g.LSTLV(1122, []byte{0, 0, 0, 0}, g.LSTLV(1088, g.U16(1))), 10, "TLV 1088: length 2", []uint16{1122}, ""},
		{"ASLA inside ASLA", g.LSTLV(1122, []byte{0, 0, 0, 0}, g.LSTLV(1122, []byte{0, 0, 0, 0})), 8, "inside another", []uint16{1122}, ""},
		{"IGP flags length 0", g.LSTLV(1152), 2, "expected 1", []uint16{1152}, ""},
		{"route tag length 5", g.LSTLV(1153, make([]byte, 5)), 2, "multiple of 4", []uint16{1153}, ""},
		{"extended tag length 4", g.LSTLV(1154, g.U32(1)), 2, "multiple of 8", []uint16{1154}, ""},
		{"forwarding address length 5", g.LSTLV(1156, make([]byte, 5)), 2, "4 or 16", []uint16{1156}, ""},
		{"prefix SID length 9", g.LSTLV(1158, make([]byte, 9)), 2, "7 or 8", []uint16{1158}, ""},
		{"prefix attribute flags empty", g.LSTLV(1170), 2, "at least 1", []uint16{1170}, ""},
		{"locator short", g.LSTLV(1162, make([]byte, 7)), 2, "at least 8", []uint16{1162}, ""},
		{"endpoint behavior length 3", g.LSTLV(1250, make([]byte, 3)), 2, "expected 4", []uint16{1250}, ""},
		{"BGP peer node SID length 8", g.LSTLV(1251, make([]byte, 8)), 2, "expected 12", []uint16{1251}, ""},
		{"SID structure length 5", g.LSTLV(1252, make([]byte, 5)), 2, "expected 4", []uint16{1252}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var a LSAttr
			err := DecodeBGPLSAttr(c.v, &a)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v, want *Error", err)
			}
			if e.Offset != c.off || !strings.Contains(e.What, c.what) {
				t.Fatalf("got offset %d %q, want offset %d containing %q", e.Offset, e.What, c.off, c.what)
			}
			var types []uint16
			for _, u := range a.Unknown {
				types = append(types, u.Type)
			}
			if !reflect.DeepEqual(types, c.unknown) || a.Malformed != len(c.unknown) {
				t.Fatalf("unknown types %v (malformed %d), want %v", types, a.Malformed, c.unknown)
			}
			if string(a.NodeName) != c.name1 {
				t.Fatalf("node name %q, want %q", a.NodeName, c.name1)
			}
		})
	}
}

func ExampleDecodeBGPLSAttr() {
	v := g.Cat(g.LSTLV(1026, []byte("r1")), g.LSTLV(1095, g.U16(10)), g.LSTLV(1024, []byte{1, 2}))
	var a LSAttr
	err := DecodeBGPLSAttr(v, &a)
	fmt.Printf("name=%s igp_metric=%d unknown=%d err=%v\n", a.NodeName, a.IGPMetric, len(a.Unknown), err)
	// Output: name=r1 igp_metric=10 unknown=1 err=bgp: offset 14: BGP-LS Attribute TLV 1024: length 2, expected 1
}
