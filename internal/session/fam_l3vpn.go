package session

import (
	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// L3VPN: VPN-IPv4 and VPN-IPv6 (AFI 1/2, SAFI 128; RFC 4364, RFC 4659, RFC 8277 labels),
// one l3vpn record per route.

func init() {
	RegisterFamily(l3vpnHandler, bgp.Family{AFI: bgp.AFIIPv4, SAFI: bgp.SAFIVPN}, bgp.Family{AFI: bgp.AFIIPv6, SAFI: bgp.SAFIVPN})
}

func l3vpnHandler(c *Ctx, sec *Section) bool {
	st := vpnStateOf(c)
	ipv4 := sec.Family.AFI == bgp.AFIIPv4
	r := &st.l3
	*r = record.L3VPNPrefix{RouterFields: c.Router, PeerFields: c.PeerFields, RIBFlags: c.RIB, IsIPv4: ipv4}
	if sec.EOR {
		r.Head = record.Head{Action: record.ActionDel, Sequence: c.Sequence()}
		r.IsEOR, r.AFI, r.SAFI = true, sec.Family.AFI, sec.Family.SAFI
		c.Emit(r, record.TypeL3VPN, ipv4)
		return true
	}
	if !decodeVPNRoutes(c, sec, st) {
		return false
	}
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
		// goBMP's recipe: the labels are part of it, so a withdrawal sent with the RFC 8277
		// Compatibility field hashes differently from the announcement (see docs).
		r.Hash = c.s.parts.Reset().Str("l3vpn").Str(c.Router.RouterHash).Str(c.PeerFields.PeerHash).
			Str(rd).Uint(uint64(rt.RD.Type())).Addr(rt.Prefix.Addr()).Uint(uint64(rt.Prefix.Bits())).
			Bool(ipv4).Uint(uint64(rt.PathID)).Labels(st.lbl).Sum()
		r.V4Fields = c.V4Fields(sec, i)
		c.Emit(r, record.TypeL3VPN, ipv4)
	}
	return true
}

// decodeVPNRoutes decodes a section of VPN-IP routes (SAFI 128 or 129) into st.vpn. Label
// stacks without a bottom-of-stack entry (FRR 8.4) are ended by pkg/bgp's rules: the
// 0x000000 rule always, the lenient one only when nothing else parses (labels.go); each
// such route is counted as a quirk.
func decodeVPNRoutes(c *Ctx, sec *Section, st *vpnState) bool {
	ok := decodeSectionLenient(c, sec, func(addPath, lenient bool) error {
		var err error
		if lenient {
			st.vpn, err = bgp.DecodeVPNLenient(sec.NLRI, sec.Family.AFI, addPath, !sec.Announce, st.vpn[:0])
		} else {
			st.vpn, err = bgp.DecodeVPN(sec.NLRI, sec.Family.AFI, addPath, !sec.Announce, st.vpn[:0])
		}
		return err
	})
	if ok {
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
	return ok
}
