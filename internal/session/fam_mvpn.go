package session

import (
	"encoding/hex"

	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// Multicast VPN, one mvpn record per route:
//   - MCAST-VPN (AFI 1/2, SAFI 5; RFC 6514 route types 1 to 7);
//   - VPN multicast (AFI 1/2, SAFI 129): RD-qualified VPN-IP prefixes with labels, the
//     SAFI 128 encoding (RFC 6513 section 5.1.1, "address-family vpnv4 multicast"). goBMP
//     decodes SAFI 129 with its MCAST-VPN parser; bmpstream decodes what is on the wire.

func init() {
	RegisterFamily(Family{Decode: mvpnDecode, EndOfRIB: mvpnEndOfRIB},
		bgp.Family{AFI: bgp.AFIIPv4, SAFI: bgp.SAFIMcastVPN}, bgp.Family{AFI: bgp.AFIIPv6, SAFI: bgp.SAFIMcastVPN},
		bgp.Family{AFI: bgp.AFIIPv4, SAFI: bgp.SAFIMVPN}, bgp.Family{AFI: bgp.AFIIPv6, SAFI: bgp.SAFIMVPN})
}

func mvpnEndOfRIB(c *Ctx, h record.Head, f bgp.Family) (record.Encoder, record.Type, bool) {
	ipv4 := f.AFI == bgp.AFIIPv4
	r := &vpnStateOf(c).mv
	*r = record.MVPNPrefix{Head: h, RouterFields: c.Router, PeerFields: c.PeerFields, RIBFlags: c.RIB, IsIPv4: ipv4,
		AFI: f.AFI, SAFI: f.SAFI, IsEOR: true}
	return r, record.TypeMVPN, ipv4
}

func mvpnDecode(c *Ctx, sec *Section) error {
	st := vpnStateOf(c)
	if sec.Family.SAFI == bgp.SAFIMVPN {
		if err := decodeVPNRoutes(c, sec, st); err != nil {
			return err
		}
	} else {
		err := decodeSection(c, sec, func(addPath bool) error {
			var err error
			st.mvpn, err = bgp.DecodeMcastVPN(sec.NLRI, sec.Family.AFI, addPath, st.mvpn[:0])
			return err
		})
		if err != nil {
			return err
		}
	}
	ipv4 := sec.Family.AFI == bgp.AFIIPv4
	r := &st.mv
	*r = record.MVPNPrefix{RouterFields: c.Router, PeerFields: c.PeerFields, RIBFlags: c.RIB, IsIPv4: ipv4,
		AFI: sec.Family.AFI, SAFI: sec.Family.SAFI}
	if sec.Announce {
		r.BaseAttrs = c.Attrs
		r.Nexthop, r.IsNexthopIPv4 = sec.NextHop, sec.NextHop.Is4()
		if c.HasOriginAS {
			r.SetOriginAS(c.OriginAS)
		}
	}
	if sec.Family.SAFI == bgp.SAFIMVPN {
		vpnMulticastRoutes(c, sec, st, r)
		return nil
	}
	for i := range st.mvpn {
		rt := &st.mvpn[i]
		r.Head = record.Head{Action: mvpnAction(sec), Sequence: c.Sequence()}
		r.SetRouteType(rt.Type)
		r.RD, r.OriginatorIP, r.SourceAS, r.RouteKey, r.NLRI = "", rt.OriginatorIP, nil, "", ""
		r.MulticastSource, r.MulticastGroup = record.McastAddr{}, record.McastAddr{}
		if rt.HasRD {
			r.RD = st.rdText(rt.RD)
		}
		if rt.HasSourceAS {
			r.SetSourceAS(rt.SourceAS)
		}
		if rt.HasSourceGroup {
			r.MulticastSource = record.McastAddr{Addr: rt.Source, Wildcard: !rt.Source.IsValid()}
			r.MulticastGroup = record.McastAddr{Addr: rt.Group, Wildcard: !rt.Group.IsValid()}
		}
		if rt.RouteKey != nil {
			r.RouteKey = hex.EncodeToString(rt.RouteKey)
		}
		if rt.Type == 0 || rt.Type > bgp.MVPNSourceTreeJoin {
			r.NLRI = hex.EncodeToString(rt.Value)
		}
		r.PathID = nil
		if rt.HasPathID {
			r.SetPathID(rt.PathID)
		}
		r.Hash = record.MVPNHash(&c.s.parts, c.Router.RouterHash, c.PeerFields.PeerHash, sec.Family.AFI, sec.Family.SAFI,
			rt.Type, hexOf(st, rt.Value), rt.PathID)
		r.V4Fields = c.V4Fields(sec, i)
		c.Emit(r, record.TypeMVPN, ipv4)
	}
	return nil
}

// vpnMulticastRoutes emits the decoded SAFI 129 routes of a section.
func vpnMulticastRoutes(c *Ctx, sec *Section, st *vpnState, r *record.MVPNPrefix) {
	ipv4 := sec.Family.AFI == bgp.AFIIPv4
	for i := range st.vpn {
		rt := &st.vpn[i]
		r.Head = record.Head{Action: mvpnAction(sec), Sequence: c.Sequence()}
		r.RD = st.rdText(rt.RD)
		r.SetPrefix(rt.Prefix)
		st.lbl = rt.Labels.AppendValues(st.lbl[:0])
		r.Labels = st.lbl
		r.PathID = nil
		if rt.HasPathID {
			r.SetPathID(rt.PathID)
		}
		r.Hash = record.MVPNPrefixHash(&c.s.parts, c.Router.RouterHash, c.PeerFields.PeerHash, sec.Family.AFI, sec.Family.SAFI,
			r.RD, rt.Prefix, rt.PathID)
		r.V4Fields = c.V4Fields(sec, i)
		c.Emit(r, record.TypeMVPN, ipv4)
	}
}

func mvpnAction(sec *Section) string {
	if sec.Announce {
		return record.ActionAdd
	}
	return record.ActionDel
}

// hexOf renders b in hex into the state's scratch buffer (valid until its next use).
func hexOf(st *vpnState, b []byte) []byte {
	st.buf = hex.AppendEncode(st.buf[:0], b)
	return st.buf
}
