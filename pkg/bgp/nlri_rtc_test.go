package bgp

import (
	"fmt"
	"testing"
)

// rtcStrings renders routes as "[id:]len/originAS/RT(hex)".
func rtcStrings(rs []RTCRoute) []string {
	out := []string{}
	for _, r := range rs {
		s := fmt.Sprintf("%d/%d/%x", r.Length, r.OriginAS, r.RouteTarget)
		if r.HasPathID {
			s = fmt.Sprintf("%d:%s", r.PathID, s)
		}
		out = append(out, s)
	}
	return out
}

// rtRT65000 is the route target 65000:100 (two-octet AS specific, sub-type 2).
var rtRT65000 = []byte{0x00, 0x02, 0xfd, 0xe8, 0, 0, 0, 100}

func TestDecodeRTC(t *testing.T) {
	cases := []struct {
		name    string
		addPath bool
		nlri    []byte
		want    []string
		errOff  int
		errText string
	}{
		// RFC 4684 section 4: origin AS 65001, RT 65000:100, length 96.
		{name: "full route target", nlri: cat([]byte{96}, u32(65001), rtRT65000), want: []string{"96/65001/0002fde800000064"}},
		{name: "default route target (length 0)", nlri: []byte{0}, want: []string{"0/0/0000000000000000"}},
		{name: "origin AS only (length 32)", nlri: cat([]byte{32}, u32(4200000001)), want: []string{"32/4200000001/0000000000000000"}},
		{name: "route target prefix (length 64: type, sub-type and AS)", nlri: cat([]byte{64}, u32(65001), rtRT65000[:4]),
			want: []string{"64/65001/0002fde800000000"}},
		{name: "partial byte masked", nlri: cat([]byte{44}, u32(65001), []byte{0x00, 0xff}), want: []string{"44/65001/00f0000000000000"}},
		{name: "three routes", nlri: cat([]byte{0}, []byte{96}, u32(1), rtRT65000, []byte{32}, u32(2)),
			want: []string{"0/0/0000000000000000", "96/1/0002fde800000064", "32/2/0000000000000000"}},
		{name: "ADD-PATH", addPath: true, nlri: cat(u32(5), []byte{96}, u32(65001), rtRT65000, u32(6), []byte{0}),
			want: []string{"5:96/65001/0002fde800000064", "6:0/0/0000000000000000"}},
		{name: "empty", nlri: []byte{}, want: []string{}},
		// Malformed.
		{name: "partial origin AS", nlri: []byte{16, 0xfd, 0xe9}, errOff: 0, errText: "prefix length 16, want 0 or 32 to 96"},
		{name: "longer than 96", nlri: cat([]byte{97}, u32(1), rtRT65000, []byte{0}), errOff: 0, errText: "prefix length 97, want 0 or 32 to 96"},
		{name: "overrun", nlri: cat([]byte{96}, u32(65001), rtRT65000[:7]), errOff: 0, errText: "prefix length 96 needs 12 bytes, 11 left"},
		{name: "overrun in the second route", nlri: cat([]byte{0}, []byte{32, 0, 0}), errOff: 1, errText: "prefix length 32 needs 4 bytes, 2 left"},
		{name: "truncated path identifier", addPath: true, nlri: []byte{0, 0}, errOff: 0, errText: "truncated path identifier: need 4 bytes, have 2"},
		{name: "path identifier alone", addPath: true, nlri: u32(1), errOff: 4, errText: "not followed by a prefix length"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := DecodeRTC(c.nlri, c.addPath, nil)
			if c.errText != "" {
				wantError(t, err, c.errOff, c.errText)
				if len(got) != 0 {
					t.Errorf("routes returned with the error: %v", rtcStrings(got))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := rtcStrings(got); !eqStrings(s, c.want) {
				t.Errorf("routes %q, want %q", s, c.want)
			}
		})
	}
	if r := (RTCRoute{Length: 96}); !r.FullRouteTarget() {
		t.Error("length 96 is a full route target")
	}
}

// encodeRTC is the inverse of DecodeRTC.
func encodeRTC(rs []RTCRoute) []byte {
	var b []byte
	for _, r := range rs {
		if r.HasPathID {
			b = append(b, u32(r.PathID)...)
		}
		b = append(b, r.Length)
		if r.Length > 0 {
			b = append(b, u32(r.OriginAS)...)
			b = append(b, r.RouteTarget[:(int(r.Length)-32+7)/8]...)
		}
	}
	return b
}

func FuzzRTC(f *testing.F) {
	f.Add(cat([]byte{96}, u32(65001), rtRT65000), false)
	f.Add(cat(u32(5), []byte{0}, u32(6), []byte{40}, u32(1), []byte{2}), true)
	f.Fuzz(func(t *testing.T, b []byte, addPath bool) {
		rs, err := DecodeRTC(b, addPath, nil)
		if err != nil {
			if _, ok := err.(*Error); !ok || len(rs) != 0 {
				t.Fatalf("error %T %v with %d routes", err, err, len(rs))
			}
			return
		}
		enc := encodeRTC(rs)
		if len(enc) != len(b) {
			t.Fatalf("decoded %d bytes into routes that encode to %d", len(b), len(enc))
		}
		again, err := DecodeRTC(enc, addPath, nil)
		if err != nil || !eqStrings(rtcStrings(again), rtcStrings(rs)) {
			t.Fatalf("round trip: %v %q vs %q", err, rtcStrings(again), rtcStrings(rs))
		}
		for _, r := range rs {
			if r.Length != 0 && (r.Length < 32 || r.Length > 96) {
				t.Fatalf("accepted length %d", r.Length)
			}
		}
	})
}
