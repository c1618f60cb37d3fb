package bgp

import (
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"strconv"
)

// RD is a route distinguisher (RFC 4364 section 4.2): a 2-byte type and a 6-byte value.
// The VPN families (L3VPN, MCAST-VPN, VPLS, and EVPN, FlowSpec-VPN, BGP-LS-VPN) carry
// one in every NLRI.
type RD [8]byte

// RD types (RFC 4364 section 4.2, RFC 4760 / IANA "Route Distinguisher Type Field").
const (
	RDTypeAS2  uint16 = 0 // 2-byte ASN : 4-byte number
	RDTypeIPv4 uint16 = 1 // IPv4 address : 2-byte number
	RDTypeAS4  uint16 = 2 // 4-byte ASN : 2-byte number
)

// Type returns the RD type (the first 2 bytes).
func (r RD) Type() uint16 { return binary.BigEndian.Uint16(r[:2]) }

// String formats the RD as text (see AppendText).
func (r RD) String() string {
	var b [32]byte
	return string(r.AppendTo(b[:0]))
}

// AppendTo appends the RD as text: type 0 "65000:100" (2-byte ASN : 4-byte number),
// type 1 "192.0.2.1:100" (IPv4 address : 2-byte number), type 2 "4200000001:100"
// (4-byte ASN : 2-byte number), the forms goBMP and the peer distinguisher (peer_rd) use;
// any other type "<type>:<6 value bytes in hex>", e.g. "3:0102030405ff".
func (r RD) AppendTo(dst []byte) []byte {
	switch r.Type() {
	case RDTypeAS2:
		dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint16(r[2:4])), 10)
		dst = append(dst, ':')
		return strconv.AppendUint(dst, uint64(binary.BigEndian.Uint32(r[4:8])), 10)
	case RDTypeIPv4:
		dst = netip.AddrFrom4([4]byte(r[2:6])).AppendTo(dst)
		dst = append(dst, ':')
		return strconv.AppendUint(dst, uint64(binary.BigEndian.Uint16(r[6:8])), 10)
	case RDTypeAS4:
		dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint32(r[2:6])), 10)
		dst = append(dst, ':')
		return strconv.AppendUint(dst, uint64(binary.BigEndian.Uint16(r[6:8])), 10)
	}
	dst = strconv.AppendUint(dst, uint64(r.Type()), 10)
	dst = append(dst, ':')
	return hex.AppendEncode(dst, r[2:])
}

// Route Target extended communities (RFC 4360 section 4, RFC 5668): the transitive
// two-octet AS, IPv4 address and four-octet AS specific types with sub-type 0x02.
const (
	extTypeAS2  = 0x00
	extTypeIPv4 = 0x01
	extTypeAS4  = 0x02
	extSubRT    = 0x02
)

// IsRouteTarget reports whether the extended community ec is a Route Target (type 0x00,
// 0x01 or 0x02 with sub-type 0x02).
func IsRouteTarget(ec [8]byte) bool {
	return ec[1] == extSubRT && (ec[0] == extTypeAS2 || ec[0] == extTypeIPv4 || ec[0] == extTypeAS4)
}

// AppendRouteTarget appends the value of a Route Target extended community as text, in
// the RD forms: "65000:100" (two-octet AS), "192.0.2.1:100" (IPv4 address),
// "4200000001:100" (four-octet AS). For any other extended community it appends the 8
// bytes in hex.
func AppendRouteTarget(dst []byte, ec [8]byte) []byte {
	if !IsRouteTarget(ec) {
		return hex.AppendEncode(dst, ec[:])
	}
	// The RD encoding of the three types is the RT encoding with the type in 2 bytes.
	var r RD
	r[1] = ec[0]
	copy(r[2:], ec[2:])
	return r.AppendTo(dst)
}

// LabelStack is an MPLS label stack as carried in NLRI (RFC 8277 section 2): 3 bytes per
// entry, each the 20-bit label value, 3 bits of traffic class and the bottom-of-stack
// bit. It aliases the decoded message.
type LabelStack []byte

// Len returns the number of entries.
func (l LabelStack) Len() int { return len(l) / 3 }

// Raw returns entry i as sent (24 bits).
func (l LabelStack) Raw(i int) uint32 {
	return uint32(l[3*i])<<16 | uint32(l[3*i+1])<<8 | uint32(l[3*i+2])
}

// Value returns the label value of entry i (the high 20 bits).
func (l LabelStack) Value(i int) uint32 { return l.Raw(i) >> 4 }

// AppendValues appends the label values of every entry to dst.
func (l LabelStack) AppendValues(dst []uint32) []uint32 {
	for i := 0; i < l.Len(); i++ {
		dst = append(dst, l.Value(i))
	}
	return dst
}
