// Package capture reads BMP sessions out of capture files: pcap (both byte orders,
// microsecond and nanosecond timestamps), pcapng, and raw BMP byte streams (.bmp files
// holding what a router wrote to its collector socket). gzip-compressed files of any of
// these formats are accepted too.
//
// For packet captures it reassembles every TCP connection by sequence number (pure Go,
// no libpcap): retransmitted and duplicate bytes are removed, out-of-order segments are
// put in order, and a missing segment is counted as a gap and skipped. Streams need not
// start with a handshake (the pmacct/traffic-reproducer captures are one-directional,
// have no SYN and rewrite the router's port to 20): the lowest sequence number captured
// is then the start of the stream. Supported link types: Ethernet (with VLAN tags),
// Linux cooked capture v1 and v2, raw IPv4/IPv6 and BSD loopback/null.
//
// The router-to-collector direction of each connection is the one whose destination port
// is a collector port (Options.Ports). When neither or both ports of a connection are
// collector ports, the direction whose payload starts with a plausible BMP common header
// is taken; connections with no such direction are not BMP and are skipped.
//
// IP fragments are not reassembled (BMP speakers send TCP segments that fit the MTU).
package capture

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// DefaultPorts are the collector ports used when Options.Ports is nil: 1790 (the
// Wireshark/pmacct convention), 5000 (OpenBMP, GoBMP), 10000 (NetGauze tests) and 11019
// (a port common in router configuration examples).
var DefaultPorts = []uint16{1790, 5000, 10000, 11019}

// Options controls how captures are turned into streams.
type Options struct {
	// Ports are the collector-side TCP ports. nil means DefaultPorts; an empty non-nil
	// slice disables port matching, leaving only detection by content.
	Ports []uint16
	// MaxStreams, when > 0, keeps only the first MaxStreams BMP streams of a file.
	MaxStreams int
}

// Stream is one TCP stream's router-to-collector payload, in sequence order.
type Stream struct {
	// Name identifies the stream: the file's base name for a raw BMP file,
	// "<base name>#<n>" (n from 1, in order of the connection's first packet) for a
	// packet capture.
	Name string
	// Src is the router side, Dst the collector side. Both are zero for raw BMP files.
	Src, Dst netip.AddrPort
	// Data is the reassembled payload.
	Data []byte
	// Gaps counts the holes in the sequence space (segments missing from the capture);
	// each hole was skipped, so Data is discontinuous there.
	Gaps int
}

// Format is the detected file format.
type Format int

// File formats recognised by Detect.
const (
	FormatRaw Format = iota // raw BMP byte stream
	FormatPcap
	FormatPcapNG
)

func (f Format) String() string {
	switch f {
	case FormatPcap:
		return "pcap"
	case FormatPcapNG:
		return "pcapng"
	default:
		return "raw BMP"
	}
}

// Detect returns the format indicated by the first bytes of a (decompressed) file.
func Detect(magic []byte) Format {
	if len(magic) < 4 {
		return FormatRaw
	}
	switch binary.BigEndian.Uint32(magic[:4]) {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		return FormatPcap
	case 0x0a0d0d0a:
		return FormatPcapNG
	}
	return FormatRaw
}

// ReadFile reads the BMP streams of the capture or raw BMP file at path. The format is
// detected from the file's first bytes, not its name. A packet capture without any BMP
// stream yields an empty result and no error; a raw file that does not start with a
// plausible BMP header is an error.
func ReadFile(path string, opts Options) ([]Stream, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	streams, err := Read(f, filepath.Base(path), opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return streams, nil
}

// Read is ReadFile for an already opened file; name is used to name the streams.
func Read(r io.Reader, name string, opts Options) ([]Stream, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic, err := br.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 1<<16)
		if magic, err = br.Peek(4); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("gzip: %w", err)
		}
	}
	switch Detect(magic) {
	case FormatPcap, FormatPcapNG:
		return readPackets(br, Detect(magic), name, opts)
	}
	data, err := io.ReadAll(br)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, errors.New("empty file: expected a pcap, pcapng or raw BMP stream")
	}
	if _, err := CheckHeader(data, 0); err != nil {
		return nil, fmt.Errorf("neither pcap (magic a1b2c3d4/a1b23c4d), pcapng (0a0d0d0a) nor raw BMP: %w", err)
	}
	return []Stream{{Name: name, Data: data}}, nil
}

// isCaptureName reports whether a file name has one of the extensions Discover lists.
func isCaptureName(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".pcap", ".pcapng", ".cap", ".bmp":
		return true
	}
	return false
}

// Expand replaces the directories among paths by the capture files they hold (Discover),
// keeping the order of paths; a directory without captures and a missing path are errors.
func Expand(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		files, err := Discover(p)
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("%s: no *.pcap, *.pcapng, *.cap or *.bmp file", p)
		}
		out = append(out, files...)
	}
	return out, nil
}

// Discover lists the capture files (.pcap, .pcapng, .cap, .bmp, any case) under dir,
// recursively, sorted by path. Hidden directories are skipped.
func Discover(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if isCaptureName(d.Name()) {
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(out)
	return out, nil
}
