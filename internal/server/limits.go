package server

import (
	"io"
	"net"
	"time"

	"golang.org/x/time/rate"
)

// Refusal reasons used by the admission hooks (label values of the refused-connections
// counter; see Stats.Refused).
const (
	RefuseNotAllowed     = "not_allowed"
	RefuseMaxConnections = "max_connections"
	RefuseMaxPerIP       = "max_connections_per_ip"
	RefuseTLSHandshake   = "tls_handshake"
)

// RefuseReasons lists every refusal reason bmpstream's own hooks use.
var RefuseReasons = []string{RefuseNotAllowed, RefuseMaxConnections, RefuseMaxPerIP, RefuseTLSHandshake}

// maxRateWait bounds the wait after one read under a rate limit, so that a shutdown is not
// held up by a slow router for longer than that: a read takes at most rate*maxRateWait
// bytes.
const maxRateWait = 125 * time.Millisecond

// limitedReader applies Config.ReadTimeout and Config.RateLimit to one connection: it
// reads from src and sets the read deadlines of conn.
type limitedReader struct {
	s       *Server
	conn    net.Conn
	src     io.Reader
	timeout time.Duration
	lim     *rate.Limiter
	chunk   int
}

// reader returns what the session reads src (conn, or a reader over it) through: src
// itself when no per-session limit is configured.
func (s *Server) reader(conn net.Conn, src io.Reader) io.Reader {
	if s.cfg.ReadTimeout <= 0 && s.cfg.RateLimit <= 0 {
		return src
	}
	lr := &limitedReader{s: s, conn: conn, src: src, timeout: s.cfg.ReadTimeout}
	if s.cfg.RateLimit > 0 {
		lr.chunk = max(1, min(int(float64(s.cfg.RateLimit)*maxRateWait.Seconds()), 64<<10))
		lr.lim = rate.NewLimiter(rate.Limit(s.cfg.RateLimit), lr.chunk)
	}
	return lr
}

func (r *limitedReader) Read(p []byte) (int, error) {
	// Once stopping, the deadlines are Shutdown's (and the drain's): leave them alone, and
	// stop throttling so that the drain ends quickly.
	stopping := r.s.stopping.Load()
	if r.timeout > 0 && !stopping {
		_ = r.conn.SetReadDeadline(time.Now().Add(r.timeout))
		// Shutdown stores stopping before it sets its own (immediate) deadline: either it
		// comes after ours, or we see stopping here and restore it.
		if r.s.stopping.Load() {
			_ = r.conn.SetReadDeadline(time.Now())
		}
	}
	if r.lim != nil && len(p) > r.chunk {
		p = p[:r.chunk]
	}
	n, err := r.src.Read(p)
	if n > 0 && r.lim != nil && !stopping {
		// Waiting after the read delays the next one: the kernel buffer fills up and TCP
		// flow control slows the router. The wait ends early only when a shutdown gives up.
		_ = r.lim.WaitN(r.s.ctx, n)
	}
	return n, err
}
