// Package file is the sink that writes records as JSON Lines to a file or to standard
// output (--dump=file, --dump=console), either as bmpstream's flat records or wrapped in
// goBMP's dump envelope, or as a protobuf stream: varint-length-delimited
// bmpstream.v1.Record messages, as protodelim writes them.
package file

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"

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

// Sink writes to an io.Writer through a large buffer; Flush is called by the queue
// whenever it is idle, so lines reach the file promptly without a syscall per record.
type Sink struct {
	// mu serialises Write, Flush and Close (the queue's goroutine) with Reopen (a signal
	// handler); uncontended, it costs one lock per batch.
	mu     sync.Mutex
	name   string
	w      *bufio.Writer
	f      *os.File // nil for stdout
	path   string   // the file's path, for Reopen
	format Format
	split  bool
	tmp    []byte
	pre    []byte // proto: the length prefix
}

// Options configure a sink.
type Options struct {
	Format Format
	// SplitAF selects goBMP's per-family msg_type numbers in the goBMP envelope.
	SplitAF bool
}

// Create truncates or creates path and returns a sink writing to it.
func Create(path string, opts Options) (*Sink, error) {
	f, err := openAppend(path)
	if err != nil {
		return nil, err
	}
	s := newSink("file", f, opts)
	s.f, s.path = f, path
	return s, nil
}

// openAppend opens path for appending, creating it if missing: a restart of the collector
// adds to the records already written instead of erasing them.
func openAppend(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
}

// Reopen flushes the buffered records to the current file, closes it and opens the path
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
	if err := s.w.Flush(); err != nil {
		nf.Close()
		return err
	}
	old := s.f
	s.f = nf
	s.w.Reset(nf)
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

// New returns a sink writing to w (for tests and embedding).
func New(name string, w io.Writer, opts Options) *Sink { return newSink(name, w, opts) }

func newSink(name string, w io.Writer, opts Options) *Sink {
	return &Sink{name: name, w: bufio.NewWriterSize(w, 1<<20), format: opts.Format, split: opts.SplitAF}
}

func (s *Sink) Name() string { return s.name }

// Needs is the batch encoding of the sink's format.
func (s *Sink) Needs() record.Encodings {
	if s.format == Proto {
		return record.EncProto
	}
	return record.EncJSON
}

// Write writes every JSON record of b. Raw BMP records (binary) are not written here.
func (s *Sink) Write(b *record.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.format == Proto {
		return s.writeProto(b)
	}
	if s.format == JSONL && !hasRaw(b) {
		if _, err := s.w.Write(b.Buf); err != nil {
			return err
		}
		return nil
	}
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
		if _, err := s.w.Write(line); err != nil {
			return &publisher.LossError{Records: len(b.Recs) - i, Err: err}
		}
		if err := s.w.WriteByte('\n'); err != nil {
			return &publisher.LossError{Records: len(b.Recs) - i, Err: err}
		}
	}
	return nil
}

// writeProto writes every record of b as a length-delimited bmpstream.v1.Record.
func (s *Sink) writeProto(b *record.Batch) error {
	for i := range b.Recs {
		s.tmp = record.AppendProtoRecord(s.tmp[:0], b.Recs[i].Type, b.Proto(i))
		s.pre = binary.AppendUvarint(s.pre[:0], uint64(len(s.tmp)))
		if _, err := s.w.Write(s.pre); err != nil {
			return &publisher.LossError{Records: len(b.Recs) - i, Err: err}
		}
		if _, err := s.w.Write(s.tmp); err != nil {
			return &publisher.LossError{Records: len(b.Recs) - i, Err: err}
		}
	}
	return nil
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

func (s *Sink) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Flush()
}

// Close flushes, syncs and closes the file (standard output is only flushed).
func (s *Sink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.w.Flush(); err != nil {
		return err
	}
	if s.f != nil {
		f := s.f
		s.f = nil // a later Reopen does nothing
		if err := syncRegular(f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	return nil
}
