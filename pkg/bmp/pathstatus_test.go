package bmp

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/bmpstream/bmpstream/internal/testutil"
)

func TestDecodePathStatus(t *testing.T) {
	tests := []struct {
		name    string
		v       []byte
		want    PathStatus
		names   []string
		reason  string
		errOff  int // -1: no error
		errWhat string
	}{
		// NetGauze path-status capture, messages 3 and 4: "BEST | PRIMARY | ADD_PATH", no reason.
		{"capture", []byte{0, 0, 0, 0x8a}, PathStatus{Status: 0x8a}, []string{"best", "primary", "add_path"}, "none", -1, ""},
		{"non-selected with reason MED", []byte{0, 0, 0, 0x04, 0, 6}, PathStatus{Status: 4, Reason: 6, HasReason: true},
			[]string{"non_selected"}, "not_preferred_med", -1, ""},
		{"invalid AS loop", []byte{0, 0, 0, 0x01, 0, 1}, PathStatus{Status: 1, Reason: 1, HasReason: true},
			[]string{"invalid"}, "invalid_as_loop", -1, ""},
		{"reason 0 is no reason", []byte{0, 0, 0, 0x02, 0, 0}, PathStatus{Status: 2}, []string{"best"}, "none", -1, ""},
		{"unknown reason", []byte{0, 0, 0, 0x04, 0x12, 0x34}, PathStatus{Status: 4, Reason: 0x1234, HasReason: true},
			[]string{"non_selected"}, "unknown", -1, ""},
		{"every named bit and two unknown ones", []byte{0x80, 0, 0x1f, 0xff}, PathStatus{Status: 0x80001fff},
			[]string{"invalid", "best", "non_selected", "primary", "backup", "non_installed", "best_external", "add_path",
				"filtered_in", "filtered_out", "stale", "suppressed", "unknown_0x00001000", "unknown_0x80000000"}, "none", -1, ""},
		{"status 0", []byte{0, 0, 0, 0}, PathStatus{}, nil, "none", -1, ""},
		{"empty", nil, PathStatus{}, nil, "", 0, "path status TLV: status: need 4 bytes, have 0"},
		{"3 bytes", []byte{0, 0, 0}, PathStatus{}, nil, "", 0, "path status TLV: status: need 4 bytes, have 3"},
		{"5 bytes", []byte{0, 0, 0, 2, 0}, PathStatus{}, nil, "", 4, "path status TLV: 1 bytes after the status, want 0 or 2 (reason code)"},
		{"7 bytes", []byte{0, 0, 0, 2, 0, 1, 0}, PathStatus{}, nil, "", 4, "path status TLV: 3 bytes after the status, want 0 or 2 (reason code)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodePathStatus(tc.v)
			if tc.errOff >= 0 {
				var be *Error
				if !errors.As(err, &be) || be.Offset != tc.errOff || be.What != tc.errWhat {
					t.Fatalf("err %v, want offset %d %q", err, tc.errOff, tc.errWhat)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
			if names := got.AppendNames(nil); !reflect.DeepEqual(names, tc.names) {
				t.Fatalf("names %q, want %q", names, tc.names)
			}
			if r := PathStatusReasonName(got.Reason); r != tc.reason {
				t.Fatalf("reason %q, want %q", r, tc.reason)
			}
		})
	}
}

func TestPathStatusNames(t *testing.T) {
	bits := map[uint32]string{PathStatusInvalid: "invalid", PathStatusBest: "best", PathStatusNonSelected: "non_selected",
		PathStatusPrimary: "primary", PathStatusBackup: "backup", PathStatusNonInstalled: "non_installed",
		PathStatusBestExternal: "best_external", PathStatusAddPath: "add_path", PathStatusFilteredIn: "filtered_in",
		PathStatusFilteredOut: "filtered_out", PathStatusStale: "stale", PathStatusSuppressed: "suppressed", 0x4000: "unknown_0x00004000"}
	for bit, want := range bits {
		if got := PathStatusBitName(bit); got != want {
			t.Errorf("bit %#x: %q, want %q", bit, got, want)
		}
	}
	reasons := map[uint16]string{PathReasonInvalidASLoop: "invalid_as_loop", PathReasonInvalidUnresolvableNexthop: "invalid_unresolvable_nexthop",
		PathReasonNotPreferredLocalPref: "not_preferred_local_pref", PathReasonNotPreferredASPathLength: "not_preferred_as_path_length",
		PathReasonNotPreferredOrigin: "not_preferred_origin", PathReasonNotPreferredMED: "not_preferred_med",
		PathReasonNotPreferredPeerType: "not_preferred_peer_type", PathReasonNotPreferredIGPCost: "not_preferred_igp_cost",
		PathReasonNotPreferredRouterID: "not_preferred_router_id", PathReasonNotPreferredPeerAddress: "not_preferred_peer_address",
		PathReasonNotPreferredAIGP: "not_preferred_aigp", 0: "none", 12: "unknown", 0xffff: "unknown"}
	for code, want := range reasons {
		if got := PathStatusReasonName(code); got != want {
			t.Errorf("reason %d: %q, want %q", code, got, want)
		}
	}
}

func TestDecodeGroup(t *testing.T) {
	tests := []struct {
		name    string
		tlv     InfoTLV
		members []uint16
		errOff  int
		errWhat string
	}{
		// NetGauze path-status capture, message 3: group 0x8001 = NLRI 1 and 2.
		{"capture", InfoTLV{Type: RMTLVGroup, Index: 0x8001, HasIndex: true, Value: []byte{0, 1, 0, 2}}, []uint16{1, 2}, -1, ""},
		// draft-ietf-grow-bmp-tlv-20 appendix: NLRI 1, 2, 3 and 10.
		{"draft example", InfoTLV{Index: 0x8001, Value: []byte{0, 1, 0, 2, 0, 3, 0, 10}}, []uint16{1, 2, 3, 10}, -1, ""},
		{"one member", InfoTLV{Index: 0xffff, Value: []byte{0x7f, 0xff}}, []uint16{0x7fff}, -1, ""},
		{"no G-bit", InfoTLV{Index: 0x0001, Value: []byte{0, 1, 0, 2}}, nil, 0, "group TLV: index 0x0001 lacks the G-bit"},
		{"empty", InfoTLV{Index: 0x8001}, nil, 0, "group TLV: NLRI index: need 2 bytes, have 0"},
		{"odd length", InfoTLV{Index: 0x8001, Value: []byte{0, 1, 0}}, nil, 2, "group TLV: 3-byte value is not a list of 2-byte NLRI indexes"},
		{"member 0", InfoTLV{Index: 0x8002, Value: []byte{0, 1, 0, 0}}, nil, 2, "group TLV 0x8002: NLRI index 0"},
		{"member is a group", InfoTLV{Index: 0x8002, Value: []byte{0x80, 1}}, nil, 0, "group TLV 0x8002: member 0x8001 is a Group Index"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, err := DecodeGroup(tc.tlv)
			if tc.errOff >= 0 {
				var be *Error
				if !errors.As(err, &be) || be.Offset != tc.errOff || be.What != tc.errWhat {
					t.Fatalf("err %v, want offset %d %q", err, tc.errOff, tc.errWhat)
				}
				return
			}
			if err != nil || g.Index != tc.tlv.Index || g.Len() != len(tc.members) || !reflect.DeepEqual(g.AppendMembers(nil), tc.members) {
				t.Fatalf("got %+v %v %v", g, g.AppendMembers(nil), err)
			}
			for _, m := range tc.members {
				if !g.Contains(m) {
					t.Fatalf("Contains(%d) false", m)
				}
			}
			if g.Contains(0) || g.Contains(4) {
				t.Fatal("Contains of a non-member")
			}
		})
	}
}

func TestStatelessParsing(t *testing.T) {
	tests := []struct {
		name    string
		vs      [][]byte
		want    StatelessParsing
		errOff  int
		errWhat string
	}{
		// NetGauze vpnv4-stateless capture: ADD-PATH VPNv4 (1/128) send/receive.
		{"capture vpnv4", [][]byte{{69, 4, 0, 1, 128, 3}}, StatelessParsing{
			AddPath: []StatelessAddPath{{1, 128, 3}}, Caps: []StatelessCapability{{69, []byte{0, 1, 128, 3}}}}, -1, ""},
		// NetGauze stateless-with-add-path capture: ADD-PATH IPv4 unicast receive.
		{"capture ipv4 receive", [][]byte{{69, 4, 0, 1, 1, 1}}, StatelessParsing{
			AddPath: []StatelessAddPath{{1, 1, 1}}, Caps: []StatelessCapability{{69, []byte{0, 1, 1, 1}}}}, -1, ""},
		{"AS4, two families, labels, unknown capability, in three TLVs", [][]byte{
			{65, 4, 0, 0, 0xfd, 0xe8},
			{69, 8, 0, 2, 1, 2, 0, 1, 4, 3},
			{8, 4, 0, 1, 4, 3, 2, 0},
		}, StatelessParsing{AS4: true, AS4Number: 65000,
			AddPath:        []StatelessAddPath{{2, 1, 2}, {1, 4, 3}},
			MultipleLabels: []StatelessMultiLabel{{1, 4, 3}},
			Caps: []StatelessCapability{{65, []byte{0, 0, 0xfd, 0xe8}}, {69, []byte{0, 2, 1, 2, 0, 1, 4, 3}},
				{8, []byte{0, 1, 4, 3}}, {2, []byte{}}}}, -1, ""},
		{"empty", [][]byte{nil}, StatelessParsing{}, 0, "stateless parsing TLV: capability header: need 2 bytes, have 0"},
		{"header cut", [][]byte{{69}}, StatelessParsing{}, 0, "stateless parsing TLV: capability header: need 2 bytes, have 1"},
		{"length overruns", [][]byte{{69, 5, 0, 1, 1, 1}}, StatelessParsing{}, 1, "stateless parsing TLV: capability 69: length 5 overruns the 4 bytes left"},
		{"ADD-PATH 3 bytes", [][]byte{{69, 3, 0, 1, 1}}, StatelessParsing{}, 2, "stateless parsing TLV: ADD-PATH capability of 3 bytes, want a multiple of 4"},
		{"ADD-PATH mode 4", [][]byte{{69, 4, 0, 1, 1, 4}}, StatelessParsing{}, 5, "stateless parsing TLV: ADD-PATH send/receive 4 for 1/1, want 1, 2 or 3"},
		{"AS4 2 bytes", [][]byte{{65, 2, 0, 1}}, StatelessParsing{}, 2, "stateless parsing TLV: 4-octet AS capability of 2 bytes, want 4"},
		{"labels 0 bytes", [][]byte{{8, 0}}, StatelessParsing{}, 2, "stateless parsing TLV: multiple labels capability of 0 bytes, want a multiple of 4"},
		{"second capability cut", [][]byte{{65, 4, 0, 0, 0, 1, 69}}, StatelessParsing{AS4: true, AS4Number: 1,
			Caps: []StatelessCapability{{65, []byte{0, 0, 0, 1}}}}, 6, "stateless parsing TLV: capability header: need 2 bytes, have 1"},
	}
	var s StatelessParsing
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s.Reset() // reused, as the session does
			var err error
			for _, v := range tc.vs {
				if err = s.Add(v); err != nil {
					break
				}
			}
			if tc.errOff >= 0 {
				var be *Error
				if !errors.As(err, &be) || be.Offset != tc.errOff || be.What != tc.errWhat {
					t.Fatalf("err %v, want offset %d %q", err, tc.errOff, tc.errWhat)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			got := s
			norm := func(p *StatelessParsing) {
				if len(p.AddPath) == 0 {
					p.AddPath = nil
				}
				if len(p.MultipleLabels) == 0 {
					p.MultipleLabels = nil
				}
				if len(p.Caps) == 0 {
					p.Caps = nil
				}
			}
			want := tc.want
			norm(&got)
			norm(&want)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		})
	}
	s.Reset()
	if err := s.Add([]byte{69, 8, 0, 1, 1, 1, 0, 1, 1, 2}); err != nil {
		t.Fatal(err)
	}
	if m, ok := s.AddPathMode(1, 1); !ok || m != 1 { // the first entry counts
		t.Fatalf("mode %d %t", m, ok)
	}
	if _, ok := s.AddPathMode(2, 1); ok {
		t.Fatal("mode for an absent family")
	}
}

func TestEnterpriseTLV(t *testing.T) {
	pen, v, ok := InfoTLV{Type: 0x8005, Value: []byte{0, 0, 0x0b, 0x6d, 1, 2}}.Enterprise()
	if !ok || pen != 2925 || !reflect.DeepEqual(v, []byte{1, 2}) {
		t.Fatalf("%d %x %t", pen, v, ok)
	}
	for _, tlv := range []InfoTLV{{Type: 5, Value: []byte{0, 0, 0, 1}}, {Type: 0x8005, Value: []byte{0, 0, 1}}} {
		if _, _, ok := tlv.Enterprise(); ok {
			t.Fatalf("%+v taken as enterprise-specific", tlv)
		}
	}
}

func TestRMTLVCodes(t *testing.T) {
	c := CapturedRMTLVCodes()
	want := map[uint16]RMTLVKind{0: RMTLVOther, 1: RMTLVKindStatelessParsing, 2: RMTLVKindGroup, 3: RMTLVKindVRFTableName,
		4: RMTLVKindBGPMessage, 5: RMTLVKindPathStatus, 6: RMTLVOther, 0x8002: RMTLVOther}
	for typ, k := range want {
		if got := c.Kind(typ); got != k {
			t.Errorf("captured codes: type %d is %d, want %d", typ, got, k)
		}
	}
	d := Draft20RMTLVCodes()
	want = map[uint16]RMTLVKind{0: RMTLVOther, 1: RMTLVOther, 4: RMTLVKindGroup, 5: RMTLVKindVRFTableName,
		6: RMTLVKindStatelessParsing, 7: RMTLVKindBGPMessage}
	for typ, k := range want {
		if got := d.Kind(typ); got != k {
			t.Errorf("draft-20 codes: type %d is %d, want %d", typ, got, k)
		}
	}
	if c.IsZero() || !(RMTLVCodes{}).IsZero() {
		t.Fatal("IsZero")
	}
}

// FuzzRMTLVValues runs the BMPv4 TLV value decoders on arbitrary bytes: no panic, and
// what they accept is consistent.
func FuzzRMTLVValues(f *testing.F) {
	f.Add(uint16(0x8001), []byte{0, 1, 0, 2})
	f.Add(uint16(1), []byte{0, 0, 0, 0x8a})
	f.Add(uint16(0), []byte{69, 4, 0, 1, 128, 3})
	f.Add(uint16(0), []byte{65, 4, 0, 0, 0, 1, 8, 4, 0, 1, 4, 3})
	f.Add(uint16(0), []byte{0, 0, 0, 4, 0, 6})
	var s StatelessParsing
	f.Fuzz(func(t *testing.T, index uint16, v []byte) {
		if ps, err := DecodePathStatus(v); err == nil {
			if len(v) != 4 && len(v) != 6 {
				t.Fatalf("accepted a %d-byte path status", len(v))
			}
			_ = ps.AppendNames(nil)
			_ = PathStatusReasonName(ps.Reason)
		}
		if g, err := DecodeGroup(InfoTLV{Index: index, Value: v}); err == nil {
			if g.Len() == 0 || g.Len()*2 != len(v) {
				t.Fatalf("group of %d members from %d bytes", g.Len(), len(v))
			}
			for i := 0; i < g.Len(); i++ {
				if m := g.Member(i); m == 0 || m&TLVIndexGroupBit != 0 || !g.Contains(m) {
					t.Fatalf("member %d: %#x", i, m)
				}
			}
		}
		s.Reset()
		if err := s.Add(v); err == nil {
			n := 0
			for _, c := range s.Caps {
				n += 2 + len(c.Value)
			}
			if n != len(v) {
				t.Fatalf("capabilities cover %d of %d bytes", n, len(v))
			}
		}
		_, _, _ = InfoTLV{Type: index, Value: v}.Enterprise()
	})
}

// TestV4TLVsInCaptures decodes every Route Monitoring TLV of the public BMPv4 captures
// with the captured code points.
func TestV4TLVsInCaptures(t *testing.T) {
	dir := filepath.Join(testutil.TestdataDir(t), "public", "NetGauze_NetGauze")
	type tally struct {
		kinds    map[RMTLVKind]int
		status   map[uint32]int
		groups   [][]uint16
		addPath  map[StatelessAddPath]int
		vrfNames map[string]int
	}
	tests := []struct {
		file string
		want tally
	}{
		{"bmp__path-status__ipv4_unicast_path_marking.pcap", tally{
			kinds:    map[RMTLVKind]int{RMTLVKindGroup: 1, RMTLVKindVRFTableName: 3, RMTLVKindPathStatus: 2},
			status:   map[uint32]int{PathStatusBest | PathStatusPrimary | PathStatusAddPath: 2},
			groups:   [][]uint16{{1, 2}},
			addPath:  map[StatelessAddPath]int{},
			vrfNames: map[string]int{"global": 3},
		}},
		{"bmp__stateless-with-add-path__ipv4_unicast_all.pcap", tally{
			kinds:    map[RMTLVKind]int{RMTLVKindStatelessParsing: 10, RMTLVKindVRFTableName: 21},
			status:   map[uint32]int{},
			addPath:  map[StatelessAddPath]int{{1, 1, 1}: 4, {1, 1, 2}: 6},
			vrfNames: map[string]int{"global": 21},
		}},
		{"bmp__vpnv4-stateless-with-withdraw__vpnv4-stateless-with-withdraw.pcap", tally{
			// The Loc-RIB message (the 15th) has none: its NLRI carry no path identifier.
			kinds:    map[RMTLVKind]int{RMTLVKindStatelessParsing: 14, RMTLVKindVRFTableName: 15},
			status:   map[uint32]int{},
			addPath:  map[StatelessAddPath]int{{1, 128, 3}: 14},
			vrfNames: map[string]int{"global": 15},
		}},
	}
	codes := CapturedRMTLVCodes()
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			streams, err := tcpPayload(filepath.Join(dir, tc.file), 10000)
			if err != nil || len(streams) != 1 {
				t.Fatalf("%d streams, %v", len(streams), err)
			}
			got := tally{kinds: map[RMTLVKind]int{}, status: map[uint32]int{}, addPath: map[StatelessAddPath]int{}, vrfNames: map[string]int{}}
			var m Message
			var sp StatelessParsing
			for _, s := range streams {
				msgs, _ := testutil.SplitBMP(s)
				for _, b := range msgs {
					if err := m.Decode(b); err != nil {
						t.Fatal(err)
					}
					if m.Header.Type != MsgRouteMonitoring {
						continue
					}
					for _, tlv := range m.RouteMonitoring.TLVs {
						k := codes.Kind(tlv.Type)
						got.kinds[k]++
						switch k {
						case RMTLVKindPathStatus:
							ps, err := DecodePathStatus(tlv.Value)
							if err != nil || tlv.Index != 1 {
								t.Fatalf("path status %+v: %v", tlv, err)
							}
							got.status[ps.Status]++
						case RMTLVKindGroup:
							g, err := DecodeGroup(tlv)
							if err != nil {
								t.Fatal(err)
							}
							got.groups = append(got.groups, g.AppendMembers(nil))
						case RMTLVKindStatelessParsing:
							sp.Reset()
							if err := sp.Add(tlv.Value); err != nil || tlv.Index != 0 {
								t.Fatalf("stateless parsing %+v: %v", tlv, err)
							}
							for _, e := range sp.AddPath {
								got.addPath[e]++
							}
						case RMTLVKindVRFTableName:
							got.vrfNames[string(tlv.Value)]++
						}
					}
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
