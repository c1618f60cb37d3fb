package server

import (
	"errors"
	"io"
	"net"
	"os"
	"time"

	"golang.org/x/time/rate"

	"github.com/bmpstream/bmpstream/internal/memory"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/pkg/bmp"
)

// Refusal reasons used by the admission hooks (label values of the refused-connections
// counter; see Stats.Refused).
const (
	RefuseNotAllowed     = "not_allowed"
	RefuseMaxConnections = "max_connections"
	RefuseMaxPerIP       = "max_connections_per_ip"
	RefuseTLSHandshake   = "tls_handshake"
	// RefuseMemory: the collector is over its memory budget (--memory-limit).
	RefuseMemory = "memory_limit"
)

// RefuseReasons lists every refusal reason bmpstream's own hooks use.
var RefuseReasons = []string{RefuseNotAllowed, RefuseMaxConnections, RefuseMaxPerIP, RefuseTLSHandshake, RefuseMemory}

// maxRateWait bounds the wait after one read under a rate limit, so that a shutdown is not
// held up by a slow router for longer than that: a read takes at most rate*maxRateWait
// bytes.
const maxRateWait = 125 * time.Millisecond

// connReader is what a session reads its connection through. It applies
// Config.ReadTimeout (idle), Config.MessageTimeout (a message whose first bytes arrived
// must be complete within that much time spent waiting for the router) and
// Config.RateLimit, and before each read it updates the session's memory accounting and
// waits while the collector is over its memory budget (Config.Memory).
type connReader struct {
	s       *Server
	conn    net.Conn
	src     io.Reader
	timeout time.Duration
	lim     *rate.Limiter
	chunk   int

	// Set once the session's reader and session exist.
	rd   *bmp.Reader
	sess *session.Session

	// The partial message being waited for: its stream offset, and the time already
	// spent in reads waiting for it.
	partial   bool
	partOff   uint64
	partWait  time.Duration
	msgExpire bool // the last deadline set was the message deadline

	// Accounted memory of this session, by component.
	mem [3]int64
}

func (s *Server) reader(conn net.Conn, src io.Reader) *connReader {
	r := &connReader{s: s, conn: conn, src: src, timeout: s.cfg.ReadTimeout}
	if s.cfg.RateLimit > 0 {
		r.chunk = max(1, min(int(float64(s.cfg.RateLimit)*maxRateWait.Seconds()), 64<<10))
		r.lim = rate.NewLimiter(rate.Limit(s.cfg.RateLimit), r.chunk)
	}
	return r
}

// account brings the session's share of the memory budget up to date.
func (r *connReader) account() {
	b := r.s.cfg.Memory
	if b == nil || r.rd == nil {
		return
	}
	now := [3]int64{int64(r.rd.MemoryBytes()), int64(r.sess.PendingBytes()), int64(r.sess.Peers()) * session.PeerStateBytes}
	for i, c := range [3]memory.Component{memory.ReadBuffers, memory.SessionBatches, memory.PeerState} {
		if d := now[i] - r.mem[i]; d != 0 {
			b.Add(c, d)
			r.mem[i] = now[i]
		}
	}
}

// release returns the session's share of the memory budget (the session ended).
func (r *connReader) release() {
	b := r.s.cfg.Memory
	for i, c := range [3]memory.Component{memory.ReadBuffers, memory.SessionBatches, memory.PeerState} {
		b.Add(c, -r.mem[i])
		r.mem[i] = 0
	}
}

func (r *connReader) Read(p []byte) (int, error) {
	// Once stopping, the deadlines are Shutdown's (and the drain's): leave them alone, and
	// stop throttling and pausing so that the drain ends quickly.
	stopping := r.s.stopping.Load()
	if !stopping {
		r.account()
		r.s.cfg.Memory.Wait(r.s.ctx, r.s.stopc)
	}
	var msgLeft time.Duration
	if r.s.cfg.MessageTimeout > 0 && r.rd != nil {
		// A read with bytes buffered is a read for the rest of a message: the one at
		// the current offset. Only the time spent waiting here counts, not the time the
		// session spent blocked on its output.
		if r.rd.Buffered() > 0 {
			if !r.partial || r.partOff != r.rd.Offset() {
				r.partial, r.partOff, r.partWait = true, r.rd.Offset(), 0
			}
			msgLeft = max(r.s.cfg.MessageTimeout-r.partWait, time.Millisecond)
		} else {
			r.partial = false
		}
	}
	if !stopping && (r.timeout > 0 || r.s.cfg.MessageTimeout > 0) {
		d, msg := r.timeout, false
		if msgLeft > 0 && (d <= 0 || msgLeft < d) {
			d, msg = msgLeft, true
		}
		var deadline time.Time
		if d > 0 {
			deadline = time.Now().Add(d)
		}
		if d > 0 || r.msgExpire {
			_ = r.conn.SetReadDeadline(deadline)
		}
		r.msgExpire = msg
		// Shutdown stores stopping before it sets its own (immediate) deadline: either it
		// comes after ours, or we see stopping here and restore it.
		if r.s.stopping.Load() {
			_ = r.conn.SetReadDeadline(time.Now())
		}
	}
	if r.lim != nil && len(p) > r.chunk {
		p = p[:r.chunk]
	}
	start := time.Now()
	n, err := r.src.Read(p)
	if r.partial {
		r.partWait += time.Since(start)
	}
	if n > 0 && r.lim != nil && !stopping {
		// Waiting after the read delays the next one: the kernel buffer fills up and TCP
		// flow control slows the router. The wait ends early only when a shutdown gives up.
		_ = r.lim.WaitN(r.s.ctx, n)
	}
	return n, err
}

// messageExpired tells whether err is the message deadline's (rather than the idle one's).
func (r *connReader) messageExpired(err error) bool {
	return r.msgExpire && errors.Is(err, os.ErrDeadlineExceeded)
}
