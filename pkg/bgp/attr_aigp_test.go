package bgp

import (
	"fmt"
	"testing"
)

func TestAIGP(t *testing.T) {
	tests := []struct {
		name   string
		v      []byte
		tlvs   string
		metric uint64
		has    bool
	}{
		// Cisco IOS XR, traffic-reproducer and pmacct captures: AIGP TLV, metric 0.
		{"metric 0 (real capture)", fromHex("01 000b 0000000000000000"), "[{1 0000000000000000}]", 0, true},
		{"metric max", cat([]byte{1, 0, 11}, u32(0xffffffff), u32(0xffffffff)), "[{1 ffffffffffffffff}]", 1<<64 - 1, true},
		{"metric after an unknown TLV, unknown kept", cat([]byte{9, 0, 5, 0xab, 0xcd}, []byte{1, 0, 11}, u32(0), u32(100)), "[{9 abcd} {1 0000000000000064}]", 100, true},
		{"only unknown TLVs", cat([]byte{2, 0, 3}, []byte{3, 0, 4, 7}), "[{2 } {3 07}]", 0, false},
		{"two metrics: the first counts", cat([]byte{1, 0, 11}, u32(0), u32(5), []byte{1, 0, 11}, u32(0), u32(6)), "[{1 0000000000000005} {1 0000000000000006}]", 5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u Update
			if err := ParseUpdate(attrsOnly(attr(0x80, AttrAIGP, tt.v)), nil, &u); err != nil {
				t.Fatal(err)
			}
			a := u.Attrs.AIGP
			if a == nil || len(u.Attrs.Unknown) != 0 {
				t.Fatalf("AIGP %v unknown %v", a, u.Attrs.Unknown)
			}
			if got := tlvHex(a.TLVs); got != tt.tlvs {
				t.Errorf("TLVs %s, want %s", got, tt.tlvs)
			}
			if m, ok := a.Metric(); m != tt.metric || ok != tt.has {
				t.Errorf("Metric() = %d, %v; want %d, %v", m, ok, tt.metric, tt.has)
			}
		})
	}
}

func tlvHex(ts []AIGPTLV) string {
	s := "["
	for i, t := range ts {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("{%d %x}", t.Type, t.Value)
	}
	return s + "]"
}

func TestAIGPMalformed(t *testing.T) {
	tests := []struct {
		name string
		v    []byte
		off  int
		text string
	}{
		{"empty", nil, 26, "empty attribute, expected at least one TLV"},
		{"short TLV header", []byte{1, 0}, 26, "TLV header needs 3 bytes, have 2"},
		{"length below the header", []byte{1, 0, 2}, 27, "TLV type 1: length 2 is less than the 3-byte header it includes"},
		{"TLV overruns", cat([]byte{1, 0, 11}, u32(0)), 27, "TLV type 1: length 11 exceeds the attribute (7 bytes left)"},
		{"AIGP TLV length 10", cat([]byte{1, 0, 10}, make([]byte, 7)), 27, "AIGP TLV: length 10, expected 11"},
		{"AIGP TLV length 12", cat([]byte{1, 0, 12}, make([]byte, 9)), 27, "AIGP TLV: length 12, expected 11"},
		{"trailing byte after a good TLV", cat([]byte{1, 0, 11}, make([]byte, 8), []byte{0}), 37, "TLV header needs 3 bytes, have 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u Update
			if err := ParseUpdate(attrsOnly(attr(0x80, AttrAIGP, tt.v), aLocalPref(9)), nil, &u); err != nil {
				t.Fatalf("UPDATE rejected: %v", err)
			}
			a := &u.Attrs
			if a.AIGP != nil || a.LocalPref != 9 || len(a.Malformed) != 1 || len(a.Unknown) != 1 || a.Unknown[0].Type != AttrAIGP {
				t.Fatalf("aigp %v malformed %v unknown %v", a.AIGP, a.Malformed, a.Unknown)
			}
			wantError(t, a.Malformed[0].Err, tt.off, "AIGP: "+tt.text)
			_, err := DecodeAIGP(tt.v, nil)
			wantError(t, err, tt.off-26, tt.text)
		})
	}
}
