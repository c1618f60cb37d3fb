package record

import "net/netip"

// L3VPNPrefix is one VPN-IPv4 or VPN-IPv6 route (AFI 1/2, SAFI 128; RFC 4364, RFC 4659):
// an announcement ("add"), a withdrawal ("del"), or an End-of-RIB marker (is_eor, no
// prefix). Field names are goBMP's L3VPNPrefix; nexthop_link_local, afi and safi (on
// End-of-RIB records) are bmpstream's, as on unicast_prefix.
type L3VPNPrefix struct {
	Head
	// Hash is goBMP's L3VPN recipe (see the README): not set on End-of-RIB records.
	Hash MD5 `json:"hash,omitzero"`
	RouterFields
	PeerFields
	// BaseAttrs is shared by all routes of one UPDATE; withdrawals and End-of-RIB markers
	// carry none.
	BaseAttrs *BaseAttrs `json:"base_attrs,omitempty"`
	Prefix    netip.Addr `json:"prefix,omitzero"`
	// PrefixLen is always present on a route record (0 for a default route).
	PrefixLen        *uint8     `json:"prefix_len,omitempty"`
	IsIPv4           bool       `json:"is_ipv4"`
	Nexthop          netip.Addr `json:"nexthop,omitzero"`
	NexthopLinkLocal netip.Addr `json:"nexthop_link_local,omitzero"`
	IsNexthopIPv4    bool       `json:"is_nexthop_ipv4"`
	// Labels are the label values (20 bits) of the label stack; a withdrawal carries the
	// label field it was sent with (RFC 8277 section 2.4: 0x800000 gives 524288).
	Labels []uint32 `json:"labels,omitempty"`
	// VPNRD is the route distinguisher as text ("65000:100", "192.0.2.1:7",
	// "4200000001:7", "<type>:<hex>" for other types) and VPNRDType its type; both are on
	// every route record.
	VPNRD     string  `json:"vpn_rd,omitempty"`
	VPNRDType *uint16 `json:"vpn_rd_type,omitempty"`
	// OriginValidation and PrefixSID come from the UPDATE's origin validation state
	// extended community and BGP Prefix-SID attribute, as on unicast_prefix.
	OriginValidation string     `json:"origin_validation,omitempty"`
	PrefixSID        *PrefixSID `json:"prefix_sid,omitempty"`
	PathFields
	EORFields
	RIBFlags
	V4Fields
	// Synthesized marks a withdrawal that the router did not send: bmpstream's route
	// table (--synthesize-withdrawals, --rib-suppress-duplicates) publishes one for each
	// route a Peer Down or the end of the session removed, or a stale-route sweep withdrew.
	Synthesized bool `json:"synthesized,omitempty"`

	prefixLen uint8
	rdType    uint16
}

// SetPrefix sets Prefix and PrefixLen without allocating.
func (v *L3VPNPrefix) SetPrefix(p netip.Prefix) {
	v.Prefix = p.Addr()
	v.prefixLen = uint8(p.Bits())
	v.PrefixLen = &v.prefixLen
}

// SetRD sets VPNRD and VPNRDType.
func (v *L3VPNPrefix) SetRD(text string, typ uint16) {
	v.VPNRD, v.rdType = text, typ
	v.VPNRDType = &v.rdType
}

// AppendJSON appends the record as one JSON object.
func (v *L3VPNPrefix) AppendJSON(dst []byte) []byte {
	o := openObj(dst)
	v.Head.appendTo(&o, TypeL3VPN)
	appendHashVPN(&o, v.Hash)
	v.RouterFields.appendTo(&o)
	v.PeerFields.appendTo(&o)
	if v.PrefixLen != nil {
		o.addr("prefix", v.Prefix)
		o.u64("prefix_len", uint64(*v.PrefixLen))
	}
	o.boolean("is_ipv4", v.IsIPv4)
	v.PathFields.appendTo(&o, v.Nexthop, v.NexthopLinkLocal, v.IsNexthopIPv4)
	if len(v.Labels) > 0 {
		o.u32s("labels", v.Labels)
	}
	o.strNE("vpn_rd", v.VPNRD)
	if v.VPNRDType != nil {
		o.u64("vpn_rd_type", uint64(*v.VPNRDType))
	}
	o.strNE("origin_validation", v.OriginValidation)
	if v.PrefixSID != nil {
		o.key("prefix_sid")
		o.b = v.PrefixSID.AppendJSON(o.b)
	}
	appendEOR(&o, v.IsEOR, v.AFI, v.SAFI)
	v.RIBFlags.appendTo(&o)
	v.V4Fields.appendTo(&o)
	if v.Synthesized {
		o.boolean("synthesized", true)
	}
	if v.BaseAttrs != nil {
		o.key("base_attrs")
		o.b = v.BaseAttrs.AppendJSON(o.b)
	}
	return o.close()
}

// appendHashVPN writes the "hash" field when h is set.
func appendHashVPN(o *obj, h MD5) {
	if h.IsZero() {
		return
	}
	o.key("hash")
	o.b = append(o.b, '"')
	o.b, _ = h.AppendText(o.b)
	o.b = append(o.b, '"')
}

// L3VPNHash is the hash of an l3vpn route record (goBMP's recipe): MD5 over "l3vpn",
// router_hash, peer_hash, vpn_rd, vpn_rd_type, prefix, prefix_len, is_ipv4, path ID (0
// when absent) and the labels. The labels are part of it, so a withdrawal sent with the
// RFC 8277 Compatibility field hashes differently from the announcement (see the docs).
func L3VPNHash(p *Parts, routerHash, peerHash, rd string, rdType uint16, prefix netip.Prefix, ipv4 bool, pathID uint32, labels []uint32) MD5 {
	return p.Reset().Str("l3vpn").Str(routerHash).Str(peerHash).Str(rd).Uint(uint64(rdType)).Addr(prefix.Addr()).
		Uint(uint64(prefix.Bits())).Bool(ipv4).Uint(uint64(pathID)).Labels(labels).Sum()
}
