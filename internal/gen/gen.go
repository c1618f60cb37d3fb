// Package gen builds BMP and BGP messages byte by byte. Tests use it to make exact inputs
// (including malformed ones) and the benchmark uses it to generate large synthetic router
// streams. It is written from the RFCs independently of the decoders it tests.
package gen

import (
	"encoding/binary"
	"net/netip"
	"time"
)

func u16(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }
func u32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }

// BMP builds a BMP message with version 3: common header + body.
func BMP(typ uint8, body ...[]byte) []byte { return BMPv(3, typ, body...) }

// BMPv builds a BMP message with the given version.
func BMPv(version, typ uint8, body ...[]byte) []byte {
	n := 6
	for _, b := range body {
		n += len(b)
	}
	out := make([]byte, 0, n)
	out = append(out, version)
	out = u32(out, uint32(n))
	out = append(out, typ)
	for _, b := range body {
		out = append(out, b...)
	}
	return out
}

// Peer describes a per-peer header.
type Peer struct {
	Type  uint8
	Flags uint8
	RD    [8]byte
	Addr  netip.Addr
	AS    uint32
	BGPID netip.Addr
	Time  time.Time
}

// Header returns the 42-byte per-peer header.
func (p Peer) Header() []byte {
	b := make([]byte, 0, 42)
	b = append(b, p.Type, p.Flags)
	b = append(b, p.RD[:]...)
	var a [16]byte
	if p.Addr.Is4() {
		v4 := p.Addr.As4()
		copy(a[12:], v4[:])
	} else if p.Addr.IsValid() {
		a = p.Addr.As16()
	}
	b = append(b, a[:]...)
	b = u32(b, p.AS)
	var id [4]byte
	if p.BGPID.Is4() {
		id = p.BGPID.As4()
	}
	b = append(b, id[:]...)
	if p.Time.IsZero() {
		return append(b, make([]byte, 8)...)
	}
	b = u32(b, uint32(p.Time.Unix()))
	return u32(b, uint32(p.Time.Nanosecond()/1000))
}

// TLV builds a BMP information TLV.
func TLV(typ uint16, v []byte) []byte {
	b := u16(nil, typ)
	b = u16(b, uint16(len(v)))
	return append(b, v...)
}

// Initiation builds an Initiation message with sysDescr and sysName TLVs.
func Initiation(sysName, sysDescr string) []byte {
	return BMP(4, TLV(1, []byte(sysDescr)), TLV(2, []byte(sysName)))
}

// Termination builds a Termination message with a reason TLV.
func Termination(reason uint16) []byte { return BMP(5, TLV(1, u16(nil, reason))) }

// PeerUp builds a Peer Up message.
func PeerUp(p Peer, local netip.Addr, localPort, remotePort uint16, sentOpen, recvOpen []byte, tlvs ...[]byte) []byte {
	var a [16]byte
	if local.Is4() {
		v4 := local.As4()
		copy(a[12:], v4[:])
	} else if local.IsValid() {
		a = local.As16()
	}
	body := append([]byte{}, a[:]...)
	body = u16(body, localPort)
	body = u16(body, remotePort)
	body = append(body, sentOpen...)
	body = append(body, recvOpen...)
	for _, t := range tlvs {
		body = append(body, t...)
	}
	return BMP(3, p.Header(), body)
}

// PeerDown builds a Peer Down message with the reason and its data.
func PeerDown(p Peer, reason uint8, data []byte) []byte {
	return BMP(2, p.Header(), []byte{reason}, data)
}

// RouteMonitoring builds a Route Monitoring message carrying one BGP UPDATE.
func RouteMonitoring(p Peer, update []byte) []byte { return BMP(0, p.Header(), update) }

// Stat is one statistics TLV.
type Stat struct {
	Type  uint16
	Value []byte
}

// Counter32, Gauge64 and PerAFI build statistics values.
func Counter32(typ uint16, v uint32) Stat { return Stat{typ, u32(nil, v)} }
func Gauge64(typ uint16, v uint64) Stat {
	return Stat{typ, binary.BigEndian.AppendUint64(nil, v)}
}
func PerAFI(typ, afi uint16, safi uint8, v uint64) Stat {
	b := u16(nil, afi)
	b = append(b, safi)
	return Stat{typ, binary.BigEndian.AppendUint64(b, v)}
}

// Stats builds a Statistics Report.
func Stats(p Peer, stats ...Stat) []byte {
	body := u32(nil, uint32(len(stats)))
	for _, s := range stats {
		body = append(body, TLV(s.Type, s.Value)...)
	}
	return BMP(1, p.Header(), body)
}

// Mirror builds a Route Mirroring message with a BGP message TLV and an information TLV.
func Mirror(p Peer, bgpMsg []byte, infoCode uint16) []byte {
	return BMP(6, p.Header(), TLV(0, bgpMsg), TLV(1, u16(nil, infoCode)))
}
