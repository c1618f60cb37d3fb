package bgp

import (
	"testing"
)

// TestVPNLabelWithoutBottomOfStack reproduces FRR 8.4's VPN-IPv4 announcements: one label
// entry 0x000000 without the bottom-of-stack bit, RD 65001:9, 172.16.9.0/24. Read by the
// BoS rule alone the route decoded as 0.0.0.0/0 with RD 59648:000009ac1009.
func TestVPNLabelWithoutBottomOfStack(t *testing.T) {
	rd := vpnRD(0, 0xfd, 0xe9, 0, 0, 0, 9) // 65001:9
	frr := vpnEntry("172.16.9.0/24", rd, 0x000000)
	// The exact bytes: length 112, label 000000, RD, 3 prefix bytes.
	if want := []byte{112, 0, 0, 0, 0, 0, 0xfd, 0xe9, 0, 0, 0, 9, 172, 16, 9}; string(frr) != string(want) {
		t.Fatalf("fixture %x, want %x", frr, want)
	}
	got, err := DecodeVPN(frr, AFIIPv4, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := vpnStrings(got); !eqStrings(s, []string{"[0] 65001:9 172.16.9.0/24"}) || !got[0].LabelQuirk {
		t.Fatalf("routes %q (quirk %v), want [0] 65001:9 172.16.9.0/24 with the quirk", s, got[0].LabelQuirk)
	}
	// Two such routes, then a normal one: each decodes, only the first two are quirks.
	b := cat(frr, vpnEntry("10.0.0.0/8", rd, 0x000000), vpnEntry("10.1.0.0/16", rd65001, label(16, true)))
	got, err = DecodeVPN(b, AFIIPv4, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := vpnStrings(got); !eqStrings(s, []string{"[0] 65001:9 172.16.9.0/24", "[0] 65001:9 10.0.0.0/8", "[16] 65001:100 10.1.0.0/16"}) {
		t.Fatalf("routes %q", s)
	}
	if !got[0].LabelQuirk || !got[1].LabelQuirk || got[2].LabelQuirk {
		t.Errorf("quirk flags %v %v %v, want true true false", got[0].LabelQuirk, got[1].LabelQuirk, got[2].LabelQuirk)
	}
	// VPN-IPv6 too.
	got, err = DecodeVPN(vpnEntry("2001:db8:9::/48", rd, 0x000000), AFIIPv6, false, false, nil)
	if err != nil || !eqStrings(vpnStrings(got), []string{"[0] 65001:9 2001:db8:9::/48"}) {
		t.Fatalf("VPNv6: %q, %v", vpnStrings(got), err)
	}
	// A label 0 with the BoS bit (0x000001) is the ordinary rule, not a quirk.
	got, err = DecodeVPN(vpnEntry("172.16.9.0/24", rd, 0x000001), AFIIPv4, false, false, nil)
	if err != nil || got[0].LabelQuirk {
		t.Fatalf("BoS label 0: %v quirk %v", err, got[0].LabelQuirk)
	}
}

// TestVPNLabelRunsPastLength: a label without BoS followed by an RD whose bytes never set
// the BoS bit runs past the NLRI length; the strict decoder fails, the lenient one stops
// at the entry after which a valid RD and prefix follow.
func TestVPNLabelRunsPastLength(t *testing.T) {
	rd := vpnRD(1, 10, 0, 0, 2, 0, 9) // 10.0.0.2:9
	b := vpnEntry("172.16.8.0/24", rd, 16<<4)
	if _, err := DecodeVPN(b, AFIIPv4, false, false, nil); err == nil {
		t.Fatal("strict decoder accepted a stack that runs past the NLRI length")
	}
	got, err := DecodeVPNLenient(b, AFIIPv4, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := vpnStrings(got); !eqStrings(s, []string{"[16] 10.0.0.2:9 172.16.8.0/24"}) || !got[0].LabelQuirk {
		t.Fatalf("routes %q quirk %v", s, got[0].LabelQuirk)
	}
	// Two labels without BoS: the first entry would leave a 48-bit prefix, the second fits.
	b = vpnEntry("172.16.8.0/24", rd, 16<<4, 17<<4)
	got, err = DecodeVPNLenient(b, AFIIPv4, false, false, nil)
	if err != nil || !eqStrings(vpnStrings(got), []string{"[16 17] 10.0.0.2:9 172.16.8.0/24"}) {
		t.Fatalf("two labels: %q, %v", vpnStrings(got), err)
	}
	// A well-formed stack is the same in both modes, without the quirk.
	b = vpnEntry("10.1.0.0/16", rd65001, label(3000, false), label(16, true))
	got, err = DecodeVPNLenient(b, AFIIPv4, false, false, nil)
	if err != nil || !eqStrings(vpnStrings(got), []string{"[3000 16] 65001:100 10.1.0.0/16"}) || got[0].LabelQuirk {
		t.Fatalf("well-formed: %q, %v", vpnStrings(got), err)
	}
}

// TestLabelledUnicastZeroLabel: labelled unicast announced with 0x000000 and no BoS (the
// same FRR behaviour) ends its stack there too, and counts as a quirk.
func TestLabelledUnicastZeroLabel(t *testing.T) {
	var u Update
	nlri := cat(pfxLabels("172.16.9.0/24", 0x000000), pfxLabels("10.0.0.0/8", label(16, true)))
	ps, _, _, err := u.ipSection(nil, nlri, 0, ipKind{maxBits: 32, labelled: true}, false, false, sectionCtx{name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].Prefix.String() != "172.16.9.0/24" || len(ps[0].Labels) != 1 || ps[0].Labels[0] != 0 ||
		ps[1].Prefix.String() != "10.0.0.0/8" || ps[1].Labels[0] != 16 {
		t.Fatalf("prefixes %v", ps)
	}
	if u.LabelQuirks != 1 || u.sectionLabelQuirks != 1 {
		t.Errorf("label quirks %d/%d, want 1", u.LabelQuirks, u.sectionLabelQuirks)
	}
}
