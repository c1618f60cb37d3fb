package bmp

import (
	"encoding/binary"
)

// BMPv4 Route Monitoring TLV types and index bits (draft-ietf-grow-bmp-tlv).
//
// The draft has renumbered these code points several times (-13: VRF 3, BGP PDU 4,
// Group 5; NetGauze mid-2025: BGP PDU 1, Group 2, VRF 3, Stateless 4; -20: Group 4,
// VRF 5, Stateless 6, BGP PDU 7). The constants below are the assignment seen on the
// wire in the only public BMPv4 captures (NetGauze, November 2025, path-marking draft):
// Stateless Parsing 1, Group 2, VRF/Table Name 3, BGP PDU 4, Path Status 5. The decoder
// does not rely on them to find the BGP PDU: it picks the TLV whose value is exactly one
// BGP UPDATE (16-byte all-ones marker, BGP length equal to the TLV length, type 2).
// RMTLVCodes (pathstatus.go) bundles them, with the draft -20 alternative; the decoders of
// the TLV values (DecodePathStatus, DecodeGroup, StatelessParsing) take no code point.
const (
	RMTLVStatelessParsing uint16 = 1
	RMTLVGroup            uint16 = 2
	RMTLVVRFTableName     uint16 = 3
	RMTLVBGPMessage       uint16 = 4
	RMTLVPathStatus       uint16 = 5

	// TLVIndexGroupBit is the G-bit of a BMPv4 TLV index: the index names a group
	// defined by a Group TLV rather than one NLRI.
	TLVIndexGroupBit uint16 = 0x8000
)

// Sizes of the TLV headers.
const (
	tlvHeaderLen        = 4 // type(2) length(2)
	indexedTLVHeaderLen = 6 // type(2) length(2) index(2)
	bgpHeaderLen        = 19
)

// DecodeInfoTLVs appends the information TLVs in b (2-byte type, 2-byte length, value;
// RFC 7854 section 4.4) to dst and returns it. The TLV values alias b. Error offsets are
// relative to b.
func DecodeInfoTLVs(dst []InfoTLV, b []byte) ([]InfoTLV, error) {
	return decodeTLVs(dst, b, 0, false, "information TLV")
}

// DecodeIndexedTLVs is DecodeInfoTLVs for BMPv4 indexed TLVs (2-byte type, 2-byte length
// of the value, 2-byte index, value). The results have HasIndex set.
func DecodeIndexedTLVs(dst []InfoTLV, b []byte) ([]InfoTLV, error) {
	return decodeTLVs(dst, b, 0, true, "indexed TLV")
}

// LookupTLV returns the value of the first TLV of type typ in tlvs.
func LookupTLV(tlvs []InfoTLV, typ uint16) ([]byte, bool) {
	for i := range tlvs {
		if tlvs[i].Type == typ {
			return tlvs[i].Value, true
		}
	}
	return nil, false
}

// decodeTLVs appends the TLVs of b, located at offset off of the message, to dst. It is
// the one TLV loop of the package; what names the list in errors.
func decodeTLVs(dst []InfoTLV, b []byte, off int, indexed bool, what string) ([]InfoTLV, error) {
	for i := 0; i < len(b); {
		t, next, err := readTLV(b, i, off, indexed, what)
		if err != nil {
			return dst, err
		}
		dst = append(dst, t)
		i = next
	}
	return dst, nil
}

// readTLV reads the TLV at b[i:]; b sits at offset off of the message. It returns the TLV
// (Value capped so that appending to it cannot touch the input) and the index of the
// byte after it.
func readTLV(b []byte, i, off int, indexed bool, what string) (InfoTLV, int, error) {
	hl := tlvHeaderLen
	if indexed {
		hl = indexedTLVHeaderLen
	}
	if len(b)-i < hl {
		return InfoTLV{}, 0, errShort(off+i, what+" header", hl, len(b)-i)
	}
	t := InfoTLV{Type: binary.BigEndian.Uint16(b[i:]), HasIndex: indexed}
	l := int(binary.BigEndian.Uint16(b[i+2:]))
	if indexed {
		t.Index = binary.BigEndian.Uint16(b[i+4:])
	}
	start := i + hl
	if l > len(b)-start {
		return InfoTLV{}, 0, errf(off+i+2, "%s type %d: length %d overruns the %d bytes left", what, t.Type, l, len(b)-start)
	}
	t.Value = b[start : start+l : start+l]
	return t, start + l, nil
}

// bgpMessageLen validates the BGP header at the start of b (at offset off of the message)
// and returns the BGP message length. The marker is not checked; the length must be at
// least 19 and fit in b.
func bgpMessageLen(b []byte, off int, what string) (int, error) {
	if len(b) < bgpHeaderLen {
		return 0, errShort(off, what+": BGP header", bgpHeaderLen, len(b))
	}
	n := int(binary.BigEndian.Uint16(b[16:18]))
	if n < bgpHeaderLen {
		return 0, errf(off+16, "%s: BGP length %d below the 19-byte header", what, n)
	}
	if n > len(b) {
		return 0, errf(off+16, "%s: BGP length %d overruns the %d bytes left", what, n, len(b))
	}
	return n, nil
}

// hasBGPMarker reports whether b starts with the 16-byte all-ones BGP marker.
func hasBGPMarker(b []byte) bool {
	if len(b) < 16 {
		return false
	}
	for _, c := range b[:16] {
		if c != 0xff {
			return false
		}
	}
	return true
}

// isWholeBGPUpdate reports whether v is exactly one BGP UPDATE message: marker, BGP
// length equal to len(v), type 2.
func isWholeBGPUpdate(v []byte) bool {
	return len(v) >= bgpHeaderLen && hasBGPMarker(v) &&
		int(binary.BigEndian.Uint16(v[16:18])) == len(v) && v[18] == 2
}
