package bgp

import (
	"encoding/binary"
	"net/netip"
	"strconv"
)

// The readable rendering of a FlowSpec rule (FlowspecRule.AppendRule):
//
//	dst 192.0.2.0/24 && proto ==6 && dport (>=80&<=90 || ==443) && tcp-flags all(syn)&!any(ack,rst)
//
//   - components in NLRI order, joined by " && ", each "name expression";
//   - names: dst, src, proto, port, dport, sport, icmp-type, icmp-code, tcp-flags, len,
//     dscp, frag, flow-label;
//   - a prefix is "address/length"; an IPv6 prefix with a non-zero offset is
//     "address/offset-length" (the address holds the pattern bits at offset..length-1);
//   - a numeric term is its comparison and value: ==, !=, <, <=, >, >= (e.g. ">=80");
//     the operators with neither bit or all three bits set, which match nothing or
//     everything whatever the value, are "false" and "true";
//   - a bitmask term (tcp-flags, frag) is all(bits) when the match bit is set (every
//     bit must be set in the packet) and any(bits) when it is not (at least one bit set),
//     prefixed with "!" when the not bit is set. Bits are named (tcp-flags: fin syn rst
//     psh ack urg ece cwr; frag: df isf ff lf); other bits are written in hex;
//   - terms joined by the AND bit are written "a&b" and bind tighter than the OR terms,
//     written "a || b"; a list with more than one OR term is put in parentheses.

// FlowspecComponentName returns the short name of a component type used in rule
// strings and JSON ("dst", "dport"), or "type<N>".
func FlowspecComponentName(t uint8) string {
	switch t {
	case FlowspecDstPrefix:
		return "dst"
	case FlowspecSrcPrefix:
		return "src"
	case FlowspecProto:
		return "proto"
	case FlowspecPort:
		return "port"
	case FlowspecDstPort:
		return "dport"
	case FlowspecSrcPort:
		return "sport"
	case FlowspecICMPType:
		return "icmp-type"
	case FlowspecICMPCode:
		return "icmp-code"
	case FlowspecTCPFlags:
		return "tcp-flags"
	case FlowspecPktLen:
		return "len"
	case FlowspecDSCP:
		return "dscp"
	case FlowspecFragment:
		return "frag"
	case FlowspecFlowLabel:
		return "flow-label"
	}
	return "type" + strconv.Itoa(int(t))
}

// FlowspecNumericOp returns the comparison of a numeric operator: "==", "!=", "<", "<=",
// ">", ">=", "true" or "false".
func FlowspecNumericOp(op uint8) string {
	switch op & (FlowspecOpLT | FlowspecOpGT | FlowspecOpEQ) {
	case FlowspecOpEQ:
		return "=="
	case FlowspecOpGT:
		return ">"
	case FlowspecOpGT | FlowspecOpEQ:
		return ">="
	case FlowspecOpLT:
		return "<"
	case FlowspecOpLT | FlowspecOpEQ:
		return "<="
	case FlowspecOpLT | FlowspecOpGT:
		return "!="
	case FlowspecOpLT | FlowspecOpGT | FlowspecOpEQ:
		return "true"
	}
	return "false"
}

var (
	tcpFlagNames  = [8]string{"fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr"}
	fragFlagNames = [4]string{"df", "isf", "ff", "lf"}
)

// AppendFlowspecBits appends the bits of a bitmask value of component type t as a
// comma-separated list of names (hex for unnamed bits), or "0" for no bit.
func AppendFlowspecBits(dst []byte, t uint8, v uint64) []byte {
	if v == 0 {
		return append(dst, '0')
	}
	var names []string
	if t == FlowspecTCPFlags {
		names = tcpFlagNames[:]
	} else if t == FlowspecFragment {
		names = fragFlagNames[:]
	}
	first := true
	sep := func() {
		if !first {
			dst = append(dst, ',')
		}
		first = false
	}
	for i, n := range names {
		if v&(1<<i) != 0 {
			sep()
			dst = append(dst, n...)
		}
	}
	if rest := v &^ (1<<len(names) - 1); rest != 0 {
		sep()
		dst = append(dst, '0', 'x')
		dst = strconv.AppendUint(dst, rest, 16)
	}
	return dst
}

// AppendFlowspecTerm appends one {operator, value} term of a component of type t,
// without the AND/OR joining: ">=80", "==6", "all(syn)", "!any(df,ff)".
func AppendFlowspecTerm(dst []byte, t uint8, o FlowspecOp) []byte {
	if FlowspecIsBitmask(t) {
		if o.Op&FlowspecOpNot != 0 {
			dst = append(dst, '!')
		}
		if o.Op&FlowspecOpMatch != 0 {
			dst = append(dst, "all("...)
		} else {
			dst = append(dst, "any("...)
		}
		dst = AppendFlowspecBits(dst, t, o.Value)
		return append(dst, ')')
	}
	cmp := FlowspecNumericOp(o.Op)
	dst = append(dst, cmp...)
	if cmp == "true" || cmp == "false" {
		return dst
	}
	return strconv.AppendUint(dst, o.Value, 10)
}

// AppendFlowspecPrefix appends a prefix component's value: "192.0.2.0/24", or
// "::1234:5678:9a00:0/64-104" for an IPv6 prefix with an offset.
func AppendFlowspecPrefix(dst []byte, c *FlowspecComponent) []byte {
	dst = c.Prefix.Addr().AppendTo(dst)
	dst = append(dst, '/')
	if c.Offset != 0 {
		dst = strconv.AppendUint(dst, uint64(c.Offset), 10)
		dst = append(dst, '-')
	}
	return strconv.AppendInt(dst, int64(c.Prefix.Bits()), 10)
}

// AppendComponent appends "name expression" for one component.
func (c *FlowspecComponent) AppendComponent(dst []byte) []byte {
	dst = append(dst, FlowspecComponentName(c.Type)...)
	dst = append(dst, ' ')
	if c.Type == FlowspecDstPrefix || c.Type == FlowspecSrcPrefix {
		return AppendFlowspecPrefix(dst, c)
	}
	groups := 0
	for i, o := range c.Ops {
		if i == 0 || !o.And() {
			groups++
		}
	}
	if groups > 1 {
		dst = append(dst, '(')
	}
	for i, o := range c.Ops {
		if i > 0 {
			if o.And() {
				dst = append(dst, '&')
			} else {
				dst = append(dst, " || "...)
			}
		}
		dst = AppendFlowspecTerm(dst, c.Type, o)
	}
	if groups > 1 {
		dst = append(dst, ')')
	}
	return dst
}

// AppendRule appends the readable rendering of the rule's components (see the top of
// this file); the route distinguisher is not part of it. A rule without components
// (which matches every packet) is rendered "any".
func (r *FlowspecRule) AppendRule(dst []byte) []byte {
	if len(r.Components) == 0 {
		return append(dst, "any"...)
	}
	for i := range r.Components {
		if i > 0 {
			dst = append(dst, " && "...)
		}
		dst = r.Components[i].AppendComponent(dst)
	}
	return dst
}

// Rule returns AppendRule as a string.
func (r *FlowspecRule) Rule() string { return string(r.AppendRule(make([]byte, 0, 64))) }

// AppendRD appends the rule's route distinguisher as text (RFC 4364 forms: type 0
// "asn2:n", type 1 "a.b.c.d:n", type 2 "asn4:n"; another type "type:hex").
func (r *FlowspecRule) AppendRD(dst []byte) []byte { return appendFlowspecRD(dst, r.RD) }

func appendFlowspecRD(dst []byte, rd [8]byte) []byte {
	switch binary.BigEndian.Uint16(rd[0:2]) {
	case 0:
		dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint16(rd[2:4])), 10)
		dst = append(dst, ':')
		return strconv.AppendUint(dst, uint64(binary.BigEndian.Uint32(rd[4:8])), 10)
	case 1:
		dst = netip.AddrFrom4([4]byte(rd[2:6])).AppendTo(dst)
		dst = append(dst, ':')
		return strconv.AppendUint(dst, uint64(binary.BigEndian.Uint16(rd[6:8])), 10)
	case 2:
		dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint32(rd[2:6])), 10)
		dst = append(dst, ':')
		return strconv.AppendUint(dst, uint64(binary.BigEndian.Uint16(rd[6:8])), 10)
	}
	dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint16(rd[0:2])), 10)
	dst = append(dst, ':')
	const hexdigits = "0123456789abcdef"
	for _, c := range rd[2:] {
		dst = append(dst, hexdigits[c>>4], hexdigits[c&0xf])
	}
	return dst
}
