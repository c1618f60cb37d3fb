package bmp

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// testStream returns three messages of different types and their concatenation.
func testStream() ([][]byte, []byte) {
	msgs := [][]byte{
		msg(3, MsgInitiation, tlv(InfoSysName, []byte("r1"))),
		msg(3, MsgRouteMonitoring, v4peer.bytes(), update()),
		msg(4, MsgPeerDown, v4peer.bytes(), []byte{2}, be16(1)),
	}
	return msgs, cat(msgs...)
}

func expectMessages(t *testing.T, r *Reader, want [][]byte) {
	t.Helper()
	for i, w := range want {
		h, got, err := r.Next()
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if !bytes.Equal(got, w) {
			t.Fatalf("message %d = %x, want %x", i, got, w)
		}
		if h.Version != w[0] || h.Length != uint32(len(w)) || h.Type != w[5] {
			t.Fatalf("message %d header %+v", i, h)
		}
	}
}

func TestReaderWholeStream(t *testing.T) {
	msgs, stream := testStream()
	r := NewReader(bytes.NewReader(stream), 0)
	h, first, err := r.Next()
	if err != nil || h.Type != MsgInitiation || !bytes.Equal(first, msgs[0]) {
		t.Fatalf("first: %+v %x %v", h, first, err)
	}
	// The whole stream came in one read: everything but the first message is buffered.
	if r.Buffered() != len(stream)-len(msgs[0]) {
		t.Fatalf("Buffered = %d, want %d", r.Buffered(), len(stream)-len(msgs[0]))
	}
	if r.BytesRead() != uint64(len(stream)) {
		t.Fatalf("BytesRead = %d, want %d", r.BytesRead(), len(stream))
	}
	expectMessages(t, r, msgs[1:])
	if r.Buffered() != 0 {
		t.Fatalf("Buffered = %d at end", r.Buffered())
	}
	for range 2 {
		if _, b, err := r.Next(); err != io.EOF || b != nil {
			t.Fatalf("end: %x %v, want io.EOF", b, err)
		}
	}
}

func TestReaderOneByteReads(t *testing.T) {
	msgs, stream := testStream()
	r := NewReader(iotest.OneByteReader(bytes.NewReader(stream)), 0)
	expectMessages(t, r, msgs)
	if _, _, err := r.Next(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
	if r.BytesRead() != uint64(len(stream)) {
		t.Fatalf("BytesRead = %d", r.BytesRead())
	}
}

func TestReaderDataErrReader(t *testing.T) {
	// The last data arrives together with io.EOF.
	msgs, stream := testStream()
	r := NewReader(iotest.DataErrReader(iotest.HalfReader(bytes.NewReader(stream))), 0)
	expectMessages(t, r, msgs)
	if _, _, err := r.Next(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
}

func TestReaderTorn(t *testing.T) {
	msgs, stream := testStream()
	full := len(msgs[0]) + len(msgs[1])
	m2 := msgs[2]
	tests := []struct {
		name string
		cut  int // bytes of the third message present
		want TornError
	}{
		{"1 header byte", 1, TornError{Got: 1}},
		{"4 header bytes", 4, TornError{Got: 4}},
		{"5 header bytes", 5, TornError{Declared: len(m2), Got: 5}},
		{"whole header", 6, TornError{Type: MsgPeerDown, Declared: len(m2), Got: 6}},
		{"all but one byte", len(m2) - 1, TornError{Type: MsgPeerDown, Declared: len(m2), Got: len(m2) - 1}},
	}
	for _, tc := range tests {
		for _, oneByte := range []bool{false, true} {
			var src io.Reader = bytes.NewReader(stream[:full+tc.cut])
			if oneByte {
				src = iotest.OneByteReader(src)
			}
			r := NewReader(src, 0)
			expectMessages(t, r, msgs[:2])
			_, b, err := r.Next()
			var te *TornError
			if !errors.As(err, &te) || b != nil {
				t.Fatalf("%s: got %x %v, want *TornError", tc.name, b, err)
			}
			if *te != tc.want {
				t.Fatalf("%s: %+v, want %+v", tc.name, *te, tc.want)
			}
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("%s: %v does not wrap io.ErrUnexpectedEOF", tc.name, err)
			}
			if _, _, err := r.Next(); err != io.EOF {
				t.Fatalf("%s: after torn: %v, want io.EOF", tc.name, err)
			}
		}
	}
	te := &TornError{Type: 0, Declared: 185, Got: 156}
	if te.Error() != "bmp: stream ended inside a message (type 0, 156 of 185 declared bytes): unexpected EOF" {
		t.Fatalf("text %q", te.Error())
	}
}

func TestReaderHeaderErrors(t *testing.T) {
	first := msg(3, MsgInitiation, tlv(0, []byte("x")))
	tests := []struct {
		name     string
		next     []byte
		max      int
		sentinel error
		wantMsg  string
	}{
		{"bad version", []byte{7, 0, 0, 0, 10, 0, 1, 2, 3, 4}, 0, ErrBadVersion,
			"bmp: offset 11: common header: version 7 not supported (want 3 or 4)"},
		{"too short", []byte{3, 0, 0, 0, 5, 0}, 0, ErrTooShort,
			"bmp: offset 12: common header: length 5 below 6"},
		{"too large", msg(3, MsgInitiation, make([]byte, 200)), 100, ErrTooLarge,
			"bmp: offset 12: message type 4 declares 206 bytes, limit 100"},
		{"huge length", []byte{3, 0xff, 0xff, 0xff, 0xff, 0}, 0, ErrTooLarge,
			"bmp: offset 12: message type 0 declares 4294967295 bytes, limit 1048576"},
	}
	for _, tc := range tests {
		r := NewReader(bytes.NewReader(cat(first, tc.next)), tc.max)
		expectMessages(t, r, [][]byte{first})
		_, b, err := r.Next()
		if err == nil || b != nil || !errors.Is(err, tc.sentinel) || err.Error() != tc.wantMsg {
			t.Fatalf("%s: %x %v, want %q", tc.name, b, err, tc.wantMsg)
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("%s: %T", tc.name, err)
		}
	}
}

// TestReaderTornInvalidHeader: a partial header at the end of the stream that is already
// invalid is reported as such, not as a torn message.
func TestReaderTornInvalidHeader(t *testing.T) {
	tests := []struct {
		in       []byte
		sentinel error
		torn     *TornError
	}{
		{[]byte{3, 0, 0, 0, 2}, ErrTooShort, nil},
		{[]byte{9}, ErrBadVersion, nil},
		{[]byte{2, 0, 0}, ErrBadVersion, nil},
		{[]byte{4, 0, 0x10, 0, 1}, ErrTooLarge, nil},
		{[]byte{3, 0x30}, ErrTooLarge, nil}, // the top length byte is enough
		{[]byte{4, 0, 0, 0}, nil, &TornError{Got: 4}},
		{[]byte{3, 0, 0, 0, 6}, nil, &TornError{Declared: 6, Got: 5}},
	}
	for _, tc := range tests {
		_, _, err := NewReader(bytes.NewReader(tc.in), 0).Next()
		var te *TornError
		switch {
		case tc.torn != nil:
			if !errors.As(err, &te) || *te != *tc.torn {
				t.Errorf("%x: %v, want %+v", tc.in, err, *tc.torn)
			}
		case !errors.Is(err, tc.sentinel) || errors.As(err, &te):
			t.Errorf("%x: %v, want %v", tc.in, err, tc.sentinel)
		}
	}
}

func TestReaderEmpty(t *testing.T) {
	r := NewReader(bytes.NewReader(nil), 0)
	if _, _, err := r.Next(); err != io.EOF {
		t.Fatalf("%v, want io.EOF", err)
	}
	if r.BytesRead() != 0 || r.Buffered() != 0 {
		t.Fatal("counters not zero")
	}
}

// flakyReader serves chunks, returning errFlaky once after the first chunk.
type flakyReader struct {
	chunks [][]byte
	failed bool
}

var errFlaky = errors.New("temporary failure")

func (f *flakyReader) Read(p []byte) (int, error) {
	if len(f.chunks) == 0 {
		return 0, io.EOF
	}
	if len(f.chunks) == 1 && !f.failed {
		f.failed = true
		return 0, errFlaky
	}
	n := copy(p, f.chunks[0])
	f.chunks[0] = f.chunks[0][n:]
	if len(f.chunks[0]) == 0 {
		f.chunks = f.chunks[1:]
	}
	return n, nil
}

func TestReaderResumesAfterError(t *testing.T) {
	msgs, stream := testStream()
	cut := len(msgs[0]) + 20 // inside the second message
	r := NewReader(&flakyReader{chunks: [][]byte{stream[:cut], stream[cut:]}}, 0)
	expectMessages(t, r, msgs[:1])
	if _, _, err := r.Next(); err != errFlaky {
		t.Fatalf("got %v, want the reader's error", err)
	}
	if r.Buffered() != 20 {
		t.Fatalf("Buffered = %d, want 20 (received part of the message)", r.Buffered())
	}
	expectMessages(t, r, msgs[1:])
	if _, _, err := r.Next(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
}

func TestReaderLargeMessage(t *testing.T) {
	big := msg(3, MsgInitiation, tlv(0, make([]byte, 65000)), tlv(0, make([]byte, 65000)), tlv(1, []byte("end")))
	small := msg(3, MsgTermination, tlv(1, be16(0)))
	stream := cat(small, big, small, big)
	for _, src := range []io.Reader{bytes.NewReader(stream), iotest.HalfReader(bytes.NewReader(stream))} {
		r := NewReader(src, 200000)
		expectMessages(t, r, [][]byte{small, big, small, big})
		if _, _, err := r.Next(); err != io.EOF {
			t.Fatalf("end: %v", err)
		}
	}
	r := NewReader(bytes.NewReader(big), 100000)
	if _, _, err := r.Next(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("limit: %v", err)
	}
}

// loopReader replays a stream forever.
type loopReader struct {
	data []byte
	pos  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := copy(p, l.data[l.pos:])
	l.pos = (l.pos + n) % len(l.data)
	return n, nil
}

func TestReaderNoAllocs(t *testing.T) {
	_, stream := testStream()
	r := NewReader(&loopReader{data: stream}, 0)
	var m Message
	for range 10 {
		if _, b, err := r.Next(); err != nil || m.Decode(b) != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(1000, func() {
		_, b, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Decode(b); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Next+Decode allocates %.2f per message", allocs)
	}
}
