package bgp

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

// vpnEntry encodes one VPN-IP NLRI: labels (raw 3-byte values), RD, prefix as written.
func vpnEntry(prefix string, rd []byte, raw ...uint32) []byte {
	p := netip.MustParsePrefix(prefix)
	a := p.Addr().AsSlice()
	b := []byte{byte(24*len(raw) + 64 + p.Bits())}
	for _, r := range raw {
		b = append(b, byte(r>>16), byte(r>>8), byte(r))
	}
	return cat(b, rd, a[:(p.Bits()+7)/8])
}

// vpnStrings renders routes as "[id:]labels rd prefix" with label values.
func vpnStrings(rs []VPNRoute) []string {
	out := []string{}
	for _, r := range rs {
		var sb strings.Builder
		if r.HasPathID {
			fmt.Fprintf(&sb, "%d:", r.PathID)
		}
		fmt.Fprintf(&sb, "%v %s %s", r.Labels.AppendValues(nil), r.RD, r.Prefix)
		out = append(out, sb.String())
	}
	return out
}

var (
	rd65001 = vpnRD(0, 0xfd, 0xe9, 0, 0, 0, 100) // 65001:100
	rdIPv4  = vpnRD(1, 192, 0, 2, 1, 0, 7)       // 192.0.2.1:7
)

func TestDecodeVPN(t *testing.T) {
	cases := []struct {
		name              string
		afi               uint16
		addPath, withdraw bool
		nlri              []byte
		want              []string
		errOff            int
		errText           string
	}{
		{name: "pmacct VPNv4 bytes: label 100, RD 65001:0, 172.16.0.0/24", afi: AFIIPv4,
			nlri: []byte{0x70, 0, 6, 0x41, 0, 0, 0xfd, 0xe9, 0, 0, 0, 0, 0xac, 0x10, 0},
			want: []string{"[100] 65001:0 172.16.0.0/24"}},
		{name: "two routes, RD types 0 and 1", afi: AFIIPv4,
			nlri: cat(vpnEntry("10.0.0.0/8", rd65001, label(16, true)), vpnEntry("192.168.1.128/25", rdIPv4, label(17, true))),
			want: []string{"[16] 65001:100 10.0.0.0/8", "[17] 192.0.2.1:7 192.168.1.128/25"}},
		{name: "label stack of two", afi: AFIIPv4,
			nlri: vpnEntry("10.1.0.0/16", rd65001, label(3000, false), label(16, true)),
			want: []string{"[3000 16] 65001:100 10.1.0.0/16"}},
		{name: "default route, prefix length 0", afi: AFIIPv4,
			nlri: vpnEntry("0.0.0.0/0", rd65001, label(16, true)), want: []string{"[16] 65001:100 0.0.0.0/0"}},
		{name: "host route /32", afi: AFIIPv4,
			nlri: vpnEntry("192.0.2.9/32", rd65001, label(16, true)), want: []string{"[16] 65001:100 192.0.2.9/32"}},
		{name: "VPNv6 (RFC 4659)", afi: AFIIPv6,
			nlri: cat(vpnEntry("2001:db8:1::/48", rd65001, label(24000, true)), vpnEntry("::/0", rd65001, label(24001, true)), vpnEntry("2001:db8::1/128", rdIPv4, label(2, true))),
			want: []string{"[24000] 65001:100 2001:db8:1::/48", "[24001] 65001:100 ::/0", "[2] 192.0.2.1:7 2001:db8::1/128"}},
		{name: "host bits cleared", afi: AFIIPv4,
			nlri: cat([]byte{24 + 64 + 20}, []byte{0, 1, 1}, rd65001, []byte{10, 1, 0xff}), want: []string{"[16] 65001:100 10.1.240.0/20"}},
		{name: "ADD-PATH", afi: AFIIPv4, addPath: true,
			nlri: cat(u32(1), vpnEntry("10.0.0.0/8", rd65001, label(16, true)), u32(2), vpnEntry("10.0.0.0/8", rd65001, label(18, true))),
			want: []string{"1:[16] 65001:100 10.0.0.0/8", "2:[18] 65001:100 10.0.0.0/8"}},
		// RFC 8277 section 2.4: a withdrawal's Compatibility field ends the stack.
		{name: "withdrawal with 0x800000", afi: AFIIPv4, withdraw: true,
			nlri: vpnEntry("10.0.0.0/8", rd65001, WithdrawLabel), want: []string{"[524288] 65001:100 10.0.0.0/8"}},
		{name: "withdrawal with 0x000000", afi: AFIIPv6, withdraw: true,
			nlri: vpnEntry("2001:db8::/32", rd65001, WithdrawLabelZero), want: []string{"[0] 65001:100 2001:db8::/32"}},
		{name: "withdrawal with the announced label", afi: AFIIPv4, withdraw: true,
			nlri: vpnEntry("10.0.0.0/8", rd65001, label(16, true)), want: []string{"[16] 65001:100 10.0.0.0/8"}},
		{name: "empty block", afi: AFIIPv4, nlri: []byte{}, want: []string{}},
		// Malformed.
		{name: "0x800000 in an announcement is not the end of the stack", afi: AFIIPv4,
			nlri: vpnEntry("10.0.0.0/8", rd65001, WithdrawLabel), errOff: 0, errText: "less than the 64-bit route distinguisher"},
		{name: "no bottom-of-stack bit", afi: AFIIPv4,
			nlri: []byte{48, 0, 1, 0, 0, 2, 0}, errOff: 0, errText: "too short for label stack entry 3 (no bottom-of-stack bit"},
		{name: "length shorter than a label", afi: AFIIPv4, nlri: []byte{16, 0, 1}, errOff: 0, errText: "too short for label stack entry 1"},
		{name: "no room for the RD", afi: AFIIPv4, nlri: cat([]byte{24 + 56}, []byte{0, 1, 1}, rd65001[:7]),
			errOff: 0, errText: "leaves 56 bits after the label stack (1 entries), less than the 64-bit route distinguisher"},
		{name: "prefix longer than 32", afi: AFIIPv4, nlri: cat([]byte{24 + 64 + 33}, []byte{0, 1, 1}, rd65001, []byte{1, 2, 3, 4, 5}),
			errOff: 0, errText: "prefix length 33 (length 121 minus 24 label bits and the route distinguisher) exceeds 32"},
		{name: "prefix longer than 128", afi: AFIIPv6, nlri: cat([]byte{255, 0, 0, 1}, make([]byte, 29)),
			errOff: 0, errText: "exceeds 128"},
		{name: "overrun", afi: AFIIPv4, nlri: vpnEntry("10.0.0.0/8", rd65001, label(16, true))[:11],
			errOff: 0, errText: "length 96 bits needs 12 bytes, 10 left"},
		{name: "overrun in the second route", afi: AFIIPv4,
			nlri: cat(vpnEntry("10.0.0.0/8", rd65001, label(16, true)), []byte{0x70, 0}), errOff: 13, errText: "length 112 bits needs 14 bytes, 1 left"},
		{name: "truncated path identifier", afi: AFIIPv4, addPath: true, nlri: []byte{0, 0, 1}, errOff: 0, errText: "truncated path identifier: need 4 bytes, have 3"},
		{name: "path identifier without length", afi: AFIIPv4, addPath: true, nlri: u32(9), errOff: 4, errText: "not followed by a length"},
		{name: "bad AFI", afi: 25, nlri: []byte{0}, errOff: 0, errText: "AFI 25 is neither"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := DecodeVPN(c.nlri, c.afi, c.addPath, c.withdraw, nil)
			if c.errText != "" {
				wantError(t, err, c.errOff, c.errText)
				if len(got) != 0 {
					t.Errorf("routes returned with the error: %v", vpnStrings(got))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := vpnStrings(got); !eqStrings(s, c.want) {
				t.Errorf("routes %q, want %q", s, c.want)
			}
		})
	}
}

// TestDecodeVPNAddPathAmbiguity: VPN NLRI with path identifiers do not parse without
// them and vice versa (what the session's fallback relies on).
func TestDecodeVPNAddPathAmbiguity(t *testing.T) {
	with := cat(u32(1), vpnEntry("10.0.0.0/8", rd65001, label(16, true)))
	if _, err := DecodeVPN(with, AFIIPv4, false, false, nil); err == nil {
		t.Error("NLRI with a path identifier parsed without ADD-PATH")
	}
	without := vpnEntry("10.0.0.0/8", rd65001, label(16, true))
	if _, err := DecodeVPN(without, AFIIPv4, true, false, nil); err == nil {
		t.Error("NLRI without a path identifier parsed with ADD-PATH")
	}
}

func TestDecodeVPNAppendsAndAliases(t *testing.T) {
	b := vpnEntry("10.0.0.0/8", rd65001, label(16, true))
	dst := make([]VPNRoute, 1, 4)
	out, err := DecodeVPN(b, AFIIPv4, false, false, dst)
	if err != nil || len(out) != 2 || &out[0] != &dst[0] {
		t.Fatalf("append: %d routes, err %v", len(out), err)
	}
	if n := testing.AllocsPerRun(100, func() { out, _ = DecodeVPN(b, AFIIPv4, false, false, out[:0]) }); n != 0 {
		t.Errorf("DecodeVPN allocates %.1f times with a big enough dst", n)
	}
	b[1] = 0x99 // the label stack aliases the input
	if out[0].Labels.Raw(0)>>16 != 0x99 {
		t.Error("labels do not alias the input")
	}
	// On error, dst comes back as given.
	out, err = DecodeVPN(cat(b, []byte{0x70}), AFIIPv4, false, false, dst[:1])
	if err == nil || len(out) != 1 {
		t.Errorf("error case: %d routes, %v", len(out), err)
	}
}

// encodeVPN is the inverse of DecodeVPN, for the fuzz round trip.
func encodeVPN(rs []VPNRoute) []byte {
	var b []byte
	for _, r := range rs {
		if r.HasPathID {
			b = append(b, u32(r.PathID)...)
		}
		a := r.Prefix.Addr().AsSlice()
		b = append(b, byte(len(r.Labels)*8+64+r.Prefix.Bits()))
		b = append(b, r.Labels...)
		b = append(b, r.RD[:]...)
		b = append(b, a[:(r.Prefix.Bits()+7)/8]...)
	}
	return b
}

// FuzzL3VPN: DecodeVPN never panics; what it accepts re-encodes into bytes that decode to
// the same routes, and consumes the whole block.
func FuzzL3VPN(f *testing.F) {
	f.Add([]byte{0x70, 0, 6, 0x41, 0, 0, 0xfd, 0xe9, 0, 0, 0, 0, 0xac, 0x10, 0}, uint8(0))
	f.Add(cat(u32(1), vpnEntry("10.1.0.0/16", rd65001, label(3000, false), label(16, true))), uint8(1))
	f.Add(vpnEntry("2001:db8::/32", rdIPv4, WithdrawLabel), uint8(6))
	f.Add(vpnEntry("::/0", rdIPv4, label(1, true)), uint8(2))
	f.Fuzz(func(t *testing.T, b []byte, mode uint8) {
		afi := AFIIPv4
		if mode&2 != 0 {
			afi = AFIIPv6
		}
		addPath, withdraw := mode&1 != 0, mode&4 != 0
		rs, err := DecodeVPN(b, afi, addPath, withdraw, nil)
		if err != nil {
			if _, ok := err.(*Error); !ok || len(rs) != 0 {
				t.Fatalf("error %T %v with %d routes", err, err, len(rs))
			}
			return
		}
		again, err := DecodeVPN(encodeVPN(rs), afi, addPath, withdraw, nil)
		if err != nil {
			t.Fatalf("re-encoded routes do not decode: %v", err)
		}
		if a, b := vpnStrings(rs), vpnStrings(again); !eqStrings(a, b) {
			t.Fatalf("round trip: %q vs %q", a, b)
		}
		for _, r := range rs {
			if r.Prefix.Masked() != r.Prefix || len(r.Labels)%3 != 0 || len(r.Labels) == 0 {
				t.Fatalf("route %v: host bits or label stack %x", r.Prefix, []byte(r.Labels))
			}
		}
		if enc := encodeVPN(rs); len(enc) != len(b) {
			t.Fatalf("decoded %d bytes into routes that encode to %d", len(b), len(enc))
		}
	})
}
