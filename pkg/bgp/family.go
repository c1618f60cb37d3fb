package bgp

import "strconv"

// String returns the family in the lower-case notation used by the lab summaries and by
// goBMP-style topics ("ipv4-unicast", "ipv6-labeled-unicast", "vpnv4", "l2vpn-evpn"), or
// "afi<N>/safi<M>" for a pair without a name.
func (f Family) String() string {
	switch f.AFI {
	case AFIIPv4, AFIIPv6:
		v := "ipv4"
		if f.AFI == AFIIPv6 {
			v = "ipv6"
		}
		switch f.SAFI {
		case SAFIUnicast:
			return v + "-unicast"
		case SAFIMulticast:
			return v + "-multicast"
		case SAFILabeled:
			return v + "-labeled-unicast"
		case SAFIVPN:
			return "vpn" + v[2:]
		case SAFIMVPN:
			return v + "-mvpn"
		case SAFIMcastVPN:
			return v + "-mcast-vpn"
		case SAFIFlowspec:
			return v + "-flowspec"
		case SAFIFlowVPN:
			return v + "-flowspec-vpn"
		case SAFISRPolicy:
			return v + "-srpolicy"
		case SAFIRTC:
			if f.AFI == AFIIPv4 {
				return "rt-constraint"
			}
		}
	case AFIL2VPN:
		switch f.SAFI {
		case SAFIEVPN:
			return "l2vpn-evpn"
		case SAFIVPLS:
			return "l2vpn-vpls"
		}
	case AFIBGPLS:
		switch f.SAFI {
		case SAFIBGPLS:
			return "bgp-ls"
		case SAFIBGPLSVPN:
			return "bgp-ls-vpn"
		}
	}
	return "afi" + strconv.Itoa(int(f.AFI)) + "/safi" + strconv.Itoa(int(f.SAFI))
}

// ipKind describes the NLRI encoding of the IP prefix families this package decodes:
// unicast, multicast and labelled unicast (RFC 4760, RFC 8277).
type ipKind struct {
	maxBits  int  // 32 or 128
	labelled bool // a label stack precedes the prefix
}

// ipFamilyKind reports whether f is an IP prefix family decoded into Prefixes.
func ipFamilyKind(f Family) (ipKind, bool) {
	var k ipKind
	switch f.AFI {
	case AFIIPv4:
		k.maxBits = 32
	case AFIIPv6:
		k.maxBits = 128
	default:
		return k, false
	}
	switch f.SAFI {
	case SAFIUnicast, SAFIMulticast:
	case SAFILabeled:
		k.labelled = true
	default:
		return k, false
	}
	return k, true
}

// hasAddPath reports whether opts declares path identifiers for f.
func (o *DecodeOptions) hasAddPath(f Family) bool {
	if o == nil {
		return false
	}
	for _, g := range o.AddPath {
		if g == f {
			return true
		}
	}
	return false
}
