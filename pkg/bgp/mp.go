package bgp

import (
	"encoding/binary"
	"net/netip"
)

// decodeMPReach decodes an MP_REACH_NLRI value (RFC 4760 section 3):
//
//	AFI (2) SAFI (1) next hop length (1) next hop (variable) reserved (1) NLRI (variable)
//
// off is the attribute's offset in the message, voff the value's.
func (u *Update) decodeMPReach(v []byte, off, voff int, opts *DecodeOptions) error {
	if len(v) < 5 {
		return errorf(off, "MP_REACH_NLRI: attribute length %d below the minimum 5", len(v))
	}
	f := Family{AFI: binary.BigEndian.Uint16(v), SAFI: v[2]}
	nhl := int(v[3])
	if nhl > len(v)-4 {
		return errorf(voff+3, "MP_REACH_NLRI: next hop length %d exceeds attribute (%d bytes left)", nhl, len(v)-4)
	}
	if nhl == len(v)-4 {
		return errorf(voff+3, "MP_REACH_NLRI: next hop length %d leaves no room for the reserved byte", nhl)
	}
	m := u.nextMPReach()
	m.Family = f
	m.RawNextHop = v[4 : 4+nhl : 4+nhl]
	m.NextHop = appendNextHops(m.NextHop, m.RawNextHop)
	nOff := 4 + nhl + 1
	m.NLRI = v[nOff:len(v):len(v)]
	addPath := opts.hasAddPath(f)
	k, ok := ipFamilyKind(f)
	if !ok {
		m.AddPath = addPath
		return nil
	}
	var err error
	m.Prefixes, m.AddPath, m.AddPathMismatch, err = u.ipSection(m.Prefixes, m.NLRI, voff+nOff, k, addPath, false, sectionCtx{"MP_REACH_NLRI", f, true})
	m.LabelQuirks = u.sectionLabelQuirks
	return err
}

// decodeMPUnreach decodes an MP_UNREACH_NLRI value (RFC 4760 section 4):
//
//	AFI (2) SAFI (1) withdrawn routes (variable)
func (u *Update) decodeMPUnreach(v []byte, off, voff int, opts *DecodeOptions) error {
	if len(v) < 3 {
		return errorf(off, "MP_UNREACH_NLRI: attribute length %d below the minimum 3", len(v))
	}
	f := Family{AFI: binary.BigEndian.Uint16(v), SAFI: v[2]}
	m := u.nextMPUnreach()
	m.Family = f
	m.NLRI = v[3:len(v):len(v)]
	addPath := opts.hasAddPath(f)
	k, ok := ipFamilyKind(f)
	if !ok {
		m.AddPath = addPath
		return nil
	}
	var err error
	m.Prefixes, m.AddPath, m.AddPathMismatch, err = u.ipSection(m.Prefixes, m.NLRI, voff+3, k, addPath, true, sectionCtx{"MP_UNREACH_NLRI", f, true})
	m.LabelQuirks = u.sectionLabelQuirks
	return err
}

// appendNextHops decodes an MP_REACH_NLRI next hop field by its length: 4 (IPv4), 16
// (IPv6), 32 (IPv6 global + link-local), and the VPN forms 12, 24 and 48 where each
// address follows an 8-byte route distinguisher (zero per RFC 4364 / RFC 4659), which is
// skipped. Other lengths (0 for some families, or anything unusual) yield no address;
// RawNextHop keeps the bytes in every case.
func appendNextHops(dst []netip.Addr, nh []byte) []netip.Addr {
	switch len(nh) {
	case 4:
		dst = append(dst, netip.AddrFrom4([4]byte(nh)))
	case 16:
		dst = append(dst, netip.AddrFrom16([16]byte(nh)))
	case 32:
		dst = append(dst, netip.AddrFrom16([16]byte(nh)), netip.AddrFrom16([16]byte(nh[16:])))
	case 12:
		dst = append(dst, netip.AddrFrom4([4]byte(nh[8:])))
	case 24:
		dst = append(dst, netip.AddrFrom16([16]byte(nh[8:])))
	case 48:
		dst = append(dst, netip.AddrFrom16([16]byte(nh[8:])), netip.AddrFrom16([16]byte(nh[32:])))
	}
	return dst
}
