package bgp

import (
	"encoding/binary"
	"net/netip"
	"strconv"
)

// The Tunnel Encapsulation attribute (type 23, RFC 9012 section 2) is a sequence of
// Tunnel TLVs:
//
//	tunnel type (2 bytes), length (2 bytes), sub-TLVs
//
// and each sub-TLV is a type (1 byte) and a length of 1 byte for types 0-127, 2 bytes
// for types 128-255, then the value. Decoded sub-TLVs:
//
//	RFC 9012:  1 encapsulation (kept raw: its format depends on the tunnel type),
//	           2 protocol type, 4 color, 6 tunnel egress endpoint, 7 DS field,
//	           8 UDP destination port, 9 embedded label handling, 10 MPLS label stack
//	RFC 9830 (SR Policy, tunnel type 15): 12 preference, 13 binding SID, 14 ENLP,
//	           15 priority, 20 SRv6 binding SID, 128 segment list, 129 policy candidate
//	           path name, 130 policy name
//
// Other sub-TLVs (and second occurrences of single-instance ones) are kept raw in
// Unknown. A length that does not fit, or that a known sub-TLV does not allow, makes the
// attribute malformed: DecodeTunnelEncap returns an *Error whose offset is relative to
// the start of the attribute value.

// TunnelTypeSRPolicy is the SR Policy tunnel type (RFC 9830).
const TunnelTypeSRPolicy uint16 = 15

// TunnelTypeName returns the IANA name of a tunnel type ("VXLAN", "SR Policy"), or
// "type <N>".
func TunnelTypeName(t uint16) string {
	switch t {
	case 1:
		return "L2TPv3 over IP"
	case 2:
		return "GRE"
	case 3:
		return "Transmit tunnel endpoint"
	case 4:
		return "IPsec in Tunnel-mode"
	case 5:
		return "IP in IP tunnel with IPsec Transport Mode"
	case 6:
		return "MPLS-in-IP tunnel with IPsec Transport Mode"
	case 7:
		return "IP in IP"
	case 8:
		return "VXLAN"
	case 9:
		return "NVGRE"
	case 10:
		return "MPLS"
	case 11:
		return "MPLS in GRE"
	case 12:
		return "VXLAN GPE"
	case 13:
		return "MPLS in UDP"
	case 14:
		return "IPv6 Tunnel"
	case 15:
		return "SR Policy"
	case 16:
		return "Bare"
	case 17:
		return "SR tunnel"
	case 18:
		return "Cloud Security"
	case 19:
		return "Geneve"
	case 20:
		return "Any-Encapsulation"
	}
	return "type " + strconv.Itoa(int(t))
}

// TunnelEncap is a decoded Tunnel Encapsulation attribute.
type TunnelEncap struct {
	Tunnels []TunnelEncapTLV
}

// TunnelEncapSubTLV is a sub-TLV kept raw.
type TunnelEncapSubTLV struct {
	Type  uint8
	Value []byte
}

// TunnelEncapTLV is one Tunnel TLV. Has* fields tell the presence of single-value
// sub-TLVs.
type TunnelEncapTLV struct {
	Type uint16
	// Encapsulation is the raw value of the encapsulation sub-TLV (1).
	Encapsulation    []byte
	HasEncapsulation bool
	ProtocolType     uint16 // 2: an Ethertype
	HasProtocolType  bool
	// Colors are the values of the color sub-TLVs (4), each a Color extended community.
	Colors []uint32
	// EgressEndpoint is the tunnel egress endpoint (6); it is the zero Addr with
	// HasEgressEndpoint for AFI 0 (no address).
	EgressEndpoint    netip.Addr
	HasEgressEndpoint bool
	DSField           uint8 // 7
	HasDSField        bool
	UDPDestPort       uint16 // 8
	HasUDPDestPort    bool
	EmbeddedLabel     uint8 // 9: embedded label handling
	HasEmbeddedLabel  bool
	// MPLSLabelStack are the label stack entries of sub-TLV 10 (label, TC, S, TTL).
	MPLSLabelStack []SRPolicyMPLSSID
	// SRPolicy holds the SR Policy sub-TLVs, nil when there is none.
	SRPolicy *SRPolicyCandidatePath
	Unknown  []TunnelEncapSubTLV
}

// SRPolicyCandidatePath is the content of an SR Policy tunnel TLV (RFC 9830 section 2.4).
type SRPolicyCandidatePath struct {
	Preference      uint32 // 12
	PreferenceFlags uint8
	HasPreference   bool
	// BindingSID (13) and SRv6BindingSID (20) are nil when absent.
	BindingSID     *SRPolicyBindingSID
	SRv6BindingSID *SRPolicyBindingSID
	ENLP           uint8 // 14: explicit NULL label policy
	ENLPFlags      uint8
	HasENLP        bool
	Priority       uint8 // 15
	HasPriority    bool
	SegmentLists   []SRPolicySegmentList // 128
	// CandidatePathName (129) and PolicyName (130) as received (not necessarily UTF-8).
	CandidatePathName    string
	HasCandidatePathName bool
	PolicyName           string
	HasPolicyName        bool
}

// Binding SID flags (RFC 9830 sections 2.4.2 and 2.4.3).
const (
	SRBSIDFlagS uint8 = 0x80 // specified-BSID-only
	SRBSIDFlagI uint8 = 0x40 // drop upon invalid
	SRBSIDFlagB uint8 = 0x20 // SRv6 BSID: endpoint behavior and SID structure present
)

// SRPolicyBindingSID is a binding SID sub-TLV: an MPLS label (length 6), an SRv6 SID
// (length 18, or 26 with the endpoint behavior), or no SID (length 2).
type SRPolicyBindingSID struct {
	Flags uint8
	// Label is the MPLS binding SID (the 20 high bits of the 4 bytes), when HasLabel.
	Label    uint32
	HasLabel bool
	// SID is the SRv6 binding SID (invalid when absent).
	SID         netip.Addr
	Behavior    SRPolicyBehavior
	HasBehavior bool
}

// SRPolicyBehavior is the SRv6 Endpoint Behavior and SID Structure (RFC 9830 section
// 2.4.4.2.4): the endpoint behavior code point (RFC 8986) and the locator block, locator
// node, function and argument lengths in bits.
type SRPolicyBehavior struct {
	Behavior                                    uint16
	BlockLen, NodeLen, FunctionLen, ArgumentLen uint8
}

// SRPolicyMPLSSID is a 4-byte MPLS label stack entry.
type SRPolicyMPLSSID struct {
	Label uint32
	TC    uint8
	S     bool
	TTL   uint8
}

func mplsEntry(b []byte) SRPolicyMPLSSID {
	v := binary.BigEndian.Uint32(b)
	return SRPolicyMPLSSID{Label: v >> 12, TC: uint8(v>>9) & 7, S: v&0x100 != 0, TTL: uint8(v)}
}

// SRPolicySegmentList is one segment list sub-TLV.
type SRPolicySegmentList struct {
	Weight      uint32 // 9
	WeightFlags uint8
	HasWeight   bool
	Segments    []SRPolicySegment
	Unknown     []TunnelEncapSubTLV
}

// Segment flags (RFC 9830 section 2.4.4.2.12).
const (
	SRSegFlagV uint8 = 0x80 // SID verification
	SRSegFlagA uint8 = 0x40 // SR algorithm present
	SRSegFlagS uint8 = 0x20 // SID present
	SRSegFlagB uint8 = 0x10 // SRv6 endpoint behavior and SID structure present
)

// SRPolicySegment is one segment sub-TLV of types A-K (RFC 9830 section 2.4.4.2 for A
// and B, RFC 9831 for C-K). Fields not carried by the type are zero.
type SRPolicySegment struct {
	// Type is the sub-TLV code: 1 (A), 13 (B), 3-8 (C-H), 14-16 (I-K).
	Type  uint8
	Flags uint8
	// SRAlgorithm is carried by types C, D, I, J and K.
	SRAlgorithm uint8
	// MPLSSID is type A's SID and the optional SR-MPLS SID of types C-H (HasMPLSSID).
	MPLSSID    SRPolicyMPLSSID
	HasMPLSSID bool
	// SRv6SID is type B's SID and the optional SRv6 SID of types I-K (invalid when absent).
	SRv6SID     netip.Addr
	Behavior    SRPolicyBehavior
	HasBehavior bool
	// NodeAddress is the node of types C, D, E and I.
	NodeAddress netip.Addr
	// LocalInterfaceID is carried by types E, G and J; RemoteInterfaceID by G and J.
	LocalInterfaceID, RemoteInterfaceID uint32
	// LocalAddress and RemoteAddress are the adjacency's addresses (F, H, K) or its
	// local and remote node addresses (G, J).
	LocalAddress, RemoteAddress netip.Addr
}

// SRSegmentLetter returns the letter of a segment sub-TLV code ("A".."K"), or "" for
// another code.
func SRSegmentLetter(code uint8) string {
	switch code {
	case 1:
		return "A"
	case 13:
		return "B"
	case 3, 4, 5, 6, 7, 8:
		return string(rune('C' + code - 3))
	case 14, 15, 16:
		return string(rune('I' + code - 14))
	}
	return ""
}

// DecodeTunnelEncap decodes a Tunnel Encapsulation attribute value.
func DecodeTunnelEncap(v []byte) (*TunnelEncap, error) {
	te := &TunnelEncap{}
	for pos := 0; pos < len(v); {
		if len(v)-pos < 4 {
			return nil, errorf(pos, "Tunnel Encapsulation: tunnel TLV header needs 4 bytes, have %d", len(v)-pos)
		}
		t := TunnelEncapTLV{Type: binary.BigEndian.Uint16(v[pos:])}
		l := int(binary.BigEndian.Uint16(v[pos+2:]))
		if l > len(v)-pos-4 {
			return nil, errorf(pos+2, "Tunnel Encapsulation: tunnel TLV length %d exceeds the attribute (%d bytes left)", l, len(v)-pos-4)
		}
		body, base := v[pos+4:pos+4+l:pos+4+l], pos+4
		pos += 4 + l
		if err := walkSubTLVs(body, base, "tunnel TLV "+strconv.Itoa(int(t.Type)), func(typ uint8, val []byte, off int) error {
			return t.subTLV(typ, val, off)
		}); err != nil {
			return nil, err
		}
		te.Tunnels = append(te.Tunnels, t)
	}
	return te, nil
}

// walkSubTLVs calls f for each sub-TLV of b (found at offset base) with the value and
// the offset of the sub-TLV's type byte.
func walkSubTLVs(b []byte, base int, where string, f func(typ uint8, val []byte, off int) error) error {
	for pos := 0; pos < len(b); {
		off := base + pos
		typ := b[pos]
		hl := 2
		if typ >= 128 {
			hl = 3
		}
		if len(b)-pos < hl {
			return errorf(off, "Tunnel Encapsulation: %s: sub-TLV %d header needs %d bytes, have %d", where, typ, hl, len(b)-pos)
		}
		l := int(b[pos+1])
		if hl == 3 {
			l = int(binary.BigEndian.Uint16(b[pos+1:]))
		}
		if l > len(b)-pos-hl {
			return errorf(off+1, "Tunnel Encapsulation: %s: sub-TLV %d length %d exceeds its container (%d bytes left)", where, typ, l, len(b)-pos-hl)
		}
		val := b[pos+hl : pos+hl+l : pos+hl+l]
		if err := f(typ, val, off); err != nil {
			return err
		}
		pos += hl + l
	}
	return nil
}

func subLenErr(off int, name string, got int, want string) error {
	return errorf(off+1, "Tunnel Encapsulation: %s sub-TLV length %d, expected %s", name, got, want)
}

func (t *TunnelEncapTLV) keep(typ uint8, val []byte) {
	t.Unknown = append(t.Unknown, TunnelEncapSubTLV{Type: typ, Value: val})
}

func (t *TunnelEncapTLV) sr() *SRPolicyCandidatePath {
	if t.SRPolicy == nil {
		t.SRPolicy = &SRPolicyCandidatePath{}
	}
	return t.SRPolicy
}

// subTLV decodes one sub-TLV of a tunnel TLV (off: its type byte's offset).
func (t *TunnelEncapTLV) subTLV(typ uint8, val []byte, off int) error {
	switch typ {
	case 1:
		if t.HasEncapsulation {
			t.keep(typ, val)
			return nil
		}
		t.Encapsulation, t.HasEncapsulation = val, true
	case 2:
		if len(val) != 2 {
			return subLenErr(off, "protocol type", len(val), "2")
		}
		if t.HasProtocolType {
			t.keep(typ, val)
			return nil
		}
		t.ProtocolType, t.HasProtocolType = binary.BigEndian.Uint16(val), true
	case 4:
		if len(val) != 8 {
			return subLenErr(off, "color", len(val), "8")
		}
		if val[0] != 0x03 || val[1] != 0x0b {
			t.keep(typ, val) // not a Color extended community
			return nil
		}
		t.Colors = append(t.Colors, binary.BigEndian.Uint32(val[4:]))
	case 6:
		return t.egressEndpoint(val, off)
	case 7:
		if len(val) != 1 {
			return subLenErr(off, "DS field", len(val), "1")
		}
		if t.HasDSField {
			t.keep(typ, val)
			return nil
		}
		t.DSField, t.HasDSField = val[0], true
	case 8:
		if len(val) != 2 {
			return subLenErr(off, "UDP destination port", len(val), "2")
		}
		if t.HasUDPDestPort {
			t.keep(typ, val)
			return nil
		}
		t.UDPDestPort, t.HasUDPDestPort = binary.BigEndian.Uint16(val), true
	case 9:
		if len(val) != 1 {
			return subLenErr(off, "embedded label handling", len(val), "1")
		}
		if t.HasEmbeddedLabel {
			t.keep(typ, val)
			return nil
		}
		t.EmbeddedLabel, t.HasEmbeddedLabel = val[0], true
	case 10:
		if len(val)%4 != 0 {
			return subLenErr(off, "MPLS label stack", len(val), "a multiple of 4")
		}
		for i := 0; i < len(val); i += 4 {
			t.MPLSLabelStack = append(t.MPLSLabelStack, mplsEntry(val[i:]))
		}
	case 12, 13, 14, 15, 20, 128, 129, 130:
		return t.srSubTLV(typ, val, off)
	default:
		t.keep(typ, val)
	}
	return nil
}

func (t *TunnelEncapTLV) egressEndpoint(val []byte, off int) error {
	if len(val) < 6 {
		return subLenErr(off, "tunnel egress endpoint", len(val), "at least 6")
	}
	var a netip.Addr
	switch afi := binary.BigEndian.Uint16(val[4:]); afi {
	case 0:
		if len(val) != 6 {
			return subLenErr(off, "tunnel egress endpoint (AFI 0)", len(val), "6")
		}
	case AFIIPv4:
		if len(val) != 10 {
			return subLenErr(off, "tunnel egress endpoint (AFI 1)", len(val), "10")
		}
		a = netip.AddrFrom4([4]byte(val[6:]))
	case AFIIPv6:
		if len(val) != 22 {
			return subLenErr(off, "tunnel egress endpoint (AFI 2)", len(val), "22")
		}
		a = netip.AddrFrom16([16]byte(val[6:]))
	default:
		return errorf(off+2+4, "Tunnel Encapsulation: tunnel egress endpoint AFI %d is not 0, 1 or 2", afi)
	}
	if t.HasEgressEndpoint {
		t.keep(6, val)
		return nil
	}
	t.EgressEndpoint, t.HasEgressEndpoint = a, true
	return nil
}

// srSubTLV decodes the SR Policy sub-TLVs of RFC 9830 section 2.4.
func (t *TunnelEncapTLV) srSubTLV(typ uint8, val []byte, off int) error {
	sr := t.sr()
	switch typ {
	case 12:
		if len(val) != 6 {
			return subLenErr(off, "SR Policy preference", len(val), "6")
		}
		if sr.HasPreference {
			t.keep(typ, val)
			return nil
		}
		sr.PreferenceFlags, sr.Preference, sr.HasPreference = val[0], binary.BigEndian.Uint32(val[2:]), true
	case 13:
		b := &SRPolicyBindingSID{}
		switch len(val) {
		case 2:
		case 6:
			b.Label, b.HasLabel = binary.BigEndian.Uint32(val[2:])>>12, true
		case 18:
			b.SID = netip.AddrFrom16([16]byte(val[2:]))
		default:
			return subLenErr(off, "SR Policy binding SID", len(val), "2, 6 or 18")
		}
		b.Flags = val[0]
		if sr.BindingSID != nil {
			t.keep(typ, val)
			return nil
		}
		sr.BindingSID = b
	case 20:
		if len(val) != 18 && len(val) != 26 {
			return subLenErr(off, "SR Policy SRv6 binding SID", len(val), "18 or 26")
		}
		b := &SRPolicyBindingSID{Flags: val[0], SID: netip.AddrFrom16([16]byte(val[2:]))}
		if len(val) == 26 {
			b.Behavior, b.HasBehavior = srBehavior(val[18:]), true
		}
		if sr.SRv6BindingSID != nil {
			t.keep(typ, val)
			return nil
		}
		sr.SRv6BindingSID = b
	case 14:
		if len(val) != 3 {
			return subLenErr(off, "SR Policy ENLP", len(val), "3")
		}
		if sr.HasENLP {
			t.keep(typ, val)
			return nil
		}
		sr.ENLPFlags, sr.ENLP, sr.HasENLP = val[0], val[2], true
	case 15:
		if len(val) != 2 {
			return subLenErr(off, "SR Policy priority", len(val), "2")
		}
		if sr.HasPriority {
			t.keep(typ, val)
			return nil
		}
		sr.Priority, sr.HasPriority = val[0], true
	case 128:
		if len(val) < 1 {
			return subLenErr(off, "SR Policy segment list", len(val), "at least 1 (the reserved byte)")
		}
		var sl SRPolicySegmentList
		if err := walkSubTLVs(val[1:], off+4, "segment list", func(st uint8, sv []byte, soff int) error {
			return sl.subTLV(st, sv, soff)
		}); err != nil {
			return err
		}
		sr.SegmentLists = append(sr.SegmentLists, sl)
	case 129, 130:
		name := "SR Policy candidate path name"
		if typ == 130 {
			name = "SR Policy name"
		}
		if len(val) < 1 {
			return subLenErr(off, name, len(val), "at least 1 (the reserved byte)")
		}
		if typ == 129 && !sr.HasCandidatePathName {
			sr.CandidatePathName, sr.HasCandidatePathName = string(val[1:]), true
		} else if typ == 130 && !sr.HasPolicyName {
			sr.PolicyName, sr.HasPolicyName = string(val[1:]), true
		} else {
			t.keep(typ, val)
		}
	}
	return nil
}

func srBehavior(b []byte) SRPolicyBehavior {
	return SRPolicyBehavior{Behavior: binary.BigEndian.Uint16(b), BlockLen: b[4], NodeLen: b[5], FunctionLen: b[6], ArgumentLen: b[7]}
}

// segLayout describes the fixed part of a segment type and its optional trailers.
type segLayout struct {
	fixed int  // bytes after flags and the second byte (reserved or SR algorithm)
	algo  bool // the second byte is the SR algorithm
	mpls  bool // optional 4-byte SR-MPLS SID
	srv6  bool // optional 16-byte SRv6 SID, then optional 8-byte behavior and structure
}

func segLayoutOf(code uint8) (segLayout, bool) {
	switch code {
	case 1: // A: label entry
		return segLayout{fixed: 4}, true
	case 13: // B: SRv6 SID, optional behavior
		return segLayout{fixed: 16}, true
	case 3: // C: IPv4 node
		return segLayout{fixed: 4, algo: true, mpls: true}, true
	case 4: // D: IPv6 node
		return segLayout{fixed: 16, algo: true, mpls: true}, true
	case 5: // E: local interface ID, IPv4 node
		return segLayout{fixed: 8, mpls: true}, true
	case 6: // F: IPv4 local and remote addresses
		return segLayout{fixed: 8, mpls: true}, true
	case 7: // G: local ID, IPv6 local node, remote ID, IPv6 remote node
		return segLayout{fixed: 40, mpls: true}, true
	case 8: // H: IPv6 local and remote addresses
		return segLayout{fixed: 32, mpls: true}, true
	case 14: // I: IPv6 node
		return segLayout{fixed: 16, algo: true, srv6: true}, true
	case 15: // J: as G
		return segLayout{fixed: 40, algo: true, srv6: true}, true
	case 16: // K: as H
		return segLayout{fixed: 32, algo: true, srv6: true}, true
	}
	return segLayout{}, false
}

// subTLV decodes one sub-TLV of a segment list.
func (sl *SRPolicySegmentList) subTLV(typ uint8, val []byte, off int) error {
	if typ == 9 {
		if len(val) != 6 {
			return subLenErr(off, "segment list weight", len(val), "6")
		}
		if sl.HasWeight {
			sl.Unknown = append(sl.Unknown, TunnelEncapSubTLV{Type: typ, Value: val})
			return nil
		}
		sl.WeightFlags, sl.Weight, sl.HasWeight = val[0], binary.BigEndian.Uint32(val[2:]), true
		return nil
	}
	lay, ok := segLayoutOf(typ)
	if !ok {
		sl.Unknown = append(sl.Unknown, TunnelEncapSubTLV{Type: typ, Value: val})
		return nil
	}
	base := 2 + lay.fixed
	valid := len(val) == base
	switch {
	case typ == 13:
		valid = valid || len(val) == base+8
	case lay.mpls:
		valid = valid || len(val) == base+4
	case lay.srv6:
		valid = valid || len(val) == base+16 || len(val) == base+24
	}
	if !valid {
		return subLenErr(off, "segment type "+SRSegmentLetter(typ), len(val), segLengths(typ, lay))
	}
	s := SRPolicySegment{Type: typ, Flags: val[0]}
	if lay.algo {
		s.SRAlgorithm = val[1]
	}
	f := val[2:]
	switch typ {
	case 1:
		s.MPLSSID, s.HasMPLSSID = mplsEntry(f), true
	case 13:
		s.SRv6SID = netip.AddrFrom16([16]byte(f))
		if len(f) == 24 {
			s.Behavior, s.HasBehavior = srBehavior(f[16:]), true
		}
	case 3:
		s.NodeAddress = netip.AddrFrom4([4]byte(f))
	case 4, 14:
		s.NodeAddress = netip.AddrFrom16([16]byte(f))
	case 5:
		s.LocalInterfaceID = binary.BigEndian.Uint32(f)
		s.NodeAddress = netip.AddrFrom4([4]byte(f[4:]))
	case 6:
		s.LocalAddress, s.RemoteAddress = netip.AddrFrom4([4]byte(f)), netip.AddrFrom4([4]byte(f[4:]))
	case 7, 15:
		s.LocalInterfaceID = binary.BigEndian.Uint32(f)
		s.LocalAddress = netip.AddrFrom16([16]byte(f[4:]))
		s.RemoteInterfaceID = binary.BigEndian.Uint32(f[20:])
		s.RemoteAddress = netip.AddrFrom16([16]byte(f[24:]))
	case 8, 16:
		s.LocalAddress, s.RemoteAddress = netip.AddrFrom16([16]byte(f)), netip.AddrFrom16([16]byte(f[16:]))
	}
	rest := f[lay.fixed:]
	if lay.mpls && len(rest) == 4 {
		s.MPLSSID, s.HasMPLSSID = mplsEntry(rest), true
	}
	if lay.srv6 && len(rest) >= 16 {
		s.SRv6SID = netip.AddrFrom16([16]byte(rest))
		if len(rest) == 24 {
			s.Behavior, s.HasBehavior = srBehavior(rest[16:]), true
		}
	}
	sl.Segments = append(sl.Segments, s)
	return nil
}

// segLengths lists the valid value lengths of a segment type, for errors.
func segLengths(typ uint8, lay segLayout) string {
	n := 2 + lay.fixed
	switch {
	case typ == 13:
		return strconv.Itoa(n) + " or " + strconv.Itoa(n+8)
	case lay.mpls:
		return strconv.Itoa(n) + " or " + strconv.Itoa(n+4)
	case lay.srv6:
		return strconv.Itoa(n) + ", " + strconv.Itoa(n+16) + " or " + strconv.Itoa(n+24)
	}
	return strconv.Itoa(n)
}

// SRPolicy returns the candidate path of the first SR Policy tunnel TLV (RFC 9830: the
// attribute of an SR Policy route carries one), or nil.
func (te *TunnelEncap) SRPolicy() *SRPolicyCandidatePath {
	if te == nil {
		return nil
	}
	for i := range te.Tunnels {
		if te.Tunnels[i].Type == TunnelTypeSRPolicy {
			if te.Tunnels[i].SRPolicy == nil {
				return &SRPolicyCandidatePath{}
			}
			return te.Tunnels[i].SRPolicy
		}
	}
	return nil
}
