package bmp

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
)

// pausingReader returns the bytes of chunks one call at a time, then os.ErrDeadlineExceeded
// once (a read deadline), then io.EOF.
type pausingReader struct {
	chunks [][]byte
	paused bool
}

func (p *pausingReader) Read(b []byte) (int, error) {
	if len(p.chunks) == 0 {
		if !p.paused {
			p.paused = true
			return 0, os.ErrDeadlineExceeded
		}
		return 0, io.EOF
	}
	n := copy(b, p.chunks[0])
	if p.chunks[0] = p.chunks[0][n:]; len(p.chunks[0]) == 0 {
		p.chunks = p.chunks[1:]
	}
	return n, nil
}

// TestReaderGrowsWithArrivedBytes: a header declaring 1 MiB costs the bytes that arrived,
// not the declared length; after a large message the buffer is released.
func TestReaderGrowsWithArrivedBytes(t *testing.T) {
	big := msg(3, MsgRouteMonitoring, make([]byte, 1<<20-6))
	src := &pausingReader{chunks: [][]byte{big[:100]}}
	r := NewReader(src, 0)
	if _, _, err := r.Next(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Next: %v", err)
	}
	if m := r.MemoryBytes(); m > ReaderBufferSize+smallBufferSize+initialBufferSize {
		t.Fatalf("100 bytes of a declared 1 MiB message hold %d bytes", m)
	}
	// The rest arrives: the message is whole and intact.
	small := msg(3, MsgInitiation, tlv(InfoSysName, []byte("r1")))
	src.chunks, src.paused = [][]byte{big[100:], small}, false
	_, got, err := r.Next()
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("big message: %v (len %d)", err, len(got))
	}
	if m := r.MemoryBytes(); m < 1<<20 {
		t.Fatalf("memory %d while holding the 1 MiB message", m)
	}
	if _, got, err = r.Next(); err != nil || !bytes.Equal(got, small) {
		t.Fatalf("small message: %v %x", err, got)
	}
	if m := r.MemoryBytes(); m > ReaderBufferSize+smallBufferSize+initialBufferSize {
		t.Fatalf("after the large message the reader still holds %d bytes", m)
	}
}

// TestNextBuffered: true only when the whole next message is in the buffer.
func TestNextBuffered(t *testing.T) {
	msgs, stream := testStream()
	cut := len(msgs[0]) + len(msgs[1]) + 3 // the third message is cut short
	src := &pausingReader{chunks: [][]byte{stream[:cut]}}
	r := NewReader(src, 0)
	if r.NextBuffered() {
		t.Fatal("NextBuffered before any read")
	}
	expectMessages(t, r, msgs[:1])
	if !r.NextBuffered() {
		t.Fatal("second message is buffered")
	}
	expectMessages(t, r, msgs[1:2])
	if r.NextBuffered() {
		t.Fatal("third message is not complete")
	}
}
