package app

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/guard/certtest"
	"github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/record"
)

type countSink struct{ n atomic.Int64 }

func (s *countSink) Name() string { return "count" }
func (s *countSink) Write(b *record.Batch) error {
	s.n.Add(int64(b.Len()))
	return nil
}
func (s *countSink) Flush() error { return nil }
func (s *countSink) Close() error { return nil }

type collector struct {
	srv  *server.Server
	rt   *Runtime
	sink *countSink
}

// startCollector configures the security feature from args (command line, config file)
// and runs a server the way run does, the plain listener on an ephemeral port.
func startCollector(t *testing.T, args ...string) *collector {
	t.Helper()
	o := defaultOptions()
	fs := newFlagSet(&o, io.Discard)
	s := &security{}
	s.AddFlags(fs)
	cf := addConfigFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	if _, err := applyConfig(fs, cf.path, nil, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := validate(&o, []Feature{s}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rt := &Runtime{Options: &o, Counters: &session.Counters{}}
	rt.Server = &server.Config{Listen: "127.0.0.1:0", MaxMessageSize: o.MaxMessageSize, Session: session.Config{Counters: rt.Counters}}
	if err := s.Start(ctx, rt); err != nil {
		t.Fatal(err)
	}
	sink := &countSink{}
	q := publisher.NewQueue(sink, 8, publisher.Block)
	rt.Server.Publisher = q
	srv := server.New(*rt.Server)
	if rt.Server.Listen != "" {
		if err := srv.Listen(); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range rt.afterServer {
		f(srv)
	}
	go srv.Serve()
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		srv.Shutdown(sctx)
		q.Close()
		cancel()
		s.Stop(sctx)
	})
	return &collector{srv: srv, rt: rt, sink: sink}
}

func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func freeTCPPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestTLSOnlyFromConfigFile: a config file sets up a TLS-only, mutual-TLS collector with
// an allow list and a connection limit; a router with a certificate gets through, one
// without, and one over the limit, are refused and counted.
func TestTLSOnlyFromConfigFile(t *testing.T) {
	ca := certtest.NewCA(t, "ca")
	files := certtest.WriteFiles(t, t.TempDir(), ca)
	port := freeTCPPort(t)
	cfg := writeFile(t, "bmpstream.yaml", fmt.Sprintf(`bind-address: 127.0.0.1
plain-listener: false
tls-port: %d
tls-cert: %s
tls-key: %s
tls-client-ca: %s
allowed-routers:
  - 127.0.0.0/8
  - ::1
max-connections: 1
`, port, files.Cert, files.Key, files.CA))
	c := startCollector(t, "--config", cfg)
	if c.rt.Server.Listen != "" {
		t.Fatalf("plain listener %q still configured", c.rt.Server.Listen)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	client := &tls.Config{RootCAs: ca.Pool(), Certificates: []tls.Certificate{ca.KeyPair(t, "router")}}
	r1, err := tls.Dial("tcp", addr, client)
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	if _, err := r1.Write(gen.Initiation("r1", "x")); err != nil {
		t.Fatal(err)
	}
	pollUntil(t, "first record", func() bool { return c.sink.n.Load() == 1 })

	// Over the limit: refused before the handshake.
	if r2, err := tls.Dial("tcp", addr, client); err == nil {
		_ = r2.SetReadDeadline(time.Now().Add(60 * time.Second))
		if n, err := r2.Read(make([]byte, 1)); err == nil {
			t.Fatalf("read %d bytes from a refused connection", n)
		}
		r2.Close()
	}
	pollUntil(t, "max_connections", func() bool { return c.srv.Stats.Refused(server.RefuseMaxConnections) == 1 })

	if _, err := r1.Write(gen.Termination(0)); err != nil {
		t.Fatal(err)
	}
	r1.Close()
	pollUntil(t, "session end", func() bool { return c.srv.Stats.Open.Load() == 0 && c.sink.n.Load() == 2 })

	// Without a client certificate: the handshake fails.
	if r3, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: ca.Pool()}); err == nil {
		_ = r3.SetReadDeadline(time.Now().Add(60 * time.Second))
		_, _ = r3.Write(gen.Initiation("r3", "x"))
		if _, err := r3.Read(make([]byte, 1)); err == nil {
			t.Fatal("read from a refused connection")
		}
		r3.Close()
	}
	pollUntil(t, "tls_handshake", func() bool { return c.srv.Stats.Refused(server.RefuseTLSHandshake) == 1 })
	if got := c.srv.Stats.Total.Load(); got != 1 {
		t.Fatalf("%d sessions, want 1", got)
	}
}

// TestActiveModeFromConfigFile: `active-routers:` in the config file makes the collector
// dial a passive router; after the router closes, it reconnects (after the 1 s initial
// backoff) and the records of both sessions arrive. The allow list does not apply to
// dialled connections.
func TestActiveModeFromConfigFile(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var data [2][]byte
	var want int64
	for i := range data {
		var buf bytes.Buffer
		n, err := gen.WriteStream(&buf, gen.StreamSpec{Prefixes: 100 * (i + 1), PerUpdate: 10, SysName: fmt.Sprintf("r%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		data[i] = buf.Bytes()
		want += int64(n.V4 + n.V6 + 4)
	}
	accepted := make(chan struct{}, 8)
	go func() {
		for i := 0; ; i++ {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- struct{}{}
			if i < len(data) {
				conn.Write(data[i])
				conn.Close()
				continue
			}
			defer conn.Close() // third session: stays open until the test ends
		}
	}()
	cfg := writeFile(t, "bmpstream.yaml", "allowed-routers: [192.0.2.0/24]\nactive-routers:\n  - "+ln.Addr().String()+"\n")
	c := startCollector(t, "--config", cfg)
	pollUntil(t, "both sessions", func() bool { return c.srv.Stats.Ended(server.EndEOF) == 2 })
	pollUntil(t, "records", func() bool { return c.sink.n.Load() == want })
	if len(accepted) < 2 {
		t.Fatalf("%d connections accepted", len(accepted))
	}
	if got := c.srv.Stats.Refused(server.RefuseNotAllowed); got != 0 {
		t.Fatalf("not_allowed %d", got)
	}
}

// TestReadTimeoutAndRateLimitWired: --read-timeout ends a silent session (idle_timeout);
// the flags reach the server configuration.
func TestReadTimeoutAndRateLimitWired(t *testing.T) {
	c := startCollector(t, "--read-timeout=200ms", "--rate-limit=1000000", "--max-connections-per-ip=3")
	if c.rt.Server.ReadTimeout != 200*time.Millisecond || c.rt.Server.RateLimit != 1000000 {
		t.Fatalf("server config %+v", c.rt.Server)
	}
	addr := c.srv.Addr().String()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(gen.Initiation("quiet", "x")); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	if _, err := io.Copy(io.Discard, conn); err != nil && strings.Contains(err.Error(), "timeout") {
		t.Fatal("the collector did not close the idle session")
	}
	pollUntil(t, "idle_timeout", func() bool { return c.srv.Stats.Ended(server.EndIdle) == 1 })
}

// TestActiveMaxBackoffFlag: --active-max-backoff reaches the dialler (default 30 s).
func TestActiveMaxBackoffFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want time.Duration
	}{{nil, 30 * time.Second}, {[]string{"--active-max-backoff=5s"}, 5 * time.Second}} {
		o := defaultOptions()
		fs := newFlagSet(&o, io.Discard)
		s := &security{}
		s.AddFlags(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		if got := s.activeConfig([]string{"r:1"}).MaxBackoff; got != tc.want {
			t.Fatalf("%q: dialler MaxBackoff %s, want %s", tc.args, got, tc.want)
		}
	}
}
