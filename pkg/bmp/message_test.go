package bmp

import (
	"bytes"
	"net/netip"
	"reflect"
	"testing"
)

// decodeCase is a well-formed message and the checks on its decoding.
type decodeCase struct {
	name  string
	in    []byte
	check func(t *testing.T, m *Message, in []byte)
}

func eqBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s = %x, want %x", what, got, want)
	}
}

func eqTLVs(t *testing.T, what string, got, want []InfoTLV) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s =\n %+v\nwant\n %+v", what, got, want)
	}
}

func goodCases() []decodeCase {
	v6peer := peerSpec{typ: PeerTypeRD, flags: FlagV | FlagL, rd: [8]byte{0, 0, 0xfd, 0xe8, 0, 0, 0, 100},
		addr: addr16("2001:db8::1"), as: 64512, bgpID: [4]byte{10, 0, 0, 1}, sec: 1, usec: 2}
	locrib := peerSpec{typ: PeerTypeLocRIB, flags: FlagF, bgpID: [4]byte{2, 2, 2, 2}, as: 100}
	upd, opn1, opn2, notif := update(), open(65001, [4]byte{192, 0, 2, 1}), open(65002, [4]byte{192, 0, 2, 2}), notification()
	group := cat(be16(1), be16(2))
	pathStatus := be32(0x8a)

	return []decodeCase{
		{"route monitoring v3 ipv4 peer", msg(3, MsgRouteMonitoring, v4peer.bytes(), upd), func(t *testing.T, m *Message, in []byte) {
			if m.Header != (CommonHeader{Version: 3, Length: uint32(len(in)), Type: 0}) {
				t.Errorf("header %+v", m.Header)
			}
			p := m.Peer
			if p.Type != 0 || p.Flags != 0 || p.AS != 65001 || p.Address != netip.MustParseAddr("192.0.2.1") ||
				p.BGPID != [4]byte{192, 0, 2, 1} || p.TimestampSec != 1704164645 || p.TimestampUsec != 6 {
				t.Errorf("peer %+v", p)
			}
			eqBytes(t, "Raw", p.Raw, in[6:48])
			eqBytes(t, "Update", m.RouteMonitoring.Update, upd)
			eqBytes(t, "Body", m.Body, upd)
			eqTLVs(t, "TLVs", m.RouteMonitoring.TLVs, nil)
		}},
		{"route monitoring v3 ipv6 RD post-policy", msg(3, MsgRouteMonitoring, v6peer.bytes(), upd), func(t *testing.T, m *Message, in []byte) {
			if m.Peer.Address != netip.MustParseAddr("2001:db8::1") || !m.Peer.IsPostPolicy() || m.Peer.RDString() != "65000:100" {
				t.Errorf("peer %+v", m.Peer)
			}
			eqBytes(t, "Update", m.RouteMonitoring.Update, upd)
		}},
		{"route monitoring v4 TLVs (capture code points)", msg(4, MsgRouteMonitoring, locrib.bytes(),
			itlv(RMTLVGroup, 0x8001, group), itlv(RMTLVVRFTableName, 0, []byte("global")),
			itlv(RMTLVBGPMessage, 0, upd), itlv(RMTLVPathStatus, 1, pathStatus)), func(t *testing.T, m *Message, in []byte) {
			eqBytes(t, "Update", m.RouteMonitoring.Update, upd)
			eqTLVs(t, "TLVs", m.RouteMonitoring.TLVs, []InfoTLV{
				{Type: RMTLVGroup, Index: 0x8001, HasIndex: true, Value: group},
				{Type: RMTLVVRFTableName, Index: 0, HasIndex: true, Value: []byte("global")},
				{Type: RMTLVPathStatus, Index: 1, HasIndex: true, Value: pathStatus},
			})
			if !m.Peer.IsFiltered() || m.Peer.Address != netip.MustParseAddr("0.0.0.0") {
				t.Errorf("peer %+v", m.Peer)
			}
		}},
		{"route monitoring v4 draft-20 code points", msg(4, MsgRouteMonitoring, v4peer.bytes(),
			itlv(6, 0, []byte{69, 4, 0, 1, 1, 3}), itlv(7, 0, upd)), func(t *testing.T, m *Message, in []byte) {
			eqBytes(t, "Update", m.RouteMonitoring.Update, upd)
			eqTLVs(t, "TLVs", m.RouteMonitoring.TLVs, []InfoTLV{{Type: 6, HasIndex: true, Value: []byte{69, 4, 0, 1, 1, 3}}})
		}},
		{"route monitoring v4 UPDATE-first layout", msg(4, MsgRouteMonitoring, v4peer.bytes(), upd,
			itlv(3, 0, []byte("red"))), func(t *testing.T, m *Message, in []byte) {
			eqBytes(t, "Update", m.RouteMonitoring.Update, upd)
			eqTLVs(t, "TLVs", m.RouteMonitoring.TLVs, []InfoTLV{{Type: 3, HasIndex: true, Value: []byte("red")}})
		}},
		{"route monitoring v4 UPDATE only", msg(4, MsgRouteMonitoring, v4peer.bytes(), upd), func(t *testing.T, m *Message, in []byte) {
			eqBytes(t, "Update", m.RouteMonitoring.Update, upd)
			eqTLVs(t, "TLVs", m.RouteMonitoring.TLVs, nil)
		}},
		{"stats report", msg(3, MsgStatisticsReport, v6peer.bytes(), be32(3),
			stat(StatRejectedInbound, be32(7)), stat(StatAdjRIBIn, be64(1<<40)),
			stat(StatPerAFILocRIB, cat(be16(2), []byte{1}, be64(12345)))), func(t *testing.T, m *Message, in []byte) {
			want := []Stat{
				{Type: 0, Known: true, Value: 7, Raw: be32(7)},
				{Type: 7, Known: true, Value: 1 << 40, Raw: be64(1 << 40)},
				{Type: 10, Known: true, PerAFI: true, AFI: 2, SAFI: 1, Value: 12345, Raw: cat(be16(2), []byte{1}, be64(12345))},
			}
			if m.Stats.Count != 3 || !reflect.DeepEqual(m.Stats.Stats, want) {
				t.Errorf("stats count %d %+v", m.Stats.Count, m.Stats.Stats)
			}
		}},
		{"stats report lenient widths and unknown types, count mismatch", msg(3, MsgStatisticsReport, v4peer.bytes(), be32(9),
			stat(StatAdjRIBIn, be32(5)), stat(StatDuplicatePrefix, be64(6)), stat(65531, be32(77)),
			stat(32768, be64(1000)), stat(StatInvalidASPath, be16(3)), stat(StatPerAFIAdjRIBIn, cat(be16(1), []byte{128}, be32(9))),
			stat(StatPerAFIAdjRIBIn, be64(4)), stat(13, nil)), func(t *testing.T, m *Message, in []byte) {
			want := []Stat{
				{Type: 7, Known: true, Value: 5, Raw: be32(5)},
				{Type: 1, Known: true, Value: 6, Raw: be64(6)},
				{Type: 65531, Raw: be32(77)},
				{Type: 32768, Raw: be64(1000)},
				{Type: 4, Raw: be16(3)},
				{Type: 9, Known: true, PerAFI: true, AFI: 1, SAFI: 128, Value: 9, Raw: cat(be16(1), []byte{128}, be32(9))},
				{Type: 9, Raw: be64(4)},
				{Type: 13, Raw: []byte{}},
			}
			if m.Stats.Count != 9 || !reflect.DeepEqual(m.Stats.Stats, want) {
				t.Errorf("stats count %d\n%+v\nwant\n%+v", m.Stats.Count, m.Stats.Stats, want)
			}
		}},
		{"stats report empty", msg(3, MsgStatisticsReport, v4peer.bytes(), be32(0)), func(t *testing.T, m *Message, in []byte) {
			if m.Stats.Count != 0 || len(m.Stats.Stats) != 0 {
				t.Errorf("stats %+v", m.Stats)
			}
		}},
		{"stats report v4 Stats TLV", msg(4, MsgStatisticsReport, v4peer.bytes(),
			tlv(1, cat(be32(1), stat(StatLocRIB, be64(42)))), tlv(3, []byte{1, 0, 0, 0, 9, 0, 0, 0, 0})), func(t *testing.T, m *Message, in []byte) {
			want := []Stat{{Type: 8, Known: true, Value: 42, Raw: be64(42)}}
			if m.Stats.Count != 1 || !reflect.DeepEqual(m.Stats.Stats, want) {
				t.Errorf("stats %+v", m.Stats)
			}
			eqTLVs(t, "TLVs", m.Stats.TLVs, []InfoTLV{{Type: 3, Value: []byte{1, 0, 0, 0, 9, 0, 0, 0, 0}}})
		}},
		{"stats report v4 without Stats TLV", msg(4, MsgStatisticsReport, v4peer.bytes(), be32(1), stat(0, be32(1))), func(t *testing.T, m *Message, in []byte) {
			if m.Stats.Count != 1 || len(m.Stats.Stats) != 1 || m.Stats.Stats[0].Value != 1 || len(m.Stats.TLVs) != 0 {
				t.Errorf("stats %+v", m.Stats)
			}
		}},
		{"peer down reason 1", msg(3, MsgPeerDown, v4peer.bytes(), []byte{1}, notif), func(t *testing.T, m *Message, in []byte) {
			pd := m.PeerDown
			if pd.Reason != 1 || pd.HasFSMEvent || len(pd.TLVs) != 0 {
				t.Errorf("peer down %+v", pd)
			}
			eqBytes(t, "Notification", pd.Notification, notif)
			eqBytes(t, "Data", pd.Data, notif)
		}},
		{"peer down reason 3 trailing bytes (v3)", msg(3, MsgPeerDown, v4peer.bytes(), []byte{3}, notif, []byte{0xde, 0xad}), func(t *testing.T, m *Message, in []byte) {
			pd := m.PeerDown
			eqBytes(t, "Notification", pd.Notification, notif)
			eqBytes(t, "Data", pd.Data, cat(notif, []byte{0xde, 0xad}))
			eqTLVs(t, "TLVs", pd.TLVs, nil)
		}},
		{"peer down reason 1 without NOTIFICATION", msg(3, MsgPeerDown, v4peer.bytes(), []byte{1}), func(t *testing.T, m *Message, in []byte) {
			if m.PeerDown.Reason != 1 || m.PeerDown.Notification != nil || len(m.PeerDown.Data) != 0 {
				t.Errorf("peer down %+v", m.PeerDown)
			}
		}},
		{"peer down reason 2", msg(3, MsgPeerDown, v4peer.bytes(), []byte{2}, be16(0x0102)), func(t *testing.T, m *Message, in []byte) {
			pd := m.PeerDown
			if pd.Reason != 2 || !pd.HasFSMEvent || pd.FSMEvent != 0x0102 || pd.Notification != nil {
				t.Errorf("peer down %+v", pd)
			}
		}},
		{"peer down reason 4", msg(3, MsgPeerDown, v4peer.bytes(), []byte{4}), func(t *testing.T, m *Message, in []byte) {
			if m.PeerDown.Reason != 4 || len(m.PeerDown.Data) != 0 || m.PeerDown.Notification != nil {
				t.Errorf("peer down %+v", m.PeerDown)
			}
		}},
		{"peer down reason 5 trailing bytes", msg(3, MsgPeerDown, v4peer.bytes(), []byte{5, 1, 2, 3}), func(t *testing.T, m *Message, in []byte) {
			eqBytes(t, "Data", m.PeerDown.Data, []byte{1, 2, 3})
			eqTLVs(t, "TLVs", m.PeerDown.TLVs, nil)
		}},
		{"peer down reason 6 TLVs", msg(3, MsgPeerDown, locrib.bytes(), []byte{6}, tlv(InfoVRFTableName, []byte("global"))), func(t *testing.T, m *Message, in []byte) {
			eqTLVs(t, "TLVs", m.PeerDown.TLVs, []InfoTLV{{Type: 3, Value: []byte("global")}})
		}},
		{"peer down unknown reason 9", msg(3, MsgPeerDown, v4peer.bytes(), []byte{9, 0xaa}), func(t *testing.T, m *Message, in []byte) {
			if m.PeerDown.Reason != 9 {
				t.Errorf("reason %d", m.PeerDown.Reason)
			}
			eqBytes(t, "Data", m.PeerDown.Data, []byte{0xaa})
		}},
		{"peer down v4 reason 3 + TLV", msg(4, MsgPeerDown, v4peer.bytes(), []byte{3}, notif, tlv(3, []byte("blue"))), func(t *testing.T, m *Message, in []byte) {
			eqBytes(t, "Notification", m.PeerDown.Notification, notif)
			eqTLVs(t, "TLVs", m.PeerDown.TLVs, []InfoTLV{{Type: 3, Value: []byte("blue")}})
		}},
		{"peer down v4 reason 2 + TLV", msg(4, MsgPeerDown, v4peer.bytes(), []byte{2}, be16(7), tlv(0, []byte("x"))), func(t *testing.T, m *Message, in []byte) {
			if m.PeerDown.FSMEvent != 7 {
				t.Errorf("fsm %d", m.PeerDown.FSMEvent)
			}
			eqTLVs(t, "TLVs", m.PeerDown.TLVs, []InfoTLV{{Type: 0, Value: []byte("x")}})
		}},
		{"peer down v4 reason 4 + TLV", msg(4, MsgPeerDown, v4peer.bytes(), []byte{4}, tlv(3, []byte("v"))), func(t *testing.T, m *Message, in []byte) {
			eqTLVs(t, "TLVs", m.PeerDown.TLVs, []InfoTLV{{Type: 3, Value: []byte("v")}})
		}},
		{"peer up ipv4", msg(3, MsgPeerUp, v4peer.bytes(), cat(addr16Bytes("192.0.2.254"), be16(179), be16(40000)), opn1, opn2,
			tlv(InfoString, []byte("hello")), tlv(InfoVRFTableName, []byte("red")), tlv(InfoAdminLabel, []byte("lbl")), tlv(99, nil)), func(t *testing.T, m *Message, in []byte) {
			pu := m.PeerUp
			if pu.LocalAddress != netip.MustParseAddr("192.0.2.254") || pu.LocalPort != 179 || pu.RemotePort != 40000 {
				t.Errorf("peer up %+v", pu)
			}
			eqBytes(t, "SentOpen", pu.SentOpen, opn1)
			eqBytes(t, "ReceivedOpen", pu.ReceivedOpen, opn2)
			eqTLVs(t, "Info", pu.Info, []InfoTLV{{Type: 0, Value: []byte("hello")}, {Type: 3, Value: []byte("red")},
				{Type: 4, Value: []byte("lbl")}, {Type: 99, Value: []byte{}}})
		}},
		{"peer up ipv6 no TLVs", msg(3, MsgPeerUp, v6peer.bytes(), cat(addr16Bytes("2001:db8::fe"), be16(1), be16(2)), opn1, opn2), func(t *testing.T, m *Message, in []byte) {
			if m.PeerUp.LocalAddress != netip.MustParseAddr("2001:db8::fe") {
				t.Errorf("local %v", m.PeerUp.LocalAddress)
			}
			eqTLVs(t, "Info", m.PeerUp.Info, nil)
		}},
		{"peer up loc-rib zero local address", msg(3, MsgPeerUp, locrib.bytes(), make([]byte, 20), opn1, opn1,
			tlv(InfoVRFTableName, []byte("global"))), func(t *testing.T, m *Message, in []byte) {
			if m.PeerUp.LocalAddress != netip.MustParseAddr("0.0.0.0") || m.PeerUp.LocalPort != 0 {
				t.Errorf("local %v", m.PeerUp.LocalAddress)
			}
			eqTLVs(t, "Info", m.PeerUp.Info, []InfoTLV{{Type: 3, Value: []byte("global")}})
		}},
		{"peer up loc-rib ipv6 local address", msg(3, MsgPeerUp, locrib.bytes(), cat(addr16Bytes("2001:db8::9"), be16(0), be16(0)), opn1, opn1), func(t *testing.T, m *Message, in []byte) {
			if m.PeerUp.LocalAddress != netip.MustParseAddr("2001:db8::9") {
				t.Errorf("local %v", m.PeerUp.LocalAddress)
			}
		}},
		{"initiation", msg(3, MsgInitiation, tlv(InfoSysDescr, []byte("router OS 1.0")), tlv(InfoSysName, []byte("r1")), tlv(InfoString, nil)), func(t *testing.T, m *Message, in []byte) {
			eqTLVs(t, "TLVs", m.Initiation.TLVs, []InfoTLV{{Type: 1, Value: []byte("router OS 1.0")}, {Type: 2, Value: []byte("r1")}, {Type: 0, Value: []byte{}}})
			if v, ok := LookupTLV(m.Initiation.TLVs, InfoSysName); !ok || string(v) != "r1" {
				t.Errorf("sysName %q %v", v, ok)
			}
			eqBytes(t, "Body", m.Body, in[6:])
		}},
		{"initiation empty", msg(3, MsgInitiation), func(t *testing.T, m *Message, in []byte) {
			eqTLVs(t, "TLVs", m.Initiation.TLVs, nil)
		}},
		{"termination", msg(3, MsgTermination, tlv(InfoString, []byte("bye")), tlv(TermInfoReason, be16(TermRedundant))), func(t *testing.T, m *Message, in []byte) {
			eqTLVs(t, "TLVs", m.Termination.TLVs, []InfoTLV{{Type: 0, Value: []byte("bye")}, {Type: 1, Value: be16(3)}})
			if r, ok := m.Termination.Reason(); !ok || r != TermRedundant {
				t.Errorf("reason %d %v", r, ok)
			}
		}},
		{"route mirroring", msg(3, MsgRouteMirroring, v4peer.bytes(), tlv(MirrorBGPMessage, upd), tlv(MirrorInformation, be16(1))), func(t *testing.T, m *Message, in []byte) {
			eqTLVs(t, "TLVs", m.Mirroring.TLVs, []InfoTLV{{Type: 0, Value: upd}, {Type: 1, Value: be16(1)}})
			if c, ok := m.Mirroring.Code(); !ok || c != 1 {
				t.Errorf("code %d %v", c, ok)
			}
		}},
		{"unknown type 100", msg(3, 100, []byte{1, 2, 3, 4}), func(t *testing.T, m *Message, in []byte) {
			if m.Header.Type != 100 {
				t.Errorf("type %d", m.Header.Type)
			}
			eqBytes(t, "Body", m.Body, []byte{1, 2, 3, 4})
		}},
	}
}

func addr16Bytes(s string) []byte { a := addr16(s); return a[:] }

func TestDecodeGood(t *testing.T) {
	for _, tc := range goodCases() {
		t.Run(tc.name, func(t *testing.T) {
			var m Message
			if err := m.Decode(tc.in); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			tc.check(t, &m, tc.in)
			for i, s := range slicesOf(&m) {
				if !within(tc.in, s) {
					t.Errorf("slice %d does not alias the input", i)
				}
			}
		})
	}
}

// TestDecodeReuse decodes every good case into one Message, in order, twice: the second
// pass must give the same results (no stale state leaking between types) and, with the
// slices grown, must not allocate.
func TestDecodeReuse(t *testing.T) {
	cases := goodCases()
	var m Message
	for pass := range 2 {
		for _, tc := range cases {
			if err := m.Decode(tc.in); err != nil {
				t.Fatalf("pass %d %s: %v", pass, tc.name, err)
			}
			t.Run(tc.name, func(t *testing.T) { tc.check(t, &m, tc.in) })
		}
	}
	allocs := testing.AllocsPerRun(20, func() {
		for _, tc := range cases {
			_ = m.Decode(tc.in)
		}
	})
	if allocs != 0 {
		t.Fatalf("steady-state Decode allocates %.1f times per pass", allocs)
	}
}
