package bgp

import (
	"encoding/binary"
	"net/netip"
)

// Prefix and SRv6 SID attribute TLVs of the BGP-LS Attribute, and the decoders of the
// TLVs with an inner layout (SR ranges, SIDs, End.X SIDs, flexible algorithm definitions,
// application-specific link attributes).

// decodePrefixTLV decodes the prefix and SRv6 SID attribute TLVs; other types are kept
// in Unknown.
func (a *LSAttr) decodePrefixTLV(typ uint16, v []byte, off int) error {
	exact := func(n int) error {
		if len(v) != n {
			return attrLen(off, typ, len(v), itoa(n))
		}
		return nil
	}
	switch typ {
	case LSAttrIGPFlags:
		if err := exact(1); err != nil {
			return err
		}
		if a.HasIGPFlags {
			return errRepeated
		}
		a.IGPFlags, a.HasIGPFlags = v[0], true
	case LSAttrRouteTag:
		l, err := u32List(v, off, typ)
		if err != nil {
			return err
		}
		a.RouteTags = append(a.RouteTags, l...)
	case LSAttrExtRouteTag:
		if len(v) == 0 || len(v)%8 != 0 {
			return attrLen(off, typ, len(v), "a non-zero multiple of 8")
		}
		for i := 0; i < len(v); i += 8 {
			a.ExtRouteTags = append(a.ExtRouteTags, binary.BigEndian.Uint64(v[i:]))
		}
	case LSAttrPrefixMetric:
		if err := exact(4); err != nil {
			return err
		}
		if a.HasPrefixMetric {
			return errRepeated
		}
		a.PrefixMetric, a.HasPrefixMetric = binary.BigEndian.Uint32(v), true
	case LSAttrOSPFFwdAddr, LSAttrSourceRouterID:
		var ip netip.Addr
		switch len(v) {
		case 4:
			ip = netip.AddrFrom4([4]byte(v))
		case 16:
			ip = netip.AddrFrom16([16]byte(v))
		default:
			return attrLen(off, typ, len(v), "4 or 16")
		}
		dst := &a.OSPFFwdAddr
		if typ == LSAttrSourceRouterID {
			dst = &a.SourceRouterID
		}
		if dst.IsValid() {
			return errRepeated
		}
		*dst = ip
	case LSAttrOpaquePrefix:
		a.OpaquePrefix = append(a.OpaquePrefix, v)
	case LSAttrPrefixSID:
		sid, ok := sidLabel(v[min(len(v), 4):])
		if len(v) < 4 || !ok {
			return attrLen(off, typ, len(v), "7 or 8")
		}
		a.PrefixSIDs = append(a.PrefixSIDs, LSPrefixSID{Flags: v[0], Algorithm: v[1], SID: sid})
	case LSAttrPrefixAttrFlags:
		if len(v) == 0 {
			return attrLen(off, typ, 0, "at least 1")
		}
		if a.PrefixAttrFlags != nil {
			return errRepeated
		}
		a.PrefixAttrFlags = v
	case LSAttrSRv6Locator:
		if len(v) < 8 {
			return attrLen(off, typ, len(v), "at least 8")
		}
		if a.SRv6Locator != nil {
			return errRepeated
		}
		loc := &LSSRv6Locator{Flags: v[0], Algorithm: v[1], Metric: binary.BigEndian.Uint32(v[4:])}
		subs, err := rawSubTLVs(v[8:], off+lsTLVHdrLen+8)
		if err != nil {
			return err
		}
		loc.SubTLVs = subs
		a.SRv6Locator = loc
	case LSAttrSRv6Endpoint:
		if err := exact(4); err != nil {
			return err
		}
		if a.SRv6Endpoint != nil {
			return errRepeated
		}
		a.SRv6Endpoint = &LSSRv6Endpoint{Behavior: binary.BigEndian.Uint16(v), Flags: v[2], Algorithm: v[3]}
	case LSAttrSRv6PeerNodeSID:
		if err := exact(12); err != nil {
			return err
		}
		if a.SRv6PeerNodeSID != nil {
			return errRepeated
		}
		a.SRv6PeerNodeSID = &LSSRv6PeerNodeSID{Flags: v[0], Weight: v[1], PeerAS: binary.BigEndian.Uint32(v[4:]),
			PeerBGPID: netip.AddrFrom4([4]byte(v[8:]))}
	case LSAttrSRv6SIDStructure:
		if err := exact(4); err != nil {
			return err
		}
		if a.SRv6SIDStructure != nil {
			return errRepeated
		}
		a.SRv6SIDStructure = &LSSRv6SIDStructure{v[0], v[1], v[2], v[3]}
	default:
		a.Unknown = append(a.Unknown, LSTLV{typ, v})
	}
	return nil
}

// rawSubTLVs splits v (found at offset base) into TLVs, kept raw.
func rawSubTLVs(v []byte, base int) ([]LSTLV, error) {
	var out []LSTLV
	it := lsTLVIter{b: v}
	for {
		typ, val, _, ok, err := it.next()
		if err != nil {
			return nil, withBase(err, base)
		}
		if !ok {
			return out, nil
		}
		out = append(out, LSTLV{typ, val})
	}
}

// srBlock decodes an SR Capabilities (1034) or SR Local Block (1036) value: flags (1),
// reserved (1), then ranges of range size (3) and a SID/Label sub-TLV (1161, 3 or 4
// bytes), RFC 9085 sections 2.1.2 and 2.1.4.
func srBlock(v []byte, off int, typ uint16) (*LSSRBlock, error) {
	if len(v) < 2 {
		return nil, attrLen(off, typ, len(v), "at least 2")
	}
	b := &LSSRBlock{Flags: v[0]}
	for p := 2; p < len(v); {
		if len(v)-p < 3+lsTLVHdrLen {
			return nil, errorf(off+lsTLVHdrLen+p, "BGP-LS Attribute TLV %d: range needs a 3-byte size and a SID/Label sub-TLV, have %d bytes", typ, len(v)-p)
		}
		size := uint32(v[p])<<16 | uint32(v[p+1])<<8 | uint32(v[p+2])
		st, sl := binary.BigEndian.Uint16(v[p+3:]), int(binary.BigEndian.Uint16(v[p+5:]))
		s := p + 3 + lsTLVHdrLen
		if st != LSAttrSIDLabel {
			return nil, errorf(off+lsTLVHdrLen+p+3, "BGP-LS Attribute TLV %d: range sub-TLV %d, expected SID/Label (1161)", typ, st)
		}
		if sl > len(v)-s {
			return nil, errorf(off+lsTLVHdrLen+p+5, "BGP-LS Attribute TLV %d: SID/Label length %d exceeds the TLV (%d bytes left)", typ, sl, len(v)-s)
		}
		sid, ok := sidLabel(v[s : s+sl])
		if !ok {
			return nil, errorf(off+lsTLVHdrLen+p+5, "BGP-LS Attribute TLV %d: SID/Label length %d, expected 3 or 4", typ, sl)
		}
		b.Ranges = append(b.Ranges, LSSRRange{Size: size, First: sid})
		p = s + sl
	}
	return b, nil
}

// adjSID decodes an Adjacency SID (flags, weight, reserved (2), SID/label) or a LAN
// Adjacency SID (the same with the neighbor's OSPF router ID or IS-IS system ID before
// the SID), RFC 9085 sections 2.2.1 and 2.2.2.
func adjSID(v []byte, off int, typ uint16) (LSAdjSID, error) {
	var s LSAdjSID
	n := 0 // neighbor ID length
	if typ == LSAttrLANAdjSID {
		switch len(v) {
		case 11, 12:
			n = 4
		case 13, 14:
			n = 6
		default:
			return s, attrLen(off, typ, len(v), "11 or 12 (OSPF), 13 or 14 (IS-IS)")
		}
	}
	sid, ok := sidLabel(v[min(len(v), 4+n):])
	if len(v) < 4+n || !ok {
		return s, attrLen(off, typ, len(v), "7 or 8")
	}
	s = LSAdjSID{Flags: v[0], Weight: v[1], SID: sid}
	if n > 0 {
		s.NeighborID = v[4 : 4+n]
	}
	return s, nil
}

// srv6EndX decodes an SRv6 End.X SID (behavior (2), flags, algorithm, weight, reserved,
// [neighbor ID], SID (16), sub-TLVs), RFC 9514 section 4.
func srv6EndX(v []byte, off int, typ uint16) (LSSRv6EndX, error) {
	e := LSSRv6EndX{Type: typ}
	n := 0
	switch typ {
	case LSAttrSRv6LANEndXISIS:
		n = 6
	case LSAttrSRv6LANEndXOSPF:
		n = 4
	}
	fixed := 6 + n + 16
	if len(v) < fixed {
		return e, attrLen(off, typ, len(v), "at least "+itoa(fixed))
	}
	e.Behavior, e.Flags, e.Algorithm, e.Weight = binary.BigEndian.Uint16(v), v[2], v[3], v[4]
	if n > 0 {
		e.NeighborID = v[6 : 6+n]
	}
	e.SID = netip.AddrFrom16([16]byte(v[6+n:]))
	subs, err := rawSubTLVs(v[fixed:], off+lsTLVHdrLen+fixed)
	if err != nil {
		return e, err
	}
	for _, st := range subs {
		if st.Type == LSAttrSRv6SIDStructure && len(st.Value) == 4 && !e.HasStructure {
			e.Structure, e.HasStructure = LSSRv6SIDStructure{st.Value[0], st.Value[1], st.Value[2], st.Value[3]}, true
			continue
		}
		e.SubTLVs = append(e.SubTLVs, st)
	}
	return e, nil
}

// flexAlgoDef decodes a Flexible Algorithm Definition: algorithm, metric type,
// calculation type, priority, then sub-TLVs (RFC 9351 section 3).
func flexAlgoDef(v []byte, off int) (LSFlexAlgoDef, error) {
	var f LSFlexAlgoDef
	if len(v) < 4 {
		return f, attrLen(off, LSAttrFlexAlgoDef, len(v), "at least 4")
	}
	f = LSFlexAlgoDef{Algorithm: v[0], MetricType: v[1], CalcType: v[2], Priority: v[3]}
	base := off + lsTLVHdrLen + 4
	it := lsTLVIter{b: v[4:]}
	for {
		typ, val, soff, ok, err := it.next()
		if err != nil {
			return f, withBase(err, base)
		}
		if !ok {
			return f, nil
		}
		switch typ {
		case lsFADExcludeAny, lsFADIncludeAny, lsFADIncludeAll, lsFADExcludeSRLG:
			l, err := u32List(val, base+soff, typ)
			if err != nil {
				return f, err
			}
			switch typ {
			case lsFADExcludeAny:
				f.ExcludeAny = append(f.ExcludeAny, l...)
			case lsFADIncludeAny:
				f.IncludeAny = append(f.IncludeAny, l...)
			case lsFADIncludeAll:
				f.IncludeAll = append(f.IncludeAll, l...)
			default:
				f.ExcludeSRLG = append(f.ExcludeSRLG, l...)
			}
		case lsFADFlags:
			if len(val) == 0 {
				return f, attrLen(base+soff, typ, 0, "at least 1")
			}
			f.Flags = val
		default:
			f.SubTLVs = append(f.SubTLVs, LSTLV{typ, val})
		}
	}
}

// aslaTLV decodes an Application-Specific Link Attributes TLV: SABM length, UDABM length
// (0, 4 or 8 each), reserved (2), the two bit masks, then link attribute TLVs (RFC 9294
// section 2).
func aslaTLV(v []byte, off int) (LSASLA, error) {
	var s LSASLA
	if len(v) < 4 {
		return s, attrLen(off, LSAttrASLA, len(v), "at least 4")
	}
	sl, ul := int(v[0]), int(v[1])
	for i, l := range [2]int{sl, ul} {
		if l != 0 && l != 4 && l != 8 {
			return s, errorf(off+lsTLVHdrLen+i, "BGP-LS Attribute TLV 1122: bit mask length %d, expected 0, 4 or 8", l)
		}
	}
	if 4+sl+ul > len(v) {
		return s, attrLen(off, LSAttrASLA, len(v), "at least "+itoa(4+sl+ul)+" for its bit masks")
	}
	s.SABM, s.UDABM = v[4:4+sl], v[4+sl:4+sl+ul]
	s.Attrs = &LSAttr{}
	base := off + lsTLVHdrLen + 4 + sl + ul
	if err := s.Attrs.decode(v[4+sl+ul:], base, true); err != nil {
		return s, err
	}
	return s, nil
}
