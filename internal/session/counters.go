package session

import (
	"sync/atomic"

	"github.com/bmpstream/bmpstream/pkg/bmp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// ErrorKind classifies decode errors.
type ErrorKind int

const (
	// ErrBMP: a well-framed BMP message whose body does not decode.
	ErrBMP ErrorKind = iota
	// ErrUpdate: a Route Monitoring message whose BGP UPDATE does not decode.
	ErrUpdate
	// ErrOpen: a Peer Up whose OPEN messages do not decode.
	ErrOpen
	// ErrNotification: a Peer Down whose NOTIFICATION does not decode.
	ErrNotification
	numErrorKinds
)

var errorKindNames = [numErrorKinds]string{"bmp", "bgp_update", "bgp_open", "bgp_notification"}

func (k ErrorKind) String() string { return errorKindNames[k] }

// ErrorKinds lists every error kind.
func ErrorKinds() []ErrorKind {
	return []ErrorKind{ErrBMP, ErrUpdate, ErrOpen, ErrNotification}
}

// Counters are totals over all sessions, updated atomically.
type Counters struct {
	// Messages by BMP message type (index 7 counts every other type).
	Messages [8]atomic.Uint64
	// Records by record type.
	Records [32]atomic.Uint64
	// DecodeErrors by kind.
	DecodeErrors [numErrorKinds]atomic.Uint64
	// AddPathMismatches counts NLRI sections that parsed only with the opposite ADD-PATH
	// setting to the negotiated one (accepted, logged once per peer and family).
	AddPathMismatches atomic.Uint64
	// ASWidthMismatches counts UPDATEs whose AS_PATH or AGGREGATOR only decoded with the
	// other AS number width than the session's (accepted, logged once per peer).
	ASWidthMismatches atomic.Uint64
}

func (c *Counters) countMessage(t uint8) {
	if t > bmp.MsgRouteMirroring {
		t = 7
	}
	c.Messages[t].Add(1)
}

func (c *Counters) countRecord(t record.Type) { c.Records[t].Add(1) }

// RecordCount returns the number of records of type t.
func (c *Counters) RecordCount(t record.Type) uint64 { return c.Records[t].Load() }
