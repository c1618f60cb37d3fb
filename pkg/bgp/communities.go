package bgp

import (
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
