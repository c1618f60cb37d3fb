package gen

import (
	"net/netip"
)

// BGP builds a BGP message: 16-byte marker, length, type, body.
func BGP(typ uint8, body ...[]byte) []byte {
	n := 19
	for _, b := range body {
		n += len(b)
	}
	out := make([]byte, 16, n)
	for i := range out {
		out[i] = 0xff
	}
	out = u16(out, uint16(n))
	out = append(out, typ)
	for _, b := range body {
		out = append(out, b...)
	}
	return out
}

// Capability builds one capability (code, length, value).
func Capability(code uint8, v []byte) []byte { return append([]byte{code, uint8(len(v))}, v...) }

func CapMP(afi uint16, safi uint8) []byte {
	return Capability(1, append(u16(nil, afi), 0, safi))
}

func CapAS4(as uint32) []byte { return Capability(65, u32(nil, as)) }

// CapAddPath builds an ADD-PATH capability with one entry per family.
func CapAddPath(entries ...AddPathEntry) []byte {
	var v []byte
	for _, e := range entries {
		v = u16(v, e.AFI)
		v = append(v, e.SAFI, e.Mode)
	}
	return Capability(69, v)
}

type AddPathEntry struct {
	AFI  uint16
	SAFI uint8
	Mode uint8
}

// Open builds an OPEN with all capabilities in one optional parameter.
func Open(as uint16, holdTime uint16, id netip.Addr, caps ...[]byte) []byte {
	var cv []byte
	for _, c := range caps {
		cv = append(cv, c...)
	}
	body := []byte{4}
	body = u16(body, as)
	body = u16(body, holdTime)
	v4 := id.As4()
	body = append(body, v4[:]...)
	if len(cv) == 0 {
		return BGP(1, append(body, 0))
	}
	param := append([]byte{2, uint8(len(cv))}, cv...)
	body = append(body, uint8(len(param)))
	return BGP(1, body, param)
}

// Notification builds a NOTIFICATION.
func Notification(code, sub uint8, data []byte) []byte { return BGP(3, []byte{code, sub}, data) }

// Prefixes encodes IP prefixes as NLRI, with a path identifier before each when ids is
// non-nil (RFC 7911).
func Prefixes(ps []netip.Prefix, ids []uint32) []byte {
	var b []byte
	for i, p := range ps {
		if ids != nil {
			b = u32(b, ids[i])
		}
		bits := p.Bits()
		b = append(b, uint8(bits))
		raw := p.Addr().AsSlice()
		b = append(b, raw[:(bits+7)/8]...)
	}
	return b
}

// Update builds an UPDATE from encoded withdrawn routes, attributes and NLRI.
func Update(withdrawn, attrs, nlri []byte) []byte {
	body := u16(nil, uint16(len(withdrawn)))
	body = append(body, withdrawn...)
	body = u16(body, uint16(len(attrs)))
	body = append(body, attrs...)
	body = append(body, nlri...)
	return BGP(2, body)
}

// Attr builds a path attribute, using the extended length when needed.
func Attr(flags, typ uint8, v []byte) []byte {
	if len(v) > 255 {
		b := []byte{flags | 0x10, typ}
		b = u16(b, uint16(len(v)))
		return append(b, v...)
	}
	return append([]byte{flags, typ, uint8(len(v))}, v...)
}

const (
	wellKnown = 0x40 // transitive
	optional  = 0x80
	optTrans  = 0xc0
)

func Origin(o uint8) []byte { return Attr(wellKnown, 1, []byte{o}) }

// ASPath builds an AS_PATH of one AS_SEQUENCE with 4-byte ASNs (as4) or 2-byte ones.
func ASPath(as4 bool, asns ...uint32) []byte { return ASPathSegments(as4, Segment{2, asns}) }

type Segment struct {
	Type uint8
	ASNs []uint32
}

// ASPathSegments builds an AS_PATH with the given segments.
func ASPathSegments(as4 bool, segs ...Segment) []byte {
	var v []byte
	for _, s := range segs {
		v = append(v, s.Type, uint8(len(s.ASNs)))
		for _, a := range s.ASNs {
			if as4 {
				v = u32(v, a)
			} else {
				v = u16(v, uint16(a))
			}
		}
	}
	return Attr(wellKnown, 2, v)
}

func NextHop(a netip.Addr) []byte { v := a.As4(); return Attr(wellKnown, 3, v[:]) }
func MED(v uint32) []byte         { return Attr(optional, 4, u32(nil, v)) }
func LocalPref(v uint32) []byte   { return Attr(wellKnown, 5, u32(nil, v)) }
func Communities(cs ...uint32) []byte {
	var v []byte
	for _, c := range cs {
		v = u32(v, c)
	}
	return Attr(optTrans, 8, v)
}

func LargeCommunities(cs ...[3]uint32) []byte {
	var v []byte
	for _, c := range cs {
		v = u32(u32(u32(v, c[0]), c[1]), c[2])
	}
	return Attr(optTrans, 32, v)
}

// MPReach builds MP_REACH_NLRI with one or two next hops and encoded NLRI.
func MPReach(afi uint16, safi uint8, nhs []netip.Addr, nlri []byte) []byte {
	var nh []byte
	for _, a := range nhs {
		nh = append(nh, a.AsSlice()...)
	}
	v := u16(nil, afi)
	v = append(v, safi, uint8(len(nh)))
	v = append(v, nh...)
	v = append(v, 0)
	v = append(v, nlri...)
	return Attr(optional, 14, v)
}

// MPUnreach builds MP_UNREACH_NLRI.
func MPUnreach(afi uint16, safi uint8, nlri []byte) []byte {
	v := u16(nil, afi)
	v = append(v, safi)
	return Attr(optional, 15, append(v, nlri...))
}

// Cat concatenates byte slices.
func Cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
