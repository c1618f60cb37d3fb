package bgp

import (
	"net/netip"
	"strconv"
)

// decodeTLVAttribute decodes PMSI_TUNNEL, AIGP or BGP Prefix-SID. These attributes have
// an inner structure whose errors do not invalidate the UPDATE: a malformed one is
// discarded (RFC 7606 "attribute discard", which RFC 7311 and RFC 8669 ask for AIGP and
// Prefix-SID), kept raw in Unknown and reported in Malformed with the error. voff is the
// value's offset in the message.
func (a *Attributes) decodeTLVAttribute(flags, typ uint8, v []byte, voff int) {
	if a.tlv == nil {
		a.tlv = new(tlvStore)
	}
	st := a.tlv
	var err error
	switch typ {
	case AttrPMSITunnel:
		st.pmsi, err = DecodePMSITunnel(v)
		if err == nil {
			a.PMSITunnel = &st.pmsi
		}
	case AttrAIGP:
		st.aigp.TLVs, err = DecodeAIGP(v, st.aigp.TLVs[:0])
		if err == nil {
			a.AIGP = &st.aigp
		}
	case AttrPrefixSID:
		if err = DecodePrefixSID(v, &st.psid); err == nil {
			a.PrefixSID = &st.psid
		}
	}
	if err != nil {
		e, ok := err.(*Error)
		if !ok {
			e = &Error{What: err.Error()}
		}
		e.Offset += voff
		e.What = attrLabel(typ) + ": " + e.What + " (attribute discarded)"
		raw := RawAttribute{Flags: flags, Type: typ, Value: v}
		a.Unknown = append(a.Unknown, raw)
		a.Malformed = append(a.Malformed, MalformedAttribute{RawAttribute: raw, Err: e})
	}
}

// tlvStore is the storage Attributes reuses for PMSI_TUNNEL, AIGP and Prefix-SID. It is
// allocated the first time one of them is decoded, so that UPDATEs without them pay
// nothing for it.
type tlvStore struct {
	pmsi PMSITunnel
	aigp AIGP
	psid PrefixSID
}

// PMSI tunnel types (IANA "P-Multicast Service Interface Tunnel (PMSI Tunnel) Tunnel
// Types", RFC 6514, RFC 7385).
const (
	PMSINoTunnelInfo        uint8 = 0
	PMSIRSVPTEP2MP          uint8 = 1
	PMSIMLDPP2MP            uint8 = 2
	PMSIPIMSSM              uint8 = 3
	PMSIPIMSM               uint8 = 4
	PMSIBidirPIM            uint8 = 5
	PMSIIngressReplication  uint8 = 6
	PMSIMLDPMP2MP           uint8 = 7
	PMSITransportTunnel     uint8 = 8  // RFC 7524
	PMSIAssistedReplication uint8 = 9  // RFC 9574
	PMSIBIER                uint8 = 11 // RFC 8556
)

// PMSITunnelTypeName returns the IANA name of a PMSI tunnel type ("Ingress Replication"),
// or "" when unknown.
func PMSITunnelTypeName(t uint8) string {
	switch t {
	case PMSINoTunnelInfo:
		return "No tunnel information present"
	case PMSIRSVPTEP2MP:
		return "RSVP-TE P2MP LSP"
	case PMSIMLDPP2MP:
		return "mLDP P2MP LSP"
	case PMSIPIMSSM:
		return "PIM-SSM Tree"
	case PMSIPIMSM:
		return "PIM-SM Tree"
	case PMSIBidirPIM:
		return "BIDIR-PIM Tree"
	case PMSIIngressReplication:
		return "Ingress Replication"
	case PMSIMLDPMP2MP:
		return "mLDP MP2MP LSP"
	case PMSITransportTunnel:
		return "Transport Tunnel"
	case PMSIAssistedReplication:
		return "Assisted-Replication Tunnel"
	case PMSIBIER:
		return "BIER"
	}
	return ""
}

// PMSITunnel is the PMSI_TUNNEL attribute (RFC 6514 section 5): flags, tunnel type, a
// 3-octet MPLS Label field and a tunnel identifier whose format depends on the type.
type PMSITunnel struct {
	// Flags: 0x01 is Leaf Information Required (RFC 6514); RFC 7902 adds others.
	Flags      uint8
	TunnelType uint8
	// RawLabel is the 3-octet label field as sent; Label its high-order 20 bits (the MPLS
	// label). With VXLAN encapsulation the whole field is the VNI (RFC 8365 section
	// 5.1.3), so RawLabel is the one to read there.
	RawLabel uint32
	Label    uint32
	// TunnelID is the tunnel identifier as sent (aliases the message).
	TunnelID []byte
}

// DecodePMSITunnel decodes the value of a PMSI_TUNNEL attribute. Error offsets are
// relative to b.
func DecodePMSITunnel(b []byte) (PMSITunnel, error) {
	if len(b) < 5 {
		return PMSITunnel{}, errorf(0, "need at least 5 bytes (flags, tunnel type, MPLS label), have %d", len(b))
	}
	raw := ecUint24(b[2:])
	return PMSITunnel{Flags: b[0], TunnelType: b[1], RawLabel: raw, Label: raw >> 4, TunnelID: b[5:len(b):len(b)]}, nil
}

// Endpoint returns the tunnel endpoint of an ingress replication tunnel (RFC 6514: the
// unicast address of the PE, 4 or 16 octets).
func (p *PMSITunnel) Endpoint() (netip.Addr, bool) {
	if p.TunnelType != PMSIIngressReplication {
		return netip.Addr{}, false
	}
	return pmsiAddr(p.TunnelID)
}

// SenderGroup returns the <Sender Address, P-Multicast Group> pair of the PIM tunnel types
// (PIM-SSM, PIM-SM, BIDIR-PIM): two IPv4 or two IPv6 addresses.
func (p *PMSITunnel) SenderGroup() (sender, group netip.Addr, ok bool) {
	switch p.TunnelType {
	case PMSIPIMSSM, PMSIPIMSM, PMSIBidirPIM:
	default:
		return netip.Addr{}, netip.Addr{}, false
	}
	n := len(p.TunnelID) / 2
	if len(p.TunnelID)%2 != 0 {
		return netip.Addr{}, netip.Addr{}, false
	}
	s, ok1 := pmsiAddr(p.TunnelID[:n])
	g, ok2 := pmsiAddr(p.TunnelID[n:])
	return s, g, ok1 && ok2
}

// AppendTunnelID appends the tunnel identifier as text: the address for ingress
// replication, "sender,group" for the PIM types, and lowercase hex for every other type
// or an identifier of unexpected length ("" when empty).
func (p *PMSITunnel) AppendTunnelID(dst []byte) []byte {
	if a, ok := p.Endpoint(); ok {
		return a.AppendTo(dst)
	}
	if s, g, ok := p.SenderGroup(); ok {
		dst = s.AppendTo(dst)
		dst = append(dst, ',')
		return g.AppendTo(dst)
	}
	return ecAppendHex(dst, p.TunnelID)
}

// String formats the tunnel for logs and tests: "flags=0 type=6 label=625/0x002714 id=127.0.0.2".
func (p *PMSITunnel) String() string {
	b := make([]byte, 0, 64)
	b = append(b, "flags="...)
	b = strconv.AppendUint(b, uint64(p.Flags), 10)
	b = append(b, " type="...)
	b = strconv.AppendUint(b, uint64(p.TunnelType), 10)
	b = append(b, " label="...)
	b = strconv.AppendUint(b, uint64(p.Label), 10)
	b = append(b, "/0x"...)
	b = ecAppendHex(b, []byte{byte(p.RawLabel >> 16), byte(p.RawLabel >> 8), byte(p.RawLabel)})
	b = append(b, " id="...)
	return string(p.AppendTunnelID(b))
}

func pmsiAddr(b []byte) (netip.Addr, bool) {
	switch len(b) {
	case 4:
		return netip.AddrFrom4([4]byte(b)), true
	case 16:
		return netip.AddrFrom16([16]byte(b)), true
	}
	return netip.Addr{}, false
}
