package bgp

import (
	"fmt"
	"strconv"
)

// Error is a decoding error. Offset is the byte offset of the faulty field relative to the
// start of the BGP message given to the decoder (the first marker byte), and What says
// what was found and what was expected, e.g.
//
//	bgp: offset 23: MP_REACH_NLRI: next hop length 40 exceeds attribute (12 bytes left)
type Error struct {
	Offset int
	What   string
}

func (e *Error) Error() string {
	return "bgp: offset " + strconv.Itoa(e.Offset) + ": " + e.What
}

// errorf builds an *Error. It is only called on the error path, so its formatting
// allocations never touch successful decodes.
func errorf(off int, format string, args ...any) *Error {
	return &Error{Offset: off, What: fmt.Sprintf(format, args...)}
}
