package bgp

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// Prefix-SID builders: TLV type (1), length (2, value only), value.
func psidTLV(t uint8, v ...[]byte) []byte {
	val := cat(v...)
	return cat([]byte{t}, u16(uint16(len(val))), val)
}
func psidLabelIndex(flags uint16, idx uint32) []byte {
	return psidTLV(PrefixSIDLabelIndex, []byte{0}, u16(flags), u32(idx))
}
func psidSRGB(flags uint16, ranges ...uint32) []byte {
	v := u16(flags)
	for _, r := range ranges {
		v = append(v, byte(r>>16), byte(r>>8), byte(r))
	}
	return psidTLV(PrefixSIDOriginatorSRGB, v)
}
func psidService(t uint8, subs ...[]byte) []byte {
	return psidTLV(t, []byte{0}, cat(subs...))
}
func psidSIDInfo(sid string, flags uint8, behavior uint16, subsubs ...[]byte) []byte {
	return psidTLV(SRv6SIDInformation, []byte{0}, addr(sid), []byte{flags}, u16(behavior), []byte{0}, cat(subsubs...))
}
func psidStructure(lb, ln, fn, arg, tl, to uint8) []byte {
	return psidTLV(SRv6SIDStructure, []byte{lb, ln, fn, arg, tl, to})
}

// fromHex decodes a hex string with optional spaces.
func fromHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// prefixSIDString renders a decoded Prefix-SID compactly for comparisons.
func prefixSIDString(p *PrefixSID) string {
	if p == nil {
		return "<nil>"
	}
	var parts []string
	for _, t := range p.TLVs {
		switch t.Type {
		case PrefixSIDLabelIndex:
			parts = append(parts, fmt.Sprintf("li(f=%d,i=%d)", t.LabelIndex.Flags, t.LabelIndex.LabelIndex))
		case PrefixSIDOriginatorSRGB:
			var rs []string
			for _, r := range t.SRGB {
				rs = append(rs, fmt.Sprintf("%d+%d", r.Base, r.Range))
			}
			parts = append(parts, fmt.Sprintf("srgb(f=%d,%s)", t.SRGBFlags, strings.Join(rs, ",")))
		case PrefixSIDSRv6L3Service, PrefixSIDSRv6L2Service:
			var ss []string
			for _, s := range t.Service.SubTLVs {
				if s.Type != SRv6SIDInformation {
					ss = append(ss, fmt.Sprintf("%d:%x", s.Type, s.Value))
					continue
				}
				var sss []string
				for _, x := range s.SubSubTLVs {
					if x.Type == SRv6SIDStructure {
						st := x.Structure
						sss = append(sss, fmt.Sprintf("st(%d,%d,%d,%d,%d,%d)", st.LocatorBlockLen, st.LocatorNodeLen, st.FunctionLen, st.ArgumentLen, st.TranspositionLen, st.TranspositionOffset))
					} else {
						sss = append(sss, fmt.Sprintf("%d:%x", x.Type, x.Value))
					}
				}
				ss = append(ss, fmt.Sprintf("sid(%v,f=%d,b=%d)[%s]", s.SID, s.SIDFlags, s.EndpointBehavior, strings.Join(sss, " ")))
			}
			parts = append(parts, fmt.Sprintf("l%d[%s]", map[uint8]int{5: 3, 6: 2}[t.Type], strings.Join(ss, " ")))
		default:
			parts = append(parts, fmt.Sprintf("%d:%x", t.Type, t.Value))
		}
	}
	return strings.Join(parts, " ")
}

// realSRv6L3Service is the BGP Prefix-SID of a VPNv4 route in the pmacct and
// traffic-reproducer captures (Cisco IOS XR, SRv6 L3VPN): SID fcba:be00:3002::, endpoint
// behavior 63, SID structure 32/16/16/0 with the function transposed (16 bits at 48).
const realSRv6L3Service = "05 0022 00 01 001e 00 fcbabe0030020000000000000000000000 003f 00 01 0006 201010001030"

func TestPrefixSID(t *testing.T) {
	tests := []struct {
		name string
		v    []byte
		want string
	}{
		{"label index (RFC 8669 3.1)", psidLabelIndex(0, 100), "li(f=0,i=100)"},
		{"label index and originator SRGB", cat(psidLabelIndex(0x8000, 7), psidSRGB(0, 16000, 8000, 100000, 1000)), "li(f=32768,i=7) srgb(f=0,16000+8000,100000+1000)"},
		{"SRv6 L3 service, real capture", fromHex(realSRv6L3Service), "l3[sid(fcba:be00:3002::,f=0,b=63)[st(32,16,16,0,16,48)]]"},
		{"SRv6 L2 service, two SIDs, unknown sub-TLV and sub-sub-TLV", psidService(PrefixSIDSRv6L2Service,
			psidSIDInfo("2001:db8:1::", 0, 0x0015, psidStructure(40, 24, 16, 0, 0, 0), psidTLV(9, []byte{0xab})),
			psidTLV(7, []byte{1, 2}),
			psidSIDInfo("2001:db8:2::1", 0x80, 0xffff)),
			"l2[sid(2001:db8:1::,f=0,b=21)[st(40,24,16,0,0,0) 9:ab] 7:0102 sid(2001:db8:2::1,f=128,b=65535)[]]"},
		{"SRv6 service with only the reserved octet", psidService(PrefixSIDSRv6L3Service), "l3[]"},
		{"unknown TLVs kept raw, in order", cat(psidTLV(2, []byte{9}), psidLabelIndex(0, 1), psidTLV(200, nil)), "2:09 li(f=0,i=1) 200:"},
		{"repeated label index: both kept", cat(psidLabelIndex(0, 1), psidLabelIndex(0, 2)), "li(f=0,i=1) li(f=0,i=2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u Update
			if err := ParseUpdate(attrsOnly(attr(0xc0, AttrPrefixSID, tt.v)), nil, &u); err != nil {
				t.Fatal(err)
			}
			a := &u.Attrs
			if got := prefixSIDString(a.PrefixSID); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if len(a.Unknown) != 0 || len(a.Malformed) != 0 {
				t.Errorf("unknown %v malformed %v", a.Unknown, a.Malformed)
			}
			// The direct decoder agrees, and decoding again into the same value reuses it.
			var p PrefixSID
			for range 2 {
				if err := DecodePrefixSID(tt.v, &p); err != nil || prefixSIDString(&p) != tt.want {
					t.Fatalf("DecodePrefixSID: %v %s", err, prefixSIDString(&p))
				}
			}
		})
	}
	var p PrefixSID
	if err := DecodePrefixSID(fromHex(realSRv6L3Service), &p); err != nil {
		t.Fatal(err)
	}
	if tlv, ok := p.TLV(PrefixSIDSRv6L3Service); !ok || len(tlv.Value) != 0x22 || tlv.Service.SubTLVs[0].SID.String() != "fcba:be00:3002::" {
		t.Errorf("TLV(5) = %+v, %v", tlv, ok)
	}
	if _, ok := p.TLV(PrefixSIDLabelIndex); ok {
		t.Error("TLV(1) found")
	}
}

// TestPrefixSIDMalformed: a Prefix-SID that does not decode is discarded, not the UPDATE.
// The attribute value starts at offset 26 (23 + 3-byte attribute header).
func TestPrefixSIDMalformed(t *testing.T) {
	tests := []struct {
		name string
		v    []byte
		off  int
		text string
	}{
		{"empty", nil, 26, "empty attribute, expected at least one TLV"},
		{"TLV header short", []byte{1, 0}, 26, "TLV header needs 3 bytes, have 2"},
		{"TLV overruns", cat(psidLabelIndex(0, 1), []byte{1, 0, 8, 0, 0, 0, 0, 0, 0, 0}), 26 + 10 + 1, "TLV type 1: length 8 exceeds the data (7 bytes left)"},
		{"label index length 6", psidTLV(PrefixSIDLabelIndex, make([]byte, 6)), 27, "Label-Index TLV: length 6, expected 7"},
		{"label index length 8", psidTLV(PrefixSIDLabelIndex, make([]byte, 8)), 27, "Label-Index TLV: length 8, expected 7"},
		{"SRGB without a range", psidSRGB(0), 27, "Originator SRGB TLV: length 2, expected 2 plus a non-zero multiple of 6"},
		{"SRGB partial range", psidTLV(PrefixSIDOriginatorSRGB, make([]byte, 11)), 27, "Originator SRGB TLV: length 11"},
		{"SRv6 service empty", psidTLV(PrefixSIDSRv6L3Service), 29, "SRv6 service TLV: empty"},
		{"SRv6 sub-TLV header short", psidTLV(PrefixSIDSRv6L3Service, []byte{0, 1, 0}), 30, "SRv6 service sub-TLV header needs 3 bytes, have 2"},
		{"SRv6 sub-TLV overruns", psidTLV(PrefixSIDSRv6L3Service, []byte{0, 1, 0, 30}, make([]byte, 20)), 31, "SRv6 service sub-TLV type 1: length 30 exceeds the data (20 bytes left)"},
		{"SID information short", psidService(PrefixSIDSRv6L3Service, psidTLV(SRv6SIDInformation, make([]byte, 20))), 33, "SRv6 SID information sub-TLV: length 20, expected at least 21"},
		{"sub-sub-TLV overruns", psidService(PrefixSIDSRv6L3Service, psidSIDInfo("::1", 0, 1, []byte{1, 0, 6, 1, 2})), 33 + 21 + 1, "SRv6 service sub-sub-TLV type 1: length 6 exceeds the data (2 bytes left)"},
		{"SID structure length 5", psidService(PrefixSIDSRv6L3Service, psidSIDInfo("::1", 0, 1, psidTLV(SRv6SIDStructure, make([]byte, 5)))), 33 + 21 + 1, "SRv6 SID structure sub-sub-TLV: length 5, expected 6"},
		{"error after a good TLV", cat(psidLabelIndex(0, 1), []byte{3, 0}), 36, "TLV header needs 3 bytes, have 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := attrsOnly(attr(0xc0, AttrPrefixSID, tt.v), aMED(5))
			var u Update
			if err := ParseUpdate(msg, nil, &u); err != nil {
				t.Fatalf("UPDATE rejected: %v", err)
			}
			a := &u.Attrs
			if a.PrefixSID != nil || !a.HasMED || a.MED != 5 {
				t.Errorf("PrefixSID %s, MED %v/%d", prefixSIDString(a.PrefixSID), a.HasMED, a.MED)
			}
			if len(a.Malformed) != 1 || len(a.Unknown) != 1 || a.Unknown[0].Type != AttrPrefixSID || a.Unknown[0].Flags != 0xc0 || string(a.Unknown[0].Value) != string(tt.v) {
				t.Fatalf("malformed %v unknown %v", a.Malformed, a.Unknown)
			}
			wantError(t, a.Malformed[0].Err, tt.off, "BGP Prefix-SID: "+tt.text)
			if !strings.HasSuffix(a.Malformed[0].Err.What, "(attribute discarded)") {
				t.Errorf("error %q", a.Malformed[0].Err.What)
			}
			// The direct decoder reports the same error relative to the value.
			var p PrefixSID
			wantError(t, DecodePrefixSID(tt.v, &p), tt.off-26, tt.text)
		})
	}
}

// summarizeTLVAttrs renders PMSI_TUNNEL, AIGP, Prefix-SID, the IPv6 extended communities
// and the malformed attributes (for summarizeUpdate).
func summarizeTLVAttrs(a *Attributes) string {
	pmsi := "<nil>"
	if a.PMSITunnel != nil {
		pmsi = a.PMSITunnel.String()
	}
	aigp := "<nil>"
	if a.AIGP != nil {
		aigp = tlvHex(a.AIGP.TLVs)
	}
	var mal []string
	for _, m := range a.Malformed {
		mal = append(mal, fmt.Sprintf("%d@%d:%s", m.Type, m.Err.Offset, m.Err.What))
	}
	return fmt.Sprintf("pmsi=%s aigp=%s psid=%s v6ext=%x malformed=%q", pmsi, aigp, prefixSIDString(a.PrefixSID), a.IPv6ExtCommunities, mal)
}
