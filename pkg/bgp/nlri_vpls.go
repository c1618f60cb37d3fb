package bgp

import (
	"encoding/binary"
	"net/netip"
)

// VPLS NLRI lengths (the NLRI's own 2-byte length field).
const (
	// VPLSLenRFC4761 is the length of a VPLS NLRI (RFC 4761 section 3.2.2): RD, VE ID, VE
	// Block Offset, VE Block Size, Label Base.
	VPLSLenRFC4761 = 17
	// VPLSLenRFC6074 is the length of a BGP-AD NLRI (RFC 6074 section 3.2.2): RD and the
	// PE's IPv4 address.
	VPLSLenRFC6074 = 12
)

// VPLSRoute is one L2VPN VPLS NLRI (AFI 25, SAFI 65): either RFC 4761 VPLS signalling
// (Length 17) or RFC 6074 BGP auto-discovery (Length 12).
type VPLSRoute struct {
	PathID    uint32
	HasPathID bool
	Length    uint16
	RD        RD
	// RFC 4761 fields.
	VEID, VEBlockOffset, VEBlockSize uint16
	// LabelBase is the label value (high 20 bits) of the 3-byte Label Base field;
	// RawLabelBase the field as sent.
	LabelBase, RawLabelBase uint32
	// PEAddr is the RFC 6074 PE address.
	PEAddr netip.Addr
}

// IsBGPAD reports an RFC 6074 BGP auto-discovery NLRI.
func (r *VPLSRoute) IsBGPAD() bool { return r.Length == VPLSLenRFC6074 }

// DecodeVPLS appends the VPLS routes of the NLRI block b to dst:
//
//	[path identifier (4 bytes), when addPath (RFC 7911)]
//	length (2 bytes): 17 or 12, the bytes that follow
//	RFC 4761: RD (8), VE ID (2), VE Block Offset (2), VE Block Size (2), Label Base (3)
//	RFC 6074: RD (8), PE address (4)
//
// Any other length is an error. Errors are *Error with the offset in b; on error dst is
// returned unextended.
func DecodeVPLS(b []byte, addPath bool, dst []VPLSRoute) ([]VPLSRoute, error) {
	start := len(dst)
	for pos := 0; pos < len(b); {
		var r VPLSRoute
		if addPath {
			if len(b)-pos < 4 {
				return dst[:start], errorf(pos, "VPLS NLRI: truncated path identifier: need 4 bytes, have %d", len(b)-pos)
			}
			r.PathID, r.HasPathID = binary.BigEndian.Uint32(b[pos:]), true
			pos += 4
		}
		if len(b)-pos < 2 {
			return dst[:start], errorf(pos, "VPLS NLRI: need a 2-byte length, have %d bytes", len(b)-pos)
		}
		lenOff := pos
		r.Length = binary.BigEndian.Uint16(b[pos:])
		pos += 2
		l := int(r.Length)
		if l != VPLSLenRFC4761 && l != VPLSLenRFC6074 {
			return dst[:start], errorf(lenOff, "VPLS NLRI: length %d, want 17 (RFC 4761) or 12 (RFC 6074)", l)
		}
		if l > len(b)-pos {
			return dst[:start], errorf(lenOff, "VPLS NLRI: length %d exceeds the %d bytes left", l, len(b)-pos)
		}
		v := b[pos : pos+l]
		r.RD = RD(v[:8])
		if l == VPLSLenRFC6074 {
			r.PEAddr = netip.AddrFrom4([4]byte(v[8:]))
		} else {
			r.VEID = binary.BigEndian.Uint16(v[8:])
			r.VEBlockOffset = binary.BigEndian.Uint16(v[10:])
			r.VEBlockSize = binary.BigEndian.Uint16(v[12:])
			r.RawLabelBase = uint32(v[14])<<16 | uint32(v[15])<<8 | uint32(v[16])
			r.LabelBase = r.RawLabelBase >> 4
		}
		dst = append(dst, r)
		pos += l
	}
	return dst, nil
}

// Layer2Info is the Layer2 Info extended community (RFC 4761 section 3.2.4): type 0x80,
// sub-type 0x0A, encapsulation type (1 byte; 19 for VPLS), control flags (1 byte), layer-2
// MTU (2 bytes), 2 reserved bytes.
type Layer2Info struct {
	EncapType uint8
	Flags     uint8
	MTU       uint16
}

// Layer2 Info control flags (RFC 4761 section 3.2.4: "MBZ | C | S", S the lowest bit).
const (
	L2InfoControlWord       uint8 = 0x02
	L2InfoSequencedDelivery uint8 = 0x01
)

// ControlWord reports the C flag (a control word is required).
func (l Layer2Info) ControlWord() bool { return l.Flags&L2InfoControlWord != 0 }

// SequencedDelivery reports the S flag (sequenced delivery of frames is required).
func (l Layer2Info) SequencedDelivery() bool { return l.Flags&L2InfoSequencedDelivery != 0 }

// ParseLayer2Info returns the Layer2 Info carried by the extended community ec, and false
// when ec is another community.
func ParseLayer2Info(ec [8]byte) (Layer2Info, bool) {
	if ec[0] != 0x80 || ec[1] != 0x0a {
		return Layer2Info{}, false
	}
	return Layer2Info{EncapType: ec[2], Flags: ec[3], MTU: binary.BigEndian.Uint16(ec[4:])}, true
}
