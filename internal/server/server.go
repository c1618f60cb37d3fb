// Package server accepts BMP sessions from routers and runs one reader per connection:
// it frames BMP messages off the socket (bounded size), feeds them to a session.Session in
// order, and flushes the session's records to the publisher whenever it has read all that
// was available, so a slow publisher slows down the reading (TCP backpressure). It owns the
// session lifecycle: lossless close when a router disconnects, and drain on shutdown.
package server

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/golang/glog"

	"github.com/bmpstream/bmpstream/internal/loglimit"
	"github.com/bmpstream/bmpstream/internal/memory"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/pkg/bmp"
	"github.com/bmpstream/bmpstream/pkg/publisher"
)

// Config configures a Server.
type Config struct {
	// Listen is the TCP address to listen on (host:port; empty host = all interfaces).
	Listen string
	// MaxMessageSize bounds a BMP message; a longer one ends the session.
	MaxMessageSize int
	Session        session.Config
	Publisher      publisher.Publisher
	// Admit, when set, is called for every new connection before its session starts. It
	// may wrap the connection (TLS) or refuse it by returning a non-empty reason (the
	// connection is then closed and counted by that reason).
	Admit func(conn net.Conn) (net.Conn, string)
	// Taps, when set, are called once per session; each returned MessageTap sees every
	// complete BMP message of the session, in order (intercept/forwarding).
	Taps []func(router netip.AddrPort) MessageTap
	// ReadTimeout, when positive, ends a session whose router sent nothing for that long
	// (reason idle_timeout).
	ReadTimeout time.Duration
	// MessageTimeout, when positive, ends a session whose router started a message and
	// did not complete it within that much time spent waiting for its bytes (reason
	// message_timeout): any byte resets ReadTimeout, not this.
	MessageTimeout time.Duration
	// Memory, when set, is the collector's memory budget: each session accounts its
	// buffers and peer state there, reading pauses while it is over its limit, and new
	// connections are refused (reason memory_limit).
	Memory *memory.Budget
	// RateLimit, when positive, caps the reading of each session to that many bytes per
	// second: reads are delayed (TCP backpressure slows the router), nothing is dropped.
	RateLimit int
}

// MessageTap observes a session's BMP messages. Message must not keep msg after it returns
// and must not block for long (it runs on the session's reader).
type MessageTap interface {
	Message(msg []byte)
	Close()
}

// End reasons of a session (label values of the sessions-ended counter).
const (
	EndEOF        = "eof"
	EndTorn       = "torn_message"
	EndBadVersion = "bad_version"
	EndTooLarge   = "message_too_large"
	EndTooShort   = "bad_length"
	EndReadError  = "read_error"
	EndShutdown   = "shutdown"
	EndOutput     = "output_error"
	EndIdle       = "idle_timeout"
	// EndTooManyPeers: the router named more peers than --max-peers-per-router.
	EndTooManyPeers = "too_many_peers"
	// EndMessageTimeout: a message was not complete --message-timeout after its first
	// bytes arrived (a slow drip).
	EndMessageTimeout = "message_timeout"
)

// EndReasons lists every end reason.
var EndReasons = []string{EndEOF, EndTorn, EndBadVersion, EndTooLarge, EndTooShort, EndReadError, EndShutdown, EndOutput, EndIdle, EndTooManyPeers, EndMessageTimeout}

// Stats are server-wide counters.
type Stats struct {
	Open, Total atomic.Int64
	BytesRead   atomic.Uint64
	mu          sync.Mutex
	ended       map[string]uint64
	refused     map[string]uint64
}

// Refused returns how many connections were refused for reason.
func (s *Stats) Refused(reason string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused[reason]
}

// RefusedCounts returns a copy of the refusal counts by reason.
func (s *Stats) RefusedCounts() map[string]uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]uint64, len(s.refused))
	for k, v := range s.refused {
		m[k] = v
	}
	return m
}

func (s *Stats) refuse(reason string) {
	s.mu.Lock()
	if s.refused == nil {
		s.refused = make(map[string]uint64)
	}
	s.refused[reason]++
	s.mu.Unlock()
}

// Ended returns how many sessions ended for reason.
func (s *Stats) Ended(reason string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ended[reason]
}

func (s *Stats) end(reason string) {
	s.mu.Lock()
	if s.ended == nil {
		s.ended = make(map[string]uint64)
	}
	s.ended[reason]++
	s.mu.Unlock()
}

// Server is a BMP listener.
type Server struct {
	cfg   Config
	Stats Stats

	ln       net.Listener
	extra    []net.Listener  // ServeListener's, closed by Shutdown
	stopc    chan struct{}   // closed by Shutdown
	ctx      context.Context // cancelled only when a shutdown gives up waiting
	cancel   context.CancelFunc
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	wg       sync.WaitGroup
	stopping atomic.Bool
	connLog  *loglimit.Limiter
}

// New returns a server; call Listen, then Serve.
func New(cfg Config) *Server {
	if cfg.MaxMessageSize <= 0 {
		cfg.MaxMessageSize = 1 << 20
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{cfg: cfg, ctx: ctx, cancel: cancel, conns: make(map[net.Conn]struct{}), stopc: make(chan struct{}),
		connLog: loglimit.New(connLogInterval, connLogBurst, connLogKeys)}
}

// Listen binds the listening socket.
func (s *Server) Listen() error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return err
	}
	s.ln = ln
	return nil
}

// Addr is the bound address (after Listen).
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve accepts connections until Shutdown. It returns nil after a Shutdown. Without
// Listen (no plain listener: only ServeListener's or ServeConn's connections) it waits for
// Shutdown.
func (s *Server) Serve() error {
	if s.ln == nil {
		<-s.stopc
		return nil
	}
	return s.accept(s.ln)
}

// ServeListener accepts connections on an additional listener (e.g. a TLS one) until
// Shutdown, which closes it. It returns nil after a Shutdown.
func (s *Server) ServeListener(ln net.Listener) error {
	s.mu.Lock()
	if s.stopping.Load() {
		s.mu.Unlock()
		ln.Close()
		return nil
	}
	s.extra = append(s.extra, ln)
	s.mu.Unlock()
	return s.accept(ln)
}

// accept runs the accept loop of ln. Errors other than a closed listener (e.g. out of
// file descriptors under a connection flood) are logged and retried with a backoff.
func (s *Server) accept(ln net.Listener) error {
	glog.Infof("event=listening address=%s", ln.Addr())
	var backoff time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			if s.stopping.Load() {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			glog.Errorf("event=accept_failed address=%s err=%q retry_in=%s", ln.Addr(), err, backoff)
			select {
			case <-time.After(backoff):
			case <-s.stopc:
				return nil
			}
			continue
		}
		backoff = 0
		s.ServeConn(conn)
	}
}

// ServeConn runs a BMP session on an established connection (accepted, or dialled in
// active mode) in its own goroutine.
func (s *Server) ServeConn(conn net.Conn) {
	s.mu.Lock()
	if s.stopping.Load() {
		s.mu.Unlock()
		conn.Close()
		return
	}
	s.conns[conn] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		s.run(conn)
		s.mu.Lock()
		delete(s.conns, conn)
		s.mu.Unlock()
	}()
}

func remoteAddrPort(c net.Conn) netip.AddrPort {
	if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return ta.AddrPort()
	}
	ap, _ := netip.ParseAddrPort(c.RemoteAddr().String())
	return ap
}

// run reads one router's stream to its end. Every record of every complete message is
// handed to the publisher before the connection is released.
func (s *Server) run(conn net.Conn) {
	remote := remoteAddrPort(conn)
	if s.cfg.Admit != nil {
		c, reason := s.cfg.Admit(conn)
		if reason != "" {
			s.Stats.refuse(reason)
			conn.Close()
			return
		}
		conn = c
	}
	if s.cfg.Memory.Over() {
		s.Stats.refuse(RefuseMemory)
		s.logLine(remote.Addr().Unmap(), "refused "+RefuseMemory, glog.Warningf,
			"router=%s event=refused reason=%s memory_bytes=%d limit=%d", remote.Addr().Unmap(), RefuseMemory, s.cfg.Memory.Total(), s.cfg.Memory.Limit())
		conn.Close()
		return
	}
	s.Stats.Open.Add(1)
	s.Stats.Total.Add(1)
	defer s.Stats.Open.Add(-1)
	sess := session.New(s.ctx, s.cfg.Session, remote, s.cfg.Publisher.Publish)
	s.logLine(remote.Addr().Unmap(), "connected", glog.Infof, "router=%s event=connected", sess.ID())
	var taps []MessageTap
	for _, newTap := range s.cfg.Taps {
		if t := newTap(remote); t != nil {
			taps = append(taps, t)
		}
	}
	defer func() {
		for _, t := range taps {
			t.Close()
		}
	}()
	dr := newDrainReader(conn)
	cr := s.reader(conn, dr)
	r := bmp.NewReader(cr, s.cfg.MaxMessageSize)
	cr.rd, cr.sess = r, sess
	defer cr.release()
	defer r.Release()
	start := time.Now()
	var reason string
	var cause error
	for {
		_, msg, err := r.Next()
		if err != nil {
			if s.stopping.Load() && dr.arm(err) {
				continue // shutdown: finish what the kernel has received (drain.go)
			}
			reason, cause = s.classify(err)
			if reason == EndIdle && cr.messageExpired(err) {
				reason = EndMessageTimeout
			}
			if dr.drained() {
				reason, cause = EndShutdown, nil
			}
			break
		}
		for _, t := range taps {
			t.Message(msg)
		}
		if err := sess.Handle(msg, time.Now()); err != nil {
			reason, cause = EndOutput, err
			if errors.Is(err, session.ErrTooManyPeers) {
				reason = EndTooManyPeers
			}
			break
		}
		// Flush what is complete before a read that may block, whatever is buffered (a
		// partial next message must not hold back the records of complete ones).
		if !r.NextBuffered() {
			if err := sess.Flush(); err != nil {
				reason, cause = EndOutput, err
				break
			}
		}
	}
	// A session ending without Termination still gives every peer up a down and the
	// router a term record (synthesized; see session.End).
	sess.End(sessionEndReason(reason, cause), time.Now())
	if err := sess.Flush(); err != nil && reason != EndOutput {
		reason, cause = EndOutput, err
	}
	conn.Close()
	s.Stats.BytesRead.Add(r.BytesRead())
	s.Stats.end(reason)
	ip := remote.Addr().Unmap()
	switch reason {
	case EndEOF, EndShutdown:
		s.logLine(ip, "disconnected "+reason, glog.Infof, "router=%s event=disconnected reason=%s messages=%d bytes=%d duration=%s",
			sess.ID(), reason, sess.MessagesDecoded, r.BytesRead(), time.Since(start).Round(time.Millisecond))
	default:
		s.logLine(ip, "ended "+reason, glog.Errorf, "router=%s event=session_ended reason=%s messages=%d bytes=%d err=%q",
			sess.ID(), reason, sess.MessagesDecoded, r.BytesRead(), cause)
	}
}

// Connection log lines (connected, disconnected, session ended, refused) are limited per
// router address and event: connLogBurst lines per connLogInterval, then one line with
// the count of those held back (suppressed=N) when the next one passes. The counters
// (connections, ends and refusals by reason) count every one.
const (
	connLogInterval = time.Minute
	connLogBurst    = 5
	connLogKeys     = 4096
)

// logLine logs a connection event for ip through the rate limiter.
func (s *Server) logLine(ip netip.Addr, event string, logf func(string, ...any), format string, args ...any) {
	suffix, ok := s.connLog.Allow(ip.String()+" "+event, time.Now())
	if !ok {
		return
	}
	logf(format+"%s", append(args, suffix)...)
}

// sessionEndReason maps an end reason of the server to the session's (the end_reason of
// the records session.End synthesizes).
func sessionEndReason(reason string, cause error) string {
	switch reason {
	case EndEOF:
		return session.EndEOF
	case EndShutdown:
		return session.EndShutdown
	case EndIdle, EndMessageTimeout:
		return session.EndTimeout
	case EndTorn, EndBadVersion, EndTooLarge, EndTooShort:
		return session.EndFramingError
	case EndOutput:
		return session.EndOutputError
	case EndTooManyPeers:
		return session.EndTooManyPeers
	}
	if errors.Is(cause, syscall.ECONNRESET) {
		return session.EndReset
	}
	return session.EndReadError
}

func (s *Server) classify(err error) (string, error) {
	var torn *bmp.TornError
	switch {
	case errors.Is(err, io.EOF):
		return EndEOF, nil
	case errors.As(err, &torn):
		return EndTorn, err
	case errors.Is(err, bmp.ErrBadVersion):
		return EndBadVersion, err
	case errors.Is(err, bmp.ErrTooLarge):
		return EndTooLarge, err
	case errors.Is(err, bmp.ErrTooShort):
		return EndTooShort, err
	case s.stopping.Load() && errors.Is(err, os.ErrDeadlineExceeded):
		return EndShutdown, nil
	case (s.cfg.ReadTimeout > 0 || s.cfg.MessageTimeout > 0) && errors.Is(err, os.ErrDeadlineExceeded):
		return EndIdle, err
	}
	return EndReadError, err
}

// Shutdown stops accepting, lets every session finish the messages it has received (read,
// or waiting in the socket's receive queue: drain.go) and publish their records, and
// waits for them until ctx is done; then it cancels what is still blocked (those records
// are counted as dropped by the publisher).
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.stopping.Swap(true) {
		close(s.stopc)
	}
	if s.ln != nil {
		s.ln.Close()
	}
	for _, ln := range s.extra {
		ln.Close()
	}
	for c := range s.conns {
		// Unblock readers: they go on with what was received before this point.
		_ = c.SetReadDeadline(time.Now())
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.cancel()
		<-done
		return ctx.Err()
	}
}
