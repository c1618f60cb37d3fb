package openbmp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// ErrShort is wrapped by errors about a frame that ends early.
var ErrShort = errors.New("openbmp: frame too short")

// DecodeError is a malformed-frame error with the byte offset where it was found.
type DecodeError struct {
	Offset int
	What   string
	Err    error
}

func (e *DecodeError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("openbmp: offset %d: %s: %v", e.Offset, e.What, e.Err)
	}
	return fmt.Sprintf("openbmp: offset %d: %s", e.Offset, e.What)
}

func (e *DecodeError) Unwrap() error { return e.Err }

func short(off int, what string, need, have int) error {
	return &DecodeError{Offset: off, What: fmt.Sprintf("%s: need %d bytes, have %d", what, need, have), Err: ErrShort}
}

// Decode parses one frame at the start of b. It returns the header, the BMP message that
// follows it (a sub-slice of b) and the frame's total length, so a buffer of
// concatenated frames can be walked. Version 1.7 only; the header-length field must match
// the fields for router messages (it is ignored when 0 on collector objects, which
// OpenBMP's v2 collector sends that way).
func Decode(b []byte) (h Header, msg []byte, n int, err error) {
	if len(b) < 14 {
		return h, nil, 0, short(0, "fixed header", 14, len(b))
	}
	if m := binary.BigEndian.Uint32(b); m != Magic {
		return h, nil, 0, &DecodeError{Offset: 0, What: fmt.Sprintf("magic 0x%08x, want 0x%08x (OBMP)", m, Magic)}
	}
	h.Major, h.Minor = b[4], b[5]
	if h.Major != VersionMajor || h.Minor != VersionMinor {
		return h, nil, 0, &DecodeError{Offset: 4, What: fmt.Sprintf("version %d.%d, want 1.7", h.Major, h.Minor)}
	}
	h.HeaderLen = binary.BigEndian.Uint16(b[6:])
	h.MsgLen = binary.BigEndian.Uint32(b[8:])
	h.Flags = b[12]
	h.ObjectType = b[13]
	if h.ObjectType == ObjectBMPRaw && h.Flags&FlagRouter == 0 {
		return h, nil, 0, &DecodeError{Offset: 12, What: fmt.Sprintf("flags 0x%02x: BMP_RAW object without router flag", h.Flags)}
	}
	off := 14
	if len(b) < off+26 {
		return h, nil, 0, short(off, "timestamp, collector hash and admin-id length", 26, len(b)-off)
	}
	sec := binary.BigEndian.Uint32(b[off:])
	usec := binary.BigEndian.Uint32(b[off+4:])
	if usec >= 1000000 {
		return h, nil, 0, &DecodeError{Offset: off + 4, What: fmt.Sprintf("timestamp microseconds %d, want < 1000000", usec)}
	}
	h.Time = time.Unix(int64(sec), int64(usec)*1000).UTC()
	off += 8
	copy(h.CollectorHash[:], b[off:off+16])
	off += 16
	adminLen := int(binary.BigEndian.Uint16(b[off:]))
	off += 2
	if len(b) < off+adminLen {
		return h, nil, 0, short(off, "admin id", adminLen, len(b)-off)
	}
	h.AdminID = string(b[off : off+adminLen])
	off += adminLen
	if h.Flags&FlagRouter != 0 {
		if len(b) < off+34 {
			return h, nil, 0, short(off, "router hash, router IP and group length", 34, len(b)-off)
		}
		copy(h.RouterHash[:], b[off:off+16])
		off += 16
		if h.Flags&FlagIPv6 != 0 {
			h.RouterIP = netip.AddrFrom16([16]byte(b[off : off+16]))
		} else {
			for i := off + 4; i < off+16; i++ {
				if b[i] != 0 {
					return h, nil, 0, &DecodeError{Offset: i, What: "IPv4 router IP field has non-zero padding"}
				}
			}
			h.RouterIP = netip.AddrFrom4([4]byte(b[off : off+4]))
		}
		off += 16
		groupLen := int(binary.BigEndian.Uint16(b[off:]))
		off += 2
		if len(b) < off+groupLen {
			return h, nil, 0, short(off, "router group", groupLen, len(b)-off)
		}
		h.RouterGroup = string(b[off : off+groupLen])
		off += groupLen
	} else if h.Flags&FlagIPv6 != 0 {
		return h, nil, 0, &DecodeError{Offset: 12, What: fmt.Sprintf("flags 0x%02x: IPv6 flag without router flag", h.Flags)}
	}
	if len(b) < off+4 {
		return h, nil, 0, short(off, "row count", 4, len(b)-off)
	}
	h.RowCount = binary.BigEndian.Uint32(b[off:])
	off += 4
	if int(h.HeaderLen) != off && !(h.HeaderLen == 0 && h.ObjectType == ObjectCollector) {
		return h, nil, 0, &DecodeError{Offset: 6, What: fmt.Sprintf("header length %d, but the fields end at %d", h.HeaderLen, off)}
	}
	if h.ObjectType == ObjectBMPRaw {
		if h.RowCount != 1 {
			return h, nil, 0, &DecodeError{Offset: off - 4, What: fmt.Sprintf("row count %d, want 1 for BMP_RAW", h.RowCount)}
		}
	}
	if uint64(len(b)-off) < uint64(h.MsgLen) {
		return h, nil, 0, short(off, "BMP message", int(min(h.MsgLen, 1<<31-1)), len(b)-off)
	}
	msg = b[off : off+int(h.MsgLen)]
	return h, msg, off + int(h.MsgLen), nil
}
