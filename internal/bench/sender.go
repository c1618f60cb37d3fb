package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// sendChunk is the size of one Write: large enough that syscalls do not matter, small
// enough that Sent progresses smoothly.
const sendChunk = 256 << 10

// Sender replays one BMP stream on several TCP connections at once, as routers would.
type Sender struct {
	// Sent counts the bytes written so far over all connections.
	Sent atomic.Int64
	// Start is when the first connection was established (just before its first byte).
	Start time.Time
	// Written is when the last connection wrote its last byte; Closed when the last one
	// saw the collector close the session (all its messages read).
	Written, Closed time.Time
}

// Send dials addr sessions times and writes data on every connection concurrently, then
// half-closes each and waits for the collector to close it. It returns when all are done.
func (s *Sender) Send(ctx context.Context, addr string, data []byte, sessions int) error {
	sessions = max(sessions, 1)
	conns := make([]net.Conn, sessions)
	for i := range conns {
		d := net.Dialer{LocalAddr: SessionAddr(i)}
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			for _, c := range conns[:i] {
				c.Close()
			}
			return fmt.Errorf("dial %s (session %d): %w", addr, i+1, err)
		}
		conns[i] = c
	}
	var (
		wg           sync.WaitGroup
		mu           sync.Mutex
		errs         []error
		written, end time.Time
	)
	s.Start = time.Now()
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w, e, err := s.session(ctx, c, data)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("session %d: %w", i+1, err))
			}
			if w.After(written) {
				written = w
			}
			if e.After(end) {
				end = e
			}
		}()
	}
	wg.Wait()
	s.Written, s.Closed = written, end
	return errors.Join(errs...)
}

func (s *Sender) session(ctx context.Context, c net.Conn, data []byte) (written, closed time.Time, err error) {
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	for off := 0; off < len(data); {
		n, err := c.Write(data[off:min(off+sendChunk, len(data))])
		s.Sent.Add(int64(n))
		off += n
		if err != nil {
			return written, closed, ctxErr(ctx, err)
		}
	}
	written = time.Now()
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return written, closed, err
	}
	// The collector sends nothing; it closes the connection once it has read everything.
	if _, err := io.Copy(io.Discard, c); err != nil {
		return written, closed, ctxErr(ctx, err)
	}
	return written, time.Now(), nil
}

// SessionAddr is the local address session i dials from: 127.0.0.1, 127.0.0.2, … (every
// 127/8 address is loopback on Linux), so that the collector's records say (router_ip)
// which session they belong to and the output can be checked per session.
func SessionAddr(i int) *net.TCPAddr {
	return &net.TCPAddr{IP: net.IPv4(127, byte(i/62500), byte(i/250%250), byte(1+i%250))}
}

func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}
