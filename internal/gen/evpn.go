package gen

import (
	"encoding/binary"
	"net/netip"
)

// EVPN NLRI builders (RFC 7432 section 7, RFC 9136 section 3.1). Lengths in the NLRI are
// in bits for addresses and MAC, in bytes for the route.

// EVPNRoute builds one EVPN route: route type, length, then the fields.
func EVPNRoute(typ uint8, fields ...[]byte) []byte {
	v := Cat(fields...)
	return append([]byte{typ, uint8(len(v))}, v...)
}

// EVPNRD0 builds a type 0 route distinguisher (2-byte AS : 4-byte number), EVPNRD1 a
// type 1 one (IPv4 address : 2-byte number).
func EVPNRD0(as uint16, n uint32) []byte { return u32(u16([]byte{0, 0}, as), n) }
func EVPNRD1(ip netip.Addr, n uint16) []byte {
	a := ip.As4()
	return u16(append([]byte{0, 1}, a[:]...), n)
}

// EVPNLabel builds a 3-byte MPLS label field from its raw 24-bit value (label<<4 | TC<<1 |
// S, or a VXLAN VNI).
func EVPNLabel(raw uint32) []byte { return []byte{byte(raw >> 16), byte(raw >> 8), byte(raw)} }

// EVPNAddr builds an address preceded by its length in bits (0 for an invalid address).
func EVPNAddr(a netip.Addr) []byte {
	if !a.IsValid() {
		return []byte{0}
	}
	return append([]byte{uint8(a.BitLen())}, a.AsSlice()...)
}

// EVPNMACIP builds a type 2 route with one or two raw label fields.
func EVPNMACIP(rd, esi []byte, tag uint32, mac [6]byte, ip netip.Addr, labels ...uint32) []byte {
	f := [][]byte{rd, esi, u32(nil, tag), {48}, mac[:], EVPNAddr(ip)}
	for _, l := range labels {
		f = append(f, EVPNLabel(l))
	}
	return EVPNRoute(2, f...)
}

// EVPNIMET builds a type 3 (Inclusive Multicast Ethernet Tag) route.
func EVPNIMET(rd []byte, tag uint32, originator netip.Addr) []byte {
	return EVPNRoute(3, rd, u32(nil, tag), EVPNAddr(originator))
}

// EVPNIPPrefix builds a type 5 (IP Prefix) route; gw must be of the prefix's family.
func EVPNIPPrefix(rd, esi []byte, tag uint32, p netip.Prefix, gw netip.Addr, label uint32) []byte {
	return EVPNRoute(5, rd, esi, u32(nil, tag), []byte{uint8(p.Bits())}, p.Addr().AsSlice(), gw.AsSlice(), EVPNLabel(label))
}

// EVPNPathID prefixes a route with an ADD-PATH path identifier (RFC 7911).
func EVPNPathID(id uint32, route []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, id), route...)
}

// EVPNPMSITunnel builds a PMSI_TUNNEL attribute (RFC 6514 section 5).
func EVPNPMSITunnel(flags, tunnelType uint8, rawLabel uint32, id []byte) []byte {
	return Attr(optTrans, 22, Cat([]byte{flags, tunnelType}, EVPNLabel(rawLabel), id))
}

// EVPNExtCommunities builds an EXTENDED_COMMUNITIES attribute from 8-byte values.
func EVPNExtCommunities(cs ...uint64) []byte {
	var v []byte
	for _, c := range cs {
		v = binary.BigEndian.AppendUint64(v, c)
	}
	return Attr(optTrans, 16, v)
}
