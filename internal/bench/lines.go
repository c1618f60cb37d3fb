package bench

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// Order says how Tally checks the order of each session's records.
type Order int

const (
	// Contiguous: each session's records arrive as 1, 2, 3, … (one file or pipe).
	Contiguous Order = iota
	// Increasing: each session's sequence numbers only grow (one Kafka partition holds a
	// subset of a session's records).
	Increasing
	// AnyOrder: counts only.
	AnyOrder
)

// Tally counts the JSON Lines written by the collector. With Verify set it also checks each
// line: its session (router_ip: the benchmark's sessions come from different loopback
// addresses), its sequence number (every session numbers its records 1, 2, …), its order
// within its session (see Order) and its type; Check then proves that every expected
// record arrived exactly once per session, in order. Without Verify it only counts
// newlines, which is cheap enough to run while the collector is timed.
type Tally struct {
	Verify bool
	Order  Order
	// Proto: the output is length-delimited bmpstream.v1.Record messages (each counts as
	// a line; see writeProto) instead of JSON Lines.
	Proto bool

	Lines    int64 // complete lines
	Bytes    int64 // bytes of complete lines, newlines included
	Prefixes int64 // unicast_prefix records (Verify only)

	partial    []byte
	jsonBuf    []byte
	sessions   map[string]*sessionTally
	order      []string // sessions in order of first appearance
	bad        int64
	firstBad   string
	disorder   int64
	firstOrder string
}

type sessionTally struct {
	seqs []uint16 // seqs[s] = how many lines carried sequence s
	last uint64
}

// Write consumes output bytes; lines may be split across calls.
func (t *Tally) Write(p []byte) (int, error) {
	n := len(p)
	if t.Proto {
		t.writeProto(p)
		return n, nil
	}
	if !t.Verify {
		t.Lines += int64(bytes.Count(p, []byte{'\n'}))
		t.Bytes += int64(n)
		return n, nil
	}
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			t.partial = append(t.partial, p...)
			break
		}
		line := p[:i]
		if len(t.partial) > 0 {
			t.partial = append(t.partial, line...)
			line = t.partial
		}
		t.Line(line)
		t.partial = t.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

// Line checks one line (without its newline).
func (t *Tally) Line(l []byte) {
	t.line(l)
	t.Bytes += int64(len(l)) + 1
	t.Lines++
}

var (
	seqKey     = []byte(`"sequence":`)
	routerKey  = []byte(`"router_ip":"`)
	unicastKey = []byte(`{"type":"unicast_prefix",`)
)

// maxSeq bounds the sequence numbers tracked (one uint16 each): 64 M records per session.
const maxSeq = 64 << 20

// headLen is where type, action, sequence and router_ip are looked for.
const headLen = 256

func (t *Tally) line(l []byte) {
	head := l[:min(len(l), headLen)]
	k := bytes.Index(head, seqKey)
	if k < 0 {
		t.badLine(l, "no sequence in the first bytes")
		return
	}
	d := head[k+len(seqKey):]
	e := 0
	for e < len(d) && d[e] >= '0' && d[e] <= '9' {
		e++
	}
	seq, err := strconv.ParseUint(string(d[:e]), 10, 64)
	if err != nil || seq == 0 || seq > maxSeq {
		t.badLine(l, fmt.Sprintf("sequence %q out of range 1-%d", d[:e], maxSeq))
		return
	}
	k = bytes.Index(head, routerKey)
	if k < 0 {
		t.badLine(l, "no router_ip in the first bytes")
		return
	}
	r := head[k+len(routerKey):]
	e = bytes.IndexByte(r, '"')
	if e < 0 {
		t.badLine(l, "router_ip unterminated")
		return
	}
	if t.sessions == nil {
		t.sessions = make(map[string]*sessionTally)
	}
	st := t.sessions[string(r[:e])]
	if st == nil {
		st = &sessionTally{}
		t.sessions[string(r[:e])] = st
		t.order = append(t.order, string(r[:e]))
	}
	if int(seq) >= len(st.seqs) {
		st.seqs = append(st.seqs, make([]uint16, int(seq)+1-len(st.seqs)+len(st.seqs)/2)...)
	}
	st.seqs[seq]++
	switch {
	case t.Order == Contiguous && seq != st.last+1, t.Order == Increasing && seq <= st.last:
		if t.disorder == 0 {
			t.firstOrder = fmt.Sprintf("line %d: router %s sequence %d after %d", t.Lines+1, r[:e], seq, st.last)
		}
		t.disorder++
	}
	st.last = seq
	if bytes.HasPrefix(l, unicastKey) {
		t.Prefixes++
	}
}

func (t *Tally) badLine(l []byte, why string) {
	if t.bad == 0 {
		t.firstBad = fmt.Sprintf("line %d: %s: %.120q", t.Lines+1, why, l)
	}
	t.bad++
}

// Merge adds the counts of o (a tally of other lines of the same sessions, e.g. another
// Kafka partition) to t; the order checks stay each tally's own.
func (t *Tally) Merge(o *Tally) {
	t.Lines += o.Lines
	t.Bytes += o.Bytes
	t.Prefixes += o.Prefixes
	if o.bad > 0 && t.bad == 0 {
		t.firstBad = o.firstBad
	}
	t.bad += o.bad
	if o.disorder > 0 && t.disorder == 0 {
		t.firstOrder = o.firstOrder
	}
	t.disorder += o.disorder
	for _, name := range o.order {
		src := o.sessions[name]
		if t.sessions == nil {
			t.sessions = make(map[string]*sessionTally)
		}
		dst := t.sessions[name]
		if dst == nil {
			dst = &sessionTally{}
			t.sessions[name] = dst
			t.order = append(t.order, name)
		}
		if len(dst.seqs) < len(src.seqs) {
			dst.seqs = append(dst.seqs, make([]uint16, len(src.seqs)-len(dst.seqs))...)
		}
		for i, n := range src.seqs {
			dst.seqs[i] += n
		}
	}
}

// Check verifies, after Verify, that the output held exactly sessions sessions, each
// with records 1..perSession once and in order (see Order), prefixes of them
// unicast_prefix records per session, and nothing else.
func (t *Tally) Check(perSession, prefixes int64, sessions int) error {
	if !t.Verify {
		return errors.New("tally: Check needs Verify")
	}
	var errs []error
	if t.bad > 0 {
		errs = append(errs, fmt.Errorf("%d malformed lines, first %s", t.bad, t.firstBad))
	}
	if len(t.partial) > 0 {
		errs = append(errs, fmt.Errorf("output ends with %d bytes of an unterminated line or message", len(t.partial)))
	}
	if want := perSession * int64(sessions); t.Lines != want {
		errs = append(errs, fmt.Errorf("%d lines, want %d (%d sessions × %d)", t.Lines, want, sessions, perSession))
	}
	if want := prefixes * int64(sessions); t.Prefixes != want {
		errs = append(errs, fmt.Errorf("%d unicast_prefix records, want %d", t.Prefixes, want))
	}
	if len(t.sessions) != sessions {
		errs = append(errs, fmt.Errorf("%d sessions (router_ip) in the output, want %d", len(t.sessions), sessions))
	}
	if t.disorder > 0 {
		errs = append(errs, fmt.Errorf("%d records out of order, first %s", t.disorder, t.firstOrder))
	}
	for _, name := range t.order {
		seqs := t.sessions[name].seqs
		missing, extra := 0, 0
		var firstWrong uint64
		for s := int64(1); s < max(int64(len(seqs)), perSession+1); s++ {
			n := 0
			if s < int64(len(seqs)) {
				n = int(seqs[s])
			}
			want := 1
			if s > perSession {
				want = 0
			}
			if n != want && firstWrong == 0 {
				firstWrong = uint64(s)
			}
			if n < want {
				missing += want - n
			} else {
				extra += n - want
			}
		}
		if missing+extra > 0 {
			errs = append(errs, fmt.Errorf("router %s: sequence numbers: %d missing, %d extra or duplicated (first wrong: %d)", name, missing, extra, firstWrong))
		}
	}
	return errors.Join(errs...)
}

// errStalled is returned by Follow when the output stops before enough lines arrived.
var errStalled = errors.New("output ended")

// Follow reads f into t until t holds want lines, the deadline passes or (for a pipe) the
// writer closes it. A regular file is polled every poll at its end, since the collector
// is still writing it. It returns when the want-th line was seen.
func Follow(f *os.File, t *Tally, want int64, poll time.Duration, deadline time.Time) (time.Time, error) {
	st, err := f.Stat()
	if err != nil {
		return time.Time{}, err
	}
	pipe := st.Mode()&os.ModeNamedPipe != 0
	if pipe {
		if err := f.SetReadDeadline(deadline); err != nil {
			return time.Time{}, fmt.Errorf("pipe read deadline: %w", err)
		}
	}
	buf := make([]byte, 1<<20)
	for t.Lines < want {
		n, err := f.Read(buf)
		if n > 0 {
			t.Write(buf[:n])
			continue
		}
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			return time.Now(), fmt.Errorf("%d of %d lines by the deadline", t.Lines, want)
		case err == io.EOF && pipe:
			return time.Now(), fmt.Errorf("%w after %d of %d lines: %w", errStalled, t.Lines, want, err)
		case err != nil && err != io.EOF:
			return time.Now(), err
		}
		if time.Now().After(deadline) {
			return time.Now(), fmt.Errorf("%d of %d lines by the deadline", t.Lines, want)
		}
		time.Sleep(poll)
	}
	return time.Now(), nil
}
