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

// WarningKind classifies the quirks of real routers that bmpstream accepts because the
// bytes parse cleanly another known way (counted, logged once per peer; see BMP.md).
type WarningKind int

const (
	// WarnTrailingBytes: bytes after the BGP UPDATE of a BMPv3 Route Monitoring message
	// (Huawei VRP 8.2); the UPDATE is decoded, the bytes kept as bmp_tlvs or raw.
	WarnTrailingBytes WarningKind = iota
	// WarnLabelNoBoS: a labelled NLRI whose label stack has no bottom-of-stack entry
	// (FRR 8.4 VPN-IPv4 label 0x000000), ended by the rules of pkg/bgp/labels.go.
	WarnLabelNoBoS
	// WarnPeerUpRepeated: a Peer Up for a peer that is already up (Huawei: one Loc-RIB
	// Peer Up per address family); its families are merged into the peer's state.
	WarnPeerUpRepeated
	// WarnLongUpdate: an UPDATE over 4096 bytes from a peer whose Peer Up OPENs do not
	// both advertise the Extended Message capability (RFC 8654). Routers send them (the
	// BMP message is well framed and the UPDATE decodes): accepted and counted.
	WarnLongUpdate
	numWarningKinds
)

var warningKindNames = [numWarningKinds]string{"trailing_bytes", "label_stack_no_bos", "peer_up_repeated", "long_update"}

func (k WarningKind) String() string { return warningKindNames[k] }

// WarningKinds lists every warning kind.
func WarningKinds() []WarningKind {
	return []WarningKind{WarnTrailingBytes, WarnLabelNoBoS, WarnPeerUpRepeated, WarnLongUpdate}
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
	// Warnings counts the accepted quirks by kind (bmpstream_decode_warnings_total).
	Warnings [numWarningKinds]atomic.Uint64
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
