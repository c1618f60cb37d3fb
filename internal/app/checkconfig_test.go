package app

import (
	"net"
	"strconv"
	"strings"
	"testing"
)

// TestCheckConfig: --check-config validates the flags, the file and the environment, prints
// a verdict and exits without starting anything (the BMP port stays free).
func TestCheckConfig(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	good := writeFile(t, "good.yaml", "source-port: "+strconv.Itoa(port)+"\nbind-address: 127.0.0.1\nmetrics-address: \"\"\nkafka-server: 127.0.0.1:1\nkafka-sasl-mechanism: SCRAM-SHA-512\nkafka-sasl-username: bmp\n")
	t.Setenv(SASLPasswordEnv, "pw")
	code, out, errs := mainOut("--config", good, "--check-config")
	if code != 0 || out != "bmpstream: configuration OK ("+good+")\n" {
		t.Fatalf("valid file: exit %d stdout %q stderr %q", code, out, errs)
	}
	// Nothing listened: the port can be taken again.
	ln, err = net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("--check-config left something on port %d: %v", port, err)
	}
	ln.Close()

	cases := []struct {
		name, file, want string
	}{
		{"core", "source-port: 70000\n", "--source-port (key \"source-port\" in config file"},
		{"unknown key", "sourceport: 5000\n", `unknown key "sourceport"`},
		{"kafka sasl", "kafka-server: k:9092\nkafka-sasl-mechanism: MD5\nkafka-sasl-username: u\n", `unknown SASL mechanism "MD5"`},
		{"kafka compression", "kafka-server: k:9092\nkafka-compression: brotli\n", "brotli"},
		{"kafka tls file", "kafka-server: k:9092\nkafka-tls: true\nkafka-tls-ca: /nonexistent/ca.crt\n", "/nonexistent/ca.crt"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, "bad.yaml", c.file)
			code, out, errs := mainOut("--config", path, "--check-config")
			if code != 2 || out != "" || !strings.Contains(errs, c.want) {
				t.Fatalf("exit %d stdout %q stderr %q; want exit 2 and %q", code, out, errs, c.want)
			}
		})
	}
	// Flags alone (no file).
	if code, out, errs := mainOut("--source-port=0", "--metrics-address=", "--check-config"); code != 0 || out != "bmpstream: configuration OK (flags and environment)\n" {
		t.Fatalf("flags only: exit %d stdout %q stderr %q", code, out, errs)
	}
	// --check-config is a command-line switch, not a config key.
	path := writeFile(t, "c.yaml", "check-config: true\n")
	if code, _, errs := mainOut("--config", path, "--check-config"); code != 2 || !strings.Contains(errs, `unknown key "check-config"`) {
		t.Fatalf("check-config as key: exit %d stderr %q", code, errs)
	}
}
