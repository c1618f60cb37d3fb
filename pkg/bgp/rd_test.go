package bgp

import (
	"testing"
)

// vpnRD builds a route distinguisher from its type and 6 value bytes.
func vpnRD(typ uint16, v ...byte) []byte { return cat(u16(typ), v) }

func TestRDString(t *testing.T) {
	cases := []struct {
		rd   []byte
		want string
	}{
		// RFC 4364 section 4.2: type 0 = 2-byte ASN : 4-byte number.
		{vpnRD(0, 0xfd, 0xe9, 0, 0, 0, 100), "65001:100"},
		{vpnRD(0, 0, 0, 0, 0, 0, 0), "0:0"},
		{vpnRD(0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), "65535:4294967295"},
		// Type 1 = IPv4 address : 2-byte number.
		{vpnRD(1, 192, 0, 2, 1, 0, 7), "192.0.2.1:7"},
		// Type 2 = 4-byte ASN : 2-byte number.
		{vpnRD(2, 0xfa, 0x56, 0xea, 0x01, 0xff, 0xff), "4200000001:65535"},
		// Unknown types: type and value in hex.
		{vpnRD(3, 1, 2, 3, 4, 5, 0xff), "3:0102030405ff"},
		{vpnRD(0xffff, 0, 0, 0, 0, 0, 0), "65535:000000000000"},
	}
	for _, c := range cases {
		r := RD(c.rd)
		if got := r.String(); got != c.want {
			t.Errorf("RD %x: %q, want %q", c.rd, got, c.want)
		}
		if got := r.Type(); got != uint16(c.rd[0])<<8|uint16(c.rd[1]) {
			t.Errorf("RD %x: type %d", c.rd, got)
		}
	}
}

func TestRouteTargetText(t *testing.T) {
	cases := []struct {
		ec   [8]byte
		rt   bool
		want string
	}{
		{[8]byte{0x00, 0x02, 0xfd, 0xe8, 0, 0, 0, 100}, true, "65000:100"},
		{[8]byte{0x01, 0x02, 10, 0, 0, 1, 0, 5}, true, "10.0.0.1:5"},
		{[8]byte{0x02, 0x02, 0xfa, 0x56, 0xea, 0x01, 0, 9}, true, "4200000001:9"},
		// Route origin (sub-type 3) and the Layer2 Info are not route targets.
		{[8]byte{0x00, 0x03, 0xfd, 0xe8, 0, 0, 0, 100}, false, "0003fde800000064"},
		{[8]byte{0x80, 0x0a, 19, 0, 0x05, 0xdc, 0, 0}, false, "800a130005dc0000"},
		// Non-transitive type 0x40 with sub-type 2 is not a route target either.
		{[8]byte{0x40, 0x02, 0, 1, 0, 0, 0, 1}, false, "4002000100000001"},
	}
	for _, c := range cases {
		if IsRouteTarget(c.ec) != c.rt {
			t.Errorf("IsRouteTarget(%x) = %v", c.ec, !c.rt)
		}
		if got := string(AppendRouteTarget(nil, c.ec)); got != c.want {
			t.Errorf("AppendRouteTarget(%x) = %q, want %q", c.ec, got, c.want)
		}
	}
}

func TestLabelStack(t *testing.T) {
	// Two entries: label 16 (no S bit, TC 5), label 1048575 with the S bit.
	l := LabelStack{0x00, 0x01, 0x0a, 0xff, 0xff, 0xf1}
	if l.Len() != 2 || l.Raw(0) != 0x00010a || l.Value(0) != 16 || l.Value(1) != 1048575 {
		t.Fatalf("stack %x: len %d raw0 %x v0 %d v1 %d", []byte(l), l.Len(), l.Raw(0), l.Value(0), l.Value(1))
	}
	if got := l.AppendValues([]uint32{7}); len(got) != 3 || got[1] != 16 || got[2] != 1048575 {
		t.Fatalf("AppendValues: %v", got)
	}
}
