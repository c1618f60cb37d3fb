package session

import (
	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// VPLS: L2VPN VPLS (AFI 25, SAFI 65), RFC 4761 signalling and RFC 6074 auto-discovery, one
// vpls record per route. Announcements also carry the Layer2 Info extended community
// (RFC 4761 section 3.2.4) and the route targets of the UPDATE.

func init() {
	RegisterFamily(vplsHandler, bgp.Family{AFI: bgp.AFIL2VPN, SAFI: bgp.SAFIVPLS})
}

func vplsHandler(c *Ctx, sec *Section) bool {
	st := vpnStateOf(c)
	r := &st.vp
	*r = record.VPLSPrefix{RouterFields: c.Router, PeerFields: c.PeerFields, RIBFlags: c.RIB, IsIPv4: true}
	if sec.EOR {
		r.Head = record.Head{Action: record.ActionDel, Sequence: c.Sequence()}
		r.IsEOR, r.AFI, r.SAFI = true, sec.Family.AFI, sec.Family.SAFI
		c.Emit(r, record.TypeVPLS, true)
		return true
	}
	ok := decodeSection(c, sec, func(addPath bool) error {
		var err error
		st.vpls, err = bgp.DecodeVPLS(sec.NLRI, addPath, st.vpls[:0])
		return err
	})
	if !ok {
		return false
	}
	if sec.Announce {
		r.BaseAttrs = c.Attrs
		r.Nexthop, r.IsNexthopIPv4 = sec.NextHop, sec.NextHop.Is4()
		if c.HasOriginAS {
			r.SetOriginAS(c.OriginAS)
		}
		st.rtList = st.rtList[:0]
		l2Seen := false
		for _, ec := range c.Update.Attrs.ExtCommunities {
			if bgp.IsRouteTarget(ec) {
				st.rtList = append(st.rtList, st.rtText(ec))
			} else if l2, ok := bgp.ParseLayer2Info(ec); ok && !l2Seen {
				l2Seen = true
				r.SetLayer2Info(l2.EncapType, l2.ControlWord(), l2.SequencedDelivery(), l2.MTU)
			}
		}
		r.RouteTargets = st.rtList
	}
	for i := range st.vpls {
		rt := &st.vpls[i]
		r.Head = record.Head{Action: mvpnAction(sec), Sequence: c.Sequence()}
		r.VPNRD = st.rdText(rt.RD)
		r.VEID, r.VEBlockOffset, r.VEBlockSize, r.LabelBase, r.LabelBlockEnd = nil, nil, nil, nil, nil
		r.PEAddress = rt.PEAddr
		parts := c.s.parts.Reset().Str("vpls").Str(c.Router.RouterHash).Str(c.PeerFields.PeerHash).Str(r.VPNRD)
		if rt.IsBGPAD() {
			r.RFCType = record.VPLSRFC6074
			parts.Str(r.RFCType).Addr(rt.PEAddr)
		} else {
			r.RFCType = record.VPLSRFC4761
			r.SetBlock(rt.VEID, rt.VEBlockOffset, rt.VEBlockSize, rt.LabelBase)
			parts.Str(r.RFCType).Uint(uint64(rt.VEID)).Uint(uint64(rt.VEBlockOffset))
		}
		r.PathID = nil
		if rt.HasPathID {
			r.SetPathID(rt.PathID)
		}
		r.Hash = parts.Uint(uint64(rt.PathID)).Sum()
		r.V4Fields = c.V4Fields(sec, i)
		c.Emit(r, record.TypeVPLS, true)
	}
	return true
}
