package kafka

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	ksasl "github.com/twmb/franz-go/pkg/sasl"
	kplain "github.com/twmb/franz-go/pkg/sasl/plain"
	kscram "github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/bmpstream/bmpstream/internal/kafkatest"
	"github.com/bmpstream/bmpstream/pkg/publisher"
)

// pki is a test CA with a server certificate for 127.0.0.1 and a client certificate,
// written as PEM files.
type pki struct {
	dir                       string
	caFile, certFile, keyFile string // CA; client certificate and key
	otherCA                   string // a CA that signed nothing here
	serverCert                tls.Certificate
	pool                      *x509.CertPool
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	p := &pki{dir: t.TempDir()}
	caKey, caCert, caDER := makeCA(t, "bmpstream test CA")
	_, _, otherDER := makeCA(t, "unrelated CA")
	p.pool = x509.NewCertPool()
	p.pool.AddCert(caCert)
	p.caFile = p.writePEM(t, "ca.pem", "CERTIFICATE", caDER)
	p.otherCA = p.writePEM(t, "other-ca.pem", "CERTIFICATE", otherDER)

	srvKey, srvDER := makeLeaf(t, caKey, caCert, "kafka", x509.ExtKeyUsageServerAuth, net.IPv4(127, 0, 0, 1))
	p.serverCert = tls.Certificate{Certificate: [][]byte{srvDER}, PrivateKey: srvKey}
	cliKey, cliDER := makeLeaf(t, caKey, caCert, "bmpstream", x509.ExtKeyUsageClientAuth, nil)
	p.certFile = p.writePEM(t, "client.pem", "CERTIFICATE", cliDER)
	keyDER, err := x509.MarshalECPrivateKey(cliKey)
	if err != nil {
		t.Fatal(err)
	}
	p.keyFile = p.writePEM(t, "client-key.pem", "EC PRIVATE KEY", keyDER)
	return p
}

func makeCA(t *testing.T, cn string) (*ecdsa.PrivateKey, *x509.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert, der
}

func makeLeaf(t *testing.T, caKey *ecdsa.PrivateKey, ca *x509.Certificate, cn string, usage x509.ExtKeyUsage, ip net.IP) (*ecdsa.PrivateKey, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
	if ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return key, der
}

func (p *pki) writePEM(t *testing.T, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeOne writes a small stream through a sink built from cfg and reads it back with a
// consumer using copts; it returns the sink's error (nil when all arrived).
func writeOne(t *testing.T, addr, prefix string, cfg Config, copts ...kgo.Opt) error {
	t.Helper()
	cfg.Brokers = []string{addr}
	cfg.TopicPrefix = prefix
	cfg.SplitAF = true
	cfg.CreateTopics = true
	cfg.Attempts = 2
	cfg.Timeout = 3 * time.Second
	s := newSink(t, cfg)
	st := genStream(t, prefix, true, genOpts{maxRecs: 200}, routers(100)...)
	q := publisher.NewQueue(s, 4, publisher.Block)
	st.publish(t, q)
	if f := q.Stats.Failed.Load(); f != 0 {
		err := s.Ready()
		if err == nil {
			err = errors.New("records failed")
		}
		return err
	}
	got := kafkatest.Consume(t, addr, kafkatest.TopicRE(prefix), st.records, copts...)
	if rep := kafkatest.Check(st.want, got); !rep.Clean() {
		t.Fatalf("%s", rep)
	}
	return nil
}

// TestTLS runs the sink against a kfake TLS listener with a CA and certificates made
// here: server verification, mutual TLS, a wrong CA, and skip-verify.
func TestTLS(t *testing.T) {
	p := newPKI(t)
	clientTLS := &tls.Config{RootCAs: p.pool, MinVersion: tls.VersionTLS12}
	t.Run("server-auth", func(t *testing.T) {
		addr, _ := kafkatest.Start(t, kfake.TLS(&tls.Config{Certificates: []tls.Certificate{p.serverCert}}))
		cfg, err := TLSOptions{Enable: true, CAFile: p.caFile}.Config()
		if err != nil {
			t.Fatal(err)
		}
		if err := writeOne(t, addr, "tls", Config{TLS: cfg}, kgo.DialTLSConfig(clientTLS)); err != nil {
			t.Fatal(err)
		}
		// The same broker refuses a client with another CA ...
		bad, err := TLSOptions{Enable: true, CAFile: p.otherCA}.Config()
		if err != nil {
			t.Fatal(err)
		}
		err = writeOne(t, addr, "tlsbad", Config{TLS: bad})
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("wrong CA: err = %v, want a certificate error", err)
		}
		// ... unless verification is off.
		skip, err := TLSOptions{Enable: true, InsecureSkipVerify: true}.Config()
		if err != nil {
			t.Fatal(err)
		}
		if err := writeOne(t, addr, "tlsskip", Config{TLS: skip}, kgo.DialTLSConfig(clientTLS)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("mutual", func(t *testing.T) {
		addr, _ := kafkatest.Start(t, kfake.TLS(&tls.Config{Certificates: []tls.Certificate{p.serverCert},
			ClientCAs: p.pool, ClientAuth: tls.RequireAndVerifyClientCert}))
		cfg, err := TLSOptions{Enable: true, CAFile: p.caFile, CertFile: p.certFile, KeyFile: p.keyFile}.Config()
		if err != nil {
			t.Fatal(err)
		}
		mtls := clientTLS.Clone()
		mtls.Certificates = cfg.Certificates
		if err := writeOne(t, addr, "mtls", Config{TLS: cfg}, kgo.DialTLSConfig(mtls)); err != nil {
			t.Fatal(err)
		}
		noCert, err := TLSOptions{Enable: true, CAFile: p.caFile}.Config()
		if err != nil {
			t.Fatal(err)
		}
		if err := writeOne(t, addr, "mtlsbad", Config{TLS: noCert}); err == nil {
			t.Fatal("a client without certificate was accepted")
		}
	})
}

// TestTLSOptions: every way the TLS flags can be wrong gives an error naming the problem.
func TestTLSOptions(t *testing.T) {
	p := newPKI(t)
	notPEM := filepath.Join(p.dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(p.dir, "missing.pem")
	cases := []struct {
		name string
		o    TLSOptions
		want string // "" = no error
	}{
		{"off", TLSOptions{}, ""},
		{"system roots", TLSOptions{Enable: true}, ""},
		{"ca", TLSOptions{Enable: true, CAFile: p.caFile}, ""},
		{"mutual", TLSOptions{Enable: true, CAFile: p.caFile, CertFile: p.certFile, KeyFile: p.keyFile}, ""},
		{"ca without enable", TLSOptions{CAFile: p.caFile}, "TLS is not enabled"},
		{"skip-verify without enable", TLSOptions{InsecureSkipVerify: true}, "TLS is not enabled"},
		{"missing ca", TLSOptions{Enable: true, CAFile: missing}, "no such file"},
		{"ca not pem", TLSOptions{Enable: true, CAFile: notPEM}, "no PEM certificate"},
		{"cert without key", TLSOptions{Enable: true, CertFile: p.certFile}, "without its key"},
		{"key without cert", TLSOptions{Enable: true, KeyFile: p.keyFile}, "without its certificate"},
		{"cert is the ca", TLSOptions{Enable: true, CertFile: p.caFile, KeyFile: p.keyFile}, "private key does not match"},
		{"missing cert", TLSOptions{Enable: true, CertFile: missing, KeyFile: p.keyFile}, "no such file"},
		{"key not pem", TLSOptions{Enable: true, CertFile: p.certFile, KeyFile: notPEM}, "client certificate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := tc.o.Config()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if (cfg != nil) != tc.o.Enable {
					t.Fatalf("config %v for enable=%t", cfg, tc.o.Enable)
				}
				if cfg != nil && (cfg.RootCAs != nil) != (tc.o.CAFile != "") {
					t.Fatalf("RootCAs set=%t with CA file %q", cfg.RootCAs != nil, tc.o.CAFile)
				}
				if cfg != nil && len(cfg.Certificates) != map[bool]int{false: 0, true: 1}[tc.o.CertFile != ""] {
					t.Fatalf("%d client certificates", len(cfg.Certificates))
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestSASL authenticates with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 against a kfake with
// SASL enabled (and once over TLS); a wrong password is refused.
func TestSASL(t *testing.T) {
	p := newPKI(t)
	users := map[string][2]string{
		"PLAIN":         {"alice", "plain-secret"},
		"SCRAM-SHA-256": {"bob", "scram256-secret"},
		"SCRAM-SHA-512": {"carol", "scram512-secret"},
	}
	opts := []kfake.Opt{kfake.EnableSASL()}
	for mech, u := range users {
		opts = append(opts, kfake.Superuser(mech, u[0], u[1]))
	}
	addr, _ := kafkatest.Start(t, opts...)
	tlsAddr, _ := kafkatest.Start(t, append(opts, kfake.TLS(&tls.Config{Certificates: []tls.Certificate{p.serverCert}}))...)
	consumerSASL := kgo.SASL(kplain.Auth{User: "alice", Pass: "plain-secret"}.AsMechanism())
	for _, mech := range SASLMechanisms {
		u := users[mech]
		t.Run(mech, func(t *testing.T) {
			m, err := SASL(strings.ToLower(mech), u[0], u[1])
			if err != nil {
				t.Fatal(err)
			}
			prefix := "sasl-" + strings.ToLower(mech)
			if err := writeOne(t, addr, prefix, Config{SASL: m}, consumerSASL); err != nil {
				t.Fatal(err)
			}
			bad, err := SASL(mech, u[0], "wrong")
			if err != nil {
				t.Fatal(err)
			}
			if err := writeOne(t, addr, prefix+"-bad", Config{SASL: bad}); err == nil {
				t.Fatal("wrong password accepted")
			}
		})
	}
	t.Run("SCRAM-SHA-512+TLS", func(t *testing.T) {
		m, err := SASL("SCRAM-SHA-512", "carol", "scram512-secret")
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := TLSOptions{Enable: true, CAFile: p.caFile}.Config()
		if err != nil {
			t.Fatal(err)
		}
		var cm ksasl.Mechanism = kscram.Auth{User: "carol", Pass: "scram512-secret"}.AsSha512Mechanism()
		if err := writeOne(t, tlsAddr, "sasltls", Config{SASL: m, TLS: cfg},
			kgo.SASL(cm), kgo.DialTLSConfig(&tls.Config{RootCAs: p.pool})); err != nil {
			t.Fatal(err)
		}
	})
	// Without credentials the SASL broker refuses the sink.
	if err := writeOne(t, addr, "nosasl", Config{}); err == nil {
		t.Fatal("a client without SASL was accepted")
	}
}

// TestSASLOptions: mechanism names and missing usernames.
func TestSASLOptions(t *testing.T) {
	cases := []struct {
		mech, user, want string
		wantName         string
	}{
		{"", "", "", ""},
		{"PLAIN", "u", "", "PLAIN"},
		{"plain", "u", "", "PLAIN"},
		{"scram-sha-256", "u", "", "SCRAM-SHA-256"},
		{"SCRAM-SHA-512", "u", "", "SCRAM-SHA-512"},
		{"GSSAPI", "u", "unknown SASL mechanism", ""},
		{"PLAIN", "", "needs a username", ""},
		{"", "u", "without a mechanism", ""},
	}
	for _, tc := range cases {
		m, err := SASL(tc.mech, tc.user, "p")
		if tc.want != "" {
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("SASL(%q, %q): err = %v, want %q", tc.mech, tc.user, err, tc.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("SASL(%q, %q): %v", tc.mech, tc.user, err)
			continue
		}
		if tc.wantName == "" && m != nil || tc.wantName != "" && (m == nil || m.Name() != tc.wantName) {
			t.Errorf("SASL(%q, %q) = %v, want %q", tc.mech, tc.user, m, tc.wantName)
		}
	}
}

// TestParseCompression: the five codecs and errors.
func TestParseCompression(t *testing.T) {
	for in, want := range map[string]string{"": "uncompressed", "none": "uncompressed", "gzip": "gzip",
		"snappy": "snappy", "LZ4": "lz4", "zstd": "zstd"} {
		c, err := ParseCompression(in)
		if err != nil || c.String() != want {
			t.Errorf("ParseCompression(%q) = %v, %v; want %s", in, c, err, want)
		}
	}
	if _, err := ParseCompression("brotli"); err == nil {
		t.Error("brotli accepted")
	}
}

// TestNewErrors: bad broker lists.
func TestNewErrors(t *testing.T) {
	for _, brokers := range [][]string{nil, {""}, {"localhost"}} {
		if _, err := New(Config{Brokers: brokers}); err == nil {
			t.Errorf("New(%q) accepted", brokers)
		}
	}
	s, err := New(Config{Brokers: []string{"127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Probe(ctx); err == nil || s.Ready() == nil {
		t.Fatalf("probe of a closed port: %v, ready: %v", err, s.Ready())
	}
}
