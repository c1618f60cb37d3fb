package kafka

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// TLSOptions describe the TLS connection to the brokers.
type TLSOptions struct {
	Enable bool
	// CAFile is a PEM bundle of the CAs that sign the brokers' certificates (default:
	// the system's roots).
	CAFile string
	// CertFile and KeyFile are the client certificate and key (PEM) for mutual TLS.
	CertFile, KeyFile string
	// InsecureSkipVerify disables the verification of the brokers' certificates.
	InsecureSkipVerify bool
}

// Config returns the TLS configuration, or nil when TLS is not enabled. Setting a file
// without Enable is an error, so that a forgotten --kafka-tls does not silently fall back
// to plaintext.
func (o TLSOptions) Config() (*tls.Config, error) {
	if !o.Enable {
		if o.CAFile != "" || o.CertFile != "" || o.KeyFile != "" || o.InsecureSkipVerify {
			return nil, errors.New("kafka: TLS options are set but TLS is not enabled (--kafka-tls)")
		}
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: o.InsecureSkipVerify}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("kafka: TLS CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("kafka: TLS CA file %s: no PEM certificate found", o.CAFile)
		}
		cfg.RootCAs = pool
	}
	switch {
	case o.CertFile != "" && o.KeyFile != "":
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("kafka: TLS client certificate %s / key %s: %w", o.CertFile, o.KeyFile, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	case o.CertFile != "":
		return nil, errors.New("kafka: TLS client certificate given without its key (--kafka-tls-key)")
	case o.KeyFile != "":
		return nil, errors.New("kafka: TLS client key given without its certificate (--kafka-tls-cert)")
	}
	return cfg, nil
}

// SASLMechanisms lists the accepted SASL mechanism names.
var SASLMechanisms = []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}

// SASL returns the mechanism named name (case-insensitive), or nil for "".
func SASL(name, user, pass string) (sasl.Mechanism, error) {
	name = strings.ToUpper(strings.TrimSpace(name))
	if name == "" {
		if user != "" {
			return nil, errors.New("kafka: SASL username given without a mechanism (--kafka-sasl-mechanism)")
		}
		return nil, nil
	}
	if user == "" {
		return nil, fmt.Errorf("kafka: SASL %s needs a username (--kafka-sasl-username)", name)
	}
	switch name {
	case "PLAIN":
		return plain.Mechanism{Username: user, Password: pass}, nil
	case "SCRAM-SHA-256":
		return scram.Mechanism(scram.SHA256, user, pass)
	case "SCRAM-SHA-512":
		return scram.Mechanism(scram.SHA512, user, pass)
	}
	return nil, fmt.Errorf("kafka: unknown SASL mechanism %q (want one of %s)", name, strings.Join(SASLMechanisms, ", "))
}

// ParseCompression parses none, gzip, snappy, lz4 or zstd.
func ParseCompression(s string) (kafkago.Compression, error) {
	switch strings.ToLower(s) {
	case "", "none":
		return 0, nil
	case "gzip":
		return kafkago.Gzip, nil
	case "snappy":
		return kafkago.Snappy, nil
	case "lz4":
		return kafkago.Lz4, nil
	case "zstd":
		return kafkago.Zstd, nil
	}
	return 0, fmt.Errorf("kafka: unknown compression %q (want none, gzip, snappy, lz4 or zstd)", s)
}
