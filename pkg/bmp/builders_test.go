package bmp

import (
	"encoding/binary"
	"net/netip"
	"unsafe"
)

// Builders for hand-assembled BMP messages used by the tests.

func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// msg frames body with a common header of the given version and type.
func msg(version, typ uint8, body ...[]byte) []byte {
	b := cat(body...)
	return cat([]byte{version}, be32(uint32(CommonHeaderLen+len(b))), []byte{typ}, b)
}

// peerSpec describes a per-peer header.
type peerSpec struct {
	typ, flags uint8
	rd         [8]byte
	addr       [16]byte
	as         uint32
	bgpID      [4]byte
	sec, usec  uint32
}

func (p peerSpec) bytes() []byte {
	return cat([]byte{p.typ, p.flags}, p.rd[:], p.addr[:], be32(p.as), p.bgpID[:], be32(p.sec), be32(p.usec))
}

// addr16 returns the 16-byte BMP address field for a (IPv4 right-aligned, zero-filled).
func addr16(s string) [16]byte {
	a := netip.MustParseAddr(s)
	var out [16]byte
	if a.Is4() {
		v4 := a.As4()
		copy(out[12:], v4[:])
		return out
	}
	return a.As16()
}

// v4peer is a global-instance IPv4 peer 192.0.2.1 AS 65001, id 192.0.2.1, at
// 2024-01-02T03:04:05.000006Z.
var v4peer = peerSpec{typ: PeerTypeGlobal, addr: addr16("192.0.2.1"), as: 65001,
	bgpID: [4]byte{192, 0, 2, 1}, sec: 1704164645, usec: 6}

// bgp builds a BGP message (marker, length, type, body).
func bgp(typ uint8, body ...[]byte) []byte {
	b := cat(body...)
	m := make([]byte, 16, 19+len(b))
	for i := range m {
		m[i] = 0xff
	}
	return cat(m, be16(uint16(19+len(b))), []byte{typ}, b)
}

// update is a small BGP UPDATE: ORIGIN IGP, empty AS_PATH, NEXT_HOP 192.0.2.1,
// NLRI 198.51.100.0/24.
func update() []byte {
	attrs := cat([]byte{0x40, 1, 1, 0}, []byte{0x40, 2, 0}, []byte{0x40, 3, 4, 192, 0, 2, 1})
	return bgp(2, be16(0), be16(uint16(len(attrs))), attrs, []byte{24, 198, 51, 100})
}

// open is a minimal BGP OPEN: version 4, my AS, hold 180, id, no optional parameters.
func open(as uint16, id [4]byte) []byte {
	return bgp(1, []byte{4}, be16(as), be16(180), id[:], []byte{0})
}

// notification is a BGP NOTIFICATION Cease / Administrative Shutdown.
func notification() []byte { return bgp(3, []byte{6, 2}) }

func tlv(t uint16, v []byte) []byte { return cat(be16(t), be16(uint16(len(v))), v) }

func itlv(t, idx uint16, v []byte) []byte {
	return cat(be16(t), be16(uint16(len(v))), be16(idx), v)
}

func stat(t uint16, v []byte) []byte { return tlv(t, v) }

// within reports whether sub lies inside b (nil and empty slices always do).
func within(b, sub []byte) bool {
	if len(sub) == 0 {
		return true
	}
	if len(b) == 0 {
		return false
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(sub)))
	return p >= lo && p+uintptr(len(sub)) <= lo+uintptr(len(b))
}

// slicesOf returns every byte slice of m that is meaningful for m.Header.Type.
func slicesOf(m *Message) [][]byte {
	out := [][]byte{m.Body}
	tlvs := func(ts []InfoTLV) {
		for _, t := range ts {
			out = append(out, t.Value)
		}
	}
	switch m.Header.Type {
	case MsgRouteMonitoring, MsgStatisticsReport, MsgPeerDown, MsgPeerUp, MsgRouteMirroring:
		out = append(out, m.Peer.Raw)
	}
	switch m.Header.Type {
	case MsgRouteMonitoring:
		out = append(out, m.RouteMonitoring.Update)
		tlvs(m.RouteMonitoring.TLVs)
	case MsgStatisticsReport:
		for _, s := range m.Stats.Stats {
			out = append(out, s.Raw)
		}
		tlvs(m.Stats.TLVs)
	case MsgPeerDown:
		out = append(out, m.PeerDown.Notification, m.PeerDown.Data)
		tlvs(m.PeerDown.TLVs)
	case MsgPeerUp:
		out = append(out, m.PeerUp.SentOpen, m.PeerUp.ReceivedOpen)
		tlvs(m.PeerUp.Info)
	case MsgInitiation:
		tlvs(m.Initiation.TLVs)
	case MsgTermination:
		tlvs(m.Termination.TLVs)
	case MsgRouteMirroring:
		tlvs(m.Mirroring.TLVs)
	}
	return out
}
