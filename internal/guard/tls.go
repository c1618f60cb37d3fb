package guard

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// TLSFiles names the PEM files of a TLS listener.
type TLSFiles struct {
	Cert, Key string // server certificate (chain) and its private key
	ClientCA  string // CA certificates client certificates must chain to; empty: no client certificates
}

// ServerTLSConfig loads files into a server configuration (TLS 1.2 or later). With a
// client CA, every client must present a certificate that chains to it (mutual TLS).
// Errors name the file and the flag it comes from.
func ServerTLSConfig(f TLSFiles) (*tls.Config, error) {
	if f.Cert == "" || f.Key == "" {
		return nil, errors.New("tls-cert and tls-key are both required")
	}
	for _, x := range []struct{ flag, path string }{{"tls-cert", f.Cert}, {"tls-key", f.Key}, {"tls-client-ca", f.ClientCA}} {
		if x.path == "" {
			continue
		}
		if _, err := os.Stat(x.path); err != nil {
			return nil, fmt.Errorf("%s: %w", x.flag, err)
		}
	}
	cert, err := tls.LoadX509KeyPair(f.Cert, f.Key)
	if err != nil {
		return nil, fmt.Errorf("tls-cert/tls-key: %s, %s: %w", f.Cert, f.Key, err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if f.ClientCA != "" {
		pem, err := os.ReadFile(f.ClientCA)
		if err != nil {
			return nil, fmt.Errorf("tls-client-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls-client-ca: %s holds no PEM certificate", f.ClientCA)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}
