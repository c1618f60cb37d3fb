package bgp

import (
	"encoding/binary"
	"math"
	"net/netip"
	"strconv"
)

// FlowSpec traffic filtering actions, carried as extended communities (RFC 8955 section
// 7, RFC 8956 section 6, draft-ietf-idr-flowspec-redirect-ip,
// draft-simpson-idr-flowspec-redirect):
//
//	0x8006 traffic-rate-bytes    AS (2, informational), rate in bytes/s (IEEE float32)
//	0x800c traffic-rate-packets  AS (2, informational), rate in packets/s (IEEE float32)
//	0x8007 traffic-action        46 reserved bits, S (sample), T (terminal action)
//	0x8008 redirect              route target AS2:local4
//	0x8108 redirect              route target IPv4:local2
//	0x8208 redirect              route target AS4:local2
//	0x8009 traffic-marking       5 reserved bytes, DSCP (low 6 bits)
//	0x010c redirect-to-ip        IPv4 address, 2-byte local with the C (copy) bit 0x0001
//	0x0800 redirect-to-nexthop   (the MP_REACH_NLRI next hop), C (copy) bit 0x01 of the last byte
//
// and, in the IPv6 Address Specific Extended Community attribute (RFC 5701, 20 bytes):
//
//	0x000d redirect              route target IPv6:local2 (RFC 8956)
//	0x800b redirect              the same, older code (draft-ietf-idr-flow-spec-v6, GoBGP)
//	0x000c redirect-to-ip        IPv6 address, 2-byte local with the C bit

// FlowspecActionKind names an action.
type FlowspecActionKind uint8

const (
	FlowspecRateBytes FlowspecActionKind = 1 + iota
	FlowspecRatePackets
	FlowspecTrafficAction
	FlowspecRedirect
	FlowspecTrafficMarking
	FlowspecRedirectToIP
	FlowspecRedirectToNextHop
)

// String returns the action's name: "traffic-rate-bytes", "traffic-rate-packets",
// "traffic-action", "redirect", "traffic-marking", "redirect-to-ip",
// "redirect-to-nexthop".
func (k FlowspecActionKind) String() string {
	switch k {
	case FlowspecRateBytes:
		return "traffic-rate-bytes"
	case FlowspecRatePackets:
		return "traffic-rate-packets"
	case FlowspecTrafficAction:
		return "traffic-action"
	case FlowspecRedirect:
		return "redirect"
	case FlowspecTrafficMarking:
		return "traffic-marking"
	case FlowspecRedirectToIP:
		return "redirect-to-ip"
	case FlowspecRedirectToNextHop:
		return "redirect-to-nexthop"
	}
	return "unknown"
}

// FlowspecAction is one decoded traffic filtering action.
type FlowspecAction struct {
	Kind FlowspecActionKind
	// Rate is the limit of the rate actions (0 means discard); RateBits the float as
	// received (for a NaN or an infinity, which have no JSON number).
	Rate     float32
	RateBits uint32
	// AS is the rate actions' informational AS and the AS of an AS-specific redirect
	// route target.
	AS uint32
	// Address is the route target address of an IPv4/IPv6-specific redirect and the
	// target of redirect-to-ip.
	Address netip.Addr
	// Local is the local administrator of a redirect route target.
	Local uint32
	// Terminal and Sample are the T and S bits of traffic-action. RFC 8955 section
	// 7.3: with T set, the filtering engine goes on applying the following rules; with T
	// clear, evaluation stops at this rule.
	Terminal, Sample bool
	// DSCP is the traffic-marking value.
	DSCP uint8
	// Copy is the C bit of redirect-to-ip and redirect-to-nexthop (copy rather than
	// redirect).
	Copy bool
}

// AppendTarget appends a redirect's route target as text ("65000:100",
// "192.0.2.1:100", "4200000001:100", "[2001:db8::1]:100"), or a redirect-to-ip address.
func (a *FlowspecAction) AppendTarget(dst []byte) []byte {
	switch a.Kind {
	case FlowspecRedirect:
		if a.Address.Is6() {
			dst = append(dst, '[')
			dst = a.Address.AppendTo(dst)
			dst = append(dst, ']')
		} else if a.Address.IsValid() {
			dst = a.Address.AppendTo(dst)
		} else {
			dst = strconv.AppendUint(dst, uint64(a.AS), 10)
		}
		dst = append(dst, ':')
		return strconv.AppendUint(dst, uint64(a.Local), 10)
	case FlowspecRedirectToIP:
		return a.Address.AppendTo(dst)
	}
	return dst
}

// AppendFlowspecActions appends the FlowSpec actions found in extended communities, in
// their order; other communities are skipped.
func AppendFlowspecActions(dst []FlowspecAction, ecs [][8]byte) []FlowspecAction {
	for _, ec := range ecs {
		if a, ok := FlowspecActionOf(ec); ok {
			dst = append(dst, a)
		}
	}
	return dst
}

// FlowspecActionOf decodes one extended community as a FlowSpec action.
func FlowspecActionOf(ec [8]byte) (FlowspecAction, bool) {
	var a FlowspecAction
	switch uint16(ec[0])<<8 | uint16(ec[1]) {
	case 0x8006, 0x800c:
		a.Kind = FlowspecRateBytes
		if ec[1] == 0x0c {
			a.Kind = FlowspecRatePackets
		}
		a.AS = uint32(binary.BigEndian.Uint16(ec[2:]))
		a.RateBits = binary.BigEndian.Uint32(ec[4:])
		a.Rate = math.Float32frombits(a.RateBits)
	case 0x8007:
		a.Kind = FlowspecTrafficAction
		a.Sample = ec[7]&0x02 != 0
		a.Terminal = ec[7]&0x01 != 0
	case 0x8008:
		a.Kind = FlowspecRedirect
		a.AS = uint32(binary.BigEndian.Uint16(ec[2:]))
		a.Local = binary.BigEndian.Uint32(ec[4:])
	case 0x8108:
		a.Kind = FlowspecRedirect
		a.Address = netip.AddrFrom4([4]byte(ec[2:6]))
		a.Local = uint32(binary.BigEndian.Uint16(ec[6:]))
	case 0x8208:
		a.Kind = FlowspecRedirect
		a.AS = binary.BigEndian.Uint32(ec[2:])
		a.Local = uint32(binary.BigEndian.Uint16(ec[6:]))
	case 0x8009:
		a.Kind = FlowspecTrafficMarking
		a.DSCP = ec[7] & 0x3f
	case 0x010c:
		a.Kind = FlowspecRedirectToIP
		a.Address = netip.AddrFrom4([4]byte(ec[2:6]))
		a.Copy = ec[7]&0x01 != 0
	case 0x0800:
		a.Kind = FlowspecRedirectToNextHop
		a.Copy = ec[7]&0x01 != 0
	default:
		return a, false
	}
	return a, true
}

// AppendFlowspecIPv6Actions appends the FlowSpec actions found in the value of an IPv6
// Address Specific Extended Community attribute (type 25: 20-byte communities). A
// trailing partial community is ignored.
func AppendFlowspecIPv6Actions(dst []FlowspecAction, v []byte) []FlowspecAction {
	for ; len(v) >= 20; v = v[20:] {
		if a, ok := FlowspecIPv6ActionOf([20]byte(v)); ok {
			dst = append(dst, a)
		}
	}
	return dst
}

// FlowspecIPv6ActionOf decodes one IPv6 address specific extended community as a
// FlowSpec action.
func FlowspecIPv6ActionOf(ec [20]byte) (FlowspecAction, bool) {
	var a FlowspecAction
	a.Address = netip.AddrFrom16([16]byte(ec[2:18]))
	local := binary.BigEndian.Uint16(ec[18:])
	switch uint16(ec[0])<<8 | uint16(ec[1]) {
	case 0x000d, 0x800b:
		a.Kind = FlowspecRedirect
		a.Local = uint32(local)
	case 0x000c:
		a.Kind = FlowspecRedirectToIP
		a.Copy = local&0x0001 != 0
	default:
		return FlowspecAction{}, false
	}
	return a, true
}
