package session

import (
	"encoding/binary"
	"encoding/hex"
	"net/netip"

	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// EVPN (AFI 25, SAFI 70): one evpn record per route, plus one per End-of-RIB.

var familyEVPN = bgp.Family{AFI: bgp.AFIL2VPN, SAFI: bgp.SAFIEVPN}

func init() { RegisterFamily(Family{Decode: evpnDecode, EndOfRIB: evpnEndOfRIB}, familyEVPN) }

// evpnScratch is the handler's reusable storage (Session.fam.evpn).
type evpnScratch struct {
	routes []bgp.EVPNRoute
	rec    record.EVPN
	parts  record.Parts
	pmsi   record.EVPNPMSITunnel
}

// evpnEndOfRIB: an End-of-RIB is an empty MP_UNREACH_NLRI, a "del" as goBMP emits it.
func evpnEndOfRIB(c *Ctx, h record.Head, f bgp.Family) (record.Encoder, record.Type, bool) {
	r := &c.s.fam.evpn.rec
	*r = record.EVPN{Head: h, RouterFields: c.Router, PeerFields: c.PeerFields, RIBFlags: c.RIB, IsIPv4: true}
	r.IsEOR, r.AFI, r.SAFI = true, f.AFI, f.SAFI
	return r, record.TypeEVPN, true
}

func evpnDecode(c *Ctx, sec *Section) error {
	sc := &c.s.fam.evpn
	err := decodeSection(c, sec, func(addPath bool) error {
		var err error
		sc.routes, err = bgp.DecodeEVPN(sec.NLRI, addPath, sc.routes[:0])
		return err
	})
	if err != nil {
		return err
	}
	r := &sc.rec
	*r = record.EVPN{RouterFields: c.Router, PeerFields: c.PeerFields, RIBFlags: c.RIB}
	action := record.ActionDel
	var pmsi *record.EVPNPMSITunnel
	if sec.Announce {
		action = record.ActionAdd
		if evpnPMSI(c.Update, &sc.pmsi) {
			pmsi = &sc.pmsi
		}
	}
	for i := range sc.routes {
		rt := &sc.routes[i]
		r.ResetRoute()
		r.Head = record.Head{Action: action, Sequence: c.Sequence()}
		if sec.Announce {
			r.BaseAttrs = c.Attrs
			r.Nexthop, r.IsNexthopIPv4 = sec.NextHop, sec.NextHop.Is4()
			if c.HasOriginAS {
				r.SetOriginAS(c.OriginAS)
			}
			if rt.Type == bgp.EVPNInclusiveMulticast {
				r.PMSITunnel = pmsi
			}
		}
		fillEVPN(r, rt)
		r.SetHash(&sc.parts)
		r.V4Fields = c.V4Fields(sec, i)
		c.Emit(r, record.TypeEVPN, r.IsIPv4)
	}
	return nil
}

// fillEVPN sets the route fields of r from rt.
func fillEVPN(r *record.EVPN, rt *bgp.EVPNRoute) {
	r.SetRouteType(rt.Type)
	if rt.HasPathID {
		r.SetPathID(rt.PathID)
	}
	if rt.HasRD {
		r.SetRD(rt.RD)
	}
	if rt.HasESI {
		r.SetESI(rt.ESI)
	}
	if rt.HasEthTag {
		r.SetEthTag(rt.EthTag)
	}
	if rt.NumLabels > 0 {
		r.SetLabels(rt.Labels[:rt.NumLabels]...)
	}
	addr := rt.Originator // the address that tells is_ipv4
	switch rt.Type {
	case bgp.EVPNEthernetAD: // RD, ESI, Ethernet Tag and label only
	case bgp.EVPNMACIPAdvertisement:
		r.SetMAC(rt.MAC, rt.MACLen)
		r.IPAddress = rt.IP
		r.SetIPLen(rt.IPLen)
		addr = rt.IP
	case bgp.EVPNInclusiveMulticast, bgp.EVPNEthernetSegment:
		// goBMP puts the originating router's IP into ip_address / ip_len.
		r.IPAddress, r.OriginatorIP = rt.Originator, rt.Originator
		r.SetIPLen(uint8(rt.Originator.BitLen()))
	case bgp.EVPNIPPrefix:
		// goBMP puts the prefix into ip_address / ip_len; prefix / prefix_len say it
		// plainly.
		r.IPAddress, r.Prefix, r.GWAddress = rt.Prefix.Addr(), rt.Prefix.Addr(), rt.Gateway
		r.SetIPLen(uint8(rt.Prefix.Bits()))
		r.SetPrefixLen(uint8(rt.Prefix.Bits()))
		addr = rt.Prefix.Addr()
	case bgp.EVPNSMET, bgp.EVPNJoinSynch, bgp.EVPNLeaveSynch, bgp.EVPNSPMSIAD:
		r.MulticastSource, r.MulticastGroup, r.OriginatorIP = rt.Source, rt.Group, rt.Originator
		if rt.HasFlags {
			r.SetFlags(rt.Flags)
		}
		if rt.Type == bgp.EVPNLeaveSynch {
			r.SetLeaveSynch(rt.LeaveGroupSync, rt.MaxResponseTime)
		}
		if rt.Group.IsValid() {
			addr = rt.Group
		}
	case bgp.EVPNPerRegionIPMSIAD:
		r.RegionID = hex.EncodeToString(rt.RegionID[:])
	case bgp.EVPNLeafAD:
		r.OriginatorIP = rt.Originator
		r.RouteKey = hex.EncodeToString(rt.RouteKey)
		r.SetRouteKeyType(rt.RouteKey[0])
	default:
		r.NLRI = hex.EncodeToString(rt.Raw)
	}
	r.IsIPv4 = !addr.IsValid() || addr.Is4()
}

// evpnPMSI decodes the UPDATE's PMSI_TUNNEL attribute (RFC 6514 section 5: flags, tunnel
// type, 3-byte label field, tunnel identifier) into dst. It reads the raw path attribute
// block (already validated by the UPDATE decoder; the first occurrence counts, RFC 7606),
// so it does not depend on whether the attribute decoder keeps the attribute raw or
// decodes it.
func evpnPMSI(u *bgp.Update, dst *record.EVPNPMSITunnel) bool {
	b := u.Attrs.Raw
	for len(b) >= 3 {
		hdr, n := 3, int(b[2])
		if b[0]&0x10 != 0 { // extended length
			if len(b) < 4 {
				return false
			}
			hdr, n = 4, int(binary.BigEndian.Uint16(b[2:]))
		}
		if n > len(b)-hdr {
			return false
		}
		if b[1] != bgp.AttrPMSITunnel {
			b = b[hdr+n:]
			continue
		}
		v := b[hdr : hdr+n]
		if len(v) < 5 {
			return false
		}
		raw := uint32(v[2])<<16 | uint32(v[3])<<8 | uint32(v[4])
		*dst = record.EVPNPMSITunnel{Flags: v[0], TunnelType: v[1], TunnelTypeName: evpnPMSITypeName(v[1]),
			MPLSLabel: raw >> 4, RawLabel: raw, TunnelID: evpnPMSITunnelID(v[1], v[5:])}
		return true
	}
	return false
}

// evpnPMSITypeName names the PMSI tunnel types (IANA registry; RFC 6514, 7524, 8556, 9574).
func evpnPMSITypeName(t uint8) string {
	switch t {
	case 0:
		return "No tunnel information present"
	case 1:
		return "RSVP-TE P2MP LSP"
	case 2:
		return "mLDP P2MP LSP"
	case 3:
		return "PIM-SSM Tree"
	case 4:
		return "PIM-SM Tree"
	case 5:
		return "BIDIR-PIM Tree"
	case 6:
		return "Ingress Replication"
	case 7:
		return "mLDP MP2MP LSP"
	case 8:
		return "Transport Tunnel"
	case 9:
		return "Assisted-Replication Tunnel"
	case 11:
		return "BIER"
	}
	return ""
}

// evpnPMSITunnelID renders a tunnel identifier: the endpoint address for ingress
// replication, "sender,group" for the PIM trees, hex otherwise.
func evpnPMSITunnelID(typ uint8, id []byte) string {
	addr := func(b []byte) (netip.Addr, bool) {
		switch len(b) {
		case 4:
			return netip.AddrFrom4([4]byte(b)), true
		case 16:
			return netip.AddrFrom16([16]byte(b)), true
		}
		return netip.Addr{}, false
	}
	switch typ {
	case 6:
		if a, ok := addr(id); ok {
			return a.String()
		}
	case 3, 4, 5:
		if len(id)%2 == 0 {
			s, ok1 := addr(id[:len(id)/2])
			g, ok2 := addr(id[len(id)/2:])
			if ok1 && ok2 {
				return s.String() + "," + g.String()
			}
		}
	}
	return hex.EncodeToString(id)
}
