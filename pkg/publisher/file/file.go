// Package file is the sink that writes records as JSON Lines to a file or to standard
// output (--dump=file, --dump=console), either as bmpstream's flat records or wrapped in
// goBMP's dump envelope, or as a protobuf stream: varint-length-delimited
// bmpstream.v1.Record messages, as protodelim writes them.
package file

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang/glog"

	"github.com/bmpstream/bmpstream/internal/loglimit"
	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// Format selects the line format.
type Format int

const (
	// JSONL writes each record as one JSON object per line (the default).
	JSONL Format = iota
	// GoBMP wraps each record in goBMP's envelope: {"msg_type":…,"msg_hash":…,"msg_data":…}.
	GoBMP
	// Proto writes each record, raw ones included, as a varint-length-delimited
	// bmpstream.v1.Record (schemas/bmpstream/v1): `bmpstream decode` reads it back.
	Proto
)

// ParseFormat parses "jsonl", "gobmp" or "proto".
func ParseFormat(s string) (Format, error) {
	switch s {
	case "jsonl", "json", "":
		return JSONL, nil
	case "gobmp":
		return GoBMP, nil
	case "proto":
		return Proto, nil
	}
	return JSONL, fmt.Errorf("unknown dump format %q (want jsonl, gobmp or proto)", s)
}

// Sink writes to an io.Writer through a 1 MiB buffer of whole records; Flush is called
// by the queue whenever it is idle, so records reach the file promptly without a syscall
// per record.
//
// A failed write (ENOSPC, EIO, …) loses nothing silently: the sink keeps the records it
// buffered, truncates a regular file back to the end of its last complete record (so no
// torn line stays in the file), reports itself not ready (Ready), and retries with
// backoff (100 ms doubling to 5 s) — the queue behind it fills and, with the block policy,
// reading from the routers pauses. It gives up only at the deadline set by SetDeadline
// (the shutdown deadline; Close sets one if none was): the records still buffered are then
// reported lost with a *publisher.LossError, so they are counted as failed.
type Sink struct {
	// mu serialises Write, Flush and Close (the queue's goroutine) with Reopen (a signal
	// handler); uncontended, it costs one lock per batch.
	mu     sync.Mutex
	name   string
	w      io.Writer
	f      *os.File  // nil for stdout and New's writers
	path   string    // the file's path, for Reopen
	trunc  truncater // w, when a torn record can be cut off (regular files)
	format Format
	split  bool
	tmp    []byte
	pre    []byte

	buf  []byte // encoded records not yet written
	ends []int  // end offset in buf of each record
	done int    // bytes of buf already written
	off  int64  // offset in the file after the bytes written
	log  *loglimit.Limiter

	deadline atomic.Int64 // Unix nanoseconds; 0: none
	failing  atomic.Pointer[failure]

	// RetryMin and RetryMax bound the backoff between retries (tests shorten them).
	RetryMin, RetryMax time.Duration
}

type failure struct {
	since time.Time
	err   error
}

// truncater is a writer whose end can be cut back (an *os.File on a regular file).
type truncater interface {
	Truncate(size int64) error
	Seek(offset int64, whence int) (int64, error)
}

// bufferSize is the buffer of whole records written at once.
const bufferSize = 1 << 20

// Options configure a sink.
type Options struct {
	Format Format
	// SplitAF selects goBMP's per-family msg_type numbers in the goBMP envelope.
	SplitAF bool
}

// Create opens path for appending (creating it) and returns a sink writing to it.
func Create(path string, opts Options) (*Sink, error) {
	f, err := openAppend(path)
	if err != nil {
		return nil, err
	}
	s := newSink("file", f, opts)
	s.f, s.path = f, path
	s.setFile(f)
	return s, nil
}

// setFile makes f the file written: a regular file can be cut back after a failed write
// (a FIFO or a device cannot), from its current size (appending).
func (s *Sink) setFile(f *os.File) {
	s.w, s.trunc, s.off = f, nil, 0
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		s.trunc, s.off = f, st.Size()
	}
}

// openAppend opens path for appending, creating it if missing: a restart of the collector
// adds to the records already written instead of erasing them.
func openAppend(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
}

// Reopen writes the buffered records to the current file, closes it and opens the path
// again (appending, creating it if missing): after logrotate renamed the file, records go
// to a new file at the path. When the path cannot be opened, the sink keeps writing to
// the file it has and the error is returned. A sink that is not a file (the console, New)
// does nothing.
func (s *Sink) Reopen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil || s.path == "" {
		return nil
	}
	nf, err := openAppend(s.path)
	if err != nil {
		return err
	}
	if err := s.flush(); err != nil {
		nf.Close()
		return err
	}
	old := s.f
	s.f = nf
	s.setFile(nf)
	syncRegular(old)
	return old.Close()
}

// syncRegular syncs f when it is a regular file (a FIFO or a character device cannot be
// synced).
func syncRegular(f *os.File) error {
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		return f.Sync()
	}
	return nil
}

// Console returns a sink writing to standard output.
func Console(opts Options) *Sink { return newSink("console", os.Stdout, opts) }

// New returns a sink writing to w (for tests and embedding). When w can also Truncate and
// Seek (an *os.File on a regular file), a torn record is cut off after a failed write.
func New(name string, w io.Writer, opts Options) *Sink { return newSink(name, w, opts) }

func newSink(name string, w io.Writer, opts Options) *Sink {
	s := &Sink{name: name, w: w, format: opts.Format, split: opts.SplitAF,
		buf: make([]byte, 0, bufferSize+64<<10), log: loglimit.New(10*time.Second, 3, 4),
		RetryMin: 100 * time.Millisecond, RetryMax: 5 * time.Second}
	if t, ok := w.(truncater); ok && w != io.Writer(os.Stdout) {
		s.trunc = t
	}
	return s
}

// SetDeadline sets when a sink whose writes fail stops retrying and reports the records
// it still holds as lost (the shutdown deadline).
func (s *Sink) SetDeadline(t time.Time) { s.deadline.Store(t.UnixNano()) }

// Ready is nil unless the last write failed (and was not yet retried successfully).
func (s *Sink) Ready() error {
	if f := s.failing.Load(); f != nil {
		return fmt.Errorf("%s sink: writes failing since %s: %v (retrying)", s.name, f.since.UTC().Format(time.RFC3339), f.err)
	}
	return nil
}

func (s *Sink) Name() string { return s.name }

// Needs is the batch encoding of the sink's format.
func (s *Sink) Needs() record.Encodings {
	if s.format == Proto {
		return record.EncProto
	}
	return record.EncJSON
}

// Write buffers every record of b (JSON records, or protobuf ones in the Proto format;
// raw BMP records are only written in the Proto format) and writes the buffer once it
// holds 1 MiB.
func (s *Sink) Write(b *record.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.format == Proto:
		for i := range b.Recs {
			s.tmp = record.AppendProtoRecord(s.tmp[:0], b.Recs[i].Type, b.Proto(i))
			s.buf = binary.AppendUvarint(s.buf, uint64(len(s.tmp)))
			s.buf = append(s.buf, s.tmp...)
			s.ends = append(s.ends, len(s.buf))
		}
	case s.format == JSONL && !hasRaw(b):
		base := len(s.buf)
		s.buf = append(s.buf, b.Buf...)
		for i := range b.Recs {
			s.ends = append(s.ends, base+int(b.Recs[i].End)+1)
		}
	default:
		for i := range b.Recs {
			m := &b.Recs[i]
			if m.Type == record.TypeRaw {
				continue
			}
			line := b.Record(i)
			if s.format == GoBMP {
				s.tmp = s.envelope(s.tmp[:0], m, line)
				line = s.tmp
			}
			s.buf = append(s.buf, line...)
			s.buf = append(s.buf, '\n')
			s.ends = append(s.ends, len(s.buf))
		}
	}
	if len(s.buf) >= bufferSize {
		return s.flush()
	}
	return nil
}

// flush writes the buffer, retrying a failed write with backoff until it succeeds or the
// deadline passes (then the records not written are reported lost).
func (s *Sink) flush() error {
	backoff := s.RetryMin
	for {
		if s.done == len(s.buf) {
			s.reset()
			return nil
		}
		n, err := s.w.Write(s.buf[s.done:])
		s.done += n
		s.off += int64(n)
		if err == nil && s.done < len(s.buf) {
			err = io.ErrShortWrite
		}
		if err == nil {
			if f := s.failing.Swap(nil); f != nil {
				glog.Infof("sink=%s event=write_recovered failing_for=%s", s.name, time.Since(f.since).Round(time.Millisecond))
			}
			s.reset()
			return nil
		}
		s.cutTorn()
		if s.failing.Load() == nil {
			s.failing.Store(&failure{since: time.Now(), err: err})
		}
		wait := backoff
		if d := s.deadline.Load(); d != 0 {
			left := time.Until(time.Unix(0, d))
			if left <= 0 {
				lost := s.pending()
				s.reset()
				glog.Errorf("sink=%s event=write_given_up records_lost=%d err=%q", s.name, lost, err)
				return &publisher.LossError{Records: lost, Err: err}
			}
			wait = min(wait, left)
		}
		if suffix, ok := s.log.Allow("write_failed", time.Now()); ok {
			glog.Errorf("sink=%s event=write_failed records_pending=%d retry_in=%s err=%q%s", s.name, s.pending(), wait, err, suffix)
		}
		time.Sleep(wait)
		backoff = min(2*backoff, s.RetryMax)
	}
}

// cutTorn truncates the file back to the end of the last record written in full, so that
// no partial record stays in it while the sink retries (or after it gave up).
func (s *Sink) cutTorn() {
	if s.trunc == nil {
		return
	}
	whole := 0 // bytes of buf in whole records written
	for _, e := range s.ends {
		if e > s.done {
			break
		}
		whole = e
	}
	if whole == s.done {
		return
	}
	back := int64(s.done - whole)
	if err := s.trunc.Truncate(s.off - back); err != nil {
		glog.Errorf("sink=%s event=truncate_failed err=%q", s.name, err)
		return
	}
	if _, err := s.trunc.Seek(s.off-back, io.SeekStart); err != nil {
		glog.Errorf("sink=%s event=seek_failed err=%q", s.name, err)
		return
	}
	s.off -= back
	s.done = whole
}

// pending is the number of records not written in full.
func (s *Sink) pending() int {
	n := 0
	for i := len(s.ends) - 1; i >= 0 && s.ends[i] > s.done; i-- {
		n++
	}
	return n
}

func (s *Sink) reset() {
	if cap(s.buf) > 4*bufferSize { // a huge batch passed: do not keep its buffer
		s.buf = make([]byte, 0, bufferSize+64<<10)
	}
	s.buf, s.ends, s.done = s.buf[:0], s.ends[:0], 0
}

func hasRaw(b *record.Batch) bool {
	for i := range b.Recs {
		if b.Recs[i].Type == record.TypeRaw {
			return true
		}
	}
	return false
}

func (s *Sink) envelope(dst []byte, m *record.Meta, line []byte) []byte {
	dst = append(dst, `{"msg_type":`...)
	msgType := record.GoBMPMsgType(m.Type, m.Action.String(), m.IPv4, s.split)
	if m.Type == record.TypeMVPN && m.SAFI != 129 {
		msgType = record.GoBMPMsgTypeMcastVPN(m.IPv4) // goBMP numbers SAFI 5 apart
	}
	dst = strconv.AppendInt(dst, int64(msgType), 10)
	if m.RouterHash != ([16]byte{}) {
		dst = append(dst, `,"msg_hash":"`...)
		dst = hex.AppendEncode(dst, m.RouterHash[:])
		dst = append(dst, '"')
	}
	dst = append(dst, `,"msg_data":`...)
	dst = append(dst, line...)
	return append(dst, '}')
}

// Flush writes what is buffered (retrying while writes fail: see Sink).
func (s *Sink) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flush()
}

// Close writes what is buffered — without retrying when no deadline was set — then syncs
// and closes the file (standard output is only flushed).
func (s *Sink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.deadline.Load() == 0 {
		s.SetDeadline(time.Now())
	}
	ferr := s.flush()
	if s.f != nil {
		f := s.f
		s.f = nil // a later Reopen does nothing
		if err := syncRegular(f); err != nil && ferr == nil {
			ferr = err
		}
		if err := f.Close(); err != nil && ferr == nil {
			ferr = err
		}
	}
	return ferr
}
