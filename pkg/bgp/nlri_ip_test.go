package bgp

import (
	"testing"
)

var (
	famV4LU = Family{AFIIPv4, SAFILabeled}
	famV6LU = Family{AFIIPv6, SAFILabeled}
	famV4MC = Family{AFIIPv4, SAFIMulticast}
)

// nlriCase decodes nlri as one section of family f and checks the prefixes or the error.
type nlriCase struct {
	name     string
	fam      Family
	withdraw bool // MP_UNREACH_NLRI (or classic withdrawn routes for IPv4 unicast)
	addPath  bool // the configured setting
	nlri     []byte
	want     []string
	masked   int
	mismatch bool
	errOff   int // offset within the section
	errText  string
}

// buildSection puts nlri in an UPDATE and returns the message and the section's offset.
func (c nlriCase) buildSection() ([]byte, int) {
	if c.fam == FamilyIPv4Unicast {
		if c.withdraw {
			return updateMsg(c.nlri, nil, nil), 21
		}
		return updateMsg(nil, nil, c.nlri), 23
	}
	if c.withdraw {
		// attribute header (3 or 4) + AFI/SAFI (3)
		a := aMPUnreach(c.fam.AFI, c.fam.SAFI, c.nlri)
		return updateMsg(nil, a, nil), 23 + (len(a) - len(c.nlri))
	}
	nh := addr("192.0.2.1")
	if c.fam.AFI == AFIIPv6 {
		nh = addr("2001:db8::1")
	}
	a := aMPReach(c.fam.AFI, c.fam.SAFI, nh, c.nlri)
	return updateMsg(nil, a, nil), 23 + (len(a) - len(c.nlri))
}

func (c nlriCase) run(t *testing.T) {
	t.Helper()
	msg, base := c.buildSection()
	opts := &DecodeOptions{AS4: true}
	if c.addPath {
		opts.AddPath = []Family{c.fam}
	}
	var u Update
	err := ParseUpdate(msg, opts, &u)
	if c.errText != "" {
		wantError(t, err, base+c.errOff, c.errText)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	var got []Prefix
	var ap, mis bool
	switch {
	case c.fam == FamilyIPv4Unicast && c.withdraw:
		got, ap, mis = u.Withdrawn, u.AddPath, u.AddPathMismatch
	case c.fam == FamilyIPv4Unicast:
		got, ap, mis = u.NLRI, u.AddPath, u.AddPathMismatch
	case c.withdraw:
		m := u.MPUnreach[0]
		got, ap, mis = m.Prefixes, m.AddPath, m.AddPathMismatch
	default:
		m := u.MPReach[0]
		got, ap, mis = m.Prefixes, m.AddPath, m.AddPathMismatch
	}
	if s := prefixStrings(got); !eqStrings(s, c.want) {
		t.Errorf("prefixes %q, want %q", s, c.want)
	}
	if mis != c.mismatch || ap != (c.addPath != c.mismatch) {
		t.Errorf("AddPath %v mismatch %v, want %v %v", ap, mis, c.addPath != c.mismatch, c.mismatch)
	}
	if u.MaskedPrefixes != c.masked {
		t.Errorf("MaskedPrefixes %d, want %d", u.MaskedPrefixes, c.masked)
	}
	for _, p := range got {
		if !p.Prefix.IsValid() || p.Prefix != p.Prefix.Masked() || p.HasPathID != ap {
			t.Errorf("invalid prefix %+v", p)
		}
	}
}

func TestNLRIPrefixes(t *testing.T) {
	v4, v6 := FamilyIPv4Unicast, FamilyIPv6Unicast
	tests := []nlriCase{
		{name: "v4 lengths", fam: v4, nlri: cat(pfx("0.0.0.0/0"), pfx("10.0.0.0/8"), pfx("10.1.2.0/24"), pfx("192.0.2.1/32"), pfx("192.0.2.128/25")),
			want: []string{"0.0.0.0/0", "10.0.0.0/8", "10.1.2.0/24", "192.0.2.1/32", "192.0.2.128/25"}},
		{name: "v4 withdrawn", fam: v4, withdraw: true, nlri: cat(pfx("10.0.0.0/24"), pfx("10.0.1.0/24")), want: []string{"10.0.0.0/24", "10.0.1.0/24"}},
		{name: "v4 host bits cleared", fam: v4, nlri: cat([]byte{25, 10, 0, 0, 0x81}, []byte{1, 0xff}, []byte{20, 10, 1, 0xff}),
			want: []string{"10.0.0.128/25", "128.0.0.0/1", "10.1.240.0/20"}, masked: 3},
		{name: "v4 multicast", fam: famV4MC, nlri: pfx("232.1.0.0/16"), want: []string{"232.1.0.0/16"}},
		{name: "v4 prefix length 33", fam: v4, nlri: cat(pfx("10.0.0.0/8"), []byte{33, 1, 2, 3, 4, 5}), errOff: 2,
			errText: "NLRI: prefix length 33 exceeds 32 (with ADD-PATH path identifiers: "},
		{name: "v4 truncated prefix", fam: v4, nlri: []byte{24, 10, 0}, errOff: 0, errText: "NLRI: prefix length 24 needs 3 bytes, 2 left"},
		{name: "v4 withdrawn truncated", fam: v4, withdraw: true, nlri: []byte{32, 10, 0, 0}, errOff: 0, errText: "withdrawn routes: prefix length 32 needs 4 bytes, 3 left"},
		{name: "v6 lengths", fam: v6, nlri: cat(pfx("::/0"), pfx("2001:db8::/32"), pfx("2001:db8:0:100::/56"), pfx("2001:db8::1/128")),
			want: []string{"::/0", "2001:db8::/32", "2001:db8:0:100::/56", "2001:db8::1/128"}},
		{name: "v6 host bits", fam: v6, nlri: []byte{57, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 1, 0xff}, want: []string{"2001:db8:0:180::/57"}, masked: 1},
		{name: "v6 withdraw", fam: v6, withdraw: true, nlri: pfx("2001:db8:0:d400::/56"), want: []string{"2001:db8:0:d400::/56"}},
		{name: "v6 prefix length 129", fam: v6, nlri: cat([]byte{129}, make([]byte, 17)), errOff: 0, errText: "MP_REACH_NLRI ipv6-unicast: prefix length 129 exceeds 128"},
		{name: "v6 truncated", fam: v6, withdraw: true, nlri: cat(pfx("2001:db8::/32"), []byte{64, 0x20, 0x01}), errOff: 5, errText: "MP_UNREACH_NLRI ipv6-unicast: prefix length 64 needs 8 bytes, 2 left"},
		{name: "empty reach NLRI", fam: v6, nlri: nil, want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

func TestNLRILabelled(t *testing.T) {
	tests := []nlriCase{
		{name: "one label", fam: famV4LU, nlri: pfxLabels("100.64.2.0/24", label(16002, true)),
			want: []string{"100.64.2.0/24 [16002]/[3e821]"}},
		{name: "three labels", fam: famV4LU, nlri: pfxLabels("100.64.0.0/16", label(100, false), label(200, false)|0x4, label(300, true)),
			want: []string{"100.64.0.0/16 [100 200 300]/[640 c84 12c1]"}},
		{name: "two prefixes with stacks of 2 and 1", fam: famV6LU, nlri: cat(pfxLabels("2001:db8::/32", label(1, false), label(2, true)), pfxLabels("2001:db8:1::/48", label(3, true))),
			want: []string{"2001:db8::/32 [1 2]/[10 21]", "2001:db8:1::/48 [3]/[31]"}},
		{name: "labelled default route", fam: famV4LU, nlri: pfxLabels("0.0.0.0/0", label(3, true)), want: []string{"0.0.0.0/0 [3]/[31]"}},
		{name: "withdraw with compatibility 0x800000", fam: famV4LU, withdraw: true, nlri: pfxLabels("100.64.16.0/24", WithdrawLabel),
			want: []string{"100.64.16.0/24 [524288]/[800000]"}},
		{name: "withdraw with 0x000000", fam: famV4LU, withdraw: true, nlri: pfxLabels("100.64.16.0/24", WithdrawLabelZero),
			want: []string{"100.64.16.0/24 [0]/[0]"}},
		{name: "withdraw with the announced stack", fam: famV4LU, withdraw: true, nlri: pfxLabels("100.64.16.0/24", label(16016, true)),
			want: []string{"100.64.16.0/24 [16016]/[3e901]"}},
		{name: "withdraw label then more (compat label ends the stack)", fam: famV4LU, withdraw: true,
			nlri: cat(pfxLabels("10.0.0.0/8", WithdrawLabel), pfxLabels("10.1.0.0/16", WithdrawLabel)),
			want: []string{"10.0.0.0/8 [524288]/[800000]", "10.1.0.0/16 [524288]/[800000]"}},
		{name: "0x800000 in a reach is an ordinary label", fam: famV4LU, nlri: pfxLabels("10.0.0.0/8", WithdrawLabel, label(5, true)),
			want: []string{"10.0.0.0/8 [524288 5]/[800000 51]"}},
		{name: "host bits after labels", fam: famV4LU, nlri: []byte{24 + 20, 0, 0, 0x11, 10, 1, 0x1f}, want: []string{"10.1.16.0/20 [1]/[11]"}, masked: 1},
		{name: "stack without bottom-of-stack bit", fam: famV4LU, nlri: []byte{48, 0, 0, 0x10, 0, 0, 0x20}, errOff: 0,
			errText: "MP_REACH_NLRI ipv4-labeled-unicast: prefix length 48 too short for label stack entry 3"},
		{name: "length shorter than a label", fam: famV4LU, nlri: []byte{16, 0, 0}, errOff: 0,
			errText: "prefix length 16 too short for label stack entry 1"},
		{name: "prefix too long after the label", fam: famV4LU, nlri: cat([]byte{24 + 33, 0, 0, 0x11}, make([]byte, 5)), errOff: 0,
			errText: "MP_REACH_NLRI ipv4-labeled-unicast: prefix length 33 after the label stack exceeds 32"},
		{name: "v6 prefix too long after two labels", fam: famV6LU, withdraw: true, nlri: cat([]byte{48 + 129, 0, 0, 0x10, 0, 0, 0x21}, make([]byte, 17)), errOff: 0,
			errText: "MP_UNREACH_NLRI ipv6-labeled-unicast: prefix length 129 after the label stack exceeds 128"},
		{name: "labelled with path IDs", fam: famV4LU, addPath: true, nlri: cat(u32(7), pfxLabels("100.64.1.0/24", label(16001, true))),
			want: []string{"7:100.64.1.0/24 [16001]/[3e811]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

func TestNLRIAddPath(t *testing.T) {
	v4, v6 := FamilyIPv4Unicast, FamilyIPv6Unicast
	withIDs := cat(pfxID(0xdead0001, "10.0.0.0/24"), pfxID(0xdead0002, "10.0.1.0/24"))
	v6IDs := cat(pfxID(0xc8000001, "2001:db8::/56"), pfxID(0xc8000002, "2001:db8:0:100::/56"))
	plain := cat(pfx("10.0.0.0/24"))
	tests := []nlriCase{
		{name: "v4 NLRI with negotiated path IDs", fam: v4, addPath: true, nlri: withIDs,
			want: []string{"3735879681:10.0.0.0/24", "3735879682:10.0.1.0/24"}},
		{name: "v4 withdrawn with path IDs", fam: v4, withdraw: true, addPath: true, nlri: pfxID(1, "10.0.0.0/24"), want: []string{"1:10.0.0.0/24"}},
		{name: "path IDs not negotiated but present: mismatch", fam: v4, nlri: withIDs,
			want: []string{"3735879681:10.0.0.0/24", "3735879682:10.0.1.0/24"}, mismatch: true},
		{name: "path IDs negotiated but absent: mismatch", fam: v4, addPath: true, nlri: plain,
			want: []string{"10.0.0.0/24"}, mismatch: true},
		{name: "withdrawn: path IDs negotiated but absent", fam: v4, withdraw: true, addPath: true, nlri: plain,
			want: []string{"10.0.0.0/24"}, mismatch: true},
		{name: "MP_REACH: undeclared path IDs (GoBGP 4.8 Loc-RIB)", fam: v6, nlri: v6IDs,
			want: []string{"3355443201:2001:db8::/56", "3355443202:2001:db8:0:100::/56"}, mismatch: true},
		{name: "MP_UNREACH: declared path IDs absent", fam: v6, withdraw: true, addPath: true, nlri: pfx("2001:db8::/56"),
			want: []string{"2001:db8::/56"}, mismatch: true},
		{name: "labelled: undeclared path IDs", fam: famV4LU, nlri: cat(u32(0xff000001), pfxLabels("100.64.1.0/24", label(16001, true))),
			want: []string{"4278190081:100.64.1.0/24 [16001]/[3e811]"}, mismatch: true},
		{name: "neither parses (no ADD-PATH configured)", fam: v4, nlri: []byte{40, 1, 2, 3, 200}, errOff: 0,
			errText: "NLRI: prefix length 40 exceeds 32 (with ADD-PATH path identifiers: prefix length 200 exceeds 32)"},
		{name: "neither parses (ADD-PATH configured)", fam: v6, addPath: true, nlri: []byte{0, 0, 0, 1, 200, 1}, errOff: 4,
			errText: "MP_REACH_NLRI ipv6-unicast: prefix length 200 exceeds 128 (without ADD-PATH path identifiers: prefix length 1 needs 1 bytes, 0 left)"},
		{name: "truncated path ID and no plain reading", fam: v6, withdraw: true, addPath: true, nlri: []byte{0xc8, 0, 0}, errOff: 0,
			errText: "MP_UNREACH_NLRI ipv6-unicast: truncated path identifier: need 4 bytes, have 3 (without ADD-PATH path identifiers: prefix length 200 exceeds 128)"},
		{name: "path ID without prefix length", fam: v4, addPath: true, nlri: cat(pfxID(1, "10.0.0.0/8"), []byte{0xff, 0, 0, 1}), errOff: 10,
			errText: "NLRI: path identifier not followed by a prefix length (without ADD-PATH path identifiers: prefix length 1 needs 1 bytes, 0 left)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

// Bytes that parse both ways are decoded with the configured setting, never flipped.
func TestNLRIAddPathAmbiguous(t *testing.T) {
	// With path IDs: "1:10.0.0.0/8". Without: /0 /0 /0, /1 takes 0x08, then /10 needs 2
	// bytes and none is left. Only the path ID reading works.
	onlyWithIDs := []byte{0, 0, 0, 1, 8, 10}
	// Without path IDs: 10.0.0.0/24. With: ID 0x180a0000 and no prefix length after it.
	onlyPlain := []byte{24, 10, 0, 0}
	// Ten zero bytes: ten /0 prefixes, or two "0:0.0.0.0/0" with path IDs.
	both := make([]byte, 10)
	k, _ := ipFamilyKind(FamilyIPv4Unicast)
	for _, c := range []struct {
		b          []byte
		plain, ids bool
	}{{onlyWithIDs, false, true}, {onlyPlain, true, false}, {both, true, true}} {
		_, _, _, e1 := scanIPNLRI(c.b, k, false, false)
		_, _, _, e2 := scanIPNLRI(c.b, k, true, false)
		if (e1.kind == nlriOK) != c.plain || (e2.kind == nlriOK) != c.ids {
			t.Fatalf("%x: plain %v ids %v, want %v %v", c.b, e1.kind == nlriOK, e2.kind == nlriOK, c.plain, c.ids)
		}
	}
	zeros := []string{"0.0.0.0/0", "0.0.0.0/0", "0.0.0.0/0", "0.0.0.0/0", "0.0.0.0/0", "0.0.0.0/0", "0.0.0.0/0", "0.0.0.0/0", "0.0.0.0/0", "0.0.0.0/0"}
	cases := []nlriCase{
		{name: "only IDs, configured with", fam: FamilyIPv4Unicast, addPath: true, nlri: onlyWithIDs, want: []string{"1:10.0.0.0/8"}},
		{name: "only IDs, configured without", fam: FamilyIPv4Unicast, nlri: onlyWithIDs, want: []string{"1:10.0.0.0/8"}, mismatch: true},
		{name: "only plain, configured without", fam: FamilyIPv4Unicast, nlri: onlyPlain, want: []string{"10.0.0.0/24"}},
		{name: "only plain, configured with", fam: FamilyIPv4Unicast, addPath: true, nlri: onlyPlain, want: []string{"10.0.0.0/24"}, mismatch: true},
		{name: "both, configured without", fam: FamilyIPv4Unicast, nlri: both, want: zeros},
		{name: "both, configured with", fam: FamilyIPv4Unicast, addPath: true, nlri: both, want: []string{"0:0.0.0.0/0", "0:0.0.0.0/0"}},
	}
	for _, tt := range cases {
		t.Run(tt.name, tt.run)
	}
}
