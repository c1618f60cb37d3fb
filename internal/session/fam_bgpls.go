package session

import (
	"encoding/hex"

	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/bmp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// BGP-LS (AFI 16388, SAFI 71 and 72): one ls_node, ls_link, ls_prefix or ls_srv6_sid
// record per NLRI, with the UPDATE's BGP-LS Attribute (type 29) decoded into the record.
// TE Policy NLRI (type 5) and NLRI types bmpstream does not know become unknown_nlri
// records (raw NLRI in hex). The End-of-RIB marker of the families is an ls_node record
// with is_eor, afi and safi. See record/bgpls.go for the hash recipes.

func init() {
	RegisterFamily(Family{Decode: bgplsDecode, EndOfRIB: bgplsEndOfRIB}, bgp.Family{AFI: bgp.AFIBGPLS, SAFI: bgp.SAFIBGPLS}, bgp.Family{AFI: bgp.AFIBGPLS, SAFI: bgp.SAFIBGPLSVPN})
}

// lsScratch is the handler's reusable storage (Session.fam.ls; records are encoded as
// they are emitted, so they can be reused).
type lsScratch struct {
	routes []bgp.LSRoute
	attr   bgp.LSAttr
	node   record.LSNode
	link   record.LSLink
	prefix record.LSPrefix
	sid    record.LSSRv6SID
	parts  record.Parts
	hexBuf []byte
	tlvs   []record.TLV
}

// bgplsEndOfRIB: the End-of-RIB of the BGP-LS families is an ls_node record.
func bgplsEndOfRIB(c *Ctx, h record.Head, f bgp.Family) (record.Encoder, record.Type, bool) {
	n := &c.s.fam.ls.node
	*n = record.LSNode{Head: h, RouterFields: c.Router, PeerFields: c.PeerFields, RIBFlags: c.RIB,
		EORFields: record.EORFields{IsEOR: true, AFI: f.AFI, SAFI: f.SAFI}}
	return n, record.TypeLSNode, false
}

func bgplsDecode(c *Ctx, sec *Section) error {
	sc := &c.s.fam.ls
	vpn := sec.Family.SAFI == bgp.SAFIBGPLSVPN
	err := decodeSection(c, sec, func(addPath bool) error {
		var err error
		sc.routes, err = bgp.DecodeBGPLS(sec.NLRI, addPath, vpn, sc.routes)
		return err
	})
	if err != nil {
		return err
	}
	sc.attr = bgp.LSAttr{}
	attrVal := lsAttrValue(c, sec)
	if attrVal != nil {
		// A malformed TLV is kept in unknown_ls_attr_tlvs; the records are still emitted.
		if err := bgp.DecodeBGPLSAttr(attrVal, &sc.attr); err != nil {
			c.AttrError(sec.Family, err)
		}
	}
	var attrs record.LSAttrFields
	attrProto, converted := uint8(0), false
	for i := range sc.routes {
		r := &sc.routes[i]
		if !r.Decoded() || r.Type == bgp.LSNLRITEPolicy {
			lsUnknown(c, sec, r)
			continue
		}
		// The flag names of some TLVs depend on the protocol: convert once per protocol.
		if attrVal != nil && (!converted || attrProto != r.Protocol) {
			attrs, attrProto, converted = convertLSAttr(&sc.attr, r.Protocol), r.Protocol, true
		}
		sc.emit(i, c, sec, r, &attrs)
	}
	return nil
}

// lsAttrValue returns the value of the UPDATE's BGP-LS Attribute (kept raw by package bgp
// among the attributes it does not decode), or nil. Withdrawals carry no attribute data.
func lsAttrValue(c *Ctx, sec *Section) []byte {
	if !sec.Announce || c.Update == nil {
		return nil
	}
	for i := range c.Update.Attrs.Unknown {
		if a := &c.Update.Attrs.Unknown[i]; a.Type == bgp.AttrBGPLS {
			return a.Value
		}
	}
	// Should package bgp ever decode the attribute elsewhere, find it in the raw block
	// (validated by ParseUpdate; the first occurrence counts, RFC 7606 section 3(g)).
	raw := c.Update.Attrs.Raw
	for i := 0; i+3 <= len(raw); {
		hl, n := 3, int(raw[i+2])
		if raw[i]&bgp.AttrFlagExtendedLength != 0 {
			if i+4 > len(raw) {
				return nil
			}
			hl, n = 4, int(raw[i+2])<<8|int(raw[i+3])
		}
		if i+hl+n > len(raw) {
			return nil
		}
		if raw[i+1] == bgp.AttrBGPLS {
			return raw[i+hl : i+hl+n : i+hl+n]
		}
		i += hl + n
	}
	return nil
}

// lsUnknown emits an NLRI bmpstream does not turn into a BGP-LS record.
func lsUnknown(c *Ctx, sec *Section, r *bgp.LSRoute) {
	action := record.ActionDel
	if sec.Announce {
		action = record.ActionAdd
	}
	u := record.UnknownNLRI{Head: record.Head{Action: action, Sequence: c.Sequence()}, RouterFields: c.Router,
		PeerFields: c.PeerFields, AFI: sec.Family.AFI, SAFI: sec.Family.SAFI, NLRI: hex.EncodeToString(r.Raw), RIBFlags: c.RIB}
	c.Emit(&u, record.TypeUnknownNLRI, false)
}

func rdText(rd [8]byte) string {
	h := bmp.PeerHeader{Distinguisher: rd}
	return h.RDString()
}

// nodeHash is the local_node_hash / remote_node_hash recipe (record/bgpls.go).
func (sc *lsScratch) nodeHash(r *bgp.LSRoute, rd string, d *bgp.LSNodeDescriptor) string {
	sc.hexBuf = hex.AppendEncode(sc.hexBuf[:0], d.Raw)
	return record.LSNodeHash(&sc.parts, r.Protocol, r.Identifier, rd, sc.hexBuf).String()
}

// routeHash is the hash recipe of the records (record/bgpls.go).
func (sc *lsScratch) routeHash(c *Ctx, kind string, r *bgp.LSRoute, rd string) record.MD5 {
	sc.hexBuf = hex.AppendEncode(sc.hexBuf[:0], r.Key)
	return record.LSRouteHash(&sc.parts, kind, c.Router.RouterHash, c.PeerFields.PeerHash, rd, r.PathID, sc.hexBuf)
}

// emit builds and emits the record of one decoded NLRI.
func (sc *lsScratch) emit(idx int, c *Ctx, sec *Section, r *bgp.LSRoute, attrs *record.LSAttrFields) {
	var rd string
	if r.HasRD {
		rd = rdText(r.RD)
	}
	head := record.Head{Action: record.ActionDel, Sequence: c.Sequence()}
	h := record.LSHeader{DomainID: int64(r.Identifier), Protocol: bgp.LSProtocolName(r.Protocol), ProtocolID: r.Protocol,
		IGPRouterID: igpRouterID(r.Local.IGPRouterID), LSID: r.Local.BGPLSID, BGPRouterID: r.Local.BGPRouterID,
		MemberAS: r.Local.MemberASN, LocalNodeHash: sc.nodeHash(r, rd, &r.Local), RouteDistinguisher: rd}
	var fields record.LSAttrFields
	if sec.Announce {
		head.Action = record.ActionAdd
		h.Nexthop = sec.NextHop
		fields = *attrs
	}
	tlvs := tlvList(sc.tlvs[:0], r.Local.Unknown)
	ipv4 := sec.NextHop.Is4()
	switch r.Type {
	case bgp.LSNLRINode:
		tlvs = tlvList(tlvs, r.Unknown)
		n := &sc.node
		*n = record.LSNode{Head: head, RouterFields: c.Router, PeerFields: c.PeerFields, LSHeader: h, LSAttrFields: fields, RIBFlags: c.RIB,
			ASN: r.Local.ASN, MTID: mtidList(sc.attr.MTID)}
		if !sec.Announce {
			n.MTID = nil
		}
		switch {
		case isOSPF(r.Protocol) && r.Local.HasOSPFAreaID:
			n.AreaID = areaID(r.Protocol, &r.Local, false)
		case isISIS(r.Protocol) && sec.Announce:
			n.AreaID = isisAreas(sc.attr.ISISAreas)
		}
		n.Hash = sc.routeHash(c, "ls_node", r, rd)
		sc.finish(&n.LSHeader, r, tlvs)
		n.V4Fields = c.V4Fields(sec, idx)
		c.Emit(n, record.TypeLSNode, ipv4)
	case bgp.LSNLRILink:
		tlvs = tlvList(tlvList(tlvs, r.Remote.Unknown), r.Link.Unknown)
		l := &sc.link
		*l = record.LSLink{Head: head, RouterFields: c.Router, PeerFields: c.PeerFields, LSHeader: h, LSAttrFields: fields, RIBFlags: c.RIB,
			AreaID: areaID(r.Protocol, &r.Local, false), MTID: mtidFirst(r.Link.MTID), LocalNodeASN: r.Local.ASN,
			RemoteNodeASN: r.Remote.ASN, RemoteIGPRouterID: igpRouterID(r.Remote.IGPRouterID),
			RemoteNodeHash: sc.nodeHash(r, rd, &r.Remote), BGPRemoteRouterID: r.Remote.BGPRouterID,
			RemoteLSID: r.Remote.BGPLSID, RemoteMemberAS: r.Remote.MemberASN}
		if r.Link.HasLinkIDs {
			l.SetLinkIDs(r.Link.LocalLinkID, r.Link.RemoteLinkID)
		}
		l.LocalLinkIP, l.LocalLinkIPv6 = pickAddr(r.Link.IPv4Interface, r.Link.IPv6Interface)
		l.RemoteLinkIP, l.RemoteLinkIPv6 = pickAddr(r.Link.IPv4Neighbor, r.Link.IPv6Neighbor)
		l.Hash = sc.routeHash(c, "ls_link", r, rd)
		sc.finish(&l.LSHeader, r, tlvs)
		l.V4Fields = c.V4Fields(sec, idx)
		c.Emit(l, record.TypeLSLink, ipv4)
	case bgp.LSNLRIIPv4Prefix, bgp.LSNLRIIPv6Prefix:
		tlvs = tlvList(tlvs, r.Prefix.Unknown)
		p := &sc.prefix
		*p = record.LSPrefix{Head: head, RouterFields: c.Router, PeerFields: c.PeerFields, LSHeader: h, LSAttrFields: fields, RIBFlags: c.RIB,
			AreaID: areaID(r.Protocol, &r.Local, false), MTID: mtidFirst(r.Prefix.MTID), LocalNodeASN: r.Local.ASN,
			OSPFRouteType: r.Prefix.OSPFRouteType, Prefix: r.Prefix.Prefix.Addr(), PrefixLen: uint8(r.Prefix.Prefix.Bits()),
			IsIPv4: r.Type == bgp.LSNLRIIPv4Prefix}
		p.Hash = sc.routeHash(c, "ls_prefix", r, rd)
		sc.finish(&p.LSHeader, r, tlvs)
		p.V4Fields = c.V4Fields(sec, idx)
		c.Emit(p, record.TypeLSPrefix, p.IsIPv4)
	case bgp.LSNLRISRv6SID:
		tlvs = tlvList(tlvs, r.SRv6.Unknown)
		s := &sc.sid
		*s = record.LSSRv6SID{Head: head, RouterFields: c.Router, PeerFields: c.PeerFields, LSHeader: h, LSAttrFields: fields, RIBFlags: c.RIB,
			AreaID: areaID(r.Protocol, &r.Local, true), MTID: mtidFirst(r.SRv6.MTID), LocalNodeASN: r.Local.ASN, SRv6SID: r.SRv6.SID}
		s.Hash = sc.routeHash(c, "ls_srv6_sid", r, rd)
		sc.finish(&s.LSHeader, r, tlvs)
		s.V4Fields = c.V4Fields(sec, idx)
		c.Emit(s, record.TypeLSSRv6SID, ipv4)
	}
}

// finish sets the header fields that point into the record itself or into scratch.
func (sc *lsScratch) finish(h *record.LSHeader, r *bgp.LSRoute, tlvs []record.TLV) {
	if r.HasPathID {
		h.SetPathID(r.PathID)
	}
	if len(tlvs) > 0 {
		h.UnknownDescriptorTLVs = tlvs
	}
	sc.tlvs = tlvs[:0]
}
