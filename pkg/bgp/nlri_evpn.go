package bgp

import (
	"encoding/binary"
	"net/netip"
)

// EVPN NLRI (AFI 25, SAFI 70; RFC 7432 section 7, RFC 7911 section 3):
//
//	[path identifier (4 bytes), when ADD-PATH applies]
//	route type (1 byte) | length (1 byte) | route type specific (length bytes)
//
// The route type specific part of the types decoded here:
//
//	1 Ethernet A-D (RFC 7432 7.1):   RD(8) ESI(10) Ethernet Tag(4) MPLS Label(3)
//	2 MAC/IP (RFC 7432 7.2):         RD(8) ESI(10) Ethernet Tag(4) MAC Len(1) MAC(6)
//	                                 IP Len(1) IP(0/4/16) MPLS Label1(3) [MPLS Label2(3)]
//	3 Inclusive Multicast (7.3):     RD(8) Ethernet Tag(4) IP Len(1) Originating Router's IP(4/16)
//	4 Ethernet Segment (7.4):        RD(8) ESI(10) IP Len(1) Originating Router's IP(4/16)
//	5 IP Prefix (RFC 9136 3.1):      RD(8) ESI(10) Ethernet Tag(4) IP Prefix Len(1)
//	                                 IP Prefix(4/16) GW IP(4/16) MPLS Label(3)
//	6 SMET (RFC 9251 9.1):           RD(8) Ethernet Tag(4) Source Len(1) Source Group Len(1)
//	                                 Group Originator Len(1) Originator Flags(1)
//	7 Membership Report Synch (9.2): RD(8) ESI(10) Ethernet Tag(4) Source Group Originator Flags(1)
//	8 Leave Synch (9.3):             RD(8) ESI(10) Ethernet Tag(4) Source Group Originator
//	                                 Leave Group Synchronization #(4) Max Response Time(1) Flags(1)
//	9 Per-Region I-PMSI A-D (RFC 9572 3.1): RD(8) Ethernet Tag(4) Region ID(8)
//	10 S-PMSI A-D (RFC 9572 3.2):   RD(8) Ethernet Tag(4) Source Group Originator
//	11 Leaf A-D (RFC 9572 3.3):     Route Key (an EVPN route: type, length, value) Originator
//
// Source, Group and Originator are each a length in bits followed by the address (0 for a
// wildcard source or group, 32 or 128). A 3-byte MPLS label field holds a 20-bit label in
// its high-order bits; with VXLAN encapsulation it carries a 24-bit VNI instead (RFC 8365
// section 5.1.3), so both readings are kept. Route types without a decoder here (0 is
// reserved; 12 and up) are kept raw.

// EVPN route types (IANA "EVPN Route Types").
const (
	EVPNEthernetAD         uint8 = 1
	EVPNMACIPAdvertisement uint8 = 2
	EVPNInclusiveMulticast uint8 = 3
	EVPNEthernetSegment    uint8 = 4
	EVPNIPPrefix           uint8 = 5
	EVPNSMET               uint8 = 6
	EVPNJoinSynch          uint8 = 7
	EVPNLeaveSynch         uint8 = 8
	EVPNPerRegionIPMSIAD   uint8 = 9
	EVPNSPMSIAD            uint8 = 10
	EVPNLeafAD             uint8 = 11
)

// Field and route lengths in bytes (MAC length in bits).
const (
	evpnMaxKnownRouteType = EVPNLeafAD
	evpnESILen            = 10
	evpnRDLen             = 8
	evpnLabelLen          = 3
	evpnMACBits           = 48
	evpnType1Len          = evpnRDLen + evpnESILen + 4 + evpnLabelLen
	evpnType2MinLen       = evpnRDLen + evpnESILen + 4 + 1 + 6 + 1 + evpnLabelLen
	evpnType9Len          = evpnRDLen + 4 + 8
	evpnType5V4Len        = evpnRDLen + evpnESILen + 4 + 1 + 4 + 4 + evpnLabelLen
	evpnType5V6Len        = evpnRDLen + evpnESILen + 4 + 1 + 16 + 16 + evpnLabelLen
)

// EVPNRoute is one decoded EVPN route. Which fields are set depends on Type (see the
// Has* flags and the layout above); slices alias the decoded input.
type EVPNRoute struct {
	PathID    uint32
	HasPathID bool
	Type      uint8
	// Raw is the route as received: type, length and value, without the path identifier.
	Raw []byte

	RD     [8]byte // every type but 11 and the unknown ones
	HasRD  bool
	ESI    [10]byte // types 1, 2, 4, 5, 7, 8: type byte + 9 value bytes
	HasESI bool
	EthTag uint32 // types 1, 2, 3, 5, 6, 7, 8, 9, 10
	// HasEthTag is set for the types that carry an Ethernet Tag ID.
	HasEthTag bool

	MAC    [6]byte // type 2
	MACLen uint8
	HasMAC bool
	// IP is the type 2 IP address (invalid when IPLen is 0); IPLen is in bits.
	IP    netip.Addr
	IPLen uint8
	// Prefix and Gateway are the type 5 IP prefix (as sent, host bits not cleared) and
	// gateway address (0.0.0.0 or :: when none).
	Prefix  netip.Prefix
	Gateway netip.Addr
	// Originator is the originating router's address (types 3, 4, 6, 7, 8, 10, 11).
	Originator netip.Addr
	// Source and Group are the multicast source and group (types 6, 7, 8, 10); an invalid
	// address is a wildcard (length 0).
	Source, Group netip.Addr
	Flags         uint8 // types 6, 7, 8 (RFC 9251: bit 4 IE, 5 v3, 6 v2, 7 v1)
	HasFlags      bool
	// LeaveGroupSync and MaxResponseTime are the type 8 fields.
	LeaveGroupSync  uint32
	MaxResponseTime uint8
	RegionID        [8]byte // type 9
	// RouteKey is the type 11 route key: the NLRI (type, length, value) of the route the
	// Leaf A-D route answers.
	RouteKey []byte

	// Labels are the raw 3-byte label fields (types 1, 2, 5); NumLabels says how many.
	Labels    [2]uint32
	NumLabels int
}

// Label returns the MPLS label value (the high-order 20 bits) of label field i.
func (r *EVPNRoute) Label(i int) uint32 { return r.Labels[i] >> 4 }

// ESIType returns the Ethernet Segment Identifier type (RFC 7432 section 5).
func (r *EVPNRoute) ESIType() uint8 { return r.ESI[0] }

// Known reports whether the route type has a decoder here (1 to 11); others are kept raw.
func (r *EVPNRoute) Known() bool { return r.Type >= 1 && r.Type <= evpnMaxKnownRouteType }

// DecodeEVPN appends the routes of an EVPN NLRI block (MP_REACH_NLRI or MP_UNREACH_NLRI)
// to dst. addPath says whether a 4-byte path identifier precedes each route. Every length
// is checked against the block and against the route type's layout; on error dst is
// returned at its original length with an *Error whose offset is relative to b.
func DecodeEVPN(b []byte, addPath bool, dst []EVPNRoute) ([]EVPNRoute, error) {
	start := len(dst)
	pos := 0
	for pos < len(b) {
		dst = append(dst, EVPNRoute{})
		r := &dst[len(dst)-1]
		if addPath {
			if len(b)-pos < 4 {
				return dst[:start], errorf(pos, "EVPN: truncated path identifier: need 4 bytes, have %d", len(b)-pos)
			}
			r.PathID = binary.BigEndian.Uint32(b[pos:])
			r.HasPathID = true
			pos += 4
		}
		if len(b)-pos < 2 {
			return dst[:start], errorf(pos, "EVPN: truncated route: need route type and length (2 bytes), have %d", len(b)-pos)
		}
		r.Type = b[pos]
		l := int(b[pos+1])
		if l > len(b)-pos-2 {
			return dst[:start], errorf(pos+1, "EVPN: route type %d length %d exceeds the NLRI (%d bytes left)", r.Type, l, len(b)-pos-2)
		}
		r.Raw = b[pos : pos+2+l : pos+2+l]
		if err := r.decodeBody(b[pos+2:pos+2+l:pos+2+l], pos+2); err != nil {
			return dst[:start], err
		}
		pos += 2 + l
	}
	return dst, nil
}

// decodeBody decodes the route type specific field v, which starts at offset off of the
// NLRI block.
func (r *EVPNRoute) decodeBody(v []byte, off int) error {
	switch r.Type {
	case 0:
		return errorf(off-2, "EVPN: route type 0 is reserved")
	case EVPNEthernetAD:
		if len(v) != evpnType1Len {
			return errorf(off-1, "EVPN: Ethernet A-D route length %d, want %d", len(v), evpnType1Len)
		}
		p := r.rd(v, 0)
		p = r.esi(v, p)
		p = r.tag(v, p)
		r.label(v, p)
	case EVPNMACIPAdvertisement:
		return r.decodeMACIP(v, off)
	case EVPNInclusiveMulticast, EVPNEthernetSegment:
		name := "Inclusive Multicast Ethernet Tag"
		fixed := evpnRDLen + 4
		if r.Type == EVPNEthernetSegment {
			name = "Ethernet Segment"
			fixed = evpnRDLen + evpnESILen
		}
		if len(v) < fixed+1 {
			return errorf(off-1, "EVPN: %s route length %d below the minimum %d", name, len(v), fixed+1)
		}
		p := r.rd(v, 0)
		if r.Type == EVPNEthernetSegment {
			p = r.esi(v, p)
		} else {
			p = r.tag(v, p)
		}
		n, ok := evpnAddrBytes(v[p], false)
		if !ok {
			return errorf(off+p, "EVPN: %s route: originating router's IP length %d, want 32 or 128", name, v[p])
		}
		if len(v) != fixed+1+n {
			return errorf(off-1, "EVPN: %s route length %d does not match IP length %d: want %d", name, len(v), v[p], fixed+1+n)
		}
		r.Originator = evpnAddr(v[p+1 : p+1+n])
	case EVPNIPPrefix:
		return r.decodeIPPrefix(v, off)
	case EVPNSMET, EVPNJoinSynch, EVPNLeaveSynch, EVPNSPMSIAD:
		return r.decodeMulticast(v, off)
	case EVPNPerRegionIPMSIAD:
		if len(v) != evpnType9Len {
			return errorf(off-1, "EVPN: Per-Region I-PMSI A-D route length %d, want %d", len(v), evpnType9Len)
		}
		p := r.rd(v, 0)
		p = r.tag(v, p)
		r.RegionID = [8]byte(v[p : p+8])
	case EVPNLeafAD:
		return r.decodeLeafAD(v, off)
	}
	return nil // unknown route types are kept raw
}

// decodeMACIP decodes a MAC/IP Advertisement route: its length must match the MAC and IP
// lengths, with one or two labels.
func (r *EVPNRoute) decodeMACIP(v []byte, off int) error {
	if len(v) < evpnType2MinLen {
		return errorf(off-1, "EVPN: MAC/IP Advertisement route length %d below the minimum %d", len(v), evpnType2MinLen)
	}
	p := r.rd(v, 0)
	p = r.esi(v, p)
	p = r.tag(v, p)
	if v[p] != evpnMACBits {
		return errorf(off+p, "EVPN: MAC/IP Advertisement route: MAC address length %d, want 48", v[p])
	}
	r.MACLen = v[p]
	r.MAC = [6]byte(v[p+1 : p+7])
	r.HasMAC = true
	p += 7
	n, ok := evpnAddrBytes(v[p], true)
	if !ok {
		return errorf(off+p, "EVPN: MAC/IP Advertisement route: IP address length %d, want 0, 32 or 128", v[p])
	}
	one := p + 1 + n + evpnLabelLen
	if len(v) != one && len(v) != one+evpnLabelLen {
		return errorf(off-1, "EVPN: MAC/IP Advertisement route length %d does not match IP address length %d: want %d or %d (one or two labels)",
			len(v), v[p], one, one+evpnLabelLen)
	}
	r.IPLen = v[p]
	if n > 0 {
		r.IP = evpnAddr(v[p+1 : p+1+n])
	}
	p += 1 + n
	p = r.label(v, p)
	if p < len(v) {
		r.label(v, p)
	}
	return nil
}

// decodeIPPrefix decodes an IP Prefix route (RFC 9136): IPv4 (34 bytes) or IPv6 (58).
func (r *EVPNRoute) decodeIPPrefix(v []byte, off int) error {
	var n, maxBits int
	switch len(v) {
	case evpnType5V4Len:
		n, maxBits = 4, 32
	case evpnType5V6Len:
		n, maxBits = 16, 128
	default:
		return errorf(off-1, "EVPN: IP Prefix route length %d, want %d (IPv4) or %d (IPv6)", len(v), evpnType5V4Len, evpnType5V6Len)
	}
	p := r.rd(v, 0)
	p = r.esi(v, p)
	p = r.tag(v, p)
	bits := int(v[p])
	if bits > maxBits {
		return errorf(off+p, "EVPN: IP Prefix route: prefix length %d exceeds %d", bits, maxBits)
	}
	p++
	r.Prefix = netip.PrefixFrom(evpnAddr(v[p:p+n]), bits)
	p += n
	r.Gateway = evpnAddr(v[p : p+n])
	p += n
	r.label(v, p)
	return nil
}

// decodeMulticast decodes the types built from RD, [ESI,] Ethernet Tag, multicast source
// and group, originator and a type-specific tail: SMET (6), Membership Report Synch (7),
// Leave Synch (8) and S-PMSI A-D (10).
func (r *EVPNRoute) decodeMulticast(v []byte, off int) error {
	var name string
	fixed, tail := evpnRDLen+4, 0
	switch r.Type {
	case EVPNSMET:
		name, tail = "SMET", 1
	case EVPNJoinSynch:
		name, tail = "Multicast Membership Report Synch", 1
		fixed += evpnESILen
	case EVPNLeaveSynch:
		name, tail = "Multicast Leave Synch", 6
		fixed += evpnESILen
	default:
		name = "S-PMSI A-D"
	}
	// Three length bytes at least follow the fixed part.
	if len(v) < fixed+3+tail {
		return errorf(off-1, "EVPN: %s route length %d below the minimum %d", name, len(v), fixed+3+tail)
	}
	p := r.rd(v, 0)
	if fixed > evpnRDLen+4 {
		p = r.esi(v, p)
	}
	p = r.tag(v, p)
	var err error
	if r.Source, p, err = evpnLengthAddr(v, p, off, true, name, "multicast source"); err != nil {
		return err
	}
	if r.Group, p, err = evpnLengthAddr(v, p, off, true, name, "multicast group"); err != nil {
		return err
	}
	if r.Originator, p, err = evpnLengthAddr(v, p, off, false, name, "originator"); err != nil {
		return err
	}
	if len(v)-p != tail {
		return errorf(off-1, "EVPN: %s route length %d does not match its address lengths: want %d", name, len(v), p+tail)
	}
	switch r.Type {
	case EVPNLeaveSynch:
		r.LeaveGroupSync = binary.BigEndian.Uint32(v[p:])
		r.MaxResponseTime = v[p+4]
		r.Flags, r.HasFlags = v[p+5], true
	case EVPNSMET, EVPNJoinSynch:
		r.Flags, r.HasFlags = v[p], true
	}
	return nil
}

// decodeLeafAD decodes a Leaf A-D route: the route key is itself an EVPN route (type,
// length, value) and is followed by the originator's address.
func (r *EVPNRoute) decodeLeafAD(v []byte, off int) error {
	if len(v) < 3 {
		return errorf(off-1, "EVPN: Leaf A-D route length %d below the minimum 3", len(v))
	}
	k := 2 + int(v[1])
	if k >= len(v) {
		return errorf(off+1, "EVPN: Leaf A-D route: route key length %d leaves no room for the originator (%d bytes)", v[1], len(v))
	}
	r.RouteKey = v[:k:k]
	var err error
	var p int
	if r.Originator, p, err = evpnLengthAddr(v, k, off, false, "Leaf A-D", "originator"); err != nil {
		return err
	}
	if p != len(v) {
		return errorf(off-1, "EVPN: Leaf A-D route length %d does not match route key and originator: want %d", len(v), p)
	}
	return nil
}

func (r *EVPNRoute) rd(v []byte, p int) int {
	r.RD = [8]byte(v[p : p+evpnRDLen])
	r.HasRD = true
	return p + evpnRDLen
}

func (r *EVPNRoute) esi(v []byte, p int) int {
	r.ESI = [10]byte(v[p : p+evpnESILen])
	r.HasESI = true
	return p + evpnESILen
}

func (r *EVPNRoute) tag(v []byte, p int) int {
	r.EthTag = binary.BigEndian.Uint32(v[p:])
	r.HasEthTag = true
	return p + 4
}

func (r *EVPNRoute) label(v []byte, p int) int {
	r.Labels[r.NumLabels] = uint32(v[p])<<16 | uint32(v[p+1])<<8 | uint32(v[p+2])
	r.NumLabels++
	return p + evpnLabelLen
}

// evpnLengthAddr reads a length in bits and the address that follows at v[p:]. It returns
// the address (invalid for a wildcard), the position after it, or an error naming the
// field.
func evpnLengthAddr(v []byte, p, off int, wildcard bool, route, field string) (netip.Addr, int, error) {
	if p >= len(v) {
		return netip.Addr{}, p, errorf(off+p, "EVPN: %s route: truncated before the %s length", route, field)
	}
	n, ok := evpnAddrBytes(v[p], wildcard)
	if !ok {
		want := "32 or 128"
		if wildcard {
			want = "0, 32 or 128"
		}
		return netip.Addr{}, p, errorf(off+p, "EVPN: %s route: %s length %d, want %s", route, field, v[p], want)
	}
	if n > len(v)-p-1 {
		return netip.Addr{}, p, errorf(off+p, "EVPN: %s route: %s length %d needs %d bytes, %d left", route, field, v[p], n, len(v)-p-1)
	}
	if n == 0 {
		return netip.Addr{}, p + 1, nil
	}
	return evpnAddr(v[p+1 : p+1+n]), p + 1 + n, nil
}

// evpnAddrBytes converts an address length in bits (32, 128, or 0 when zero is allowed) to
// bytes.
func evpnAddrBytes(bits uint8, zero bool) (int, bool) {
	switch bits {
	case 0:
		return 0, zero
	case 32:
		return 4, true
	case 128:
		return 16, true
	}
	return 0, false
}

// evpnAddr makes an address of 4 or 16 bytes.
func evpnAddr(b []byte) netip.Addr {
	if len(b) == 4 {
		return netip.AddrFrom4([4]byte(b))
	}
	return netip.AddrFrom16([16]byte(b))
}
