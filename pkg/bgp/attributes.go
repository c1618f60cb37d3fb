package bgp

import (
	"encoding/binary"
	"net/netip"
	"strconv"
)

// Path attribute flag bits (RFC 4271 section 4.3).
const (
	AttrFlagOptional       uint8 = 0x80
	AttrFlagTransitive     uint8 = 0x40
	AttrFlagPartial        uint8 = 0x20
	AttrFlagExtendedLength uint8 = 0x10
)

// AttributeName returns the IANA name of a path attribute type ("AS_PATH"), or "" when
// this package does not know it.
func AttributeName(t uint8) string {
	switch t {
	case AttrOrigin:
		return "ORIGIN"
	case AttrASPath:
		return "AS_PATH"
	case AttrNextHop:
		return "NEXT_HOP"
	case AttrMED:
		return "MULTI_EXIT_DISC"
	case AttrLocalPref:
		return "LOCAL_PREF"
	case AttrAtomicAggregate:
		return "ATOMIC_AGGREGATE"
	case AttrAggregator:
		return "AGGREGATOR"
	case AttrCommunities:
		return "COMMUNITIES"
	case AttrOriginatorID:
		return "ORIGINATOR_ID"
	case AttrClusterList:
		return "CLUSTER_LIST"
	case AttrMPReach:
		return "MP_REACH_NLRI"
	case AttrMPUnreach:
		return "MP_UNREACH_NLRI"
	case AttrExtCommunities:
		return "EXTENDED COMMUNITIES"
	case AttrAS4Path:
		return "AS4_PATH"
	case AttrAS4Aggregator:
		return "AS4_AGGREGATOR"
	case AttrPMSITunnel:
		return "PMSI_TUNNEL"
	case AttrTunnelEncap:
		return "Tunnel Encapsulation"
	case AttrIPv6ExtCommunity:
		return "IPv6 Address Specific Extended Community"
	case AttrAIGP:
		return "AIGP"
	case AttrBGPLS:
		return "BGP-LS Attribute"
	case AttrLargeCommunity:
		return "LARGE_COMMUNITY"
	case AttrOTC:
		return "OTC"
	case AttrPrefixSID:
		return "BGP Prefix-SID"
	case AttrAttrSet:
		return "ATTR_SET"
	}
	return ""
}

func attrLabel(t uint8) string {
	if n := AttributeName(t); n != "" {
		return n
	}
	return "attribute type " + strconv.Itoa(int(t))
}

// attrCategory returns the expected optional/transitive bits of the attributes this
// package decodes (RFC 7606 section 3(c)), and false for the others.
func attrCategory(t uint8) (uint8, bool) {
	switch t {
	case AttrOrigin, AttrASPath, AttrNextHop, AttrLocalPref, AttrAtomicAggregate:
		return AttrFlagTransitive, true // well-known
	case AttrAggregator, AttrCommunities, AttrExtCommunities, AttrAS4Path, AttrAS4Aggregator,
		AttrLargeCommunity, AttrOTC:
		return AttrFlagOptional | AttrFlagTransitive, true
	case AttrMED, AttrOriginatorID, AttrClusterList, AttrMPReach, AttrMPUnreach:
		return AttrFlagOptional, true
	}
	return 0, false
}

func categoryName(bits uint8) string {
	switch bits {
	case AttrFlagTransitive:
		return "well-known"
	case AttrFlagOptional | AttrFlagTransitive:
		return "optional transitive"
	case AttrFlagOptional:
		return "optional non-transitive"
	}
	return "well-known with the transitive bit clear"
}

// reset empties a for a new decode, keeping the capacity of every slice.
func (a *Attributes) reset() {
	as4 := a.as4Spare
	if cap(a.AS4Path) > cap(as4) {
		as4 = a.AS4Path
	}
	*a = Attributes{
		ASPath:           a.ASPath[:0],
		Communities:      a.Communities[:0],
		ClusterList:      a.ClusterList[:0],
		ExtCommunities:   a.ExtCommunities[:0],
		LargeCommunities: a.LargeCommunities[:0],
		Unknown:          a.Unknown[:0],
		Duplicates:       a.Duplicates[:0],
		asnBuf:           a.asnBuf[:0],
		as4Spare:         as4[:0],
		mergeSpare:       a.mergeSpare[:0],

		IPv6ExtCommunities: a.IPv6ExtCommunities[:0],
		Malformed:          a.Malformed[:0],
		tlv:                a.tlv,
	}
}

// attrSet is a set of attribute type codes.
type attrSet [4]uint64

func (s *attrSet) testAndSet(t uint8) bool {
	w, b := t>>6, uint64(1)<<(t&63)
	seen := s[w]&b != 0
	s[w] |= b
	return seen
}

// parseAttributes decodes the path attribute block attrs, found at offset base of msg.
// It returns the number of attributes.
func (u *Update) parseAttributes(msg []byte, base int, attrs []byte, opts *DecodeOptions) (int, error) {
	a := &u.Attrs
	a.Raw = attrs
	var seen attrSet
	count := 0
	pos := 0
	for pos < len(attrs) {
		off := base + pos
		left := len(attrs) - pos
		if left < 3 {
			return count, errorf(off, "path attribute header: need at least 3 bytes, have %d", left)
		}
		flags, typ := attrs[pos], attrs[pos+1]
		hdr, l := 3, int(attrs[pos+2])
		if flags&AttrFlagExtendedLength != 0 {
			if left < 4 {
				return count, errorf(off, "%s: extended-length attribute header needs 4 bytes, have %d", attrLabel(typ), left)
			}
			hdr, l = 4, int(binary.BigEndian.Uint16(attrs[pos+2:]))
		}
		if l > left-hdr {
			return count, errorf(off, "%s: attribute length %d exceeds the path attributes (%d bytes left)", attrLabel(typ), l, left-hdr)
		}
		vpos := pos + hdr
		v := attrs[vpos : vpos+l : vpos+l]
		pos = vpos + l
		count++
		if typ != AttrMPReach && typ != AttrMPUnreach && seen.testAndSet(typ) {
			a.Duplicates = append(a.Duplicates, RawAttribute{Flags: flags, Type: typ, Value: v})
			continue
		}
		if want, known := attrCategory(typ); known {
			if got := flags & (AttrFlagOptional | AttrFlagTransitive); got != want {
				return count, errorf(off, "%s: attribute flags 0x%02x mark it %s, expected %s", attrLabel(typ), flags, categoryName(got), categoryName(want))
			}
		}
		if err := u.decodeAttribute(flags, typ, v, off, base+vpos, opts); err != nil {
			return count, err
		}
	}
	return count, nil
}

// decodeAttribute decodes one attribute value v. off is the attribute's offset in the
// message (its flags byte), voff the value's.
func (u *Update) decodeAttribute(flags, typ uint8, v []byte, off, voff int, opts *DecodeOptions) error {
	a := &u.Attrs
	as4 := opts != nil && opts.AS4
	switch typ {
	case AttrOrigin:
		if len(v) != 1 {
			return lengthError(off, typ, len(v), "1")
		}
		a.Origin, a.HasOrigin = v[0], true
	case AttrASPath:
		size := 2
		if as4 {
			size = 4
		}
		segs, err := a.decodeASPath(a.ASPath[:0], v, size, voff, typ)
		if err != nil {
			// A speaker that encodes the other width (an old FRR bug): accept the path when
			// it decodes cleanly and completely that way, and flag it.
			other, err2 := a.decodeASPath(a.ASPath[:0], v, 6-size, voff, typ)
			if err2 != nil {
				return err
			}
			segs, a.ASWidthMismatch = other, true
		}
		a.ASPath, a.HasASPath = segs, true
	case AttrNextHop:
		if len(v) != 4 {
			return lengthError(off, typ, len(v), "4")
		}
		a.NextHop = netip.AddrFrom4([4]byte(v))
	case AttrMED:
		if len(v) != 4 {
			return lengthError(off, typ, len(v), "4")
		}
		a.MED, a.HasMED = binary.BigEndian.Uint32(v), true
	case AttrLocalPref:
		if len(v) != 4 {
			return lengthError(off, typ, len(v), "4")
		}
		a.LocalPref, a.HasLocalPref = binary.BigEndian.Uint32(v), true
	case AttrAtomicAggregate:
		if len(v) != 0 {
			return lengthError(off, typ, len(v), "0")
		}
		a.AtomicAggregate = true
	case AttrAggregator:
		// The length tells the width (8: 4-octet AS, 6: 2-octet); the other width than the
		// session's is accepted and flagged like AS_PATH's.
		switch len(v) {
		case 8:
			a.aggStore = Aggregator{AS: binary.BigEndian.Uint32(v), Address: netip.AddrFrom4([4]byte(v[4:]))}
		case 6:
			a.aggStore = Aggregator{AS: uint32(binary.BigEndian.Uint16(v)), Address: netip.AddrFrom4([4]byte(v[2:]))}
		default:
			if as4 {
				return lengthError(off, typ, len(v), "8 (4-octet AS session)")
			}
			return lengthError(off, typ, len(v), "6 (2-octet AS session)")
		}
		if (len(v) == 8) != as4 {
			a.ASWidthMismatch = true
		}
		a.Aggregator = &a.aggStore
	case AttrCommunities:
		if len(v) == 0 || len(v)%4 != 0 {
			return lengthError(off, typ, len(v), "a non-zero multiple of 4")
		}
		for i := 0; i < len(v); i += 4 {
			a.Communities = append(a.Communities, binary.BigEndian.Uint32(v[i:]))
		}
	case AttrOriginatorID:
		if len(v) != 4 {
			return lengthError(off, typ, len(v), "4")
		}
		a.OriginatorID = netip.AddrFrom4([4]byte(v))
	case AttrClusterList:
		if len(v) == 0 || len(v)%4 != 0 {
			return lengthError(off, typ, len(v), "a non-zero multiple of 4")
		}
		for i := 0; i < len(v); i += 4 {
			a.ClusterList = append(a.ClusterList, netip.AddrFrom4([4]byte(v[i:])))
		}
	case AttrMPReach:
		return u.decodeMPReach(v, off, voff, opts)
	case AttrMPUnreach:
		return u.decodeMPUnreach(v, off, voff, opts)
	case AttrExtCommunities:
		if len(v) == 0 || len(v)%8 != 0 {
			return lengthError(off, typ, len(v), "a non-zero multiple of 8")
		}
		for i := 0; i < len(v); i += 8 {
			a.ExtCommunities = append(a.ExtCommunities, [8]byte(v[i:]))
		}
	case AttrAS4Path:
		segs, err := a.decodeASPath(a.as4Spare[:0], v, 4, voff, typ)
		if err != nil {
			return err
		}
		a.AS4Path = segs
	case AttrAS4Aggregator:
		if len(v) != 8 {
			return lengthError(off, typ, len(v), "8")
		}
		a.as4AggStore = Aggregator{AS: binary.BigEndian.Uint32(v), Address: netip.AddrFrom4([4]byte(v[4:]))}
		a.AS4Aggregator = &a.as4AggStore
	case AttrLargeCommunity:
		if len(v) == 0 || len(v)%12 != 0 {
			return lengthError(off, typ, len(v), "a non-zero multiple of 12")
		}
		for i := 0; i < len(v); i += 12 {
			a.LargeCommunities = append(a.LargeCommunities, LargeCommunity{
				Global: binary.BigEndian.Uint32(v[i:]),
				Local1: binary.BigEndian.Uint32(v[i+4:]),
				Local2: binary.BigEndian.Uint32(v[i+8:]),
			})
		}
	case AttrOTC:
		if len(v) != 4 {
			return lengthError(off, typ, len(v), "4")
		}
		a.OTC, a.HasOTC = binary.BigEndian.Uint32(v), true
	case AttrIPv6ExtCommunity:
		return a.decodeIPv6ExtCommunities(v, off)
	case AttrPMSITunnel, AttrAIGP, AttrPrefixSID:
		a.decodeTLVAttribute(flags, typ, v, voff)
	default:
		a.Unknown = append(a.Unknown, RawAttribute{Flags: flags, Type: typ, Value: v})
	}
	return nil
}

func lengthError(off int, typ uint8, got int, want string) error {
	return errorf(off, "%s: attribute length %d, expected %s", attrLabel(typ), got, want)
}
