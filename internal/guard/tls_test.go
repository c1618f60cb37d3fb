package guard

import (
	"crypto/tls"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/guard/certtest"
	"github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/internal/testutil"
)

type tlsEnv struct {
	ca, other *certtest.CA
	files     certtest.Files
}

func newTLSEnv(t *testing.T) *tlsEnv {
	ca := certtest.NewCA(t, "bmpstream test CA")
	return &tlsEnv{ca: ca, other: certtest.NewCA(t, "another CA"), files: certtest.WriteFiles(t, t.TempDir(), ca)}
}

func (e *tlsEnv) serverConfig(t *testing.T, mutual bool) *tls.Config {
	t.Helper()
	f := TLSFiles{Cert: e.files.Cert, Key: e.files.Key}
	if mutual {
		f.ClientCA = e.files.CA
	}
	cfg, err := ServerTLSConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// tlsSession sends a whole BMP session over TLS and returns the client error, if any.
func tlsSession(addr string, cfg *tls.Config) error {
	c, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Write(append(gen.Initiation("r", "x"), gen.Termination(0)...)); err != nil {
		return err
	}
	// The server sends nothing: a clean session reads EOF after the collector closes
	// (it closes once it read the Termination's stream end, i.e. our CloseWrite).
	if err := c.CloseWrite(); err != nil {
		return err
	}
	_ = c.SetReadDeadline(time.Now().Add(60 * time.Second))
	_, err = io.Copy(io.Discard, c)
	return err
}

func TestTLSMutual(t *testing.T) {
	e := newTLSEnv(t)
	h := start(t, New(Config{HandshakeTimeout: 2 * time.Second}), e.serverConfig(t, true))
	good := e.ca.KeyPair(t, "router1")
	bad := e.other.KeyPair(t, "intruder")
	roots := e.ca.Pool()

	// A router with a certificate of the client CA: the session runs end to end.
	if err := tlsSession(h.tlsA, &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{good}}); err != nil {
		t.Fatalf("good client: %v", err)
	}
	testutil.WaitFor(t, "session end", func() bool { return h.srv.Stats.Ended(server.EndEOF) == 1 })
	if n := h.sink.n.Load(); n != 2 {
		t.Fatalf("%d records, want 2", n)
	}

	refusals := []struct {
		name string
		cfg  *tls.Config
	}{
		{"no client certificate", &tls.Config{RootCAs: roots}},
		{"certificate of another CA", &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{bad}}},
		{"TLS 1.1 only", &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{good}, MaxVersion: tls.VersionTLS11}},
	}
	for i, r := range refusals {
		if err := tlsSession(h.tlsA, r.cfg); err == nil {
			t.Fatalf("%s: session succeeded", r.name)
		}
		want := uint64(i + 1)
		testutil.WaitFor(t, r.name+" refusal", func() bool { return h.srv.Stats.Refused(server.RefuseTLSHandshake) >= want })
		if got := h.srv.Stats.Refused(server.RefuseTLSHandshake); got != want {
			t.Fatalf("%s: refused %d, want %d", r.name, got, want)
		}
	}
	// Plain BMP on the TLS port, then a client that never starts the handshake.
	h.refused(t, h.tlsA, server.RefuseTLSHandshake, 4)
	silent := dial(t, h.tlsA)
	expectClosed(t, silent) // after HandshakeTimeout
	testutil.WaitFor(t, "timeout refusal", func() bool { return h.srv.Stats.Refused(server.RefuseTLSHandshake) == 5 })
	if got := h.srv.Stats.Total.Load(); got != 1 {
		t.Fatalf("%d sessions, want 1", got)
	}
	if n := h.sink.n.Load(); n != 2 {
		t.Fatalf("%d records after refusals, want 2", n)
	}
}

// TestTLSServerOnly: without a client CA, clients need no certificate but must trust the
// server's; the plain listener keeps working beside the TLS one.
func TestTLSServerOnly(t *testing.T) {
	e := newTLSEnv(t)
	h := start(t, New(Config{}), e.serverConfig(t, false))
	if err := tlsSession(h.tlsA, &tls.Config{RootCAs: e.ca.Pool()}); err != nil {
		t.Fatal(err)
	}
	err := tlsSession(h.tlsA, &tls.Config{RootCAs: e.other.Pool()})
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("client trusting another CA: %v", err)
	}
	send := func(addr string) {
		c := dial(t, addr)
		if _, err := c.Write(append(gen.Initiation("p", "x"), gen.Termination(0)...)); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	send(h.v4)
	testutil.WaitFor(t, "sessions", func() bool { return h.srv.Stats.Ended(server.EndEOF) == 2 })
	testutil.WaitFor(t, "refusal", func() bool { return h.srv.Stats.Refused(server.RefuseTLSHandshake) == 1 })
	if n := h.sink.n.Load(); n != 4 {
		t.Fatalf("%d records, want 4", n)
	}
}

// TestTLSAllowListFirst: the allow list refuses before any handshake.
func TestTLSAllowListFirst(t *testing.T) {
	e := newTLSEnv(t)
	h := start(t, New(Config{Allowed: prefixes("10.0.0.0/8")}), e.serverConfig(t, true))
	if err := tlsSession(h.tlsA, &tls.Config{RootCAs: e.ca.Pool(), Certificates: []tls.Certificate{e.ca.KeyPair(t, "r")}}); err == nil {
		t.Fatal("session succeeded")
	}
	testutil.WaitFor(t, "refusal", func() bool { return h.srv.Stats.Refused(server.RefuseNotAllowed) == 1 })
	if got := h.srv.Stats.Refused(server.RefuseTLSHandshake); got != 0 {
		t.Fatalf("tls_handshake refusals %d, want 0", got)
	}
}

func TestServerTLSConfigErrors(t *testing.T) {
	e := newTLSEnv(t)
	dir := t.TempDir()
	cases := []struct {
		name string
		f    TLSFiles
		want string
	}{
		{"no key", TLSFiles{Cert: e.files.Cert}, "tls-cert and tls-key are both required"},
		{"missing cert", TLSFiles{Cert: dir + "/nope.pem", Key: e.files.Key}, "tls-cert: stat " + dir + "/nope.pem: no such file"},
		{"missing CA", TLSFiles{Cert: e.files.Cert, Key: e.files.Key, ClientCA: dir + "/ca.pem"}, "tls-client-ca: stat"},
		{"key for another cert", TLSFiles{Cert: e.files.Cert, Key: e.files.CA}, "tls-cert/tls-key:"},
		{"CA not PEM", TLSFiles{Cert: e.files.Cert, Key: e.files.Key, ClientCA: e.files.Key}, "holds no PEM certificate"},
	}
	for _, c := range cases {
		_, err := ServerTLSConfig(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
}
