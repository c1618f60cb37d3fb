package bmp

import "encoding/binary"

// Stateless Parsing TLV (draft-ietf-grow-bmp-tlv-20, "Stateless Parsing TLV"): its value is
// one BGP capability encoded exactly as in an OPEN (RFC 5492: code, length, value), so
// that a station can parse the Route Monitoring message's UPDATE without the Peer Up
// state. Each capability should come in its own TLV (index 0); a value holding several
// capabilities back to back is accepted too.

// BGP capability codes the Stateless Parsing TLV is useful with.
const (
	CapMultipleLabels uint8 = 8  // RFC 8277: (AFI 2, SAFI 1, Count 1)*
	CapFourOctetAS    uint8 = 65 // RFC 6793: 4-byte AS number
	CapAddPath        uint8 = 69 // RFC 7911: (AFI 2, SAFI 1, Send/Receive 1)*
)

// StatelessAddPath is one ADD-PATH capability entry: Mode is 1 (receive), 2 (send) or 3
// (both), as the monitored router would advertise it in its OPEN.
type StatelessAddPath struct {
	AFI  uint16
	SAFI uint8
	Mode uint8
}

// StatelessMultiLabel is one Multiple Labels capability entry (RFC 8277): Count labels
// at most for the family.
type StatelessMultiLabel struct {
	AFI   uint16
	SAFI  uint8
	Count uint8
}

// StatelessCapability is a capability of a Stateless Parsing TLV, raw.
type StatelessCapability struct {
	Code  uint8
	Value []byte
}

// StatelessParsing collects the Stateless Parsing TLVs of one Route Monitoring message.
// Reuse it across messages with Reset: Add only appends to its slices.
type StatelessParsing struct {
	// AS4 is set when a 4-octet AS capability is present: AS_PATH and AGGREGATOR carry
	// 4-byte AS numbers. AS4Number is its value.
	AS4       bool
	AS4Number uint32
	// AddPath and MultipleLabels list the entries of the ADD-PATH and Multiple Labels
	// capabilities, in order.
	AddPath        []StatelessAddPath
	MultipleLabels []StatelessMultiLabel
	// Caps lists every capability seen, raw (Value aliases the TLV), in order.
	Caps []StatelessCapability
}

// Reset empties s, keeping its storage.
func (s *StatelessParsing) Reset() {
	s.AS4, s.AS4Number = false, 0
	s.AddPath = s.AddPath[:0]
	s.MultipleLabels = s.MultipleLabels[:0]
	clear(s.Caps)
	s.Caps = s.Caps[:0]
}

// Add decodes one Stateless Parsing TLV value into s. Error offsets are relative to v.
// On error, the capabilities before the offending one have been added.
func (s *StatelessParsing) Add(v []byte) error {
	if len(v) == 0 {
		return errShort(0, "stateless parsing TLV: capability header", 2, 0)
	}
	for i := 0; i < len(v); {
		if len(v)-i < 2 {
			return errShort(i, "stateless parsing TLV: capability header", 2, len(v)-i)
		}
		code, l := v[i], int(v[i+1])
		if l > len(v)-i-2 {
			return errf(i+1, "stateless parsing TLV: capability %d: length %d overruns the %d bytes left", code, l, len(v)-i-2)
		}
		val := v[i+2 : i+2+l : i+2+l]
		if err := s.addCap(code, val, i+2); err != nil {
			return err
		}
		s.Caps = append(s.Caps, StatelessCapability{Code: code, Value: val})
		i += 2 + l
	}
	return nil
}

// addCap decodes the capabilities whose value matters for parsing; off is the offset of
// val in the TLV value.
func (s *StatelessParsing) addCap(code uint8, val []byte, off int) error {
	switch code {
	case CapFourOctetAS:
		if len(val) != 4 {
			return errf(off, "stateless parsing TLV: 4-octet AS capability of %d bytes, want 4", len(val))
		}
		s.AS4, s.AS4Number = true, binary.BigEndian.Uint32(val)
	case CapAddPath:
		if len(val) == 0 || len(val)%4 != 0 {
			return errf(off, "stateless parsing TLV: ADD-PATH capability of %d bytes, want a multiple of 4", len(val))
		}
		for j := 0; j < len(val); j += 4 {
			if m := val[j+3]; m > 3 {
				return errf(off+j+3, "stateless parsing TLV: ADD-PATH send/receive %d for %d/%d, want 1, 2 or 3",
					m, binary.BigEndian.Uint16(val[j:]), val[j+2])
			}
			s.AddPath = append(s.AddPath, StatelessAddPath{AFI: binary.BigEndian.Uint16(val[j:]), SAFI: val[j+2], Mode: val[j+3]})
		}
	case CapMultipleLabels:
		if len(val) == 0 || len(val)%4 != 0 {
			return errf(off, "stateless parsing TLV: multiple labels capability of %d bytes, want a multiple of 4", len(val))
		}
		for j := 0; j < len(val); j += 4 {
			s.MultipleLabels = append(s.MultipleLabels,
				StatelessMultiLabel{AFI: binary.BigEndian.Uint16(val[j:]), SAFI: val[j+2], Count: val[j+3]})
		}
	}
	return nil
}

// AddPathMode returns the ADD-PATH mode the TLVs give for AFI/SAFI (the first entry
// counts) and whether any entry names the family.
func (s *StatelessParsing) AddPathMode(afi uint16, safi uint8) (mode uint8, ok bool) {
	for _, e := range s.AddPath {
		if e.AFI == afi && e.SAFI == safi {
			return e.Mode, true
		}
	}
	return 0, false
}
