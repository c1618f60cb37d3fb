package bmp

import (
	"encoding/binary"
	"errors"
	"io"
	"strconv"
)

// ReaderBufferSize is the size of the read buffer of a busy Reader (an idle one holds
// smallBufferSize bytes: see readBuf).
const ReaderBufferSize = 64 << 10

// DefaultMaxMessageSize is the message size limit NewReader uses when given a
// non-positive maximum. A BMP message carries at most two BGP PDUs (Peer Up) of up to
// 65535 bytes each (RFC 8654 extended messages) plus headers and TLVs.
const DefaultMaxMessageSize = 1 << 20

// Reader splits a BMP byte stream into whole messages. It reads through a buffer that is
// small while the stream is quiet and 64 KiB (pooled) while bytes keep coming, and copies
// each message into one internally reused buffer, so steady-state reading does not
// allocate. A Reader is not safe for concurrent use.
type Reader struct {
	src   countingReader
	br    readBuf
	max   int
	buf   []byte
	hdr   CommonHeader
	inMsg bool   // a message header was accepted and its bytes are being read
	got   int    // bytes of the current message already in buf
	off   uint64 // stream offset of the current message (bytes returned before it)
}

// countingReader counts the bytes read from the underlying reader.
type countingReader struct {
	r io.Reader
	n uint64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += uint64(n)
	return n, err
}

// NewReader returns a Reader over r that rejects messages longer than maxMessageSize
// bytes (DefaultMaxMessageSize when maxMessageSize <= 0).
func NewReader(r io.Reader, maxMessageSize int) *Reader {
	if maxMessageSize <= 0 {
		maxMessageSize = DefaultMaxMessageSize
	}
	rd := &Reader{max: maxMessageSize}
	rd.src.r = r
	rd.br.init(&rd.src)
	rd.buf = make([]byte, 0, min(initialBufferSize, maxMessageSize))
	return rd
}

// The message buffer starts at initialBufferSize and grows, by doubling, as the bytes of
// a message arrive (never beyond the message's length). After a message larger than
// retainBufferSize it is replaced by a small one, so a burst of large messages does not
// pin memory for the life of the connection.
const (
	initialBufferSize = 1024
	retainBufferSize  = 128 << 10
)

// Next returns the next message, common header included, and its parsed common header.
// The returned slice is reused: it is valid only until the next call to Next.
//
// Errors: io.EOF when the stream ends cleanly at a message boundary; a *TornError
// (errors.Is io.ErrUnexpectedEOF) when it ends inside a message; an *Error wrapping
// ErrBadVersion, ErrTooShort or ErrTooLarge for an unacceptable common header, even a
// partial one at the end of the stream (the stream cannot be resynchronised after
// these: close it); any other error of the
// underlying reader as is. After such a pass-through error (e.g. a read deadline), calling
// Next again resumes the interrupted message.
func (r *Reader) Next() (CommonHeader, []byte, error) {
	if !r.inMsg {
		hb, err := r.br.Peek(CommonHeaderLen)
		if err != nil {
			if errors.Is(err, io.EOF) {
				if len(hb) == 0 {
					return CommonHeader{}, nil, io.EOF
				}
				// A header cut short: report what is already wrong with it, if anything,
				// so that a TornError always stands for a plausible message.
				var full [CommonHeaderLen]byte
				copy(full[:], hb)
				if len(hb) < 5 {
					full[4] = CommonHeaderLen // length unknown: let it pass the checks
				}
				if _, err := r.checkHeader(full[:]); err != nil {
					return CommonHeader{}, nil, err
				}
				t := &TornError{Got: len(hb)}
				if len(hb) >= 5 {
					t.Declared = int(binary.BigEndian.Uint32(hb[1:5]))
				}
				r.discardTorn(len(hb))
				return CommonHeader{}, nil, t
			}
			return CommonHeader{}, nil, err
		}
		h, err := r.checkHeader(hb)
		if err != nil {
			return h, nil, err
		}
		if cap(r.buf) > retainBufferSize {
			// The previous message was unusually large: do not keep its buffer.
			r.buf = make([]byte, 0, initialBufferSize)
		}
		r.hdr, r.inMsg, r.got = h, true, 0
	}
	n := int(r.hdr.Length)
	for r.got < n {
		if r.got == cap(r.buf) {
			// Grow with the bytes that actually arrived, not with the declared length: a
			// header declaring 1 MiB followed by nothing costs no more than a small one.
			nb := make([]byte, r.got, min(n, max(2*cap(r.buf), initialBufferSize)))
			copy(nb, r.buf[:r.got])
			r.buf = nb
		}
		buf := r.buf[:min(n, cap(r.buf))]
		k, err := r.br.Read(buf[r.got:])
		r.got += k
		if err != nil {
			if errors.Is(err, io.EOF) {
				t := &TornError{Type: r.hdr.Type, Declared: n, Got: r.got}
				r.inMsg = false
				r.off += uint64(r.got)
				return CommonHeader{}, nil, t
			}
			return CommonHeader{}, nil, err
		}
	}
	r.inMsg = false
	r.off += uint64(n)
	return r.hdr, r.buf[:n], nil
}

// NextBuffered reports whether the next message is already complete in the buffer, so
// that Next returns it (or a header error) without reading from the underlying reader.
// When it is false, the next Next blocks until more bytes arrive: a caller that batches
// output flushes it then.
func (r *Reader) NextBuffered() bool {
	if r.inMsg {
		return false // an interrupted message: the rest is not here yet
	}
	k := r.br.Buffered()
	if k < CommonHeaderLen {
		return false
	}
	hb, _ := r.br.Peek(CommonHeaderLen)
	return hb[0] != 3 && hb[0] != 4 || int64(binary.BigEndian.Uint32(hb[1:5])) <= int64(k)
}

// MemoryBytes is the memory the Reader holds: its read buffers and its message buffer.
func (r *Reader) MemoryBytes() int { return r.br.memoryBytes() + cap(r.buf) }

// Release returns the Reader's pooled read buffer; call it when done with the Reader (no
// Next after it).
func (r *Reader) Release() {
	r.br.r, r.br.w = 0, 0
	r.br.release()
}

// Offset is the stream offset of the next message: the bytes of the messages Next
// returned, and of torn messages.
func (r *Reader) Offset() uint64 { return r.off }

// checkHeader parses a common header and applies the size limit; error offsets are
// stream offsets.
func (r *Reader) checkHeader(hb []byte) (CommonHeader, error) {
	h, err := ParseCommonHeader(hb)
	if err != nil {
		if e, ok := err.(*Error); ok {
			e.Offset += int(r.off)
		}
		return h, err
	}
	if uint64(h.Length) > uint64(r.max) {
		return h, &Error{
			Offset: int(r.off) + 1,
			What:   "message type " + strconv.Itoa(int(h.Type)) + " declares " + strconv.FormatUint(uint64(h.Length), 10) + " bytes, limit " + strconv.Itoa(r.max),
			Err:    ErrTooLarge,
		}
	}
	return h, nil
}

// discardTorn drops the n bytes of a torn common header so that a further Next reports
// io.EOF.
func (r *Reader) discardTorn(n int) {
	d := r.br.Discard(n)
	r.off += uint64(d)
}

// Buffered returns the number of bytes already read from the underlying reader but not
// yet returned by Next (bufio contents plus the received part of an interrupted
// message). When it is below a whole message, the next call to Next will block on the
// underlying reader.
func (r *Reader) Buffered() int {
	n := r.br.Buffered()
	if r.inMsg {
		n += r.got
	}
	return n
}

// BytesRead returns the total number of bytes read from the underlying reader.
func (r *Reader) BytesRead() uint64 { return r.src.n }
