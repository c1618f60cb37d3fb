package record

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// EVPN is one EVPN route (AFI 25, SAFI 70; goBMP's EVPNPrefix, msg_type 14): an
// announcement ("add"), a withdrawal ("del"), or an End-of-RIB marker (is_eor, no route).
// Which route fields are present depends on route_type (see docs/families-evpn.md); a
// field that the route type carries is always present, even when it is zero.
type EVPN struct {
	Head
	// Hash identifies the route (see SetHash); the add and del records of one route carry
	// the same value. Not set on End-of-RIB records.
	Hash MD5 `json:"hash,omitzero"`
	RouterFields
	PeerFields
	// BaseAttrs is shared by all routes of one UPDATE; withdrawals and End-of-RIB markers
	// carry none.
	BaseAttrs *BaseAttrs `json:"base_attrs,omitempty"`
	// IsIPv4 is false when the route's address (IP, prefix, originator or multicast group)
	// is IPv6, true otherwise.
	IsIPv4        bool       `json:"is_ipv4"`
	OriginAS      *uint32    `json:"origin_as,omitempty"`
	Nexthop       netip.Addr `json:"nexthop,omitzero"`
	IsNexthopIPv4 bool       `json:"is_nexthop_ipv4"`
	PathID        *uint32    `json:"path_id,omitempty"`
	// RouteType is the EVPN route type (absent on End-of-RIB records).
	RouteType *uint8 `json:"route_type,omitempty"`
	// VPNRD and VPNRDType are the route distinguisher (every type but 11).
	VPNRD     *EVPNRD  `json:"vpn_rd,omitempty"`
	VPNRDType *uint16  `json:"vpn_rd_type,omitempty"`
	ESI       *EVPNESI `json:"eth_segment_id,omitempty"`
	ESIType   *uint8   `json:"esi_type,omitempty"`
	// EthTag is the Ethernet Tag ID as a number (goBMP renders it as base64).
	EthTag *uint32  `json:"eth_tag,omitempty"`
	MAC    *EVPNMAC `json:"mac,omitempty"`
	MACLen *uint8   `json:"mac_len,omitempty"`
	// IPAddress and IPLen, as in goBMP: the type 2 IP address (absent when IPLen is 0),
	// the originating router's IP of types 3 and 4, the IP prefix of type 5.
	IPAddress netip.Addr `json:"ip_address,omitzero"`
	IPLen     *uint8     `json:"ip_len,omitempty"`
	// GWAddress, Prefix and PrefixLen are the type 5 gateway address and IP prefix.
	GWAddress netip.Addr `json:"gw_address,omitzero"`
	Prefix    netip.Addr `json:"prefix,omitzero"`
	PrefixLen *uint8     `json:"prefix_len,omitempty"`
	// OriginatorIP is the originating router (types 3, 4, 6, 7, 8, 10, 11).
	OriginatorIP netip.Addr `json:"originator_ip,omitzero"`
	// MulticastSource and MulticastGroup (types 6, 7, 8, 10) are absent for a wildcard.
	MulticastSource netip.Addr `json:"multicast_source,omitzero"`
	MulticastGroup  netip.Addr `json:"multicast_group,omitzero"`
	// Flags are the IGMP/MLD flags of types 6, 7, 8 (RFC 9251: 0x08 exclude, 0x04 v3,
	// 0x02 v2, 0x01 v1).
	Flags *uint8 `json:"flags,omitempty"`
	// LeaveGroupSync and MaxResponseTime are the type 8 fields.
	LeaveGroupSync  *uint32 `json:"leave_group_sync,omitempty"`
	MaxResponseTime *uint8  `json:"max_response_time,omitempty"`
	// RegionID is the type 9 Region ID (8 bytes, hex).
	RegionID string `json:"region_id,omitempty"`
	// RouteKey (hex) and RouteKeyType are the type 11 route key (the NLRI of the route the
	// Leaf A-D route answers, with its type and length bytes) and its route type.
	RouteKey     string `json:"route_key,omitempty"`
	RouteKeyType *uint8 `json:"route_key_type,omitempty"`
	// NLRI is the whole route in hex (type, length, value) for route types without a
	// decoder (0 and 12 and up).
	NLRI string `json:"nlri,omitempty"`
	// Labels are the MPLS label values (20 bits) and RawLabels the 3-byte label fields as
	// sent, which carry the VNI with VXLAN (RFC 8365): types 1, 2 (one or two), 5.
	Labels    []uint32 `json:"labels,omitempty"`
	RawLabels []uint32 `json:"rawlabels,omitempty"`
	// PMSITunnel is the UPDATE's PMSI_TUNNEL attribute on type 3 announcements.
	PMSITunnel *EVPNPMSITunnel `json:"pmsi_tunnel,omitempty"`
	IsEOR      bool            `json:"is_eor,omitempty"`
	// AFI and SAFI (25, 70) are only present on End-of-RIB records.
	AFI  uint16 `json:"afi,omitempty"`
	SAFI uint8  `json:"safi,omitempty"`
	RIBFlags
	V4Fields
	// Synthesized marks a withdrawal that the router did not send: bmpstream's route
	// table (--synthesize-withdrawals, --rib-suppress-duplicates) publishes one for each
	// route a Peer Down or the end of the session removed, or a stale-route sweep withdrew.
	Synthesized bool `json:"synthesized,omitempty"`

	st       evpnStore
	labelBuf [4]uint32
}

// evpnStore holds the values the pointer fields point to, so that filling a record does
// not allocate.
type evpnStore struct {
	originAS, pathID, ethTag, lgs     uint32
	rdType                            uint16
	routeType, esiType, macLen, ipLen uint8
	prefixLen, flags, mrt, keyType    uint8
	rd                                EVPNRD
	esi                               EVPNESI
	mac                               EVPNMAC
}

// ResetRoute clears every route field (keeping Head, router, peer and RIB fields), so
// that one EVPN value can be reused for the routes of a message.
func (e *EVPN) ResetRoute() {
	*e = EVPN{Head: e.Head, RouterFields: e.RouterFields, PeerFields: e.PeerFields, RIBFlags: e.RIBFlags}
}

func (e *EVPN) SetOriginAS(v uint32)    { e.st.originAS = v; e.OriginAS = &e.st.originAS }
func (e *EVPN) SetPathID(v uint32)      { e.st.pathID = v; e.PathID = &e.st.pathID }
func (e *EVPN) SetRouteType(v uint8)    { e.st.routeType = v; e.RouteType = &e.st.routeType }
func (e *EVPN) SetEthTag(v uint32)      { e.st.ethTag = v; e.EthTag = &e.st.ethTag }
func (e *EVPN) SetIPLen(v uint8)        { e.st.ipLen = v; e.IPLen = &e.st.ipLen }
func (e *EVPN) SetPrefixLen(v uint8)    { e.st.prefixLen = v; e.PrefixLen = &e.st.prefixLen }
func (e *EVPN) SetFlags(v uint8)        { e.st.flags = v; e.Flags = &e.st.flags }
func (e *EVPN) SetRouteKeyType(v uint8) { e.st.keyType = v; e.RouteKeyType = &e.st.keyType }

// SetRD sets the route distinguisher and its type.
func (e *EVPN) SetRD(rd [8]byte) {
	e.st.rd = EVPNRD(rd)
	e.VPNRD = &e.st.rd
	e.st.rdType = binary.BigEndian.Uint16(rd[:2])
	e.VPNRDType = &e.st.rdType
}

// SetESI sets the Ethernet Segment Identifier and its type (the first byte).
func (e *EVPN) SetESI(esi [10]byte) {
	e.st.esi = EVPNESI(esi)
	e.ESI = &e.st.esi
	e.st.esiType = esi[0]
	e.ESIType = &e.st.esiType
}

// SetMAC sets the MAC address and its length in bits.
func (e *EVPN) SetMAC(mac [6]byte, bits uint8) {
	e.st.mac = EVPNMAC(mac)
	e.MAC = &e.st.mac
	e.st.macLen = bits
	e.MACLen = &e.st.macLen
}

// SetLeaveSynch sets the type 8 Leave Group Synchronization number and Maximum Response
// Time.
func (e *EVPN) SetLeaveSynch(seq uint32, maxResponse uint8) {
	e.st.lgs, e.st.mrt = seq, maxResponse
	e.LeaveGroupSync, e.MaxResponseTime = &e.st.lgs, &e.st.mrt
}

// SetLabels sets Labels and RawLabels from up to two raw 3-byte label fields.
func (e *EVPN) SetLabels(raw ...uint32) {
	n := min(len(raw), 2)
	for i := 0; i < n; i++ {
		e.labelBuf[i] = raw[i] >> 4
		e.labelBuf[2+i] = raw[i]
	}
	e.Labels = e.labelBuf[0:n:n]
	e.RawLabels = e.labelBuf[2 : 2+n : 2+n]
}

// AppendJSON appends the record as one JSON object.
func (e *EVPN) AppendJSON(dst []byte) []byte {
	o := openObj(dst)
	e.Head.appendTo(&o, TypeEVPN)
	if !e.Hash.IsZero() {
		o.key("hash")
		o.b = append(o.b, '"')
		o.b, _ = e.Hash.AppendText(o.b)
		o.b = append(o.b, '"')
	}
	e.RouterFields.appendTo(&o)
	e.PeerFields.appendTo(&o)
	o.boolean("is_ipv4", e.IsIPv4)
	appendRoute(&o, e.OriginAS, e.PathID, e.Nexthop, netip.Addr{}, e.IsNexthopIPv4)
	if e.RouteType != nil {
		o.u64("route_type", uint64(*e.RouteType))
	}
	if e.VPNRD != nil {
		o.key("vpn_rd")
		o.b = append(o.b, '"')
		o.b, _ = e.VPNRD.AppendText(o.b)
		o.b = append(o.b, '"')
	}
	if e.VPNRDType != nil {
		o.u64("vpn_rd_type", uint64(*e.VPNRDType))
	}
	if e.ESI != nil {
		o.key("eth_segment_id")
		o.b = append(o.b, '"')
		o.b, _ = e.ESI.AppendText(o.b)
		o.b = append(o.b, '"')
	}
	if e.ESIType != nil {
		o.u64("esi_type", uint64(*e.ESIType))
	}
	if e.EthTag != nil {
		o.u64("eth_tag", uint64(*e.EthTag))
	}
	if e.MAC != nil {
		o.key("mac")
		o.b = append(o.b, '"')
		o.b, _ = e.MAC.AppendText(o.b)
		o.b = append(o.b, '"')
	}
	if e.MACLen != nil {
		o.u64("mac_len", uint64(*e.MACLen))
	}
	o.addrOK("ip_address", e.IPAddress)
	if e.IPLen != nil {
		o.u64("ip_len", uint64(*e.IPLen))
	}
	o.addrOK("gw_address", e.GWAddress)
	o.addrOK("prefix", e.Prefix)
	if e.PrefixLen != nil {
		o.u64("prefix_len", uint64(*e.PrefixLen))
	}
	o.addrOK("originator_ip", e.OriginatorIP)
	o.addrOK("multicast_source", e.MulticastSource)
	o.addrOK("multicast_group", e.MulticastGroup)
	if e.Flags != nil {
		o.u64("flags", uint64(*e.Flags))
	}
	if e.LeaveGroupSync != nil {
		o.u64("leave_group_sync", uint64(*e.LeaveGroupSync))
	}
	if e.MaxResponseTime != nil {
		o.u64("max_response_time", uint64(*e.MaxResponseTime))
	}
	o.strNE("region_id", e.RegionID)
	o.strNE("route_key", e.RouteKey)
	if e.RouteKeyType != nil {
		o.u64("route_key_type", uint64(*e.RouteKeyType))
	}
	o.strNE("nlri", e.NLRI)
	if len(e.Labels) > 0 {
		o.u32s("labels", e.Labels)
	}
	if len(e.RawLabels) > 0 {
		o.u32s("rawlabels", e.RawLabels)
	}
	if e.PMSITunnel != nil {
		o.key("pmsi_tunnel")
		o.b = e.PMSITunnel.appendJSON(o.b)
	}
	appendEOR(&o, e.IsEOR, e.AFI, e.SAFI)
	e.RIBFlags.appendTo(&o)
	e.V4Fields.appendTo(&o)
	if e.Synthesized {
		o.boolean("synthesized", true)
	}
	if e.BaseAttrs != nil {
		o.key("base_attrs")
		o.b = e.BaseAttrs.AppendJSON(o.b)
	}
	return o.close()
}

// SetHash computes Hash with p as scratch. The recipe follows goBMP's unicast and L3VPN
// hashes (goBMP never fills an EVPN hash): MD5 over the parts
//
//	"evpn", router_hash, peer_hash, route_type, vpn_rd, vpn_rd_type, eth_segment_id,
//	eth_tag, mac, ip_address, ip_len, originator_ip, multicast_source, multicast_group,
//	extra, path_id
//
// each followed by one 0x00 byte. Only the fields that make up the route's key (RFC
// 7432, 9136, 9251, 9572 "for the purpose of BGP route key processing") are written; the
// others are empty parts, so that a withdrawal, whose attribute-like fields (ESI of types
// 2 and 5, labels, gateway, flags) may differ, hashes like its announcement. extra is the
// type 8 Leave Group Synchronization number, the type 9 Region ID, the type 11 route key
// or, for route types without a decoder, the whole route in hex. Numbers are decimal,
// addresses and identifiers in their JSON text form, path_id is 0 without ADD-PATH.
func (e *EVPN) SetHash(p *Parts) {
	var rt uint8
	if e.RouteType != nil {
		rt = *e.RouteType
	}
	p.Reset().Str("evpn").Str(e.RouterHash).Str(e.PeerHash).Uint(uint64(rt))
	var rd, esi, tag, mac, ip, orig, mcast, extra bool
	switch rt {
	case 1:
		rd, esi, tag = true, true, true
	case 2:
		rd, tag, mac, ip = true, true, true, true
	case 3, 5:
		rd, tag, ip = true, true, true
	case 4:
		rd, esi, ip = true, true, true
	case 6, 10:
		rd, tag, orig, mcast = true, true, true, true
	case 7:
		rd, esi, tag, orig, mcast = true, true, true, true, true
	case 8:
		rd, esi, tag, orig, mcast, extra = true, true, true, true, true, true
	case 9:
		rd, tag, extra = true, true, true
	case 11:
		orig, extra = true, true
	default:
		extra = true
	}
	if rd && e.VPNRD != nil && e.VPNRDType != nil {
		p.b, _ = e.VPNRD.AppendText(p.b)
		p.b = append(p.b, 0)
		p.Uint(uint64(*e.VPNRDType))
	} else {
		p.Str("").Str("")
	}
	if esi && e.ESI != nil {
		p.b, _ = e.ESI.AppendText(p.b)
	}
	p.b = append(p.b, 0)
	if tag && e.EthTag != nil {
		p.b = strconv.AppendUint(p.b, uint64(*e.EthTag), 10)
	}
	p.b = append(p.b, 0)
	if mac && e.MAC != nil {
		p.b, _ = e.MAC.AppendText(p.b)
	}
	p.b = append(p.b, 0)
	if ip {
		p.Addr(e.IPAddress)
		if e.IPLen != nil {
			p.b = strconv.AppendUint(p.b, uint64(*e.IPLen), 10)
		}
		p.b = append(p.b, 0)
	} else {
		p.Str("").Str("")
	}
	if orig {
		p.Addr(e.OriginatorIP)
	} else {
		p.Str("")
	}
	if mcast {
		p.Addr(e.MulticastSource).Addr(e.MulticastGroup)
	} else {
		p.Str("").Str("")
	}
	switch {
	case !extra:
		p.Str("")
	case rt == 8 && e.LeaveGroupSync != nil:
		p.Uint(uint64(*e.LeaveGroupSync))
	case rt == 9:
		p.Str(e.RegionID)
	case rt == 11:
		p.Str(e.RouteKey)
	default:
		p.Str(e.NLRI)
	}
	var id uint64
	if e.PathID != nil {
		id = uint64(*e.PathID)
	}
	e.Hash = p.Uint(id).Sum()
}

// EVPNRD is a route distinguisher (RFC 4364 section 4.2) rendered as text: type 0
// "asn2:number", type 1 "a.b.c.d:number", type 2 "asn4:number", other types
// "type:hex-of-6-bytes".
type EVPNRD [8]byte

func (r EVPNRD) AppendText(b []byte) ([]byte, error) {
	switch binary.BigEndian.Uint16(r[0:2]) {
	case 0:
		b = strconv.AppendUint(b, uint64(binary.BigEndian.Uint16(r[2:4])), 10)
		b = append(b, ':')
		return strconv.AppendUint(b, uint64(binary.BigEndian.Uint32(r[4:8])), 10), nil
	case 1:
		b = netip.AddrFrom4([4]byte(r[2:6])).AppendTo(b)
		b = append(b, ':')
		return strconv.AppendUint(b, uint64(binary.BigEndian.Uint16(r[6:8])), 10), nil
	case 2:
		b = strconv.AppendUint(b, uint64(binary.BigEndian.Uint32(r[2:6])), 10)
		b = append(b, ':')
		return strconv.AppendUint(b, uint64(binary.BigEndian.Uint16(r[6:8])), 10), nil
	}
	b = strconv.AppendUint(b, uint64(binary.BigEndian.Uint16(r[0:2])), 10)
	b = append(b, ':')
	return hex.AppendEncode(b, r[2:]), nil
}

func (r EVPNRD) MarshalText() ([]byte, error) { return r.AppendText(nil) }

// UnmarshalText parses the text form. "n:m" is read as type 0 when n fits 16 bits and m
// 32 bits, as type 2 otherwise (the text does not tell a type 2 RD with a small AS number
// from a type 0 one; vpn_rd_type does).
func (r *EVPNRD) UnmarshalText(b []byte) error {
	s := string(b)
	a, n, ok := strings.Cut(s, ":")
	if !ok {
		return fmt.Errorf("record: route distinguisher %q: no colon", s)
	}
	var out [8]byte
	if ip, err := netip.ParseAddr(a); err == nil && ip.Is4() {
		v, err := strconv.ParseUint(n, 10, 16)
		if err != nil {
			return fmt.Errorf("record: route distinguisher %q: %v", s, err)
		}
		out[1] = 1
		copy(out[2:6], ip.AsSlice())
		binary.BigEndian.PutUint16(out[6:], uint16(v))
		*r = out
		return nil
	}
	hi, err1 := strconv.ParseUint(a, 10, 32)
	if len(n) == 12 && err1 == nil && hi > 2 {
		if raw, err := hex.DecodeString(n); err == nil { // "type:hex"
			binary.BigEndian.PutUint16(out[:2], uint16(hi))
			copy(out[2:], raw)
			*r = out
			return nil
		}
	}
	lo, err2 := strconv.ParseUint(n, 10, 32)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("record: route distinguisher %q: want n:m", s)
	}
	if hi <= 0xffff {
		binary.BigEndian.PutUint16(out[2:4], uint16(hi))
		binary.BigEndian.PutUint32(out[4:], uint32(lo))
	} else {
		if lo > 0xffff {
			return fmt.Errorf("record: route distinguisher %q: type 2 number exceeds 16 bits", s)
		}
		out[1] = 2
		binary.BigEndian.PutUint32(out[2:6], uint32(hi))
		binary.BigEndian.PutUint16(out[6:], uint16(lo))
	}
	*r = out
	return nil
}

// EVPNESI is an Ethernet Segment Identifier, rendered "xx:xx:…" (10 bytes).
type EVPNESI [10]byte

func (e EVPNESI) AppendText(b []byte) ([]byte, error) { return appendColonHex(b, e[:]), nil }
func (e EVPNESI) MarshalText() ([]byte, error)        { return e.AppendText(nil) }
func (e *EVPNESI) UnmarshalText(b []byte) error       { return parseColonHex(e[:], b, "ESI") }

// EVPNMAC is a MAC address, rendered "aa:bb:cc:dd:ee:ff".
type EVPNMAC [6]byte

func (m EVPNMAC) AppendText(b []byte) ([]byte, error) { return appendColonHex(b, m[:]), nil }
func (m EVPNMAC) MarshalText() ([]byte, error)        { return m.AppendText(nil) }
func (m *EVPNMAC) UnmarshalText(b []byte) error       { return parseColonHex(m[:], b, "MAC") }

func appendColonHex(b, v []byte) []byte {
	for i, c := range v {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return b
}

func parseColonHex(dst, b []byte, what string) error {
	if len(b) != 3*len(dst)-1 {
		return fmt.Errorf("record: %s %q: want %d colon-separated bytes", what, b, len(dst))
	}
	for i := range dst {
		if i > 0 && b[3*i-1] != ':' {
			return fmt.Errorf("record: %s %q: want colons", what, b)
		}
		if _, err := hex.Decode(dst[i:i+1], b[3*i:3*i+2]); err != nil {
			return fmt.Errorf("record: %s %q: %v", what, b, err)
		}
	}
	return nil
}

// EVPNPMSITunnel is the PMSI_TUNNEL attribute (RFC 6514 section 5) of a type 3 route, in
// the shape of base_attrs' pmsi_tunnel.
type EVPNPMSITunnel struct {
	Flags      uint8 `json:"flags"`
	TunnelType uint8 `json:"tunnel_type"`
	// TunnelTypeName is the IANA name of the tunnel type, absent when unknown.
	TunnelTypeName string `json:"tunnel_type_name,omitempty"`
	// MPLSLabel is the high-order 20 bits of the label field, RawLabel the whole 3 bytes
	// (the VNI with VXLAN, RFC 8365 section 5.1.3).
	MPLSLabel uint32 `json:"mpls_label"`
	RawLabel  uint32 `json:"raw_label"`
	// TunnelID is the tunnel identifier: the address for ingress replication,
	// "sender,group" for the PIM tunnel types, hex otherwise; absent when empty.
	TunnelID string `json:"tunnel_identifier,omitempty"`
}

func (p *EVPNPMSITunnel) appendJSON(dst []byte) []byte {
	o := openObj(dst)
	o.u64("flags", uint64(p.Flags))
	o.u64("tunnel_type", uint64(p.TunnelType))
	o.strNE("tunnel_type_name", p.TunnelTypeName)
	o.u64("mpls_label", uint64(p.MPLSLabel))
	o.u64("raw_label", uint64(p.RawLabel))
	o.strNE("tunnel_identifier", p.TunnelID)
	return o.close()
}
