package bgp

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

// Builders for hand-made messages. They build well-formed pieces; tests corrupt them
// explicitly where needed.

func bgpMsg(typ uint8, body ...[]byte) []byte {
	b := make([]byte, 19, 64)
	for i := 0; i < 16; i++ {
		b[i] = 0xff
	}
	b[18] = typ
	for _, p := range body {
		b = append(b, p...)
	}
	binary.BigEndian.PutUint16(b[16:], uint16(len(b)))
	return b
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	if b == nil {
		b = []byte{}
	}
	return b
}

func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// updateMsg builds an UPDATE from its three sections.
func updateMsg(withdrawn, attrs, nlri []byte) []byte {
	return bgpMsg(MsgUpdate, u16(uint16(len(withdrawn))), withdrawn, u16(uint16(len(attrs))), attrs, nlri)
}

// attr builds a path attribute; the extended length form is used when the flags ask for
// it or the value needs it.
func attr(flags, typ uint8, v []byte) []byte {
	if len(v) > 255 {
		flags |= AttrFlagExtendedLength
	}
	if flags&AttrFlagExtendedLength != 0 {
		return cat([]byte{flags, typ}, u16(uint16(len(v))), v)
	}
	return cat([]byte{flags, typ, byte(len(v))}, v)
}

// Attributes with their standard flags.
func aOrigin(o uint8) []byte { return attr(0x40, AttrOrigin, []byte{o}) }
func aASPath(segs ...[]byte) []byte {
	return attr(0x40, AttrASPath, cat(segs...))
}
func aAS4Path(segs ...[]byte) []byte { return attr(0xc0, AttrAS4Path, cat(segs...)) }
func aNextHop(s string) []byte       { return attr(0x40, AttrNextHop, addr(s)) }
func aMED(v uint32) []byte           { return attr(0x80, AttrMED, u32(v)) }
func aLocalPref(v uint32) []byte     { return attr(0x40, AttrLocalPref, u32(v)) }
func aCommunities(cs ...uint32) []byte {
	var v []byte
	for _, c := range cs {
		v = append(v, u32(c)...)
	}
	return attr(0xc0, AttrCommunities, v)
}
func aMPReach(afi uint16, safi uint8, nh []byte, nlri []byte) []byte {
	return attr(0x80, AttrMPReach, cat(u16(afi), []byte{safi, byte(len(nh))}, nh, []byte{0}, nlri))
}
func aMPUnreach(afi uint16, safi uint8, nlri []byte) []byte {
	return attr(0x80, AttrMPUnreach, cat(u16(afi), []byte{safi}, nlri))
}

// seg builds an AS path segment with size-byte AS numbers.
func seg(typ uint8, size int, asns ...uint32) []byte {
	b := []byte{typ, byte(len(asns))}
	for _, a := range asns {
		if size == 2 {
			b = append(b, u16(uint16(a))...)
		} else {
			b = append(b, u32(a)...)
		}
	}
	return b
}

func addr(s string) []byte { return netip.MustParseAddr(s).AsSlice() }

// pfx encodes a prefix NLRI entry (no path ID, no labels); host bits are taken from the
// string as written.
func pfx(s string) []byte {
	p := netip.MustParsePrefix(s)
	a := p.Addr().AsSlice()
	n := (p.Bits() + 7) / 8
	return cat([]byte{byte(p.Bits())}, a[:n])
}

// pfxID encodes a prefix with an ADD-PATH path identifier.
func pfxID(id uint32, s string) []byte { return cat(u32(id), pfx(s)) }

// pfxLabels encodes a labelled prefix; labels are given as raw 3-byte values (label<<4 |
// TC<<1 | S).
func pfxLabels(s string, raw ...uint32) []byte {
	p := netip.MustParsePrefix(s)
	a := p.Addr().AsSlice()
	n := (p.Bits() + 7) / 8
	b := []byte{byte(p.Bits() + 24*len(raw))}
	for _, r := range raw {
		b = append(b, byte(r>>16), byte(r>>8), byte(r))
	}
	return append(b, a[:n]...)
}

func label(v uint32, bos bool) uint32 {
	r := v << 4
	if bos {
		r |= 1
	}
	return r
}

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// prefixStrings renders decoded prefixes compactly for comparisons:
// "[id:]prefix[ labels]".
func prefixStrings(ps []Prefix) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		var sb strings.Builder
		if p.HasPathID {
			fmt.Fprintf(&sb, "%d:", p.PathID)
		}
		sb.WriteString(p.Prefix.String())
		if len(p.Labels) > 0 {
			fmt.Fprintf(&sb, " %v/%x", p.Labels, p.RawLabels)
		}
		out = append(out, sb.String())
	}
	return out
}

func eqStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// wantError checks err is an *Error at offset off whose text contains substr.
func wantError(t *testing.T, err error, off int, substr string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want offset %d %q", off, substr)
	}
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("error %T %v is not *Error", err, err)
	}
	if off >= 0 && e.Offset != off {
		t.Errorf("error offset %d, want %d (%v)", e.Offset, off, err)
	}
	if !strings.Contains(e.What, substr) {
		t.Errorf("error %q does not contain %q", e.What, substr)
	}
}

// summarizeUpdate renders every decoded field of u as text, for comparisons that must
// not depend on slice capacities (fresh vs reused Update).
func summarizeUpdate(u *Update) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "W%v N%v ap=%v mis=%v eor=%v/%v masked=%d\n", prefixStrings(u.Withdrawn), prefixStrings(u.NLRI), u.AddPath, u.AddPathMismatch, u.EndOfRIB, u.EORFamily, u.MaskedPrefixes)
	a := &u.Attrs
	fmt.Fprintf(&sb, "origin=%v/%d path=%v/%v as4=%v merged=%v nh=%v med=%v/%d lp=%v/%d atomic=%v\n", a.HasOrigin, a.Origin, a.HasASPath, a.ASPath, a.AS4Path, a.AS4Merged, a.NextHop, a.HasMED, a.MED, a.HasLocalPref, a.LocalPref, a.AtomicAggregate)
	if a.Aggregator != nil {
		fmt.Fprintf(&sb, "agg=%v ", *a.Aggregator)
	}
	if a.AS4Aggregator != nil {
		fmt.Fprintf(&sb, "as4agg=%v ", *a.AS4Aggregator)
	}
	fmt.Fprintf(&sb, "comm=%v orig=%v cl=%v ext=%x large=%v otc=%v/%d unk=%v dup=%v raw=%x\n", a.Communities, a.OriginatorID, a.ClusterList, a.ExtCommunities, a.LargeCommunities, a.HasOTC, a.OTC, a.Unknown, a.Duplicates, a.Raw)
	fmt.Fprintf(&sb, "%s\n", summarizeTLVAttrs(a))
	for _, m := range u.MPReach {
		fmt.Fprintf(&sb, "reach %v nh=%v raw=%x nlri=%x %v ap=%v mis=%v\n", m.Family, m.NextHop, m.RawNextHop, m.NLRI, prefixStrings(m.Prefixes), m.AddPath, m.AddPathMismatch)
	}
	for _, m := range u.MPUnreach {
		fmt.Fprintf(&sb, "unreach %v nlri=%x %v ap=%v mis=%v\n", m.Family, m.NLRI, prefixStrings(m.Prefixes), m.AddPath, m.AddPathMismatch)
	}
	return sb.String()
}
