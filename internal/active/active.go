// Package active runs BMP in active mode: the collector dials routers that wait for it
// (the router is the passive end, e.g. FRR's "bmp listener"), hands every established
// connection to the server like an accepted one, and reconnects with exponential backoff
// when the connection fails or ends. The backoff goes back to its minimum as soon as a
// session receives its Initiation message, so a router that restarts is reconnected
// within MinBackoff, however long the previous session lasted.
package active

import (
	"context"
	"encoding/binary"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang/glog"
)

// Config configures the dialling. Zero durations take the defaults.
type Config struct {
	// Routers are the host:port addresses to dial, one session each.
	Routers []string
	// DialTimeout bounds one connection attempt (default 5 s).
	DialTimeout time.Duration
	// MinBackoff is the first delay before a reconnection (default 1 s); each failure in
	// a row (a failed dial, or a session that ended before its Initiation message) doubles
	// it up to MaxBackoff (default DefaultMaxBackoff). A session that received its
	// Initiation resets it to MinBackoff.
	MinBackoff, MaxBackoff time.Duration
	// Retry, when set, is called before every wait with the router, the delay and whether
	// the session that just ended had received its Initiation (false after a failed dial).
	Retry func(router string, delay time.Duration, initiated bool)
}

// DefaultMaxBackoff bounds the delay between two connection attempts.
const DefaultMaxBackoff = 30 * time.Second

func (c *Config) defaults() {
	if c.DialTimeout <= 0 {
		c.DialTimeout = 5 * time.Second
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	c.MaxBackoff = max(c.MaxBackoff, c.MinBackoff)
}

// Dialer keeps one connection per router.
type Dialer struct {
	cfg    Config
	serve  func(net.Conn)
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start dials every router in its own goroutine until ctx is done or Stop; serve runs the
// session of an established connection (server.ServeConn) and must close it when the
// session ends, which starts the reconnection.
func Start(ctx context.Context, cfg Config, serve func(net.Conn)) *Dialer {
	cfg.defaults()
	ctx, cancel := context.WithCancel(ctx)
	d := &Dialer{cfg: cfg, serve: serve, cancel: cancel}
	for _, addr := range cfg.Routers {
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			d.loop(ctx, addr)
		}()
	}
	return d
}

// Stop stops dialling and waits for the dialling goroutines. Established sessions are the
// server's: its Shutdown ends them.
func (d *Dialer) Stop() {
	d.cancel()
	d.wg.Wait()
}

// NextBackoff returns the delay before the next attempt after one that waited prev;
// initiated tells whether its session received an Initiation message (false when the dial
// failed or the session ended before).
func (c Config) NextBackoff(prev time.Duration, initiated bool) time.Duration {
	if initiated || prev <= 0 {
		return c.MinBackoff
	}
	return min(2*prev, c.MaxBackoff)
}

func (d *Dialer) loop(ctx context.Context, addr string) {
	var backoff time.Duration
	nd := &net.Dialer{Timeout: d.cfg.DialTimeout, KeepAlive: 30 * time.Second}
	for {
		initiated := false
		c, err := nd.DialContext(ctx, "tcp", addr)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			backoff = d.cfg.NextBackoff(backoff, false)
			glog.Warningf("router=%s event=active_dial_failed err=%q retry_in=%s", addr, err, backoff)
		} else {
			glog.Infof("router=%s event=active_connected local=%s", addr, c.LocalAddr())
			conn := &Conn{Conn: c, done: make(chan struct{})}
			start := time.Now()
			d.serve(conn)
			select {
			case <-conn.done:
			case <-ctx.Done():
				return
			}
			initiated = conn.Initiated()
			backoff = d.cfg.NextBackoff(backoff, initiated)
			glog.Infof("router=%s event=active_session_ended up=%s initiated=%t retry_in=%s",
				addr, time.Since(start).Round(time.Millisecond), initiated, backoff)
		}
		if d.cfg.Retry != nil {
			d.cfg.Retry(addr, backoff, initiated)
		}
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
}

// Conn is a dialled connection: it tells the server's admission hooks it was dialled,
// notes whether the router's first BMP message was a whole Initiation, and signals the
// dialler when the server closes it.
type Conn struct {
	net.Conn
	once sync.Once
	done chan struct{}

	// The first BMP message, watched in Read (only by the session's reader).
	hdr       [6]byte
	nhdr      int    // bytes of hdr filled
	remaining uint32 // bytes of the Initiation still to come
	finished  bool   // the first message is decided
	initiated atomic.Bool
}

// Read reads from the connection and follows the first BMP message: when it is an
// Initiation (version 3 or 4, type 4) and all of it has arrived, Initiated turns true.
func (c *Conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.finished {
		c.watch(p[:n])
	}
	return n, err
}

func (c *Conn) watch(b []byte) {
	if c.nhdr < len(c.hdr) {
		k := copy(c.hdr[c.nhdr:], b)
		c.nhdr += k
		b = b[k:]
		if c.nhdr < len(c.hdr) {
			return
		}
		length := binary.BigEndian.Uint32(c.hdr[1:5])
		if (c.hdr[0] != 3 && c.hdr[0] != 4) || c.hdr[5] != msgInitiation || length < uint32(len(c.hdr)) {
			c.finished = true
			return
		}
		c.remaining = length - uint32(len(c.hdr))
	}
	if uint64(len(b)) >= uint64(c.remaining) {
		c.remaining = 0
	} else {
		c.remaining -= uint32(len(b))
	}
	if c.remaining == 0 {
		c.finished = true
		c.initiated.Store(true)
	}
}

// msgInitiation is the BMP message type of Initiation (RFC 7854 §4.3).
const msgInitiation = 4

// Initiated reports whether the router's first BMP message, an Initiation, arrived whole.
func (c *Conn) Initiated() bool { return c.initiated.Load() }

// Close closes the connection and lets the dialler reconnect.
func (c *Conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { close(c.done) })
	return err
}

// Dialled reports true: the connection was dialled, not accepted.
func (c *Conn) Dialled() bool { return true }

// NetConn returns the underlying connection.
func (c *Conn) NetConn() net.Conn { return c.Conn }
