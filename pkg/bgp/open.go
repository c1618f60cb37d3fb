package bgp

import "encoding/binary"

// Optional parameter types of an OPEN.
const (
	OptParamCapabilities uint8 = 2   // RFC 5492
	OptParamExtended     uint8 = 255 // RFC 9072 marker
)

// ParseOpen decodes one OPEN message (header included, exactly one message): version, My
// Autonomous System, Hold Time, BGP Identifier and the optional parameters, in the RFC
// 4271 encoding or the RFC 9072 extended one (Non-Ext OP Len 255 followed by Non-Ext OP
// Type 255, then a 2-byte length, and 2-byte parameter lengths).
//
// Every capability is kept raw in Caps (values alias msg); the well-known ones are also
// decoded into the Open fields. A capability whose length runs past its parameter, or a
// parameter running past the message, is an error; a known capability whose value is
// malformed (e.g. a 4-octet AS capability of 3 bytes) is only kept raw.
func ParseOpen(msg []byte) (*Open, error) {
	if err := checkMessage(msg, MsgOpen); err != nil {
		return nil, err
	}
	o := &Open{
		Version:  msg[19],
		MyAS:     binary.BigEndian.Uint16(msg[20:]),
		HoldTime: binary.BigEndian.Uint16(msg[22:]),
		BGPID:    [4]byte(msg[24:28]),
	}
	optLen := int(msg[28])
	pos := 29
	if optLen == 255 && len(msg) > 29 && msg[29] == OptParamExtended {
		if len(msg) < 32 {
			return nil, errorf(29, "extended optional parameters length (RFC 9072): need 3 bytes, have %d", len(msg)-29)
		}
		optLen = int(binary.BigEndian.Uint16(msg[30:]))
		pos = 32
		o.ExtendedOptParams = true
	}
	if optLen != len(msg)-pos {
		lenOff := 28
		if o.ExtendedOptParams {
			lenOff = 30
		}
		return nil, errorf(lenOff, "optional parameters length %d, but %d bytes follow", optLen, len(msg)-pos)
	}
	lenSize := 1
	if o.ExtendedOptParams {
		lenSize = 2
	}
	for pos < len(msg) {
		if len(msg)-pos < 1+lenSize {
			return nil, errorf(pos, "optional parameter header: need %d bytes, have %d", 1+lenSize, len(msg)-pos)
		}
		ptype := msg[pos]
		var plen int
		if lenSize == 2 {
			plen = int(binary.BigEndian.Uint16(msg[pos+1:]))
		} else {
			plen = int(msg[pos+1])
		}
		vpos := pos + 1 + lenSize
		if plen > len(msg)-vpos {
			return nil, errorf(pos, "optional parameter type %d: length %d exceeds the message (%d bytes left)", ptype, plen, len(msg)-vpos)
		}
		v := msg[vpos : vpos+plen : vpos+plen]
		if ptype == OptParamCapabilities {
			if err := o.parseCapabilities(v, vpos); err != nil {
				return nil, err
			}
		} else {
			o.OtherParams = append(o.OtherParams, OptionalParam{Type: ptype, Value: v})
		}
		pos = vpos + plen
	}
	return o, nil
}

// parseCapabilities walks the capabilities of one Capabilities optional parameter
// (RFC 5492: code, length, value), found at offset base of the message.
func (o *Open) parseCapabilities(v []byte, base int) error {
	pos := 0
	for pos < len(v) {
		if len(v)-pos < 2 {
			return errorf(base+pos, "capability header: need 2 bytes, have %d", len(v)-pos)
		}
		code, l := v[pos], int(v[pos+1])
		if l > len(v)-pos-2 {
			return errorf(base+pos, "capability %d: length %d exceeds the optional parameter (%d bytes left)", code, l, len(v)-pos-2)
		}
		val := v[pos+2 : pos+2+l : pos+2+l]
		o.Caps = append(o.Caps, Capability{Code: code, Value: val})
		o.decodeCapability(code, val)
		pos += 2 + l
	}
	return nil
}

// decodeCapability fills the decoded view of a well-known capability. Malformed values
// are ignored (the capability stays in Caps).
func (o *Open) decodeCapability(code uint8, v []byte) {
	switch code {
	case CapMultiprotocol: // AFI (2), reserved (1), SAFI (1)
		if len(v) == 4 {
			o.Multiprotocol = append(o.Multiprotocol, Family{AFI: binary.BigEndian.Uint16(v), SAFI: v[3]})
		}
	case CapRouteRefresh: // no value
		o.RouteRefresh = len(v) == 0 || o.RouteRefresh
	case CapRouteRefreshCisco:
		o.RouteRefreshCisco = len(v) == 0 || o.RouteRefreshCisco
	case CapEnhancedRefresh:
		o.EnhancedRefresh = len(v) == 0 || o.EnhancedRefresh
	case CapExtendedMessage:
		o.ExtendedMessage = len(v) == 0 || o.ExtendedMessage
	case CapExtendedNextHop: // (AFI (2), SAFI (2), next hop AFI (2))* (RFC 8950)
		if len(v)%6 != 0 {
			return
		}
		for i := 0; i < len(v); i += 6 {
			safi := binary.BigEndian.Uint16(v[i+2:])
			if safi > 255 {
				continue
			}
			o.ExtNextHop = append(o.ExtNextHop, ExtNextHop{
				Family:     Family{AFI: binary.BigEndian.Uint16(v[i:]), SAFI: uint8(safi)},
				NextHopAFI: binary.BigEndian.Uint16(v[i+4:]),
			})
		}
	case CapGracefulRestart: // flags (4 bits) + restart time (12 bits), (AFI, SAFI, flags)*
		if len(v) < 2 || (len(v)-2)%4 != 0 {
			return
		}
		gr := &GracefulRestart{Flags: v[0] & 0xf0, Time: binary.BigEndian.Uint16(v) & 0x0fff}
		for i := 2; i < len(v); i += 4 {
			gr.Families = append(gr.Families, GRFamily{
				Family: Family{AFI: binary.BigEndian.Uint16(v[i:]), SAFI: v[i+2]},
				Flags:  v[i+3],
			})
		}
		o.GracefulRestart = gr
	case CapFourOctetAS:
		if len(v) == 4 {
			o.AS4, o.HasAS4 = binary.BigEndian.Uint32(v), true
		}
	case CapAddPath: // (AFI (2), SAFI (1), send/receive (1))*
		if len(v)%4 != 0 {
			return
		}
		for i := 0; i < len(v); i += 4 {
			o.AddPath = append(o.AddPath, AddPathFamily{
				Family: Family{AFI: binary.BigEndian.Uint16(v[i:]), SAFI: v[i+2]},
				Mode:   v[i+3],
			})
		}
	case CapFQDN: // host name length (1), host name, domain name length (1), domain name
		if len(v) < 1 {
			return
		}
		hl := int(v[0])
		if 1+hl+1 > len(v) {
			return
		}
		dl := int(v[1+hl])
		if 2+hl+dl > len(v) {
			return
		}
		o.FQDNHost = string(v[1 : 1+hl])
		o.FQDNDomain = string(v[2+hl : 2+hl+dl])
	}
}

// AS returns the speaker's AS number: the 4-octet AS capability's when present, My
// Autonomous System otherwise.
func (o *Open) AS() uint32 {
	if o.HasAS4 {
		return o.AS4
	}
	return uint32(o.MyAS)
}

// AddPathMode returns the ADD-PATH send/receive mode the OPEN advertises for f
// (AddPathReceive, AddPathSend, AddPathBoth), or 0. When a family is listed more than
// once the first entry counts.
func (o *Open) AddPathMode(f Family) uint8 {
	for _, e := range o.AddPath {
		if e.Family == f {
			return e.Mode
		}
	}
	return 0
}

// HasFamily reports whether the OPEN advertises f in a multiprotocol capability. An OPEN
// with no multiprotocol capability at all supports IPv4 unicast only (RFC 4760 section 7).
func (o *Open) HasFamily(f Family) bool {
	if len(o.Multiprotocol) == 0 {
		return f == FamilyIPv4Unicast
	}
	for _, g := range o.Multiprotocol {
		if g == f {
			return true
		}
	}
	return false
}

// CapabilityName returns the IANA name of a capability code ("Multiprotocol Extensions for
// BGP-4"), or "" when the code is unassigned or unknown here.
func CapabilityName(code uint8) string {
	switch code {
	case 0:
		return "Reserved"
	case 1:
		return "Multiprotocol Extensions for BGP-4"
	case 2:
		return "Route Refresh Capability for BGP-4"
	case 3:
		return "Outbound Route Filtering Capability"
	case 4:
		return "Multiple routes to a destination capability (deprecated)"
	case 5:
		return "Extended Next Hop Encoding"
	case 6:
		return "BGP Extended Message"
	case 7:
		return "BGPsec Capability"
	case 8:
		return "Multiple Labels Capability"
	case 9:
		return "BGP Role"
	case 64:
		return "Graceful Restart Capability"
	case 65:
		return "Support for 4-octet AS number capability"
	case 66:
		return "Deprecated (2003-03-06)"
	case 67:
		return "Support for Dynamic Capability (capability specific)"
	case 68:
		return "Multisession BGP Capability"
	case 69:
		return "ADD-PATH Capability"
	case 70:
		return "Enhanced Route Refresh Capability"
	case 71:
		return "Long-Lived Graceful Restart (LLGR) Capability"
	case 72:
		return "Routing Policy Distribution"
	case 73:
		return "FQDN Capability"
	case 74:
		return "BFD Capability"
	case 75:
		return "Software Version Capability"
	case 76:
		return "PATHS-LIMIT Capability"
	case 128:
		return "Prestandard Route Refresh (deprecated)"
	case 129:
		return "Prestandard Outbound Route Filtering (deprecated), prestandard Routing Policy Distribution (deprecated)"
	case 130:
		return "Prestandard Outbound Route Filtering (deprecated)"
	case 131:
		return "Prestandard Multisession (deprecated)"
	case 184:
		return "Prestandard FQDN (deprecated)"
	case 185:
		return "Prestandard OPERATIONAL message (deprecated)"
	case 255:
		return "Reserved"
	}
	return ""
}
