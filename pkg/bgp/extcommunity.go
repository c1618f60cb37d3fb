package bgp

import (
	"encoding/binary"
	"math"
	"net/netip"
	"strconv"
)

// Extended community type octets (RFC 4360, RFC 7153 registries). Bit 0x40 of the type
// marks a non-transitive community.
const (
	ExtTypeTwoOctetAS         uint8 = 0x00 // transitive two-octet AS specific
	ExtTypeIPv4               uint8 = 0x01 // transitive IPv4 address specific
	ExtTypeFourOctetAS        uint8 = 0x02 // transitive four-octet AS specific
	ExtTypeOpaque             uint8 = 0x03 // transitive opaque
	ExtTypeEVPN               uint8 = 0x06 // EVPN (RFC 7432)
	ExtTypeRedirectIP         uint8 = 0x08 // flow spec redirect/mirror to IP next hop
	ExtTypeNonTransTwoOctetAS uint8 = 0x40
	ExtTypeNonTransOpaque     uint8 = 0x43
	ExtTypeGeneric            uint8 = 0x80 // generic transitive (flow spec actions, RFC 8955)
	ExtTypeGenericPart2       uint8 = 0x81 // flow spec redirect, IPv4 global admin (RFC 7674)
	ExtTypeGenericPart3       uint8 = 0x82 // flow spec redirect, 4-octet AS (RFC 7674)
)

// Extended community sub-types, per type (the same number means different things in
// different types).
const (
	ExtSubRouteTarget   uint8 = 0x02 // types 0x00, 0x01, 0x02
	ExtSubRouteOrigin   uint8 = 0x03 // types 0x00, 0x01, 0x02
	ExtSubLinkBandwidth uint8 = 0x04 // types 0x00, 0x40 (draft-ietf-idr-link-bandwidth)

	ExtSubColor          uint8 = 0x0b // type 0x03 (RFC 9012)
	ExtSubEncapsulation  uint8 = 0x0c // type 0x03 (RFC 9012)
	ExtSubDefaultGateway uint8 = 0x0d // type 0x03 (RFC 7432)

	ExtSubOriginValidation uint8 = 0x00 // type 0x43 (RFC 8097)

	ExtSubMACMobility  uint8 = 0x00 // type 0x06 (RFC 7432)
	ExtSubESILabel     uint8 = 0x01 // type 0x06 (RFC 7432)
	ExtSubESImportRT   uint8 = 0x02 // type 0x06 (RFC 7432)
	ExtSubRouterMAC    uint8 = 0x03 // type 0x06 (RFC 9135)
	ExtSubL2Attributes uint8 = 0x04 // type 0x06 (RFC 8214)

	ExtSubTrafficRate        uint8 = 0x06 // type 0x80 (RFC 8955)
	ExtSubTrafficAction      uint8 = 0x07 // type 0x80 (RFC 8955)
	ExtSubRedirect           uint8 = 0x08 // types 0x80, 0x81, 0x82 (RFC 8955, RFC 7674)
	ExtSubTrafficMarking     uint8 = 0x09 // type 0x80 (RFC 8955)
	ExtSubTrafficRatePackets uint8 = 0x0c // type 0x80 (RFC 8955)
)

// RFC 8097 origin validation states.
const (
	OriginValidationValid    uint8 = 0
	OriginValidationNotFound uint8 = 1
	OriginValidationInvalid  uint8 = 2
)

// OriginValidationStateName returns "valid", "not-found" or "invalid" (RFC 8097), or ""
// for another value.
func OriginValidationStateName(s uint8) string {
	switch s {
	case OriginValidationValid:
		return "valid"
	case OriginValidationNotFound:
		return "not-found"
	case OriginValidationInvalid:
		return "invalid"
	}
	return ""
}

// ExtCommunityColor returns the color value and the 16-bit flags field of a Color extended
// community (RFC 9012 section 4.3); the two high bits of the flags are the RFC 9256
// color-only (CO) bits. ok is false for any other community.
func ExtCommunityColor(ec [8]byte) (color uint32, flags uint16, ok bool) {
	if ec[0] != ExtTypeOpaque || ec[1] != ExtSubColor {
		return 0, 0, false
	}
	return binary.BigEndian.Uint32(ec[4:]), binary.BigEndian.Uint16(ec[2:]), true
}

// ExtCommunityOriginValidation returns the state of a BGP origin validation state extended
// community (RFC 8097: last octet). ok is false for any other community.
func ExtCommunityOriginValidation(ec [8]byte) (state uint8, ok bool) {
	if ec[0] != ExtTypeNonTransOpaque || ec[1] != ExtSubOriginValidation {
		return 0, false
	}
	return ec[7], true
}

// Color returns the value of the first Color extended community of the UPDATE (RFC 9012;
// the route's color in RFC 9723 terms).
func (a *Attributes) Color() (uint32, bool) {
	for _, ec := range a.ExtCommunities {
		if c, _, ok := ExtCommunityColor(ec); ok {
			return c, true
		}
	}
	return 0, false
}

// OriginValidation returns the state of the first origin validation state extended
// community of the UPDATE (RFC 8097).
func (a *Attributes) OriginValidation() (uint8, bool) {
	for _, ec := range a.ExtCommunities {
		if s, ok := ExtCommunityOriginValidation(ec); ok {
			return s, true
		}
	}
	return 0, false
}

// ExtCommunityString formats an extended community the way goBMP's ext_community_list
// does, with goBMP's prefixes: "rt=65000:100", "ro=192.0.2.1:7", "color=100",
// "ov-state=valid", "macmob=1:42", "link-bw=65000:125000", "flowspec-redirect=65000:1"…
// Communities it does not decode are "unknown=0xTT:0xSS:0xVVVVVVVVVVVV" (type, sub-type
// and the 6-octet value in hex). docs/attributes.md lists every form.
func ExtCommunityString(ec [8]byte) string {
	var b [64]byte
	return string(AppendExtCommunity(b[:0], ec))
}

// AppendExtCommunity appends ExtCommunityString(ec) to dst. It is a switch on the type
// and sub-type octets: add a case for each newly supported community.
func AppendExtCommunity(dst []byte, ec [8]byte) []byte {
	typ, sub := ec[0], ec[1]
	switch typ {
	case ExtTypeTwoOctetAS, ExtTypeIPv4, ExtTypeFourOctetAS:
		if typ == ExtTypeTwoOctetAS && sub == ExtSubLinkBandwidth {
			return appendASFloat(append(dst, "link-bw="...), ec)
		}
		if p := asSpecificPrefix(typ, sub); p != "" {
			return appendASorIPSpecific(append(dst, p...), typ, ec)
		}
	case ExtTypeNonTransTwoOctetAS:
		if sub == ExtSubLinkBandwidth {
			return appendASFloat(append(dst, "link-bw="...), ec)
		}
	case ExtTypeOpaque:
		switch sub {
		case ExtSubColor:
			c, flags, _ := ExtCommunityColor(ec)
			dst = append(dst, "color="...)
			if co := flags >> 14; co != 0 {
				dst = append(dst, '0'+byte(co>>1), '0'+byte(co&1), ':')
			}
			return strconv.AppendUint(dst, uint64(c), 10)
		case ExtSubEncapsulation:
			t := binary.BigEndian.Uint16(ec[6:])
			dst = append(dst, "encap="...)
			if n := encapTunnelName(t); n != "" {
				return append(dst, n...)
			}
			return strconv.AppendUint(dst, uint64(t), 10)
		case ExtSubDefaultGateway:
			return strconv.AppendUint(append(dst, "dg="...), uint64(binary.BigEndian.Uint32(ec[4:])), 10)
		}
	case ExtTypeNonTransOpaque:
		if sub == ExtSubOriginValidation {
			dst = append(dst, "ov-state="...)
			if n := OriginValidationStateName(ec[7]); n != "" {
				return append(dst, n...)
			}
			return strconv.AppendUint(append(dst, "unknown="...), uint64(ec[7]), 10)
		}
	case ExtTypeEVPN:
		switch sub {
		case ExtSubMACMobility: // flags (sticky = 0x01), reserved, sequence number
			dst = strconv.AppendUint(append(dst, "macmob="...), uint64(ec[2]), 10)
			dst = append(dst, ':')
			return strconv.AppendUint(dst, uint64(binary.BigEndian.Uint32(ec[4:])), 10)
		case ExtSubESILabel: // flags (single-active = 0x01), 2 reserved, 3-octet label
			dst = strconv.AppendUint(append(dst, "esi-l="...), uint64(ec[2]), 10)
			dst = append(dst, ':')
			return strconv.AppendUint(dst, uint64(ecUint24(ec[5:])>>4), 10)
		case ExtSubESImportRT:
			return ecAppendMAC(append(dst, "es-irt="...), ec[2:])
		case ExtSubRouterMAC:
			return ecAppendMAC(append(dst, "rmac="...), ec[2:])
		case ExtSubL2Attributes: // control flags (2), L2 MTU (2), reserved (2)
			dst = strconv.AppendUint(append(dst, "l2attr="...), uint64(binary.BigEndian.Uint16(ec[2:])), 10)
			dst = append(dst, ':')
			return strconv.AppendUint(dst, uint64(binary.BigEndian.Uint16(ec[4:])), 10)
		}
	case ExtTypeRedirectIP:
		if sub == 0 { // draft-ietf-idr-flowspec-redirect-ip: the target is the next hop
			dst = append(dst, "flowspec=redirect_to_ip_next_hop"...)
			if ec[7]&0x01 != 0 {
				dst = append(dst, ",copy"...)
			}
			return dst
		}
	case ExtTypeGeneric:
		switch sub {
		case ExtSubTrafficRate:
			return appendASFloat(append(dst, "flowspec-traffic-rate="...), ec)
		case ExtSubTrafficRatePackets:
			return appendASFloat(append(dst, "flowspec-traffic-rate-packets="...), ec)
		case ExtSubTrafficAction: // RFC 8955 section 7.3: bit 47 terminal, bit 46 sample
			dst = append(dst, "flowspec-traffic-action=T="...)
			dst = strconv.AppendBool(dst, ec[7]&0x01 != 0)
			dst = append(dst, " S="...)
			return strconv.AppendBool(dst, ec[7]&0x02 != 0)
		case ExtSubRedirect:
			return appendASorIPSpecific(append(dst, "flowspec-redirect="...), ExtTypeTwoOctetAS, ec)
		case ExtSubTrafficMarking:
			return strconv.AppendUint(append(dst, "flowspec-traffic-remarking=DSCP="...), uint64(ec[7]&0x3f), 10)
		}
	case ExtTypeGenericPart2:
		if sub == ExtSubRedirect {
			return appendASorIPSpecific(append(dst, "flowspec-redirect="...), ExtTypeIPv4, ec)
		}
	case ExtTypeGenericPart3:
		if sub == ExtSubRedirect {
			return appendASorIPSpecific(append(dst, "flowspec-redirect="...), ExtTypeFourOctetAS, ec)
		}
	}
	return appendExtUnknown(dst, ec[:2], ec[2:])
}

// asSpecificPrefix returns goBMP's prefix for the sub-types of the transitive AS and IPv4
// specific types whose value is "global administrator:local administrator", or "".
func asSpecificPrefix(typ, sub uint8) string {
	switch sub {
	case ExtSubRouteTarget:
		return "rt="
	case ExtSubRouteOrigin:
		return "ro="
	case 0x05: // OSPF Domain Identifier (RFC 4577)
		return "odi="
	case 0x10: // Cisco VPN-Distinguisher
		return "cvd="
	case 0x13: // Route-Target Record
		return "rtr="
	}
	switch typ {
	case ExtTypeTwoOctetAS:
		switch sub {
		case 0x08:
			return "bdc=" // BGP Data Collection (RFC 4384)
		case 0x09:
			return "sas=" // Source AS (RFC 6514)
		case 0x0a:
			return "l2i=" // L2VPN Identifier (RFC 6074)
		case 0x80:
			return "vni=" // Virtual-Network Identifier
		}
	case ExtTypeIPv4:
		switch sub {
		case 0x07:
			return "ori=" // OSPF Route ID (RFC 4577)
		case 0x0a:
			return "l2i="
		case 0x0b:
			return "vri=" // VRF Route Import (RFC 6514)
		case 0x0c:
			return "fsr=" // Flow-spec Redirect to IPv4
		case 0x12:
			return "snh=" // Inter-Area P2MP Segmented Next-Hop (RFC 7524)
		case 0x14:
			return "rnh=" // VRF-Recursive-Next-Hop
		case 0x20:
			return "rpa=" // MVPN SA RP-address
		}
	case ExtTypeFourOctetAS:
		switch sub {
		case 0x04:
			return "deprecated=" // Generic (deprecated)
		case 0x08:
			return "bdc="
		case 0x09:
			return "sas="
		}
	}
	return ""
}

// appendASorIPSpecific formats the 6-byte value of the AS / IPv4 specific types as
// "global:local".
func appendASorIPSpecific(dst []byte, typ uint8, ec [8]byte) []byte {
	switch typ {
	case ExtTypeTwoOctetAS:
		dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint16(ec[2:])), 10)
		dst = append(dst, ':')
		return strconv.AppendUint(dst, uint64(binary.BigEndian.Uint32(ec[4:])), 10)
	case ExtTypeIPv4:
		dst = netip.AddrFrom4([4]byte(ec[2:6])).AppendTo(dst)
		dst = append(dst, ':')
		return strconv.AppendUint(dst, uint64(binary.BigEndian.Uint16(ec[6:])), 10)
	default: // ExtTypeFourOctetAS
		dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint32(ec[2:])), 10)
		dst = append(dst, ':')
		return strconv.AppendUint(dst, uint64(binary.BigEndian.Uint16(ec[6:])), 10)
	}
}

// appendASFloat formats a 2-octet AS and an IEEE 754 single-precision value (link
// bandwidth and flow spec traffic rates, in bytes or packets per second) as "as:value",
// the value in decimal without exponent ("65000:125000", "0:0.5").
func appendASFloat(dst []byte, ec [8]byte) []byte {
	dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint16(ec[2:])), 10)
	dst = append(dst, ':')
	f := math.Float32frombits(binary.BigEndian.Uint32(ec[4:]))
	return strconv.AppendFloat(dst, float64(f), 'f', -1, 32)
}

func ecAppendMAC(dst []byte, mac []byte) []byte {
	for i, c := range mac {
		if i > 0 {
			dst = append(dst, ':')
		}
		dst = append(dst, ecHexDigits[c>>4], ecHexDigits[c&0xf])
	}
	return dst
}

const ecHexDigits = "0123456789abcdef"

func ecAppendHex(dst []byte, b []byte) []byte {
	for _, c := range b {
		dst = append(dst, ecHexDigits[c>>4], ecHexDigits[c&0xf])
	}
	return dst
}

// appendExtUnknown formats a community this package does not decode:
// "unknown=0xTT:0xSS:0x<value>".
func appendExtUnknown(dst []byte, typeSub, value []byte) []byte {
	dst = append(dst, "unknown=0x"...)
	dst = ecAppendHex(dst, typeSub[:1])
	dst = append(dst, ":0x"...)
	dst = ecAppendHex(dst, typeSub[1:2])
	dst = append(dst, ":0x"...)
	return ecAppendHex(dst, value)
}

// ecUint24 returns the 3-octet big-endian value at b.
func ecUint24(b []byte) uint32 { return uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]) }

// encapTunnelName names the tunnel types of the BGP Tunnel Encapsulation registry (RFC
// 9012, RFC 8365) used in the Encapsulation extended community, or returns "".
func encapTunnelName(t uint16) string {
	switch t {
	case 1:
		return "L2TPv3"
	case 2:
		return "GRE"
	case 7:
		return "IP-in-IP"
	case 8:
		return "VXLAN"
	case 9:
		return "NVGRE"
	case 10:
		return "MPLS"
	case 11:
		return "MPLS-in-GRE"
	case 12:
		return "VXLAN-GPE"
	case 13:
		return "MPLS-in-UDP"
	case 14:
		return "IPv6-tunnel"
	case 15:
		return "SR-policy"
	case 19:
		return "Geneve"
	}
	return ""
}

// IPv6 Address Specific Extended Community (RFC 5701): type, sub-type, a 16-octet IPv6
// global administrator and a 2-octet local administrator.
const IPv6ExtCommunityLen = 20

// decodeIPv6ExtCommunities decodes attribute 25 (RFC 5701). A length that is not a
// non-zero multiple of 20 is an error, as for EXTENDED COMMUNITIES (RFC 7606 section 7.15
// asks for treat-as-withdraw).
func (a *Attributes) decodeIPv6ExtCommunities(v []byte, off int) error {
	if len(v) == 0 || len(v)%IPv6ExtCommunityLen != 0 {
		return lengthError(off, AttrIPv6ExtCommunity, len(v), "a non-zero multiple of 20")
	}
	for i := 0; i < len(v); i += IPv6ExtCommunityLen {
		a.IPv6ExtCommunities = append(a.IPv6ExtCommunities, [IPv6ExtCommunityLen]byte(v[i:]))
	}
	return nil
}

// IPv6ExtCommunityString formats an IPv6 address specific extended community the way
// goBMP's ipv6_ext_community_list does: "rt=2001:db8::1:100" and "ro=…" (transitive
// route target and route origin: address, then the local administrator after the last
// colon), "vri=…" (VRF route import, RFC 6515), and "unknown=0xTT:0xSS:0x<18 octets>".
func IPv6ExtCommunityString(ec [IPv6ExtCommunityLen]byte) string {
	var b [96]byte
	return string(AppendIPv6ExtCommunity(b[:0], ec))
}

// AppendIPv6ExtCommunity appends IPv6ExtCommunityString(ec) to dst.
func AppendIPv6ExtCommunity(dst []byte, ec [IPv6ExtCommunityLen]byte) []byte {
	var prefix string
	if ec[0] == ExtTypeTwoOctetAS { // 0x00: transitive
		switch ec[1] {
		case ExtSubRouteTarget:
			prefix = "rt="
		case ExtSubRouteOrigin:
			prefix = "ro="
		case 0x0b:
			prefix = "vri="
		}
	}
	if prefix == "" {
		return appendExtUnknown(dst, ec[:2], ec[2:])
	}
	dst = append(dst, prefix...)
	dst = netip.AddrFrom16([16]byte(ec[2:18])).AppendTo(dst)
	dst = append(dst, ':')
	return strconv.AppendUint(dst, uint64(binary.BigEndian.Uint16(ec[18:])), 10)
}
