package record

import "net/netip"

// UnicastPrefix is one IPv4 or IPv6 unicast (or labelled unicast) route: an announcement
// ("add"), a withdrawal ("del"), or an End-of-RIB marker (is_eor, no prefix). The same
// structure carries multicast routes (SAFI 2) when Kind is TypeMulticastPrefix.
type UnicastPrefix struct {
	// Kind is TypeUnicastPrefix (the zero value means the same) or TypeMulticastPrefix.
	Kind Type `json:"-"`
	Head
	Hash MD5 `json:"hash,omitzero"`
	RouterFields
	PeerFields
	// BaseAttrs is shared by all prefixes of one UPDATE. Withdrawals and End-of-RIB
	// markers carry none.
	BaseAttrs *BaseAttrs `json:"base_attrs,omitempty"`
	Prefix    netip.Addr `json:"prefix,omitzero"`
	// PrefixLen is always present on a prefix record (0 for a default route).
	PrefixLen *uint8     `json:"prefix_len,omitempty"`
	IsIPv4    bool       `json:"is_ipv4"`
	Nexthop   netip.Addr `json:"nexthop,omitzero"`
	// NexthopLinkLocal is the IPv6 link-local next hop when MP_REACH_NLRI carries two.
	NexthopLinkLocal netip.Addr `json:"nexthop_link_local,omitzero"`
	IsNexthopIPv4    bool       `json:"is_nexthop_ipv4"`
	Labels           []uint32   `json:"labels,omitempty"`
	// Color, OriginValidation and PrefixSID come from the UPDATE's Color and origin
	// validation state extended communities and BGP Prefix-SID (see BaseAttrs.Route*).
	Color            *uint32    `json:"color,omitempty"`
	OriginValidation string     `json:"origin_validation,omitempty"`
	PrefixSID        *PrefixSID `json:"prefix_sid,omitempty"`
	PathFields
	EORFields
	RIBFlags
	// V4Fields: BMPv4 path status and Route Monitoring TLVs (see v4.go).
	V4Fields
	// Synthesized marks a withdrawal that the router did not send: bmpstream's route
	// table (--synthesize-withdrawals, --rib-suppress-duplicates) publishes one for each
	// route a Peer Down or the end of the session removed, or a stale-route sweep withdrew.
	Synthesized bool `json:"synthesized,omitempty"`

	prefixLen uint8
}

// SetPrefix sets Prefix and PrefixLen without allocating.
func (u *UnicastPrefix) SetPrefix(p netip.Prefix) {
	u.Prefix = p.Addr()
	u.prefixLen = uint8(p.Bits())
	u.PrefixLen = &u.prefixLen
}

// AppendJSON appends the record as one JSON object.
func (u *UnicastPrefix) AppendJSON(dst []byte) []byte {
	o := openObj(dst)
	kind := u.Kind
	if kind == 0 {
		kind = TypeUnicastPrefix
	}
	u.Head.appendTo(&o, kind)
	if !u.Hash.IsZero() {
		o.key("hash")
		o.b = append(o.b, '"')
		o.b, _ = u.Hash.AppendText(o.b)
		o.b = append(o.b, '"')
	}
	u.RouterFields.appendTo(&o)
	u.PeerFields.appendTo(&o)
	if u.PrefixLen != nil {
		o.addr("prefix", u.Prefix)
		o.u64("prefix_len", uint64(*u.PrefixLen))
	}
	o.boolean("is_ipv4", u.IsIPv4)
	u.PathFields.appendTo(&o, u.Nexthop, u.NexthopLinkLocal, u.IsNexthopIPv4)
	if len(u.Labels) > 0 {
		o.u32s("labels", u.Labels)
	}
	if u.Color != nil {
		o.u64("color", uint64(*u.Color))
	}
	o.strNE("origin_validation", u.OriginValidation)
	if u.PrefixSID != nil {
		o.key("prefix_sid")
		o.b = u.PrefixSID.AppendJSON(o.b)
	}
	appendEOR(&o, u.IsEOR, u.AFI, u.SAFI)
	u.RIBFlags.appendTo(&o)
	u.V4Fields.appendTo(&o)
	if u.Synthesized {
		o.boolean("synthesized", true)
	}
	if u.BaseAttrs != nil {
		o.key("base_attrs")
		o.b = u.BaseAttrs.AppendJSON(o.b)
	}
	return o.close()
}

// Route hashes of unicast_prefix and multicast_prefix records (goBMP's recipe): MD5 over
// the kind ("unicast" or "multicast"), router_hash, peer_hash, then the prefix, its
// length, is_ipv4, the path ID (0 when absent) and the labels. The first three are the
// same for every prefix of a peer: UnicastHashBase hashes them once into m, UnicastHash
// goes on from there for each prefix (p is scratch).

// UnicastHashBase sets m's constant prefix for a peer's prefixes of kind.
func UnicastHashBase(m *PrefixedMD5, p *Parts, kind, routerHash, peerHash string) {
	m.SetBase(p.Reset().Str(kind).Str(routerHash).Str(peerHash).Written())
}

// UnicastHash returns the hash of one prefix (see UnicastHashBase).
func UnicastHash(m *PrefixedMD5, p *Parts, prefix netip.Prefix, ipv4 bool, pathID uint64, labels []uint32) MD5 {
	return m.Sum(p.Reset().Addr(prefix.Addr()).Uint(uint64(prefix.Bits())).Bool(ipv4).Uint(pathID).Labels(labels).Written())
}
