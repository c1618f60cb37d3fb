// Package replay sends BMP streams (as read by package capture) to a collector over TCP,
// the way routers would: one TCP connection per stream and copy, the stream's bytes
// written in order, optionally looped, paced by BMP message, then a half-close (FIN) and
// close.
//
// Pacing walks the BMP common headers of each stream: a limiter is asked for permission
// before every batch of whole messages is written, so a rate limit never splits a message
// across its budget and the limiter sees exactly one token per message. Without a rate
// the bytes are written in large batches of whole messages.
//
// A stream that ends inside a message (a capture cut mid-message) has its torn tail sent
// once, after the last loop: within the loops the collector sees whole messages only, and
// the connection ends exactly as the captured session did.
package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/bmpstream/bmpstream/internal/capture"
)

// Limiter paces the messages sent. WaitN blocks until n more messages may be sent, or
// returns the context's error. *rate.Limiter satisfies it.
type Limiter interface {
	WaitN(ctx context.Context, n int) error
}

// Options controls a replay.
type Options struct {
	// Addr is the collector's host:port.
	Addr string
	// Loop is how many times each stream is written on its connection (< 1 means 1).
	Loop int
	// Rate is the aggregate rate, in BMP messages per second over all connections;
	// 0 means unlimited. Ignored when Limiter is set.
	Rate float64
	// Parallel is the number of connections (sessions) opened per stream, each sending
	// the whole stream (< 1 means 1).
	Parallel int
	// CloseDelay is how long to wait, after the last byte and the half-close, for the
	// collector to close its side before the connection is closed. 0 closes at once.
	CloseDelay time.Duration
	// DialTimeout bounds each connection attempt (0 means 10 s).
	DialTimeout time.Duration
	// Progress, when non-nil, receives a progress line every ProgressInterval.
	Progress io.Writer
	// ProgressInterval is the progress period (0 means 200 ms).
	ProgressInterval time.Duration
	// ProgressRedraw redraws one line in place with '\r' (for a terminal); otherwise each
	// progress line ends with a newline.
	ProgressRedraw bool
	// Limiter, when set, paces messages instead of Rate (for sharing a budget, or tests).
	Limiter Limiter

	// dial replaces net.Dialer.DialContext (tests wrap connections with it).
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Summary reports what a replay sent.
type Summary struct {
	Sessions     int           // connections that sent their whole stream
	Failed       int           // connections that failed (dial or write error)
	Messages     uint64        // complete BMP messages written
	Bytes        uint64        // bytes written
	TornMessages int           // torn final messages written (one per connection at most)
	Elapsed      time.Duration // from the start of Run to the last connection closed
}

// maxBatchBytes bounds one write when unpaced; larger messages are written whole.
const maxBatchBytes = 256 << 10

// batch is a run of whole messages written with one Write (and one limiter call).
type batch struct {
	off, end int
	msgs     int // whole messages in the batch; 0 for the torn tail
}

// plan cuts a stream into batches of at most maxMsgs messages and maxBytes bytes (a
// single larger message is a batch of its own). The torn tail, if any, is returned
// separately as data[tail:].
func plan(data []byte, maxMsgs, maxBytes int) (batches []batch, tail int) {
	cur := batch{}
	off := 0
	for off < len(data) {
		n, err := capture.CheckHeader(data[off:], off)
		if err != nil || n > len(data)-off {
			break
		}
		if cur.msgs > 0 && (cur.msgs >= maxMsgs || cur.end-cur.off+n > maxBytes) {
			batches = append(batches, cur)
			cur = batch{off: off, end: off}
		}
		cur.end += n
		cur.msgs++
		off += n
	}
	if cur.msgs > 0 {
		batches = append(batches, cur)
	}
	return batches, off
}

// newLimiter builds the limiter for opts, and the largest batch it allows.
func newLimiter(opts Options) (Limiter, int) {
	if opts.Limiter != nil {
		return opts.Limiter, 1
	}
	if opts.Rate <= 0 {
		return nil, 1 << 30
	}
	// Burst of 1/20 s worth of messages (at most 1000): smooth, yet few limiter calls.
	burst := min(max(int(opts.Rate/20), 1), 1000)
	return rate.NewLimiter(rate.Limit(opts.Rate), burst), burst
}

// counters are shared by all connections and read by the progress printer.
type counters struct {
	msgs, bytes  atomic.Uint64
	torn, active atomic.Int64
}

// Run replays every stream to opts.Addr, Parallel connections per stream, all
// concurrently, and returns when all connections are done. The error joins the errors
// of all failed connections; the summary counts what was sent anyway.
func Run(ctx context.Context, streams []capture.Stream, opts Options) (Summary, error) {
	if opts.Addr == "" {
		return Summary{}, errors.New("replay: no collector address")
	}
	if opts.Rate < 0 {
		return Summary{}, fmt.Errorf("replay: negative rate %g", opts.Rate)
	}
	loops, parallel := max(opts.Loop, 1), max(opts.Parallel, 1)
	lim, maxMsgs := newLimiter(opts)
	dial := opts.dial
	if dial == nil {
		d := &net.Dialer{Timeout: opts.DialTimeout}
		if d.Timeout == 0 {
			d.Timeout = 10 * time.Second
		}
		dial = d.DialContext
	}

	var c counters
	start := time.Now()
	stopProgress := startProgress(&c, opts, start)

	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		errs   []error
		failed int
		done   int
	)
	for _, s := range streams {
		batches, tail := plan(s.Data, maxMsgs, maxBatchBytes)
		for k := range parallel {
			wg.Add(1)
			c.active.Add(1)
			go func() {
				defer wg.Done()
				defer c.active.Add(-1)
				err := session(ctx, dial, opts, lim, &c, s.Data, batches, tail, loops)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					failed++
					if parallel > 1 {
						err = fmt.Errorf("%s (copy %d): %w", s.Name, k+1, err)
					} else {
						err = fmt.Errorf("%s: %w", s.Name, err)
					}
					errs = append(errs, err)
					return
				}
				done++
			}()
		}
	}
	wg.Wait()
	stopProgress()
	sum := Summary{
		Sessions:     done,
		Failed:       failed,
		Messages:     c.msgs.Load(),
		Bytes:        c.bytes.Load(),
		TornMessages: int(c.torn.Load()),
		Elapsed:      time.Since(start),
	}
	return sum, errors.Join(errs...)
}

// session sends one stream over one connection.
func session(ctx context.Context, dial func(context.Context, string, string) (net.Conn, error),
	opts Options, lim Limiter, c *counters, data []byte, batches []batch, tail, loops int) error {
	conn, err := dial(ctx, "tcp", opts.Addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	// Cancelling ctx unblocks a Write stuck on a collector that stopped reading.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	send := func(b []byte, msgs int) error {
		if lim != nil {
			if err := lim.WaitN(ctx, max(msgs, 1)); err != nil {
				return err
			}
		}
		n, err := conn.Write(b)
		c.bytes.Add(uint64(n))
		if err != nil {
			return err
		}
		c.msgs.Add(uint64(msgs))
		return nil
	}
	for range loops {
		for _, b := range batches {
			if err := send(data[b.off:b.end], b.msgs); err != nil {
				return ctxErr(ctx, err)
			}
		}
	}
	if tail < len(data) {
		if err := send(data[tail:], 0); err != nil {
			return ctxErr(ctx, err)
		}
		c.torn.Add(1)
	}
	if cw, ok := conn.(interface{ CloseWrite() error }); ok {
		if err := cw.CloseWrite(); err != nil {
			return err
		}
	}
	if opts.CloseDelay > 0 {
		// Wait for the collector to close (EOF) or the delay to pass; what it sends is
		// discarded.
		conn.SetReadDeadline(time.Now().Add(opts.CloseDelay))
		io.Copy(io.Discard, conn)
	}
	return nil
}

// ctxErr prefers the context's error over the I/O error it provoked.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}
