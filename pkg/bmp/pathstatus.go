package bmp

import (
	"encoding/binary"
	"strconv"
)

// BMPv4 Route Monitoring TLV values: the Path Status TLV (draft-ietf-grow-bmp-path-marking-
// tlv), the Group TLV (draft-ietf-grow-bmp-tlv section "Group TLV") and the E-bit of
// enterprise-specific TLVs. The Stateless Parsing TLV is in stateless.go. The decoders
// take a TLV value (or an InfoTLV) and know nothing of the code points; which type is
// which is the caller's choice (see RMTLVCodes). Error offsets are relative to the start
// of the TLV value.

// TLVTypeEnterpriseBit is the E-bit of a BMPv4 TLV type (draft-ietf-grow-bmp-tlv-20): the
// type is enterprise-specific and the value starts with a 4-byte IANA Private Enterprise
// Number.
const TLVTypeEnterpriseBit uint16 = 0x8000

// Enterprise splits an enterprise-specific TLV (E-bit set in Type) into its Private
// Enterprise Number and the value that follows it. ok is false when the E-bit is clear
// or the value is shorter than the 4-byte PEN.
func (t InfoTLV) Enterprise() (pen uint32, value []byte, ok bool) {
	if t.Type&TLVTypeEnterpriseBit == 0 || len(t.Value) < 4 {
		return 0, nil, false
	}
	return binary.BigEndian.Uint32(t.Value), t.Value[4:], true
}

// RMTLVKind is the meaning bmpstream gives a Route Monitoring TLV type.
type RMTLVKind uint8

const (
	RMTLVOther RMTLVKind = iota // unknown or enterprise-specific: kept raw
	RMTLVKindStatelessParsing
	RMTLVKindGroup
	RMTLVKindVRFTableName
	RMTLVKindBGPMessage
	RMTLVKindPathStatus
)

// RMTLVCodes is an assignment of Route Monitoring TLV code points. The drafts have
// renumbered them several times (see the constants in tlv.go); a zero field means "no
// code point": no TLV is given that meaning.
type RMTLVCodes struct {
	StatelessParsing, Group, VRFTableName, BGPMessage, PathStatus uint16
}

// CapturedRMTLVCodes returns the assignment of the public BMPv4 captures (NetGauze,
// November 2025): Stateless Parsing 1, Group 2, VRF/Table Name 3, BGP PDU 4, Path
// Status 5. It is bmpstream's default.
func CapturedRMTLVCodes() RMTLVCodes {
	return RMTLVCodes{StatelessParsing: RMTLVStatelessParsing, Group: RMTLVGroup, VRFTableName: RMTLVVRFTableName,
		BGPMessage: RMTLVBGPMessage, PathStatus: RMTLVPathStatus}
}

// Draft20RMTLVCodes returns draft-ietf-grow-bmp-tlv-20's assignment: Group 4, VRF/Table
// Name 5, Stateless Parsing 6, BGP PDU 7. The path-marking draft has no code point in
// that registry yet, so PathStatus is 0 (Path Status TLVs are then kept raw).
func Draft20RMTLVCodes() RMTLVCodes {
	return RMTLVCodes{StatelessParsing: 6, Group: 4, VRFTableName: 5, BGPMessage: 7}
}

// IsZero reports whether no code point is set.
func (c RMTLVCodes) IsZero() bool { return c == RMTLVCodes{} }

// Kind classifies a TLV type. Enterprise-specific types (E-bit set) and type 0 are
// always RMTLVOther.
func (c RMTLVCodes) Kind(typ uint16) RMTLVKind {
	if typ == 0 || typ&TLVTypeEnterpriseBit != 0 {
		return RMTLVOther
	}
	switch typ {
	case c.StatelessParsing:
		return RMTLVKindStatelessParsing
	case c.Group:
		return RMTLVKindGroup
	case c.VRFTableName:
		return RMTLVKindVRFTableName
	case c.BGPMessage:
		return RMTLVKindBGPMessage
	case c.PathStatus:
		return RMTLVKindPathStatus
	}
	return RMTLVOther
}

// Path Status bits (draft-ietf-grow-bmp-path-marking-tlv-04/-05; the values follow the
// drafts' order and NetGauze's decoder). Up to -02, 0x400 was "Invalid ROV"; -04 and
// later drop it and give 0x400 and 0x800 to Stale and Suppressed.
const (
	PathStatusInvalid      uint32 = 0x00000001
	PathStatusBest         uint32 = 0x00000002
	PathStatusNonSelected  uint32 = 0x00000004
	PathStatusPrimary      uint32 = 0x00000008
	PathStatusBackup       uint32 = 0x00000010
	PathStatusNonInstalled uint32 = 0x00000020
	PathStatusBestExternal uint32 = 0x00000040
	PathStatusAddPath      uint32 = 0x00000080
	PathStatusFilteredIn   uint32 = 0x00000100 // filtered by the inbound policy
	PathStatusFilteredOut  uint32 = 0x00000200 // filtered by the outbound policy
	PathStatusStale        uint32 = 0x00000400
	PathStatusSuppressed   uint32 = 0x00000800
)

// pathStatusNames are the names of the bits, lowest first: index i names bit 1<<i.
var pathStatusNames = [...]string{
	"invalid", "best", "non_selected", "primary", "backup", "non_installed", "best_external", "add_path",
	"filtered_in", "filtered_out", "stale", "suppressed",
}

// Path Status reason codes (draft-ietf-grow-bmp-path-marking-tlv), for Invalid and
// Non-selected paths. Code 0 is reserved and means "no reason".
const (
	PathReasonInvalidASLoop              uint16 = 1
	PathReasonInvalidUnresolvableNexthop uint16 = 2
	PathReasonNotPreferredLocalPref      uint16 = 3
	PathReasonNotPreferredASPathLength   uint16 = 4
	PathReasonNotPreferredOrigin         uint16 = 5
	PathReasonNotPreferredMED            uint16 = 6
	PathReasonNotPreferredPeerType       uint16 = 7
	PathReasonNotPreferredIGPCost        uint16 = 8
	PathReasonNotPreferredRouterID       uint16 = 9
	PathReasonNotPreferredPeerAddress    uint16 = 10
	PathReasonNotPreferredAIGP           uint16 = 11
)

var pathReasonNames = [...]string{
	1: "invalid_as_loop", 2: "invalid_unresolvable_nexthop", 3: "not_preferred_local_pref",
	4: "not_preferred_as_path_length", 5: "not_preferred_origin", 6: "not_preferred_med",
	7: "not_preferred_peer_type", 8: "not_preferred_igp_cost", 9: "not_preferred_router_id",
	10: "not_preferred_peer_address", 11: "not_preferred_aigp",
}

// PathStatus is a decoded Path Status TLV value: a 4-byte status bitmap and an optional
// 2-byte reason code.
type PathStatus struct {
	Status uint32
	// Reason is the reason code; HasReason is false when the TLV has no reason field or
	// the field is 0 (reserved: no reason given).
	Reason    uint16
	HasReason bool
}

// DecodePathStatus decodes a Path Status TLV value: Path Status (4 bytes) and an optional
// Reason Code (2 bytes). Any other length is an error.
func DecodePathStatus(v []byte) (PathStatus, error) {
	switch len(v) {
	case 4:
		return PathStatus{Status: binary.BigEndian.Uint32(v)}, nil
	case 6:
		ps := PathStatus{Status: binary.BigEndian.Uint32(v), Reason: binary.BigEndian.Uint16(v[4:])}
		ps.HasReason = ps.Reason != 0
		return ps, nil
	}
	if len(v) < 4 {
		return PathStatus{}, errShort(0, "path status TLV: status", 4, len(v))
	}
	return PathStatus{}, errf(4, "path status TLV: %d bytes after the status, want 0 or 2 (reason code)", len(v)-4)
}

// AppendNames appends the name of every bit set in the status, lowest bit first, to dst.
// Bits without a name are rendered as "unknown_0x00001000".
func (p PathStatus) AppendNames(dst []string) []string {
	for i := 0; i < 32; i++ {
		bit := uint32(1) << i
		if p.Status&bit == 0 {
			continue
		}
		dst = append(dst, PathStatusBitName(bit))
	}
	return dst
}

// PathStatusBitName names one status bit ("best", "add_path"…); bits without a name
// give "unknown_0x…" with 8 hex digits.
func PathStatusBitName(bit uint32) string {
	for i, n := range pathStatusNames {
		if bit == 1<<i {
			return n
		}
	}
	s := strconv.FormatUint(uint64(bit), 16)
	return "unknown_0x" + "00000000"[len(s):] + s
}

// PathStatusReasonName names a reason code ("not_preferred_med"…); 0 is "none" and
// codes without a name are "unknown".
func PathStatusReasonName(code uint16) string {
	if code == 0 {
		return "none"
	}
	if int(code) < len(pathReasonNames) {
		return pathReasonNames[code]
	}
	return "unknown"
}

// Group is a decoded Group TLV: Index is the Group Index (G-bit set) and the members
// are the 1-based NLRI indexes it stands for, kept as the 2-byte fields of the value.
type Group struct {
	Index   uint16
	members []byte
}

// DecodeGroup decodes a Group TLV. The index must have the G-bit set; the value is one
// or more 2-byte NLRI indexes (the draft asks for two or more; one is accepted), none
// of them 0 or a Group Index.
func DecodeGroup(t InfoTLV) (Group, error) {
	if t.Index&TLVIndexGroupBit == 0 {
		return Group{}, errf(0, "group TLV: index 0x%04x lacks the G-bit", t.Index)
	}
	v := t.Value
	if len(v) == 0 {
		return Group{}, errShort(0, "group TLV: NLRI index", 2, 0)
	}
	if len(v)%2 != 0 {
		return Group{}, errf(len(v)-1, "group TLV: %d-byte value is not a list of 2-byte NLRI indexes", len(v))
	}
	for i := 0; i < len(v); i += 2 {
		n := binary.BigEndian.Uint16(v[i:])
		switch {
		case n == 0:
			return Group{}, errf(i, "group TLV 0x%04x: NLRI index 0", t.Index)
		case n&TLVIndexGroupBit != 0:
			return Group{}, errf(i, "group TLV 0x%04x: member 0x%04x is a Group Index", t.Index, n)
		}
	}
	return Group{Index: t.Index, members: v}, nil
}

// Len returns the number of NLRI indexes in the group.
func (g Group) Len() int { return len(g.members) / 2 }

// Member returns the i-th NLRI index (0 <= i < Len()).
func (g Group) Member(i int) uint16 { return binary.BigEndian.Uint16(g.members[2*i:]) }

// Contains reports whether the group lists NLRI index n.
func (g Group) Contains(n uint16) bool {
	for i := 0; i+1 < len(g.members); i += 2 {
		if binary.BigEndian.Uint16(g.members[i:]) == n {
			return true
		}
	}
	return false
}

// AppendMembers appends the group's NLRI indexes to dst.
func (g Group) AppendMembers(dst []uint16) []uint16 {
	for i := 0; i < g.Len(); i++ {
		dst = append(dst, g.Member(i))
	}
	return dst
}
