package bgp

import (
	"net/netip"
	"testing"
)

// BenchmarkParseUpdate decodes typical UPDATEs into a reused Update: ORIGIN, AS_PATH of
// 4 four-octet ASNs, NEXT_HOP, MED, two COMMUNITIES, and classic IPv4 NLRI.
func BenchmarkParseUpdate(b *testing.B) {
	cases := []struct {
		name string
		msg  []byte
		opts *DecodeOptions
		n    int
	}{
		{"1prefix", updateMsg(nil, typicalAttrs(), pfx("10.0.0.0/24")), &DecodeOptions{AS4: true}, 1},
		{"10prefixes", updateMsg(nil, typicalAttrs(), tenPrefixes()), &DecodeOptions{AS4: true}, 10},
		{"ipv6-mp-1prefix", updateMsg(nil, cat(typicalAttrs(), aMPReach(AFIIPv6, SAFIUnicast, addr("2001:db8::1"), pfx("2001:db8::/56"))), nil), &DecodeOptions{AS4: true}, 1},
		{"ipv6-mp-10prefixes", updateMsg(nil, cat(typicalAttrs(), aMPReach(AFIIPv6, SAFIUnicast, addr("2001:db8::1"), tenV6Prefixes())), nil), &DecodeOptions{AS4: true}, 10},
		{"labelled-withdraw-10", updateMsg(nil, aMPUnreach(AFIIPv4, SAFILabeled, tenLabelled()), nil), &DecodeOptions{AS4: true}, 10},
		{"addpath-mismatch-10", updateMsg(nil, typicalAttrs(), tenPrefixesWithIDs()), &DecodeOptions{AS4: true}, 10},
		// The typical attributes plus PMSI_TUNNEL, IPv6 extended communities, AIGP, a
		// Prefix-SID (label index, SRGB, SRv6 L3 service) and 15 extended communities.
		{"tlv-attrs-1prefix", updateMsg(nil, cat(append([][]byte{typicalAttrs()}, tlvAttrSeeds()...)...), pfx("10.0.0.0/24")), &DecodeOptions{AS4: true}, 1},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var u Update
			b.ReportAllocs()
			b.SetBytes(int64(len(c.msg)))
			for b.Loop() {
				if err := ParseUpdate(c.msg, c.opts, &u); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(c.n*b.N)/b.Elapsed().Seconds(), "prefixes/s")
		})
	}
}

func tenV6Prefixes() []byte {
	var out []byte
	for i := 0; i < 10; i++ {
		a := netip.MustParseAddr("2001:db8::").As16()
		a[6] = byte(i)
		out = append(out, pfx(netip.PrefixFrom(netip.AddrFrom16(a), 56).String())...)
	}
	return out
}

func tenLabelled() []byte {
	var out []byte
	for i := 0; i < 10; i++ {
		out = append(out, pfxLabels(netip.PrefixFrom(netip.AddrFrom4([4]byte{100, 64, byte(i), 0}), 24).String(), WithdrawLabel)...)
	}
	return out
}

func tenPrefixesWithIDs() []byte {
	var out []byte
	for i := 0; i < 10; i++ {
		out = append(out, pfxID(0xc8000000+uint32(i), netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, byte(i), 0}), 24).String())...)
	}
	return out
}

// BenchmarkParseUpdateLab decodes every Route Monitoring UPDATE of the lab captures.
func BenchmarkParseUpdateLab(b *testing.B) {
	var pdus [][]byte
	prefixes := 0
	var u Update
	opts := &DecodeOptions{AS4: true}
	for _, p := range labPDUs(MsgUpdate, 1<<30) {
		if err := ParseUpdate(p, opts, &u); err != nil {
			b.Fatal(err)
		}
		prefixes += len(u.Withdrawn) + len(u.NLRI)
		for _, m := range u.MPReach {
			prefixes += len(m.Prefixes)
		}
		for _, m := range u.MPUnreach {
			prefixes += len(m.Prefixes)
		}
		pdus = append(pdus, p)
	}
	if len(pdus) == 0 {
		b.Skip("SKIPPING: lab captures not found (set BMP_TESTDATA)")
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range pdus {
			if err := ParseUpdate(p, opts, &u); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(pdus)*b.N)/b.Elapsed().Seconds(), "updates/s")
	b.ReportMetric(float64(prefixes*b.N)/b.Elapsed().Seconds(), "ip-prefixes/s")
}
