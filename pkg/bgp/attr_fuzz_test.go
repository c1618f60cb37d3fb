package bgp

import (
	"bytes"
	"errors"
	"testing"
)

// tlvAttrSeeds are well-formed PMSI_TUNNEL, IPv6 extended community, AIGP and Prefix-SID
// attributes, and extended communities of every decoded type.
func tlvAttrSeeds() [][]byte {
	return [][]byte{
		attr(0xc0, AttrPMSITunnel, fromHex("00 06 002714 7f000002")),
		attr(0xc0, AttrIPv6ExtCommunity, cat(v6ec(0, 2, "2001:db8::1", 1), v6ec(0, 0x0b, "::1", 2))),
		attr(0x80, AttrAIGP, fromHex("01 000b 0000000000000064")),
		attr(0xc0, AttrPrefixSID, cat(psidLabelIndex(0, 100), psidSRGB(0, 16000, 8000), fromHex(realSRv6L3Service))),
		attr(0xc0, AttrExtCommunities, fromHex("0002fde900000064 030b000000000064 030c000000000008 4300000000000002 "+
			"0600010000000064 0601010000000641 0602001122334455 0603001122334455 4004fde849742400 "+
			"8006fde849742400 8007000000000003 8008fde800000064 8108c000020100ff 8209000000000000 0800000000000001")),
	}
}

// FuzzAttributes feeds one attribute value to the decoders. The first byte selects the
// attribute: 22 PMSI_TUNNEL, 25 IPv6 extended communities, 26 AIGP, 40 Prefix-SID,
// anything else EXTENDED COMMUNITIES; the rest is the value. The value is decoded directly
// and inside an UPDATE, where the TLV attributes must never fail the UPDATE.
func FuzzAttributes(f *testing.F) {
	for _, s := range tlvAttrSeeds() {
		f.Add(append([]byte{s[1]}, s[3:]...))
	}
	f.Add(append([]byte{AttrPrefixSID}, psidService(PrefixSIDSRv6L2Service, psidSIDInfo("2001:db8::", 1, 2, psidStructure(1, 2, 3, 4, 5, 6), psidTLV(3, nil)), psidTLV(9, nil))...))
	f.Add([]byte{AttrAIGP, 1, 0, 2})
	f.Add([]byte{AttrPMSITunnel, 0, 3, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || len(data) > 4000 {
			return
		}
		typ, v := data[0], data[1:]
		orig := bytes.Clone(v)
		checkErr := func(err error, max int) {
			if err == nil {
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Offset < 0 || e.Offset > max || e.What == "" {
				t.Fatalf("bad error %#v", err)
			}
		}
		within := func(b []byte) {
			if len(b) > 0 && !bytes.Contains(v, b) {
				t.Fatalf("slice %x not from the input", b)
			}
		}
		switch typ {
		case AttrPMSITunnel:
			p, err := DecodePMSITunnel(v)
			checkErr(err, len(v))
			if err == nil {
				within(p.TunnelID)
				_ = p.String()
				if p.Label != p.RawLabel>>4 || p.RawLabel >= 1<<24 {
					t.Fatalf("label %d raw %d", p.Label, p.RawLabel)
				}
			}
		case AttrAIGP:
			tlvs, err := DecodeAIGP(v, nil)
			checkErr(err, len(v))
			for _, x := range tlvs {
				within(x.Value)
				if x.Type == AIGPTypeMetric && len(x.Value) != 8 {
					t.Fatalf("metric TLV of %d bytes", len(x.Value))
				}
			}
		case AttrPrefixSID:
			var p, again PrefixSID
			err := DecodePrefixSID(v, &p)
			checkErr(err, len(v))
			if err == nil {
				for _, x := range p.TLVs {
					within(x.Value)
					for _, s := range x.Service.SubTLVs {
						within(s.Value)
						for _, ss := range s.SubSubTLVs {
							within(ss.Value)
						}
					}
				}
				// Reusing a dirty value gives the same decode.
				if DecodePrefixSID(fromHex(realSRv6L3Service), &again) != nil || DecodePrefixSID(v, &again) != nil {
					t.Fatal("re-decode failed")
				}
				if a, b := prefixSIDString(&p), prefixSIDString(&again); a != b {
					t.Fatalf("fresh and reused decodes differ:\n%s\n%s", a, b)
				}
			}
		case AttrIPv6ExtCommunity:
			for i := 0; i+IPv6ExtCommunityLen <= len(v); i += IPv6ExtCommunityLen {
				if IPv6ExtCommunityString([IPv6ExtCommunityLen]byte(v[i:])) == "" {
					t.Fatal("empty string")
				}
			}
		default:
			typ = AttrExtCommunities
			for i := 0; i+8 <= len(v); i += 8 {
				if ExtCommunityString([8]byte(v[i:])) == "" {
					t.Fatal("empty string")
				}
			}
		}
		flags := uint8(0xc0)
		if typ == AttrAIGP {
			flags = 0x80
		}
		var u Update
		err := ParseUpdate(attrsOnly(attr(flags, typ, v)), nil, &u)
		if !bytes.Equal(v, orig) {
			t.Fatal("decoder modified its input")
		}
		switch typ {
		case AttrPMSITunnel, AttrAIGP, AttrPrefixSID:
			if err != nil {
				t.Fatalf("UPDATE rejected for a bad %s: %v", AttributeName(typ), err)
			}
			a := &u.Attrs
			decoded := a.PMSITunnel != nil || a.AIGP != nil || a.PrefixSID != nil
			if decoded == (len(a.Malformed) == 1) || len(a.Unknown) != len(a.Malformed) {
				t.Fatalf("decoded %v, malformed %v, unknown %v", decoded, a.Malformed, a.Unknown)
			}
			if len(a.Malformed) == 1 {
				checkErr(a.Malformed[0].Err, 26+len(v))
			}
		default:
			checkErr(err, 26+len(v))
		}
	})
}
