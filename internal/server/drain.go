package server

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"time"
)

// drainReadTimeout bounds each read of the shutdown drain. The bytes read then are in
// the kernel already, so reads return at once; the deadline only guards against the
// unexpected.
const drainReadTimeout = 5 * time.Second

// drainReader sits between a connection and its BMP reader. Until shutdown it passes
// reads through. At shutdown the server interrupts the reads with a deadline; the reader
// then arms the drain: it reads the bytes the kernel had already received on the socket
// (the router sent them and TCP acknowledged them), and no more, so every message
// received in full before the shutdown is processed, and a session never waits for a
// router that keeps sending. Only plain TCP connections are drained this way (where the
// kernel's unread byte count is known); the others stop at the bytes already read.
type drainReader struct {
	conn     net.Conn
	tcp      *net.TCPConn
	armed    bool
	left     int
	hitLimit bool
}

func newDrainReader(conn net.Conn) *drainReader {
	return &drainReader{conn: conn, tcp: plainTCP(conn)}
}

// plainTCP finds the *net.TCPConn under wrappers that pass bytes through unchanged and
// expose it with NetConn (the connection-limit wrapper). A TLS connection is not
// unwrapped: the kernel's unread bytes are TLS records, not BMP.
func plainTCP(c net.Conn) *net.TCPConn {
	for i := 0; i < 8; i++ {
		switch t := c.(type) {
		case *net.TCPConn:
			return t
		case *tls.Conn:
			return nil
		case interface{ NetConn() net.Conn }:
			c = t.NetConn()
		default:
			return nil
		}
	}
	return nil
}

func (d *drainReader) Read(p []byte) (int, error) {
	if !d.armed {
		return d.conn.Read(p)
	}
	if d.left <= 0 {
		d.hitLimit = true
		return 0, io.EOF
	}
	if len(p) > d.left {
		p = p[:d.left]
	}
	n, err := d.conn.Read(p)
	d.left -= n
	return n, err
}

// arm is called with the error that interrupted a read during shutdown. When it is the
// shutdown's read deadline and the socket's unread byte count is known, it limits the
// following reads to those bytes and returns true: the caller goes on reading.
func (d *drainReader) arm(err error) bool {
	if d.armed || d.tcp == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	n, ok := unreadBytes(d.tcp)
	if !ok || d.conn.SetReadDeadline(time.Now().Add(drainReadTimeout)) != nil {
		return false
	}
	d.armed, d.left = true, n
	return true
}

// drained reports that the reads stopped at the drain limit.
func (d *drainReader) drained() bool { return d.hitLimit }
