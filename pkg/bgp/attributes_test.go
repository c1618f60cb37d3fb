package bgp

import (
	"bytes"
	"fmt"
	"net/netip"
	"slices"
	"testing"
)

// attrsOnly builds an UPDATE whose only content is the given attributes (which start at
// offset 23).
func attrsOnly(attrs ...[]byte) []byte { return updateMsg(nil, cat(attrs...), nil) }

func TestAttributes(t *testing.T) {
	as4 := &DecodeOptions{AS4: true}
	as2 := &DecodeOptions{}
	ip := netip.MustParseAddr
	tests := []struct {
		name  string
		opts  *DecodeOptions
		msg   []byte
		check func(t *testing.T, a *Attributes)
	}{
		{"ORIGIN igp", as4, attrsOnly(aOrigin(0)), func(t *testing.T, a *Attributes) {
			if !a.HasOrigin || a.Origin != 0 || OriginName(a.Origin) != "igp" {
				t.Errorf("origin %v %d", a.HasOrigin, a.Origin)
			}
		}},
		{"ORIGIN incomplete", as4, attrsOnly(aOrigin(2)), func(t *testing.T, a *Attributes) {
			if a.Origin != 2 || OriginName(a.Origin) != "incomplete" {
				t.Errorf("origin %d", a.Origin)
			}
		}},
		{"ORIGIN out of range kept", as4, attrsOnly(aOrigin(7)), func(t *testing.T, a *Attributes) {
			if a.Origin != 7 || OriginName(7) != "" {
				t.Errorf("origin %d", a.Origin)
			}
		}},
		{"NEXT_HOP", as4, attrsOnly(aNextHop("192.0.2.1")), func(t *testing.T, a *Attributes) {
			if a.NextHop != ip("192.0.2.1") {
				t.Errorf("next hop %v", a.NextHop)
			}
		}},
		{"MED 0 is present", as4, attrsOnly(aMED(0)), func(t *testing.T, a *Attributes) {
			if !a.HasMED || a.MED != 0 || a.HasLocalPref {
				t.Errorf("MED %v %d", a.HasMED, a.MED)
			}
		}},
		{"MED and LOCAL_PREF", as4, attrsOnly(aMED(4294967295), aLocalPref(200)), func(t *testing.T, a *Attributes) {
			if a.MED != 4294967295 || !a.HasLocalPref || a.LocalPref != 200 {
				t.Errorf("MED %d LP %v %d", a.MED, a.HasLocalPref, a.LocalPref)
			}
		}},
		{"ATOMIC_AGGREGATE", as4, attrsOnly(attr(0x40, AttrAtomicAggregate, nil)), func(t *testing.T, a *Attributes) {
			if !a.AtomicAggregate {
				t.Error("atomic aggregate")
			}
		}},
		{"AGGREGATOR 4-octet", as4, attrsOnly(attr(0xc0, AttrAggregator, cat(u32(4200000000), addr("192.0.2.9")))), func(t *testing.T, a *Attributes) {
			if a.Aggregator == nil || *a.Aggregator != (Aggregator{4200000000, ip("192.0.2.9")}) {
				t.Errorf("aggregator %+v", a.Aggregator)
			}
		}},
		{"AGGREGATOR 2-octet", as2, attrsOnly(attr(0xc0, AttrAggregator, cat(u16(65000), addr("192.0.2.9")))), func(t *testing.T, a *Attributes) {
			if a.Aggregator == nil || *a.Aggregator != (Aggregator{65000, ip("192.0.2.9")}) {
				t.Errorf("aggregator %+v", a.Aggregator)
			}
		}},
		{"COMMUNITIES", as4, attrsOnly(aCommunities(0xfde90000, 0xfde9029a, CommunityNoExport)), func(t *testing.T, a *Attributes) {
			if !slices.Equal(a.Communities, []uint32{0xfde90000, 0xfde9029a, CommunityNoExport}) {
				t.Errorf("communities %x", a.Communities)
			}
		}},
		{"ORIGINATOR_ID and CLUSTER_LIST", as4, attrsOnly(attr(0x80, AttrOriginatorID, addr("10.0.0.1")), attr(0x80, AttrClusterList, cat(addr("10.0.0.2"), addr("10.0.0.3")))), func(t *testing.T, a *Attributes) {
			if a.OriginatorID != ip("10.0.0.1") || !slices.Equal(a.ClusterList, []netip.Addr{ip("10.0.0.2"), ip("10.0.0.3")}) {
				t.Errorf("originator %v cluster %v", a.OriginatorID, a.ClusterList)
			}
		}},
		{"EXTENDED COMMUNITIES", as4, attrsOnly(attr(0xc0, AttrExtCommunities, []byte{0, 2, 0xfd, 0xe9, 0, 0, 0, 100, 1, 3, 192, 0, 2, 1, 0, 7})), func(t *testing.T, a *Attributes) {
			if len(a.ExtCommunities) != 2 || ExtCommunityString(a.ExtCommunities[0]) != "rt=65001:100" || ExtCommunityString(a.ExtCommunities[1]) != "ro=192.0.2.1:7" {
				t.Errorf("ext communities %x", a.ExtCommunities)
			}
		}},
		{"LARGE_COMMUNITY", as4, attrsOnly(attr(0xc0, AttrLargeCommunity, cat(u32(65001), u32(1), u32(2), u32(4200000001), u32(2), u32(0)))), func(t *testing.T, a *Attributes) {
			if !slices.Equal(a.LargeCommunities, []LargeCommunity{{65001, 1, 2}, {4200000001, 2, 0}}) || a.LargeCommunities[1].String() != "4200000001:2:0" {
				t.Errorf("large %v", a.LargeCommunities)
			}
		}},
		{"OTC", as4, attrsOnly(attr(0xc0, AttrOTC, u32(64496))), func(t *testing.T, a *Attributes) {
			if !a.HasOTC || a.OTC != 64496 {
				t.Errorf("OTC %v %d", a.HasOTC, a.OTC)
			}
		}},
		{"AS4_AGGREGATOR kept on a 4-octet session", as4, attrsOnly(attr(0xc0, AttrAS4Aggregator, cat(u32(4200000000), addr("192.0.2.9")))), func(t *testing.T, a *Attributes) {
			if a.AS4Aggregator == nil || *a.AS4Aggregator != (Aggregator{4200000000, ip("192.0.2.9")}) || a.Aggregator != nil {
				t.Errorf("AS4_AGGREGATOR %+v effective %+v", a.AS4Aggregator, a.Aggregator)
			}
		}},
		{"unknown attributes kept in order", as4, attrsOnly(attr(0xc0, AttrTunnelEncap, []byte{0, 6, 0, 0, 0, 192, 0, 2, 1}), attr(0xe0, 99, []byte{1, 2}), attr(0x80, AttrBGPLS, nil)), func(t *testing.T, a *Attributes) {
			want := []RawAttribute{{0xc0, 23, []byte{0, 6, 0, 0, 0, 192, 0, 2, 1}}, {0xe0, 99, []byte{1, 2}}, {0x80, 29, []byte{}}}
			if fmt.Sprint(a.Unknown) != fmt.Sprint(want) {
				t.Errorf("unknown %v, want %v", a.Unknown, want)
			}
		}},
		{"extended length on a short attribute", as4, attrsOnly(attr(0x50, AttrOrigin, []byte{1})), func(t *testing.T, a *Attributes) {
			if a.Origin != 1 {
				t.Errorf("origin %d", a.Origin)
			}
		}},
		{"extended length 300-byte communities", as4, attrsOnly(attr(0xc0, AttrCommunities, bytes.Repeat([]byte{0, 0, 0, 1}, 75))), func(t *testing.T, a *Attributes) {
			if len(a.Communities) != 75 || a.Communities[74] != 1 {
				t.Errorf("%d communities", len(a.Communities))
			}
		}},
		{"partial bit accepted", as4, attrsOnly(attr(0xe0, AttrCommunities, u32(1))), func(t *testing.T, a *Attributes) {
			if len(a.Communities) != 1 {
				t.Error("communities")
			}
		}},
		{"duplicate attribute: first wins, second kept raw", as4, attrsOnly(aMED(1), aLocalPref(5), aMED(2)), func(t *testing.T, a *Attributes) {
			if a.MED != 1 || len(a.Duplicates) != 1 || a.Duplicates[0].Type != AttrMED || !bytes.Equal(a.Duplicates[0].Value, u32(2)) {
				t.Errorf("MED %d duplicates %v", a.MED, a.Duplicates)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u Update
			if err := ParseUpdate(tt.msg, tt.opts, &u); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(u.Attrs.Raw, tt.msg[23:]) {
				t.Errorf("Raw %x", u.Attrs.Raw)
			}
			tt.check(t, &u.Attrs)
		})
	}
}

func TestAttributeErrors(t *testing.T) {
	as4 := &DecodeOptions{AS4: true}
	tests := []struct {
		name string
		opts *DecodeOptions
		msg  []byte
		off  int
		text string
	}{
		{"ORIGIN length 2", as4, attrsOnly(attr(0x40, AttrOrigin, []byte{0, 0})), 23, "ORIGIN: attribute length 2, expected 1"},
		{"ORIGIN length 0", as4, attrsOnly(attr(0x40, AttrOrigin, nil)), 23, "ORIGIN: attribute length 0, expected 1"},
		{"NEXT_HOP length 16", as4, attrsOnly(attr(0x40, AttrNextHop, addr("2001:db8::1"))), 23, "NEXT_HOP: attribute length 16, expected 4"},
		{"MED length 3", as4, attrsOnly(aOrigin(0), attr(0x80, AttrMED, []byte{0, 0, 1})), 27, "MULTI_EXIT_DISC: attribute length 3, expected 4"},
		{"LOCAL_PREF length 5", as4, attrsOnly(attr(0x40, AttrLocalPref, make([]byte, 5))), 23, "LOCAL_PREF: attribute length 5, expected 4"},
		{"ATOMIC_AGGREGATE with a value", as4, attrsOnly(attr(0x40, AttrAtomicAggregate, []byte{1})), 23, "ATOMIC_AGGREGATE: attribute length 1, expected 0"},
		{"AGGREGATOR 7 bytes on a 4-octet session", as4, attrsOnly(attr(0xc0, AttrAggregator, make([]byte, 7))), 23, "AGGREGATOR: attribute length 7, expected 8 (4-octet AS session)"},
		{"AGGREGATOR 5 bytes on a 2-octet session", nil, attrsOnly(attr(0xc0, AttrAggregator, make([]byte, 5))), 23, "AGGREGATOR: attribute length 5, expected 6 (2-octet AS session)"},
		{"COMMUNITIES length 6", as4, attrsOnly(attr(0xc0, AttrCommunities, make([]byte, 6))), 23, "COMMUNITIES: attribute length 6, expected a non-zero multiple of 4"},
		{"COMMUNITIES empty", as4, attrsOnly(attr(0xc0, AttrCommunities, nil)), 23, "COMMUNITIES: attribute length 0, expected a non-zero multiple of 4"},
		{"ORIGINATOR_ID length 5", as4, attrsOnly(attr(0x80, AttrOriginatorID, make([]byte, 5))), 23, "ORIGINATOR_ID: attribute length 5, expected 4"},
		{"CLUSTER_LIST length 6", as4, attrsOnly(attr(0x80, AttrClusterList, make([]byte, 6))), 23, "CLUSTER_LIST: attribute length 6, expected a non-zero multiple of 4"},
		{"EXTENDED COMMUNITIES length 12", as4, attrsOnly(attr(0xc0, AttrExtCommunities, make([]byte, 12))), 23, "EXTENDED COMMUNITIES: attribute length 12, expected a non-zero multiple of 8"},
		{"LARGE_COMMUNITY length 8", as4, attrsOnly(attr(0xc0, AttrLargeCommunity, make([]byte, 8))), 23, "LARGE_COMMUNITY: attribute length 8, expected a non-zero multiple of 12"},
		{"AS4_AGGREGATOR length 6", as4, attrsOnly(attr(0xc0, AttrAS4Aggregator, make([]byte, 6))), 23, "AS4_AGGREGATOR: attribute length 6, expected 8"},
		{"OTC length 2", as4, attrsOnly(attr(0xc0, AttrOTC, []byte{0, 1})), 23, "OTC: attribute length 2, expected 4"},
		// Flags (RFC 7606 section 3(c)).
		{"ORIGIN marked optional", as4, attrsOnly(attr(0xc0, AttrOrigin, []byte{0})), 23, "ORIGIN: attribute flags 0xc0 mark it optional transitive, expected well-known"},
		{"AS_PATH transitive bit clear", as4, attrsOnly(attr(0x00, AttrASPath, nil)), 23, "AS_PATH: attribute flags 0x00 mark it well-known with the transitive bit clear, expected well-known"},
		{"MED marked well-known", as4, attrsOnly(attr(0x40, AttrMED, u32(1))), 23, "MULTI_EXIT_DISC: attribute flags 0x40 mark it well-known, expected optional non-transitive"},
		{"COMMUNITIES non-transitive", as4, attrsOnly(attr(0x80, AttrCommunities, u32(1))), 23, "COMMUNITIES: attribute flags 0x80 mark it optional non-transitive, expected optional transitive"},
		{"MP_REACH_NLRI transitive", as4, attrsOnly(attr(0xc0, AttrMPReach, cat(u16(2), []byte{1, 0, 0}))), 23, "MP_REACH_NLRI: attribute flags 0xc0 mark it optional transitive, expected optional non-transitive"},
		// Attribute framing.
		{"attribute overruns the block", as4, attrsOnly([]byte{0x40, AttrOrigin, 5, 0}), 23, "ORIGIN: attribute length 5 exceeds the path attributes (1 bytes left)"},
		{"extended length overruns", as4, attrsOnly([]byte{0xd0, 200, 1, 0, 1, 2}), 23, "attribute type 200: attribute length 256 exceeds the path attributes (2 bytes left)"},
		{"attribute header truncated", as4, attrsOnly(aOrigin(0), []byte{0x40, AttrASPath}), 27, "path attribute header: need at least 3 bytes, have 2"},
		{"extended header truncated", as4, attrsOnly(aOrigin(0), []byte{0x50, AttrASPath, 0}), 27, "AS_PATH: extended-length attribute header needs 4 bytes, have 3"},
		{"error in a later attribute", as4, attrsOnly(aOrigin(0), aASPath(seg(ASSequence, 4, 1)), aNextHop("192.0.2.1"), attr(0x80, AttrMED, []byte{1})), 23 + 4 + 9 + 7, "MULTI_EXIT_DISC: attribute length 1, expected 4"},
		{"duplicate checked before its value", as4, attrsOnly(aOrigin(0), attr(0x40, AttrOrigin, []byte{1, 2, 3}), aMED(0)), -1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u Update
			err := ParseUpdate(tt.msg, tt.opts, &u)
			if tt.text == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			wantError(t, err, tt.off, tt.text)
		})
	}
}

func TestAttributeName(t *testing.T) {
	for typ, want := range map[uint8]string{1: "ORIGIN", 2: "AS_PATH", 4: "MULTI_EXIT_DISC", 14: "MP_REACH_NLRI", 15: "MP_UNREACH_NLRI", 16: "EXTENDED COMMUNITIES", 17: "AS4_PATH", 32: "LARGE_COMMUNITY", 35: "OTC", 40: "BGP Prefix-SID", 128: "ATTR_SET", 99: ""} {
		if got := AttributeName(typ); got != want {
			t.Errorf("AttributeName(%d) = %q, want %q", typ, got, want)
		}
	}
}
