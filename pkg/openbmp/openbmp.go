// Package openbmp encodes and decodes the OpenBMP binary message-bus header, version 1.7
// ("OBMP" magic; the "binary_v2" raw format of OpenBMP's v2 collector, also produced by
// goBMP's --bmp-raw). Every raw frame is one header followed by exactly one BMP message,
// byte for byte as the router sent it.
//
// Layout (big-endian; N = admin-id length, M = router-group length):
//
//	 0  4  magic "OBMP"            22 16 collector hash (MD5 of the admin id)
//	 4  1  major version (1)       38  2 N
//	 5  1  minor version (7)       40  N admin id
//	 6  2  header length           40+N 16 router hash
//	 8  4  BMP message length      56+N 16 router IP (IPv4: 4 bytes then 12 zero bytes)
//	12  1  flags (0x80 router,     72+N  2 M
//	       0x40 router IPv6)       74+N  M router group
//	13  1  object type (12 raw)    74+N+M 4 row count (1)
//	14  4  timestamp seconds       78+N+M   BMP message
//	18  4  timestamp microseconds
//
// Collector objects (type 0) carry no router fields: their header is 44+N bytes.
//
// The router hash has several recipes in the wild (see RouterHashOpenBMP and
// RouterHashText); the collector hash is always MD5 of the admin id.
package openbmp

import (
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"
)

// Header constants.
const (
	Magic        = 0x4F424D50 // "OBMP"
	VersionMajor = 1
	VersionMinor = 7

	// FlagRouter marks a router message (router hash, IP and group present).
	FlagRouter = 0x80
	// FlagIPv6 marks an IPv6 router address.
	FlagIPv6 = 0x40

	// ObjectCollector is a collector (heartbeat) object; ObjectBMPRaw a raw BMP message.
	ObjectCollector = 0
	ObjectBMPRaw    = 12

	// RawFixedLen is the length of a BMP_RAW header without the admin id and router group.
	RawFixedLen = 78
	// CollectorFixedLen is the length of a collector header without the admin id.
	CollectorFixedLen = 44
	// MaxNameLen bounds the admin id and the router group (strict decoders cap them at 255).
	MaxNameLen = 255
)

// Header is a decoded OBMP header.
type Header struct {
	Major, Minor uint8
	// HeaderLen is the header-length field as sent (0 in some collector frames).
	HeaderLen uint16
	// MsgLen is the length of the BMP message that follows the header.
	MsgLen     uint32
	Flags      uint8
	ObjectType uint8
	// Time is the collector timestamp (microsecond resolution).
	Time          time.Time
	CollectorHash [16]byte
	AdminID       string
	// Router fields: present when Flags has FlagRouter.
	RouterHash  [16]byte
	RouterIP    netip.Addr
	RouterGroup string
	RowCount    uint32
}

// CollectorHash is the collector hash of admin id: MD5 of its bytes.
func CollectorHash(adminID string) [16]byte { return md5.Sum([]byte(adminID)) }

// RouterHashOpenBMP is the router hash written by OpenBMP's v2 collector (the RouteViews
// raw feeds): MD5 of the 16-byte router-IP field up to, not including, its first zero
// byte (the C code takes the length with strlen). For 192.0.2.1 only the byte 0xc0 is
// hashed; every address starting with a zero byte hashes the empty input. An IPv6
// address with no zero byte makes the C code read past the field, which cannot be
// reproduced: all 16 bytes are hashed then.
func RouterHashOpenBMP(ip netip.Addr) [16]byte {
	var f [16]byte
	routerIPField(&f, ip)
	n := 0
	for n < len(f) && f[n] != 0 {
		n++
	}
	return md5.Sum(f[:n])
}

// RouterHashText is goBMP's raw-mode router hash: MD5 of the address as text.
func RouterHashText(ip netip.Addr) [16]byte {
	var buf [64]byte
	return md5.Sum(ip.Unmap().AppendTo(buf[:0]))
}

// RouterHashField is MD5 of the whole 16-byte router-IP field: collision-free, but
// compatible with neither OpenBMP nor goBMP.
func RouterHashField(ip netip.Addr) [16]byte {
	var f [16]byte
	routerIPField(&f, ip)
	return md5.Sum(f[:])
}

// routerIPField fills the 16-byte router-IP field: IPv4 left-aligned, then zeros.
func routerIPField(f *[16]byte, ip netip.Addr) {
	ip = ip.Unmap()
	if ip.Is4() {
		a := ip.As4()
		copy(f[:], a[:])
		return
	}
	if ip.Is6() {
		*f = ip.As16()
	}
}

// Encoder appends BMP_RAW frames for one collector identity. It is immutable after
// NewEncoder and safe for concurrent use.
type Encoder struct {
	adminID       string
	collectorHash [16]byte
}

// NewEncoder returns an encoder for the collector admin id (at most MaxNameLen bytes).
func NewEncoder(adminID string) (*Encoder, error) {
	if len(adminID) > MaxNameLen {
		return nil, fmt.Errorf("openbmp: admin id is %d bytes, at most %d allowed", len(adminID), MaxNameLen)
	}
	return &Encoder{adminID: adminID, collectorHash: CollectorHash(adminID)}, nil
}

// AdminID returns the encoder's admin id.
func (e *Encoder) AdminID() string { return e.adminID }

// HeaderLen is the header length of a BMP_RAW frame with a router group of length m.
func (e *Encoder) HeaderLen(m int) int { return RawFixedLen + len(e.adminID) + m }

// AppendRaw appends a BMP_RAW frame (header and msg) to dst: the router at ip with hash
// routerHash, in router group group (at most MaxNameLen bytes, longer is cut), received
// at t.
func (e *Encoder) AppendRaw(dst []byte, routerHash [16]byte, ip netip.Addr, group string, t time.Time, msg []byte) []byte {
	if len(group) > MaxNameLen {
		group = group[:MaxNameLen]
	}
	ip = ip.Unmap()
	flags := uint8(FlagRouter)
	if ip.Is6() {
		flags |= FlagIPv6
	}
	dst = binary.BigEndian.AppendUint32(dst, Magic)
	dst = append(dst, VersionMajor, VersionMinor)
	dst = binary.BigEndian.AppendUint16(dst, uint16(e.HeaderLen(len(group))))
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(msg)))
	dst = append(dst, flags, ObjectBMPRaw)
	dst = binary.BigEndian.AppendUint32(dst, uint32(t.Unix()))
	dst = binary.BigEndian.AppendUint32(dst, uint32(t.Nanosecond()/1000))
	dst = append(dst, e.collectorHash[:]...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(e.adminID)))
	dst = append(dst, e.adminID...)
	dst = append(dst, routerHash[:]...)
	var f [16]byte
	routerIPField(&f, ip)
	dst = append(dst, f[:]...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(group)))
	dst = append(dst, group...)
	dst = binary.BigEndian.AppendUint32(dst, 1)
	return append(dst, msg...)
}

// AppendCollector appends a collector (type 0) header with no payload, with a correct
// header length (OpenBMP's v2 collector writes 0 there).
func (e *Encoder) AppendCollector(dst []byte, t time.Time) []byte {
	dst = binary.BigEndian.AppendUint32(dst, Magic)
	dst = append(dst, VersionMajor, VersionMinor)
	dst = binary.BigEndian.AppendUint16(dst, uint16(CollectorFixedLen+len(e.adminID)))
	dst = binary.BigEndian.AppendUint32(dst, 0)
	dst = append(dst, 0, ObjectCollector)
	dst = binary.BigEndian.AppendUint32(dst, uint32(t.Unix()))
	dst = binary.BigEndian.AppendUint32(dst, uint32(t.Nanosecond()/1000))
	dst = append(dst, e.collectorHash[:]...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(e.adminID)))
	dst = append(dst, e.adminID...)
	return binary.BigEndian.AppendUint32(dst, 0)
}
