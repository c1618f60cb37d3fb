package record

import (
	"fmt"
	"net/netip"
)

// MVPNPrefix is one multicast VPN route: an MCAST-VPN route (SAFI 5, RFC 6514 route types
// 1 to 7, goBMP's MCASTVPNPrefix) or a VPN multicast route (SAFI 129: an RD-qualified
// VPN-IP prefix used for upstream multicast hop selection, RFC 6513 section 5.1.1, goBMP's
// MVPNPrefix). Both go to the "mvpn" topic; afi and safi tell them apart. Route type
// specific fields are present only for the types that have them.
type MVPNPrefix struct {
	Head
	// Hash is bmpstream's: MD5 over "mvpn", router_hash, peer_hash, afi, safi, the route
	// as sent (SAFI 5: route type and value in hex; SAFI 129: rd, prefix, prefix_len),
	// path_id. The add and del records of a route share it. Not on End-of-RIB records.
	Hash MD5 `json:"hash,omitzero"`
	RouterFields
	PeerFields
	BaseAttrs *BaseAttrs `json:"base_attrs,omitempty"`
	AFI       uint16     `json:"afi"`
	SAFI      uint8      `json:"safi"`
	// RouteType is the RFC 6514 route type (SAFI 5 routes only).
	RouteType *uint8 `json:"route_type,omitempty"`
	// RD is the route distinguisher as text (SAFI 5 types 1, 2, 3, 5, 6, 7; SAFI 129).
	RD           string     `json:"rd,omitempty"`
	OriginatorIP netip.Addr `json:"originator_ip,omitzero"`
	// MulticastSource and MulticastGroup (types 3, 5, 6, 7): an address or "*" (RFC 6625
	// wildcard).
	MulticastSource McastAddr `json:"multicast_source,omitzero"`
	MulticastGroup  McastAddr `json:"multicast_group,omitzero"`
	SourceAS        *uint32   `json:"source_as,omitempty"`
	// RouteKey (type 4) is the route key in hex: the NLRI the Leaf A-D route responds to.
	RouteKey string `json:"route_key,omitempty"`
	// NLRI is the route type specific field in hex for route types other than 1 to 7.
	NLRI string `json:"nlri,omitempty"`
	// Prefix, PrefixLen and Labels describe a SAFI 129 route.
	Prefix        netip.Addr `json:"prefix,omitzero"`
	PrefixLen     *uint8     `json:"prefix_len,omitempty"`
	Labels        []uint32   `json:"labels,omitempty"`
	IsIPv4        bool       `json:"is_ipv4"`
	Nexthop       netip.Addr `json:"nexthop,omitzero"`
	IsNexthopIPv4 bool       `json:"is_nexthop_ipv4"`
	IsEOR         bool       `json:"is_eor,omitempty"`
	PathFields
	RIBFlags
	V4Fields

	routeType uint8
	prefixLen uint8
	sourceAS  uint32
}

// SetRouteType sets RouteType.
func (m *MVPNPrefix) SetRouteType(t uint8) { m.routeType = t; m.RouteType = &m.routeType }

// SetPrefix sets Prefix and PrefixLen (SAFI 129).
func (m *MVPNPrefix) SetPrefix(p netip.Prefix) {
	m.Prefix, m.prefixLen = p.Addr(), uint8(p.Bits())
	m.PrefixLen = &m.prefixLen
}

// SetSourceAS sets SourceAS.
func (m *MVPNPrefix) SetSourceAS(as uint32) { m.sourceAS = as; m.SourceAS = &m.sourceAS }

// AppendJSON appends the record as one JSON object.
func (m *MVPNPrefix) AppendJSON(dst []byte) []byte {
	o := openObj(dst)
	m.Head.appendTo(&o, TypeMVPN)
	appendHashVPN(&o, m.Hash)
	m.RouterFields.appendTo(&o)
	m.PeerFields.appendTo(&o)
	o.u64("afi", uint64(m.AFI))
	o.u64("safi", uint64(m.SAFI))
	if m.RouteType != nil {
		o.u64("route_type", uint64(*m.RouteType))
	}
	o.strNE("rd", m.RD)
	o.addrOK("originator_ip", m.OriginatorIP)
	if !m.MulticastSource.IsZero() {
		o.key("multicast_source")
		o.b = m.MulticastSource.appendQuoted(o.b)
	}
	if !m.MulticastGroup.IsZero() {
		o.key("multicast_group")
		o.b = m.MulticastGroup.appendQuoted(o.b)
	}
	if m.SourceAS != nil {
		o.u64("source_as", uint64(*m.SourceAS))
	}
	o.strNE("route_key", m.RouteKey)
	o.strNE("nlri", m.NLRI)
	if m.PrefixLen != nil {
		o.addr("prefix", m.Prefix)
		o.u64("prefix_len", uint64(*m.PrefixLen))
	}
	if len(m.Labels) > 0 {
		o.u32s("labels", m.Labels)
	}
	o.boolean("is_ipv4", m.IsIPv4)
	m.PathFields.appendTo(&o, m.Nexthop, netip.Addr{}, m.IsNexthopIPv4)
	if m.IsEOR {
		o.boolean("is_eor", true)
	}
	m.RIBFlags.appendTo(&o)
	m.V4Fields.appendTo(&o)
	if m.BaseAttrs != nil {
		o.key("base_attrs")
		o.b = m.BaseAttrs.AppendJSON(o.b)
	}
	return o.close()
}

// McastAddr is a multicast source or group of an MCAST-VPN route: an address, or the
// wildcard "*" (RFC 6625). The zero value is "absent".
type McastAddr struct {
	Addr     netip.Addr
	Wildcard bool
}

// IsZero reports an absent value.
func (a McastAddr) IsZero() bool { return !a.Addr.IsValid() && !a.Wildcard }

// AppendText appends the address or "*".
func (a McastAddr) AppendText(b []byte) ([]byte, error) {
	if a.Wildcard || !a.Addr.IsValid() {
		return append(b, '*'), nil
	}
	return a.Addr.AppendTo(b), nil
}

func (a McastAddr) MarshalText() ([]byte, error) { return a.AppendText(nil) }

func (a *McastAddr) UnmarshalText(b []byte) error {
	if string(b) == "*" {
		*a = McastAddr{Wildcard: true}
		return nil
	}
	ip, err := netip.ParseAddr(string(b))
	if err != nil {
		return fmt.Errorf("record: multicast address %q: %w", b, err)
	}
	*a = McastAddr{Addr: ip}
	return nil
}

func (a McastAddr) appendQuoted(b []byte) []byte {
	b = append(b, '"')
	b, _ = a.AppendText(b)
	return append(b, '"')
}

// MVPNHash is the hash of an mvpn record of MCAST-VPN (SAFI 5): MD5 over "mvpn",
// router_hash, peer_hash, afi, safi, the route type, the route's NLRI value in hex (hexValue)
// and the path ID (0 when absent).
func MVPNHash(p *Parts, routerHash, peerHash string, afi uint16, safi, routeType uint8, hexValue []byte, pathID uint32) MD5 {
	return p.Reset().Str("mvpn").Str(routerHash).Str(peerHash).Uint(uint64(afi)).Uint(uint64(safi)).
		Uint(uint64(routeType)).Bytes(hexValue).Uint(uint64(pathID)).Sum()
}

// MVPNPrefixHash is the hash of an mvpn record of SAFI 129 (VPN-IP multicast prefix): MD5
// over "mvpn", router_hash, peer_hash, afi, safi, rd, prefix, prefix_len and path ID.
func MVPNPrefixHash(p *Parts, routerHash, peerHash string, afi uint16, safi uint8, rd string, prefix netip.Prefix, pathID uint32) MD5 {
	return p.Reset().Str("mvpn").Str(routerHash).Str(peerHash).Uint(uint64(afi)).Uint(uint64(safi)).Str(rd).
		Addr(prefix.Addr()).Uint(uint64(prefix.Bits())).Uint(uint64(pathID)).Sum()
}
