package gen

import (
	"encoding/binary"
	"math"
	"net/netip"
)

// BGP-LS builders (RFC 9552 section 5): TLVs, NLRI and the BGP-LS Attribute.

// AFI and SAFIs of BGP-LS.
const (
	AFILS     uint16 = 16388
	SAFILS    uint8  = 71
	SAFILSVPN uint8  = 72
)

// U16, U32 and U64 encode big-endian numbers; F32 an IEEE float.
func U16(v uint16) []byte  { return u16(nil, v) }
func U32(v uint32) []byte  { return u32(nil, v) }
func U64(v uint64) []byte  { return binary.BigEndian.AppendUint64(nil, v) }
func F32(v float32) []byte { return u32(nil, math.Float32bits(v)) }

// IP returns the bytes of an address (4 or 16).
func IP(s string) []byte { return netip.MustParseAddr(s).AsSlice() }

// LSTLV builds a TLV: type (2), length (2), value (the parts concatenated).
func LSTLV(typ uint16, parts ...[]byte) []byte {
	v := Cat(parts...)
	b := u16(nil, typ)
	b = u16(b, uint16(len(v)))
	return append(b, v...)
}

// LSNLRI builds a BGP-LS NLRI: type, total length, the RD when rd is not nil (SAFI 72),
// protocol ID, identifier and the TLVs.
func LSNLRI(typ uint16, rd []byte, proto uint8, id uint64, tlvs ...[]byte) []byte {
	body := Cat(rd, []byte{proto}, U64(id), Cat(tlvs...))
	b := u16(nil, typ)
	b = u16(b, uint16(len(body)))
	return append(b, body...)
}

// WithPathID prefixes an NLRI with an ADD-PATH path identifier.
func WithPathID(id uint32, nlri []byte) []byte { return append(u32(nil, id), nlri...) }

// LSLocalNode and LSRemoteNode build Node Descriptors TLVs (256, 257) from sub-TLVs.
func LSLocalNode(sub ...[]byte) []byte  { return LSTLV(256, sub...) }
func LSRemoteNode(sub ...[]byte) []byte { return LSTLV(257, sub...) }

// LSAttr builds the BGP-LS Attribute (optional non-transitive, type 29) from TLVs.
func LSAttr(tlvs ...[]byte) []byte { return Attr(optional, 29, Cat(tlvs...)) }
