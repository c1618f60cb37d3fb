package record

import "net/netip"

// VPLS rfc_type values.
const (
	VPLSRFC4761 = "RFC4761" // VPLS signalling NLRI (VE ID, label block)
	VPLSRFC6074 = "RFC6074" // BGP auto-discovery NLRI (PE address)
)

// VPLSPrefix is one L2VPN VPLS route (AFI 25, SAFI 65): RFC 4761 signalling or RFC 6074
// auto-discovery, an announcement, a withdrawal or an End-of-RIB marker. Field names are
// goBMP's VPLSPrefix; hash, path_id, afi and safi are bmpstream's. The Layer2 Info
// extended community fields and the route targets come from the UPDATE's
// EXTENDED_COMMUNITIES and are on announcements only.
type VPLSPrefix struct {
	Head
	// Hash is bmpstream's: MD5 over "vpls", router_hash, peer_hash, vpn_rd, rfc_type,
	// ve_id and ve_block_offset (RFC 4761) or pe_address (RFC 6074), path_id. Not on
	// End-of-RIB records.
	Hash MD5 `json:"hash,omitzero"`
	RouterFields
	PeerFields
	BaseAttrs *BaseAttrs `json:"base_attrs,omitempty"`
	// IsIPv4 is true, as in goBMP (AFI 25 is not IPv6).
	IsIPv4        bool       `json:"is_ipv4"`
	Nexthop       netip.Addr `json:"nexthop,omitzero"`
	IsNexthopIPv4 bool       `json:"is_nexthop_ipv4"`
	VPNRD         string     `json:"vpn_rd,omitempty"`
	RFCType       string     `json:"rfc_type,omitempty"`
	// RFC 4761 fields. LabelBase is the label value of the Label Base field; the block is
	// LabelBase to LabelBlockEnd = LabelBase + VEBlockSize - 1 (absent for a size of 0).
	VEID          *uint16 `json:"ve_id,omitempty"`
	VEBlockOffset *uint16 `json:"ve_block_offset,omitempty"`
	VEBlockSize   *uint16 `json:"ve_block_size,omitempty"`
	LabelBase     *uint32 `json:"label_base,omitempty"`
	LabelBlockEnd *uint32 `json:"label_block_end,omitempty"`
	// PEAddress is the RFC 6074 PE address.
	PEAddress netip.Addr `json:"pe_address,omitzero"`
	// Layer2 Info extended community (RFC 4761 section 3.2.4): encapsulation type (19 =
	// VPLS), the C (control word) and S (sequenced delivery) flags, the layer-2 MTU.
	EncapType         *uint8  `json:"encap_type,omitempty"`
	ControlWord       *bool   `json:"control_word,omitempty"`
	SequencedDelivery *bool   `json:"sequenced_delivery,omitempty"`
	MTU               *uint16 `json:"mtu,omitempty"`
	// RouteTargets are the route target extended communities ("65000:100").
	RouteTargets []string `json:"route_targets,omitempty"`
	PathFields
	EORFields
	RIBFlags
	V4Fields

	ve                  [3]uint16
	labelBase, labelEnd uint32
	l2                  struct {
		encap  uint8
		cw, sd bool
		mtu    uint16
	}
}

// SetBlock sets the RFC 4761 fields from the NLRI: VE ID, VE block offset and size, and
// the label base value; LabelBlockEnd follows from the base and the size.
func (v *VPLSPrefix) SetBlock(veID, offset, size uint16, labelBase uint32) {
	v.ve = [3]uint16{veID, offset, size}
	v.VEID, v.VEBlockOffset, v.VEBlockSize = &v.ve[0], &v.ve[1], &v.ve[2]
	v.labelBase = labelBase
	v.LabelBase = &v.labelBase
	v.LabelBlockEnd = nil
	if size > 0 {
		v.labelEnd = labelBase + uint32(size) - 1
		v.LabelBlockEnd = &v.labelEnd
	}
}

// SetLayer2Info sets the Layer2 Info extended community fields.
func (v *VPLSPrefix) SetLayer2Info(encap uint8, controlWord, sequenced bool, mtu uint16) {
	v.l2.encap, v.l2.cw, v.l2.sd, v.l2.mtu = encap, controlWord, sequenced, mtu
	v.EncapType, v.ControlWord, v.SequencedDelivery, v.MTU = &v.l2.encap, &v.l2.cw, &v.l2.sd, &v.l2.mtu
}

// AppendJSON appends the record as one JSON object.
func (v *VPLSPrefix) AppendJSON(dst []byte) []byte {
	o := openObj(dst)
	v.Head.appendTo(&o, TypeVPLS)
	appendHashVPN(&o, v.Hash)
	v.RouterFields.appendTo(&o)
	v.PeerFields.appendTo(&o)
	o.boolean("is_ipv4", v.IsIPv4)
	v.PathFields.appendTo(&o, v.Nexthop, netip.Addr{}, v.IsNexthopIPv4)
	o.strNE("vpn_rd", v.VPNRD)
	o.strNE("rfc_type", v.RFCType)
	for _, f := range [...]struct {
		k string
		p *uint16
	}{{"ve_id", v.VEID}, {"ve_block_offset", v.VEBlockOffset}, {"ve_block_size", v.VEBlockSize}} {
		if f.p != nil {
			o.u64(f.k, uint64(*f.p))
		}
	}
	if v.LabelBase != nil {
		o.u64("label_base", uint64(*v.LabelBase))
	}
	if v.LabelBlockEnd != nil {
		o.u64("label_block_end", uint64(*v.LabelBlockEnd))
	}
	o.addrOK("pe_address", v.PEAddress)
	if v.EncapType != nil {
		o.u64("encap_type", uint64(*v.EncapType))
	}
	if v.ControlWord != nil {
		o.boolean("control_word", *v.ControlWord)
	}
	if v.SequencedDelivery != nil {
		o.boolean("sequenced_delivery", *v.SequencedDelivery)
	}
	if v.MTU != nil {
		o.u64("mtu", uint64(*v.MTU))
	}
	o.strsNE("route_targets", v.RouteTargets)
	appendEOR(&o, v.IsEOR, v.AFI, v.SAFI)
	v.RIBFlags.appendTo(&o)
	v.V4Fields.appendTo(&o)
	if v.BaseAttrs != nil {
		o.key("base_attrs")
		o.b = v.BaseAttrs.AppendJSON(o.b)
	}
	return o.close()
}

// VPLSHash is the hash of a vpls record: MD5 over "vpls", router_hash, peer_hash, vpn_rd,
// rfc_type, then for RFC 6074 (BGP-AD) the PE address, for RFC 4761 the VE ID and VE
// block offset, then the path ID (0 when absent).
func VPLSHash(p *Parts, routerHash, peerHash, rd, rfcType string, pe netip.Addr, veID, veBlockOffset uint16, pathID uint32) MD5 {
	p.Reset().Str("vpls").Str(routerHash).Str(peerHash).Str(rd).Str(rfcType)
	if rfcType == VPLSRFC6074 {
		p.Addr(pe)
	} else {
		p.Uint(uint64(veID)).Uint(uint64(veBlockOffset))
	}
	return p.Uint(uint64(pathID)).Sum()
}
