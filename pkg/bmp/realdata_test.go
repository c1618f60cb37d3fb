package bmp

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/bmpstream/bmpstream/internal/testutil"
)

func readVector(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testutil.TestdataDir(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeVector(t *testing.T, rel string) (*Message, []byte) {
	t.Helper()
	b := readVector(t, rel)
	m := new(Message)
	if err := m.Decode(b); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	for i, s := range slicesOf(m) {
		if !within(b, s) {
			t.Fatalf("%s: slice %d outside input", rel, i)
		}
	}
	return m, b
}

func TestVectorRoutecore(t *testing.T) {
	const dir = "public/NLnetLabs_routecore/"
	t.Run("initiation", func(t *testing.T) {
		m, _ := decodeVector(t, dir+"bmp_message_rs__initiation_message.bin")
		want := []InfoTLV{
			{Type: InfoSysDescr, Value: []byte("Cisco IOS XR Software, Version 5.2.2.21I[Default]\nCopyright (c) 2014 by Cisco Systems, Inc.")},
			{Type: InfoSysName, Value: []byte("xr3")},
		}
		if m.Header != (CommonHeader{Version: 3, Length: 108, Type: MsgInitiation}) || !reflect.DeepEqual(m.Initiation.TLVs, want) {
			t.Fatalf("%+v %+v", m.Header, m.Initiation.TLVs)
		}
	})
	t.Run("peer down lacking notification", func(t *testing.T) {
		m, _ := decodeVector(t, dir+"bmp_message_rs__peer_down_lacking_notification.bin")
		p := m.Peer
		if p.Type != 0 || !p.IsIPv6() || p.Address != netip.MustParseAddr("2001:db8::1") || p.AS != 65536 ||
			p.BGPID != [4]byte{172, 17, 17, 10} || p.TimestampSec != 0x622f0640 || p.TimestampUsec != 552114 {
			t.Fatalf("peer %+v", p)
		}
		if m.PeerDown.Reason != PeerDownLocalNotification || m.PeerDown.Notification != nil || len(m.PeerDown.Data) != 0 {
			t.Fatalf("peer down %+v", m.PeerDown)
		}
	})
	t.Run("peer down notification", func(t *testing.T) {
		m, b := decodeVector(t, dir+"bmp_message_rs__peer_down_notification.bin")
		pd := m.PeerDown
		if pd.Reason != PeerDownRemoteNotification || len(pd.Notification) != 21 || !bytes.Equal(pd.Notification, b[49:]) ||
			pd.Notification[18] != 3 || pd.Notification[19] != 6 || pd.Notification[20] != 2 {
			t.Fatalf("peer down %+v", pd)
		}
		if m.Peer.BGPID != [4]byte{10, 0, 0, 10} {
			t.Fatalf("peer %+v", m.Peer)
		}
	})
	t.Run("peer up", func(t *testing.T) {
		m, b := decodeVector(t, dir+"bmp_message_rs__peer_up_notification.bin")
		p, pu := m.Peer, m.PeerUp
		if p.Address != netip.MustParseAddr("10.255.0.101") || p.AS != 64496 || p.BGPID != [4]byte{10, 10, 10, 1} ||
			p.Time().Format("2006-01-02") != "2014-12-30" {
			t.Fatalf("peer %+v", p)
		}
		if pu.LocalAddress != netip.MustParseAddr("10.255.0.83") || pu.LocalPort != 36974 || pu.RemotePort != 179 ||
			len(pu.SentOpen) != 59 || len(pu.ReceivedOpen) != 59 || len(pu.Info) != 0 {
			t.Fatalf("peer up %+v", pu)
		}
		if !bytes.Equal(pu.SentOpen, b[68:127]) || !bytes.Equal(pu.ReceivedOpen, b[127:]) || pu.SentOpen[18] != 1 || pu.ReceivedOpen[18] != 1 {
			t.Fatal("OPENs")
		}
	})
	t.Run("route monitoring", func(t *testing.T) {
		m, b := decodeVector(t, dir+"bmp_message_rs__route_monitoring.bin")
		if m.Peer.Address != netip.MustParseAddr("10.255.0.101") || m.Peer.AS != 65536 || len(m.RouteMonitoring.Update) != 55 ||
			!bytes.Equal(m.RouteMonitoring.Update, b[48:]) || m.RouteMonitoring.Update[18] != 2 {
			t.Fatalf("rm %+v", m.RouteMonitoring)
		}
	})
	t.Run("statistics", func(t *testing.T) {
		m, _ := decodeVector(t, dir+"bmp_message_rs__statistics_report.bin")
		type sv struct {
			typ, afi uint16
			safi     uint8
			v        uint64
		}
		want := []sv{{0, 0, 0, 176}, {1, 0, 0, 1246}, {2, 0, 0, 0}, {3, 0, 0, 0}, {4, 0, 0, 10}, {5, 0, 0, 0}, {6, 0, 0, 0},
			{7, 0, 0, 37}, {8, 0, 0, 28}, {14, 0, 0, 139540}, {15, 0, 0, 139540}, {16, 2, 1, 139540}, {17, 2, 1, 139540}}
		var got []sv
		for _, s := range m.Stats.Stats {
			if !s.Known || s.PerAFI != (s.Type == 16 || s.Type == 17) {
				t.Errorf("stat %+v", s)
			}
			got = append(got, sv{s.Type, s.AFI, s.SAFI, s.Value})
		}
		if m.Stats.Count != 13 || !reflect.DeepEqual(got, want) {
			t.Fatalf("count %d stats %v", m.Stats.Count, got)
		}
		if m.Peer.Address != netip.MustParseAddr("2001:db8::1") || m.Peer.Time().Format("2006-01-02") != "2022-04-08" {
			t.Fatalf("peer %+v", m.Peer)
		}
	})
}

func TestVectorBgpkit(t *testing.T) {
	const dir = "public/bgpkit_bgpkit-parser/"
	t.Run("peer down", func(t *testing.T) {
		m, _ := decodeVector(t, dir+"bmp_raw__test_peer_down_notification.bin")
		if m.Peer.Address != netip.MustParseAddr("63.218.6.14") || m.Peer.AS != 3491 || m.Peer.TimestampSec != 0x61523c36 {
			t.Fatalf("peer %+v", m.Peer)
		}
		if pd := m.PeerDown; pd.Reason != PeerDownLocalNoNotification || !pd.HasFSMEvent || pd.FSMEvent != 0 {
			t.Fatalf("peer down %+v", pd)
		}
	})
	t.Run("route monitoring", func(t *testing.T) {
		m, b := decodeVector(t, dir+"bmp_raw__test_route_monitoring.bin")
		p := m.Peer
		if p.Flags != 0xc0 || !p.IsIPv6() || !p.IsPostPolicy() || p.Address != netip.MustParseAddr("2001:7f8:4::1aae:4") ||
			p.AS != 6830 || p.BGPID != [4]byte{84, 116, 128, 14} {
			t.Fatalf("peer %+v", p)
		}
		if len(m.RouteMonitoring.Update) != 128 || !bytes.Equal(m.RouteMonitoring.Update, b[48:]) {
			t.Fatalf("update %d bytes", len(m.RouteMonitoring.Update))
		}
	})
}

func TestVectorGoBGPStats(t *testing.T) {
	m, _ := decodeVector(t, "public/osrg_gobgp/bmp_test_go__Test_RouteMonitoringUnknownType.bin")
	if m.Peer.Address != netip.MustParseAddr("2001:470:0:1a::1") || m.Peer.AS != 6939 || m.Peer.BGPID != [4]byte{216, 218, 252, 164} {
		t.Fatalf("peer %+v", m.Peer)
	}
	type sv struct {
		typ   uint16
		known bool
		v     uint64
		raw   int
	}
	want := []sv{{0, true, 0, 4}, {1, true, 0, 4}, {2, true, 0, 4}, {3, true, 0, 4}, {4, true, 0, 4}, {5, true, 0, 4}, {6, true, 0, 4},
		{7, true, 76725, 8}, {8, true, 76725, 8},
		{32767, false, 0, 8}, {32768, false, 0, 8}, {32769, false, 0, 8}, {32770, false, 0, 8}, {32771, false, 0, 8},
		{32772, false, 0, 8}, {32773, false, 0, 8}, {32774, false, 0, 8}}
	var got []sv
	for _, s := range m.Stats.Stats {
		got = append(got, sv{s.Type, s.Known, s.Value, len(s.Raw)})
	}
	if m.Stats.Count != 17 || !reflect.DeepEqual(got, want) {
		t.Fatalf("count %d stats %v", m.Stats.Count, got)
	}
	if u := m.Stats.Stats[16].Raw; uintN(u) != 1440 {
		t.Fatalf("last raw %x", u)
	}
}

// walkStream runs Reader+Decode over a whole stream and returns per-type counts; it
// fails the test on any decode error.
func walkStream(t *testing.T, name string, stream []byte, visit func(*Message)) (map[uint8]int, error) {
	t.Helper()
	r := NewReader(bytes.NewReader(stream), 0)
	counts := map[uint8]int{}
	var m Message
	for {
		_, b, err := r.Next()
		if err == io.EOF {
			return counts, nil
		}
		if err != nil {
			return counts, err
		}
		if err := m.Decode(b); err != nil {
			t.Fatalf("%s: message %d: %v", name, len(counts), err)
		}
		counts[m.Header.Type]++
		if visit != nil {
			visit(&m)
		}
	}
}

func TestLabStreams(t *testing.T) {
	dir := testutil.TestdataDir(t)
	tests := []struct {
		file      string
		want      map[uint8]int
		reasons   map[uint8]int
		initTLVs  []InfoTLV
		unknownSt map[uint16]int
	}{
		{"frr84-mixed.bmp", map[uint8]int{MsgInitiation: 1, MsgPeerUp: 1, MsgRouteMonitoring: 5760, MsgStatisticsReport: 9, MsgPeerDown: 3},
			map[uint8]int{2: 1, 3: 2}, []InfoTLV{{Type: 1, Value: []byte("FRRouting 8.4.4")}, {Type: 2, Value: []byte("frr-dut")}},
			map[uint16]int{65531: 9}},
		{"frr84-mirror-small.bmp", map[uint8]int{MsgInitiation: 1, MsgPeerUp: 1, MsgRouteMonitoring: 524, MsgStatisticsReport: 7, MsgPeerDown: 3, MsgRouteMirroring: 244},
			map[uint8]int{2: 1, 3: 2}, []InfoTLV{{Type: 1, Value: []byte("FRRouting 8.4.4")}, {Type: 2, Value: []byte("frr-dut")}},
			map[uint16]int{65531: 7}},
		{"gobgp310deb-mixed.bmp", map[uint8]int{MsgInitiation: 1, MsgPeerUp: 1, MsgRouteMonitoring: 13488, MsgStatisticsReport: 1, MsgPeerDown: 1, MsgTermination: 1},
			map[uint8]int{3: 1}, []InfoTLV{{Type: 2, Value: []byte("gobgp-dut")}, {Type: 1, Value: []byte("GoBGP BMP test speaker")}},
			map[uint16]int{}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			stream, err := os.ReadFile(filepath.Join(dir, "lab", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			reasons, unknown := map[uint8]int{}, map[uint16]int{}
			var initTLVs []InfoTLV
			mirrorBGP, termSeen := 0, false
			counts, err := walkStream(t, tc.file, stream, func(m *Message) {
				switch m.Header.Type {
				case MsgPeerDown:
					reasons[m.PeerDown.Reason]++
					if (m.PeerDown.Reason == 1 || m.PeerDown.Reason == 3) && (m.PeerDown.Notification == nil || m.PeerDown.Notification[18] != 3) {
						t.Errorf("peer down without NOTIFICATION: %+v", m.PeerDown)
					}
				case MsgStatisticsReport:
					for _, s := range m.Stats.Stats {
						if !s.Known {
							unknown[s.Type]++
						}
					}
				case MsgInitiation:
					for _, x := range m.Initiation.TLVs { // copy: values alias the Reader's buffer
						initTLVs = append(initTLVs, InfoTLV{Type: x.Type, Value: bytes.Clone(x.Value)})
					}
				case MsgRouteMirroring:
					for _, x := range m.Mirroring.TLVs {
						if x.Type == MirrorBGPMessage && len(x.Value) >= 19 {
							mirrorBGP++
						}
					}
				case MsgTermination:
					termSeen = len(m.Termination.TLVs) > 0
				case MsgRouteMonitoring:
					if len(m.RouteMonitoring.Update) < 23 || m.RouteMonitoring.Update[18] != 2 {
						t.Errorf("bad UPDATE %x", m.RouteMonitoring.Update)
					}
				}
			})
			if err != nil {
				t.Fatalf("stream error: %v", err)
			}
			if !reflect.DeepEqual(counts, tc.want) {
				t.Errorf("counts %v, want %v", counts, tc.want)
			}
			if !reflect.DeepEqual(reasons, tc.reasons) {
				t.Errorf("peer down reasons %v, want %v", reasons, tc.reasons)
			}
			if !reflect.DeepEqual(unknown, tc.unknownSt) {
				t.Errorf("unknown stats %v, want %v", unknown, tc.unknownSt)
			}
			if !reflect.DeepEqual(initTLVs, tc.initTLVs) {
				t.Errorf("initiation TLVs %+v, want %+v", initTLVs, tc.initTLVs)
			}
			if tc.want[MsgRouteMirroring] > 0 && mirrorBGP == 0 {
				t.Error("no mirrored BGP message")
			}
			if tc.want[MsgTermination] > 0 && !termSeen {
				t.Error("termination without TLVs")
			}
			// The framing agrees with the independent splitter.
			msgs, rest := testutil.SplitBMP(stream)
			total := 0
			for _, n := range counts {
				total += n
			}
			if len(msgs) != total || len(rest) != 0 {
				t.Errorf("SplitBMP: %d messages, %d rest; Reader: %d", len(msgs), len(rest), total)
			}
		})
	}
}

// TestPublicCaptures walks the TCP payloads of public pcaps (BMPv3 and BMPv4) through
// Reader+Decode: per-type counts from PROVENANCE.md, no decode error, and the expected
// torn final message where the capture cuts one.
func TestPublicCaptures(t *testing.T) {
	dir := testutil.TestdataDir(t)
	tests := []struct {
		file string
		port uint16
		want map[uint8]int
		torn *TornError
	}{
		{"NetGauze_NetGauze/bmp__path-status__ipv4_unicast_path_marking.pcap", 10000, map[uint8]int{0: 3, 2: 1, 3: 1}, nil},
		{"NetGauze_NetGauze/bmp__stateless-with-add-path__ipv4_unicast_all.pcap", 10000, map[uint8]int{0: 21, 3: 9}, nil},
		{"NetGauze_NetGauze/bmp__vpnv4-stateless-with-withdraw__vpnv4-stateless-with-withdraw.pcap", 10000, map[uint8]int{0: 15}, nil},
		{"NetGauze_NetGauze/bmp__peers-with-different-caps__example.pcap", 1790, map[uint8]int{0: 173, 3: 18, 4: 1}, nil},
		{"pmacct_pmacct/200-BMP-HUAWEI-locrib_instance__traffic-00.pcap", 1790, map[uint8]int{0: 84, 3: 18, 4: 1}, nil},
		{"pmacct_pmacct/201-BMP-CISCO-rd_instance__traffic-00.pcap", 1790, map[uint8]int{0: 251, 1: 42, 3: 42, 4: 1}, nil},
		{"pmacct_pmacct/202-BMP-CISCO-HUAWEI-multiple-sources__traffic-02.pcap", 1790, map[uint8]int{0: 53, 3: 12, 4: 1},
			&TornError{Type: 0, Declared: 185, Got: 156}},
		{"pmacct_pmacct/205-BMP-6wind-FRR-peer_down__traffic-00.pcap", 1790, map[uint8]int{0: 451, 1: 48, 2: 2, 3: 7, 4: 1}, nil},
		{"network-analytics_traffic-reproducer/pcaps__bmp-traffic.pcap", 1790, map[uint8]int{0: 84, 3: 18, 4: 1, 100: 4},
			&TornError{Type: 100, Declared: 765, Got: 211}},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			streams, err := tcpPayload(filepath.Join(dir, "public", tc.file), tc.port)
			if err != nil {
				t.Fatal(err)
			}
			if len(streams) != 1 {
				t.Fatalf("%d TCP streams", len(streams))
			}
			for _, s := range streams {
				counts, err := walkStream(t, tc.file, s, nil)
				if tc.torn != nil {
					var te *TornError
					if !errors.As(err, &te) || *te != *tc.torn {
						t.Fatalf("end: %v, want %+v", err, *tc.torn)
					}
				} else if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(counts, tc.want) {
					t.Fatalf("counts %v, want %v", counts, tc.want)
				}
			}
		})
	}
}

func TestBMPv4PathMarkingCapture(t *testing.T) {
	streams, err := tcpPayload(filepath.Join(testutil.TestdataDir(t), "public/NetGauze_NetGauze/bmp__path-status__ipv4_unicast_path_marking.pcap"), 10000)
	if err != nil {
		t.Fatal(err)
	}
	var stream []byte
	for _, s := range streams {
		stream = s
	}
	msgs, _ := testutil.SplitBMP(stream)
	if len(msgs) != 5 {
		t.Fatalf("%d messages", len(msgs))
	}
	var m Message
	global := []byte("global")
	// Peer Down reason 6 with a VRF/Table Name TLV, Loc-RIB peer with the F flag.
	if err := m.Decode(msgs[0]); err != nil || m.Header.Version != 4 || m.PeerDown.Reason != 6 ||
		!reflect.DeepEqual(m.PeerDown.TLVs, []InfoTLV{{Type: InfoVRFTableName, Value: global}}) ||
		!m.Peer.IsFiltered() || m.Peer.Address != netip.MustParseAddr("0.0.0.0") || m.Peer.AS != 100 || m.Peer.BGPID != [4]byte{2, 2, 2, 2} {
		t.Fatalf("peer down: %v %+v %+v", err, m.PeerDown, m.Peer)
	}
	if err := m.Decode(msgs[1]); err != nil || len(m.PeerUp.SentOpen) != 43 || len(m.PeerUp.ReceivedOpen) != 43 ||
		!reflect.DeepEqual(m.PeerUp.Info, []InfoTLV{{Type: InfoVRFTableName, Value: global}}) {
		t.Fatalf("peer up: %v %+v", err, m.PeerUp)
	}
	if err := m.Decode(msgs[2]); err != nil || len(m.RouteMonitoring.Update) != 61 || !reflect.DeepEqual(m.RouteMonitoring.TLVs, []InfoTLV{
		{Type: RMTLVGroup, Index: 0x8001, HasIndex: true, Value: []byte{0, 1, 0, 2}},
		{Type: RMTLVVRFTableName, HasIndex: true, Value: global},
		{Type: RMTLVPathStatus, Index: 1, HasIndex: true, Value: []byte{0, 0, 0, 0x8a}},
	}) {
		t.Fatalf("route monitoring: %v %+v", err, m.RouteMonitoring.TLVs)
	}
	if u := m.RouteMonitoring.Update; u[18] != 2 || !bytes.Equal(u[len(u)-10:], []byte{32, 111, 1, 1, 1, 32, 111, 1, 1, 2}) {
		t.Fatalf("update %x", u)
	}
}
