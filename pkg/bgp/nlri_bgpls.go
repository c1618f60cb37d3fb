package bgp

import (
	"encoding/binary"
	"net/netip"
)

// BGP-LS NLRI (AFI 16388; SAFI 71, and SAFI 72 for BGP-LS-VPN), RFC 9552 section 5.2, with
// the SRv6 SID NLRI of RFC 9514 and the BGP (EPE) node descriptors of RFC 9086:
//
//	[path identifier (4 bytes), when ADD-PATH applies]
//	NLRI type (2) | total NLRI length (2, counts the RD and the rest)
//	[route distinguisher (8), SAFI 72 only]
//	protocol ID (1) | identifier (8)
//	TLVs: local node descriptors (256), then per NLRI type the remote node descriptors
//	(257, link), link descriptors (258-263), prefix descriptors (263-265) or SRv6 SID
//	descriptors (518, 263).
//
// Every TLV is type (2) | length (2) | value. TLVs this package does not know are kept
// (type and raw value) in the Unknown list of the structure they appear in; a known TLV
// that repeats is kept there too (the first occurrence is decoded).

// BGP-LS NLRI types.
const (
	LSNLRINode       uint16 = 1
	LSNLRILink       uint16 = 2
	LSNLRIIPv4Prefix uint16 = 3
	LSNLRIIPv6Prefix uint16 = 4
	// LSNLRITEPolicy is the SR Policy candidate path NLRI ("TE Policy"): only its header
	// and head-end node descriptors are decoded, the rest is kept raw.
	LSNLRITEPolicy uint16 = 5
	LSNLRISRv6SID  uint16 = 6
)

// BGP-LS protocol IDs (RFC 9552 section 5.2, RFC 9086, SR Policy).
const (
	LSProtoISISL1 uint8 = 1
	LSProtoISISL2 uint8 = 2
	LSProtoOSPFv2 uint8 = 3
	LSProtoDirect uint8 = 4
	LSProtoStatic uint8 = 5
	LSProtoOSPFv3 uint8 = 6
	LSProtoBGP    uint8 = 7
	LSProtoRSVPTE uint8 = 8
	LSProtoSR     uint8 = 9
)

// LSProtocolName returns goBMP's text for a protocol ID ("IS-IS Level 2"), or "Unknown".
func LSProtocolName(id uint8) string {
	switch id {
	case LSProtoISISL1:
		return "IS-IS Level 1"
	case LSProtoISISL2:
		return "IS-IS Level 2"
	case LSProtoOSPFv2:
		return "OSPFv2"
	case LSProtoDirect:
		return "Direct"
	case LSProtoStatic:
		return "Static configuration"
	case LSProtoOSPFv3:
		return "OSPFv3"
	case LSProtoBGP:
		return "BGP"
	case LSProtoRSVPTE:
		return "RSVP-TE"
	case LSProtoSR:
		return "Segment Routing"
	}
	return "Unknown"
}

// Descriptor TLV types.
const (
	lsLocalNode   uint16 = 256
	lsRemoteNode  uint16 = 257
	lsLinkIDs     uint16 = 258
	lsIPv4Intf    uint16 = 259
	lsIPv4Neigh   uint16 = 260
	lsIPv6Intf    uint16 = 261
	lsIPv6Neigh   uint16 = 262
	lsMTID        uint16 = 263
	lsOSPFRoute   uint16 = 264
	lsIPReach     uint16 = 265
	lsASN         uint16 = 512
	lsBGPLSID     uint16 = 513
	lsOSPFArea    uint16 = 514
	lsIGPRouterID uint16 = 515
	lsBGPRouterID uint16 = 516
	lsMemberASN   uint16 = 517
	lsSRv6SIDInfo uint16 = 518
	lsNLRIHdrLen         = 4
	lsBodyHdrLen         = 9 // protocol ID + identifier
	lsTLVHdrLen          = 4
	lsRDLen              = 8
	lsPathIDLen          = 4
	lsSRv6SIDLen         = 16
)

// LSTLV is a TLV kept as received.
type LSTLV struct {
	Type  uint16
	Value []byte
}

// LSMultiTopology is the raw value of a Multi-Topology Identifier TLV (263): 2-byte
// entries, the MT-ID in the low 12 bits (RFC 9552 section 5.2.2.1).
type LSMultiTopology []byte

// Len returns the number of entries.
func (m LSMultiTopology) Len() int { return len(m) / 2 }

// At returns entry i as sent (flag bits included).
func (m LSMultiTopology) At(i int) uint16 { return binary.BigEndian.Uint16(m[2*i:]) }

// LSNodeDescriptor is a Local (256) or Remote (257) Node Descriptors TLV.
type LSNodeDescriptor struct {
	// Raw is the TLV value as received: the sub-TLVs.
	Raw           []byte
	ASN           uint32 // 512
	HasASN        bool
	BGPLSID       uint32 // 513
	HasBGPLSID    bool
	OSPFAreaID    uint32 // 514
	HasOSPFAreaID bool
	// IGPRouterID (515) is 4 bytes (OSPF router ID), 6 (IS-IS system ID), 7 (IS-IS
	// pseudonode: system ID + PSN) or 8 (OSPF pseudonode: DR router ID + interface
	// address or ID); nil when absent.
	IGPRouterID  []byte
	BGPRouterID  netip.Addr // 516 (RFC 9086)
	MemberASN    uint32     // 517 (RFC 9086)
	HasMemberASN bool
	Unknown      []LSTLV
}

// LSLinkDescriptor holds the link descriptor TLVs of a link NLRI.
type LSLinkDescriptor struct {
	LocalLinkID, RemoteLinkID uint32 // 258
	HasLinkIDs                bool
	IPv4Interface             netip.Addr // 259
	IPv4Neighbor              netip.Addr // 260
	IPv6Interface             netip.Addr // 261
	IPv6Neighbor              netip.Addr // 262
	MTID                      LSMultiTopology
	Unknown                   []LSTLV
}

// LSPrefixDescriptor holds the prefix descriptor TLVs of an IPv4 or IPv6 prefix NLRI.
type LSPrefixDescriptor struct {
	MTID             LSMultiTopology // 263
	OSPFRouteType    uint8           // 264
	HasOSPFRouteType bool
	Prefix           netip.Prefix // 265 (host bits cleared)
	Unknown          []LSTLV
}

// LSSRv6SIDDescriptor holds the SRv6 SID descriptor TLVs of an SRv6 SID NLRI.
type LSSRv6SIDDescriptor struct {
	SID     netip.Addr      // 518
	MTID    LSMultiTopology // 263
	Unknown []LSTLV
}

// LSRoute is one BGP-LS NLRI. Slices alias the input.
type LSRoute struct {
	Type      uint16
	PathID    uint32
	HasPathID bool
	RD        [8]byte
	HasRD     bool
	// Protocol and Identifier are not set for NLRI types this package does not decode.
	Protocol   uint8
	Identifier uint64
	// Key is the NLRI after the route distinguisher (protocol ID, identifier, TLVs), as
	// received: what identifies the route.
	Key []byte
	// Raw is the whole NLRI (type, length, RD, body), without the path identifier.
	Raw    []byte
	Local  LSNodeDescriptor
	Remote LSNodeDescriptor // link NLRI
	Link   LSLinkDescriptor
	Prefix LSPrefixDescriptor
	SRv6   LSSRv6SIDDescriptor
	// Rest is the part of a TE Policy NLRI after the head-end node descriptors.
	Rest []byte
	// Unknown holds TLVs after the local node descriptors of a node NLRI.
	Unknown []LSTLV
}

// Decoded reports whether the NLRI type is one this package decodes (node, link, IPv4
// and IPv6 prefix, SRv6 SID; TE Policy only partly).
func (r *LSRoute) Decoded() bool { return r.Type >= LSNLRINode && r.Type <= LSNLRISRv6SID }

func (r *LSRoute) reset() {
	lu, ru, ku, pu, su, u := r.Local.Unknown[:0], r.Remote.Unknown[:0], r.Link.Unknown[:0], r.Prefix.Unknown[:0], r.SRv6.Unknown[:0], r.Unknown[:0]
	*r = LSRoute{}
	r.Local.Unknown, r.Remote.Unknown, r.Link.Unknown, r.Prefix.Unknown, r.SRv6.Unknown, r.Unknown = lu, ru, ku, pu, su, u
}

// DecodeBGPLS decodes the NLRI of one MP_REACH_NLRI or MP_UNREACH_NLRI of AFI 16388,
// appending to dst[:0]. vpn selects the SAFI 72 encoding (a route distinguisher before
// the protocol ID), addPath a 4-byte path identifier before each NLRI. Error offsets are
// relative to the start of b. NLRI types other than 1-6 are returned with only Type,
// Key and Raw set.
func DecodeBGPLS(b []byte, addPath, vpn bool, dst []LSRoute) ([]LSRoute, error) {
	dst = dst[:0]
	for pos := 0; pos < len(b); {
		if len(dst) < cap(dst) {
			dst = dst[:len(dst)+1]
		} else {
			dst = append(dst, LSRoute{})
		}
		r := &dst[len(dst)-1]
		r.reset()
		if addPath {
			if len(b)-pos < lsPathIDLen {
				return dst, errorf(pos, "BGP-LS NLRI: truncated path identifier: need 4 bytes, have %d", len(b)-pos)
			}
			r.PathID, r.HasPathID = binary.BigEndian.Uint32(b[pos:]), true
			pos += lsPathIDLen
		}
		if len(b)-pos < lsNLRIHdrLen {
			return dst, errorf(pos, "BGP-LS NLRI: header needs 4 bytes, have %d", len(b)-pos)
		}
		r.Type = binary.BigEndian.Uint16(b[pos:])
		l := int(binary.BigEndian.Uint16(b[pos+2:]))
		if l > len(b)-pos-lsNLRIHdrLen {
			return dst, errorf(pos+2, "BGP-LS NLRI type %d: length %d exceeds the NLRI (%d bytes left)", r.Type, l, len(b)-pos-lsNLRIHdrLen)
		}
		end := pos + lsNLRIHdrLen + l
		r.Raw = b[pos:end:end]
		body := pos + lsNLRIHdrLen
		if vpn {
			if l < lsRDLen {
				return dst, errorf(pos+2, "BGP-LS-VPN NLRI type %d: length %d leaves no room for the 8-byte route distinguisher", r.Type, l)
			}
			r.RD, r.HasRD = [8]byte(b[body:]), true
			body += lsRDLen
		}
		r.Key = b[body:end:end]
		if err := r.decodeBody(b, body, end); err != nil {
			return dst, err
		}
		pos = end
	}
	return dst, nil
}

// decodeBody decodes b[start:end], the NLRI after the RD.
func (r *LSRoute) decodeBody(b []byte, start, end int) error {
	if !r.Decoded() {
		return nil
	}
	if end-start < lsBodyHdrLen {
		return errorf(start, "BGP-LS NLRI type %d: protocol ID and identifier need 9 bytes, have %d", r.Type, end-start)
	}
	r.Protocol = b[start]
	r.Identifier = binary.BigEndian.Uint64(b[start+1:])
	it := lsTLVIter{b: b[:end], pos: start + lsBodyHdrLen}
	typ, v, off, ok, err := it.next()
	if err != nil {
		return err
	}
	if !ok || typ != lsLocalNode {
		return errorf(off, "BGP-LS NLRI type %d: expected the Local Node Descriptors TLV (256)%s", r.Type, foundTLV(ok, typ))
	}
	if err := r.Local.decode(v, off+lsTLVHdrLen); err != nil {
		return err
	}
	switch r.Type {
	case LSNLRINode:
		return r.decodeRest(&it, &r.Unknown)
	case LSNLRILink:
		typ, v, off, ok, err = it.next()
		if err != nil {
			return err
		}
		if !ok || typ != lsRemoteNode {
			return errorf(off, "BGP-LS link NLRI: expected the Remote Node Descriptors TLV (257)%s", foundTLV(ok, typ))
		}
		if err := r.Remote.decode(v, off+lsTLVHdrLen); err != nil {
			return err
		}
		return r.Link.decode(&it)
	case LSNLRIIPv4Prefix, LSNLRIIPv6Prefix:
		return r.Prefix.decode(&it, r.Type == LSNLRIIPv6Prefix)
	case LSNLRISRv6SID:
		return r.SRv6.decode(&it)
	case LSNLRITEPolicy:
		r.Rest = b[it.pos:end:end]
	}
	return nil
}

func foundTLV(ok bool, typ uint16) string {
	if !ok {
		return ", found the end of the NLRI"
	}
	return ", found TLV " + itoa(int(typ))
}

// lsTLVIter walks TLVs in b from pos; offsets are indexes into b.
type lsTLVIter struct {
	b   []byte
	pos int
}

// next returns the next TLV (its offset is the type field's), ok false at the end.
func (it *lsTLVIter) next() (typ uint16, v []byte, off int, ok bool, err error) {
	off = it.pos
	left := len(it.b) - it.pos
	if left == 0 {
		return 0, nil, off, false, nil
	}
	if left < lsTLVHdrLen {
		return 0, nil, off, false, errorf(off, "BGP-LS TLV header needs 4 bytes, have %d", left)
	}
	typ = binary.BigEndian.Uint16(it.b[off:])
	l := int(binary.BigEndian.Uint16(it.b[off+2:]))
	if l > left-lsTLVHdrLen {
		return typ, nil, off, false, errorf(off+2, "BGP-LS TLV %d: length %d exceeds its container (%d bytes left)", typ, l, left-lsTLVHdrLen)
	}
	s := off + lsTLVHdrLen
	it.pos = s + l
	return typ, it.b[s:it.pos:it.pos], off, true, nil
}

// decodeRest keeps every remaining TLV as unknown.
func (r *LSRoute) decodeRest(it *lsTLVIter, unknown *[]LSTLV) error {
	for {
		typ, v, _, ok, err := it.next()
		if err != nil || !ok {
			return err
		}
		*unknown = append(*unknown, LSTLV{typ, v})
	}
}

// seenSet marks TLV types already decoded in one container (descriptor TLVs only, all
// within 256-575).
type seenSet [5]uint64

func (s *seenSet) first(t uint16) bool {
	i := int(t) - 256
	if i < 0 || i >= 64*len(s) {
		return true
	}
	w, bit := i/64, uint64(1)<<(i%64)
	if s[w]&bit != 0 {
		return false
	}
	s[w] |= bit
	return true
}

func lenErr(off int, where string, typ uint16, got int, want string) error {
	return errorf(off+2, "BGP-LS %s TLV %d: length %d, expected %s", where, typ, got, want)
}

// decode decodes the value v of a node descriptors TLV found at offset base.
func (d *LSNodeDescriptor) decode(v []byte, base int) error {
	d.Raw = v
	it := lsTLVIter{b: v}
	var seen seenSet
	for {
		typ, val, off, ok, err := it.next()
		if err != nil {
			return withBase(err, base)
		}
		if !ok {
			return nil
		}
		off += base
		if !seen.first(typ) {
			d.Unknown = append(d.Unknown, LSTLV{typ, val})
			continue
		}
		switch typ {
		case lsASN, lsBGPLSID, lsOSPFArea, lsMemberASN:
			if len(val) != 4 {
				return lenErr(off, "node descriptor", typ, len(val), "4")
			}
			n := binary.BigEndian.Uint32(val)
			switch typ {
			case lsASN:
				d.ASN, d.HasASN = n, true
			case lsBGPLSID:
				d.BGPLSID, d.HasBGPLSID = n, true
			case lsOSPFArea:
				d.OSPFAreaID, d.HasOSPFAreaID = n, true
			default:
				d.MemberASN, d.HasMemberASN = n, true
			}
		case lsIGPRouterID:
			if l := len(val); l != 4 && l != 6 && l != 7 && l != 8 {
				return lenErr(off, "node descriptor", typ, l, "4, 6, 7 or 8")
			}
			d.IGPRouterID = val
		case lsBGPRouterID:
			if len(val) != 4 {
				return lenErr(off, "node descriptor", typ, len(val), "4")
			}
			d.BGPRouterID = netip.AddrFrom4([4]byte(val))
		default:
			d.Unknown = append(d.Unknown, LSTLV{typ, val})
		}
	}
}

// withBase shifts the offset of an *Error found in a sub-slice.
func withBase(err error, base int) error {
	if e, ok := err.(*Error); ok {
		e.Offset += base
	}
	return err
}

// decodeMTID validates an MT-ID TLV value: one or more 2-byte entries (single reports
// whether exactly one is allowed: link, prefix and SRv6 SID descriptors).
func decodeMTID(val []byte, off int, single bool) (LSMultiTopology, error) {
	if single {
		if len(val) != 2 {
			return nil, lenErr(off, "descriptor", lsMTID, len(val), "2 (one MT-ID)")
		}
	} else if len(val) == 0 || len(val)%2 != 0 {
		return nil, lenErr(off, "descriptor", lsMTID, len(val), "a non-zero multiple of 2")
	}
	return LSMultiTopology(val), nil
}

func (d *LSLinkDescriptor) decode(it *lsTLVIter) error {
	var seen seenSet
	for {
		typ, val, off, ok, err := it.next()
		if err != nil || !ok {
			return err
		}
		if !seen.first(typ) {
			d.Unknown = append(d.Unknown, LSTLV{typ, val})
			continue
		}
		switch typ {
		case lsLinkIDs:
			if len(val) != 8 {
				return lenErr(off, "link descriptor", typ, len(val), "8")
			}
			d.LocalLinkID, d.RemoteLinkID, d.HasLinkIDs = binary.BigEndian.Uint32(val), binary.BigEndian.Uint32(val[4:]), true
		case lsIPv4Intf, lsIPv4Neigh:
			if len(val) != 4 {
				return lenErr(off, "link descriptor", typ, len(val), "4")
			}
			if typ == lsIPv4Intf {
				d.IPv4Interface = netip.AddrFrom4([4]byte(val))
			} else {
				d.IPv4Neighbor = netip.AddrFrom4([4]byte(val))
			}
		case lsIPv6Intf, lsIPv6Neigh:
			if len(val) != 16 {
				return lenErr(off, "link descriptor", typ, len(val), "16")
			}
			if typ == lsIPv6Intf {
				d.IPv6Interface = netip.AddrFrom16([16]byte(val))
			} else {
				d.IPv6Neighbor = netip.AddrFrom16([16]byte(val))
			}
		case lsMTID:
			if d.MTID, err = decodeMTID(val, off, true); err != nil {
				return err
			}
		default:
			d.Unknown = append(d.Unknown, LSTLV{typ, val})
		}
	}
}

func (d *LSPrefixDescriptor) decode(it *lsTLVIter, ipv6 bool) error {
	var seen seenSet
	found := false
	for {
		typ, val, off, ok, err := it.next()
		if err != nil {
			return err
		}
		if !ok {
			if !found {
				return errorf(off, "BGP-LS prefix NLRI: no IP Reachability Information TLV (265)")
			}
			return nil
		}
		if !seen.first(typ) {
			d.Unknown = append(d.Unknown, LSTLV{typ, val})
			continue
		}
		switch typ {
		case lsMTID:
			if d.MTID, err = decodeMTID(val, off, true); err != nil {
				return err
			}
		case lsOSPFRoute:
			if len(val) != 1 {
				return lenErr(off, "prefix descriptor", typ, len(val), "1")
			}
			d.OSPFRouteType, d.HasOSPFRouteType = val[0], true
		case lsIPReach:
			p, err := ipReachability(val, off, ipv6)
			if err != nil {
				return err
			}
			d.Prefix, found = p, true
		default:
			d.Unknown = append(d.Unknown, LSTLV{typ, val})
		}
	}
}

// ipReachability decodes an IP Reachability Information TLV value: prefix length in bits
// (1 byte) and the prefix in the fewest bytes (RFC 9552 section 5.2.3.2).
func ipReachability(val []byte, off int, ipv6 bool) (netip.Prefix, error) {
	if len(val) == 0 {
		return netip.Prefix{}, lenErr(off, "prefix descriptor", lsIPReach, 0, "at least 1")
	}
	bits, max := int(val[0]), 32
	if ipv6 {
		max = 128
	}
	if bits > max {
		return netip.Prefix{}, errorf(off+lsTLVHdrLen, "BGP-LS IP Reachability Information: prefix length %d exceeds %d", bits, max)
	}
	if n := (bits + 7) / 8; len(val) != 1+n {
		return netip.Prefix{}, lenErr(off, "prefix descriptor", lsIPReach, len(val), "1 + "+itoa(n)+" for a /"+itoa(bits))
	}
	var a netip.Addr
	if ipv6 {
		var buf [16]byte
		copy(buf[:], val[1:])
		a = netip.AddrFrom16(buf)
	} else {
		var buf [4]byte
		copy(buf[:], val[1:])
		a = netip.AddrFrom4(buf)
	}
	return netip.PrefixFrom(a, bits).Masked(), nil
}

func (d *LSSRv6SIDDescriptor) decode(it *lsTLVIter) error {
	var seen seenSet
	for {
		typ, val, off, ok, err := it.next()
		if err != nil {
			return err
		}
		if !ok {
			if !d.SID.IsValid() {
				return errorf(off, "BGP-LS SRv6 SID NLRI: no SRv6 SID Information TLV (518)")
			}
			return nil
		}
		if !seen.first(typ) {
			d.Unknown = append(d.Unknown, LSTLV{typ, val})
			continue
		}
		switch typ {
		case lsSRv6SIDInfo:
			if len(val) != lsSRv6SIDLen {
				return lenErr(off, "SRv6 SID descriptor", typ, len(val), "16")
			}
			d.SID = netip.AddrFrom16([16]byte(val))
		case lsMTID:
			if d.MTID, err = decodeMTID(val, off, true); err != nil {
				return err
			}
		default:
			d.Unknown = append(d.Unknown, LSTLV{typ, val})
		}
	}
}
