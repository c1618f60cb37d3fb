package capture

import (
	"encoding/binary"
	"fmt"
)

// BMP framing facts this package needs. They are kept local (instead of importing
// pkg/bmp) so that the capture reader depends on nothing but the common header.
const (
	bmpHeaderLen     = 6
	bmpPeerHeaderLen = 42
	// MaxMessageLen is the largest BMP message length this package accepts as plausible
	// when it has to decide by content whether a TCP payload is BMP. BGP messages are at
	// most 65535 bytes (RFC 8654); a BMP message carries at most a few of them plus TLVs.
	MaxMessageLen = 1 << 24
)

// typeNames are short names of the BMP message types, for listings.
var typeNames = map[uint8]string{
	0:   "RouteMonitoring",
	1:   "StatisticsReport",
	2:   "PeerDown",
	3:   "PeerUp",
	4:   "Initiation",
	5:   "Termination",
	6:   "RouteMirroring",
	100: "RoutePolicyTrace",
}

// TypeName returns a short name for a BMP message type ("PeerUp", "type-42").
func TypeName(t uint8) string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("type-%d", t)
}

// HeaderError describes why bytes at Offset are not a plausible BMP common header.
type HeaderError struct {
	Offset int    // byte offset of the header in the examined buffer
	Reason string // what was expected
}

func (e *HeaderError) Error() string {
	return fmt.Sprintf("bmp header at offset %d: %s", e.Offset, e.Reason)
}

// CheckHeader validates the BMP common header at the start of b and returns the message
// length it declares. It accepts versions 3 and 4, message types 0..6 and 100, and a
// length from the smallest valid for the type up to MaxMessageLen. It only looks at the
// 6 header bytes: the message itself may extend past the end of b. offset is only used
// in the returned error.
func CheckHeader(b []byte, offset int) (int, error) {
	if len(b) < bmpHeaderLen {
		return 0, &HeaderError{offset, fmt.Sprintf("6-byte common header, have %d bytes", len(b))}
	}
	version, typ := b[0], b[5]
	if version != 3 && version != 4 {
		return 0, &HeaderError{offset, fmt.Sprintf("version 3 or 4, got %d", version)}
	}
	n := binary.BigEndian.Uint32(b[1:5])
	minLen := uint32(bmpHeaderLen)
	switch typ {
	case 0, 1, 2, 3, 6, 100: // messages that carry a per-peer header
		minLen += bmpPeerHeaderLen
	case 4, 5:
	default:
		return 0, &HeaderError{offset, fmt.Sprintf("message type 0..6 or 100, got %d", typ)}
	}
	if n < minLen || n > MaxMessageLen {
		return 0, &HeaderError{offset, fmt.Sprintf("length %d..%d for type %d, got %d", minLen, MaxMessageLen, typ, n)}
	}
	return int(n), nil
}

// Counts summarises a raw BMP byte stream walked by common headers.
type Counts struct {
	Messages int           // complete messages
	Bytes    int           // bytes in complete messages
	ByType   map[uint8]int // complete messages per message type
	// Torn is set when the stream ends inside a message (or on bytes that do not form a
	// plausible header). TornType, TornDeclared and TornPresent describe it; TornDeclared
	// is 0 when not even a plausible header is present.
	Torn         bool
	TornType     uint8
	TornDeclared int
	TornPresent  int
	// BadOffset is the offset of the first implausible header (-1 if none). The walk
	// stops there: everything from BadOffset on is counted as torn.
	BadOffset int
}

// Count walks data by BMP common headers. It never fails: a final partial message or
// an implausible header ends the walk and is reported in the Torn fields.
func Count(data []byte) Counts {
	c := Counts{ByType: make(map[uint8]int), BadOffset: -1}
	off := 0
	for off < len(data) {
		n, err := CheckHeader(data[off:], off)
		if err != nil {
			c.Torn = true
			c.TornPresent = len(data) - off
			if len(data)-off >= bmpHeaderLen {
				c.BadOffset = off
			}
			break
		}
		if n > len(data)-off {
			c.Torn = true
			c.TornType = data[off+5]
			c.TornDeclared = n
			c.TornPresent = len(data) - off
			break
		}
		c.Messages++
		c.Bytes += n
		c.ByType[data[off+5]]++
		off += n
	}
	return c
}

// looksLikeBMP reports whether a reassembled TCP payload starts like a BMP session: a
// plausible common header, and when the first message is complete and more bytes follow,
// a plausible second header too.
func looksLikeBMP(data []byte) bool {
	n, err := CheckHeader(data, 0)
	if err != nil {
		return false
	}
	if n < len(data) {
		rest := data[n:]
		if len(rest) >= bmpHeaderLen {
			if _, err := CheckHeader(rest, n); err != nil {
				return false
			}
		}
	}
	return true
}
