// Package nats is the sink that publishes records to NATS (--nats-server), on subjects
// named like the Kafka topics ("gobmp.parsed.peer", …, "gobmp.raw"; record.Topic), with
// the router hash in a "Hash" header as goBMP does.
//
// Two delivery modes:
//
//   - Core NATS (default): at-most-once. Each batch is published, then flushed with one
//     round trip to the server, so Write returns once the server has the records. While
//     the connection is re-established nats.go keeps publishing into a bounded reconnect
//     buffer; what does not fit is counted as lost.
//   - JetStream (--nats-jetstream): at-least-once. The stream is created (or extended to
//     cover "<prefix>.>") at start, every record is published asynchronously with a
//     bounded window and a Nats-Msg-Id that is stable and unique per record (router hash,
//     session id, sequence), and Write returns only when every record of the batch is
//     acknowledged. Records that fail (a server restart, a lost ack) are published again,
//     in order, once the connection is back; the server drops the copies it already
//     stored (deduplication by message id within the stream's duplicate window).
//
// Write is called from one goroutine (the publisher queue); the sink is not safe for
// concurrent Writes.
package nats

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang/glog"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// Header names set on every message.
const (
	// HeaderHash carries the router hash (32 hex characters), like goBMP's.
	HeaderHash = "Hash"
	// HeaderPeerHash carries the peer hash of peer-level records.
	HeaderPeerHash = "Peer-Hash"
)

// Options configure a Sink.
type Options struct {
	// URLs is the server list, comma-separated ("nats://h1:4222,nats://h2:4222").
	URLs string
	// SubjectPrefix is the first subject token (default "gobmp").
	SubjectPrefix string
	// SplitAF selects the _v4/_v6 subjects (record.Topic).
	SplitAF bool
	// ClientName is the connection name shown by the server (default "bmpstream").
	ClientName string
	// ReconnectBufSize bounds what core NATS buffers while reconnecting (default 32 MiB).
	ReconnectBufSize int
	// FlushTimeout bounds the per-batch flush round trip of core NATS (default 10 s).
	FlushTimeout time.Duration

	// Format is the encoding of the message data (default JSON). Every parsed record
	// carries the headers content-type and bmpstream-schema (publisher.ContentType).
	Format publisher.Format

	// JetStream enables at-least-once publishing to the stream Stream.
	JetStream bool
	// Stream is the JetStream stream name (default "goBMP").
	Stream string
	// StreamMaxAge is the MaxAge of a stream this sink creates (0: unlimited).
	StreamMaxAge time.Duration
	// Duplicates is the duplicate window of a stream this sink creates (default 2 min).
	Duplicates time.Duration
	// Window is the number of unacknowledged publishes in flight (default 4096).
	Window int
	// AckTimeout is how long a publish waits for its ack before it is retried (default 5 s).
	AckTimeout time.Duration
	// RetryTimeout is how long undelivered records are retried while the server is
	// unreachable before they are counted as lost (default 1 min; < 0: forever). The clock
	// is shared by all batches: once it has run out, batches fail without waiting until
	// the server acknowledges a record again.
	RetryTimeout time.Duration

	// UnreachableLogInterval is the least time between two log lines saying the servers
	// cannot be reached (default 30 s); the attempts in between are counted in the next.
	UnreachableLogInterval time.Duration

	// Extra are additional nats.go options (credentials, TLS, tests).
	Extra []natsgo.Option
}

func (o *Options) defaults() {
	if o.SubjectPrefix == "" {
		o.SubjectPrefix = "gobmp"
	}
	if o.ClientName == "" {
		o.ClientName = "bmpstream"
	}
	if o.ReconnectBufSize == 0 {
		o.ReconnectBufSize = 32 << 20
	}
	if o.FlushTimeout <= 0 {
		o.FlushTimeout = 10 * time.Second
	}
	if o.Stream == "" {
		o.Stream = "goBMP"
	}
	if o.Duplicates <= 0 {
		o.Duplicates = 2 * time.Minute
	}
	if o.Window <= 0 {
		o.Window = 4096
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = 5 * time.Second
	}
	if o.RetryTimeout == 0 {
		o.RetryTimeout = time.Minute
	}
	if o.UnreachableLogInterval <= 0 {
		o.UnreachableLogInterval = 30 * time.Second
	}
}

// Stats are the sink's counters, safe to read at any time.
type Stats struct {
	// Published counts records the server accepted (JetStream: acknowledged, duplicates
	// included; core: published and flushed, or buffered for the reconnect).
	Published atomic.Uint64
	// Lost counts records given up (also reported to the queue as failed).
	Lost atomic.Uint64
	// Retried counts JetStream re-publications; Duplicates acks for records the stream
	// already held (a retry of a record whose first ack was lost).
	Retried, Duplicates atomic.Uint64
	// FlushErrors counts core flushes that did not complete (the records may still
	// arrive).
	FlushErrors atomic.Uint64
	// Disconnects and Reconnects count connection losses and re-establishments.
	Disconnects, Reconnects atomic.Uint64
	// ConnectFailures counts failed attempts to reach a server (at start or after a
	// disconnection).
	ConnectFailures atomic.Uint64
}

// Sink publishes batches to NATS.
type Sink struct {
	opts  Options
	nc    *natsgo.Conn
	js    jetstream.JetStream
	stats Stats

	subjects map[uint16]string
	// ctype and schema are the content-type and schema header values per record type.
	ctype  [32][]string
	schema []string

	streamReady  atomic.Bool
	failingSince time.Time // JetStream: first failure of the current outage (zero: none)

	// Reused per-record state.
	msg    natsgo.Msg
	vals   hdrVals
	slots  []slot
	state  []uint8
	idBuf  []byte
	rhHex  string
	rhLast [16]byte
	phHex  string
	phLast [16]byte

	logMu   sync.Mutex
	logLast time.Time
	logSupp int

	unreachMu   sync.Mutex
	unreachLast time.Time // zero: nothing logged yet
	unreachSupp int
}

// logUnreachable is where the unreachable-server lines go (tests replace it).
var logUnreachable = func(line string) { glog.WarningDepth(2, line) }

// unreachable counts a failed connection attempt and logs it, at most once per
// UnreachableLogInterval: without it an unreachable server shows only in /readyz.
func (s *Sink) unreachable(err error) {
	n := s.stats.ConnectFailures.Add(1)
	s.unreachMu.Lock()
	now := time.Now()
	if !s.unreachLast.IsZero() && now.Sub(s.unreachLast) < s.opts.UnreachableLogInterval {
		s.unreachSupp++
		s.unreachMu.Unlock()
		return
	}
	supp := s.unreachSupp
	s.unreachSupp, s.unreachLast = 0, now
	s.unreachMu.Unlock()
	line := fmt.Sprintf("sink=nats event=unreachable servers=%q failed_attempts=%d err=%q (retrying in the background; records wait or are dropped by --nats-on-full)",
		s.opts.URLs, n, errString(err))
	if supp > 0 {
		line += " suppressed=" + strconv.Itoa(supp)
	}
	logUnreachable(line)
}

// slot is one in-flight JetStream publish.
type slot struct {
	idx  int
	msg  natsgo.Msg
	vals hdrVals
	paf  jetstream.PubAckFuture
}

// Record delivery states within one Write.
const (
	recPending uint8 = iota
	recDone
	recFailed
)

// New connects to the servers. The connection is retried in the background when no
// server is reachable yet (see Ready); for JetStream the stream is ensured at once when
// possible and otherwise before the first publish.
func New(opts Options) (*Sink, error) {
	opts.defaults()
	if opts.URLs == "" {
		return nil, errors.New("nats: no server URL")
	}
	s := &Sink{opts: opts, subjects: make(map[uint16]string)}
	for _, t := range record.Types() {
		for _, v4 := range []bool{false, true} {
			s.subjects[subjectKey(t, v4)] = record.Topic(opts.SubjectPrefix, t, v4, opts.SplitAF)
		}
	}
	bufSize := opts.ReconnectBufSize
	if opts.JetStream {
		// Publishing while disconnected fails at once: the record is retried after the
		// reconnect rather than buffered and sent twice.
		bufSize = -1
	}
	nopts := []natsgo.Option{
		natsgo.Name(opts.ClientName),
		natsgo.MaxReconnects(-1),
		natsgo.ReconnectWait(250 * time.Millisecond),
		natsgo.ReconnectJitter(250*time.Millisecond, time.Second),
		natsgo.ReconnectBufSize(bufSize),
		natsgo.RetryOnFailedConnect(true),
		natsgo.DisconnectErrHandler(func(_ *natsgo.Conn, err error) {
			s.stats.Disconnects.Add(1)
			glog.Warningf("sink=nats event=disconnected err=%q", errString(err))
		}),
		natsgo.ReconnectHandler(func(nc *natsgo.Conn) {
			s.stats.Reconnects.Add(1)
			glog.Infof("sink=nats event=reconnected server=%s", nc.ConnectedUrlRedacted())
		}),
		natsgo.ConnectHandler(func(nc *natsgo.Conn) {
			glog.Infof("sink=nats event=connected server=%s", nc.ConnectedUrlRedacted())
		}),
		natsgo.ReconnectErrHandler(func(_ *natsgo.Conn, err error) { s.unreachable(err) }),
		natsgo.ErrorHandler(func(_ *natsgo.Conn, _ *natsgo.Subscription, err error) {
			glog.Errorf("sink=nats event=async_error err=%q", errString(err))
		}),
	}
	nc, err := natsgo.Connect(opts.URLs, append(nopts, opts.Extra...)...)
	if err != nil {
		return nil, fmt.Errorf("nats: connect %s: %w", opts.URLs, err)
	}
	s.nc = nc
	if !nc.IsConnected() {
		s.unreachable(errors.New("no server reachable at start"))
	}
	if opts.JetStream {
		js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(opts.Window),
			jetstream.WithPublishAsyncTimeout(opts.AckTimeout))
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("nats: jetstream: %w", err)
		}
		s.js = js
		s.slots = make([]slot, opts.Window)
		if nc.IsConnected() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := s.ensureStream(ctx)
			cancel()
			if err != nil {
				nc.Close()
				return nil, err
			}
		}
	}
	return s, nil
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func subjectKey(t record.Type, v4 bool) uint16 {
	k := uint16(t) << 1
	if v4 {
		k |= 1
	}
	return k
}

// Name is "nats".
func (s *Sink) Name() string { return "nats" }

// Stats returns the sink's counters.
func (s *Sink) Stats() *Stats { return &s.stats }

// Conn returns the NATS connection (for tests and metrics).
func (s *Sink) Conn() *natsgo.Conn { return s.nc }

// Ready reports whether the sink can publish: connected and, for JetStream, with its
// stream in place.
func (s *Sink) Ready() error {
	if !s.nc.IsConnected() {
		return fmt.Errorf("nats: not connected (%s)", s.nc.Status())
	}
	if s.js != nil && !s.streamReady.Load() {
		return fmt.Errorf("nats: stream %s not ready", s.opts.Stream)
	}
	return nil
}

// ensureStream creates the stream, or adds "<prefix>.>" to an existing one that does
// not cover it yet (other settings of an existing stream are left alone).
func (s *Sink) ensureStream(ctx context.Context) error {
	want := s.opts.SubjectPrefix + ".>"
	st, err := s.js.Stream(ctx, s.opts.Stream)
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		_, err = s.js.CreateStream(ctx, jetstream.StreamConfig{
			Name: s.opts.Stream, Subjects: []string{want}, Storage: jetstream.FileStorage,
			Retention: jetstream.LimitsPolicy, MaxAge: s.opts.StreamMaxAge, Duplicates: s.opts.Duplicates,
		})
		if err != nil {
			return fmt.Errorf("nats: create stream %s (subjects %s): %w", s.opts.Stream, want, err)
		}
		glog.Infof("sink=nats event=stream_created stream=%s subjects=%s", s.opts.Stream, want)
	case err != nil:
		return fmt.Errorf("nats: stream %s: %w", s.opts.Stream, err)
	default:
		cfg := st.CachedInfo().Config
		var keep []string
		for _, sub := range cfg.Subjects {
			if sub == want || sub == ">" {
				s.streamReady.Store(true)
				return nil
			}
			if !strings.HasPrefix(sub, s.opts.SubjectPrefix+".") { // covered by want: dropped
				keep = append(keep, sub)
			}
		}
		cfg.Subjects = append(keep, want)
		if _, err := s.js.UpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("nats: extend stream %s to %s: %w", s.opts.Stream, want, err)
		}
		glog.Infof("sink=nats event=stream_updated stream=%s subjects=%q", s.opts.Stream, cfg.Subjects)
	}
	s.streamReady.Store(true)
	return nil
}

// hdrVals holds a message's header values, so that setting them does not allocate.
type hdrVals [3][1]string

// prepare fills m's subject, data and hash headers for record i of b.
func (s *Sink) prepare(m *natsgo.Msg, vals *hdrVals, b *record.Batch, i int) {
	r := &b.Recs[i]
	m.Subject = s.subjects[subjectKey(r.Type, r.IPv4)]
	m.Data = s.opts.Format.Value(b, i)
	if r.RouterHash != s.rhLast || s.rhHex == "" {
		s.rhLast = r.RouterHash
		s.rhHex = hex.EncodeToString(r.RouterHash[:])
	}
	if m.Header == nil {
		m.Header = make(natsgo.Header, 3)
	}
	vals[0][0] = s.rhHex
	m.Header[HeaderHash] = vals[0][:]
	if r.PeerHash != ([16]byte{}) {
		if r.PeerHash != s.phLast || s.phHex == "" {
			s.phLast = r.PeerHash
			s.phHex = hex.EncodeToString(r.PeerHash[:])
		}
		vals[1][0] = s.phHex
		m.Header[HeaderPeerHash] = vals[1][:]
	} else {
		delete(m.Header, HeaderPeerHash)
	}
	if ct := s.contentType(r.Type); ct != nil {
		m.Header[publisher.HeaderContentType] = ct
		m.Header[publisher.HeaderSchema] = s.schema
	} else {
		delete(m.Header, publisher.HeaderContentType)
		delete(m.Header, publisher.HeaderSchema)
	}
}

// contentType returns the content-type header value of type t (nil for raw records),
// built once per type.
func (s *Sink) contentType(t record.Type) []string {
	if int(t) >= len(s.ctype) {
		return nil
	}
	if s.ctype[t] == nil {
		ct := publisher.ContentType(s.opts.Format, t)
		if ct == "" {
			return nil
		}
		s.ctype[t] = []string{ct}
		s.schema = []string{record.SchemaVersion}
	}
	return s.ctype[t]
}

// Needs is the batch encoding of the sink's format.
func (s *Sink) Needs() record.Encodings { return s.opts.Format.Needs() }

// MsgID is the JetStream message id of a record: "<router hash>:<session>:<seq>" for
// parsed records and "<router hash>:<session>:r<message number>" for raw records. It is
// the same for every retry of the record and differs between records, sessions and
// reconnects of a router (a new session has a new session id).
func MsgID(dst []byte, m *record.Meta) []byte {
	dst = hex.AppendEncode(dst, m.RouterHash[:])
	dst = append(dst, ':')
	dst = strconv.AppendUint(dst, m.Session, 10)
	dst = append(dst, ':')
	if m.Type == record.TypeRaw {
		dst = append(dst, 'r')
	}
	return strconv.AppendUint(dst, m.Seq, 10)
}

// Write publishes every record of b.
func (s *Sink) Write(b *record.Batch) error {
	if s.js != nil {
		return s.writeJetStream(b)
	}
	return s.writeCore(b)
}

func (s *Sink) writeCore(b *record.Batch) error {
	var lost int
	var firstErr error
	for i := range b.Recs {
		s.prepare(&s.msg, &s.vals, b, i)
		if err := s.nc.PublishMsg(&s.msg); err != nil {
			lost++
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	s.msg.Data = nil
	s.stats.Published.Add(uint64(b.Len() - lost))
	if s.nc.IsConnected() {
		if err := s.nc.FlushTimeout(s.opts.FlushTimeout); err != nil {
			s.stats.FlushErrors.Add(1)
			s.logf("sink=nats event=flush_failed records=%d err=%q", b.Len(), err)
		}
	}
	if lost > 0 {
		s.stats.Lost.Add(uint64(lost))
		return &publisher.LossError{Records: lost, Err: firstErr}
	}
	return nil
}

// Flush is a no-op: Write already flushed (core) or waited for the acks (JetStream).
func (s *Sink) Flush() error { return nil }

// Close flushes and closes the connection.
func (s *Sink) Close() error {
	if s.nc.IsConnected() {
		_ = s.nc.FlushTimeout(s.opts.FlushTimeout)
	}
	s.nc.Close()
	return nil
}

// logf logs an error line at most once a second, counting the lines it suppressed.
func (s *Sink) logf(format string, args ...any) {
	s.logMu.Lock()
	now := time.Now()
	if now.Sub(s.logLast) < time.Second {
		s.logSupp++
		s.logMu.Unlock()
		return
	}
	n := s.logSupp
	s.logSupp, s.logLast = 0, now
	s.logMu.Unlock()
	if n > 0 {
		format += " suppressed=" + strconv.Itoa(n)
	}
	glog.ErrorDepth(1, fmt.Sprintf(format, args...))
}
