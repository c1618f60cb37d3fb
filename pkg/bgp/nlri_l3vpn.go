package bgp

import (
	"encoding/binary"
	"net/netip"
)

// VPNRoute is one labelled VPN-IP NLRI: VPN-IPv4 (RFC 4364 section 4.3.4), VPN-IPv6 (RFC
// 4659 section 3.2), with the label stack of RFC 8277 section 2. SAFI 129 ("VPN
// multicast", the VPN-IP routes of RFC 6513 section 5.1.1 used for upstream multicast hop
// selection) uses the same encoding.
type VPNRoute struct {
	PathID    uint32
	HasPathID bool
	// Labels is the label stack as sent. In a withdrawal it may be the single RFC 8277
	// section 2.4 Compatibility field (0x800000, or 0x000000 from some implementations)
	// that stands for the whole stack.
	Labels LabelStack
	// LabelQuirk is set when the stack did not end with a bottom-of-stack entry and was
	// ended by one of the rules for senders that omit it (see labels.go).
	LabelQuirk bool
	RD         RD
	// Prefix is the IPv4 or IPv6 prefix, host bits cleared.
	Prefix netip.Prefix
}

// DecodeVPN appends the VPN-IP routes of the NLRI block b (from an MP_REACH_NLRI, or an
// MP_UNREACH_NLRI when withdraw is set) of address family afi (AFIIPv4 or AFIIPv6) to dst:
//
//	[path identifier (4 bytes), when addPath (RFC 7911)]
//	length in bits (1 byte): label stack + route distinguisher + prefix
//	label stack: 3-byte entries up to the one with the bottom-of-stack bit; in a
//	  withdrawal a first entry 0x800000 or 0x000000 (Compatibility) ends it, in an
//	  announcement an entry 0x000000 when the rest fits (see labels.go)
//	route distinguisher (8 bytes)
//	prefix: the remaining bits (0..32 or 0..128)
//
// Errors are *Error with the offset in b. On error dst is returned unextended. Routes
// alias b.
func DecodeVPN(b []byte, afi uint16, addPath, withdraw bool, dst []VPNRoute) ([]VPNRoute, error) {
	return decodeVPN(b, afi, addPath, withdraw, false, dst)
}

// DecodeVPNLenient is DecodeVPN with the lenient label stack rule (labels.go): a stack that
// runs past the NLRI length ends at the first entry after which a valid route
// distinguisher and prefix follow. Try it only after DecodeVPN failed with both ADD-PATH
// settings.
func DecodeVPNLenient(b []byte, afi uint16, addPath, withdraw bool, dst []VPNRoute) ([]VPNRoute, error) {
	return decodeVPN(b, afi, addPath, withdraw, true, dst)
}

func decodeVPN(b []byte, afi uint16, addPath, withdraw, lenient bool, dst []VPNRoute) ([]VPNRoute, error) {
	maxBits := 32
	switch afi {
	case AFIIPv4:
	case AFIIPv6:
		maxBits = 128
	default:
		return dst, errorf(0, "VPN NLRI: AFI %d is neither IPv4 (1) nor IPv6 (2)", afi)
	}
	start := len(dst)
	for pos := 0; pos < len(b); {
		var r VPNRoute
		if addPath {
			if len(b)-pos < 4 {
				return dst[:start], errorf(pos, "VPN NLRI: truncated path identifier: need 4 bytes, have %d", len(b)-pos)
			}
			r.PathID, r.HasPathID = binary.BigEndian.Uint32(b[pos:]), true
			pos += 4
			if pos == len(b) {
				return dst[:start], errorf(pos, "VPN NLRI: path identifier not followed by a length")
			}
		}
		lenOff := pos
		l := int(b[pos])
		pos++
		nb := (l + 7) >> 3
		if nb > len(b)-pos {
			return dst[:start], errorf(lenOff, "VPN NLRI: length %d bits needs %d bytes, %d left", l, nb, len(b)-pos)
		}
		body := b[pos : pos+nb]
		n, quirk, bad := labelStack(body, l, 64, maxBits, withdraw, lenient)
		if n < 0 {
			return dst[:start], errorf(lenOff, "VPN NLRI: length %d bits too short for label stack entry %d (no bottom-of-stack bit before the route distinguisher)", l, bad+1)
		}
		bits := l - 8*n
		if bits < 64 {
			return dst[:start], errorf(lenOff, "VPN NLRI: length %d bits leaves %d bits after the label stack (%d entries), less than the 64-bit route distinguisher", l, bits, n/3)
		}
		bits -= 64
		if bits > maxBits {
			return dst[:start], errorf(lenOff, "VPN NLRI: prefix length %d (length %d minus %d label bits and the route distinguisher) exceeds %d", bits, l, 8*n, maxBits)
		}
		r.Labels = LabelStack(body[:n:n])
		r.LabelQuirk = quirk
		r.RD = RD(body[n : n+8])
		r.Prefix, _ = makePrefix(body[n+8:], bits, maxBits)
		dst = append(dst, r)
		pos += nb
	}
	return dst, nil
}
