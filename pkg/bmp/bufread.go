package bmp

import (
	"io"
	"sync"
)

// smallBufferSize is the read buffer of a quiet stream: what an idle connection holds
// while it waits for its router (an Initiation, a Peer Up, a Statistics Report fit).
const smallBufferSize = 1024

// largeBuffers pools the ReaderBufferSize read buffers of busy streams.
var largeBuffers = sync.Pool{New: func() any { b := make([]byte, ReaderBufferSize); return &b }}

// readBuf is the buffered reading under Reader: bufio.Reader's Peek, Read, Buffered and
// Discard, with a buffer that follows the traffic. A quiet stream reads into a small
// buffer of its own; a read that fills it (more bytes are waiting) switches to a
// ReaderBufferSize buffer from a pool, kept while reads keep bringing at least
// smallBufferSize bytes and returned to the pool when the buffer is empty after a smaller
// read. So an idle connection holds smallBufferSize bytes, and a busy one reads in large
// chunks as with a plain 64 KiB bufio.Reader.
type readBuf struct {
	src   io.Reader
	buf   []byte // small or *large
	small []byte
	large *[]byte // held pooled buffer, nil when buf is small
	r, w  int     // buf[r:w] is buffered
	hot   bool    // the last read brought at least smallBufferSize bytes
	err   error   // the last read's error, returned once
}

func (b *readBuf) init(src io.Reader) {
	b.src = src
	b.small = make([]byte, smallBufferSize)
	b.buf = b.small
}

// Buffered is the number of bytes that can be read without reading from src.
func (b *readBuf) Buffered() int { return b.w - b.r }

// memoryBytes is the memory of the read buffers held.
func (b *readBuf) memoryBytes() int {
	n := len(b.small)
	if b.large != nil {
		n += len(*b.large)
	}
	return n
}

// choose picks the buffer for the next read when nothing is buffered.
func (b *readBuf) choose() {
	b.r, b.w = 0, 0
	switch {
	case b.hot && b.large == nil:
		b.large = largeBuffers.Get().(*[]byte)
		b.buf = *b.large
	case !b.hot && b.large != nil:
		b.release()
	}
}

// release returns the large buffer to the pool (nothing may be buffered in it).
func (b *readBuf) release() {
	if b.large != nil {
		largeBuffers.Put(b.large)
		b.large, b.buf = nil, b.small
	}
}

// fill reads once from src into the free end of buf, first moving the buffered bytes to
// its start.
func (b *readBuf) fill() {
	if b.r == b.w {
		b.choose()
	} else if b.r > 0 {
		copy(b.buf, b.buf[b.r:b.w])
		b.w -= b.r
		b.r = 0
	}
	n, err := b.src.Read(b.buf[b.w:])
	if n < 0 {
		n = 0
	}
	b.w += n
	b.hot = n >= smallBufferSize
	b.err = err
}

func (b *readBuf) readErr() error {
	err := b.err
	b.err = nil
	return err
}

// Peek returns the next n bytes (n <= smallBufferSize) without consuming them, reading
// as needed; with fewer, it returns what there is and the read error.
func (b *readBuf) Peek(n int) ([]byte, error) {
	for b.w-b.r < n && b.err == nil {
		b.fill()
	}
	if b.w-b.r < n {
		return b.buf[b.r:b.w], b.readErr()
	}
	return b.buf[b.r : b.r+n], nil
}

// Read reads into p: the buffered bytes, or the result of one read from src (straight
// into p when p is at least as large as the buffer).
func (b *readBuf) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if b.r == b.w {
		if b.err != nil {
			return 0, b.readErr()
		}
		b.choose()
		if len(p) >= len(b.buf) {
			n, err := b.src.Read(p)
			if n < 0 {
				n = 0
			}
			b.hot = n >= smallBufferSize
			return n, err
		}
		b.fill()
		if b.r == b.w {
			return 0, b.readErr()
		}
	}
	n := copy(p, b.buf[b.r:b.w])
	b.r += n
	return n, nil
}

// Discard skips the next n buffered bytes (n <= Buffered).
func (b *readBuf) Discard(n int) int {
	n = min(n, b.w-b.r)
	b.r += n
	return n
}
