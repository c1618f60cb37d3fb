package bgp

import (
	"fmt"
	"testing"
)

// vplsStrings renders routes as "[id:]rd 4761 ve=… off=… size=… lb=…" or "[id:]rd 6074 pe=…".
func vplsStrings(rs []VPLSRoute) []string {
	out := []string{}
	for _, r := range rs {
		s := r.RD.String()
		if r.IsBGPAD() {
			s += fmt.Sprintf(" 6074 pe=%s", r.PEAddr)
		} else {
			s += fmt.Sprintf(" 4761 ve=%d off=%d size=%d lb=%d raw=%06x", r.VEID, r.VEBlockOffset, r.VEBlockSize, r.LabelBase, r.RawLabelBase)
		}
		if r.HasPathID {
			s = fmt.Sprintf("%d:%s", r.PathID, s)
		}
		out = append(out, s)
	}
	return out
}

// vpls4761 encodes an RFC 4761 NLRI with a label base (label value, S bit set).
func vpls4761(rd []byte, ve, off, size uint16, lb uint32) []byte {
	raw := lb<<4 | 1
	return cat(u16(17), rd, u16(ve), u16(off), u16(size), []byte{byte(raw >> 16), byte(raw >> 8), byte(raw)})
}

func TestDecodeVPLS(t *testing.T) {
	cases := []struct {
		name    string
		addPath bool
		nlri    []byte
		want    []string
		errOff  int
		errText string
	}{
		// RFC 4761 section 3.2.2: Length 17, RD, VE ID, VE Block Offset, VE Block Size,
		// Label Base. The bytes "00 11 | 00 00 00 64 00 00 00 01 | 00 02 | 00 00 | 00 0a
		// | 18 6a 11" are a VPLS NLRI as a C implementation documents it (RD 100:1, VE ID
		// 2, offset 0, size 10, label base 100001).
		{name: "RFC 4761", nlri: []byte{0, 17, 0, 0, 0, 100, 0, 0, 0, 1, 0, 2, 0, 0, 0, 10, 0x18, 0x6a, 0x11},
			want: []string{"100:1 4761 ve=2 off=0 size=10 lb=100001 raw=186a11"}},
		// RFC 6074 section 3.2.2: Length 12, RD, PE address.
		{name: "RFC 6074 BGP-AD", nlri: cat(u16(12), rdIPv4, addr("192.0.2.1")), want: []string{"192.0.2.1:7 6074 pe=192.0.2.1"}},
		{name: "both, ADD-PATH", addPath: true, nlri: cat(u32(1), vpls4761(rd65001, 7, 1, 8, 1000), u32(2), u16(12), rd65001, addr("10.0.0.1")),
			want: []string{"1:65001:100 4761 ve=7 off=1 size=8 lb=1000 raw=003e81", "2:65001:100 6074 pe=10.0.0.1"}},
		{name: "empty", nlri: []byte{}, want: []string{}},
		// Malformed.
		{name: "length 16", nlri: cat(u16(16), make([]byte, 16)), errOff: 0, errText: "length 16, want 17 (RFC 4761) or 12 (RFC 6074)"},
		{name: "length 24 (IPv6 PE) not defined", nlri: cat(u16(24), make([]byte, 24)), errOff: 0, errText: "length 24, want 17"},
		{name: "overrun", nlri: vpls4761(rd65001, 1, 1, 8, 1)[:18], errOff: 0, errText: "length 17 exceeds the 16 bytes left"},
		{name: "overrun in the second route", nlri: cat(vpls4761(rd65001, 1, 1, 8, 1), u16(12), rd65001), errOff: 19, errText: "length 12 exceeds the 8 bytes left"},
		{name: "one byte", nlri: []byte{0}, errOff: 0, errText: "need a 2-byte length, have 1 bytes"},
		{name: "truncated path identifier", addPath: true, nlri: []byte{0, 0, 0}, errOff: 0, errText: "truncated path identifier: need 4 bytes, have 3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := DecodeVPLS(c.nlri, c.addPath, nil)
			if c.errText != "" {
				wantError(t, err, c.errOff, c.errText)
				if len(got) != 0 {
					t.Errorf("routes returned with the error: %v", vplsStrings(got))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := vplsStrings(got); !eqStrings(s, c.want) {
				t.Errorf("routes %q, want %q", s, c.want)
			}
		})
	}
}

func TestLayer2Info(t *testing.T) {
	// RFC 4761 section 3.2.4: type 0x800A, encaps 19 (VPLS), flags MBZ|C|S, MTU, reserved.
	cases := []struct {
		ec        [8]byte
		ok, c, s  bool
		encap     uint8
		mtu       uint16
		wantFlags uint8
	}{
		{[8]byte{0x80, 0x0a, 19, 0x00, 0x05, 0xdc, 0, 0}, true, false, false, 19, 1500, 0},
		{[8]byte{0x80, 0x0a, 19, 0x02, 0x05, 0xdc, 0, 0}, true, true, false, 19, 1500, 2},
		{[8]byte{0x80, 0x0a, 19, 0x01, 0x23, 0x28, 0, 0}, true, false, true, 19, 9000, 1},
		{[8]byte{0x80, 0x0a, 5, 0x03, 0, 0, 0xff, 0xff}, true, true, true, 5, 0, 3},
		{[8]byte{0x00, 0x02, 0xfd, 0xe8, 0, 0, 0, 100}, false, false, false, 0, 0, 0},
	}
	for _, c := range cases {
		l, ok := ParseLayer2Info(c.ec)
		if ok != c.ok || l.ControlWord() != c.c || l.SequencedDelivery() != c.s || l.EncapType != c.encap || l.MTU != c.mtu || l.Flags != c.wantFlags {
			t.Errorf("%x: %+v %v (C %v S %v)", c.ec, l, ok, l.ControlWord(), l.SequencedDelivery())
		}
	}
}

func FuzzVPLS(f *testing.F) {
	f.Add(vpls4761(rd65001, 7, 1, 8, 1000), false)
	f.Add(cat(u32(2), u16(12), rd65001, addr("10.0.0.1")), true)
	f.Fuzz(func(t *testing.T, b []byte, addPath bool) {
		rs, err := DecodeVPLS(b, addPath, nil)
		if err != nil {
			if _, ok := err.(*Error); !ok || len(rs) != 0 {
				t.Fatalf("error %T %v with %d routes", err, err, len(rs))
			}
			return
		}
		n := 0
		for _, r := range rs {
			if r.HasPathID {
				n += 4
			}
			n += 2 + int(r.Length)
			if r.IsBGPAD() != r.PEAddr.IsValid() || r.LabelBase != r.RawLabelBase>>4 {
				t.Fatalf("route %+v", r)
			}
		}
		if n != len(b) {
			t.Fatalf("routes cover %d of %d bytes", n, len(b))
		}
	})
}
