package bgp

import (
	"encoding/binary"
	"net/netip"
)

// SR Policy NLRI (RFC 9830 section 2.1; SAFI 73):
//
//	[path identifier (4 bytes), when ADD-PATH applies]
//	length in bits (1 byte): 96 for AFI 1, 192 for AFI 2
//	distinguisher (4 bytes)
//	policy color (4 bytes)
//	endpoint (4 bytes for AFI 1, 16 for AFI 2)
//
// The candidate path itself (preference, binding SID, segment lists...) is in the
// Tunnel Encapsulation attribute (see DecodeTunnelEncap).

// SRPolicyNLRI is one SR Policy NLRI.
type SRPolicyNLRI struct {
	PathID        uint32
	HasPathID     bool
	Distinguisher uint32
	Color         uint32
	Endpoint      netip.Addr
}

// DecodeSRPolicy decodes the SR Policy NLRI of a section of AFI afi (1 or 2) and appends
// them to dst. addPath says whether each NLRI starts with a path identifier. Error
// offsets are relative to the start of b.
func DecodeSRPolicy(b []byte, afi uint16, addPath bool, dst []SRPolicyNLRI) ([]SRPolicyNLRI, error) {
	var want int
	switch afi {
	case AFIIPv4:
		want = 96
	case AFIIPv6:
		want = 192
	default:
		return dst, errorf(0, "SR Policy: AFI %d is neither IPv4 nor IPv6", afi)
	}
	step := want/8 + 1
	if addPath {
		step += 4
	}
	// Validate first, so that dst is extended only by a fully valid section.
	for pos := 0; pos < len(b); pos += step {
		lenOff := pos
		if addPath {
			if len(b)-pos < 4 {
				return dst, errorf(pos, "SR Policy: truncated path identifier: need 4 bytes, have %d", len(b)-pos)
			}
			lenOff += 4
			if lenOff == len(b) {
				return dst, errorf(lenOff, "SR Policy: path identifier not followed by an NLRI length")
			}
		}
		if l := int(b[lenOff]); l != want {
			return dst, errorf(lenOff, "SR Policy: NLRI length %d bits, expected %d for AFI %d", l, want, afi)
		}
		if need := want / 8; len(b)-lenOff-1 < need {
			return dst, errorf(lenOff, "SR Policy: NLRI of %d bytes truncated (%d bytes left)", need, len(b)-lenOff-1)
		}
	}
	for pos := 0; pos < len(b); pos += step {
		var n SRPolicyNLRI
		p := pos
		if addPath {
			n.PathID, n.HasPathID = binary.BigEndian.Uint32(b[p:]), true
			p += 4
		}
		p++ // length
		n.Distinguisher = binary.BigEndian.Uint32(b[p:])
		n.Color = binary.BigEndian.Uint32(b[p+4:])
		if afi == AFIIPv4 {
			n.Endpoint = netip.AddrFrom4([4]byte(b[p+8:]))
		} else {
			n.Endpoint = netip.AddrFrom16([16]byte(b[p+8:]))
		}
		dst = append(dst, n)
	}
	return dst, nil
}
