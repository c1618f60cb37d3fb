package record

import "net/netip"

// BGP-LS records (AFI 16388, SAFI 71 and 72): one record per NLRI, of type ls_node,
// ls_link, ls_prefix or ls_srv6_sid, with goBMP's field names (LSNode, LSLink, LSPrefix,
// LSSRv6SID). BGP-LS records carry no base_attrs (as in goBMP): the BGP-LS Attribute is
// decoded into the record's own fields (LSAttrFields) and the NLRI's descriptors into
// LSHeader and the per-type fields.
//
// Hashes (MD5, each part followed by one 0x00 byte, like the other goBMP recipes):
//   - hash: "ls_node" | "ls_link" | "ls_prefix" | "ls_srv6_sid", router_hash, peer_hash,
//     route_distinguisher (text, "" without), path_id (decimal, 0 without), and the NLRI
//     after the route distinguisher in hex (protocol ID, identifier, descriptors). The add
//     and del records of one NLRI carry the same hash.
//   - local_node_hash / remote_node_hash identify an IGP node, whoever reports it:
//     "ls_node", protocol_id (decimal), domain_id (decimal), route_distinguisher, and the
//     node descriptor's sub-TLVs in hex (the value of TLV 256 or 257). A link's
//     remote_node_hash equals the local_node_hash of the remote node's own records.

// LSHeader holds the fields every BGP-LS record has.
type LSHeader struct {
	// DomainID is the NLRI's 64-bit Identifier (always present).
	DomainID   int64  `json:"domain_id"`
	Protocol   string `json:"protocol,omitempty"`
	ProtocolID uint8  `json:"protocol_id,omitempty"`
	// IGPRouterID is the local node's IGP Router-ID (515): dotted quad for 4 bytes, else
	// hex digits in groups of four ("0000.0000.0001", pseudonode "0000.0000.0001.01").
	IGPRouterID string `json:"igp_router_id,omitempty"`
	// LSID is the local node's BGP-LS Identifier (513).
	LSID uint32 `json:"ls_id,omitempty"`
	// BGPRouterID and MemberAS are the local node's BGP Router-ID (516) and confederation
	// member AS (517), RFC 9086.
	BGPRouterID   netip.Addr `json:"bgp_router_id,omitzero"`
	MemberAS      uint32     `json:"member_as,omitempty"`
	LocalNodeHash string     `json:"local_node_hash,omitempty"`
	// Nexthop is the MP_REACH_NLRI next hop (announcements only).
	Nexthop netip.Addr `json:"nexthop,omitzero"`
	// RouteDistinguisher is the NLRI's RD (SAFI 72 only).
	RouteDistinguisher string  `json:"route_distinguisher,omitempty"`
	PathID             *uint32 `json:"path_id,omitempty"`
	// UnknownDescriptorTLVs are NLRI TLVs and node descriptor sub-TLVs bmpstream does not
	// decode (and repeated ones), in hex.
	UnknownDescriptorTLVs []TLV `json:"unknown_descriptor_tlvs,omitempty"`

	pathID uint32
}

// SetPathID sets the ADD-PATH path identifier.
func (h *LSHeader) SetPathID(id uint32) { h.pathID = id; h.PathID = &h.pathID }

func (h *LSHeader) appendTo(o *obj) {
	o.i64("domain_id", h.DomainID)
	o.strNE("protocol", h.Protocol)
	if h.ProtocolID != 0 {
		o.u64("protocol_id", uint64(h.ProtocolID))
	}
	o.strNE("igp_router_id", h.IGPRouterID)
	if h.LSID != 0 {
		o.u64("ls_id", uint64(h.LSID))
	}
	o.addrOK("bgp_router_id", h.BGPRouterID)
	if h.MemberAS != 0 {
		o.u64("member_as", uint64(h.MemberAS))
	}
	o.strNE("local_node_hash", h.LocalNodeHash)
	o.addrOK("nexthop", h.Nexthop)
	o.strNE("route_distinguisher", h.RouteDistinguisher)
	if h.PathID != nil {
		o.u64("path_id", uint64(*h.PathID))
	}
	appendTLVs(o, "unknown_descriptor_tlvs", h.UnknownDescriptorTLVs)
}

func appendHash(o *obj, h MD5) {
	if h.IsZero() {
		return
	}
	o.key("hash")
	o.b = append(o.b, '"')
	o.b, _ = h.AppendText(o.b)
	o.b = append(o.b, '"')
}

func appendMTID(o *obj, m *LSMTID) {
	if m != nil {
		o.key("mt_id_tlv")
		o.b = m.appendJSON(o.b)
	}
}

// LSNode is a BGP-LS node NLRI (type 1). It also carries the End-of-RIB marker of the
// BGP-LS families (is_eor, afi, safi, no descriptors).
type LSNode struct {
	Head
	Hash MD5 `json:"hash,omitzero"`
	RouterFields
	PeerFields
	LSHeader
	ASN uint32 `json:"asn,omitempty"`
	// AreaID is the OSPF area (decimal) or the IS-IS area addresses (TLV 1027, e.g.
	// "49.0901", several joined by ","); always present.
	AreaID string   `json:"area_id"`
	MTID   []LSMTID `json:"mt_id_tlv,omitempty"`
	EORFields
	LSAttrFields
	RIBFlags
	V4Fields
}

// AppendJSON appends the record as one JSON object.
func (n *LSNode) AppendJSON(dst []byte) []byte {
	o := openObj(dst)
	n.Head.appendTo(&o, TypeLSNode)
	appendHash(&o, n.Hash)
	n.RouterFields.appendTo(&o)
	n.PeerFields.appendTo(&o)
	n.LSHeader.appendTo(&o)
	if n.ASN != 0 {
		o.u64("asn", uint64(n.ASN))
	}
	o.str("area_id", n.AreaID)
	o.list("mt_id_tlv", len(n.MTID), func(dst []byte, i int) []byte { return n.MTID[i].appendJSON(dst) })
	appendEOR(&o, n.IsEOR, n.AFI, n.SAFI)
	n.LSAttrFields.appendTo(&o)
	n.RIBFlags.appendTo(&o)
	n.V4Fields.appendTo(&o)
	return o.close()
}

// LSLink is a BGP-LS link NLRI (type 2).
type LSLink struct {
	Head
	Hash MD5 `json:"hash,omitzero"`
	RouterFields
	PeerFields
	LSHeader
	// AreaID: the OSPF area (decimal), the local AS for BGP (EPE) links, else "0".
	AreaID            string     `json:"area_id"`
	MTID              *LSMTID    `json:"mt_id_tlv,omitempty"`
	LocalNodeASN      uint32     `json:"local_node_asn,omitempty"`
	RemoteNodeASN     uint32     `json:"remote_node_asn,omitempty"`
	RemoteIGPRouterID string     `json:"remote_igp_router_id,omitempty"`
	RemoteNodeHash    string     `json:"remote_node_hash,omitempty"`
	BGPRemoteRouterID netip.Addr `json:"bgp_remote_router_id,omitzero"`
	RemoteLSID        uint32     `json:"remote_ls_id,omitempty"`
	RemoteMemberAS    uint32     `json:"remote_member_as,omitempty"`
	LocalLinkID       *uint32    `json:"local_link_id,omitempty"`
	RemoteLinkID      *uint32    `json:"remote_link_id,omitempty"`
	// LocalLinkIP and RemoteLinkIP are the IPv4 interface and neighbor addresses (259,
	// 260), else the IPv6 ones (261, 262); the *_ipv6 fields hold the IPv6 ones when both
	// families are present.
	LocalLinkIP    netip.Addr `json:"local_link_ip,omitzero"`
	RemoteLinkIP   netip.Addr `json:"remote_link_ip,omitzero"`
	LocalLinkIPv6  netip.Addr `json:"local_link_ipv6,omitzero"`
	RemoteLinkIPv6 netip.Addr `json:"remote_link_ipv6,omitzero"`
	LSAttrFields
	RIBFlags
	V4Fields

	localLinkID, remoteLinkID uint32
}

// SetLinkIDs sets the link local/remote identifiers (TLV 258).
func (l *LSLink) SetLinkIDs(local, remote uint32) {
	l.localLinkID, l.remoteLinkID = local, remote
	l.LocalLinkID, l.RemoteLinkID = &l.localLinkID, &l.remoteLinkID
}

// AppendJSON appends the record as one JSON object.
func (l *LSLink) AppendJSON(dst []byte) []byte {
	o := openObj(dst)
	l.Head.appendTo(&o, TypeLSLink)
	appendHash(&o, l.Hash)
	l.RouterFields.appendTo(&o)
	l.PeerFields.appendTo(&o)
	l.LSHeader.appendTo(&o)
	o.str("area_id", l.AreaID)
	appendMTID(&o, l.MTID)
	if l.LocalNodeASN != 0 {
		o.u64("local_node_asn", uint64(l.LocalNodeASN))
	}
	if l.RemoteNodeASN != 0 {
		o.u64("remote_node_asn", uint64(l.RemoteNodeASN))
	}
	o.strNE("remote_igp_router_id", l.RemoteIGPRouterID)
	o.strNE("remote_node_hash", l.RemoteNodeHash)
	o.addrOK("bgp_remote_router_id", l.BGPRemoteRouterID)
	if l.RemoteLSID != 0 {
		o.u64("remote_ls_id", uint64(l.RemoteLSID))
	}
	if l.RemoteMemberAS != 0 {
		o.u64("remote_member_as", uint64(l.RemoteMemberAS))
	}
	o.u32p("local_link_id", l.LocalLinkID)
	o.u32p("remote_link_id", l.RemoteLinkID)
	o.addrOK("local_link_ip", l.LocalLinkIP)
	o.addrOK("remote_link_ip", l.RemoteLinkIP)
	o.addrOK("local_link_ipv6", l.LocalLinkIPv6)
	o.addrOK("remote_link_ipv6", l.RemoteLinkIPv6)
	l.LSAttrFields.appendTo(&o)
	l.RIBFlags.appendTo(&o)
	l.V4Fields.appendTo(&o)
	return o.close()
}

// LSPrefix is a BGP-LS IPv4 or IPv6 prefix NLRI (types 3 and 4).
type LSPrefix struct {
	Head
	Hash MD5 `json:"hash,omitzero"`
	RouterFields
	PeerFields
	LSHeader
	// AreaID: the OSPF area (decimal), else "0".
	AreaID        string  `json:"area_id"`
	MTID          *LSMTID `json:"mt_id_tlv,omitempty"`
	LocalNodeASN  uint32  `json:"local_node_asn,omitempty"`
	OSPFRouteType uint8   `json:"ospf_route_type,omitempty"`
	// Prefix and PrefixLen (always present, 0 for a default route) come from the IP
	// Reachability Information TLV (265).
	Prefix    netip.Addr `json:"prefix"`
	PrefixLen uint8      `json:"prefix_len"`
	IsIPv4    bool       `json:"is_ipv4"`
	LSAttrFields
	RIBFlags
	V4Fields
}

// AppendJSON appends the record as one JSON object.
func (p *LSPrefix) AppendJSON(dst []byte) []byte {
	o := openObj(dst)
	p.Head.appendTo(&o, TypeLSPrefix)
	appendHash(&o, p.Hash)
	p.RouterFields.appendTo(&o)
	p.PeerFields.appendTo(&o)
	p.LSHeader.appendTo(&o)
	o.str("area_id", p.AreaID)
	appendMTID(&o, p.MTID)
	if p.LocalNodeASN != 0 {
		o.u64("local_node_asn", uint64(p.LocalNodeASN))
	}
	if p.OSPFRouteType != 0 {
		o.u64("ospf_route_type", uint64(p.OSPFRouteType))
	}
	o.addr("prefix", p.Prefix)
	o.u64("prefix_len", uint64(p.PrefixLen))
	o.boolean("is_ipv4", p.IsIPv4)
	p.LSAttrFields.appendTo(&o)
	p.RIBFlags.appendTo(&o)
	p.V4Fields.appendTo(&o)
	return o.close()
}

// LSSRv6SID is a BGP-LS SRv6 SID NLRI (type 6, RFC 9514).
type LSSRv6SID struct {
	Head
	Hash MD5 `json:"hash,omitzero"`
	RouterFields
	PeerFields
	LSHeader
	// AreaID is the OSPF area (decimal) when the node descriptor has one.
	AreaID       string     `json:"area_id,omitempty"`
	MTID         *LSMTID    `json:"mt_id_tlv,omitempty"`
	LocalNodeASN uint32     `json:"local_node_asn,omitempty"`
	SRv6SID      netip.Addr `json:"srv6_sid"`
	LSAttrFields
	RIBFlags
	V4Fields
}

// AppendJSON appends the record as one JSON object.
func (s *LSSRv6SID) AppendJSON(dst []byte) []byte {
	o := openObj(dst)
	s.Head.appendTo(&o, TypeLSSRv6SID)
	appendHash(&o, s.Hash)
	s.RouterFields.appendTo(&o)
	s.PeerFields.appendTo(&o)
	s.LSHeader.appendTo(&o)
	o.strNE("area_id", s.AreaID)
	appendMTID(&o, s.MTID)
	if s.LocalNodeASN != 0 {
		o.u64("local_node_asn", uint64(s.LocalNodeASN))
	}
	o.addr("srv6_sid", s.SRv6SID)
	s.LSAttrFields.appendTo(&o)
	s.RIBFlags.appendTo(&o)
	s.V4Fields.appendTo(&o)
	return o.close()
}

// LSNodeHash is the local_node_hash / remote_node_hash recipe: MD5 over "ls_node", the
// protocol ID, the identifier, the RD text and the node descriptor's TLVs in hex.
func LSNodeHash(p *Parts, protocol uint8, identifier uint64, rd string, hexDescriptor []byte) MD5 {
	return p.Reset().Str("ls_node").Uint(uint64(protocol)).Uint(identifier).Str(rd).Bytes(hexDescriptor).Sum()
}

// LSRouteHash is the hash of the BGP-LS records: MD5 over the record kind ("ls_node",
// "ls_link", "ls_prefix", "ls_srv6_sid"), router_hash, peer_hash, the RD text, the path
// ID (0 when absent) and the NLRI's descriptors in hex (hexKey).
func LSRouteHash(p *Parts, kind, routerHash, peerHash, rd string, pathID uint32, hexKey []byte) MD5 {
	return p.Reset().Str(kind).Str(routerHash).Str(peerHash).Str(rd).Uint(uint64(pathID)).Bytes(hexKey).Sum()
}
