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

// Tally counts the JSON Lines written by the collector. With Verify set it also checks each
// line: its sequence number (every session numbers its records 1, 2, …) and its type; Check
// then proves that every expected record arrived exactly once per session. Without Verify
// it only counts newlines, which is cheap enough to run while the collector is timed.
type Tally struct {
	Verify bool

	Lines    int64 // complete lines
	Bytes    int64 // bytes of complete lines, newlines included
	Prefixes int64 // unicast_prefix records (Verify only)

	partial  []byte
	seqs     []uint16 // seqs[s] = how many lines carried sequence s (Verify only)
	bad      int64
	firstBad string
}

// Write consumes output bytes; lines may be split across calls.
func (t *Tally) Write(p []byte) (int, error) {
	n := len(p)
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
		t.line(line)
		t.Bytes += int64(len(line)) + 1
		t.Lines++
		t.partial = t.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

var (
	seqKey     = []byte(`"sequence":`)
	unicastKey = []byte(`{"type":"unicast_prefix",`)
)

// maxSeq bounds the sequence numbers tracked (one uint16 each): 64 M records per session.
const maxSeq = 64 << 20

func (t *Tally) line(l []byte) {
	head := l[:min(len(l), 96)] // type, action and sequence come first
	k := bytes.Index(head, seqKey)
	if k < 0 {
		t.badLine(l, "no sequence in the first 96 bytes")
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
	if int(seq) >= len(t.seqs) {
		t.seqs = append(t.seqs, make([]uint16, int(seq)+1-len(t.seqs)+len(t.seqs)/2)...)
	}
	t.seqs[seq]++
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

// Check verifies, after Verify, that the output held exactly sessions copies of records
// 1..perSession (in any interleaving of sessions), prefixes of them unicast_prefix records
// per session, and nothing else.
func (t *Tally) Check(perSession, prefixes int64, sessions int) error {
	if !t.Verify {
		return errors.New("tally: Check needs Verify")
	}
	var errs []error
	if t.bad > 0 {
		errs = append(errs, fmt.Errorf("%d malformed lines, first %s", t.bad, t.firstBad))
	}
	if len(t.partial) > 0 {
		errs = append(errs, fmt.Errorf("output ends with %d bytes of an unterminated line", len(t.partial)))
	}
	if want := perSession * int64(sessions); t.Lines != want {
		errs = append(errs, fmt.Errorf("%d lines, want %d (%d sessions × %d)", t.Lines, want, sessions, perSession))
	}
	if want := prefixes * int64(sessions); t.Prefixes != want {
		errs = append(errs, fmt.Errorf("%d unicast_prefix records, want %d", t.Prefixes, want))
	}
	missing, extra := 0, 0
	var firstWrong uint64
	for s := int64(1); s < max(int64(len(t.seqs)), perSession+1); s++ {
		n := 0
		if s < int64(len(t.seqs)) {
			n = int(t.seqs[s])
		}
		want := sessions
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
		errs = append(errs, fmt.Errorf("sequence numbers: %d missing, %d extra or duplicated (first wrong: %d)", missing, extra, firstWrong))
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
