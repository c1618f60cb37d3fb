package capture

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// packetSource is what pcapgo.Reader and pcapgo.NgReader have in common.
type packetSource interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// decoderFor returns the gopacket decoder for a link type, or nil when unsupported.
func decoderFor(lt layers.LinkType) gopacket.Decoder {
	switch lt {
	case layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2:
		return lt
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return layers.LinkTypeNull // gopacket's loopback decoder accepts both byte orders
	case layers.LinkTypeRaw, 12, 14: // 12 and 14 are raw IP in files from some BSDs
		return layers.LinkTypeRaw
	case layers.LinkTypeIPv4:
		return layers.LayerTypeIPv4
	case layers.LinkTypeIPv6:
		return layers.LayerTypeIPv6
	}
	return nil
}

// endpoint is one side of a TCP connection.
type endpoint struct {
	addr netip.Addr
	port uint16
}

func (e endpoint) less(o endpoint) bool {
	if c := e.addr.Compare(o.addr); c != 0 {
		return c < 0
	}
	return e.port < o.port
}

// connKey identifies a connection regardless of direction: a is the lower endpoint.
type connKey struct{ a, b endpoint }

// conn is one TCP connection. half[0] carries a→b, half[1] b→a.
type conn struct {
	key  connKey
	half [2]halfStream
}

// tcpPacket is the part of a decoded packet the reassembler needs.
type tcpPacket struct {
	src, dst endpoint
	seq      uint32
	syn, ack bool
	payload  []byte
}

// decodeTCP extracts the innermost IP/TCP of a packet. ok is false for non-TCP packets
// and packets whose TCP header could not be decoded.
func decodeTCP(data []byte, dec gopacket.Decoder) (p tcpPacket, ok bool) {
	pkt := gopacket.NewPacket(data, dec, gopacket.DecodeOptions{Lazy: true, NoCopy: true})
	var src, dst netip.Addr
	for _, l := range pkt.Layers() {
		switch l := l.(type) {
		case *layers.IPv4:
			src, _ = netip.AddrFromSlice(l.SrcIP)
			dst, _ = netip.AddrFromSlice(l.DstIP)
			src, dst = src.Unmap(), dst.Unmap()
		case *layers.IPv6:
			src, _ = netip.AddrFromSlice(l.SrcIP)
			dst, _ = netip.AddrFromSlice(l.DstIP)
		case *layers.TCP:
			if !src.IsValid() || !dst.IsValid() {
				return p, false
			}
			return tcpPacket{
				src:     endpoint{src, uint16(l.SrcPort)},
				dst:     endpoint{dst, uint16(l.DstPort)},
				seq:     l.Seq,
				syn:     l.SYN,
				ack:     l.ACK,
				payload: l.Payload,
			}, true
		}
	}
	return p, false
}

// tracker maps live connections and keeps all of them in order of first packet.
type tracker struct {
	ports []uint16 // collector ports
	live  map[connKey]*conn
	all   []*conn
}

// packet adds one TCP packet; connections are created in order of their first packet.
func (t *tracker) packet(p tcpPacket) {
	key, dir := connKey{p.src, p.dst}, 0
	if p.dst.less(p.src) {
		key, dir = connKey{p.dst, p.src}, 1
	}
	c := t.live[key]
	if c != nil && p.syn {
		// A SYN with a new initial sequence number, or on a direction that already
		// carried data, opens a new connection on a reused address/port pair. (Captures
		// rewritten by traffic-reproducer start every session with SYN at sequence 1.)
		h := &c.half[dir]
		if h.data || (h.syn && h.synSeq != p.seq) || (!h.syn && len(h.segs) > 0) {
			c = nil
		}
	}
	if slices.Contains(t.ports, p.src.port) && !slices.Contains(t.ports, p.dst.port) {
		// Collector → router: never the BMP direction, its payload is not kept.
		p.payload = nil
	}
	if c == nil {
		c = &conn{key: key}
		t.live[key] = c
		t.all = append(t.all, c)
	}
	c.half[dir].add(p.seq, p.syn, p.payload)
}

func readPackets(r io.Reader, format Format, name string, opts Options) ([]Stream, error) {
	var (
		src      packetSource
		fixed    gopacket.Decoder // pcap: one link type for the file
		fixedLT  layers.LinkType
		isPcapNG = format == FormatPcapNG
	)
	if isPcapNG {
		ng, err := pcapgo.NewNgReader(r, pcapgo.NgReaderOptions{WantMixedLinkType: true, SkipUnknownVersion: true})
		if err != nil {
			return nil, fmt.Errorf("pcapng header: %w", err)
		}
		src = ng
	} else {
		pr, err := pcapgo.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("pcap header: %w", err)
		}
		fixedLT = pr.LinkType()
		if fixed = decoderFor(fixedLT); fixed == nil {
			return nil, fmt.Errorf("pcap header at offset 20: unsupported link type %d (%s); expected Ethernet, Linux SLL/SLL2, raw IP or loopback", int(fixedLT), fixedLT)
		}
		src = pr
	}

	ports := opts.Ports
	if ports == nil {
		ports = DefaultPorts
	}
	t := &tracker{ports: ports, live: make(map[connKey]*conn)}
	var unsupported, supported int
	var unsupportedLT layers.LinkType
	for idx := 0; ; idx++ {
		data, ci, err := src.ZeroCopyReadPacketData()
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				break // a capture cut short mid-record ends at its last whole packet
			}
			return nil, fmt.Errorf("packet %d: %w", idx+1, err)
		}
		dec := fixed
		if isPcapNG {
			lt, _ := ci.AncillaryData[0].(layers.LinkType)
			if dec = decoderFor(lt); dec == nil {
				unsupported++
				unsupportedLT = lt
				continue
			}
		}
		supported++
		if p, ok := decodeTCP(data, dec); ok {
			t.packet(p)
		}
	}
	if supported == 0 && unsupported > 0 {
		return nil, fmt.Errorf("pcapng: all %d packets use unsupported link types (e.g. %d %s)", unsupported, int(unsupportedLT), unsupportedLT)
	}
	return t.streams(name, opts.MaxStreams), nil
}

// streams decides the BMP direction of every connection and returns the BMP streams in
// order of each connection's first packet.
func (t *tracker) streams(name string, maxStreams int) []Stream {
	ports := t.ports
	var out []Stream
	for _, c := range t.all {
		if maxStreams > 0 && len(out) >= maxStreams {
			break
		}
		dir := -1
		aColl := slices.Contains(ports, c.key.a.port)
		bColl := slices.Contains(ports, c.key.b.port)
		switch {
		case bColl && !aColl:
			dir = 0 // a → b is router → collector
		case aColl && !bColl:
			dir = 1
		}
		var data [2][]byte
		var gaps [2]int
		if dir >= 0 {
			data[dir], gaps[dir] = c.half[dir].assemble()
		} else {
			for d := range 2 {
				data[d], gaps[d] = c.half[d].assemble()
				if looksLikeBMP(data[d]) && (dir < 0 || len(data[d]) > len(data[dir])) {
					dir = d
				}
			}
		}
		if dir < 0 || len(data[dir]) == 0 {
			continue
		}
		s, d := c.key.a, c.key.b
		if dir == 1 {
			s, d = d, s
		}
		out = append(out, Stream{
			Name: fmt.Sprintf("%s#%d", name, len(out)+1),
			Src:  netip.AddrPortFrom(s.addr, s.port),
			Dst:  netip.AddrPortFrom(d.addr, d.port),
			Data: data[dir],
			Gaps: gaps[dir],
		})
	}
	return out
}
