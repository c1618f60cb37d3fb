package bgp

import (
	"encoding/binary"
	"strconv"
)

// Message length limits. RFC 4271 caps a message at 4096 bytes; the extended message
// capability (RFC 8654) raises the cap to 65535 for every type but OPEN and KEEPALIVE.
// The decoders accept any length the 16-bit field can carry, because whether extended
// messages were negotiated is session state the caller may not have.
const (
	MaxMessageLen         = 4096
	MaxExtendedMessageLen = 65535
)

// minimum lengths per message type (RFC 4271 section 6.1, RFC 7313 for ROUTE-REFRESH).
func minMessageLen(typ uint8) int {
	switch typ {
	case MsgOpen:
		return 29
	case MsgUpdate:
		return 23
	case MsgNotification:
		return 21
	case MsgRouteRefresh:
		return 23
	}
	return HeaderLen
}

// ParseHeader decodes the 19-byte header at the start of b: the 16-byte marker (not
// checked: BMP speakers copy whatever was received), the 2-byte length and the type. It
// checks that the length is at least 19, at least the minimum for the known message
// types (exactly 19 for KEEPALIVE), and no more than len(b). b may hold more than one
// message; use SplitMessage to walk a stream.
func ParseHeader(b []byte) (length int, typ uint8, err error) {
	if len(b) < HeaderLen {
		return 0, 0, errorf(0, "message header: need %d bytes, have %d", HeaderLen, len(b))
	}
	length = int(binary.BigEndian.Uint16(b[16:18]))
	typ = b[18]
	if length < HeaderLen {
		return 0, 0, errorf(16, "message length %d below the minimum %d", length, HeaderLen)
	}
	if min := minMessageLen(typ); length < min {
		return 0, 0, errorf(16, "%s message length %d below the minimum %d", MessageTypeName(typ), length, min)
	}
	if typ == MsgKeepalive && length != HeaderLen {
		return 0, 0, errorf(16, "KEEPALIVE message length %d, expected %d", length, HeaderLen)
	}
	if length > len(b) {
		return 0, 0, errorf(16, "message length %d exceeds the %d bytes available", length, len(b))
	}
	return length, typ, nil
}

// SplitMessage splits the first BGP message off b. msg and rest alias b.
func SplitMessage(b []byte) (msg, rest []byte, err error) {
	n, _, err := ParseHeader(b)
	if err != nil {
		return nil, b, err
	}
	return b[:n:n], b[n:], nil
}

// checkMessage validates that msg is exactly one message of type want.
func checkMessage(msg []byte, want uint8) error {
	n, typ, err := ParseHeader(msg)
	if err != nil {
		return err
	}
	if typ != want {
		return errorf(18, "message type %s, expected %s", msgTypeLabel(typ), msgTypeLabel(want))
	}
	if n != len(msg) {
		return errorf(16, "message length %d but %d bytes given (pass exactly one message; see SplitMessage)", n, len(msg))
	}
	return nil
}

// MessageTypeName returns the IANA name of a BGP message type ("UPDATE"), or "" when the
// type is unassigned.
func MessageTypeName(typ uint8) string {
	switch typ {
	case MsgOpen:
		return "OPEN"
	case MsgUpdate:
		return "UPDATE"
	case MsgNotification:
		return "NOTIFICATION"
	case MsgKeepalive:
		return "KEEPALIVE"
	case MsgRouteRefresh:
		return "ROUTE-REFRESH"
	}
	return ""
}

func msgTypeLabel(typ uint8) string {
	if n := MessageTypeName(typ); n != "" {
		return n
	}
	return strconv.Itoa(int(typ))
}
