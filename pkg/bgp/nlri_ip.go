package bgp

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"strconv"
)

// NLRI of the IP prefix families (RFC 4271 section 4.3, RFC 4760 section 5, RFC 7911
// section 3, RFC 8277 section 2):
//
//	[path identifier (4 bytes), when ADD-PATH applies]
//	length in bits (1 byte; for labelled families it counts the label stack too)
//	[label stack: 3-byte entries up to the one with the bottom-of-stack bit]
//	prefix: just enough bytes for the remaining bits
//
// A section is decoded in two passes: scanIPNLRI walks the lengths and validates without
// writing anything, then decodeIPNLRI fills the prefixes. A trial with the wrong ADD-PATH
// setting therefore costs a walk over the bytes and no allocation.

// Label values of RFC 8277 section 2.4: the Compatibility field of a withdrawal is set to
// 0x800000 (some implementations use 0x000000) and stands for the whole stack.
const (
	WithdrawLabel     uint32 = 0x800000
	WithdrawLabelZero uint32 = 0x000000
)

type nlriErrKind uint8

const (
	nlriOK nlriErrKind = iota
	nlriShortPathID
	nlriNoLength
	nlriTruncated
	nlriTooLong
	nlriLabelShort
)

// nlriErr is a validation failure described without allocating; it becomes an *Error
// only when no decoding works.
type nlriErr struct {
	kind    nlriErrKind
	off     int // offset within the section
	a, b, c int
}

func (e nlriErr) what(k ipKind) string {
	switch e.kind {
	case nlriShortPathID:
		return "truncated path identifier: need 4 bytes, have " + itoa(e.a)
	case nlriNoLength:
		return "path identifier not followed by a prefix length"
	case nlriTruncated:
		return "prefix length " + itoa(e.a) + " needs " + itoa(e.b) + " bytes, " + itoa(e.c) + " left"
	case nlriTooLong:
		if k.labelled {
			return "prefix length " + itoa(e.a) + " after the label stack exceeds " + itoa(k.maxBits)
		}
		return "prefix length " + itoa(e.a) + " exceeds " + itoa(k.maxBits)
	case nlriLabelShort:
		return "prefix length " + itoa(e.a) + " too short for label stack entry " + itoa(e.b+1) + " (no bottom-of-stack bit before the prefix)"
	}
	return "ok"
}

// scanIPNLRI validates an NLRI section and counts its prefixes and label stack entries.
// withdraw selects the RFC 8277 withdrawal rule for the label Compatibility field.
// quirks counts the NLRI whose stack was ended by the rule for senders that omit the
// bottom-of-stack bit (labels.go).
func scanIPNLRI(b []byte, k ipKind, addPath, withdraw bool) (n, labels, quirks int, e nlriErr) {
	pos := 0
	for pos < len(b) {
		if addPath {
			if len(b)-pos < 4 {
				return n, labels, quirks, nlriErr{kind: nlriShortPathID, off: pos, a: len(b) - pos}
			}
			pos += 4
			if pos == len(b) {
				return n, labels, quirks, nlriErr{kind: nlriNoLength, off: pos}
			}
		}
		lenOff := pos
		l := int(b[pos])
		pos++
		if !k.labelled && l > k.maxBits {
			return n, labels, quirks, nlriErr{kind: nlriTooLong, off: lenOff, a: l}
		}
		nb := (l + 7) >> 3
		if nb > len(b)-pos {
			return n, labels, quirks, nlriErr{kind: nlriTruncated, off: lenOff, a: l, b: nb, c: len(b) - pos}
		}
		bits := l
		if k.labelled {
			sn, quirk, bad := labelStack(b[pos:pos+nb], l, 0, k.maxBits, withdraw, false)
			if sn < 0 {
				return n, labels, quirks, nlriErr{kind: nlriLabelShort, off: lenOff, a: l, b: bad}
			}
			if quirk {
				quirks++
			}
			labels += sn / 3
			bits -= 8 * sn
		}
		if bits > k.maxBits {
			return n, labels, quirks, nlriErr{kind: nlriTooLong, off: lenOff, a: bits}
		}
		pos += nb
		n++
	}
	return n, labels, quirks, nlriErr{}
}

// decodeIPNLRI appends the prefixes of a section that scanIPNLRI accepted with the same
// settings. Label stacks are carved out of u's label buffers. It returns the extended dst
// and the number of prefixes whose host bits had to be cleared.
func (u *Update) decodeIPNLRI(dst []Prefix, b []byte, k ipKind, addPath, withdraw bool) ([]Prefix, int) {
	masked := 0
	pos := 0
	for pos < len(b) {
		var p Prefix
		if addPath {
			p.PathID = binary.BigEndian.Uint32(b[pos:])
			p.HasPathID = true
			pos += 4
		}
		l := int(b[pos])
		pos++
		nb := (l + 7) >> 3
		body := b[pos : pos+nb]
		pos += nb
		bits := l
		if k.labelled {
			sn, _, _ := labelStack(body, l, 0, k.maxBits, withdraw, false) // scanIPNLRI accepted it
			start := len(u.labels)
			for i := 0; i < sn; i += 3 {
				raw := uint32(body[i])<<16 | uint32(body[i+1])<<8 | uint32(body[i+2])
				u.labels = append(u.labels, raw>>4)
				u.rawLabels = append(u.rawLabels, raw)
			}
			body = body[sn:]
			bits -= 8 * sn
			end := len(u.labels)
			p.Labels = u.labels[start:end:end]
			p.RawLabels = u.rawLabels[start:end:end]
		}
		var m bool
		p.Prefix, m = makePrefix(body, bits, k.maxBits)
		if m {
			masked++
		}
		dst = append(dst, p)
	}
	return dst, masked
}

// makePrefix builds a prefix of the given length from its leading bytes (exactly
// ceil(bits/8) of them), clearing host bits beyond the length. masked reports whether any
// were set.
func makePrefix(body []byte, bits, maxBits int) (p netip.Prefix, masked bool) {
	if maxBits == 32 {
		var a [4]byte
		copy(a[:], body)
		masked = maskTail(a[:], bits)
		return netip.PrefixFrom(netip.AddrFrom4(a), bits), masked
	}
	var a [16]byte
	copy(a[:], body)
	masked = maskTail(a[:], bits)
	return netip.PrefixFrom(netip.AddrFrom16(a), bits), masked
}

// maskTail clears the bits after the first bits in the last partial byte (the bytes after
// it are zero already) and reports whether any was set.
func maskTail(a []byte, bits int) bool {
	r := bits & 7
	if r == 0 {
		return false
	}
	i := bits >> 3
	keep := byte(0xff) << (8 - r)
	if a[i]&^keep == 0 {
		return false
	}
	a[i] &= keep
	return true
}

// sectionCtx names an NLRI section in errors; it is formatted only on the error path.
type sectionCtx struct {
	name string
	fam  Family
	mp   bool
}

func (c sectionCtx) String() string {
	if c.mp {
		return c.name + " " + c.fam.String()
	}
	return c.name
}

// ipSection decodes one NLRI section of an IP prefix family with the ADD-PATH setting
// addPath, falling back to the opposite setting when the bytes only parse that way (see
// Update.AddPathMismatch). base is the section's offset in the message and ctx names it
// in errors. It returns the extended dst, the setting used and whether it was the
// fallback.
func (u *Update) ipSection(dst []Prefix, b []byte, base int, k ipKind, addPath, withdraw bool, ctx sectionCtx) ([]Prefix, bool, bool, error) {
	u.sectionLabelQuirks = 0
	if len(b) == 0 {
		return dst, addPath, false, nil
	}
	used, mismatch := addPath, false
	n, labels, quirks, e := scanIPNLRI(b, k, addPath, withdraw)
	if e.kind != nlriOK {
		n2, labels2, quirks2, e2 := scanIPNLRI(b, k, !addPath, withdraw)
		if e2.kind != nlriOK {
			return dst, addPath, false, u.sectionErr(base, k, addPath, e, e2, ctx)
		}
		n, labels, quirks, used, mismatch = n2, labels2, quirks2, !addPath, true
	}
	u.LabelQuirks += quirks
	u.sectionLabelQuirks = quirks
	dst = slices.Grow(dst, n)
	if labels > 0 {
		u.labels = slices.Grow(u.labels, labels)
		u.rawLabels = slices.Grow(u.rawLabels, labels)
	}
	dst, masked := u.decodeIPNLRI(dst, b, k, used, withdraw)
	u.MaskedPrefixes += masked
	return dst, used, mismatch, nil
}

// sectionErr is the error of a section that parsed with neither ADD-PATH setting (e with
// the negotiated one, e2 with the other).
func (u *Update) sectionErr(base int, k ipKind, addPath bool, e, e2 nlriErr, ctx sectionCtx) error {
	other := "with"
	if addPath {
		other = "without"
	}
	return errorf(base+e.off, "%s: %s (%s ADD-PATH path identifiers: %s)", ctx, e.what(k), other, e2.what(k))
}

func itoa(i int) string { return strconv.Itoa(i) }
