package bgp

import (
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// Builders written from RFC 9012 / RFC 9830 / RFC 9831, independently of the decoder.

// teTLV builds a tunnel TLV.
func teTLV(typ uint16, subs ...[]byte) []byte {
	body := cat(subs...)
	return cat(u16(typ), u16(uint16(len(body))), body)
}

// teSub builds a sub-TLV with a 1-byte length (types < 128) or a 2-byte one.
func teSub(typ uint8, v ...[]byte) []byte {
	val := cat(v...)
	if typ >= 128 {
		return cat([]byte{typ}, u16(uint16(len(val))), val)
	}
	return cat([]byte{typ, byte(len(val))}, val)
}

func teMPLS(label uint32, tc uint8, s bool, ttl uint8) []byte {
	v := label<<12 | uint32(tc)<<9 | uint32(ttl)
	if s {
		v |= 0x100
	}
	return u32(v)
}

func teBehavior(beh uint16, lb, ln, fn, arg uint8) []byte {
	return cat(u16(beh), u16(0), []byte{lb, ln, fn, arg})
}

func teA(s string) []byte { return netip.MustParseAddr(s).AsSlice() }

// teSegment builds a segment sub-TLV: flags, second byte (reserved or SR algorithm), fields.
func teSegment(code, flags, second uint8, fields ...[]byte) []byte {
	return teSub(code, []byte{flags, second}, cat(fields...))
}

// segSummary renders a decoded segment's fields.
func segSummary(s SRPolicySegment) string {
	var p []string
	p = append(p, fmt.Sprintf("%s flags=%02x", SRSegmentLetter(s.Type), s.Flags))
	if s.SRAlgorithm != 0 {
		p = append(p, fmt.Sprintf("algo=%d", s.SRAlgorithm))
	}
	if s.HasMPLSSID {
		p = append(p, fmt.Sprintf("mpls=%d/%d/%v/%d", s.MPLSSID.Label, s.MPLSSID.TC, s.MPLSSID.S, s.MPLSSID.TTL))
	}
	if s.SRv6SID.IsValid() {
		p = append(p, "srv6="+s.SRv6SID.String())
	}
	if s.HasBehavior {
		b := s.Behavior
		p = append(p, fmt.Sprintf("beh=%d:%d.%d.%d.%d", b.Behavior, b.BlockLen, b.NodeLen, b.FunctionLen, b.ArgumentLen))
	}
	if s.NodeAddress.IsValid() {
		p = append(p, "node="+s.NodeAddress.String())
	}
	if s.LocalInterfaceID != 0 || s.RemoteInterfaceID != 0 {
		p = append(p, fmt.Sprintf("ifid=%d/%d", s.LocalInterfaceID, s.RemoteInterfaceID))
	}
	if s.LocalAddress.IsValid() {
		p = append(p, "local="+s.LocalAddress.String()+" remote="+s.RemoteAddress.String())
	}
	return strings.Join(p, " ")
}

func TestSRPolicyNLRI(t *testing.T) {
	v4 := cat([]byte{96}, u32(7), u32(100), teA("192.0.2.9"))
	v6 := cat([]byte{192}, u32(0), u32(4294967295), teA("2001:db8::9"))
	rs, err := DecodeSRPolicy(cat(v4, v4[:1], u32(8), u32(200), teA("192.0.2.10")), AFIIPv4, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []SRPolicyNLRI{{Distinguisher: 7, Color: 100, Endpoint: netip.MustParseAddr("192.0.2.9")},
		{Distinguisher: 8, Color: 200, Endpoint: netip.MustParseAddr("192.0.2.10")}}
	if !reflect.DeepEqual(rs, want) {
		t.Fatalf("v4: %+v", rs)
	}
	rs, err = DecodeSRPolicy(cat(u32(3), v6), AFIIPv6, true, []SRPolicyNLRI{{Color: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[1] != (SRPolicyNLRI{PathID: 3, HasPathID: true, Color: 4294967295, Endpoint: netip.MustParseAddr("2001:db8::9")}) {
		t.Fatalf("v6 add-path: %+v", rs)
	}
	for _, tc := range []struct {
		name    string
		b       []byte
		afi     uint16
		addPath bool
		off     int
		what    string
	}{
		{"IPv6 length in an IPv4 family", v6, AFIIPv4, false, 0, "NLRI length 192 bits, expected 96 for AFI 1"},
		{"IPv4 length in an IPv6 family", v4, AFIIPv6, false, 0, "NLRI length 96 bits, expected 192 for AFI 2"},
		{"truncated endpoint", v4[:12], AFIIPv4, false, 0, "NLRI of 12 bytes truncated (11 bytes left)"},
		{"second NLRI truncated", cat(v4, v4[:5]), AFIIPv4, false, 13, "truncated (4 bytes left)"},
		{"truncated path id", []byte{0, 0, 1}, AFIIPv4, true, 0, "truncated path identifier"},
		{"path id alone", u32(1), AFIIPv4, true, 4, "not followed by an NLRI length"},
		{"AFI 25", v4, 25, false, 0, "AFI 25"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := DecodeSRPolicy(tc.b, tc.afi, tc.addPath, nil)
			wantError(t, err, tc.off, tc.what)
			if len(rs) != 0 {
				t.Errorf("routes on error: %+v", rs)
			}
		})
	}
}

func TestTunnelEncapSRPolicySegments(t *testing.T) {
	n6a, n6b, sid := teA("2001:db8::a"), teA("2001:db8::b"), teA("fc00:0:1:e000::")
	beh := teBehavior(48, 32, 16, 16, 0) // End.DT46-ish code point, uSID structure
	segs := []struct {
		enc  []byte
		want string
	}{
		{teSegment(1, 0x80, 0, teMPLS(16001, 5, true, 255)), "A flags=80 mpls=16001/5/true/255"},
		{teSegment(13, 0x00, 0, sid), "B flags=00 srv6=fc00:0:1:e000::"},
		{teSegment(13, 0x10, 0, sid, beh), "B flags=10 srv6=fc00:0:1:e000:: beh=48:32.16.16.0"},
		{teSegment(3, 0x40, 128, teA("192.0.2.1")), "C flags=40 algo=128 node=192.0.2.1"},
		{teSegment(3, 0x60, 0, teA("192.0.2.1"), teMPLS(16001, 0, false, 0)), "C flags=60 mpls=16001/0/false/0 node=192.0.2.1"},
		{teSegment(4, 0x40, 1, n6a), "D flags=40 algo=1 node=2001:db8::a"},
		{teSegment(4, 0x20, 1, n6a, teMPLS(17, 0, true, 64)), "D flags=20 algo=1 mpls=17/0/true/64 node=2001:db8::a"},
		{teSegment(5, 0, 0, u32(11), teA("192.0.2.2")), "E flags=00 node=192.0.2.2 ifid=11/0"},
		{teSegment(5, 0x20, 0, u32(11), teA("192.0.2.2"), teMPLS(24001, 0, false, 0)), "E flags=20 mpls=24001/0/false/0 node=192.0.2.2 ifid=11/0"},
		{teSegment(6, 0, 0, teA("198.51.100.1"), teA("198.51.100.2")), "F flags=00 local=198.51.100.1 remote=198.51.100.2"},
		{teSegment(6, 0x20, 0, teA("198.51.100.1"), teA("198.51.100.2"), teMPLS(24002, 0, false, 0)), "F flags=20 mpls=24002/0/false/0 local=198.51.100.1 remote=198.51.100.2"},
		{teSegment(7, 0, 0, u32(21), n6a, u32(22), n6b), "G flags=00 ifid=21/22 local=2001:db8::a remote=2001:db8::b"},
		{teSegment(7, 0x20, 0, u32(21), n6a, u32(22), n6b, teMPLS(24003, 0, false, 0)), "G flags=20 mpls=24003/0/false/0 ifid=21/22 local=2001:db8::a remote=2001:db8::b"},
		{teSegment(8, 0, 0, n6a, n6b), "H flags=00 local=2001:db8::a remote=2001:db8::b"},
		{teSegment(8, 0x20, 0, n6a, n6b, teMPLS(24004, 0, false, 0)), "H flags=20 mpls=24004/0/false/0 local=2001:db8::a remote=2001:db8::b"},
		{teSegment(14, 0x40, 2, n6a), "I flags=40 algo=2 node=2001:db8::a"},
		{teSegment(14, 0x20, 2, n6a, sid), "I flags=20 algo=2 srv6=fc00:0:1:e000:: node=2001:db8::a"},
		{teSegment(14, 0x30, 2, n6a, sid, beh), "I flags=30 algo=2 srv6=fc00:0:1:e000:: beh=48:32.16.16.0 node=2001:db8::a"},
		{teSegment(15, 0, 0, u32(31), n6a, u32(32), n6b), "J flags=00 ifid=31/32 local=2001:db8::a remote=2001:db8::b"},
		{teSegment(15, 0x20, 0, u32(31), n6a, u32(32), n6b, sid), "J flags=20 srv6=fc00:0:1:e000:: ifid=31/32 local=2001:db8::a remote=2001:db8::b"},
		{teSegment(15, 0x30, 3, u32(31), n6a, u32(32), n6b, sid, beh), "J flags=30 algo=3 srv6=fc00:0:1:e000:: beh=48:32.16.16.0 ifid=31/32 local=2001:db8::a remote=2001:db8::b"},
		{teSegment(16, 0, 0, n6a, n6b), "K flags=00 local=2001:db8::a remote=2001:db8::b"},
		{teSegment(16, 0x20, 0, n6a, n6b, sid), "K flags=20 srv6=fc00:0:1:e000:: local=2001:db8::a remote=2001:db8::b"},
		{teSegment(16, 0x30, 0, n6a, n6b, sid, beh), "K flags=30 srv6=fc00:0:1:e000:: beh=48:32.16.16.0 local=2001:db8::a remote=2001:db8::b"},
	}
	var list [][]byte
	list = append(list, []byte{0}, teSub(9, []byte{0, 0}, u32(10)))
	for _, s := range segs {
		list = append(list, s.enc)
	}
	list = append(list, teSub(2, []byte{0xee})) // an unassigned segment type: kept raw
	v := teTLV(15,
		teSub(12, []byte{0x80, 0}, u32(100)),
		teSub(13, []byte{0xc0, 0}, teMPLS(24001, 0, false, 0)),
		teSub(20, []byte{0x20, 0}, sid, beh),
		teSub(14, []byte{0, 0, 3}),
		teSub(15, []byte{5, 0}),
		teSub(128, list...),
		teSub(128, []byte{0}, segs[0].enc),
		teSub(129, []byte{0}, []byte("cp-1")),
		teSub(130, []byte{0}, []byte("policy red")),
		teSub(12, []byte{0, 0}, u32(200)), // second preference: kept raw
	)
	te, err := DecodeTunnelEncap(v)
	if err != nil {
		t.Fatal(err)
	}
	sr := te.SRPolicy()
	if len(te.Tunnels) != 1 || sr == nil {
		t.Fatalf("tunnels %+v", te.Tunnels)
	}
	if !sr.HasPreference || sr.Preference != 100 || sr.PreferenceFlags != 0x80 || !sr.HasENLP || sr.ENLP != 3 ||
		!sr.HasPriority || sr.Priority != 5 || sr.CandidatePathName != "cp-1" || sr.PolicyName != "policy red" {
		t.Errorf("candidate path: %+v", sr)
	}
	if b := sr.BindingSID; b == nil || !b.HasLabel || b.Label != 24001 || b.Flags != 0xc0 || b.SID.IsValid() {
		t.Errorf("binding SID: %+v", b)
	}
	if b := sr.SRv6BindingSID; b == nil || b.SID != netip.MustParseAddr("fc00:0:1:e000::") || !b.HasBehavior || b.Behavior.Behavior != 48 || b.Flags != 0x20 {
		t.Errorf("SRv6 binding SID: %+v", b)
	}
	if len(sr.SegmentLists) != 2 || len(sr.SegmentLists[1].Segments) != 1 || sr.SegmentLists[1].HasWeight {
		t.Fatalf("segment lists: %+v", sr.SegmentLists)
	}
	sl := sr.SegmentLists[0]
	if !sl.HasWeight || sl.Weight != 10 || len(sl.Segments) != len(segs) {
		t.Fatalf("segment list: weight %v %d, %d segments", sl.HasWeight, sl.Weight, len(sl.Segments))
	}
	for i, s := range segs {
		if got := segSummary(sl.Segments[i]); got != s.want {
			t.Errorf("segment %d:\n got  %s\n want %s", i, got, s.want)
		}
	}
	if !reflect.DeepEqual(sl.Unknown, []TunnelEncapSubTLV{{Type: 2, Value: []byte{0xee}}}) {
		t.Errorf("unknown segment: %+v", sl.Unknown)
	}
	if u := te.Tunnels[0].Unknown; len(u) != 1 || u[0].Type != 12 {
		t.Errorf("duplicate preference: %+v", u)
	}
}

func TestTunnelEncapGeneric(t *testing.T) {
	v := cat(
		teTLV(8,
			teSub(1, []byte{0x80, 0, 0, 0x64}, make([]byte, 6)), // VXLAN encapsulation, kept raw
			teSub(2, u16(0x6558)),
			teSub(4, []byte{0x03, 0x0b, 0, 0}, u32(100)),
			teSub(4, []byte{0x03, 0x0b, 0, 0}, u32(200)),
			teSub(4, []byte{0x00, 0x02, 0, 0}, u32(300)), // not a color community
			teSub(6, u32(0), u16(1), teA("192.0.2.7")),
			teSub(7, []byte{0xb8}),
			teSub(8, u16(4789)),
			teSub(9, []byte{1}),
			teSub(10, teMPLS(100, 0, false, 0), teMPLS(200, 1, true, 64)),
			teSub(5, []byte{0xff}),
			teSub(200, []byte{0xab, 0xcd}),
		),
		teTLV(13, teSub(6, u32(0), u16(2), teA("2001:db8::7"))),
		teTLV(2, teSub(6, u32(0), u16(0))),
		teTLV(7),
	)
	te, err := DecodeTunnelEncap(v)
	if err != nil {
		t.Fatal(err)
	}
	if len(te.Tunnels) != 4 || te.SRPolicy() != nil {
		t.Fatalf("%d tunnels", len(te.Tunnels))
	}
	x := te.Tunnels[0]
	if x.Type != 8 || TunnelTypeName(x.Type) != "VXLAN" || !x.HasEncapsulation || len(x.Encapsulation) != 10 ||
		!x.HasProtocolType || x.ProtocolType != 0x6558 || !reflect.DeepEqual(x.Colors, []uint32{100, 200}) ||
		x.EgressEndpoint != netip.MustParseAddr("192.0.2.7") || !x.HasDSField || x.DSField != 0xb8 ||
		!x.HasUDPDestPort || x.UDPDestPort != 4789 || !x.HasEmbeddedLabel || x.EmbeddedLabel != 1 {
		t.Errorf("VXLAN tunnel: %+v", x)
	}
	if !reflect.DeepEqual(x.MPLSLabelStack, []SRPolicyMPLSSID{{Label: 100}, {Label: 200, TC: 1, S: true, TTL: 64}}) {
		t.Errorf("label stack %+v", x.MPLSLabelStack)
	}
	if len(x.Unknown) != 3 || x.Unknown[0].Type != 4 || x.Unknown[1].Type != 5 || x.Unknown[2].Type != 200 || string(x.Unknown[2].Value) != "\xab\xcd" {
		t.Errorf("unknown %+v", x.Unknown)
	}
	if te.Tunnels[1].EgressEndpoint != netip.MustParseAddr("2001:db8::7") || !te.Tunnels[2].HasEgressEndpoint || te.Tunnels[2].EgressEndpoint.IsValid() {
		t.Errorf("egress endpoints %+v %+v", te.Tunnels[1], te.Tunnels[2])
	}
	if TunnelTypeName(15) != "SR Policy" || TunnelTypeName(99) != "type 99" || SRSegmentLetter(2) != "" {
		t.Error("names")
	}
	// An SR Policy tunnel without sub-TLVs still yields an (empty) candidate path.
	if te, err := DecodeTunnelEncap(teTLV(15)); err != nil || te.SRPolicy() == nil {
		t.Errorf("empty SR Policy tunnel: %v", err)
	}
}

func TestTunnelEncapMalformed(t *testing.T) {
	seg := func(s ...[]byte) []byte { return teTLV(15, teSub(128, append([][]byte{{0}}, s...)...)) }
	tests := []struct {
		name string
		v    []byte
		off  int
		what string
	}{
		{"tunnel TLV header short", []byte{0, 15, 0}, 0, "tunnel TLV header needs 4 bytes, have 3"},
		{"tunnel TLV length overruns", cat(u16(15), u16(16), []byte{12, 6}), 2, "tunnel TLV length 16 exceeds the attribute (2 bytes left)"},
		{"sub-TLV header short", teTLV(15, []byte{12}), 4, "sub-TLV 12 header needs 2 bytes, have 1"},
		{"2-byte sub-TLV header short", teTLV(15, []byte{128, 0}), 4, "sub-TLV 128 header needs 3 bytes, have 2"},
		{"sub-TLV length overruns", teTLV(15, []byte{12, 6, 0, 0}), 5, "sub-TLV 12 length 6 exceeds its container (2 bytes left)"},
		{"preference length", teTLV(15, teSub(12, make([]byte, 5))), 5, "preference sub-TLV length 5, expected 6"},
		{"binding SID length", teTLV(15, teSub(13, make([]byte, 7))), 5, "binding SID sub-TLV length 7, expected 2, 6 or 18"},
		{"SRv6 binding SID length", teTLV(15, teSub(20, make([]byte, 17))), 5, "SRv6 binding SID sub-TLV length 17, expected 18 or 26"},
		{"ENLP length", teTLV(15, teSub(14, make([]byte, 2))), 5, "ENLP sub-TLV length 2, expected 3"},
		{"priority length", teTLV(15, teSub(15, make([]byte, 3))), 5, "priority sub-TLV length 3, expected 2"},
		{"empty segment list", teTLV(15, teSub(128)), 5, "segment list sub-TLV length 0"},
		{"empty policy name", teTLV(15, teSub(130)), 5, "SR Policy name sub-TLV length 0"},
		{"weight length", seg(teSub(9, make([]byte, 5))), 9, "segment list weight sub-TLV length 5, expected 6"},
		{"segment A length", seg(teSub(1, make([]byte, 7))), 9, "segment type A sub-TLV length 7, expected 6"},
		{"segment B length", seg(teSub(13, make([]byte, 19))), 9, "segment type B sub-TLV length 19, expected 18 or 26"},
		{"segment C length", seg(teSub(3, make([]byte, 8))), 9, "segment type C sub-TLV length 8, expected 6 or 10"},
		{"segment I behavior without SID", seg(teSub(14, make([]byte, 26))), 9, "segment type I sub-TLV length 26, expected 18, 34 or 42"},
		{"segment K length", seg(teSub(16, make([]byte, 35))), 9, "segment type K sub-TLV length 35, expected 34, 50 or 58"},
		{"segment overruns its list", teTLV(15, teSub(128, []byte{0}, []byte{1, 6, 0})), 9, "sub-TLV 1 length 6 exceeds its container (1 bytes left)"},
		{"egress endpoint AFI 3", teTLV(8, teSub(6, u32(0), u16(3))), 10, "AFI 3 is not 0, 1 or 2"},
		{"egress endpoint IPv4 length", teTLV(8, teSub(6, u32(0), u16(1), make([]byte, 16))), 5, "tunnel egress endpoint (AFI 1) sub-TLV length 22, expected 10"},
		{"egress endpoint short", teTLV(8, teSub(6, u32(0))), 5, "at least 6"},
		{"color length", teTLV(8, teSub(4, make([]byte, 7))), 5, "color sub-TLV length 7, expected 8"},
		{"label stack length", teTLV(8, teSub(10, make([]byte, 6))), 5, "MPLS label stack sub-TLV length 6, expected a multiple of 4"},
		{"second tunnel bad", cat(teTLV(7), teTLV(8, teSub(8, []byte{1}))), 9, "UDP destination port sub-TLV length 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			te, err := DecodeTunnelEncap(tt.v)
			wantError(t, err, tt.off, tt.what)
			if te != nil {
				t.Error("value returned with the error")
			}
		})
	}
}

func FuzzSRPolicy(f *testing.F) {
	f.Add(byte(0), cat([]byte{96}, u32(7), u32(100), teA("192.0.2.9")))
	f.Add(byte(3), cat(u32(1), []byte{192}, u32(7), u32(100), teA("2001:db8::9")))
	f.Fuzz(func(t *testing.T, sel byte, b []byte) {
		afi, addPath := AFIIPv4, sel&2 != 0
		if sel&1 != 0 {
			afi = AFIIPv6
		}
		rs, err := DecodeSRPolicy(b, afi, addPath, nil)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T", err)
			}
			return
		}
		step := 13
		if afi == AFIIPv6 {
			step = 25
		}
		if addPath {
			step += 4
		}
		if len(rs)*step != len(b) {
			t.Fatalf("%d routes from %d bytes", len(rs), len(b))
		}
		for _, r := range rs {
			if r.Endpoint.Is4() != (afi == AFIIPv4) || r.HasPathID != addPath {
				t.Fatalf("route %+v", r)
			}
		}
	})
}

func FuzzTunnelEncap(f *testing.F) {
	f.Add(teTLV(15, teSub(12, []byte{0, 0}, u32(100)), teSub(128, []byte{0}, teSub(9, make([]byte, 6)),
		teSegment(1, 0, 0, teMPLS(16, 0, true, 0)), teSegment(16, 0x30, 0, make([]byte, 56))), teSub(130, []byte{0, 'x'})))
	f.Add(teTLV(8, teSub(6, u32(0), u16(1), teA("192.0.2.7")), teSub(4, []byte{3, 11, 0, 0}, u32(1)), teSub(200, []byte{1})))
	f.Fuzz(func(t *testing.T, v []byte) {
		te, err := DecodeTunnelEncap(v)
		if err != nil {
			if _, ok := err.(*Error); !ok || te != nil {
				t.Fatalf("error %T with %v", err, te)
			}
			return
		}
		n := 0
		for _, tl := range te.Tunnels {
			n += 4
			if tl.SRPolicy == nil {
				continue
			}
			for _, sl := range tl.SRPolicy.SegmentLists {
				for _, s := range sl.Segments {
					if SRSegmentLetter(s.Type) == "" {
						t.Fatalf("segment type %d decoded", s.Type)
					}
				}
			}
		}
		if n > len(v) {
			t.Fatalf("%d tunnels from %d bytes", len(te.Tunnels), len(v))
		}
	})
}
