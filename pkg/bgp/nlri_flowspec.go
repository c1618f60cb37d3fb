package bgp

import (
	"encoding/binary"
	"net/netip"
)

// FlowSpec NLRI (RFC 8955 section 4, RFC 8956 section 3; SAFI 133, and SAFI 134 with a
// route distinguisher, RFC 8955 section 8):
//
//	[path identifier (4 bytes), when ADD-PATH applies]
//	length (1 byte below 240; else 2 bytes 0xfnnn, the low 12 bits being the length)
//	[route distinguisher (8 bytes), SAFI 134; counted in the length]
//	components, in strictly increasing type order, each at most once:
//	  1, 2   prefix: type, length in bits, [IPv6: offset in bits], prefix bits
//	  3-8, 10, 11, 13   numeric: type, {operator, value} ... up to the end-of-list bit
//	  9, 12  bitmask: type, {operator, bitmask} ... up to the end-of-list bit
//
// Component types 1-12 exist for IPv4 and IPv6; 13 (flow label) only for IPv6. An
// unknown type cannot be skipped (its length is not encoded), so it makes the NLRI
// malformed, as do a type out of order, a value or prefix running past the NLRI, an
// operator list without the end-of-list bit and a prefix length beyond the address.

// FlowSpec component types (IANA "Flow Spec Component Types").
const (
	FlowspecDstPrefix uint8 = 1
	FlowspecSrcPrefix uint8 = 2
	FlowspecProto     uint8 = 3 // IP protocol; IPv6: upper-layer protocol
	FlowspecPort      uint8 = 4
	FlowspecDstPort   uint8 = 5
	FlowspecSrcPort   uint8 = 6
	FlowspecICMPType  uint8 = 7
	FlowspecICMPCode  uint8 = 8
	FlowspecTCPFlags  uint8 = 9
	FlowspecPktLen    uint8 = 10
	FlowspecDSCP      uint8 = 11
	FlowspecFragment  uint8 = 12
	FlowspecFlowLabel uint8 = 13 // IPv6 only
)

// Operator byte bits (RFC 8955 sections 4.2.1.1 and 4.2.1.2). The numeric operator is
// e a len(2) 0 lt gt eq; the bitmask operator e a len(2) 0 0 not m. Reserved bits are
// ignored on decoding.
const (
	FlowspecOpEnd   uint8 = 0x80 // end of list
	FlowspecOpAnd   uint8 = 0x40 // AND with the previous term (else OR)
	FlowspecOpLen   uint8 = 0x30 // value length: 1 << (len >> 4) bytes
	FlowspecOpLT    uint8 = 0x04 // numeric: less than
	FlowspecOpGT    uint8 = 0x02 // numeric: greater than
	FlowspecOpEQ    uint8 = 0x01 // numeric: equal
	FlowspecOpNot   uint8 = 0x02 // bitmask: negate
	FlowspecOpMatch uint8 = 0x01 // bitmask: all bits (else any bit)
)

// FlowspecMaxLen is the largest NLRI length the 2-byte form can carry.
const FlowspecMaxLen = 0xfff

// FlowspecOp is one {operator, value} pair of a numeric or bitmask component.
type FlowspecOp struct {
	// Op is the operator byte as received.
	Op    uint8
	Value uint64
}

// End reports the end-of-list bit.
func (o FlowspecOp) End() bool { return o.Op&FlowspecOpEnd != 0 }

// And reports the AND bit (the term is ANDed with the previous one; else ORed). RFC 8955
// says to treat it as unset on the first term of a list, which the rule rendering does.
func (o FlowspecOp) And() bool { return o.Op&FlowspecOpAnd != 0 }

// ValueLen is the value length in bytes the operator announces: 1, 2, 4 or 8.
func (o FlowspecOp) ValueLen() int { return 1 << ((o.Op & FlowspecOpLen) >> 4) }

// FlowspecComponent is one component of a FlowSpec rule.
type FlowspecComponent struct {
	Type uint8
	// Prefix is the prefix of types 1 and 2. For IPv6 the address holds the pattern at
	// bits Offset to Prefix.Bits()-1 and zeros before Offset (RFC 8956 section 3.1); bits
	// beyond the length (padding) are cleared.
	Prefix netip.Prefix
	Offset uint8
	// Ops are the {operator, value} pairs of the other types, in order.
	Ops []FlowspecOp
}

// FlowspecIsBitmask reports whether t is a bitmask component type (TCP flags, fragment).
func FlowspecIsBitmask(t uint8) bool { return t == FlowspecTCPFlags || t == FlowspecFragment }

// FlowspecRule is one FlowSpec NLRI.
type FlowspecRule struct {
	PathID    uint32
	HasPathID bool
	// RD is the route distinguisher of SAFI 134 (HasRD).
	RD    [8]byte
	HasRD bool
	// Raw holds the component bytes as received (after the length and the RD); it
	// aliases the input. goBMP's spec_hash is computed over it (see SpecHash).
	Raw        []byte
	Components []FlowspecComponent
}

// flowspecKind describes the encoding of a FlowSpec family.
type flowspecKind struct {
	ipv6, vpn bool
}

// FlowspecFamily reports whether f is one of the FlowSpec families decoded here (AFI 1/2,
// SAFI 133/134).
func FlowspecFamily(f Family) bool {
	_, ok := flowspecKindOf(f)
	return ok
}

func flowspecKindOf(f Family) (flowspecKind, bool) {
	var k flowspecKind
	switch f.AFI {
	case AFIIPv4:
	case AFIIPv6:
		k.ipv6 = true
	default:
		return k, false
	}
	switch f.SAFI {
	case SAFIFlowspec:
	case SAFIFlowVPN:
		k.vpn = true
	default:
		return k, false
	}
	return k, true
}

// fsScan holds what a walk over a section found: counts in the validation pass, the
// destinations in the filling pass.
type fsScan struct {
	rules, comps, ops int
	fill              bool
	dst               []FlowspecRule
	compBuf           []FlowspecComponent
	opBuf             []FlowspecOp
}

// DecodeFlowspec decodes the FlowSpec NLRI of an MP_REACH_NLRI or MP_UNREACH_NLRI section
// of family f (AFI 1 or 2, SAFI 133 or 134) and appends them to dst. addPath says whether
// each NLRI starts with a path identifier. Error offsets are relative to the start of b.
// Components and operators of all rules share two slices allocated once per call.
func DecodeFlowspec(b []byte, f Family, addPath bool, dst []FlowspecRule) ([]FlowspecRule, error) {
	k, ok := flowspecKindOf(f)
	if !ok {
		return dst, errorf(0, "FlowSpec: family %s is not a FlowSpec family", f)
	}
	var s fsScan
	if err := walkFlowspec(b, k, addPath, &s); err != nil {
		return dst, err
	}
	fill := fsScan{fill: true, dst: dst}
	if s.comps > 0 {
		fill.compBuf = make([]FlowspecComponent, 0, s.comps)
	}
	if s.ops > 0 {
		fill.opBuf = make([]FlowspecOp, 0, s.ops)
	}
	if cap(fill.dst)-len(fill.dst) < s.rules {
		grown := make([]FlowspecRule, len(dst), len(dst)+s.rules)
		copy(grown, dst)
		fill.dst = grown
	}
	_ = walkFlowspec(b, k, addPath, &fill) // validated above: cannot fail
	return fill.dst, nil
}

// walkFlowspec walks a section; it validates (and counts) or, with s.fill, appends the
// rules, carving components and operators out of s's buffers.
func walkFlowspec(b []byte, k flowspecKind, addPath bool, s *fsScan) error {
	pos := 0
	for pos < len(b) {
		var r FlowspecRule
		if addPath {
			if len(b)-pos < 4 {
				return errorf(pos, "FlowSpec: truncated path identifier: need 4 bytes, have %d", len(b)-pos)
			}
			r.PathID, r.HasPathID = binary.BigEndian.Uint32(b[pos:]), true
			pos += 4
			if pos == len(b) {
				return errorf(pos, "FlowSpec: path identifier not followed by an NLRI length")
			}
		}
		lenOff := pos
		n := int(b[pos])
		pos++
		if n >= 0xf0 {
			if pos == len(b) {
				return errorf(lenOff, "FlowSpec: 2-byte NLRI length 0x%02x.. truncated", n)
			}
			n = (n&0x0f)<<8 | int(b[pos])
			pos++
		}
		if n > len(b)-pos {
			return errorf(lenOff, "FlowSpec: NLRI length %d exceeds the section (%d bytes left)", n, len(b)-pos)
		}
		body, base := b[pos:pos+n:pos+n], pos
		pos += n
		if k.vpn {
			if len(body) < 8 {
				return errorf(lenOff, "FlowSpec VPN: NLRI length %d too short for the 8-byte route distinguisher", n)
			}
			r.RD, r.HasRD = [8]byte(body), true
			body, base = body[8:], base+8
		}
		r.Raw = body
		if err := walkComponents(&r, body, base, k, s); err != nil {
			return err
		}
		s.rules++
		if s.fill {
			s.dst = append(s.dst, r)
		}
	}
	return nil
}

// walkComponents walks the components of one rule (b, found at offset base).
func walkComponents(r *FlowspecRule, b []byte, base int, k flowspecKind, s *fsScan) error {
	startComp := len(s.compBuf)
	last := uint8(0)
	pos := 0
	for pos < len(b) {
		off := base + pos
		t := b[pos]
		pos++
		switch {
		case t == 0 || t > FlowspecFlowLabel || (t == FlowspecFlowLabel && !k.ipv6):
			return errorf(off, "FlowSpec: unknown component type %d (its length is not encoded: the NLRI cannot be parsed further)", t)
		case t <= last:
			return errorf(off, "FlowSpec: component type %d after type %d: types must be strictly increasing (RFC 8955 section 4.2)", t, last)
		}
		last = t
		var c FlowspecComponent
		c.Type = t
		var err error
		if t == FlowspecDstPrefix || t == FlowspecSrcPrefix {
			pos, err = fsPrefix(&c, b, pos, base, k.ipv6)
		} else {
			pos, err = fsOps(&c, b, pos, base, s)
		}
		if err != nil {
			return err
		}
		s.comps++
		if s.fill {
			s.compBuf = append(s.compBuf, c)
		}
	}
	if s.fill && len(s.compBuf) > startComp {
		end := len(s.compBuf)
		r.Components = s.compBuf[startComp:end:end]
	}
	return nil
}

// fsPrefix decodes the prefix of a type 1 or 2 component whose type byte precedes pos.
func fsPrefix(c *FlowspecComponent, b []byte, pos, base int, ipv6 bool) (int, error) {
	lenOff := base + pos
	if pos >= len(b) {
		return pos, errorf(lenOff, "FlowSpec: component type %d: missing prefix length", c.Type)
	}
	bits := int(b[pos])
	pos++
	if !ipv6 {
		if bits > 32 {
			return pos, errorf(lenOff, "FlowSpec: component type %d: prefix length %d exceeds 32", c.Type, bits)
		}
		nb := (bits + 7) >> 3
		if nb > len(b)-pos {
			return pos, errorf(lenOff, "FlowSpec: component type %d: prefix length %d needs %d bytes, %d left", c.Type, bits, nb, len(b)-pos)
		}
		c.Prefix, _ = makePrefix(b[pos:pos+nb], bits, 32)
		return pos + nb, nil
	}
	if bits > 128 {
		return pos, errorf(lenOff, "FlowSpec: component type %d: prefix length %d exceeds 128", c.Type, bits)
	}
	if pos >= len(b) {
		return pos, errorf(lenOff, "FlowSpec: component type %d: missing IPv6 prefix offset", c.Type)
	}
	offset := int(b[pos])
	pos++
	if (bits != 0 || offset != 0) && offset >= bits {
		return pos, errorf(lenOff+1, "FlowSpec: component type %d: offset %d not below the prefix length %d (RFC 8956 section 3.1)", c.Type, offset, bits)
	}
	pbits := bits - offset
	nb := (pbits + 7) >> 3
	if nb > len(b)-pos {
		return pos, errorf(lenOff, "FlowSpec: component type %d: pattern of %d bits needs %d bytes, %d left", c.Type, pbits, nb, len(b)-pos)
	}
	var a [16]byte
	pat := b[pos : pos+nb]
	for i := 0; i < pbits; i++ {
		if pat[i>>3]&(0x80>>(i&7)) != 0 {
			j := offset + i
			a[j>>3] |= 0x80 >> (j & 7)
		}
	}
	c.Prefix = netip.PrefixFrom(netip.AddrFrom16(a), bits)
	c.Offset = uint8(offset)
	return pos + nb, nil
}

// fsOps decodes the {operator, value} list of a numeric or bitmask component whose type
// byte precedes pos.
func fsOps(c *FlowspecComponent, b []byte, pos, base int, s *fsScan) (int, error) {
	start := len(s.opBuf)
	for {
		if pos >= len(b) {
			return pos, errorf(base+pos, "FlowSpec: component type %d: operator list ends without the end-of-list bit", c.Type)
		}
		opOff := base + pos
		op := FlowspecOp{Op: b[pos]}
		pos++
		n := op.ValueLen()
		if n > len(b)-pos {
			return pos, errorf(opOff, "FlowSpec: component type %d: operator 0x%02x announces a %d-byte value, %d bytes left", c.Type, op.Op, n, len(b)-pos)
		}
		for _, v := range b[pos : pos+n] {
			op.Value = op.Value<<8 | uint64(v)
		}
		pos += n
		s.ops++
		if s.fill {
			s.opBuf = append(s.opBuf, op)
		}
		if op.End() {
			break
		}
	}
	if s.fill {
		end := len(s.opBuf)
		c.Ops = s.opBuf[start:end:end]
	}
	return pos, nil
}
