package session

import (
	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// VPLS: L2VPN VPLS (AFI 25, SAFI 65), RFC 4761 signalling and RFC 6074 auto-discovery, one
// vpls record per route. Announcements also carry the Layer2 Info extended community
// (RFC 4761 section 3.2.4) and the route targets of the UPDATE.

func init() {
	RegisterFamily(Family{Decode: vplsDecode, EndOfRIB: vplsEndOfRIB}, bgp.Family{AFI: bgp.AFIL2VPN, SAFI: bgp.SAFIVPLS})
}

func vplsEndOfRIB(c *Ctx, h record.Head, f bgp.Family) (record.Encoder, record.Type, bool) {
	r := &vpnStateOf(c).vp
	*r = record.VPLSPrefix{Head: h, RouterFields: c.Router, PeerFields: c.PeerFields, RIBFlags: c.RIB, IsIPv4: true}
	r.IsEOR, r.AFI, r.SAFI = true, f.AFI, f.SAFI
	return r, record.TypeVPLS, true
}

func vplsDecode(c *Ctx, sec *Section) error {
	st := vpnStateOf(c)
	err := decodeSection(c, sec, func(addPath bool) error {
		var err error
		st.vpls, err = bgp.DecodeVPLS(sec.NLRI, addPath, st.vpls[:0])
		return err
	})
	if err != nil {
		return err
	}
	r := &st.vp
	*r = record.VPLSPrefix{RouterFields: c.Router, PeerFields: c.PeerFields, RIBFlags: c.RIB, IsIPv4: true}
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
		if rt.IsBGPAD() {
			r.RFCType = record.VPLSRFC6074
		} else {
			r.RFCType = record.VPLSRFC4761
			r.SetBlock(rt.VEID, rt.VEBlockOffset, rt.VEBlockSize, rt.LabelBase)
		}
		r.PathID = nil
		if rt.HasPathID {
			r.SetPathID(rt.PathID)
		}
		r.Hash = record.VPLSHash(&c.s.parts, c.Router.RouterHash, c.PeerFields.PeerHash, r.VPNRD, r.RFCType, rt.PEAddr, rt.VEID, rt.VEBlockOffset, rt.PathID)
		r.V4Fields = c.V4Fields(sec, i)
		c.Emit(r, record.TypeVPLS, true)
	}
	return nil
}
