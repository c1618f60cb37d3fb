package bmp

import (
	"testing"
)

// TestRouteMonitoringV3Trailing: Huawei VRP 8.2 appends a TLV (type 0xEA62, 4 to 6 bytes
// of value) after the BGP UPDATE of BMPv3 Loc-RIB Route Monitoring messages. The UPDATE
// decodes, the bytes after it are kept, as TLVs when they parse as TLVs.
func TestRouteMonitoringV3Trailing(t *testing.T) {
	upd := update()
	locRIB := v4peer
	locRIB.typ = PeerTypeLocRIB
	ph := locRIB.bytes()
	for _, c := range []struct {
		name     string
		trailing []byte
		tlvs     []string
	}{
		{"0xEA62 with 4 bytes", tlv(0xea62, []byte{0, 0, 0, 1}), []string{"ea62:00000001"}},
		{"0xEA62 with 6 bytes", tlv(0xea62, []byte{0, 0, 0, 3, 0, 1}), []string{"ea62:000000030001"}},
		{"two TLVs", cat(tlv(0xea62, []byte{0, 0, 0, 1}), tlv(0, []byte("x"))), []string{"ea62:00000001", "0:78"}},
		{"not TLVs: 3 bytes", []byte{1, 2, 3}, nil},
		{"not TLVs: length overrun", cat(be16(0xea62), be16(9), []byte{0, 0, 0, 1}), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := msg(3, MsgRouteMonitoring, ph, upd, c.trailing)
			var m Message
			if err := m.Decode(b); err != nil {
				t.Fatalf("decode: %v", err)
			}
			rm := &m.RouteMonitoring
			if string(rm.Update) != string(upd) {
				t.Errorf("update %x, want %x", rm.Update, upd)
			}
			if string(rm.Trailing) != string(c.trailing) {
				t.Errorf("trailing %x, want %x", rm.Trailing, c.trailing)
			}
			if len(rm.TLVs) != 0 {
				t.Errorf("BMPv4 TLVs %v on a BMPv3 message", rm.TLVs)
			}
			var got []string
			for _, tl := range rm.TrailingTLVs {
				if tl.HasIndex {
					t.Errorf("trailing TLV %v has an index", tl)
				}
				got = append(got, hexTLV(tl))
			}
			if len(got) != len(c.tlvs) {
				t.Fatalf("trailing TLVs %q, want %q", got, c.tlvs)
			}
			for i := range got {
				if got[i] != c.tlvs[i] {
					t.Errorf("trailing TLV %d %q, want %q", i, got[i], c.tlvs[i])
				}
			}
			// Decoding a message without trailing bytes into the same Message clears them.
			if err := m.Decode(msg(3, MsgRouteMonitoring, ph, upd)); err != nil || m.RouteMonitoring.Trailing != nil || len(m.RouteMonitoring.TrailingTLVs) != 0 {
				t.Errorf("after a clean message: err %v trailing %x tlvs %v", err, m.RouteMonitoring.Trailing, m.RouteMonitoring.TrailingTLVs)
			}
		})
	}
}

func hexTLV(t InfoTLV) string {
	const digits = "0123456789abcdef"
	s := ""
	for v := t.Type; ; v >>= 4 {
		s = string(digits[v&15]) + s
		if v < 16 {
			break
		}
	}
	s += ":"
	for _, b := range t.Value {
		s += string(digits[b>>4]) + string(digits[b&15])
	}
	return s
}
