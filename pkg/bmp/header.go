package bmp

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
	"time"
)

// ParseCommonHeader decodes the 6-byte common header at the start of b. The version must
// be 3 or 4 (error wrapping ErrBadVersion) and the declared length at least 6 (error
// wrapping ErrTooShort). It does not compare the declared length with len(b).
func ParseCommonHeader(b []byte) (CommonHeader, error) {
	if len(b) < CommonHeaderLen {
		return CommonHeader{}, errShort(0, "common header", CommonHeaderLen, len(b))
	}
	h := CommonHeader{
		Version: b[0],
		Length:  binary.BigEndian.Uint32(b[1:5]),
		Type:    b[5],
	}
	if h.Version != 3 && h.Version != 4 {
		return h, &Error{Offset: 0, What: "common header: version " + strconv.Itoa(int(h.Version)) + " not supported (want 3 or 4)", Err: ErrBadVersion}
	}
	if h.Length < CommonHeaderLen {
		return h, &Error{Offset: 1, What: "common header: length " + strconv.FormatUint(uint64(h.Length), 10) + " below 6", Err: ErrTooShort}
	}
	return h, nil
}

// ParsePeerHeader decodes the 42-byte per-peer header at the start of b into h. h.Raw
// aliases b. Error offsets are relative to b.
func ParsePeerHeader(b []byte, h *PeerHeader) error {
	return parsePeerHeader(b, 0, h)
}

// parsePeerHeader is ParsePeerHeader with b located at offset off of the message.
func parsePeerHeader(b []byte, off int, h *PeerHeader) error {
	if len(b) < PeerHeaderLen {
		return errShort(off, "peer header", PeerHeaderLen, len(b))
	}
	h.Type = b[0]
	h.Flags = b[1]
	h.Distinguisher = [8]byte(b[2:10])
	h.Address = decodeAddr(b[10:26], h.addrIsIPv6(b[10:26]))
	h.AS = binary.BigEndian.Uint32(b[26:30])
	h.BGPID = [4]byte(b[30:34])
	h.TimestampSec = binary.BigEndian.Uint32(b[34:38])
	h.TimestampUsec = binary.BigEndian.Uint32(b[38:42])
	h.Raw = b[:PeerHeaderLen:PeerHeaderLen]
	return nil
}

// addrIsIPv6 tells how to read a 16-byte address field of a message from this peer (the
// peer address and the Peer Up local address): the V flag for peer types other than
// Loc-RIB; for Loc-RIB, where 0x80 is the F flag, IPv6 unless the first 12 bytes are zero.
func (h *PeerHeader) addrIsIPv6(a []byte) bool {
	if h.Type == PeerTypeLocRIB {
		for _, c := range a[:12] {
			if c != 0 {
				return true
			}
		}
		return false
	}
	return h.Flags&FlagV != 0
}

// decodeAddr reads a 16-byte address field: IPv6, or IPv4 from its last 4 bytes.
func decodeAddr(a []byte, v6 bool) netip.Addr {
	if v6 {
		return netip.AddrFrom16([16]byte(a[:16]))
	}
	return netip.AddrFrom4([4]byte(a[12:16]))
}

// IsIPv6 reports whether the peer address is IPv6: the V flag for peer types 0-2 (and
// unassigned types); for Loc-RIB peers (type 3), whose 0x80 bit is the F flag, whether
// the decoded address is IPv6 (zero-prefix rule, see PeerHeader.Address).
func (h *PeerHeader) IsIPv6() bool {
	if h.Type == PeerTypeLocRIB {
		return h.Address.Is6()
	}
	return h.Flags&FlagV != 0
}

// IsPostPolicy reports the L flag (post-policy Adj-RIB-In / Adj-RIB-Out). Always false
// for Loc-RIB peers, whose flag registry has no L flag.
func (h *PeerHeader) IsPostPolicy() bool {
	return h.Type != PeerTypeLocRIB && h.Flags&FlagL != 0
}

// IsAS2 reports the A flag: the AS_PATH in the BGP messages uses the legacy 2-byte AS
// format. Always false for Loc-RIB peers.
func (h *PeerHeader) IsAS2() bool {
	return h.Type != PeerTypeLocRIB && h.Flags&FlagA != 0
}

// IsAdjRIBOut reports the O flag (RFC 8671): the routes are from the Adj-RIB-Out. Always
// false for Loc-RIB peers.
func (h *PeerHeader) IsAdjRIBOut() bool {
	return h.Type != PeerTypeLocRIB && h.Flags&FlagO != 0
}

// IsFiltered reports the F flag (RFC 9069), defined for Loc-RIB peers (type 3) only.
func (h *PeerHeader) IsFiltered() bool {
	return h.Type == PeerTypeLocRIB && h.Flags&FlagF != 0
}

// Time returns the per-peer header timestamp in UTC.
func (h *PeerHeader) Time() time.Time {
	return time.Unix(int64(h.TimestampSec), int64(h.TimestampUsec)*1000).UTC()
}

// RDType returns the route distinguisher type (first 2 bytes of the distinguisher).
func (h *PeerHeader) RDType() uint16 {
	return binary.BigEndian.Uint16(h.Distinguisher[0:2])
}

// RDString returns the peer distinguisher as text. For RD-style distinguishers (every peer
// type but 2) the RFC 4364 form: type 0 "asn2:num", type 1 "a.b.c.d:num", type 2
// "asn4:num"; an all-zero distinguisher gives "0:0"; an unknown RD type gives
// "type:hex-of-6-bytes". For local instance peers (type 2), whose distinguisher is a
// locally assigned value, the 8 bytes as a decimal uint64 (as goBMP prints it).
func (h *PeerHeader) RDString() string {
	rd := h.Distinguisher[:]
	if h.Type == PeerTypeLocal {
		return strconv.FormatUint(binary.BigEndian.Uint64(rd), 10)
	}
	switch binary.BigEndian.Uint16(rd[0:2]) {
	case 0:
		return strconv.FormatUint(uint64(binary.BigEndian.Uint16(rd[2:4])), 10) + ":" +
			strconv.FormatUint(uint64(binary.BigEndian.Uint32(rd[4:8])), 10)
	case 1:
		return netip.AddrFrom4([4]byte(rd[2:6])).String() + ":" +
			strconv.FormatUint(uint64(binary.BigEndian.Uint16(rd[6:8])), 10)
	case 2:
		return strconv.FormatUint(uint64(binary.BigEndian.Uint32(rd[2:6])), 10) + ":" +
			strconv.FormatUint(uint64(binary.BigEndian.Uint16(rd[6:8])), 10)
	default:
		return fmt.Sprintf("%d:%x", binary.BigEndian.Uint16(rd[0:2]), rd[2:])
	}
}

func unknownName(v uint64) string { return "Unknown(" + strconv.FormatUint(v, 10) + ")" }

// MessageTypeName returns the IANA name of a BMP message type, or "Unknown(N)".
func MessageTypeName(t uint8) string {
	switch t {
	case MsgRouteMonitoring:
		return "Route Monitoring"
	case MsgStatisticsReport:
		return "Statistics Report"
	case MsgPeerDown:
		return "Peer Down Notification"
	case MsgPeerUp:
		return "Peer Up Notification"
	case MsgInitiation:
		return "Initiation"
	case MsgTermination:
		return "Termination"
	case MsgRouteMirroring:
		return "Route Mirroring"
	}
	return unknownName(uint64(t))
}

// PeerTypeName returns the IANA name of a peer type, or "Unknown(N)".
func PeerTypeName(t uint8) string {
	switch t {
	case PeerTypeGlobal:
		return "Global Instance Peer"
	case PeerTypeRD:
		return "RD Instance Peer"
	case PeerTypeLocal:
		return "Local Instance Peer"
	case PeerTypeLocRIB:
		return "Loc-RIB Instance Peer"
	}
	return unknownName(uint64(t))
}

// PeerDownReasonName returns the IANA description of a Peer Down reason, or "Unknown(N)".
func PeerDownReasonName(r uint8) string {
	switch r {
	case PeerDownLocalNotification:
		return "Local system closed, NOTIFICATION PDU follows"
	case PeerDownLocalNoNotification:
		return "Local system closed, no NOTIFICATION PDU follows"
	case PeerDownRemoteNotification:
		return "Remote system closed, NOTIFICATION PDU follows"
	case PeerDownRemoteNoData:
		return "Remote system closed, no data"
	case PeerDownDeconfigured:
		return "Peer de-configured"
	case PeerDownLocRIBSessionDown:
		return "Local system closed, TLV data follows"
	}
	return unknownName(uint64(r))
}

var statNames = [...]string{
	StatRejectedInbound:           "Number of prefixes rejected by inbound policy",
	StatDuplicatePrefix:           "Number of (known) duplicate prefix advertisements",
	StatDuplicateWithdraw:         "Number of (known) duplicate withdraws",
	StatInvalidClusterList:        "Number of updates invalidated due to CLUSTER_LIST loop",
	StatInvalidASPath:             "Number of updates invalidated due to AS_PATH loop",
	StatInvalidOriginatorID:       "Number of updates invalidated due to ORIGINATOR_ID",
	StatInvalidASConfed:           "Number of updates invalidated due to a loop found in AS_CONFED_SEQUENCE or AS_CONFED_SET",
	StatAdjRIBIn:                  "Number of routes in Adj-RIBs-In",
	StatLocRIB:                    "Number of routes in Loc-RIB",
	StatPerAFIAdjRIBIn:            "Number of routes in per-AFI/SAFI Adj-RIB-In",
	StatPerAFILocRIB:              "Number of routes in per-AFI/SAFI Loc-RIB",
	StatUpdatesAsWithdraw:         "Number of updates subjected to treat-as-withdraw",
	StatPrefixesAsWithdraw:        "Number of prefixes subjected to treat-as-withdraw",
	StatDuplicateUpdates:          "Number of duplicate update messages received",
	StatPrePolicyAdjRIBOut:        "Number of routes in pre-policy Adj-RIB-Out",
	StatPostPolicyAdjRIBOut:       "Number of routes in post-policy Adj-RIB-Out",
	StatPerAFIPrePolicyAdjRIBOut:  "Number of routes in per-AFI/SAFI pre-policy Adj-RIB-Out",
	StatPerAFIPostPolicyAdjRIBOut: "Number of routes in per-AFI/SAFI post-policy Adj-RIB-Out",
}

// StatTypeName returns the IANA description of statistics types 0-17, or "Unknown(N)".
func StatTypeName(t uint16) string {
	if int(t) < len(statNames) {
		return statNames[t]
	}
	return unknownName(uint64(t))
}

// Termination reason codes (IANA "BMP Termination Message Reason Codes").
const (
	TermAdminClosed     uint16 = 0
	TermUnspecified     uint16 = 1
	TermOutOfResources  uint16 = 2
	TermRedundant       uint16 = 3
	TermPermAdminClosed uint16 = 4
)

// TerminationReasonName returns the IANA description of a Termination reason code, or
// "Unknown(N)".
func TerminationReasonName(r uint16) string {
	switch r {
	case TermAdminClosed:
		return "Session administratively closed"
	case TermUnspecified:
		return "Unspecified reason"
	case TermOutOfResources:
		return "Out of resources"
	case TermRedundant:
		return "Redundant connection"
	case TermPermAdminClosed:
		return "Session permanently administratively closed"
	}
	return unknownName(uint64(r))
}
