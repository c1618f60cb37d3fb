package bgp

import "encoding/binary"

// RTCRoute is one Route Target membership NLRI (RFC 4684 section 4), AFI 1 SAFI 132.
type RTCRoute struct {
	PathID    uint32
	HasPathID bool
	// Length is the prefix length in bits: 0 for the default route target (membership of
	// every route target), else 32 (origin AS only) to 96 (origin AS and a whole route
	// target).
	Length uint8
	// OriginAS is the origin AS (Length >= 32).
	OriginAS uint32
	// RouteTarget holds the first Length-32 bits of the route target extended community,
	// the rest zero.
	RouteTarget [8]byte
}

// FullRouteTarget reports whether the NLRI carries a whole route target (length 96).
func (r *RTCRoute) FullRouteTarget() bool { return r.Length == 96 }

// DecodeRTC appends the Route Target membership routes of the NLRI block b to dst:
//
//	[path identifier (4 bytes), when addPath (RFC 7911)]
//	prefix length in bits (1 byte): 0, or 32 to 96
//	prefix: origin AS (4 bytes) then route target (8 bytes), truncated to the length
//
// A length of 1 to 31 (a partial origin AS) or above 96 is an error, as are bytes missing
// for the length. Errors are *Error with the offset in b; on error dst is returned
// unextended.
func DecodeRTC(b []byte, addPath bool, dst []RTCRoute) ([]RTCRoute, error) {
	start := len(dst)
	for pos := 0; pos < len(b); {
		var r RTCRoute
		if addPath {
			if len(b)-pos < 4 {
				return dst[:start], errorf(pos, "RTC NLRI: truncated path identifier: need 4 bytes, have %d", len(b)-pos)
			}
			r.PathID, r.HasPathID = binary.BigEndian.Uint32(b[pos:]), true
			pos += 4
			if pos == len(b) {
				return dst[:start], errorf(pos, "RTC NLRI: path identifier not followed by a prefix length")
			}
		}
		lenOff := pos
		l := int(b[pos])
		pos++
		if l > 96 || (l > 0 && l < 32) {
			return dst[:start], errorf(lenOff, "RTC NLRI: prefix length %d, want 0 or 32 to 96", l)
		}
		nb := (l + 7) >> 3
		if nb > len(b)-pos {
			return dst[:start], errorf(lenOff, "RTC NLRI: prefix length %d needs %d bytes, %d left", l, nb, len(b)-pos)
		}
		r.Length = uint8(l)
		if l > 0 {
			r.OriginAS = binary.BigEndian.Uint32(b[pos:])
			copy(r.RouteTarget[:], b[pos+4:pos+nb])
			maskTail(r.RouteTarget[:], l-32)
		}
		dst = append(dst, r)
		pos += nb
	}
	return dst, nil
}
