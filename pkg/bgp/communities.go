package bgp

import (
	"encoding/binary"
	"net/netip"
	"strconv"
)

// Well-known communities (IANA "BGP Well-known Communities").
const (
	CommunityGracefulShutdown        uint32 = 0xFFFF0000 // RFC 8326
	CommunityAcceptOwn               uint32 = 0xFFFF0001 // RFC 7611
	CommunityRouteFilterTranslatedV4 uint32 = 0xFFFF0002
	CommunityRouteFilterV4           uint32 = 0xFFFF0003
	CommunityRouteFilterTranslatedV6 uint32 = 0xFFFF0004
	CommunityRouteFilterV6           uint32 = 0xFFFF0005
	CommunityLLGRStale               uint32 = 0xFFFF0006 // RFC 9494
	CommunityNoLLGR                  uint32 = 0xFFFF0007 // RFC 9494
	CommunityAcceptOwnNexthop        uint32 = 0xFFFF0008
	CommunityStandbyPE               uint32 = 0xFFFF0009 // RFC 9026
	CommunityBlackhole               uint32 = 0xFFFF029A // RFC 7999
	CommunityNoExport                uint32 = 0xFFFFFF01 // RFC 1997
	CommunityNoAdvertise             uint32 = 0xFFFFFF02 // RFC 1997
	CommunityNoExportSubconfed       uint32 = 0xFFFFFF03 // RFC 1997
	CommunityNoPeer                  uint32 = 0xFFFFFF04 // RFC 3765
)

// WellKnownCommunityName returns the IANA name of a well-known community ("NO_EXPORT"),
// or "" when c is not one.
func WellKnownCommunityName(c uint32) string {
	switch c {
	case CommunityGracefulShutdown:
		return "GRACEFUL_SHUTDOWN"
	case CommunityAcceptOwn:
		return "ACCEPT_OWN"
	case CommunityRouteFilterTranslatedV4:
		return "ROUTE_FILTER_TRANSLATED_v4"
	case CommunityRouteFilterV4:
		return "ROUTE_FILTER_v4"
	case CommunityRouteFilterTranslatedV6:
		return "ROUTE_FILTER_TRANSLATED_v6"
	case CommunityRouteFilterV6:
		return "ROUTE_FILTER_v6"
	case CommunityLLGRStale:
		return "LLGR_STALE"
	case CommunityNoLLGR:
		return "NO_LLGR"
	case CommunityAcceptOwnNexthop:
		return "accept-own-nexthop"
	case CommunityStandbyPE:
		return "STANDBY_PE"
	case CommunityBlackhole:
		return "BLACKHOLE"
	case CommunityNoExport:
		return "NO_EXPORT"
	case CommunityNoAdvertise:
		return "NO_ADVERTISE"
	case CommunityNoExportSubconfed:
		return "NO_EXPORT_SUBCONFED"
	case CommunityNoPeer:
		return "NOPEER"
	}
	return ""
}

// CommunityString formats a community as "high:low" ("65000:100"); well-known ones are
// formatted the same way (see WellKnownCommunityName for their names).
func CommunityString(c uint32) string {
	var b [11]byte
	return string(AppendCommunity(b[:0], c))
}

// AppendCommunity appends CommunityString(c) to dst.
func AppendCommunity(dst []byte, c uint32) []byte {
	dst = strconv.AppendUint(dst, uint64(c>>16), 10)
	dst = append(dst, ':')
	return strconv.AppendUint(dst, uint64(c&0xffff), 10)
}

// String formats a large community as "global:local1:local2" (RFC 8195).
func (l LargeCommunity) String() string {
	var b [32]byte
	return string(l.Append(b[:0]))
}

// Append appends l.String() to dst.
func (l LargeCommunity) Append(dst []byte) []byte {
	dst = strconv.AppendUint(dst, uint64(l.Global), 10)
	dst = append(dst, ':')
	dst = strconv.AppendUint(dst, uint64(l.Local1), 10)
	dst = append(dst, ':')
	return strconv.AppendUint(dst, uint64(l.Local2), 10)
}

// Extended community types and sub-types (RFC 4360, RFC 5668, RFC 7153).
const (
	ExtTypeTwoOctetAS  uint8 = 0x00 // transitive two-octet AS specific
	ExtTypeIPv4        uint8 = 0x01 // transitive IPv4 address specific
	ExtTypeFourOctetAS uint8 = 0x02 // transitive four-octet AS specific

	ExtSubRouteTarget uint8 = 0x02
	ExtSubRouteOrigin uint8 = 0x03
)

// ExtCommunityString formats an extended community in the goBMP style:
//
//	rt=65000:100        route target, two-octet AS (type 0x00) or four-octet AS (0x02)
//	rt=192.0.2.1:100    route target, IPv4 address specific (type 0x01)
//	ro=...              route origin (sub-type 0x03), same three forms
//
// and "0x" followed by the 16 hex digits of the community for every other type.
func ExtCommunityString(ec [8]byte) string {
	var b [40]byte
	return string(AppendExtCommunity(b[:0], ec))
}

// AppendExtCommunity appends ExtCommunityString(ec) to dst. It is a switch on the type
// and sub-type octets: add a case for each newly supported community.
func AppendExtCommunity(dst []byte, ec [8]byte) []byte {
	typ, sub := ec[0], ec[1]
	switch typ {
	case ExtTypeTwoOctetAS, ExtTypeIPv4, ExtTypeFourOctetAS:
		var prefix string
		switch sub {
		case ExtSubRouteTarget:
			prefix = "rt="
		case ExtSubRouteOrigin:
			prefix = "ro="
		default:
			return appendExtHex(dst, ec)
		}
		dst = append(dst, prefix...)
		return appendASorIPSpecific(dst, typ, ec)
	}
	return appendExtHex(dst, ec)
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

func appendExtHex(dst []byte, ec [8]byte) []byte {
	const hexdigits = "0123456789abcdef"
	dst = append(dst, '0', 'x')
	for _, c := range ec {
		dst = append(dst, hexdigits[c>>4], hexdigits[c&0xf])
	}
	return dst
}

// Origin values (RFC 4271 section 4.3).
const (
	OriginIGP        uint8 = 0
	OriginEGP        uint8 = 1
	OriginIncomplete uint8 = 2
)

// OriginName returns "igp", "egp" or "incomplete", or "" for another value.
func OriginName(o uint8) string {
	switch o {
	case OriginIGP:
		return "igp"
	case OriginEGP:
		return "egp"
	case OriginIncomplete:
		return "incomplete"
	}
	return ""
}
