package bmp

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"testing"
)

// chunkReader returns its data in chunks of the given sizes (cycled).
type chunkReader struct {
	data  []byte
	sizes []int
	i     int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.data), c.sizes[c.i%len(c.sizes)])
	c.i++
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// TestReaderBufferSwitches: messages of every size, split at every kind of boundary by
// reads of random sizes (so the reader switches between its small and large buffers in
// the middle of headers and bodies), come out whole and in order.
func TestReaderBufferSwitches(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var want [][]byte
	for i := range 400 {
		body := make([]byte, rng.IntN(3*ReaderBufferSize/2))
		if i%3 == 0 {
			body = body[:rng.IntN(40)]
		}
		for j := range body {
			body[j] = byte(i + j)
		}
		want = append(want, msg(3, MsgRouteMonitoring, body))
	}
	stream := bytes.Join(want, nil)
	for _, sizes := range [][]int{
		{1}, {5, 7}, {smallBufferSize}, {smallBufferSize - 1, smallBufferSize + 1},
		{ReaderBufferSize}, {3, ReaderBufferSize + 100, 17, smallBufferSize, 100000},
		{rng.IntN(100), rng.IntN(5000), rng.IntN(70000), 1, rng.IntN(200000) + 1},
	} {
		r := NewReader(&chunkReader{data: stream, sizes: sizes}, 0)
		expectMessages(t, r, want)
		if _, _, err := r.Next(); !errors.Is(err, io.EOF) {
			t.Fatalf("chunks %v: after the last message: %v", sizes, err)
		}
	}
}

// TestReaderIdleHoldsSmallBuffer: a busy stream reads into the large pooled buffer; once
// a read brings fewer than smallBufferSize bytes and they are consumed, the reader waits
// with its small buffer only.
func TestReaderIdleHoldsSmallBuffer(t *testing.T) {
	big := msg(3, MsgRouteMonitoring, make([]byte, 3*ReaderBufferSize))
	small := msg(3, MsgInitiation, tlv(InfoSysName, []byte("r1")))
	src := &pausingReader{chunks: [][]byte{small, bytes.Repeat(big, 3), small}}
	r := NewReader(src, 0)
	if _, got, err := r.Next(); err != nil || !bytes.Equal(got, small) {
		t.Fatalf("first message: %v", err)
	}
	if m := r.MemoryBytes(); m != smallBufferSize+initialBufferSize {
		t.Fatalf("after a small message the reader holds %d bytes, want %d", m, smallBufferSize+initialBufferSize)
	}
	var sawLarge bool
	for range 3 {
		if _, got, err := r.Next(); err != nil || !bytes.Equal(got, big) {
			t.Fatalf("big message: %v", err)
		}
		sawLarge = sawLarge || r.br.large != nil
	}
	if !sawLarge {
		t.Fatal("a busy stream never used the large buffer")
	}
	if _, got, err := r.Next(); err != nil || !bytes.Equal(got, small) {
		t.Fatalf("last message: %v", err)
	}
	// The reader now blocks (deadline): it holds the small buffer only.
	if _, _, err := r.Next(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Next: %v", err)
	}
	if r.br.large != nil || len(r.br.buf) != smallBufferSize {
		t.Fatalf("idle reader holds a %d-byte read buffer", len(r.br.buf))
	}
	if m := r.MemoryBytes(); m > smallBufferSize+retainBufferSize {
		t.Fatalf("idle reader holds %d bytes", m)
	}
}
