package bgp

import (
	"bytes"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// typicalAttrs: ORIGIN, AS_PATH (4 ASNs, 4-octet), NEXT_HOP, MED, COMMUNITIES.
func typicalAttrs() []byte {
	return cat(aOrigin(0), aASPath(seg(ASSequence, 4, 65001, 64500, 4200000000, 65100)), aNextHop("192.0.2.2"), aMED(10), aCommunities(0xfde90000, 0xfde9029a))
}

func TestUpdateAllSections(t *testing.T) {
	// Classic withdrawn + classic NLRI + MP_UNREACH + MP_REACH (+ a second MP_REACH of a
	// family kept raw): every section must come out.
	withdrawn := cat(pfx("10.9.0.0/16"), pfx("10.8.0.0/16"))
	nlri := cat(pfx("198.51.100.0/24"), pfx("203.0.113.0/25"))
	evpn := []byte{2, 3, 1, 2, 3}
	attrs := cat(
		aOrigin(1),
		aMPUnreach(AFIIPv6, SAFIUnicast, cat(pfx("2001:db8:1::/48"), pfx("2001:db8:2::/48"))),
		aASPath(seg(ASSequence, 4, 65002, 4200000001)),
		aNextHop("192.0.2.2"),
		aMPReach(AFIIPv6, SAFIUnicast, cat(addr("2001:db8::2"), addr("fe80::2")), pfx("2001:db8:200::/48")),
		aMPReach(AFIL2VPN, SAFIEVPN, addr("192.0.2.2"), evpn),
		aLocalPref(100),
	)
	msg := updateMsg(withdrawn, attrs, nlri)
	var u Update
	if err := ParseUpdate(msg, &DecodeOptions{AS4: true}, &u); err != nil {
		t.Fatal(err)
	}
	if got := prefixStrings(u.Withdrawn); !eqStrings(got, []string{"10.9.0.0/16", "10.8.0.0/16"}) {
		t.Errorf("withdrawn %v", got)
	}
	if got := prefixStrings(u.NLRI); !eqStrings(got, []string{"198.51.100.0/24", "203.0.113.0/25"}) {
		t.Errorf("NLRI %v", got)
	}
	if len(u.MPUnreach) != 1 || u.MPUnreach[0].Family != FamilyIPv6Unicast || !eqStrings(prefixStrings(u.MPUnreach[0].Prefixes), []string{"2001:db8:1::/48", "2001:db8:2::/48"}) {
		t.Errorf("MP_UNREACH %+v", u.MPUnreach)
	}
	if len(u.MPReach) != 2 {
		t.Fatalf("%d MP_REACH", len(u.MPReach))
	}
	r := u.MPReach[0]
	if r.Family != FamilyIPv6Unicast || !slices.Equal(r.NextHop, []netip.Addr{netip.MustParseAddr("2001:db8::2"), netip.MustParseAddr("fe80::2")}) ||
		len(r.RawNextHop) != 32 || !eqStrings(prefixStrings(r.Prefixes), []string{"2001:db8:200::/48"}) || r.AddPath || r.AddPathMismatch {
		t.Errorf("MP_REACH v6 %+v", r)
	}
	e := u.MPReach[1]
	if e.Family != (Family{AFIL2VPN, SAFIEVPN}) || !bytes.Equal(e.NLRI, evpn) || len(e.Prefixes) != 0 || len(e.NextHop) != 1 {
		t.Errorf("MP_REACH evpn %+v", e)
	}
	a := &u.Attrs
	if a.Origin != 1 || a.NextHop != netip.MustParseAddr("192.0.2.2") || a.LocalPref != 100 || len(a.ASPath) != 1 {
		t.Errorf("attributes %+v", a)
	}
	if u.EndOfRIB || !u.HasRoutes() {
		t.Errorf("EndOfRIB %v HasRoutes %v", u.EndOfRIB, u.HasRoutes())
	}
}

func TestUpdateSeveralMPAttributesOfOneKind(t *testing.T) {
	// Malformed but seen in the wild: keep every MP_REACH / MP_UNREACH in order.
	attrs := cat(
		aMPReach(AFIIPv6, SAFIUnicast, addr("2001:db8::1"), pfx("2001:db8:a::/48")),
		aMPUnreach(AFIIPv4, SAFILabeled, pfxLabels("10.0.0.0/8", WithdrawLabel)),
		aMPReach(AFIIPv4, SAFIUnicast, addr("192.0.2.1"), pfx("10.1.0.0/16")),
		aMPUnreach(AFIIPv6, SAFIUnicast, pfx("2001:db8:b::/48")),
	)
	var u Update
	if err := ParseUpdate(updateMsg(nil, attrs, nil), &DecodeOptions{AS4: true}, &u); err != nil {
		t.Fatal(err)
	}
	got := summarizeUpdate(&u)
	for _, want := range []string{
		"reach ipv6-unicast nh=[2001:db8::1] raw=20010db8000000000000000000000001 nlri=3020010db8000a [2001:db8:a::/48] ap=false mis=false",
		"reach ipv4-unicast nh=[192.0.2.1] raw=c0000201 nlri=100a01 [10.1.0.0/16] ap=false mis=false",
		"unreach ipv4-labeled-unicast nlri=208000000a [10.0.0.0/8 [524288]/[800000]] ap=false mis=false",
		"unreach ipv6-unicast nlri=3020010db8000b [2001:db8:b::/48] ap=false mis=false",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if len(u.MPReach) != 2 || len(u.MPUnreach) != 2 || len(u.Attrs.Duplicates) != 0 {
		t.Errorf("%d reach %d unreach %d duplicates", len(u.MPReach), len(u.MPUnreach), len(u.Attrs.Duplicates))
	}
}

func TestEndOfRIB(t *testing.T) {
	tests := []struct {
		name     string
		msg      []byte
		eor      bool
		fam      Family
		unreach  int
		hasRoute bool
	}{
		{"empty UPDATE: IPv4 unicast", updateMsg(nil, nil, nil), true, FamilyIPv4Unicast, 0, false},
		{"empty MP_UNREACH IPv6 unicast", updateMsg(nil, aMPUnreach(AFIIPv6, SAFIUnicast, nil), nil), true, FamilyIPv6Unicast, 1, false},
		{"empty MP_UNREACH VPNv6 (FRR)", updateMsg(nil, aMPUnreach(AFIIPv6, SAFIVPN, nil), nil), true, Family{AFIIPv6, SAFIVPN}, 1, false},
		{"empty MP_UNREACH EVPN (FRR)", updateMsg(nil, aMPUnreach(AFIL2VPN, SAFIEVPN, nil), nil), true, Family{AFIL2VPN, SAFIEVPN}, 1, false},
		{"empty MP_UNREACH with extended length", updateMsg(nil, attr(0x90, AttrMPUnreach, cat(u16(AFIIPv4), []byte{SAFILabeled})), nil), true, famV4LU, 1, false},
		{"empty MP_UNREACH plus ORIGIN: not EoR", updateMsg(nil, cat(aOrigin(0), aMPUnreach(AFIIPv6, SAFIUnicast, nil)), nil), false, Family{}, 1, false},
		{"two empty MP_UNREACH: not EoR", updateMsg(nil, cat(aMPUnreach(AFIIPv6, SAFIUnicast, nil), aMPUnreach(AFIIPv4, SAFIVPN, nil)), nil), false, Family{}, 2, false},
		{"MP_UNREACH with a prefix: not EoR", updateMsg(nil, aMPUnreach(AFIIPv6, SAFIUnicast, pfx("2001:db8::/32")), nil), false, Family{}, 1, true},
		{"withdraw-only classic UPDATE: not EoR", updateMsg(pfx("10.0.0.0/8"), nil, nil), false, Family{}, 0, true},
		{"attributes without NLRI: not EoR", updateMsg(nil, aOrigin(0), nil), false, Family{}, 0, false},
		{"empty MP_UNREACH and classic NLRI: not EoR", updateMsg(nil, aMPUnreach(AFIIPv6, SAFIUnicast, nil), pfx("10.0.0.0/8")), false, Family{}, 1, true},
		{"empty MP_UNREACH and an empty MP_REACH: not EoR", updateMsg(nil, cat(aMPUnreach(AFIIPv6, SAFIUnicast, nil), aMPReach(AFIIPv6, SAFIUnicast, addr("2001:db8::1"), nil)), nil), false, Family{}, 1, false},
		{"duplicate counts as an attribute: not EoR", updateMsg(nil, cat(aMPUnreach(AFIIPv6, SAFIUnicast, nil), attr(0x80, 99, nil)), nil), false, Family{}, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u Update
			if err := ParseUpdate(tt.msg, &DecodeOptions{AS4: true}, &u); err != nil {
				t.Fatal(err)
			}
			if u.EndOfRIB != tt.eor || u.EORFamily != tt.fam {
				t.Errorf("EndOfRIB %v %v, want %v %v", u.EndOfRIB, u.EORFamily, tt.eor, tt.fam)
			}
			if len(u.MPUnreach) != tt.unreach {
				t.Errorf("%d MP_UNREACH, want %d", len(u.MPUnreach), tt.unreach)
			}
			for _, m := range u.MPUnreach {
				if tt.eor && (len(m.Prefixes) != 0 || len(m.NLRI) != 0) {
					t.Errorf("EoR MP_UNREACH has %d prefixes", len(m.Prefixes))
				}
			}
			if u.HasRoutes() != tt.hasRoute {
				t.Errorf("HasRoutes %v, want %v", u.HasRoutes(), tt.hasRoute)
			}
		})
	}
}

func TestMPReachNextHop(t *testing.T) {
	rd := make([]byte, 8)
	tests := []struct {
		name string
		fam  Family
		nh   []byte
		want []string
	}{
		{"IPv4", FamilyIPv4Unicast, addr("192.0.2.1"), []string{"192.0.2.1"}},
		{"IPv6", FamilyIPv6Unicast, addr("2001:db8::1"), []string{"2001:db8::1"}},
		{"IPv6 global + link-local", FamilyIPv6Unicast, cat(addr("2001:db8::1"), addr("fe80::1")), []string{"2001:db8::1", "fe80::1"}},
		{"IPv6 next hop for IPv4 (RFC 8950)", FamilyIPv4Unicast, addr("2001:db8::1"), []string{"2001:db8::1"}},
		{"VPNv4: RD + IPv4", Family{AFIIPv4, SAFIVPN}, cat(rd, addr("192.0.2.1")), []string{"192.0.2.1"}},
		{"VPNv6: RD + IPv6", Family{AFIIPv6, SAFIVPN}, cat(rd, addr("2001:db8::1")), []string{"2001:db8::1"}},
		{"VPNv6: RD + IPv6 + RD + link-local", Family{AFIIPv6, SAFIVPN}, cat(rd, addr("2001:db8::1"), rd, addr("fe80::1")), []string{"2001:db8::1", "fe80::1"}},
		{"no next hop", Family{AFIIPv4, SAFIFlowspec}, nil, []string{}},
		{"odd length kept raw only", FamilyIPv4Unicast, []byte{1, 2, 3, 4, 5, 6, 7}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u Update
			if err := ParseUpdate(updateMsg(nil, aMPReach(tt.fam.AFI, tt.fam.SAFI, tt.nh, nil), nil), &DecodeOptions{AS4: true}, &u); err != nil {
				t.Fatal(err)
			}
			m := u.MPReach[0]
			got := []string{}
			for _, a := range m.NextHop {
				got = append(got, a.String())
			}
			if !eqStrings(got, tt.want) || !bytes.Equal(m.RawNextHop, tt.nh) || m.Family != tt.fam {
				t.Errorf("next hop %v raw %x, want %v %x", got, m.RawNextHop, tt.want, tt.nh)
			}
		})
	}
}

func TestUpdateErrors(t *testing.T) {
	as4 := &DecodeOptions{AS4: true}
	mpReach := func(v []byte) []byte { return updateMsg(nil, attr(0x80, AttrMPReach, v), nil) }
	tests := []struct {
		name string
		msg  []byte
		off  int
		text string
	}{
		{"withdrawn length exceeds the message", bgpMsg(MsgUpdate, u16(10), []byte{0, 0}), 19, "withdrawn routes length 10 exceeds the message (0 bytes left before the path attribute length)"},
		{"withdrawn length eats the attribute length", bgpMsg(MsgUpdate, u16(2), []byte{0, 0}), 19, "withdrawn routes length 2 exceeds the message (0 bytes left"},
		{"attribute length exceeds the message", bgpMsg(MsgUpdate, u16(0), u16(5), []byte{0x40, 1, 1}), 21, "total path attribute length 5 exceeds the message (3 bytes left)"},
		{"truncated MP_REACH next hop", mpReach(cat(u16(2), []byte{1, 40}, make([]byte, 12))), 26 + 3, "MP_REACH_NLRI: next hop length 40 exceeds attribute (12 bytes left)"},
		{"MP_REACH without the reserved byte", mpReach(cat(u16(1), []byte{1, 4}, addr("192.0.2.1"))), 29, "MP_REACH_NLRI: next hop length 4 leaves no room for the reserved byte"},
		{"MP_REACH too short", mpReach([]byte{0, 2, 1, 0}), 23, "MP_REACH_NLRI: attribute length 4 below the minimum 5"},
		{"MP_UNREACH too short", updateMsg(nil, attr(0x80, AttrMPUnreach, []byte{0, 2}), nil), 23, "MP_UNREACH_NLRI: attribute length 2 below the minimum 3"},
		{"MP_REACH bad prefix", updateMsg(nil, aMPReach(AFIIPv4, SAFIUnicast, addr("192.0.2.1"), []byte{33, 1, 2, 3, 4, 5, 6}), nil), 23 + 3 + 4 + 4 + 1, "MP_REACH_NLRI ipv4-unicast: prefix length 33 exceeds 32"},
		{"classic NLRI bad after attributes", updateMsg(nil, aOrigin(0), []byte{8, 10, 33}), 23 + 4 + 2, "NLRI: prefix length 33 exceeds 32"},
		{"nil Update", nil, 0, "nil *Update"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.msg == nil {
				wantError(t, ParseUpdate(updateMsg(nil, nil, nil), nil, nil), tt.off, tt.text)
				return
			}
			var u Update
			wantError(t, ParseUpdate(tt.msg, as4, &u), tt.off, tt.text)
		})
	}
}

func TestUpdateNonIPFamiliesRaw(t *testing.T) {
	vpn := []byte{0x70, 0x00, 0x06, 0x41, 0, 0, 0xfd, 0xe9, 0, 0, 0, 0, 0xac, 0x10, 0x00}
	opts := &DecodeOptions{AS4: true, AddPath: []Family{{AFIIPv4, SAFIVPN}}}
	var u Update
	if err := ParseUpdate(updateMsg(nil, cat(aMPReach(AFIIPv4, SAFIVPN, cat(make([]byte, 8), addr("127.0.0.2")), vpn), aMPUnreach(AFIL2VPN, SAFIEVPN, []byte{2, 0})), nil), opts, &u); err != nil {
		t.Fatal(err)
	}
	r, w := u.MPReach[0], u.MPUnreach[0]
	if !bytes.Equal(r.NLRI, vpn) || r.Prefixes != nil || !r.AddPath || r.AddPathMismatch {
		t.Errorf("VPNv4 %+v", r)
	}
	if !bytes.Equal(w.NLRI, []byte{2, 0}) || w.Prefixes != nil || w.AddPath {
		t.Errorf("EVPN %+v", w)
	}
	if !u.HasRoutes() {
		t.Error("HasRoutes false with raw NLRI")
	}
}

func TestParseUpdateNilOptions(t *testing.T) {
	// nil options: 2-octet AS numbers, no path IDs.
	var u Update
	if err := ParseUpdate(updateMsg(nil, aASPath(seg(ASSequence, 2, 65001, 65002)), pfx("10.0.0.0/8")), nil, &u); err != nil {
		t.Fatal(err)
	}
	if segString(u.Attrs.ASPath) != "[{2 [65001 65002]}]" || prefixStrings(u.NLRI)[0] != "10.0.0.0/8" || u.AddPath {
		t.Errorf("%s", summarizeUpdate(&u))
	}
}

// Reusing an Update gives the same result as a fresh one, whatever was decoded before.
func TestUpdateReuse(t *testing.T) {
	msgs := [][]byte{
		updateMsg(cat(pfx("10.9.0.0/16")), cat(typicalAttrs(), aAS4Path(seg(ASSequence, 4, 1)), attr(0xc0, AttrAS4Aggregator, make([]byte, 8)), attr(0xc0, AttrLargeCommunity, make([]byte, 24)), attr(0xc0, AttrExtCommunities, make([]byte, 16)), attr(0x80, AttrClusterList, make([]byte, 8)), attr(0xc0, 99, []byte{1}), aMED(1),
			aMPReach(AFIIPv4, SAFILabeled, addr("192.0.2.1"), cat(pfxLabels("100.64.0.0/24", label(1, false), label(2, true)), pfxLabels("100.64.1.0/24", label(3, true)))),
			aMPUnreach(AFIIPv6, SAFIUnicast, pfx("2001:db8::/32"))), cat(pfx("198.51.100.0/24"), pfx("198.51.101.0/24"))),
		updateMsg(nil, nil, nil),
		updateMsg(nil, cat(aOrigin(2), aASPath(seg(ASSequence, 2, 65001, 23456)), aAS4Path(seg(ASSequence, 4, 4200000000)), aNextHop("192.0.2.7")), pfx("10.0.0.0/8")),
		updateMsg(nil, aMPUnreach(AFIIPv6, SAFIVPN, nil), nil),
		updateMsg(nil, cat(aOrigin(0), aMPReach(AFIIPv6, SAFIUnicast, addr("2001:db8::9"), cat(pfxID(5, "2001:db8:5::/48")))), nil),
		updateMsg(pfx("10.1.0.0/16"), nil, nil),
	}
	opts := []*DecodeOptions{{AS4: true}, {AS4: true}, {}, {AS4: true}, {AS4: true, AddPath: []Family{FamilyIPv6Unicast}}, {AS4: true}}
	var reused Update
	for round := 0; round < 3; round++ {
		for i, m := range msgs {
			var fresh Update
			if err := ParseUpdate(m, opts[i], &fresh); err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
			if err := ParseUpdate(m, opts[i], &reused); err != nil {
				t.Fatalf("message %d reused: %v", i, err)
			}
			if f, r := summarizeUpdate(&fresh), summarizeUpdate(&reused); f != r {
				t.Errorf("round %d message %d:\nfresh  %s\nreused %s", round, i, f, r)
			}
		}
	}
	// The AS4 merge really happened in message 2.
	if err := ParseUpdate(msgs[2], opts[2], &reused); err != nil || segString(reused.Attrs.ASPath) != "[{2 [65001 4200000000]}]" || reused.Attrs.AS4Path == nil {
		t.Errorf("merge: %v %s", err, summarizeUpdate(&reused))
	}
	if err := ParseUpdate(msgs[1], opts[1], &reused); err != nil || reused.Attrs.AS4Path != nil || reused.Attrs.Aggregator != nil || reused.Attrs.AS4Aggregator != nil {
		t.Errorf("reset left AS4 data: %s", summarizeUpdate(&reused))
	}
}

// Steady-state decoding into a reused Update does not allocate.
func TestUpdateNoAllocs(t *testing.T) {
	msgs := []struct {
		name string
		msg  []byte
		opts *DecodeOptions
	}{
		{"classic 10 prefixes", updateMsg(nil, typicalAttrs(), tenPrefixes()), &DecodeOptions{AS4: true}},
		{"MP_REACH IPv6", updateMsg(nil, cat(typicalAttrs(), aMPReach(AFIIPv6, SAFIUnicast, cat(addr("2001:db8::1"), addr("fe80::1")), cat(pfx("2001:db8::/56"), pfx("2001:db8:1::/48")))), nil), &DecodeOptions{AS4: true}},
		{"labelled withdraw", updateMsg(nil, aMPUnreach(AFIIPv4, SAFILabeled, cat(pfxLabels("10.0.0.0/8", WithdrawLabel), pfxLabels("10.1.0.0/16", label(1, false), label(2, true)))), nil), &DecodeOptions{AS4: true}},
		{"AS4 merge", updateMsg(nil, cat(aOrigin(2), aASPath(seg(ASSequence, 2, 65001, 23456, 23456)), aAS4Path(seg(ASSequence, 4, 4200000000, 4200000001)), attr(0xc0, AttrAggregator, cat(u16(23456), addr("192.0.2.1"))), attr(0xc0, AttrAS4Aggregator, cat(u32(4200000000), addr("192.0.2.1")))), pfx("10.0.0.0/8")), &DecodeOptions{}},
		{"ADD-PATH mismatch", updateMsg(nil, aMPReach(AFIIPv6, SAFIUnicast, addr("2001:db8::1"), cat(pfxID(0xc8000001, "2001:db8::/56"), pfxID(0xc8000002, "2001:db8:1::/56"))), nil), &DecodeOptions{AS4: true}},
		{"unknown and large communities", updateMsg(nil, cat(typicalAttrs(), attr(0xc0, AttrLargeCommunity, make([]byte, 24)), attr(0xc0, AttrExtCommunities, make([]byte, 16)), attr(0xc0, 99, []byte{1})), pfx("10.0.0.0/8")), &DecodeOptions{AS4: true}},
	}
	for _, m := range msgs {
		t.Run(m.name, func(t *testing.T) {
			var u Update
			if err := ParseUpdate(m.msg, m.opts, &u); err != nil {
				t.Fatal(err)
			}
			allocs := testing.AllocsPerRun(100, func() {
				if err := ParseUpdate(m.msg, m.opts, &u); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocations per decode, want 0", allocs)
			}
		})
	}
}

func tenPrefixes() []byte {
	var b []byte
	for i := 0; i < 10; i++ {
		b = append(b, pfx(netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, byte(i), 0}), 24).String())...)
	}
	return b
}
