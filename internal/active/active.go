// Package active runs BMP in active mode: the collector dials routers that wait for it
// (the router is the passive end, e.g. FRR's "bmp listener"), hands every established
// connection to the server like an accepted one, and reconnects with exponential backoff
// when the connection fails or ends.
package active

import (
	"context"
	"net"
	"sync"
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
	// a row doubles it up to MaxBackoff (default 5 min).
	MinBackoff, MaxBackoff time.Duration
	// ResetAfter: a connection that stayed up that long resets the delay to MinBackoff
	// (default 30 s).
	ResetAfter time.Duration
}

func (c *Config) defaults() {
	if c.DialTimeout <= 0 {
		c.DialTimeout = 5 * time.Second
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = time.Second
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = max(5*time.Minute, c.MinBackoff)
	}
	if c.ResetAfter <= 0 {
		c.ResetAfter = 30 * time.Second
	}
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

// NextBackoff returns the delay before the next attempt after one that waited prev and
// whose connection stayed up for up (0 when the dial failed).
func (c Config) NextBackoff(prev, up time.Duration) time.Duration {
	if up >= c.ResetAfter || prev <= 0 {
		return c.MinBackoff
	}
	return min(2*prev, c.MaxBackoff)
}

func (d *Dialer) loop(ctx context.Context, addr string) {
	var backoff time.Duration
	nd := &net.Dialer{Timeout: d.cfg.DialTimeout, KeepAlive: 30 * time.Second}
	for {
		var up time.Duration
		c, err := nd.DialContext(ctx, "tcp", addr)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			backoff = d.cfg.NextBackoff(backoff, 0)
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
			up = time.Since(start)
			backoff = d.cfg.NextBackoff(backoff, up)
			glog.Infof("router=%s event=active_session_ended up=%s retry_in=%s", addr, up.Round(time.Millisecond), backoff)
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

// Conn is a dialled connection: it tells the server's admission hooks it was dialled, and
// signals the dialler when the server closes it.
type Conn struct {
	net.Conn
	once sync.Once
	done chan struct{}
}

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
