package bgp

import (
	"encoding/binary"
	"net/netip"
)

// BGP Prefix-SID TLV types (RFC 8669, RFC 9252).
const (
	PrefixSIDLabelIndex     uint8 = 1
	PrefixSIDOriginatorSRGB uint8 = 3
	PrefixSIDSRv6L3Service  uint8 = 5
	PrefixSIDSRv6L2Service  uint8 = 6
)

// SRv6 service sub-TLV and sub-sub-TLV types (RFC 9252 sections 3.1 and 3.2.1).
const (
	SRv6SIDInformation uint8 = 1
	SRv6SIDStructure   uint8 = 1 // sub-sub-TLV of the SID information sub-TLV
)

// PrefixSID is the BGP Prefix-SID attribute: its TLVs in order of appearance. A decoded
// PrefixSID owns reusable storage; decode into the same value again to reuse it.
type PrefixSID struct {
	TLVs []PrefixSIDTLV

	// storage the TLVs' slices point into
	ranges  []SRGBRange
	subs    []SRv6ServiceSubTLV
	subsubs []SRv6ServiceSubSubTLV
}

// PrefixSIDTLV is one TLV. Value is the value as sent (aliases the message); the decoded
// view that matches Type is filled.
type PrefixSIDTLV struct {
	Type  uint8
	Value []byte
	// LabelIndex: type 1 (RFC 8669 section 3.1).
	LabelIndex LabelIndexTLV
	// SRGBFlags and SRGB: type 3, Originator SRGB (RFC 8669 section 3.2).
	SRGBFlags uint16
	SRGB      []SRGBRange
	// Service: types 5 and 6, SRv6 L3 and L2 Service (RFC 9252 section 2).
	Service SRv6Service
}

// LabelIndexTLV is the Label-Index TLV: 16-bit flags and the 32-bit label index.
type LabelIndexTLV struct {
	Flags      uint16
	LabelIndex uint32
}

// SRGBRange is one SRGB of the Originator SRGB TLV: first label and number of labels
// (3 octets each).
type SRGBRange struct {
	Base, Range uint32
}

// SRv6Service is an SRv6 L3 or L2 Service TLV: a reserved octet and sub-TLVs.
type SRv6Service struct {
	SubTLVs []SRv6ServiceSubTLV
}

// SRv6ServiceSubTLV is one SRv6 service sub-TLV. Value is the value as sent; for type 1
// (SRv6 SID Information) the other fields are filled.
type SRv6ServiceSubTLV struct {
	Type             uint8
	Value            []byte
	SID              netip.Addr
	SIDFlags         uint8
	EndpointBehavior uint16
	SubSubTLVs       []SRv6ServiceSubSubTLV
}

// SRv6ServiceSubSubTLV is one sub-sub-TLV of the SID information sub-TLV; for type 1
// (SRv6 SID Structure) Structure is filled.
type SRv6ServiceSubSubTLV struct {
	Type      uint8
	Value     []byte
	Structure SRv6SIDStructureTLV
}

// SRv6SIDStructureTLV gives the bit lengths of the parts of an SRv6 SID and where the
// transposed part (the label field of the NLRI) goes (RFC 9252 section 3.2.1).
type SRv6SIDStructureTLV struct {
	LocatorBlockLen     uint8
	LocatorNodeLen      uint8
	FunctionLen         uint8
	ArgumentLen         uint8
	TranspositionLen    uint8
	TranspositionOffset uint8
}

// TLV returns the first TLV of type t.
func (p *PrefixSID) TLV(t uint8) (*PrefixSIDTLV, bool) {
	for i := range p.TLVs {
		if p.TLVs[i].Type == t {
			return &p.TLVs[i], true
		}
	}
	return nil, false
}

// emptied returns p with no TLVs, keeping the storage's capacity.
func (p *PrefixSID) emptied() PrefixSID {
	return PrefixSID{TLVs: p.TLVs[:0], ranges: p.ranges[:0], subs: p.subs[:0], subsubs: p.subsubs[:0]}
}

// DecodePrefixSID decodes the value of a BGP Prefix-SID attribute into p, reusing p's
// storage. TLVs are type (1 octet), length (2 octets, value only) and value. Known TLVs
// must have their RFC lengths: Label-Index 7, Originator SRGB 2 plus a non-zero multiple of
// 6; SRv6 service TLVs must hold whole sub-TLVs, SID information sub-TLVs at least 21
// bytes and whole sub-sub-TLVs, SID structure sub-sub-TLVs 6 bytes. Unknown TLVs, sub-TLVs
// and sub-sub-TLVs are kept raw. Error offsets are relative to b.
func DecodePrefixSID(b []byte, p *PrefixSID) error {
	*p = p.emptied()
	if len(b) == 0 {
		return errorf(0, "empty attribute, expected at least one TLV")
	}
	for pos := 0; pos < len(b); {
		t, v, next, err := splitTLV(b, pos, "TLV")
		if err != nil {
			return err
		}
		tlv := PrefixSIDTLV{Type: t, Value: v}
		voff := pos + 3
		switch t {
		case PrefixSIDLabelIndex:
			if len(v) != 7 {
				return errorf(pos+1, "Label-Index TLV: length %d, expected 7", len(v))
			}
			tlv.LabelIndex = LabelIndexTLV{Flags: binary.BigEndian.Uint16(v[1:]), LabelIndex: binary.BigEndian.Uint32(v[3:])}
		case PrefixSIDOriginatorSRGB:
			if len(v) < 8 || (len(v)-2)%6 != 0 {
				return errorf(pos+1, "Originator SRGB TLV: length %d, expected 2 plus a non-zero multiple of 6", len(v))
			}
			tlv.SRGBFlags = binary.BigEndian.Uint16(v)
			start := len(p.ranges)
			for i := 2; i < len(v); i += 6 {
				p.ranges = append(p.ranges, SRGBRange{Base: ecUint24(v[i:]), Range: ecUint24(v[i+3:])})
			}
			tlv.SRGB = p.ranges[start:len(p.ranges):len(p.ranges)]
		case PrefixSIDSRv6L3Service, PrefixSIDSRv6L2Service:
			svc, err := p.decodeService(v, voff)
			if err != nil {
				return err
			}
			tlv.Service = svc
		}
		p.TLVs = append(p.TLVs, tlv)
		pos = next
	}
	return nil
}

// splitTLV reads the TLV at b[pos:] with a 1-octet type and a 2-octet length of the value.
func splitTLV(b []byte, pos int, what string) (t uint8, v []byte, next int, err error) {
	left := len(b) - pos
	if left < 3 {
		return 0, nil, 0, errorf(pos, "%s header needs 3 bytes, have %d", what, left)
	}
	t, l := b[pos], int(binary.BigEndian.Uint16(b[pos+1:]))
	if l > left-3 {
		return 0, nil, 0, errorf(pos+1, "%s type %d: length %d exceeds the data (%d bytes left)", what, t, l, left-3)
	}
	next = pos + 3 + l
	return t, b[pos+3 : next : next], next, nil
}

// decodeService decodes an SRv6 service TLV value found at offset off of the attribute.
func (p *PrefixSID) decodeService(v []byte, off int) (SRv6Service, error) {
	if len(v) < 1 {
		return SRv6Service{}, errorf(off, "SRv6 service TLV: empty, expected a reserved octet and sub-TLVs")
	}
	start := len(p.subs)
	for pos := 1; pos < len(v); {
		t, sv, next, err := splitTLV(v, pos, "SRv6 service sub-TLV")
		if err != nil {
			err.(*Error).Offset += off
			return SRv6Service{}, err
		}
		sub := SRv6ServiceSubTLV{Type: t, Value: sv}
		if t == SRv6SIDInformation {
			if err := p.decodeSIDInfo(&sub, sv, off+pos+3); err != nil {
				return SRv6Service{}, err
			}
		}
		p.subs = append(p.subs, sub)
		pos = next
	}
	return SRv6Service{SubTLVs: p.subs[start:len(p.subs):len(p.subs)]}, nil
}

// decodeSIDInfo decodes an SRv6 SID Information sub-TLV value (at offset off): reserved
// (1), SID (16), flags (1), endpoint behavior (2), reserved (1), sub-sub-TLVs.
func (p *PrefixSID) decodeSIDInfo(sub *SRv6ServiceSubTLV, v []byte, off int) error {
	if len(v) < 21 {
		return errorf(off, "SRv6 SID information sub-TLV: length %d, expected at least 21", len(v))
	}
	sub.SID = netip.AddrFrom16([16]byte(v[1:17]))
	sub.SIDFlags = v[17]
	sub.EndpointBehavior = binary.BigEndian.Uint16(v[18:])
	start := len(p.subsubs)
	for pos := 21; pos < len(v); {
		t, sv, next, err := splitTLV(v, pos, "SRv6 service sub-sub-TLV")
		if err != nil {
			err.(*Error).Offset += off
			return err
		}
		ss := SRv6ServiceSubSubTLV{Type: t, Value: sv}
		if t == SRv6SIDStructure {
			if len(sv) != 6 {
				return errorf(off+pos+1, "SRv6 SID structure sub-sub-TLV: length %d, expected 6", len(sv))
			}
			ss.Structure = SRv6SIDStructureTLV{LocatorBlockLen: sv[0], LocatorNodeLen: sv[1], FunctionLen: sv[2],
				ArgumentLen: sv[3], TranspositionLen: sv[4], TranspositionOffset: sv[5]}
		}
		p.subsubs = append(p.subsubs, ss)
		pos = next
	}
	sub.SubSubTLVs = p.subsubs[start:len(p.subsubs):len(p.subsubs)]
	return nil
}
