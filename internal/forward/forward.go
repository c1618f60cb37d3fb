// Package forward implements intercept mode: every router session's BMP messages are
// copied, verbatim and in order, to a downstream collector over a TCP connection of
// their own (one downstream connection per router session, opened when the router
// connects and closed when it disconnects).
//
// Forwarding never slows down the collector. The session's reader hands each complete
// message to Tap.Message, which copies it into a bounded per-router buffer (a list of
// chunks holding whole messages) and returns; one writer goroutine per router session
// drains the buffer to the downstream socket. When the buffer is full the new message is
// dropped whole and counted. When the downstream connection fails the writer reconnects
// with exponential backoff and resumes at the start of the first message not completely
// written, so every downstream connection carries a sequence of whole BMP messages.
package forward

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang/glog"
)

// Config configures a Forwarder.
type Config struct {
	// Addr is the downstream collector's host:port.
	Addr string
	// BufferBytes bounds the bytes of messages waiting per router session (default 8 MiB).
	BufferBytes int
	// DialTimeout bounds a connection attempt (default 5 s).
	DialTimeout time.Duration
	// WriteTimeout: a downstream that accepts no bytes for this long is disconnected and
	// dialled again (default 30 s).
	WriteTimeout time.Duration
	// CloseTimeout is how long, after the router disconnected, the writer may take to
	// deliver what is still buffered (default 5 s); the rest is dropped and counted.
	CloseTimeout time.Duration
	// BackoffMin and BackoffMax bound the wait between connection attempts (defaults
	// 100 ms and 30 s); it doubles after each failure and resets once a message went
	// through.
	BackoffMin, BackoffMax time.Duration

	// ChunkSize is the buffer's allocation unit (default 64 KiB).
	ChunkSize int
	// Dial replaces net.Dialer.DialContext (tests).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

func (c *Config) defaults() {
	if c.BufferBytes <= 0 {
		c.BufferBytes = 8 << 20
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = 5 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 30 * time.Second
	}
	if c.CloseTimeout <= 0 {
		c.CloseTimeout = 5 * time.Second
	}
	if c.BackoffMin <= 0 {
		c.BackoffMin = 100 * time.Millisecond
	}
	if c.BackoffMax < c.BackoffMin {
		c.BackoffMax = max(30*time.Second, c.BackoffMin)
	}
	if c.ChunkSize <= 0 {
		c.ChunkSize = 64 << 10
	}
	if c.Dial == nil {
		var d net.Dialer
		c.Dial = d.DialContext
	}
}

// Stats are the forwarder's counters over all router sessions, safe to read at any time.
type Stats struct {
	// Sessions is the number of router sessions being forwarded; Connected the number
	// of downstream connections up; Buffered the bytes waiting in all buffers.
	Sessions, Connected, Buffered atomic.Int64
	// ForwardedMessages / ForwardedBytes count messages completely written downstream.
	ForwardedMessages, ForwardedBytes atomic.Uint64
	// DroppedMessages / DroppedBytes count messages not forwarded: buffer full, or still
	// buffered when the router session ended and CloseTimeout ran out.
	DroppedMessages, DroppedBytes atomic.Uint64
	// Connects counts downstream connections established; Reconnects those made after
	// a downstream connection of the same router session was lost; DialErrors and
	// WriteErrors the failures.
	Connects, Reconnects, DialErrors, WriteErrors atomic.Uint64
}

// Forwarder forwards router sessions to one downstream collector.
type Forwarder struct {
	cfg   Config
	Stats Stats

	wg      sync.WaitGroup
	stop    chan struct{} // closed when Close gives up waiting
	stopped sync.Once
	mu      sync.Mutex
	taps    map[*Tap]struct{}
}

// New returns a forwarder to cfg.Addr.
func New(cfg Config) *Forwarder {
	cfg.defaults()
	return &Forwarder{cfg: cfg, stop: make(chan struct{}), taps: make(map[*Tap]struct{})}
}

// Tap starts forwarding a new router session (its writer dials the downstream at once).
func (f *Forwarder) Tap(router netip.AddrPort) *Tap {
	t := &Tap{f: f, router: router, wake: make(chan struct{}, 1)}
	f.mu.Lock()
	f.taps[t] = struct{}{}
	f.mu.Unlock()
	f.Stats.Sessions.Add(1)
	f.wg.Add(1)
	go t.run()
	return t
}

// Close waits until every writer has finished (their router sessions must have been
// closed, as the server does on shutdown). When ctx ends first, the writers are stopped
// and what they still buffer is dropped and counted.
func (f *Forwarder) Close(ctx context.Context) error {
	done := make(chan struct{})
	go func() { f.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	f.stopped.Do(func() { close(f.stop) })
	f.mu.Lock()
	for t := range f.taps {
		t.interrupt()
	}
	f.mu.Unlock()
	<-done
	return ctx.Err()
}

// chunk holds whole messages; ends are their end offsets in buf.
type chunk struct {
	buf  []byte
	ends []int
}

// Tap forwards one router session. Message and Close are called by the session's reader.
type Tap struct {
	f      *Forwarder
	router netip.AddrPort
	wake   chan struct{}

	mu       sync.Mutex
	chunks   []*chunk
	buffered int // bytes of messages in chunks and in the chunk being written
	spare    *chunk
	closed   bool
	deadline time.Time // when closed: the end of the close grace period
	conn     net.Conn  // the current downstream connection (for interrupt)

	// Drop log (reader side, under mu).
	dropMsgs, dropBytes uint64
	lastLog             time.Time
}

const dropLogInterval = 10 * time.Second

// Message copies msg into the router's buffer, or drops it when the buffer is full.
// It never blocks on the downstream.
func (t *Tap) Message(msg []byte) {
	f := t.f
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	if t.buffered+len(msg) > f.cfg.BufferBytes {
		f.Stats.DroppedMessages.Add(1)
		f.Stats.DroppedBytes.Add(uint64(len(msg)))
		t.dropMsgs++
		t.dropBytes += uint64(len(msg))
		now := time.Now()
		if now.Sub(t.lastLog) >= dropLogInterval {
			glog.Warningf("router=%s event=forward_dropped downstream=%s messages=%d bytes=%d buffer=%d reason=buffer_full",
				t.router, f.cfg.Addr, t.dropMsgs, t.dropBytes, f.cfg.BufferBytes)
			t.dropMsgs, t.dropBytes, t.lastLog = 0, 0, now
		}
		t.mu.Unlock()
		return
	}
	var c *chunk
	if n := len(t.chunks); n > 0 && len(t.chunks[n-1].buf)+len(msg) <= cap(t.chunks[n-1].buf) {
		c = t.chunks[n-1]
	} else {
		if t.spare != nil && len(msg) <= cap(t.spare.buf) {
			c, t.spare = t.spare, nil
		} else {
			c = &chunk{buf: make([]byte, 0, max(f.cfg.ChunkSize, len(msg)))}
		}
		t.chunks = append(t.chunks, c)
	}
	c.buf = append(c.buf, msg...)
	c.ends = append(c.ends, len(c.buf))
	t.buffered += len(msg)
	t.mu.Unlock()
	f.Stats.Buffered.Add(int64(len(msg)))
	t.notify()
}

// Close ends the session: the writer delivers what is buffered within CloseTimeout,
// then closes the downstream connection. Close does not wait for it.
func (t *Tap) Close() {
	t.mu.Lock()
	if !t.closed {
		t.closed = true
		t.deadline = time.Now().Add(t.f.cfg.CloseTimeout)
		if c := t.conn; c != nil {
			_ = c.SetWriteDeadline(t.deadline)
		}
	}
	t.mu.Unlock()
	t.notify()
}

func (t *Tap) notify() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// interrupt unblocks the writer's current write (Forwarder.Close giving up).
func (t *Tap) interrupt() {
	t.mu.Lock()
	if c := t.conn; c != nil {
		_ = c.SetDeadline(time.Now())
	}
	t.mu.Unlock()
	t.notify()
}

// writer is the state of a tap's writer goroutine.
type writer struct {
	t       *Tap
	conn    net.Conn
	cur     *chunk
	pos     int // bytes of cur already written
	mi      int // index in cur.ends of the first message not completely written
	backoff time.Duration
	hadConn bool
	failed  bool // the last attempt failed: wait before the next one
}

func (t *Tap) run() {
	f := t.f
	defer f.wg.Done()
	w := &writer{t: t, backoff: f.cfg.BackoffMin}
	for w.step() {
	}
	w.finish()
}

// state reads the tap's shared state.
func (t *Tap) state() (closed bool, deadline time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.closed, t.deadline
}

func (t *Tap) stopping() bool {
	select {
	case <-t.f.stop:
		return true
	default:
		return false
	}
}

// step makes one unit of progress; it returns false when the writer is done.
func (w *writer) step() bool {
	t, f := w.t, w.t.f
	if t.stopping() {
		return false
	}
	closed, deadline := t.state()
	if closed && !time.Now().Before(deadline) {
		return false
	}
	if w.cur == nil {
		t.mu.Lock()
		if len(t.chunks) > 0 {
			w.cur, w.pos, w.mi = t.chunks[0], 0, 0
			t.chunks[0] = nil
			t.chunks = t.chunks[1:]
		}
		t.mu.Unlock()
	}
	if w.cur == nil && closed {
		return false // everything delivered
	}
	if w.failed {
		if !w.sleep(closed, deadline) {
			return false
		}
		w.failed = false
		return true
	}
	if w.conn == nil {
		w.dial(closed, deadline)
		return true
	}
	if w.cur == nil {
		select { // wait for messages or the end of the session
		case <-t.wake:
		case <-f.stop:
		}
		return true
	}
	w.write(closed, deadline)
	return true
}

// sleep waits out the backoff; false when the session's grace period or the forwarder
// ends first.
func (w *writer) sleep(closed bool, deadline time.Time) bool {
	t := w.t
	d := w.backoff
	w.backoff = min(2*w.backoff, t.f.cfg.BackoffMax)
	until := time.Now().Add(d)
	for {
		if closed {
			if !time.Now().Before(deadline) {
				return false
			}
			if deadline.Before(until) {
				until = deadline
			}
		}
		timer := time.NewTimer(time.Until(until))
		select {
		case <-timer.C:
			return true
		case <-t.f.stop:
			timer.Stop()
			return false
		case <-t.wake: // a new message, or the router closing: re-check the deadline
			timer.Stop()
			closed, deadline = t.state()
		}
	}
}

func (w *writer) dial(closed bool, deadline time.Time) {
	t, f := w.t, w.t.f
	timeout := f.cfg.DialTimeout
	if closed {
		timeout = min(timeout, time.Until(deadline))
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	go func() { // the forwarder giving up cancels the attempt
		select {
		case <-f.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	conn, err := f.cfg.Dial(ctx, "tcp", f.cfg.Addr)
	cancel()
	if err != nil {
		f.Stats.DialErrors.Add(1)
		w.failed = true
		if glog.V(1) || w.backoff == f.cfg.BackoffMin {
			glog.Warningf("router=%s event=forward_dial_failed downstream=%s retry_in=%s err=%q", t.router, f.cfg.Addr, w.backoff, err)
		}
		return
	}
	w.conn = conn
	t.mu.Lock()
	t.conn = conn
	t.mu.Unlock()
	f.Stats.Connects.Add(1)
	f.Stats.Connected.Add(1)
	if w.hadConn {
		f.Stats.Reconnects.Add(1)
	}
	w.hadConn = true
	glog.Infof("router=%s event=forward_connected downstream=%s local=%s", t.router, f.cfg.Addr, conn.LocalAddr())
}

// write writes the rest of the current chunk and accounts for the messages completed.
func (w *writer) write(closed bool, deadline time.Time) {
	t, f := w.t, w.t.f
	dl := time.Now().Add(f.cfg.WriteTimeout)
	if closed && deadline.Before(dl) {
		dl = deadline
	}
	_ = w.conn.SetWriteDeadline(dl)
	n, err := w.conn.Write(w.cur.buf[w.pos:])
	end := w.pos + n
	start := 0
	if w.mi > 0 {
		start = w.cur.ends[w.mi-1]
	}
	var msgs int
	for w.mi < len(w.cur.ends) && w.cur.ends[w.mi] <= end {
		w.mi++
		msgs++
	}
	done := 0
	if w.mi > 0 {
		done = w.cur.ends[w.mi-1]
	}
	if msgs > 0 {
		f.Stats.ForwardedMessages.Add(uint64(msgs))
		f.Stats.ForwardedBytes.Add(uint64(done - start))
		w.backoff = f.cfg.BackoffMin
	}
	if err != nil {
		f.Stats.WriteErrors.Add(1)
		glog.Warningf("router=%s event=forward_disconnected downstream=%s err=%q", t.router, f.cfg.Addr, err)
		w.closeConn()
		w.failed = true
		w.pos = done // resume at the start of the first incomplete message
		return
	}
	w.pos = end
	if w.pos == len(w.cur.buf) {
		t.release(w.cur)
		w.cur = nil
	}
}

// release frees a written chunk's bytes from the buffer and keeps it as the spare.
func (t *Tap) release(c *chunk) {
	n := len(c.buf)
	t.mu.Lock()
	t.buffered -= n
	if cap(c.buf) <= t.f.cfg.ChunkSize {
		c.buf, c.ends = c.buf[:0], c.ends[:0]
		t.spare = c
	}
	t.mu.Unlock()
	t.f.Stats.Buffered.Add(-int64(n))
}

func (w *writer) closeConn() {
	if w.conn == nil {
		return
	}
	w.t.mu.Lock()
	w.t.conn = nil
	w.t.mu.Unlock()
	w.conn.Close()
	w.conn = nil
	w.t.f.Stats.Connected.Add(-1)
}

// finish drops (and counts) what was not delivered and closes the downstream connection.
func (w *writer) finish() {
	t, f := w.t, w.t.f
	var msgs, bytes int
	t.mu.Lock()
	t.closed = true
	chunks := t.chunks
	t.chunks = nil
	if w.cur != nil {
		chunks = append([]*chunk{w.cur}, chunks...)
	}
	for i, c := range chunks {
		from, mi := 0, 0
		if i == 0 && w.cur != nil {
			mi = w.mi
			if mi > 0 {
				from = c.ends[mi-1]
			}
		}
		msgs += len(c.ends) - mi
		bytes += len(c.buf) - from
	}
	left := t.buffered
	t.buffered = 0
	t.mu.Unlock()
	f.Stats.Buffered.Add(-int64(left))
	if msgs > 0 {
		f.Stats.DroppedMessages.Add(uint64(msgs))
		f.Stats.DroppedBytes.Add(uint64(bytes))
		glog.Warningf("router=%s event=forward_dropped downstream=%s messages=%d bytes=%d reason=session_ended", t.router, f.cfg.Addr, msgs, bytes)
	}
	if w.conn != nil {
		if tc, ok := w.conn.(interface{ CloseWrite() error }); ok {
			_ = tc.CloseWrite()
		}
		w.closeConn()
	}
	f.mu.Lock()
	delete(f.taps, t)
	f.mu.Unlock()
	f.Stats.Sessions.Add(-1)
	glog.V(1).Infof("router=%s event=forward_session_ended downstream=%s", t.router, f.cfg.Addr)
}
