package server

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/internal/testutil/sinktest"
	"github.com/bmpstream/bmpstream/pkg/publisher"
)

// startCfg starts a server with cfg (Listen, Publisher and Session filled in).
func startCfg(t *testing.T, cfg Config) *harness {
	t.Helper()
	sink := sinktest.New()
	q := publisher.NewQueue(sink, 8, publisher.Block)
	cfg.Listen, cfg.Publisher = "127.0.0.1:0", q
	cfg.Session = session.Config{MaxBatchRecords: 512}
	srv := New(cfg)
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		q.Close()
	})
	return &harness{srv: srv, q: q, sink: sink, addr: srv.Addr().String()}
}

// expectClosed reads from c until the server closes it: EOF or a reset, nothing else.
func expectClosed(t *testing.T, c net.Conn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(60 * time.Second))
	_, err := io.Copy(io.Discard, c)
	if err != nil && !isReset(err) {
		t.Fatalf("read: %v, want EOF or connection reset", err)
	}
}

func isReset(err error) bool {
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

// TestIdleTimeout: a router that stays silent is disconnected with reason idle_timeout,
// after the records of what it did send were published; an active one is not.
func TestIdleTimeout(t *testing.T) {
	h := startCfg(t, Config{ReadTimeout: 300 * time.Millisecond})
	quiet, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer quiet.Close()
	if _, err := quiet.Write(gen.Initiation("quiet", "x")); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, quiet)
	testutil.WaitFor(t, "idle end", h.ended(EndIdle, 1))
	h.q.Close()
	if got := h.sink.Len(); got != 2 {
		t.Fatalf("%d records, want 2 (the initiation, the synthesized router term)", got)
	}
	lastIsSynthesizedTerm(t, h.sink, session.EndTimeout)
	if h.srv.Stats.Ended(EndIdle) != 1 || h.srv.Stats.Ended(EndReadError) != 0 {
		t.Fatalf("ended: idle=%d read_error=%d", h.srv.Stats.Ended(EndIdle), h.srv.Stats.Ended(EndReadError))
	}
}

// TestIdleTimeoutNotDuringShutdown: with a read timeout set, a shutdown still ends the
// session as "shutdown" (the per-read deadline does not undo Shutdown's).
func TestIdleTimeoutNotDuringShutdown(t *testing.T) {
	h := startCfg(t, Config{ReadTimeout: time.Hour})
	c, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(gen.Initiation("r", "x")); err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, "record", func() bool { return h.q.Stats.Records.Load() == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if h.srv.Stats.Ended(EndShutdown) != 1 || h.srv.Stats.Ended(EndIdle) != 0 {
		t.Fatalf("ended: shutdown=%d idle=%d", h.srv.Stats.Ended(EndShutdown), h.srv.Stats.Ended(EndIdle))
	}
}

// TestRateLimit: at 64 KiB/s a ≈ 320 KiB stream cannot be read in less than ≈ 4.5 s (one burst
// of at most 8 KiB is free); nothing is dropped.
func TestRateLimit(t *testing.T) {
	const limit = 64 << 10
	h := startCfg(t, Config{RateLimit: limit})
	data, c := stream(t, gen.StreamSpec{Prefixes: 2400, PerUpdate: 1})
	if len(data) < 256<<10 {
		t.Fatalf("stream of %d bytes, want ≥ 256 KiB", len(data))
	}
	start := time.Now()
	send(t, h.addr, data)
	testutil.WaitFor(t, "session end", h.ended(EndEOF, 1))
	elapsed := time.Since(start)
	minimum := time.Duration(float64(len(data)-8<<10) / limit * float64(time.Second))
	if elapsed < minimum {
		t.Fatalf("%d bytes read in %s at %d B/s: want ≥ %s", len(data), elapsed, limit, minimum)
	}
	h.q.Close()
	if got, want := h.sink.Len(), c.V4+c.V6+4; got != want {
		t.Fatalf("%d records, want %d", got, want)
	}
	if got := h.srv.Stats.BytesRead.Load(); got != uint64(len(data)) {
		t.Fatalf("BytesRead %d, want %d", got, len(data))
	}
}

// TestServeListenerWithoutPlain: no plain listener, sessions come from an extra listener;
// Shutdown closes it and Serve returns.
func TestServeListenerWithoutPlain(t *testing.T) {
	sink := sinktest.New()
	q := publisher.NewQueue(sink, 4, publisher.Block)
	defer q.Close()
	srv := New(Config{Publisher: q})
	served := make(chan error, 2)
	go func() { served <- srv.Serve() }()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { served <- srv.ServeListener(ln) }()
	send(t, ln.Addr().String(), append(gen.Initiation("r", "x"), gen.Termination(0)...))
	testutil.WaitFor(t, "session end", func() bool { return srv.Stats.Ended(EndEOF) == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := <-served; err != nil {
			t.Fatalf("serve returned %v", err)
		}
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Fatal("extra listener still accepting after Shutdown")
	}
	if got := q.Stats.Records.Load(); got != 2 {
		t.Fatalf("%d records, want 2", got)
	}
}
