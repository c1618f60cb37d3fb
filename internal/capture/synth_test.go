package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

const (
	router    = "192.0.2.10:40001"
	collector = "198.51.100.1:1790"
)

func readBytes(t *testing.T, data []byte, opts Options) []Stream {
	t.Helper()
	streams, err := Read(bytes.NewReader(data), "synth.pcap", opts)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return streams
}

func wantOneStream(t *testing.T, streams []Stream, src, dst string, data []byte, gaps int) {
	t.Helper()
	if len(streams) != 1 {
		t.Fatalf("got %d streams, want 1", len(streams))
	}
	s := streams[0]
	if s.Src != netip.MustParseAddrPort(src) || s.Dst != netip.MustParseAddrPort(dst) {
		t.Errorf("direction %v → %v, want %s → %s", s.Src, s.Dst, src, dst)
	}
	if !bytes.Equal(s.Data, data) {
		t.Errorf("data: got %d bytes, want %d; first difference at %d", len(s.Data), len(data), firstDiff(s.Data, data))
	}
	if s.Gaps != gaps {
		t.Errorf("gaps = %d, want %d", s.Gaps, gaps)
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestReassemblyOutOfOrderRetransmitGap builds a capture with pcapgo.Writer holding one
// BMP session cut into 7 segments (not on message boundaries), delivered out of order,
// with a retransmission, a partially overlapping retransmission and one segment
// missing, plus collector ACKs, a UDP datagram and a sequence number wrap.
func TestReassemblyOutOfOrderRetransmitGap(t *testing.T) {
	sess := testSession()  // 515 bytes
	const isn = 0xffffff00 // wraps after 256 bytes
	seg := segmentsOf(router, collector, isn, sess, 20, 100, 170, 260, 330, 400)
	// seg[i] covers [cut[i-1], cut[i]): 0-20, 20-100, 100-170, 170-260, 260-330, 330-400, 400-515
	overlap := pkt{src: router, dst: collector, seq: isn + 150, ack: true, payload: sess[150:290]}
	ackBack := pkt{src: collector, dst: router, seq: 7, ack: true}
	order := []pkt{seg[0], ackBack, seg[2], seg[1], seg[1], overlap, seg[3], ackBack, seg[6], seg[5]}
	// seg[4] (260-330) is lost, but overlap covers 150-290: the gap is 290-330.
	frames := framesOf(t, layers.LinkTypeEthernet, order)
	frames = append(frames[:3], append([][]byte{udpFrame(t)}, frames[3:]...)...)
	streams := readBytes(t, pcapFile(t, layers.LinkTypeEthernet, frames), Options{})

	want := append(append([]byte(nil), sess[:290]...), sess[330:]...)
	wantOneStream(t, streams, router, collector, want, 1)
	if streams[0].Name != "synth.pcap#1" {
		t.Errorf("name %q, want synth.pcap#1", streams[0].Name)
	}
}

func TestReassemblyInOrderComplete(t *testing.T) {
	sess := testSession()
	seg := segmentsOf(router, collector, 1000, sess, 1, 6, 7, 300)
	streams := readBytes(t, pcapFile(t, layers.LinkTypeEthernet, framesOf(t, layers.LinkTypeEthernet, seg)), Options{})
	wantOneStream(t, streams, router, collector, sess, 0)
	c := Count(streams[0].Data)
	if c.Messages != 5 || c.ByType[0] != 3 || c.ByType[3] != 1 || c.ByType[4] != 1 || c.Torn {
		t.Errorf("counts %+v", c)
	}
}

// TestFirstSegmentOutOfOrder: without a SYN the stream starts at the lowest sequence
// number captured, even when that segment is not the first captured.
func TestFirstSegmentOutOfOrder(t *testing.T) {
	sess := testSession()
	seg := segmentsOf(router, collector, 5000, sess, 100, 200)
	order := []pkt{seg[1], seg[0], seg[2]}
	streams := readBytes(t, pcapFile(t, layers.LinkTypeEthernet, framesOf(t, layers.LinkTypeEthernet, order)), Options{})
	wantOneStream(t, streams, router, collector, sess, 0)
}

func TestHandshakeAndSynData(t *testing.T) {
	sess := testSession()
	t.Run("RFC placement after SYN", func(t *testing.T) {
		// SYN at 100 carrying data (TCP Fast Open): data starts at 101.
		pkts := []pkt{
			{src: router, dst: collector, seq: 100, syn: true, payload: sess[:30]},
			{src: collector, dst: router, seq: 9000, syn: true, ack: true},
			{src: router, dst: collector, seq: 131, ack: true, payload: sess[30:]},
			{src: router, dst: collector, seq: 131 + uint32(len(sess)-30), ack: true, fin: true},
		}
		streams := readBytes(t, pcapFile(t, layers.LinkTypeEthernet, framesOf(t, layers.LinkTypeEthernet, pkts)), Options{})
		wantOneStream(t, streams, router, collector, sess, 0)
	})
	t.Run("traffic-reproducer placement at SYN", func(t *testing.T) {
		// Rewritten captures: SYN flag on the first data segment, next segment at seq+len.
		pkts := []pkt{
			{src: router, dst: collector, seq: 1, syn: true, payload: sess[:30]},
			{src: router, dst: collector, seq: 31, ack: true, payload: sess[30:]},
		}
		streams := readBytes(t, pcapFile(t, layers.LinkTypeEthernet, framesOf(t, layers.LinkTypeEthernet, pkts)), Options{})
		wantOneStream(t, streams, router, collector, sess, 0)
	})
	t.Run("plain handshake", func(t *testing.T) {
		pkts := []pkt{
			{src: router, dst: collector, seq: 7777, syn: true},
			{src: collector, dst: router, seq: 9000, syn: true, ack: true},
			{src: router, dst: collector, seq: 7778, ack: true},
		}
		pkts = append(pkts, segmentsOf(router, collector, 7778, sess, 250)...)
		streams := readBytes(t, pcapFile(t, layers.LinkTypeEthernet, framesOf(t, layers.LinkTypeEthernet, pkts)), Options{})
		wantOneStream(t, streams, router, collector, sess, 0)
	})
}

// TestReusedPortPair: a new SYN on an address/port pair that already carried a session
// starts a new stream.
func TestReusedPortPair(t *testing.T) {
	a, b := testSession(), bmpMsg(4, 50, 7)
	var pkts []pkt
	pkts = append(pkts, pkt{src: router, dst: collector, seq: 10, syn: true})
	pkts = append(pkts, segmentsOf(router, collector, 11, a, 200)...)
	pkts = append(pkts, pkt{src: router, dst: collector, seq: 11 + uint32(len(a)), fin: true, ack: true})
	pkts = append(pkts, pkt{src: router, dst: collector, seq: 900000, syn: true})
	pkts = append(pkts, segmentsOf(router, collector, 900001, b)...)
	streams := readBytes(t, pcapFile(t, layers.LinkTypeEthernet, framesOf(t, layers.LinkTypeEthernet, pkts)), Options{})
	if len(streams) != 2 {
		t.Fatalf("got %d streams, want 2", len(streams))
	}
	if !bytes.Equal(streams[0].Data, a) || !bytes.Equal(streams[1].Data, b) {
		t.Errorf("stream data: %d and %d bytes, want %d and %d", len(streams[0].Data), len(streams[1].Data), len(a), len(b))
	}
}

// TestDirectionAndPorts covers direction by port, by content, and non-BMP connections.
func TestDirectionAndPorts(t *testing.T) {
	sess := testSession()
	const r2, c2 = "10.0.0.1:50000", "10.0.0.2:7777" // no collector port
	bgpMarker := bytes.Repeat([]byte{0xff}, 19)
	var pkts []pkt
	pkts = append(pkts, pkt{src: "10.0.0.8:40000", dst: "10.0.0.9:179", seq: 1, ack: true, payload: bgpMarker})
	pkts = append(pkts, pkt{src: c2, dst: r2, seq: 1, ack: true, payload: []byte("hello from the collector")})
	pkts = append(pkts, segmentsOf(r2, c2, 1, sess, 100)...)
	pkts = append(pkts, segmentsOf(router, collector, 1, sess)...)
	data := pcapFile(t, layers.LinkTypeEthernet, framesOf(t, layers.LinkTypeEthernet, pkts))

	streams := readBytes(t, data, Options{})
	if len(streams) != 2 {
		t.Fatalf("default ports: got %d streams, want 2", len(streams))
	}
	if streams[0].Src.String() != r2 || streams[1].Src.String() != router {
		t.Errorf("order/direction: %v, %v", streams[0].Src, streams[1].Src)
	}
	for i, s := range streams {
		if !bytes.Equal(s.Data, sess) || s.Name != "synth.pcap#"+string(rune('1'+i)) {
			t.Errorf("stream %d: name %q, %d bytes", i, s.Name, len(s.Data))
		}
	}

	// Port 7777 declared: still the same direction, now by port.
	streams = readBytes(t, data, Options{Ports: []uint16{7777, 1790}})
	if len(streams) != 2 || streams[0].Dst.String() != c2 {
		t.Fatalf("ports 7777,1790: %d streams", len(streams))
	}
	// Declaring 179 a collector port makes the BGP bytes a (non-BMP) stream: ports win.
	streams = readBytes(t, data, Options{Ports: []uint16{179}})
	if len(streams) != 3 || streams[0].Dst.Port() != 179 {
		t.Fatalf("ports 179: got %d streams", len(streams))
	}
	// Content only.
	streams = readBytes(t, data, Options{Ports: []uint16{}})
	if len(streams) != 2 {
		t.Fatalf("content only: got %d streams, want 2", len(streams))
	}
	// MaxStreams keeps the first in order of first packet.
	streams = readBytes(t, data, Options{MaxStreams: 1})
	if len(streams) != 1 || streams[0].Src.String() != r2 {
		t.Fatalf("MaxStreams 1: %v", streams)
	}
}

func TestLinkTypes(t *testing.T) {
	sess := testSession()
	for _, lt := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeRaw, layers.LinkTypeNull,
		layers.LinkTypeLoop, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2} {
		for _, ends := range [][2]string{{router, collector}, {"[2001:db8::1]:40001", "[2001:db8::2]:11019"}} {
			t.Run(lt.String()+"/"+ends[0], func(t *testing.T) {
				pkts := segmentsOf(ends[0], ends[1], 42, sess, 33, 400)
				streams := readBytes(t, pcapFile(t, lt, framesOf(t, lt, pkts)), Options{})
				wantOneStream(t, streams, ends[0], ends[1], sess, 0)
			})
		}
	}
	t.Run("IPv4 and IPv6 link types", func(t *testing.T) {
		pkts := segmentsOf(router, collector, 42, sess, 100)
		streams := readBytes(t, pcapFile(t, layers.LinkTypeIPv4, framesOf(t, layers.LinkTypeIPv4, pkts)), Options{})
		wantOneStream(t, streams, router, collector, sess, 0)
		v6 := "[2001:db8::2]:5000"
		pkts = segmentsOf("[2001:db8::1]:1", v6, 42, sess, 100)
		streams = readBytes(t, pcapFile(t, layers.LinkTypeIPv6, framesOf(t, layers.LinkTypeIPv6, pkts)), Options{})
		wantOneStream(t, streams, "[2001:db8::1]:1", v6, sess, 0)
	})
	t.Run("VLAN", func(t *testing.T) {
		var frames [][]byte
		for _, p := range segmentsOf(router, collector, 42, sess, 100) {
			frames = append(frames, vlanFrame(t, p))
		}
		streams := readBytes(t, pcapFile(t, layers.LinkTypeEthernet, frames), Options{})
		wantOneStream(t, streams, router, collector, sess, 0)
	})
	t.Run("unsupported", func(t *testing.T) {
		_, err := Read(bytes.NewReader(pcapBytes(binary.LittleEndian, false, 105, nil, nil)), "x", Options{})
		if err == nil || !strings.Contains(err.Error(), "unsupported link type 105") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestFileFormats(t *testing.T) {
	sess := testSession()
	pkts := segmentsOf(router, collector, 42, sess, 64, 128)
	frames := framesOf(t, layers.LinkTypeEthernet, pkts)
	formats := map[string][]byte{
		"pcap LE usec": pcapBytes(binary.LittleEndian, false, 1, frames, nil),
		"pcap LE nsec": pcapBytes(binary.LittleEndian, true, 1, frames, nil),
		"pcap BE usec": pcapBytes(binary.BigEndian, false, 1, frames, nil),
		"pcap BE nsec": pcapBytes(binary.BigEndian, true, 1, frames, nil),
		"pcapng":       pcapngFile(t, layers.LinkTypeEthernet, frames),
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(formats["pcapng"])
	zw.Close()
	formats["pcapng.gz"] = gz.Bytes()
	for name, data := range formats {
		t.Run(name, func(t *testing.T) {
			wantOneStream(t, readBytes(t, data, Options{}), router, collector, sess, 0)
		})
	}
}

// TestTruncation: a file cut inside its last record ends at the last whole packet, and a
// packet cut by the snap length leaves a gap.
func TestTruncation(t *testing.T) {
	sess := testSession()
	pkts := segmentsOf(router, collector, 42, sess, 100, 300)
	frames := framesOf(t, layers.LinkTypeEthernet, pkts)
	file := pcapBytes(binary.LittleEndian, false, 1, frames, nil)

	streams := readBytes(t, file[:len(file)-10], Options{})
	wantOneStream(t, streams, router, collector, sess[:300], 0)

	// Second packet captured with only 30 payload bytes of 200.
	cut := append([][]byte(nil), frames...)
	hdr := len(frames[1]) - 200
	cut[1] = frames[1][:hdr+30]
	streams = readBytes(t, pcapBytes(binary.LittleEndian, false, 1, cut, []int{0, len(frames[1]), 0}), Options{})
	want := append(append([]byte(nil), sess[:130]...), sess[300:]...)
	wantOneStream(t, streams, router, collector, want, 1)
}

func TestRawAndErrors(t *testing.T) {
	dir := t.TempDir()
	sess := testSession()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	streams, err := ReadFile(write("session.bmp", sess), Options{})
	if err != nil || len(streams) != 1 || streams[0].Name != "session.bmp" || !bytes.Equal(streams[0].Data, sess) ||
		streams[0].Src.IsValid() {
		t.Fatalf("raw: %v %+v", err, streams)
	}
	// A capture without BMP is not an error.
	noBMP := pcapFile(t, layers.LinkTypeEthernet, [][]byte{udpFrame(t)})
	if streams, err := ReadFile(write("udp.pcap", noBMP), Options{}); err != nil || len(streams) != 0 {
		t.Fatalf("no BMP: %v %d", err, len(streams))
	}
	bad := []struct{ name, data, want string }{
		{"empty.bmp", "", "empty file"},
		{"text.bmp", "hello world, not BMP", "version 3 or 4"},
		{"short.bmp", "\x03\x00", "6-byte common header"},
		{"badtype.bmp", "\x03\x00\x00\x00\x30\x07", "message type"},
		{"trunc.pcap", "\xd4\xc3\xb2\xa1\x02\x00", "pcap header"},
		{"trunc.pcapng", "\x0a\x0d\x0d\x0a\x1c\x00", "pcapng header"},
	}
	for _, b := range bad {
		_, err := ReadFile(write(b.name, []byte(b.data)), Options{})
		if err == nil || !strings.Contains(err.Error(), b.want) || !strings.Contains(err.Error(), b.name) {
			t.Errorf("%s: err = %v, want it to mention %q and the file", b.name, err, b.want)
		}
	}
	if _, err := ReadFile(filepath.Join(dir, "missing.pcap"), Options{}); !os.IsNotExist(err) {
		t.Errorf("missing file: %v", err)
	}
}

func TestDiscover(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"b/x.pcap", "a.PCAPNG", "b/c/y.bmp", "z.cap", "notes.txt", "d.bin", ".hidden/h.pcap", "b/x.pcap.summary.txt"} {
		full := filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		os.WriteFile(full, nil, 0o644)
	}
	got, err := Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	var rel []string
	for _, g := range got {
		r, _ := filepath.Rel(dir, g)
		rel = append(rel, filepath.ToSlash(r))
	}
	want := []string{"a.PCAPNG", "b/c/y.bmp", "b/x.pcap", "z.cap"}
	if strings.Join(rel, " ") != strings.Join(want, " ") {
		t.Errorf("Discover = %v, want %v", rel, want)
	}
	if _, err := Discover(filepath.Join(dir, "nope")); err == nil {
		t.Error("Discover of a missing directory: no error")
	}
}

func TestDetect(t *testing.T) {
	cases := map[string]Format{
		"\xa1\xb2\xc3\xd4": FormatPcap, "\xd4\xc3\xb2\xa1": FormatPcap,
		"\xa1\xb2\x3c\x4d": FormatPcap, "\x4d\x3c\xb2\xa1": FormatPcap,
		"\x0a\x0d\x0d\x0a": FormatPcapNG, "\x03\x00\x00\x00": FormatRaw, "\xa1": FormatRaw,
	}
	for in, want := range cases {
		if got := Detect([]byte(in)); got != want {
			t.Errorf("Detect(%x) = %v, want %v", in, got, want)
		}
	}
}

// TestPcapngMixedLinkTypes: one session split over an Ethernet and a raw-IP interface,
// interleaved with packets of an unsupported (USB) interface.
func TestPcapngMixedLinkTypes(t *testing.T) {
	sess := testSession()
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriter(&buf, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := w.AddInterface(pcapgo.NgInterface{LinkType: layers.LinkTypeRaw, SnapLength: 65535})
	if err != nil {
		t.Fatal(err)
	}
	usb, err := w.AddInterface(pcapgo.NgInterface{LinkType: layers.LinkTypeLinuxUSB, SnapLength: 65535})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range segmentsOf(router, collector, 42, sess, 100, 200, 300) {
		iface, lt := 0, layers.LinkTypeEthernet
		if i%2 == 1 {
			iface, lt = raw, layers.LinkTypeRaw
		}
		f := frame(t, lt, p)
		w.WritePacket(gopacket.CaptureInfo{Timestamp: time.Unix(1, 0), CaptureLength: len(f), Length: len(f), InterfaceIndex: iface}, f)
		junk := []byte("usb junk")
		w.WritePacket(gopacket.CaptureInfo{Timestamp: time.Unix(1, 0), CaptureLength: len(junk), Length: len(junk), InterfaceIndex: usb}, junk)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	wantOneStream(t, readBytes(t, buf.Bytes(), Options{}), router, collector, sess, 0)
}

// TestRewrittenSessionsSamePorts: traffic-reproducer output where two sessions of the same
// router share the rewritten address/port pair, each starting with SYN at sequence 1.
func TestRewrittenSessionsSamePorts(t *testing.T) {
	a, b := testSession(), bmpMsg(4, 64, 9)
	pkts := []pkt{
		{src: router, dst: collector, seq: 1, syn: true, payload: a[:30]},
		{src: router, dst: collector, seq: 31, ack: true, payload: a[30:]},
		{src: router, dst: collector, seq: 1, syn: true, payload: b[:20]},
		{src: router, dst: collector, seq: 21, ack: true, payload: b[20:]},
	}
	streams := readBytes(t, pcapFile(t, layers.LinkTypeEthernet, framesOf(t, layers.LinkTypeEthernet, pkts)), Options{})
	if len(streams) != 2 || !bytes.Equal(streams[0].Data, a) || !bytes.Equal(streams[1].Data, b) {
		t.Fatalf("got %d streams", len(streams))
	}
}
