package bgp

import (
	"encoding/binary"
	"math"
	"net/netip"
)

// The BGP-LS Attribute (path attribute 29, RFC 9552 section 5.3): a sequence of TLVs
// describing the node, link, prefix or SRv6 SID of the UPDATE's BGP-LS NLRI. Decoded here:
// RFC 9552 (node, link and prefix attributes), RFC 9085 (SR-MPLS), RFC 9086 (BGP EPE peer
// SIDs), RFC 9514 (SRv6), RFC 8571 (TE performance metrics), RFC 9351 (flexible
// algorithm), RFC 9294 (application-specific link attributes) and RFC 8814 (MSD).
//
// Errors are per TLV (RFC 9552 section 8.2.2 discards a malformed TLV, not the attribute):
// a TLV whose value does not have the layout its type requires is kept in Unknown and
// decoding goes on with the next TLV; DecodeBGPLSAttr returns the first such error. Only
// when the TLV framing itself breaks (a header or length overruns the attribute) does
// decoding stop, with the rest of the attribute kept as one Unknown entry.

// BGP-LS Attribute TLV types decoded by DecodeBGPLSAttr.
const (
	LSAttrNodeMSD           uint16 = 266
	LSAttrLinkMSD           uint16 = 267
	LSAttrNodeFlags         uint16 = 1024
	LSAttrOpaqueNode        uint16 = 1025
	LSAttrNodeName          uint16 = 1026
	LSAttrISISArea          uint16 = 1027
	LSAttrLocalIPv4RID      uint16 = 1028
	LSAttrLocalIPv6RID      uint16 = 1029
	LSAttrRemoteIPv4RID     uint16 = 1030
	LSAttrRemoteIPv6RID     uint16 = 1031
	LSAttrSRCapabilities    uint16 = 1034
	LSAttrSRAlgorithm       uint16 = 1035
	LSAttrSRLocalBlock      uint16 = 1036
	LSAttrSRv6Capabilities  uint16 = 1038
	LSAttrFlexAlgoDef       uint16 = 1039
	LSAttrFlexAlgoPrefixMet uint16 = 1044
	LSAttrAdminGroup        uint16 = 1088
	LSAttrMaxLinkBW         uint16 = 1089
	LSAttrMaxResvBW         uint16 = 1090
	LSAttrUnreservedBW      uint16 = 1091
	LSAttrTEDefaultMetric   uint16 = 1092
	LSAttrLinkProtection    uint16 = 1093
	LSAttrMPLSProtoMask     uint16 = 1094
	LSAttrIGPMetric         uint16 = 1095
	LSAttrSRLG              uint16 = 1096
	LSAttrOpaqueLink        uint16 = 1097
	LSAttrLinkName          uint16 = 1098
	LSAttrAdjSID            uint16 = 1099
	LSAttrLANAdjSID         uint16 = 1100
	LSAttrPeerNodeSID       uint16 = 1101
	LSAttrPeerAdjSID        uint16 = 1102
	LSAttrPeerSetSID        uint16 = 1103
	LSAttrSRv6EndX          uint16 = 1106
	LSAttrSRv6LANEndXISIS   uint16 = 1107
	LSAttrSRv6LANEndXOSPF   uint16 = 1108
	LSAttrUnidirDelay       uint16 = 1114
	LSAttrMinMaxDelay       uint16 = 1115
	LSAttrDelayVariation    uint16 = 1116
	LSAttrLinkLoss          uint16 = 1117
	LSAttrResidualBW        uint16 = 1118
	LSAttrAvailableBW       uint16 = 1119
	LSAttrUtilizedBW        uint16 = 1120
	LSAttrASLA              uint16 = 1122
	LSAttrIGPFlags          uint16 = 1152
	LSAttrRouteTag          uint16 = 1153
	LSAttrExtRouteTag       uint16 = 1154
	LSAttrPrefixMetric      uint16 = 1155
	LSAttrOSPFFwdAddr       uint16 = 1156
	LSAttrOpaquePrefix      uint16 = 1157
	LSAttrPrefixSID         uint16 = 1158
	LSAttrSIDLabel          uint16 = 1161
	LSAttrSRv6Locator       uint16 = 1162
	LSAttrPrefixAttrFlags   uint16 = 1170
	LSAttrSourceRouterID    uint16 = 1171
	LSAttrSRv6Endpoint      uint16 = 1250
	LSAttrSRv6PeerNodeSID   uint16 = 1251
	LSAttrSRv6SIDStructure  uint16 = 1252

	// Sub-TLVs of the Flexible Algorithm Definition (RFC 9351 section 3).
	lsFADExcludeAny  uint16 = 1040
	lsFADIncludeAny  uint16 = 1041
	lsFADIncludeAll  uint16 = 1042
	lsFADFlags       uint16 = 1043
	lsFADExcludeSRLG uint16 = 1045
)

// LSSID is an SR-MPLS SID as carried in a SID/Label field: a 20-bit label (3 bytes,
// IsLabel) or a 4-byte index or SID.
type LSSID struct {
	Value   uint32
	IsLabel bool
}

// sidLabel decodes a 3-byte label (the 20 rightmost bits) or a 4-byte index.
func sidLabel(v []byte) (LSSID, bool) {
	switch len(v) {
	case 3:
		return LSSID{uint32(v[0]&0x0f)<<16 | uint32(v[1])<<8 | uint32(v[2]), true}, true
	case 4:
		return LSSID{binary.BigEndian.Uint32(v), false}, true
	}
	return LSSID{}, false
}

// LSSRRange is one range of the SR Capabilities or SR Local Block TLV: a range size and
// its first SID or label (SID/Label sub-TLV 1161).
type LSSRRange struct {
	Size  uint32
	First LSSID
}

// LSSRBlock is the SR Capabilities TLV (1034) or SR Local Block TLV (1036), RFC 9085.
type LSSRBlock struct {
	Flags  uint8
	Ranges []LSSRRange
}

// LSAdjSID is an Adjacency SID (1099) or LAN Adjacency SID (1100), RFC 9085 section 2.2.
type LSAdjSID struct {
	Flags, Weight uint8
	SID           LSSID
	// NeighborID is set for a LAN Adjacency SID: an OSPF router ID (4 bytes) or an IS-IS
	// system ID (6 bytes).
	NeighborID []byte
}

// LSPeerSID is a PeerNode, PeerAdj or PeerSet SID (1101-1103), RFC 9086 section 5.
type LSPeerSID struct {
	Flags, Weight uint8
	SID           LSSID
}

// LSPrefixSID is a Prefix-SID TLV (1158), RFC 9085 section 2.3.1.
type LSPrefixSID struct {
	Flags, Algorithm uint8
	SID              LSSID
}

// LSSRv6SIDStructure is the SRv6 SID Structure TLV (1252), RFC 9514 section 8.
type LSSRv6SIDStructure struct {
	LocatorBlock, LocatorNode, Function, Argument uint8
}

// LSSRv6EndX is an SRv6 End.X SID (1106) or LAN End.X SID (1107 IS-IS, 1108 OSPFv3),
// RFC 9514 section 4.
type LSSRv6EndX struct {
	Type                     uint16
	Behavior                 uint16
	Flags, Algorithm, Weight uint8
	// NeighborID is the IS-IS system ID (1107) or OSPFv3 router ID (1108).
	NeighborID   []byte
	SID          netip.Addr
	Structure    LSSRv6SIDStructure
	HasStructure bool
	SubTLVs      []LSTLV // other sub-TLVs
}

// LSFlexAlgoDef is a Flexible Algorithm Definition TLV (1039), RFC 9351 section 3.
type LSFlexAlgoDef struct {
	Algorithm, MetricType, CalcType, Priority uint8
	ExcludeAny, IncludeAny, IncludeAll        []uint32
	Flags                                     []byte // 1043
	ExcludeSRLG                               []uint32
	SubTLVs                                   []LSTLV // other sub-TLVs
}

// LSFlexAlgoPrefixMetric is a Flexible Algorithm Prefix Metric TLV (1044), RFC 9351
// section 4.
type LSFlexAlgoPrefixMetric struct {
	Algorithm, Flags uint8
	Metric           uint32
}

// LSSRv6Locator is the SRv6 Locator TLV (1162), RFC 9514 section 5.1.
type LSSRv6Locator struct {
	Flags, Algorithm uint8
	Metric           uint32
	SubTLVs          []LSTLV
}

// LSSRv6Endpoint is the SRv6 Endpoint Behavior TLV (1250), RFC 9514 section 7.1.
type LSSRv6Endpoint struct {
	Behavior         uint16
	Flags, Algorithm uint8
}

// LSSRv6PeerNodeSID is the SRv6 BGP Peer Node SID TLV (1251), RFC 9514 section 7.2.
type LSSRv6PeerNodeSID struct {
	Flags, Weight uint8
	PeerAS        uint32
	PeerBGPID     netip.Addr
}

// LSDelay is a delay or loss value with its Anomalous flag (RFC 8571): 24 bits.
type LSDelay struct {
	Value     uint32
	Anomalous bool
}

// LSASLA is an Application-Specific Link Attributes TLV (1122), RFC 9294 section 2: the
// application bit masks and the link attributes that apply to those applications.
type LSASLA struct {
	SABM, UDABM []byte
	Attrs       *LSAttr
}

// LSAttr is a decoded BGP-LS Attribute. Has* fields tell presence; slices alias the
// attribute value.
type LSAttr struct {
	// Node attributes.
	NodeFlags          uint8
	HasNodeFlags       bool
	OpaqueNode         [][]byte
	NodeName           []byte
	ISISAreas          [][]byte // one per TLV 1027
	LocalIPv4RouterID  netip.Addr
	LocalIPv6RouterID  netip.Addr
	RemoteIPv4RouterID netip.Addr
	RemoteIPv6RouterID netip.Addr
	MTID               LSMultiTopology // 263 in the attribute (node)
	SRCapabilities     *LSSRBlock
	SRAlgorithms       []byte
	SRLocalBlock       *LSSRBlock
	SRv6CapFlags       uint16
	HasSRv6Cap         bool
	NodeMSD            []byte // (type, value) pairs
	FlexAlgoDefs       []LSFlexAlgoDef

	// Link attributes.
	AdminGroup         uint32
	HasAdminGroup      bool
	MaxLinkBW          float32 // bytes per second
	HasMaxLinkBW       bool
	MaxResvBW          float32
	HasMaxResvBW       bool
	UnreservedBW       [8]float32
	HasUnreservedBW    bool
	TEDefaultMetric    uint32
	HasTEDefaultMetric bool
	LinkProtection     uint16
	HasLinkProtection  bool
	MPLSProtoMask      uint8
	HasMPLSProtoMask   bool
	IGPMetric          uint32
	HasIGPMetric       bool
	SRLG               []uint32
	OpaqueLink         [][]byte
	LinkName           []byte
	AdjSIDs            []LSAdjSID
	PeerNodeSID        *LSPeerSID
	PeerAdjSID         *LSPeerSID
	PeerSetSID         *LSPeerSID
	SRv6EndX           []LSSRv6EndX
	LinkMSD            []byte
	UnidirDelay        *LSDelay
	MinDelay, MaxDelay *LSDelay // both set or both nil (1115)
	DelayVariation     *uint32
	LinkLoss           *LSDelay
	ResidualBW         *float32
	AvailableBW        *float32
	UtilizedBW         *float32
	ASLAs              []LSASLA

	// Prefix attributes.
	IGPFlags              uint8
	HasIGPFlags           bool
	RouteTags             []uint32
	ExtRouteTags          []uint64
	PrefixMetric          uint32
	HasPrefixMetric       bool
	OSPFFwdAddr           netip.Addr
	OpaquePrefix          [][]byte
	PrefixSIDs            []LSPrefixSID
	PrefixAttrFlags       []byte
	SourceRouterID        netip.Addr
	FlexAlgoPrefixMetrics []LSFlexAlgoPrefixMetric
	SRv6Locator           *LSSRv6Locator

	// SRv6 SID attributes.
	SRv6Endpoint     *LSSRv6Endpoint
	SRv6PeerNodeSID  *LSSRv6PeerNodeSID
	SRv6SIDStructure *LSSRv6SIDStructure

	// Unknown holds TLVs of other types, repeated single-valued TLVs, and malformed TLVs.
	Unknown []LSTLV
	// Malformed counts the TLVs kept in Unknown because their value was malformed.
	Malformed int
}

// DecodeBGPLSAttr decodes the value of a BGP-LS Attribute into a (which is reset).
// Offsets in the error are relative to the start of v. The returned error is the first
// problem found; a holds everything that could be decoded (see the file comment).
func DecodeBGPLSAttr(v []byte, a *LSAttr) error {
	*a = LSAttr{}
	return a.decode(v, 0, false)
}

// decode walks the TLVs of v (found at offset base). nested is set for the link
// attributes inside an ASLA TLV, which cannot nest another ASLA.
func (a *LSAttr) decode(v []byte, base int, nested bool) error {
	var first error
	it := lsTLVIter{b: v}
	for {
		typ, val, off, ok, err := it.next()
		if err != nil {
			a.Unknown = append(a.Unknown, LSTLV{typ, v[off:]})
			a.Malformed++
			if first == nil {
				first = withBase(err, base)
			}
			return first
		}
		if !ok {
			return first
		}
		if err := a.decodeTLV(typ, val, base+off, nested); err != nil {
			a.Unknown = append(a.Unknown, LSTLV{typ, val})
			if e, ok := err.(*Error); !ok || e.What != repeatedTLV {
				a.Malformed++
				if first == nil {
					first = err
				}
			}
		}
	}
}

// repeatedTLV marks a repeated single-valued TLV: kept in Unknown, not an error.
const repeatedTLV = "repeated"

var errRepeated = &Error{What: repeatedTLV}

func attrLen(off int, typ uint16, got int, want string) error {
	return errorf(off+2, "BGP-LS Attribute TLV %d: length %d, expected %s", typ, got, want)
}

func float32At(v []byte) float32 { return math.Float32frombits(binary.BigEndian.Uint32(v)) }

func u32List(v []byte, off int, typ uint16) ([]uint32, error) {
	if len(v) == 0 || len(v)%4 != 0 {
		return nil, attrLen(off, typ, len(v), "a non-zero multiple of 4")
	}
	out := make([]uint32, len(v)/4)
	for i := range out {
		out[i] = binary.BigEndian.Uint32(v[4*i:])
	}
	return out, nil
}

func delay(v []byte) *LSDelay {
	return &LSDelay{Value: uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3]), Anomalous: v[0]&0x80 != 0}
}

func float32Ptr(v []byte) *float32 { f := float32At(v); return &f }

// decodeTLV decodes one TLV found at offset off (its type field).
func (a *LSAttr) decodeTLV(typ uint16, v []byte, off int, nested bool) error {
	exact := func(n int) error {
		if len(v) != n {
			return attrLen(off, typ, len(v), itoa(n))
		}
		return nil
	}
	switch typ {
	case LSAttrNodeFlags:
		if err := exact(1); err != nil {
			return err
		}
		if a.HasNodeFlags {
			return errRepeated
		}
		a.NodeFlags, a.HasNodeFlags = v[0], true
	case LSAttrOpaqueNode:
		a.OpaqueNode = append(a.OpaqueNode, v)
	case LSAttrNodeName:
		if len(v) == 0 || len(v) > 255 {
			return attrLen(off, typ, len(v), "1 to 255")
		}
		if a.NodeName != nil {
			return errRepeated
		}
		a.NodeName = v
	case LSAttrISISArea:
		if len(v) == 0 || len(v) > 13 {
			return attrLen(off, typ, len(v), "1 to 13")
		}
		a.ISISAreas = append(a.ISISAreas, v)
	case LSAttrLocalIPv4RID, LSAttrRemoteIPv4RID:
		if err := exact(4); err != nil {
			return err
		}
		dst := &a.LocalIPv4RouterID
		if typ == LSAttrRemoteIPv4RID {
			dst = &a.RemoteIPv4RouterID
		}
		if dst.IsValid() {
			return errRepeated
		}
		*dst = netip.AddrFrom4([4]byte(v))
	case LSAttrLocalIPv6RID, LSAttrRemoteIPv6RID:
		if err := exact(16); err != nil {
			return err
		}
		dst := &a.LocalIPv6RouterID
		if typ == LSAttrRemoteIPv6RID {
			dst = &a.RemoteIPv6RouterID
		}
		if dst.IsValid() {
			return errRepeated
		}
		*dst = netip.AddrFrom16([16]byte(v))
	case lsMTID:
		if len(v) == 0 || len(v)%2 != 0 {
			return attrLen(off, typ, len(v), "a non-zero multiple of 2")
		}
		if a.MTID != nil {
			return errRepeated
		}
		a.MTID = LSMultiTopology(v)
	case LSAttrSRCapabilities, LSAttrSRLocalBlock:
		blk, err := srBlock(v, off, typ)
		if err != nil {
			return err
		}
		dst := &a.SRCapabilities
		if typ == LSAttrSRLocalBlock {
			dst = &a.SRLocalBlock
		}
		if *dst != nil {
			return errRepeated
		}
		*dst = blk
	case LSAttrSRAlgorithm:
		if len(v) == 0 {
			return attrLen(off, typ, 0, "at least 1")
		}
		if a.SRAlgorithms != nil {
			return errRepeated
		}
		a.SRAlgorithms = v
	case LSAttrSRv6Capabilities:
		if err := exact(4); err != nil {
			return err
		}
		if a.HasSRv6Cap {
			return errRepeated
		}
		a.SRv6CapFlags, a.HasSRv6Cap = binary.BigEndian.Uint16(v), true
	case LSAttrNodeMSD, LSAttrLinkMSD:
		if len(v) == 0 || len(v)%2 != 0 {
			return attrLen(off, typ, len(v), "a non-zero multiple of 2")
		}
		dst := &a.NodeMSD
		if typ == LSAttrLinkMSD {
			dst = &a.LinkMSD
		}
		if *dst != nil {
			return errRepeated
		}
		*dst = v
	case LSAttrFlexAlgoDef:
		fad, err := flexAlgoDef(v, off)
		if err != nil {
			return err
		}
		a.FlexAlgoDefs = append(a.FlexAlgoDefs, fad)
	case LSAttrFlexAlgoPrefixMet:
		if err := exact(8); err != nil {
			return err
		}
		a.FlexAlgoPrefixMetrics = append(a.FlexAlgoPrefixMetrics, LSFlexAlgoPrefixMetric{v[0], v[1], binary.BigEndian.Uint32(v[4:])})
	default:
		return a.decodeLinkTLV(typ, v, off, nested)
	}
	return nil
}

// decodeLinkTLV decodes the link attribute TLVs (and hands the rest on).
func (a *LSAttr) decodeLinkTLV(typ uint16, v []byte, off int, nested bool) error {
	exact := func(n int) error {
		if len(v) != n {
			return attrLen(off, typ, len(v), itoa(n))
		}
		return nil
	}
	switch typ {
	case LSAttrAdminGroup:
		if err := exact(4); err != nil {
			return err
		}
		if a.HasAdminGroup {
			return errRepeated
		}
		a.AdminGroup, a.HasAdminGroup = binary.BigEndian.Uint32(v), true
	case LSAttrMaxLinkBW, LSAttrMaxResvBW:
		if err := exact(4); err != nil {
			return err
		}
		f, has := &a.MaxLinkBW, &a.HasMaxLinkBW
		if typ == LSAttrMaxResvBW {
			f, has = &a.MaxResvBW, &a.HasMaxResvBW
		}
		if *has {
			return errRepeated
		}
		*f, *has = float32At(v), true
	case LSAttrUnreservedBW:
		if err := exact(32); err != nil {
			return err
		}
		if a.HasUnreservedBW {
			return errRepeated
		}
		for i := range a.UnreservedBW {
			a.UnreservedBW[i] = float32At(v[4*i:])
		}
		a.HasUnreservedBW = true
	case LSAttrTEDefaultMetric:
		// 4 bytes (RFC 9552); some IS-IS implementations send the 24-bit metric in 3.
		if len(v) != 3 && len(v) != 4 {
			return attrLen(off, typ, len(v), "4 (or 3)")
		}
		if a.HasTEDefaultMetric {
			return errRepeated
		}
		a.TEDefaultMetric, a.HasTEDefaultMetric = beUint(v), true
	case LSAttrLinkProtection:
		if err := exact(2); err != nil {
			return err
		}
		if a.HasLinkProtection {
			return errRepeated
		}
		a.LinkProtection, a.HasLinkProtection = binary.BigEndian.Uint16(v), true
	case LSAttrMPLSProtoMask:
		if err := exact(1); err != nil {
			return err
		}
		if a.HasMPLSProtoMask {
			return errRepeated
		}
		a.MPLSProtoMask, a.HasMPLSProtoMask = v[0], true
	case LSAttrIGPMetric:
		// 1 byte (IS-IS small metric, 6 bits), 2 (OSPF) or 3 (IS-IS wide metric).
		if len(v) < 1 || len(v) > 3 {
			return attrLen(off, typ, len(v), "1, 2 or 3")
		}
		if a.HasIGPMetric {
			return errRepeated
		}
		m := beUint(v)
		if len(v) == 1 {
			m &= 0x3f
		}
		a.IGPMetric, a.HasIGPMetric = m, true
	case LSAttrSRLG:
		l, err := u32List(v, off, typ)
		if err != nil {
			return err
		}
		a.SRLG = append(a.SRLG, l...)
	case LSAttrOpaqueLink:
		a.OpaqueLink = append(a.OpaqueLink, v)
	case LSAttrLinkName:
		if len(v) == 0 || len(v) > 255 {
			return attrLen(off, typ, len(v), "1 to 255")
		}
		if a.LinkName != nil {
			return errRepeated
		}
		a.LinkName = v
	case LSAttrAdjSID, LSAttrLANAdjSID:
		s, err := adjSID(v, off, typ)
		if err != nil {
			return err
		}
		a.AdjSIDs = append(a.AdjSIDs, s)
	case LSAttrPeerNodeSID, LSAttrPeerAdjSID, LSAttrPeerSetSID:
		sid, ok := sidLabel(v[min(len(v), 4):])
		if len(v) < 4 || !ok {
			return attrLen(off, typ, len(v), "7 or 8")
		}
		dst := &a.PeerNodeSID
		switch typ {
		case LSAttrPeerAdjSID:
			dst = &a.PeerAdjSID
		case LSAttrPeerSetSID:
			dst = &a.PeerSetSID
		}
		if *dst != nil {
			return errRepeated
		}
		*dst = &LSPeerSID{Flags: v[0], Weight: v[1], SID: sid}
	case LSAttrSRv6EndX, LSAttrSRv6LANEndXISIS, LSAttrSRv6LANEndXOSPF:
		e, err := srv6EndX(v, off, typ)
		if err != nil {
			return err
		}
		a.SRv6EndX = append(a.SRv6EndX, e)
	case LSAttrUnidirDelay, LSAttrLinkLoss:
		if err := exact(4); err != nil {
			return err
		}
		dst := &a.UnidirDelay
		if typ == LSAttrLinkLoss {
			dst = &a.LinkLoss
		}
		if *dst != nil {
			return errRepeated
		}
		*dst = delay(v)
	case LSAttrMinMaxDelay:
		if err := exact(8); err != nil {
			return err
		}
		if a.MinDelay != nil {
			return errRepeated
		}
		a.MinDelay, a.MaxDelay = delay(v), delay(v[4:])
		a.MaxDelay.Anomalous = false // the second word has no A flag
	case LSAttrDelayVariation:
		if err := exact(4); err != nil {
			return err
		}
		if a.DelayVariation != nil {
			return errRepeated
		}
		d := delay(v).Value
		a.DelayVariation = &d
	case LSAttrResidualBW, LSAttrAvailableBW, LSAttrUtilizedBW:
		if err := exact(4); err != nil {
			return err
		}
		dst := &a.ResidualBW
		switch typ {
		case LSAttrAvailableBW:
			dst = &a.AvailableBW
		case LSAttrUtilizedBW:
			dst = &a.UtilizedBW
		}
		if *dst != nil {
			return errRepeated
		}
		*dst = float32Ptr(v)
	case LSAttrASLA:
		if nested {
			return errorf(off, "BGP-LS Attribute TLV 1122: an application-specific link attributes TLV inside another")
		}
		asla, err := aslaTLV(v, off)
		if err != nil {
			return err
		}
		a.ASLAs = append(a.ASLAs, asla)
	default:
		return a.decodePrefixTLV(typ, v, off)
	}
	return nil
}

// beUint reads a 1- to 4-byte big-endian unsigned number.
func beUint(v []byte) uint32 {
	var n uint32
	for _, c := range v {
		n = n<<8 | uint32(c)
	}
	return n
}
