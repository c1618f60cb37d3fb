package bgp

import "encoding/binary"

// AIGPTypeMetric is the AIGP TLV type (RFC 7311 section 3): an 8-octet accumulated IGP
// metric.
const AIGPTypeMetric uint8 = 1

// AIGP is the AIGP attribute (RFC 7311): a list of TLVs.
type AIGP struct {
	TLVs []AIGPTLV
}

// AIGPTLV is one TLV of the AIGP attribute. Value is the value as sent (aliases the
// message); the TLV's Length field is len(Value)+3, since it counts the type and length
// octets too.
type AIGPTLV struct {
	Type  uint8
	Value []byte
}

// Metric returns the accumulated IGP metric of the first AIGP TLV (type 1).
func (a *AIGP) Metric() (uint64, bool) {
	for _, t := range a.TLVs {
		if t.Type == AIGPTypeMetric {
			return binary.BigEndian.Uint64(t.Value), true
		}
	}
	return 0, false
}

// DecodeAIGP decodes the value of an AIGP attribute, appending its TLVs to dst. Each TLV
// is type (1 octet), length (2 octets, including these 3) and value; the AIGP TLV (type
// 1) must have length 11. Error offsets are relative to b.
func DecodeAIGP(b []byte, dst []AIGPTLV) ([]AIGPTLV, error) {
	if len(b) == 0 {
		return dst, errorf(0, "empty attribute, expected at least one TLV")
	}
	for pos := 0; pos < len(b); {
		left := len(b) - pos
		if left < 3 {
			return dst, errorf(pos, "TLV header needs 3 bytes, have %d", left)
		}
		t, l := b[pos], int(binary.BigEndian.Uint16(b[pos+1:]))
		if l < 3 {
			return dst, errorf(pos+1, "TLV type %d: length %d is less than the 3-byte header it includes", t, l)
		}
		if l > left {
			return dst, errorf(pos+1, "TLV type %d: length %d exceeds the attribute (%d bytes left)", t, l, left)
		}
		if t == AIGPTypeMetric && l != 11 {
			return dst, errorf(pos+1, "AIGP TLV: length %d, expected 11", l)
		}
		dst = append(dst, AIGPTLV{Type: t, Value: b[pos+3 : pos+l : pos+l]})
		pos += l
	}
	return dst, nil
}
