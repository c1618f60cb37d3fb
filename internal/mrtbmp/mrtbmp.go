// Package mrtbmp converts MRT files (RFC 6396) into BMP router streams (RFC 7854), so that a
// collector can be load-tested with real routes. The MRT records are read with GoBGP's
// pkg/packet/mrt; the BMP messages are built with package gen.
//
// A TABLE_DUMP_V2 RIB becomes what a router sends on connect: an Initiation, one Peer Up
// per MRT peer, then per peer its routes packed as a router would pack them (prefixes that
// share identical attributes in one UPDATE of at most 4096 bytes, IPv6 and multicast
// through MP_REACH_NLRI), an End-of-RIB per family, and finally a Peer Down per peer and a
// Termination (unless Options.NoTermination). A BGP4MP update file becomes Route
// Monitoring messages in the file's order, each peer's Peer Up sent before its first
// message and state changes out of and into Established sent as Peer Down and Peer Up.
package mrtbmp

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"time"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/packet/mrt"

	"github.com/bmpstream/bmpstream/internal/gen"
)

// MaxUpdate is the largest UPDATE the converter writes (RFC 4271 without extended messages).
const MaxUpdate = 4096

// Options tune the conversion.
type Options struct {
	// SysName is the Initiation sysName (default "mrt-router").
	SysName string
	// LocalAS is the router's own AS in the Peer Up OPENs (default 64512).
	LocalAS uint32
	// NoTermination leaves out the final Peer Downs and Termination: the stream then ends
	// as if the router kept its sessions up.
	NoTermination bool
	// MaxPeers, when positive, keeps only the first MaxPeers peers of a RIB dump.
	MaxPeers int
}

func (o *Options) defaults() {
	if o.SysName == "" {
		o.SysName = "mrt-router"
	}
	if o.LocalAS == 0 {
		o.LocalAS = 64512
	}
}

// Counts says what a converted stream holds and what a collector must make of it.
type Counts struct {
	// Kind is "rib" (TABLE_DUMP_V2) or "updates" (BGP4MP).
	Kind string `json:"kind"`
	// MRTRecords read; Skipped MRT records or RIB entries not converted, by reason.
	MRTRecords int            `json:"mrt_records"`
	Skipped    map[string]int `json:"skipped,omitempty"`
	// Quirks counts input that deviates from RFC 6396 in a known way and was converted.
	Quirks map[string]int `json:"quirks,omitempty"`
	// BMP messages written, by kind.
	Messages   int `json:"bmp_messages"`
	Updates    int `json:"route_monitoring"`
	PeerUps    int `json:"peer_ups"`
	PeerDowns  int `json:"peer_downs"`
	EndOfRIBs  int `json:"end_of_ribs"`
	Initiation int `json:"initiations"`
	Terminated int `json:"terminations"`
	// Routes announced (one per prefix per peer) and withdrawn, IP families only;
	// Unicast and Multicast split Announced by SAFI.
	Announced int `json:"announced"`
	Unicast   int `json:"unicast"`
	Multicast int `json:"multicast"`
	Withdrawn int `json:"withdrawn"`
	// Peers seen.
	Peers int `json:"peers"`
}

// Records is how many records bmpstream makes of a RIB stream: one per BMP message of
// Initiation, Peer Up, Peer Down and Termination, one per announced prefix and one per
// End-of-RIB. (BGP4MP streams carry withdrawals and other families too: no exact figure.)
func (c Counts) Records() int64 {
	return int64(c.Initiation + c.PeerUps + c.PeerDowns + c.Terminated + c.Announced + c.EndOfRIBs)
}

func (c *Counts) quirk(what string) {
	if c.Quirks == nil {
		c.Quirks = make(map[string]int)
	}
	c.Quirks[what]++
}

func (c *Counts) skip(why string) {
	if c.Skipped == nil {
		c.Skipped = make(map[string]int)
	}
	c.Skipped[why]++
}

// Open opens an MRT file, decompressing gzip and bzip2 (recognised by their magic bytes).
func Open(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(f, 1<<20)
	magic, _ := br.Peek(3)
	var r io.Reader = br
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		r = zr
	case bytes.HasPrefix(magic, []byte("BZh")):
		r = bzip2.NewReader(br)
	}
	return readCloser{r, f}, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// Convert reads the MRT records of r and writes the BMP stream to w. The kind of stream
// follows the first record: TABLE_DUMP_V2 (a RIB) or BGP4MP (updates).
func Convert(r io.Reader, w io.Writer, opt Options) (Counts, error) {
	opt.defaults()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	sc.Split(mrt.SplitMrt)
	bw := bufio.NewWriterSize(w, 1<<20)
	c := &converter{opt: opt, w: bw}
	for sc.Scan() {
		rec := sc.Bytes()
		c.n.MRTRecords++
		if err := c.record(rec); err != nil {
			return c.n, fmt.Errorf("MRT record %d: %w", c.n.MRTRecords, err)
		}
		if c.err != nil {
			return c.n, c.err
		}
	}
	if err := sc.Err(); err != nil {
		return c.n, fmt.Errorf("reading MRT after record %d: %w", c.n.MRTRecords, err)
	}
	if c.n.Kind == "" {
		return c.n, errors.New("no TABLE_DUMP_V2 or BGP4MP record found")
	}
	c.finish()
	if c.err != nil {
		return c.n, c.err
	}
	return c.n, bw.Flush()
}

// ConvertFile converts the MRT file at path (see Open).
func ConvertFile(path string, w io.Writer, opt Options) (Counts, error) {
	r, err := Open(path)
	if err != nil {
		return Counts{}, err
	}
	defer r.Close()
	c, err := Convert(r, w, opt)
	if err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

type converter struct {
	opt Options
	w   *bufio.Writer
	err error
	n   Counts
	t0  time.Time // time of the first record

	rib *ribState
	upd *updState
}

func (c *converter) write(b []byte) {
	if c.err != nil {
		return
	}
	c.n.Messages++
	_, c.err = c.w.Write(b)
}

func (c *converter) record(rec []byte) error {
	h, err := mrt.ParseHeader(rec)
	if err != nil {
		return err
	}
	hl := mrt.MRT_COMMON_HEADER_LEN
	if h.Type.HasExtendedTimestamp() {
		hl += 4 // the microseconds count in the length (RFC 6396 §3)
	}
	if len(rec) < hl {
		return fmt.Errorf("record of %d bytes, header needs %d", len(rec), hl)
	}
	body := rec[hl:]
	if c.t0.IsZero() {
		c.t0 = h.GetTime()
	}
	switch h.Type {
	case mrt.TABLE_DUMPv2:
		if c.n.Kind == "updates" {
			c.n.skip("table_dump_v2 record in an update file")
			return nil
		}
		c.n.Kind = "rib"
		return c.ribRecord(h, body)
	case mrt.BGP4MP, mrt.BGP4MP_ET:
		if c.n.Kind == "rib" {
			c.n.skip("bgp4mp record in a RIB dump")
			return nil
		}
		c.n.Kind = "updates"
		return c.updateRecord(h, body)
	default:
		c.n.skip(fmt.Sprintf("mrt type %d", h.Type))
		return nil
	}
}

func (c *converter) finish() {
	switch c.n.Kind {
	case "rib":
		c.ribFinish()
	case "updates":
		c.updFinish()
	}
}

// peerHeader is the per-peer header of an MRT peer.
func peerHeader(addr netip.Addr, as uint32, id netip.Addr, as2 bool, t time.Time) gen.Peer {
	p := gen.Peer{Addr: addr.Unmap(), AS: as, BGPID: id.Unmap(), Time: t}
	if p.Addr.Is6() {
		p.Flags |= 0x80 // V: IPv6 peer address
	}
	if as2 {
		p.Flags |= 0x20 // A: legacy 2-byte AS_PATH
	}
	if !p.BGPID.Is4() {
		p.BGPID = netip.AddrFrom4([4]byte{})
	}
	return p
}

// open builds an OPEN for as with the families and, unless as2, the 4-byte AS capability.
func open(as uint32, id netip.Addr, as2 bool, fams []family) []byte {
	var caps [][]byte
	for _, f := range fams {
		caps = append(caps, gen.CapMP(f.afi, f.safi))
	}
	my := uint16(as)
	if as > 0xffff {
		my = 23456 // AS_TRANS
	}
	if !as2 {
		caps = append(caps, gen.CapAS4(as))
	}
	if !id.Is4() {
		id = netip.AddrFrom4([4]byte{192, 0, 2, 1})
	}
	return gen.Open(my, 180, id, caps...)
}

// peerUp builds a Peer Up for peer p, local address local.
func (c *converter) peerUp(p gen.Peer, local netip.Addr, as2 bool, fams []family) {
	localID := local
	sent := open(c.opt.LocalAS, localID, as2, fams)
	recv := open(p.AS, p.BGPID, as2, fams)
	if p.Addr.Is6() && local.Is4() {
		local = netip.AddrFrom16(local.As16()) // v4-mapped
	}
	c.write(gen.PeerUp(p, local, 179, 179, sent, recv))
	c.n.PeerUps++
}

type family struct {
	afi  uint16
	safi uint8
}

var (
	famV4  = family{1, 1}
	famV6  = family{2, 1}
	famV4M = family{1, 2}
	famV6M = family{2, 2}
)

func u16(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }

// appendPrefix appends p as NLRI (length in bits, then the significant bytes).
func appendPrefix(b []byte, p netip.Prefix) []byte {
	bits := p.Bits()
	b = append(b, uint8(bits))
	a := p.Addr().AsSlice()
	return append(b, a[:(bits+7)/8]...)
}

// nlriPrefix extracts the prefix of an IP unicast or multicast NLRI.
func nlriPrefix(n bgp.NLRI) (netip.Prefix, bool) {
	if p, ok := n.(*bgp.IPAddrPrefix); ok {
		return p.Prefix, true
	}
	return netip.Prefix{}, false
}
