package bgp

import (
	"encoding/binary"
	"net/netip"
)

// MCAST-VPN route types (RFC 6514 section 4).
const (
	MVPNIntraASIPMSIAD  uint8 = 1
	MVPNInterASIPMSIAD  uint8 = 2
	MVPNSPMSIAD         uint8 = 3
	MVPNLeafAD          uint8 = 4
	MVPNSourceActiveAD  uint8 = 5
	MVPNSharedTreeJoin  uint8 = 6
	MVPNSourceTreeJoin  uint8 = 7
	mvpnRDLen                 = 8
	mvpnSourceASLen           = 4
	mvpnMaxKnownRouteTy       = MVPNSourceTreeJoin
)

// MVPNRoute is one MCAST-VPN NLRI (RFC 6514 section 4), AFI 1 or 2, SAFI 5: a route type,
// its length, and the route type specific field, decoded for types 1 to 7. Fields a type
// does not have are zero.
type MVPNRoute struct {
	PathID    uint32
	HasPathID bool
	Type      uint8
	// Value is the route type specific field as sent (for every type, known or not).
	Value []byte
	// RD: types 1, 2, 3, 5, 6, 7.
	RD    RD
	HasRD bool
	// OriginatorIP is the Originating Router's IP Address: types 1, 3, 4 (IPv4 or IPv6,
	// whatever the AFI, RFC 6515).
	OriginatorIP netip.Addr
	// SourceAS: types 2, 6, 7.
	SourceAS    uint32
	HasSourceAS bool
	// Source and Group are the multicast source and group (C-S, C-G): types 3, 5, 6, 7.
	// HasSourceGroup is set for those types; an invalid address is a wildcard (length 0,
	// RFC 6625).
	Source, Group  netip.Addr
	HasSourceGroup bool
	// RouteKey: type 4, the NLRI of the route the Leaf A-D route responds to (route type,
	// length and value), as sent.
	RouteKey []byte
}

// DecodeMcastVPN appends the MCAST-VPN routes of the NLRI block b of address family afi
// to dst:
//
//	[path identifier (4 bytes), when addPath (RFC 7911)]
//	route type (1 byte), length (1 byte), route type specific (length bytes)
//
// Types 1 to 7 are decoded (RFC 6514 sections 4.1 to 4.6):
//
//	1 Intra-AS I-PMSI A-D: RD (8), originating router's IP (4 or 16)
//	2 Inter-AS I-PMSI A-D: RD (8), source AS (4)
//	3 S-PMSI A-D:          RD (8), source length in bits (1), source, group length (1),
//	                       group, originating router's IP (4 or 16)
//	4 Leaf A-D:            route key (the NLRI of a type 1..3 route: type, length, value),
//	                       originating router's IP (4 or 16)
//	5 Source Active A-D:   RD (8), source length (1), source, group length (1), group
//	6, 7 C-multicast:      RD (8), source AS (4), source length (1), source, group
//	                       length (1), group
//
// Source and group lengths are 0 (wildcard, RFC 6625), 32 or 128 bits. A Leaf A-D route
// whose route key is not such an NLRI (RFC 7524 keys) takes the last 4 (AFI 1) or 16 (AFI
// 2) bytes as the originating router's address. Other route types are kept as Value.
// Errors are *Error with the offset in b; on error dst is returned unextended.
func DecodeMcastVPN(b []byte, afi uint16, addPath bool, dst []MVPNRoute) ([]MVPNRoute, error) {
	start := len(dst)
	for pos := 0; pos < len(b); {
		var r MVPNRoute
		if addPath {
			if len(b)-pos < 4 {
				return dst[:start], errorf(pos, "MCAST-VPN NLRI: truncated path identifier: need 4 bytes, have %d", len(b)-pos)
			}
			r.PathID, r.HasPathID = binary.BigEndian.Uint32(b[pos:]), true
			pos += 4
		}
		if len(b)-pos < 2 {
			return dst[:start], errorf(pos, "MCAST-VPN NLRI: need 2 bytes for route type and length, have %d", len(b)-pos)
		}
		r.Type = b[pos]
		l := int(b[pos+1])
		pos += 2
		if l > len(b)-pos {
			return dst[:start], errorf(pos-1, "MCAST-VPN NLRI: route type %d length %d exceeds the %d bytes left", r.Type, l, len(b)-pos)
		}
		r.Value = b[pos : pos+l : pos+l]
		if off, what := r.decodeValue(afi); what != "" {
			return dst[:start], errorf(pos+off, "MCAST-VPN NLRI: route type %d (length %d): %s", r.Type, l, what)
		}
		dst = append(dst, r)
		pos += l
	}
	return dst, nil
}

// decodeValue decodes r.Value by route type. On failure it returns the offset in the
// value and what was wrong.
func (r *MVPNRoute) decodeValue(afi uint16) (int, string) {
	v := r.Value
	if r.Type == 0 || r.Type > mvpnMaxKnownRouteTy {
		return 0, ""
	}
	if r.Type == MVPNLeafAD {
		return r.decodeLeafAD(afi)
	}
	if len(v) < mvpnRDLen {
		return 0, "shorter than the 8-byte route distinguisher"
	}
	r.RD, r.HasRD = RD(v[:mvpnRDLen]), true
	p := mvpnRDLen
	switch r.Type {
	case MVPNIntraASIPMSIAD:
		return r.originator(v, p)
	case MVPNInterASIPMSIAD:
		if len(v)-p != mvpnSourceASLen {
			return p, "want a 4-byte source AS after the route distinguisher, have " + itoa(len(v)-p) + " bytes"
		}
		r.SourceAS, r.HasSourceAS = binary.BigEndian.Uint32(v[p:]), true
		return 0, ""
	case MVPNSharedTreeJoin, MVPNSourceTreeJoin:
		if len(v)-p < mvpnSourceASLen {
			return p, "truncated source AS: need 4 bytes, have " + itoa(len(v)-p)
		}
		r.SourceAS, r.HasSourceAS = binary.BigEndian.Uint32(v[p:]), true
		p += mvpnSourceASLen
	}
	p, what := r.sourceGroup(v, p)
	if what != "" {
		return p, what
	}
	if r.Type == MVPNSPMSIAD {
		return r.originator(v, p)
	}
	if p != len(v) {
		return p, itoa(len(v)-p) + " bytes left after the multicast group"
	}
	return 0, ""
}

// sourceGroup decodes the multicast source and group fields at v[p:].
func (r *MVPNRoute) sourceGroup(v []byte, p int) (int, string) {
	r.HasSourceGroup = true
	var what string
	if r.Source, p, what = mcastAddr(v, p, "source"); what != "" {
		return p, what
	}
	if r.Group, p, what = mcastAddr(v, p, "group"); what != "" {
		return p, what
	}
	return p, ""
}

// mcastAddr decodes a length in bits (0, 32 or 128) and the address that follows.
func mcastAddr(v []byte, p int, name string) (netip.Addr, int, string) {
	if p >= len(v) {
		return netip.Addr{}, p, "missing multicast " + name + " length"
	}
	bits := int(v[p])
	var n int
	switch bits {
	case 0:
	case 32:
		n = 4
	case 128:
		n = 16
	default:
		return netip.Addr{}, p, "multicast " + name + " length " + itoa(bits) + " bits, want 0, 32 or 128"
	}
	p++
	if len(v)-p < n {
		return netip.Addr{}, p, "multicast " + name + " needs " + itoa(n) + " bytes, have " + itoa(len(v)-p)
	}
	var a netip.Addr
	switch n {
	case 4:
		a = netip.AddrFrom4([4]byte(v[p:]))
	case 16:
		a = netip.AddrFrom16([16]byte(v[p:]))
	}
	return a, p + n, ""
}

// originator decodes the Originating Router's IP Address, the rest of v from p.
func (r *MVPNRoute) originator(v []byte, p int) (int, string) {
	switch len(v) - p {
	case 4:
		r.OriginatorIP = netip.AddrFrom4([4]byte(v[p:]))
	case 16:
		r.OriginatorIP = netip.AddrFrom16([16]byte(v[p:]))
	default:
		return p, "originating router's IP address of " + itoa(len(v)-p) + " bytes, want 4 or 16"
	}
	return 0, ""
}

// decodeLeafAD splits a Leaf A-D route into its route key and originating router's IP.
func (r *MVPNRoute) decodeLeafAD(afi uint16) (int, string) {
	v := r.Value
	if len(v) >= 2 {
		if k := 2 + int(v[1]); k < len(v) && (len(v)-k == 4 || len(v)-k == 16) {
			r.RouteKey = v[:k:k]
			return r.originator(v, k)
		}
	}
	n := 4
	if afi == AFIIPv6 {
		n = 16
	}
	if len(v) <= n {
		return 0, "too short for a route key and a " + itoa(n) + "-byte originating router's IP address"
	}
	r.RouteKey = v[: len(v)-n : len(v)-n]
	return r.originator(v, len(v)-n)
}
