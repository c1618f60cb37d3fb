package bmp

import (
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Sentinel errors, matched with errors.Is. They are wrapped by *Error.
var (
	// ErrBadVersion: the common header carries a version other than 3 or 4.
	ErrBadVersion = errors.New("bmp: unsupported version")
	// ErrTooLarge: the declared message length exceeds the configured maximum.
	ErrTooLarge = errors.New("bmp: message too large")
	// ErrTooShort: the declared message length is below the 6-byte common header.
	ErrTooShort = errors.New("bmp: message length below common header size")
)

// Error is a decoding or framing error. Offset is the byte offset of the offending field:
// within the message for the decoders (the common header is at offset 0), within the
// stream for Reader. Err, when set, is a sentinel (ErrBadVersion, ErrTooLarge,
// ErrTooShort) reachable through errors.Is.
type Error struct {
	Offset int
	What   string
	Err    error
}

// Error implements error: "bmp: offset 12: peer header: need 42 bytes, have 30".
func (e *Error) Error() string {
	return "bmp: offset " + strconv.Itoa(e.Offset) + ": " + e.What
}

// Unwrap returns the wrapped sentinel, if any.
func (e *Error) Unwrap() error { return e.Err }

// TornError reports a stream that ended (EOF) in the middle of a message. Got counts the
// bytes of the torn message that were received, common header included. When fewer than
// 5 bytes arrived the declared length is unknown and Declared is 0; when fewer than 6
// arrived Type is 0. It unwraps to io.ErrUnexpectedEOF.
type TornError struct {
	Type     uint8
	Declared int
	Got      int
}

// Error implements error.
func (e *TornError) Error() string {
	if e.Declared == 0 {
		return fmt.Sprintf("bmp: stream ended inside a common header (%d of %d bytes): %v",
			e.Got, CommonHeaderLen, io.ErrUnexpectedEOF)
	}
	return fmt.Sprintf("bmp: stream ended inside a message (type %d, %d of %d declared bytes): %v",
		e.Type, e.Got, e.Declared, io.ErrUnexpectedEOF)
}

// Unwrap returns io.ErrUnexpectedEOF.
func (e *TornError) Unwrap() error { return io.ErrUnexpectedEOF }

// errShort reports that what needs need bytes at off and only have remain.
func errShort(off int, what string, need, have int) error {
	return &Error{Offset: off, What: what + ": need " + strconv.Itoa(need) + " bytes, have " + strconv.Itoa(have)}
}

// errf builds an *Error with a formatted description.
func errf(off int, format string, args ...any) error {
	return &Error{Offset: off, What: fmt.Sprintf(format, args...)}
}
