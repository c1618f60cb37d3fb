package bgp

import (
	"fmt"
	"strings"
	"testing"
)

// mvpnRoute frames a route type specific value: type, length, value.
func mvpnRoute(typ uint8, v ...[]byte) []byte {
	val := cat(v...)
	return cat([]byte{typ, byte(len(val))}, val)
}

// mvpnAddr is a multicast source/group field: length in bits and the address.
func mvpnAddr(s string) []byte {
	if s == "" {
		return []byte{0}
	}
	a := addr(s)
	return cat([]byte{byte(8 * len(a))}, a)
}

// mvpnStrings renders routes as "[id:]type rd=… orig=… as=… s=… g=… key=…".
func mvpnStrings(rs []MVPNRoute) []string {
	out := []string{}
	for _, r := range rs {
		var sb strings.Builder
		if r.HasPathID {
			fmt.Fprintf(&sb, "%d:", r.PathID)
		}
		fmt.Fprintf(&sb, "%d", r.Type)
		if r.HasRD {
			fmt.Fprintf(&sb, " rd=%s", r.RD)
		}
		if r.OriginatorIP.IsValid() {
			fmt.Fprintf(&sb, " orig=%s", r.OriginatorIP)
		}
		if r.HasSourceAS {
			fmt.Fprintf(&sb, " as=%d", r.SourceAS)
		}
		if r.HasSourceGroup {
			fmt.Fprintf(&sb, " s=%v g=%v", r.Source, r.Group)
		}
		if r.RouteKey != nil {
			fmt.Fprintf(&sb, " key=%x", r.RouteKey)
		}
		if r.Type == 0 || r.Type > 7 {
			fmt.Fprintf(&sb, " value=%x", r.Value)
		}
		out = append(out, sb.String())
	}
	return out
}

func TestDecodeMcastVPN(t *testing.T) {
	spmsi := mvpnRoute(MVPNSPMSIAD, rd65001, mvpnAddr("10.1.1.1"), mvpnAddr("232.1.1.1"), addr("192.0.2.1"))
	cases := []struct {
		name    string
		afi     uint16
		addPath bool
		nlri    []byte
		want    []string
		errOff  int
		errText string
	}{
		// RFC 6514 section 4.1 to 4.6, one route of each type.
		{name: "1 Intra-AS I-PMSI A-D", nlri: mvpnRoute(1, rd65001, addr("192.0.2.1")), want: []string{"1 rd=65001:100 orig=192.0.2.1"}},
		{name: "1 with an IPv6 originator in AFI 1 (RFC 6515)", nlri: mvpnRoute(1, rdIPv4, addr("2001:db8::1")),
			want: []string{"1 rd=192.0.2.1:7 orig=2001:db8::1"}},
		{name: "2 Inter-AS I-PMSI A-D", nlri: mvpnRoute(2, rd65001, u32(4200000001)), want: []string{"2 rd=65001:100 as=4200000001"}},
		{name: "3 S-PMSI A-D", nlri: spmsi, want: []string{"3 rd=65001:100 orig=192.0.2.1 s=10.1.1.1 g=232.1.1.1"}},
		{name: "3 S-PMSI A-D with wildcards (RFC 6625)", nlri: mvpnRoute(3, rd65001, mvpnAddr(""), mvpnAddr(""), addr("192.0.2.1")),
			want: []string{"3 rd=65001:100 orig=192.0.2.1 s=invalid IP g=invalid IP"}},
		{name: "3 IPv6 C-S/C-G", afi: AFIIPv6, nlri: mvpnRoute(3, rd65001, mvpnAddr("2001:db8::10"), mvpnAddr("ff3e::1"), addr("2001:db8::1")),
			want: []string{"3 rd=65001:100 orig=2001:db8::1 s=2001:db8::10 g=ff3e::1"}},
		{name: "4 Leaf A-D, key an S-PMSI A-D route", nlri: mvpnRoute(4, spmsi, addr("192.0.2.9")),
			want: []string{fmt.Sprintf("4 orig=192.0.2.9 key=%x", spmsi)}},
		{name: "4 Leaf A-D, unstructured key, AFI 2", afi: AFIIPv6, nlri: mvpnRoute(4, []byte{0xff, 0xff, 0xff}, addr("2001:db8::9")),
			want: []string{"4 orig=2001:db8::9 key=ffffff"}},
		{name: "5 Source Active A-D", nlri: mvpnRoute(5, rd65001, mvpnAddr("10.1.1.1"), mvpnAddr("232.1.1.1")),
			want: []string{"5 rd=65001:100 s=10.1.1.1 g=232.1.1.1"}},
		{name: "6 Shared Tree Join", nlri: mvpnRoute(6, rd65001, u32(65001), mvpnAddr("10.9.9.9"), mvpnAddr("239.1.1.1")),
			want: []string{"6 rd=65001:100 as=65001 s=10.9.9.9 g=239.1.1.1"}},
		{name: "7 Source Tree Join", nlri: mvpnRoute(7, rd65001, u32(65001), mvpnAddr("10.1.1.1"), mvpnAddr("232.1.1.1")),
			want: []string{"7 rd=65001:100 as=65001 s=10.1.1.1 g=232.1.1.1"}},
		{name: "unknown type kept raw", nlri: mvpnRoute(9, []byte{1, 2, 3}), want: []string{"9 value=010203"}},
		{name: "type 0 kept raw", nlri: mvpnRoute(0), want: []string{"0 value="}},
		{name: "two routes with ADD-PATH", addPath: true, nlri: cat(u32(7), mvpnRoute(1, rd65001, addr("192.0.2.1")), u32(8), mvpnRoute(2, rd65001, u32(1))),
			want: []string{"7:1 rd=65001:100 orig=192.0.2.1", "8:2 rd=65001:100 as=1"}},
		{name: "empty", nlri: []byte{}, want: []string{}},
		// Malformed.
		{name: "length overruns", nlri: []byte{1, 12, 0, 0}, errOff: 1, errText: "route type 1 length 12 exceeds the 2 bytes left"},
		{name: "one byte left", nlri: cat(mvpnRoute(1, rd65001, addr("192.0.2.1")), []byte{1}), errOff: 14, errText: "need 2 bytes for route type and length, have 1"},
		{name: "short RD", nlri: mvpnRoute(1, rd65001[:5]), errOff: 2, errText: "shorter than the 8-byte route distinguisher"},
		{name: "1 originator of 5 bytes", nlri: mvpnRoute(1, rd65001, []byte{1, 2, 3, 4, 5}), errOff: 10, errText: "originating router's IP address of 5 bytes"},
		{name: "2 source AS of 2 bytes", nlri: mvpnRoute(2, rd65001, []byte{0, 1}), errOff: 10, errText: "want a 4-byte source AS"},
		{name: "3 source length 24", nlri: mvpnRoute(3, rd65001, []byte{24, 10, 1, 1}, mvpnAddr("232.1.1.1"), addr("192.0.2.1")),
			errOff: 10, errText: "multicast source length 24 bits, want 0, 32 or 128"},
		{name: "3 group overrun", nlri: mvpnRoute(3, rd65001, mvpnAddr("10.1.1.1"), []byte{128, 1, 2}),
			errOff: 16, errText: "multicast group needs 16 bytes, have 2"},
		{name: "3 missing originator", nlri: mvpnRoute(3, rd65001, mvpnAddr("10.1.1.1"), mvpnAddr("232.1.1.1")),
			errOff: 20, errText: "originating router's IP address of 0 bytes"},
		{name: "5 trailing bytes", nlri: mvpnRoute(5, rd65001, mvpnAddr("10.1.1.1"), mvpnAddr("232.1.1.1"), []byte{0}),
			errOff: 20, errText: "1 bytes left after the multicast group"},
		{name: "6 truncated source AS", nlri: mvpnRoute(6, rd65001, []byte{0, 0}), errOff: 10, errText: "truncated source AS"},
		{name: "7 missing group length", nlri: mvpnRoute(7, rd65001, u32(1), mvpnAddr("10.1.1.1")), errOff: 19, errText: "missing multicast group length"},
		{name: "4 too short", nlri: mvpnRoute(4, []byte{1, 2, 3, 4}), errOff: 2, errText: "too short for a route key and a 4-byte originating router's IP address"},
		{name: "truncated path identifier", addPath: true, nlri: []byte{0}, errOff: 0, errText: "truncated path identifier"},
		{name: "path identifier alone", addPath: true, nlri: u32(1), errOff: 4, errText: "need 2 bytes for route type and length, have 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			afi := c.afi
			if afi == 0 {
				afi = AFIIPv4
			}
			got, err := DecodeMcastVPN(c.nlri, afi, c.addPath, nil)
			if c.errText != "" {
				wantError(t, err, c.errOff, c.errText)
				if len(got) != 0 {
					t.Errorf("routes returned with the error: %v", mvpnStrings(got))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := mvpnStrings(got); !eqStrings(s, c.want) {
				t.Errorf("routes %q, want %q", s, c.want)
			}
		})
	}
}

func FuzzMVPN(f *testing.F) {
	spmsi := mvpnRoute(MVPNSPMSIAD, rd65001, mvpnAddr("10.1.1.1"), mvpnAddr("232.1.1.1"), addr("192.0.2.1"))
	f.Add(cat(mvpnRoute(1, rd65001, addr("192.0.2.1")), spmsi, mvpnRoute(4, spmsi, addr("192.0.2.9"))), uint8(0))
	f.Add(cat(u32(1), mvpnRoute(7, rd65001, u32(65001), mvpnAddr("2001:db8::1"), mvpnAddr("ff3e::1"))), uint8(3))
	f.Add(mvpnRoute(4, []byte{1, 2, 3}, addr("2001:db8::9")), uint8(2))
	f.Fuzz(func(t *testing.T, b []byte, mode uint8) {
		afi := AFIIPv4
		if mode&2 != 0 {
			afi = AFIIPv6
		}
		rs, err := DecodeMcastVPN(b, afi, mode&1 != 0, nil)
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
			n += 2 + len(r.Value)
			if r.Type == MVPNLeafAD && (len(r.RouteKey) == 0 || !r.OriginatorIP.IsValid()) {
				t.Fatalf("leaf A-D without key or originator: %x", r.Value)
			}
		}
		if n != len(b) {
			t.Fatalf("routes cover %d of %d bytes", n, len(b))
		}
	})
}
