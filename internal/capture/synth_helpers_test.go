package capture

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// bmpMsg builds a BMP message of the given type and total length (>= minimum for the
// type); the body is filled with a pattern derived from seed so that messages differ.
func bmpMsg(typ uint8, total int, seed byte) []byte {
	m := make([]byte, total)
	m[0] = 3
	binary.BigEndian.PutUint32(m[1:5], uint32(total))
	m[5] = typ
	for i := 6; i < total; i++ {
		m[i] = seed + byte(i)
	}
	return m
}

// testSession is a small BMP session: Initiation, Peer Up, three Route Monitoring.
func testSession() []byte {
	var b bytes.Buffer
	b.Write(bmpMsg(4, 30, 1))
	b.Write(bmpMsg(3, 120, 2))
	b.Write(bmpMsg(0, 90, 3))
	b.Write(bmpMsg(0, 200, 4))
	b.Write(bmpMsg(0, 75, 5))
	return b.Bytes()
}

// pkt describes one TCP packet of a synthetic capture.
type pkt struct {
	src, dst string // "addr:port"
	seq      uint32
	syn, ack bool
	fin      bool
	payload  []byte
}

// ipTCP serialises the IP and TCP headers and payload of p.
func ipTCP(t testing.TB, p pkt) []byte {
	t.Helper()
	src, dst := netip.MustParseAddrPort(p.src), netip.MustParseAddrPort(p.dst)
	tcp := &layers.TCP{
		SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()),
		Seq: p.seq, Ack: 1, SYN: p.syn, ACK: p.ack, FIN: p.fin, PSH: len(p.payload) > 0,
		Window: 65535,
	}
	var ip gopacket.SerializableLayer
	if src.Addr().Is4() {
		ip4 := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP,
			SrcIP: net.IP(src.Addr().AsSlice()), DstIP: net.IP(dst.Addr().AsSlice())}
		tcp.SetNetworkLayerForChecksum(ip4)
		ip = ip4
	} else {
		ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP,
			SrcIP: net.IP(src.Addr().AsSlice()), DstIP: net.IP(dst.Addr().AsSlice())}
		tcp.SetNetworkLayerForChecksum(ip6)
		ip = ip6
	}
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		ip, tcp, gopacket.Payload(p.payload))
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// udpFrame is an Ethernet/IPv4/UDP frame (to be skipped by the reader).
func udpFrame(t testing.TB) []byte {
	t.Helper()
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP,
		SrcIP: net.IP{192, 0, 2, 1}, DstIP: net.IP{192, 0, 2, 2}}
	udp := &layers.UDP{SrcPort: 4739, DstPort: 1790}
	udp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		ethHeader(4), ip, udp, gopacket.Payload(bmpMsg(4, 20, 9)))
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

func ethHeader(ipVersion int) *layers.Ethernet {
	et := layers.EthernetTypeIPv4
	if ipVersion == 6 {
		et = layers.EthernetTypeIPv6
	}
	return &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: et}
}

// frame wraps ipTCP(p) in the link-layer header of lt.
func frame(t testing.TB, lt layers.LinkType, p pkt) []byte {
	t.Helper()
	ip := ipTCP(t, p)
	v6 := ip[0]>>4 == 6
	etype := []byte{0x08, 0x00}
	if v6 {
		etype = []byte{0x86, 0xdd}
	}
	var hdr []byte
	switch lt {
	case layers.LinkTypeEthernet:
		hdr = append([]byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}, etype...)
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6:
	case layers.LinkTypeNull: // host byte order (little endian here)
		fam := uint32(2)
		if v6 {
			fam = 30
		}
		hdr = binary.LittleEndian.AppendUint32(nil, fam)
	case layers.LinkTypeLoop: // network byte order
		fam := uint32(2)
		if v6 {
			fam = 24
		}
		hdr = binary.BigEndian.AppendUint32(nil, fam)
	case layers.LinkTypeLinuxSLL:
		hdr = []byte{0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0}
		hdr = append(hdr, etype...)
	case layers.LinkTypeLinuxSLL2:
		hdr = append([]byte(nil), etype...)
		hdr = append(hdr, 0, 0, 0, 0, 0, 1, 0, 1, 4, 6, 2, 0, 0, 0, 0, 1, 0, 0)
	default:
		t.Fatalf("no frame builder for link type %v", lt)
	}
	return append(hdr, ip...)
}

// vlanFrame is an Ethernet frame with an 802.1Q tag around ipTCP(p).
func vlanFrame(t testing.TB, p pkt) []byte {
	ip := ipTCP(t, p)
	hdr := []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x81, 0x00, 0x00, 0x64, 0x08, 0x00}
	return append(hdr, ip...)
}

// pcapFile writes frames with pcapgo.Writer (little endian, microseconds).
func pcapFile(t testing.TB, lt layers.LinkType, frames [][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(65535, lt); err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, f := range frames {
		ci := gopacket.CaptureInfo{Timestamp: ts.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(f), Length: len(f)}
		if err := w.WritePacket(ci, f); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// pcapBytes writes a pcap file by hand, in any byte order and timestamp resolution;
// origLen[i] > len(frames[i]) records a packet truncated by the snap length.
func pcapBytes(order binary.AppendByteOrder, nano bool, lt uint32, frames [][]byte, origLen []int) []byte {
	magic := uint32(0xa1b2c3d4)
	if nano {
		magic = 0xa1b23c4d
	}
	var b []byte
	b = order.AppendUint32(b, magic)
	b = order.AppendUint16(b, 2)
	b = order.AppendUint16(b, 4)
	b = order.AppendUint32(b, 0)
	b = order.AppendUint32(b, 0)
	b = order.AppendUint32(b, 262144)
	b = order.AppendUint32(b, lt)
	for i, f := range frames {
		orig := len(f)
		if origLen != nil && origLen[i] > 0 {
			orig = origLen[i]
		}
		b = order.AppendUint32(b, 1700000000+uint32(i))
		b = order.AppendUint32(b, 0)
		b = order.AppendUint32(b, uint32(len(f)))
		b = order.AppendUint32(b, uint32(orig))
		b = append(b, f...)
	}
	return b
}

// pcapngFile writes frames with pcapgo.NgWriter.
func pcapngFile(t testing.TB, lt layers.LinkType, frames [][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriter(&buf, lt)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range frames {
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(1700000000+int64(i), 0), CaptureLength: len(f), Length: len(f)}
		if err := w.WritePacket(ci, f); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// segmentsOf cuts data at the given offsets into packets from src to dst starting at isn.
func segmentsOf(src, dst string, isn uint32, data []byte, cuts ...int) []pkt {
	var out []pkt
	prev := 0
	for _, c := range append(cuts, len(data)) {
		out = append(out, pkt{src: src, dst: dst, seq: isn + uint32(prev), ack: true, payload: data[prev:c]})
		prev = c
	}
	return out
}

func framesOf(t testing.TB, lt layers.LinkType, pkts []pkt) [][]byte {
	t.Helper()
	out := make([][]byte, len(pkts))
	for i, p := range pkts {
		out[i] = frame(t, lt, p)
	}
	return out
}
