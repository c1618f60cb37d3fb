// Package session turns one router's BMP stream into records, in the order the router sent
// them. A Session owns the per-router state (router identity, Initiation sysName, and per
// peer: hashes, ADD-PATH directions from the Peer Up OPENs, Loc-RIB table names), decodes
// each BMP message with packages bmp and bgp, and appends the records to a batch that it
// hands to its output when the batch is full or when the caller flushes (before it would
// block reading). It does no I/O of its own and is used both by the network server and by
// the offline inspect command.
package session

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/golang/glog"

	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/bmp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// Output receives finished batches (normally publisher.Publisher.Publish). It may block:
// that is how a slow sink slows down the reading of the router's socket.
type Output func(ctx context.Context, b *record.Batch) error

// Config holds what a session needs from the command line.
type Config struct {
	// GoBMPPeerAction makes Peer Up records carry goBMP's action "add" instead of "up".
	GoBMPPeerAction bool
	// MaxBatchBytes / MaxBatchRecords bound a batch before it is handed to the output.
	MaxBatchBytes   int
	MaxBatchRecords int
	// Counters, shared by all sessions (may be nil).
	Counters *Counters
	// Raw, when set, adds a TypeRaw record before the parsed records of every message:
	// Raw appends the record's bytes (e.g. an OpenBMP header and the message) to dst.
	Raw func(dst []byte, router netip.AddrPort, msg []byte, recv time.Time) []byte
	// Encodings are the encodings every batch carries: the union of the sinks' needs
	// (publisher.Needs); zero means record.EncJSON.
	Encodings record.Encodings
	// MaxPeers bounds the peers a session keeps state for (DefaultMaxPeers when 0): the
	// message that would add one more is decoded, then Handle returns ErrTooManyPeers.
	MaxPeers int
	// RMTLVCodes are the BMPv4 Route Monitoring TLV code points (zero value:
	// bmp.CapturedRMTLVCodes; see docs/bmpv4.md).
	RMTLVCodes bmp.RMTLVCodes
}

func (c *Config) defaults() {
	if c.MaxBatchBytes <= 0 {
		c.MaxBatchBytes = 256 << 10
	}
	if c.MaxBatchRecords <= 0 {
		c.MaxBatchRecords = 4096
	}
	if c.MaxPeers <= 0 {
		c.MaxPeers = DefaultMaxPeers
	}
	if c.Counters == nil {
		c.Counters = &Counters{}
	}
}

// DefaultMaxPeers is the default of Config.MaxPeers (--max-peers-per-router): far above
// the peers of a real router (a large route reflector has a few thousand), far below what
// would take the collector's memory (a peer's state is about 700 bytes).
const DefaultMaxPeers = 10000

// ErrTooManyPeers is returned by Handle (wrapped) once a session holds Config.MaxPeers
// peers and a message names one more: the caller ends the session.
var ErrTooManyPeers = errors.New("too many peers")

// PeerStateBytes is an estimate of the memory held per peer of a session (map entry,
// peerState and its strings), measured with 500,000 peers; used for memory accounting.
const PeerStateBytes = 768

// Session decodes the BMP stream of one router connection.
type Session struct {
	cfg    Config
	ctx    context.Context
	out    Output
	remote netip.AddrPort
	router record.RouterFields
	rhash  record.MD5
	// id is the router's label in logs: address:port and, once known, sysName.
	id, baseID string

	seq   uint64
	sid   uint64 // record.Meta.Session
	upSeq uint64 // counts first Peer Ups (peerState.upSeq)
	// terminated is set by a Termination message, ended by End (end.go).
	terminated, ended bool
	peers             map[peerKey]*peerState
	batch             *record.Batch

	// Reused decoding state.
	msg   bmp.Message
	opts  bgp.DecodeOptions
	attrs *record.BaseAttrs // the current UPDATE's attributes (fillAttrs)
	parts record.Parts
	log   logLimiter
	// The Route Monitoring state, allocated by the first Route Monitoring message.
	*routeState
	// Encoded peer fields and RIB flags of the current message (see record's CacheInto).
	peerEnc, ribEnc []byte

	// fatal ends the session after the current message (ErrTooManyPeers).
	fatal error
	// outErr is the output's error from a batch cut inside a message (see cut).
	outErr error

	// MessagesDecoded counts BMP messages handled by this session.
	MessagesDecoded uint64
}

// routeState is the reused decoding state of Route Monitoring messages (about 2.8 KB). A
// session allocates it with its first Route Monitoring message (routeWork), so that a
// session that has sent only its Initiation and Peer Ups (an idle router) does without.
type routeState struct {
	upd bgp.Update
	pfx record.UnicastPrefix
	// prefixMD5 hashes route records (see record.PrefixedMD5).
	prefixMD5 record.PrefixedMD5
	scr       attrScratch
	v4        v4State // BMPv4 Route Monitoring TLVs of the current message (v4.go)
	// Context and section handed to family handlers, reused.
	fctx Ctx
	fsec Section
	// fam holds the family handlers' reusable storage (families.go).
	fam famState
}

// routeWork allocates the Route Monitoring state if the session has none yet.
func (s *Session) routeWork() {
	if s.routeState == nil {
		s.routeState = new(routeState)
	}
}

// New returns a session for the router at remote. Records go to out.
func New(ctx context.Context, cfg Config, remote netip.AddrPort, out Output) *Session {
	cfg.defaults()
	ip := remote.Addr().Unmap()
	s := &Session{cfg: cfg, ctx: ctx, out: out, remote: remote, peers: make(map[peerKey]*peerState), sid: newSessionID(time.Now())}
	s.rhash = record.RouterHash(ip)
	s.router = record.RouterFields{RouterHash: s.rhash.String(), RouterIP: ip}
	s.router.Cache()
	s.baseID = netip.AddrPortFrom(ip, remote.Port()).String()
	s.id = s.baseID
	return s
}

// Peers is the number of peers the session holds state for.
func (s *Session) Peers() int { return len(s.peers) }

// PendingBytes is the size of the batch being filled (not yet handed to the output).
func (s *Session) PendingBytes() int {
	if s.batch == nil {
		return 0
	}
	return s.batch.Size() + len(s.batch.Recs)*recordMetaBytes
}

// recordMetaBytes is the size of one record.Meta in a batch.
const recordMetaBytes = 64

// Router returns the router identity fields (address, hash, sysName once known).
func (s *Session) Router() record.RouterFields { return s.router }

// ID is the router's label for logs.
func (s *Session) ID() string { return s.id }

// Handle decodes one complete BMP message (common header included) received at recv and
// appends its records. Malformed content is counted and logged; the error returned is the
// output's (for example the context ending while the output blocks), or one wrapping
// ErrTooManyPeers: the session must end.
func (s *Session) Handle(msg []byte, recv time.Time) error {
	c := s.cfg.Counters
	s.MessagesDecoded++
	if s.cfg.Raw != nil {
		// Raw output carries every framed message, including those that do not decode.
		if s.batch == nil {
			s.newBatch()
		}
		s.batch.AddRaw(func(dst []byte) []byte { return s.cfg.Raw(dst, s.remote, msg, recv) },
			record.Meta{Type: record.TypeRaw, IPv4: s.router.RouterIP.Is4(), RouterHash: s.rhash, Session: s.sid, Seq: s.MessagesDecoded})
		c.countRecord(record.TypeRaw)
		s.cut()
	}
	if err := s.msg.Decode(msg); err != nil {
		typ := uint8(255)
		if len(msg) >= bmp.CommonHeaderLen {
			typ = msg[5]
		}
		c.countMessage(typ)
		c.DecodeErrors[ErrBMP].Add(1)
		s.logf("router=%s event=decode_error layer=bmp msg_type=%q err=%q", s.id, bmp.MessageTypeName(typ), err)
		return s.takeOutErr()
	}
	c.countMessage(s.msg.Header.Type)
	if s.batch == nil {
		s.newBatch()
	}
	switch s.msg.Header.Type {
	case bmp.MsgRouteMonitoring:
		s.routeMonitoring(recv)
	case bmp.MsgStatisticsReport:
		s.statistics(recv)
	case bmp.MsgPeerUp:
		s.peerUp(recv)
	case bmp.MsgPeerDown:
		s.peerDown(recv)
	case bmp.MsgInitiation:
		s.initiation(recv)
	case bmp.MsgTermination:
		s.termination(recv)
	case bmp.MsgRouteMirroring:
		s.mirroring(recv)
	default:
		if glog.V(1) {
			glog.Infof("router=%s event=unknown_message_skipped msg_type=%d length=%d", s.id, s.msg.Header.Type, s.msg.Header.Length)
		}
	}
	if s.batch == nil { // cut inside the message, at its last record
		s.newBatch()
	}
	s.batch.Messages++
	if err := s.takeOutErr(); err != nil {
		return err
	}
	if s.fatal != nil {
		return s.fatal
	}
	if s.batch.Size() >= s.cfg.MaxBatchBytes || s.batch.Len() >= s.cfg.MaxBatchRecords {
		return s.Flush()
	}
	return nil
}

func (s *Session) takeOutErr() error {
	err := s.outErr
	s.outErr = nil
	return err
}

// cut hands the current batch to the output when it is full, in the middle of a message
// if need be: the records of one message may span batches (in order), so a batch never
// exceeds MaxBatchBytes by more than one record nor MaxBatchRecords, whatever the size
// of the message (one 65,535-byte UPDATE of 1-byte NLRI makes ~57 MB of records). The
// output's error is returned by Handle once the message is done.
func (s *Session) cut() {
	if s.batch.Size() < s.cfg.MaxBatchBytes && s.batch.Len() < s.cfg.MaxBatchRecords {
		return
	}
	b := s.batch
	s.batch = nil
	if err := s.out(s.ctx, b); err != nil && s.outErr == nil {
		s.outErr = err
	}
}

// Flush hands the current batch, if it holds anything, to the output.
func (s *Session) Flush() error {
	b := s.batch
	if b == nil || (b.Len() == 0 && b.Messages == 0) {
		return nil
	}
	s.batch = nil
	if b.Len() == 0 {
		b.Release()
		return nil
	}
	return s.out(s.ctx, b)
}

// add encodes one record into the current batch.
func (s *Session) add(r record.Encoder, t record.Type, ipv4 bool, peerHash record.MD5) {
	if s.batch == nil {
		s.newBatch()
	}
	s.batch.Add(r, record.Meta{Type: t, IPv4: ipv4, RouterHash: s.rhash, PeerHash: peerHash, Session: s.sid, Seq: s.seq})
	s.cfg.Counters.countRecord(t)
	s.cut()
}

// addRoute encodes one route record of family f into the current batch.
func (s *Session) addRoute(r record.Encoder, t record.Type, ipv4 bool, peerHash record.MD5, f bgp.Family) {
	if s.batch == nil {
		s.newBatch()
	}
	s.batch.Add(r, record.Meta{Type: t, IPv4: ipv4, RouterHash: s.rhash, PeerHash: peerHash, Session: s.sid, Seq: s.seq,
		AFI: f.AFI, SAFI: f.SAFI})
	s.cfg.Counters.countRecord(t)
	s.cut()
}

// newBatch starts the current batch.
func (s *Session) newBatch() {
	s.batch = record.NewBatch()
	s.batch.Enc = s.cfg.Encodings
}

func (s *Session) nextSeq() uint64 { s.seq++; return s.seq }

var lastSessionID atomic.Uint64

// newSessionID returns the session's start time in Unix nanoseconds, made strictly
// increasing within the process so that two sessions never share an id.
func newSessionID(now time.Time) uint64 {
	for {
		last := lastSessionID.Load()
		id := max(uint64(now.UnixNano()), last+1)
		if lastSessionID.CompareAndSwap(last, id) {
			return id
		}
	}
}

// logf logs an error line, rate limited per session so that a broken router cannot flood
// the log (every suppressed line is still counted by the caller).
func (s *Session) logf(format string, args ...any) {
	if n, ok := s.log.allow(time.Now()); ok {
		if n > 0 {
			format += fmt.Sprintf(" suppressed=%d", n)
		}
		glog.ErrorDepth(1, fmt.Sprintf(format, args...))
	}
}

// logLimiter lets the first burst lines through, then one line per interval.
type logLimiter struct {
	count      int
	suppressed int
	last       time.Time
}

const (
	logBurst    = 20
	logInterval = 10 * time.Second
)

func (l *logLimiter) allow(now time.Time) (suppressed int, ok bool) {
	if l.count < logBurst || now.Sub(l.last) >= logInterval {
		l.count++
		l.last = now
		n := l.suppressed
		l.suppressed = 0
		return n, true
	}
	l.suppressed++
	return 0, false
}

// bgpOffset renders a bgp.Error's offset relative to the BMP message too.
func bgpOffset(err error, base int) string {
	var be *bgp.Error
	if errors.As(err, &be) {
		return fmt.Sprintf("bgp_offset=%d bmp_offset=%d", be.Offset, be.Offset+base)
	}
	return "bgp_offset=? bmp_offset=?"
}
