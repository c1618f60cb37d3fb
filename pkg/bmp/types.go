// Package bmp decodes the BGP Monitoring Protocol (RFC 7854, RFC 8671, RFC 9069 and the
// BMPv4 TLVs of draft-ietf-grow-bmp-tlv): message framing, the common and per-peer headers,
// and every message type. It knows BMP only: the BGP PDUs that BMP carries (OPENs,
// UPDATEs, NOTIFICATIONs) are handed out as byte slices for package bgp to decode.
//
// Decoding is zero-copy: every slice in a decoded message aliases the input buffer and is
// valid only as long as that buffer is. Decoders never panic on malformed input; they
// return an *Error carrying the byte offset and what was expected. The package has no
// globals and does no logging.
package bmp

import (
	"net/netip"
)

// Message types (RFC 7854 section 4.1, IANA "BMP Message Types").
const (
	MsgRouteMonitoring  uint8 = 0
	MsgStatisticsReport uint8 = 1
	MsgPeerDown         uint8 = 2
	MsgPeerUp           uint8 = 3
	MsgInitiation       uint8 = 4
	MsgTermination      uint8 = 5
	MsgRouteMirroring   uint8 = 6
)

// Peer types (RFC 7854 4.2, RFC 9069).
const (
	PeerTypeGlobal uint8 = 0
	PeerTypeRD     uint8 = 1
	PeerTypeLocal  uint8 = 2
	PeerTypeLocRIB uint8 = 3
)

// Per-peer header flags. V, L, A apply to peer types 0-2; O is RFC 8671; F is the RFC 9069
// Loc-RIB "filtered" flag and shares bit 0x80 with V (its meaning depends on the peer type).
const (
	FlagV uint8 = 0x80
	FlagL uint8 = 0x40
	FlagA uint8 = 0x20
	FlagO uint8 = 0x10
	FlagF uint8 = 0x80
)

// Sizes of fixed parts.
const (
	CommonHeaderLen = 6
	PeerHeaderLen   = 42
)

// CommonHeader is the 6-byte header every BMP message starts with.
type CommonHeader struct {
	Version uint8
	Length  uint32 // total message length, header included
	Type    uint8
}

// PeerHeader is the 42-byte per-peer header (RFC 7854 4.2).
type PeerHeader struct {
	Type          uint8
	Flags         uint8
	Distinguisher [8]byte
	// Address is the peer address: IPv4 (the last 4 of the 16 bytes) when the V flag is
	// clear, IPv6 otherwise. For Loc-RIB peers (type 3) bit 0x80 is the F flag, not V, so
	// the address is IPv4 when the first 12 bytes are zero (RFC 9069 zero-fills the field,
	// which gives 0.0.0.0) and IPv6 otherwise.
	Address       netip.Addr
	AS            uint32
	BGPID         [4]byte
	TimestampSec  uint32
	TimestampUsec uint32
	// Raw is the 42 header bytes as received (used for hashing and for identity).
	Raw []byte
}

// InfoTLV is an information TLV (Initiation, Termination, Peer Up, Peer Down reason 6,
// Route Mirroring, and BMPv4 TLVs). For BMPv4 TLVs that carry an index, Index is set
// and HasIndex is true.
type InfoTLV struct {
	Type     uint16
	Index    uint16
	HasIndex bool
	Value    []byte
}

// Initiation / Termination information TLV types.
const (
	InfoString       uint16 = 0
	InfoSysDescr     uint16 = 1
	InfoSysName      uint16 = 2
	InfoVRFTableName uint16 = 3 // Peer Up / Peer Down (RFC 9069)
	InfoAdminLabel   uint16 = 4 // RFC 8671
	TermInfoReason   uint16 = 1 // Termination: reason code (2 bytes)
)

// Initiation (type 4) and Termination (type 5) messages are a list of TLVs.
type Initiation struct {
	TLVs []InfoTLV
}

type Termination struct {
	TLVs []InfoTLV
}

// PeerUp (type 3).
type PeerUp struct {
	LocalAddress netip.Addr
	LocalPort    uint16
	RemotePort   uint16
	// SentOpen and ReceivedOpen are complete BGP OPEN messages, 19-byte header included.
	SentOpen     []byte
	ReceivedOpen []byte
	Info         []InfoTLV
}

// Peer Down reasons (RFC 7854 4.9, RFC 9069).
const (
	PeerDownLocalNotification   uint8 = 1 // local system closed, NOTIFICATION follows
	PeerDownLocalNoNotification uint8 = 2 // local system closed, 2-byte FSM event follows
	PeerDownRemoteNotification  uint8 = 3 // remote closed with NOTIFICATION
	PeerDownRemoteNoData        uint8 = 4 // remote closed without NOTIFICATION
	PeerDownDeconfigured        uint8 = 5 // peer de-configured
	PeerDownLocRIBSessionDown   uint8 = 6 // RFC 9069: Loc-RIB instance closed, TLVs may follow
)

// PeerDown (type 2).
type PeerDown struct {
	Reason uint8
	// Notification is the complete BGP NOTIFICATION (header included) for reasons 1 and 3.
	Notification []byte
	// FSMEvent is set for reason 2.
	FSMEvent    uint16
	HasFSMEvent bool
	// TLVs for reason 6 (and any information TLVs that follow).
	TLVs []InfoTLV
	// Data is everything after the reason byte, as received.
	Data []byte
}

// RouteMonitoring (type 0).
type RouteMonitoring struct {
	// Update is the complete BGP UPDATE message, 19-byte header included.
	Update []byte
	// TLVs are the BMPv4 Route Monitoring TLVs other than the one carrying the BGP PDU
	// (empty for BMPv3). They are indexed: HasIndex is true and Index holds the full
	// 16-bit index field, G-bit (TLVIndexGroupBit) included.
	TLVs []InfoTLV
	// Trailing holds the bytes after the BGP UPDATE of a BMPv3 message (RFC 7854 allows
	// none; Huawei VRP 8.2 appends a TLV to Loc-RIB Route Monitoring messages). The
	// UPDATE is decoded all the same. TrailingTLVs is their decoding as information TLVs
	// (type, length, value; RFC 7854 section 4.4) when they parse as such completely,
	// else empty.
	Trailing     []byte
	TrailingTLVs []InfoTLV
}

// Statistics types (IANA "BMP Statistics Types").
const (
	StatRejectedInbound           uint16 = 0
	StatDuplicatePrefix           uint16 = 1
	StatDuplicateWithdraw         uint16 = 2
	StatInvalidClusterList        uint16 = 3
	StatInvalidASPath             uint16 = 4
	StatInvalidOriginatorID       uint16 = 5
	StatInvalidASConfed           uint16 = 6
	StatAdjRIBIn                  uint16 = 7
	StatLocRIB                    uint16 = 8
	StatPerAFIAdjRIBIn            uint16 = 9
	StatPerAFILocRIB              uint16 = 10
	StatUpdatesAsWithdraw         uint16 = 11
	StatPrefixesAsWithdraw        uint16 = 12
	StatDuplicateUpdates          uint16 = 13
	StatPrePolicyAdjRIBOut        uint16 = 14
	StatPostPolicyAdjRIBOut       uint16 = 15
	StatPerAFIPrePolicyAdjRIBOut  uint16 = 16
	StatPerAFIPostPolicyAdjRIBOut uint16 = 17
)

// Stat is one statistics TLV. Known types are decoded into Value (32-bit counters and
// 64-bit gauges alike) and, for the per-AFI/SAFI types, AFI and SAFI. Unknown types, and
// known types with an unexpected length, keep their bytes in Raw with Known false.
// Raw always holds the TLV value as received. Routers do not always honour the
// registered widths, so a known non-per-AFI type is decoded from a 4- or an 8-byte value
// alike, and a per-AFI type from AFI+SAFI followed by an 8- or a 4-byte value.
type Stat struct {
	Type   uint16
	Known  bool
	PerAFI bool
	AFI    uint16
	SAFI   uint8
	Value  uint64
	Raw    []byte
}

// StatsReport (type 1).
type StatsReport struct {
	// Count is the Stats Count field as sent; it may disagree with len(Stats) (the decoder
	// trusts the TLVs actually present).
	Count uint32
	Stats []Stat
	// TLVs are the optional TLVs that follow the Stats TLV in a BMPv4 (draft-ietf-grow-
	// bmp-tlv-20) Statistics Report; empty for BMPv3.
	TLVs []InfoTLV
}

// Route Mirroring TLV types (RFC 7854 4.7).
const (
	MirrorBGPMessage  uint16 = 0
	MirrorInformation uint16 = 1 // 2-byte code: 0 errored PDU, 1 messages lost
)

// RouteMirroring (type 6): TLVs of type MirrorBGPMessage carry a complete BGP PDU,
// MirrorInformation carries a 2-byte code.
type RouteMirroring struct {
	TLVs []InfoTLV
}

// Message is one decoded BMP message. Decode fills Header, Peer (for types 0, 1, 2, 3, 6)
// and the field matching Header.Type; the others are left as they were (stale), so read
// only the one that matches. A Message is meant to be reused: Decode recycles its slices.
type Message struct {
	Header          CommonHeader
	Peer            PeerHeader
	RouteMonitoring RouteMonitoring
	Stats           StatsReport
	PeerDown        PeerDown
	PeerUp          PeerUp
	Initiation      Initiation
	Termination     Termination
	Mirroring       RouteMirroring
	// Body is the message after the common header (and for types with a per-peer header,
	// after it too), for unknown message types and for tracing.
	Body []byte
}
