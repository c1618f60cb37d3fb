// Package bgp decodes the BGP-4 messages that BMP carries (RFC 4271): OPEN with its
// capabilities, UPDATE with its path attributes and NLRI per address family, and
// NOTIFICATION. Decoding options that depend on the session (4-octet AS, ADD-PATH per
// family) come in explicitly through DecodeOptions.
//
// Decoding is zero-copy where it can be: slices in decoded values alias the input and are
// valid as long as it is. Decoders never panic on malformed input; they return an *Error
// with the byte offset and what was expected. No globals, no logging.
package bgp

import (
	"net/netip"
)

// Message types.
const (
	MsgOpen         uint8 = 1
	MsgUpdate       uint8 = 2
	MsgNotification uint8 = 3
	MsgKeepalive    uint8 = 4
	MsgRouteRefresh uint8 = 5
)

// HeaderLen is the BGP message header length (marker, length, type).
const HeaderLen = 19

// AFI and SAFI values used in this package.
const (
	AFIIPv4  uint16 = 1
	AFIIPv6  uint16 = 2
	AFIL2VPN uint16 = 25
	AFIBGPLS uint16 = 16388

	SAFIUnicast   uint8 = 1
	SAFIMulticast uint8 = 2
	SAFILabeled   uint8 = 4
	SAFIMcastVPN  uint8 = 5
	SAFIVPLS      uint8 = 65
	SAFIEVPN      uint8 = 70
	SAFIBGPLS     uint8 = 71
	SAFIBGPLSVPN  uint8 = 72
	SAFISRPolicy  uint8 = 73
	SAFIMVPN      uint8 = 129
	SAFIVPN       uint8 = 128
	SAFIRTC       uint8 = 132
	SAFIFlowspec  uint8 = 133
	SAFIFlowVPN   uint8 = 134
)

// Family is an AFI/SAFI pair.
type Family struct {
	AFI  uint16
	SAFI uint8
}

var (
	FamilyIPv4Unicast = Family{AFIIPv4, SAFIUnicast}
	FamilyIPv6Unicast = Family{AFIIPv6, SAFIUnicast}
)

// Capability codes (IANA).
const (
	CapMultiprotocol     uint8 = 1
	CapRouteRefresh      uint8 = 2
	CapExtendedNextHop   uint8 = 5
	CapExtendedMessage   uint8 = 6
	CapGracefulRestart   uint8 = 64
	CapFourOctetAS       uint8 = 65
	CapAddPath           uint8 = 69
	CapEnhancedRefresh   uint8 = 70
	CapLongLivedGR       uint8 = 71
	CapFQDN              uint8 = 73
	CapRouteRefreshCisco uint8 = 128
)

// ADD-PATH send/receive modes (RFC 7911 section 4).
const (
	AddPathReceive uint8 = 1
	AddPathSend    uint8 = 2
	AddPathBoth    uint8 = 3
)

// Capability is one capability from an OPEN's optional parameters, kept raw. Decoded
// views of the well-known ones are on Open.
type Capability struct {
	Code  uint8
	Value []byte
}

// AddPathFamily is one entry of the ADD-PATH capability.
type AddPathFamily struct {
	Family
	Mode uint8
}

// ExtNextHop is one entry of the extended next hop capability (RFC 8950).
type ExtNextHop struct {
	Family
	NextHopAFI uint16
}

// GracefulRestart is the decoded graceful restart capability (RFC 4724).
type GracefulRestart struct {
	Flags    uint8 // the 4 high bits of the first octet (R, N)
	Time     uint16
	Families []GRFamily
}

type GRFamily struct {
	Family
	Flags uint8 // F bit 0x80
}

// Open is a decoded OPEN message.
type Open struct {
	Version  uint8
	MyAS     uint16
	HoldTime uint16
	BGPID    [4]byte
	// Caps lists every capability in order of appearance (codes may repeat).
	Caps []Capability
	// Decoded views of well-known capabilities.
	AS4             uint32 // 4-octet AS number; valid when HasAS4
	HasAS4          bool
	Multiprotocol   []Family
	AddPath         []AddPathFamily
	ExtNextHop      []ExtNextHop
	GracefulRestart *GracefulRestart
	RouteRefresh    bool
	EnhancedRefresh bool
	ExtendedMessage bool
	FQDNHost        string
	FQDNDomain      string
	// RouteRefreshCisco is the pre-standard route refresh capability (code 128).
	RouteRefreshCisco bool
	// ExtendedOptParams is set when the optional parameters used the RFC 9072 encoding
	// (2-byte lengths).
	ExtendedOptParams bool
	// OtherParams lists the optional parameters other than capabilities (type 2), raw.
	OtherParams []OptionalParam
}

// OptionalParam is an OPEN optional parameter other than Capabilities, kept raw.
type OptionalParam struct {
	Type  uint8
	Value []byte
}

// Notification is a decoded NOTIFICATION message.
type Notification struct {
	Code    uint8
	Subcode uint8
	Data    []byte
}

// DecodeOptions carry the per-session state an UPDATE decoder needs.
type DecodeOptions struct {
	// AS4 means AS_PATH and AGGREGATOR carry 4-octet AS numbers. When false, AS4_PATH and
	// AS4_AGGREGATOR are merged into AS_PATH / AGGREGATOR per RFC 6793 section 4.2.3.
	AS4 bool
	// AddPath lists the families for which NLRI carry a 4-byte path identifier in this
	// direction (RFC 7911).
	AddPath []Family
}

// Prefix is one IP prefix NLRI (unicast, multicast, labelled unicast).
type Prefix struct {
	Prefix    netip.Prefix
	PathID    uint32
	HasPathID bool
	// Labels are the MPLS label values (20 bits each) for labelled families; RawLabels the
	// 3-byte fields as sent (label, TC, bottom-of-stack bit).
	Labels    []uint32
	RawLabels []uint32
}

// ASTrans is the 2-octet AS number that stands for a 4-octet one (RFC 6793).
const ASTrans uint32 = 23456

// ASPathSegment types.
const (
	ASSet            uint8 = 1
	ASSequence       uint8 = 2
	ASConfedSequence uint8 = 3
	ASConfedSet      uint8 = 4
)

type ASPathSegment struct {
	Type uint8
	ASNs []uint32
}

type Aggregator struct {
	AS      uint32
	Address netip.Addr
}

type LargeCommunity struct {
	Global, Local1, Local2 uint32
}

// RawAttribute is a path attribute kept as received.
type RawAttribute struct {
	Flags uint8
	Type  uint8
	Value []byte
}

// Path attribute type codes.
const (
	AttrOrigin           uint8 = 1
	AttrASPath           uint8 = 2
	AttrNextHop          uint8 = 3
	AttrMED              uint8 = 4
	AttrLocalPref        uint8 = 5
	AttrAtomicAggregate  uint8 = 6
	AttrAggregator       uint8 = 7
	AttrCommunities      uint8 = 8
	AttrOriginatorID     uint8 = 9
	AttrClusterList      uint8 = 10
	AttrMPReach          uint8 = 14
	AttrMPUnreach        uint8 = 15
	AttrExtCommunities   uint8 = 16
	AttrAS4Path          uint8 = 17
	AttrAS4Aggregator    uint8 = 18
	AttrPMSITunnel       uint8 = 22
	AttrTunnelEncap      uint8 = 23
	AttrIPv6ExtCommunity uint8 = 25
	AttrAIGP             uint8 = 26
	AttrBGPLS            uint8 = 29
	AttrLargeCommunity   uint8 = 32
	AttrOTC              uint8 = 35
	AttrPrefixSID        uint8 = 40
	AttrAttrSet          uint8 = 128
)

// Attributes is the decoded path attribute set of one UPDATE. Has* fields tell presence
// (so that a MED or LOCAL_PREF of 0 is not confused with an absent one).
type Attributes struct {
	Origin    uint8
	HasOrigin bool
	// ASPath is the effective AS path: when the session has no 4-octet AS capability and
	// AS4_PATH is present, this is the RFC 6793 merge of AS_PATH and AS4_PATH.
	ASPath    []ASPathSegment
	HasASPath bool
	// AS4Path is the AS4_PATH attribute as received (nil when absent).
	AS4Path         []ASPathSegment
	NextHop         netip.Addr // NEXT_HOP attribute (invalid when absent)
	MED             uint32
	HasMED          bool
	LocalPref       uint32
	HasLocalPref    bool
	AtomicAggregate bool
	// Aggregator is the effective aggregator (AS4_AGGREGATOR merged when applicable).
	Aggregator       *Aggregator
	AS4Aggregator    *Aggregator
	Communities      []uint32
	OriginatorID     netip.Addr
	ClusterList      []netip.Addr
	ExtCommunities   [][8]byte
	LargeCommunities []LargeCommunity
	OTC              uint32
	HasOTC           bool
	// PMSITunnel (RFC 6514), AIGP (RFC 7311) and PrefixSID (RFC 8669, RFC 9252) are nil
	// when the attribute is absent or malformed (see Malformed).
	PMSITunnel *PMSITunnel
	AIGP       *AIGP
	PrefixSID  *PrefixSID
	// IPv6ExtCommunities are the IPv6 address specific extended communities (RFC 5701).
	IPv6ExtCommunities [][IPv6ExtCommunityLen]byte
	// Unknown holds every attribute this package does not decode (type, flags, value),
	// including the malformed ones listed in Malformed.
	Unknown []RawAttribute
	// Malformed lists the attributes whose value did not decode although their type is
	// known (PMSI_TUNNEL, AIGP, BGP Prefix-SID). They are discarded (RFC 7606 "attribute
	// discard"): the UPDATE and its routes still decode, the attribute is kept raw in
	// Unknown, and Err tells what was wrong.
	Malformed []MalformedAttribute
	// Raw is the whole path attribute block as received.
	Raw []byte
	// ASWidthMismatch is set when AS_PATH or AGGREGATOR did not decode with the AS number
	// width the session implies (4-octet AS capability / BMP A flag) but did, cleanly, with
	// the other width (seen from old FRR releases): the routes are kept, the caller counts it.
	ASWidthMismatch bool
	// AS4Merged is set when ASPath is the RFC 6793 reconstruction from AS_PATH and
	// AS4_PATH (rather than AS_PATH as received).
	AS4Merged bool
	// Duplicates holds second and later occurrences of an attribute type other than
	// MP_REACH_NLRI / MP_UNREACH_NLRI, which are discarded per RFC 7606 section 3(g): the
	// first occurrence is the one decoded.
	Duplicates []RawAttribute

	// Reused storage (see ParseUpdate): AS numbers of every segment, spare segment
	// slices for AS4_PATH and the merge, and the aggregator values the pointers refer to.
	asnBuf      []uint32
	as4Spare    []ASPathSegment
	mergeSpare  []ASPathSegment
	aggStore    Aggregator
	as4AggStore Aggregator
	tlv         *tlvStore // allocated on first use, kept by reset
}

// MalformedAttribute is a known attribute whose value did not decode.
type MalformedAttribute struct {
	RawAttribute
	Err *Error
}

// MPReach is one MP_REACH_NLRI attribute.
type MPReach struct {
	Family
	// NextHop holds the next hop addresses (one, or two for an IPv6 global + link-local
	// pair). For VPN families the 8-byte zero RD before each address is stripped.
	NextHop    []netip.Addr
	RawNextHop []byte
	// NLRI is the raw NLRI block; Prefixes is its decoding for the IP prefix families
	// (unicast, multicast, labelled unicast). Other families are decoded elsewhere.
	NLRI     []byte
	Prefixes []Prefix
	// AddPath tells whether NLRI were decoded with path identifiers. For families kept
	// raw (Prefixes not filled) it is the configured setting, for the later decoder.
	AddPath bool
	// AddPathMismatch is set when the NLRI did not parse with the negotiated ADD-PATH
	// setting but did, cleanly and completely, with the opposite one.
	AddPathMismatch bool
	// LabelQuirks counts the labelled prefixes whose label stack had no bottom-of-stack
	// entry and was ended by a rule for such senders (labels.go).
	LabelQuirks int
}

// MPUnreach is one MP_UNREACH_NLRI attribute.
type MPUnreach struct {
	Family
	NLRI            []byte
	Prefixes        []Prefix
	AddPath         bool
	AddPathMismatch bool
	LabelQuirks     int // see MPReach
}

// Update is a decoded UPDATE message.
type Update struct {
	// Withdrawn and NLRI are the classic (non-MP) IPv4 unicast sections.
	Withdrawn []Prefix
	NLRI      []Prefix
	// AddPath / AddPathMismatch describe the classic IPv4 sections (see MPReach).
	// AddPath is the setting used for the NLRI section when it is not empty, else for
	// the withdrawn routes, else the configured one; AddPathMismatch is set when either
	// section needed the opposite setting (Prefix.HasPathID tells per prefix).
	AddPath         bool
	AddPathMismatch bool
	Attrs           Attributes
	MPReach         []MPReach
	MPUnreach       []MPUnreach
	// EndOfRIB is set for an End-of-RIB marker (RFC 4724): an UPDATE with no attributes and
	// no NLRI (IPv4 unicast), or with only an empty MP_UNREACH_NLRI (EORFamily).
	EndOfRIB  bool
	EORFamily Family
	// MaskedPrefixes counts the prefixes (all sections) whose bits beyond the prefix
	// length were set on the wire; they were cleared (netip.Prefix.Masked semantics).
	MaskedPrefixes int
	// LabelQuirks counts the labelled prefixes (all sections) whose label stack was ended
	// by a rule for senders that omit the bottom-of-stack bit (see MPReach.LabelQuirks).
	LabelQuirks int
	// sectionLabelQuirks is LabelQuirks of the last section decoded by ipSection.
	sectionLabelQuirks int

	// Reused storage for the label stacks of labelled prefixes.
	labels    []uint32
	rawLabels []uint32
}
