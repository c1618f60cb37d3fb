package session

import (
	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// L3VPN: VPN-IPv4 and VPN-IPv6 (AFI 1/2, SAFI 128; RFC 4364, RFC 4659, RFC 8277 labels),
// one l3vpn record per route.

func init() {
	RegisterFamily(Family{Decode: l3vpnDecode, EndOfRIB: l3vpnEndOfRIB}, bgp.Family{AFI: bgp.AFIIPv4, SAFI: bgp.SAFIVPN}, bgp.Family{AFI: bgp.AFIIPv6, SAFI: bgp.SAFIVPN})
}

func l3vpnEndOfRIB(c *Ctx, h record.Head, f bgp.Family) (record.Encoder, record.Type, bool) {
	ipv4 := f.AFI == bgp.AFIIPv4
	r := &vpnStateOf(c).l3
	*r = record.L3VPNPrefix{Head: h, RouterFields: c.Router, PeerFields: c.PeerFields, RIBFlags: c.RIB, IsIPv4: ipv4}
	r.IsEOR, r.AFI, r.SAFI = true, f.AFI, f.SAFI
	return r, record.TypeL3VPN, ipv4
}

func l3vpnDecode(c *Ctx, sec *Section) error {
	st := vpnStateOf(c)
	ipv4 := sec.Family.AFI == bgp.AFIIPv4
	if err := decodeVPNRoutes(c, sec, st); err != nil {
		return err
	}
	r := &st.l3
	*r = record.L3VPNPrefix{RouterFields: c.Router, PeerFields: c.PeerFields, RIBFlags: c.RIB, IsIPv4: ipv4}
	for i := range st.vpn {
		rt := &st.vpn[i]
		r.Head = record.Head{Action: record.ActionDel, Sequence: c.Sequence()}
		r.SetPrefix(rt.Prefix)
		rd := st.rdText(rt.RD)
		r.SetRD(rd, rt.RD.Type())
		r.PathID = nil
		if rt.HasPathID {
			r.SetPathID(rt.PathID)
		}
		st.lbl = rt.Labels.AppendValues(st.lbl[:0])
		r.Labels = st.lbl
		if sec.Announce {
			r.Action = record.ActionAdd
			r.BaseAttrs = c.Attrs
			r.Nexthop, r.NexthopLinkLocal, r.IsNexthopIPv4 = sec.NextHop, sec.LinkLocal, sec.NextHop.Is4()
			if c.HasOriginAS {
				r.SetOriginAS(c.OriginAS)
			}
			if c.Attrs != nil {
				r.OriginValidation, r.PrefixSID = c.Attrs.RouteOriginValidation, c.Attrs.RoutePrefixSID
			}
		}
		r.Hash = record.L3VPNHash(&c.s.parts, c.Router.RouterHash, c.PeerFields.PeerHash, rd, rt.RD.Type(), rt.Prefix, ipv4, rt.PathID, st.lbl)
		r.V4Fields = c.V4Fields(sec, i)
		c.Emit(r, record.TypeL3VPN, ipv4)
	}
	return nil
}

// decodeVPNRoutes decodes a section of VPN-IP routes (SAFI 128 or 129) into st.vpn. Label
// stacks without a bottom-of-stack entry (FRR 8.4) are ended by pkg/bgp's rules: the
// 0x000000 rule always, the lenient one only when nothing else parses (labels.go); each
// such route is counted as a quirk.
func decodeVPNRoutes(c *Ctx, sec *Section, st *vpnState) error {
	err := decodeSectionLenient(c, sec, func(addPath, lenient bool) error {
		var err error
		if lenient {
			st.vpn, err = bgp.DecodeVPNLenient(sec.NLRI, sec.Family.AFI, addPath, !sec.Announce, st.vpn[:0])
		} else {
			st.vpn, err = bgp.DecodeVPN(sec.NLRI, sec.Family.AFI, addPath, !sec.Announce, st.vpn[:0])
		}
		return err
	})
	if err == nil {
		n := 0
		for i := range st.vpn {
			if st.vpn[i].LabelQuirk {
				n++
			}
		}
		if n > 0 {
			c.Quirk(WarnLabelNoBoS, sec.Family, n)
		}
	}
	return err
}
