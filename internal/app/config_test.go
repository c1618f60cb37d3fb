package app

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/bmpstream/bmpstream/internal/guard/certtest"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func mainOut(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

// printedLines maps each key of --print-config's output to its line (value # source).
func printedLines(t *testing.T, out string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("line %q is not key: value", line)
		}
		m[k] = v
	}
	return m
}

// TestPrecedence: defaults < config file < environment < command line, for scalars and
// lists (a list from a higher source replaces, never extends, a lower one).
func TestPrecedence(t *testing.T) {
	cfg := writeFile(t, "bmpstream.yaml", `# test
source-port: 6000
queue-size: 10
allowed-routers: [10.0.0.0/8, 2001:db8::/32]
max-connections: 5
read-timeout: 1m
active-routers:
  - 192.0.2.1:5000
  - "[2001:db8::1]:5000"
dump-format: gobmp
`)
	t.Setenv("BMPSTREAM_QUEUE_SIZE", "20")
	t.Setenv("BMPSTREAM_ALLOWED_ROUTERS", "192.0.2.0/24, 198.51.100.0/24")
	t.Setenv("BMPSTREAM_MAX_CONNECTIONS", "7")
	t.Setenv("BMPSTREAM_RATE_LIMIT", "1000000")
	code, out, errs := mainOut("--config", cfg, "--max-connections=9", "--dump-format=jsonl", "--print-config")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	got := printedLines(t, out)
	want := map[string]string{
		"source-port":      "6000 # file " + cfg,
		"queue-size":       "20 # env BMPSTREAM_QUEUE_SIZE",
		"allowed-routers":  "[192.0.2.0/24, 198.51.100.0/24] # env BMPSTREAM_ALLOWED_ROUTERS",
		"max-connections":  "9 # flag",
		"read-timeout":     "1m0s # file " + cfg,
		"active-router":    `['192.0.2.1:5000', '[2001:db8::1]:5000'] # file ` + cfg,
		"dump-format":      "jsonl # flag",
		"rate-limit":       "1000000 # env BMPSTREAM_RATE_LIMIT",
		"shutdown-timeout": "30s # default",
		"bind-address":     `"" # default`,
		"split-af":         "true # default",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	for _, k := range []string{"config", "print-config", "version", "help"} {
		if _, ok := got[k]; ok {
			t.Errorf("%s printed", k)
		}
	}
	if !strings.HasPrefix(out, "# bmpstream effective configuration") {
		t.Errorf("output starts %q", out[:40])
	}
}

// TestPrintConfigRoundTrip: the printed configuration is a valid config file that yields
// the same configuration.
func TestPrintConfigRoundTrip(t *testing.T) {
	code, out, errs := mainOut("--source-port=7001", "--allowed-routers=10.1.0.0/16,10.2.0.0/16", "--read-timeout=90s", "--print-config")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var m map[string]any
	if err := yaml.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("output is not YAML: %v\n%s", err, out)
	}
	if m["source-port"] != 7001 || m["read-timeout"] != "1m30s" {
		t.Fatalf("parsed %v", m)
	}
	path := writeFile(t, "printed.yaml", out)
	code, out2, errs := mainOut("--config", path, "--print-config")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	a, b := printedLines(t, out), printedLines(t, out2)
	if len(a) != len(b) {
		t.Fatalf("%d keys, then %d", len(a), len(b))
	}
	for k, v := range a {
		va, _, _ := strings.Cut(v, " # ")
		vb, _, _ := strings.Cut(b[k], " # ")
		if va != vb {
			t.Errorf("%s: %q, then %q", k, va, vb)
		}
	}
}

func TestConfigFromEnvPath(t *testing.T) {
	cfg := writeFile(t, "c.yaml", "source-port: 6100\n")
	t.Setenv("BMPSTREAM_CONFIG", cfg)
	t.Setenv("BMPSTREAM_E2E_DUMP", "/tmp/x") // not a setting: a warning, not an error
	code, out, errs := mainOut("--print-config")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if got := printedLines(t, out)["source-port"]; got != "6100 # file "+cfg {
		t.Fatalf("source-port %q", got)
	}
	if !strings.Contains(errs, "warning: environment variable BMPSTREAM_E2E_DUMP matches no setting, ignored") {
		t.Fatalf("stderr %q", errs)
	}
}

func TestPrintConfigMasksSecrets(t *testing.T) {
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	fs.String("kafka-sasl-password", "", "")
	fs.String("nats-creds", "", "")
	fs.String("api-token", "", "")
	fs.String("kafka-server", "", "")
	fs.StringSlice("secret-list", nil, "")
	MarkSecret(fs, "nats-creds")
	if err := fs.Parse([]string{"--kafka-sasl-password=hunter2", "--nats-creds=/etc/n.creds", "--kafka-server=k:9092", "--secret-list=a,b"}); err != nil {
		t.Fatal(err)
	}
	src, err := applyConfig(fs, "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := printConfig(&out, fs, src); err != nil {
		t.Fatal(err)
	}
	got := printedLines(t, out.String())
	want := map[string]string{
		"kafka-sasl-password": `'********' # flag`,
		"nats-creds":          `'********' # flag`,
		"api-token":           `"" # default`,
		"kafka-server":        `k:9092 # flag`,
		"secret-list":         `['********', '********'] # flag`,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	if strings.Contains(out.String(), "hunter2") {
		t.Fatal("password printed")
	}
}

// TestInvalidConfig: every invalid setting stops start-up (exit 2) with a message naming
// the key or flag, where its value came from, and the problem.
func TestInvalidConfig(t *testing.T) {
	ca := certtest.NewCA(t, "ca")
	files := certtest.WriteFiles(t, t.TempDir(), ca)
	dir := t.TempDir()
	cases := []struct {
		name string
		file string // config file content ("" = no file)
		env  map[string]string
		args []string
		want string
	}{
		{"unknown key", "source-port: 5000\nsorce-port: 5001\n", nil, nil, `line 2: unknown key "sorce-port"`},
		{"key only for the command line", "config: other.yaml\n", nil, nil, `line 1: unknown key "config"`},
		{"port out of range", "source-port: 70000\n", nil, nil, `--source-port (key "source-port" in config file FILE): 70000 is out of range 0-65535`},
		{"port not a number", "source-port: five\n", nil, nil, `line 1: key "source-port": invalid value "five" for --source-port`},
		{"port from env", "", map[string]string{"BMPSTREAM_SOURCE_PORT": "-1"}, nil, `--source-port (environment variable BMPSTREAM_SOURCE_PORT): -1 is out of range 0-65535`},
		{"env not a number", "", map[string]string{"BMPSTREAM_MAX_CONNECTIONS": "many"}, nil, `environment variable BMPSTREAM_MAX_CONNECTIONS="many": invalid value "many" for --max-connections`},
		{"port on command line", "", nil, []string{"--tls-port=99999"}, `--tls-port: 99999 is out of range 0-65535`},
		{"bad CIDR", "allowed-routers: [10.0.0.0/8, 10.0.0.0/33]\n", nil, nil, `--allowed-routers (key "allowed-routers" in config file FILE): "10.0.0.0/33" is not an IP prefix (CIDR) or address`},
		{"bad CIDR env", "", map[string]string{"BMPSTREAM_ALLOWED_ROUTERS": "10.0.0.0/8,router7"}, nil, `--allowed-routers (environment variable BMPSTREAM_ALLOWED_ROUTERS): "router7" is not an IP prefix`},
		{"bad duration", "read-timeout: 5 minutes\n", nil, nil, `line 1: key "read-timeout": invalid value "5 minutes" for --read-timeout: time: unknown unit " minutes"`},
		{"negative duration", "read-timeout: -1s\n", nil, nil, `--read-timeout (key "read-timeout" in config file FILE): -1s: must be 0 (never) or positive`},
		{"shutdown timeout zero", "shutdown-timeout: 0s\n", nil, nil, `--shutdown-timeout (key "shutdown-timeout" in config file FILE): 0s: must be positive`},
		{"missing TLS cert", "tls-port: 5001\ntls-cert: " + dir + "/cert.pem\ntls-key: " + files.Key + "\n", nil, nil, `--tls-cert (key "tls-cert" in config file FILE): stat ` + dir + `/cert.pem: no such file or directory`},
		{"missing client CA", "tls-port: 5001\ntls-cert: " + files.Cert + "\ntls-key: " + files.Key + "\ntls-client-ca: " + dir + "/ca.pem\n", nil, nil, `--tls-client-ca (key "tls-client-ca" in config file FILE): stat ` + dir + `/ca.pem: no such file or directory`},
		{"TLS port without cert", "tls-port: 5001\n", nil, nil, `--tls-cert: required with --tls-port`},
		{"key of another cert", "tls-port: 5001\ntls-cert: " + files.Cert + "\ntls-key: " + files.CA + "\n", nil, nil, `--tls-key (key "tls-key" in config file FILE):`},
		{"cert without TLS port", "", map[string]string{"BMPSTREAM_TLS_CERT": files.Cert}, nil, `--tls-cert (environment variable BMPSTREAM_TLS_CERT): set, but --tls-port is 0: there is no TLS listener`},
		{"TLS port is the plain port", "tls-port: 5000\ntls-cert: " + files.Cert + "\ntls-key: " + files.Key + "\n", nil, nil, `--tls-port (key "tls-port" in config file FILE): 5000 is also --source-port`},
		{"no listener", "plain-listener: false\n", nil, nil, `--plain-listener (key "plain-listener" in config file FILE): false, but there is no --tls-port or --active-router`},
		{"bad dump", "dump: kafka\n", nil, nil, `--dump (key "dump" in config file FILE): "kafka" is not an output (want console or file)`},
		{"dump file without msg-file", "dump: file\n", nil, nil, `--msg-file: required with --dump=file`},
		{"msg-file directory missing", "msg-file: " + dir + "/no/such/out.json\n", nil, nil, `--msg-file (key "msg-file" in config file FILE): directory of ` + dir + `/no/such/out.json: stat ` + dir + `/no/such: no such file or directory`},
		{"bad dump format", "dump-format: xml\n", nil, nil, `--dump-format (key "dump-format" in config file FILE): unknown dump format "xml"`},
		{"message size zero", "max-message-size: 0\n", nil, nil, `--max-message-size (key "max-message-size" in config file FILE): 0 is out of range 6`},
		{"receive buffer below message size", "max-message-size: 2097152\nmax-receive-buffer: 1048576\n", nil, nil, `--max-receive-buffer (key "max-receive-buffer" in config file FILE): 1048576 is below --max-message-size (2097152) + the 64 KiB read buffer = 2162688`},
		{"negative limit", "max-connections-per-ip: -2\n", nil, nil, `--max-connections-per-ip (key "max-connections-per-ip" in config file FILE): -2: must be 0 (no limit) or positive`},
		{"queue size", "queue-size: 0\n", nil, nil, `--queue-size (key "queue-size" in config file FILE): 0: must be at least 1`},
		{"bind address", "bind-address: 10.0.0.300\n", nil, nil, `--bind-address (key "bind-address" in config file FILE): "10.0.0.300" is neither an IP address nor a host name`},
		{"active router without port", "active-routers: [router1]\n", nil, nil, `--active-router (key "active-router" in config file FILE): "router1": address router1: missing port in address`},
		{"active router bad port", "", nil, []string{"--active-router=192.0.2.1:0"}, `--active-router: "192.0.2.1:0": port "0" is not in 1-65535`},
		{"mapping value", "allowed-routers:\n  a: b\n", nil, nil, `line 1: key "allowed-routers": a mapping is not a flag value`},
		{"no value", "source-port:\n", nil, nil, `line 1: key "source-port" has no value`},
		{"duplicate key", "source-port: 1\nqueue-size: 3\nsource-port: 2\n", nil, nil, `line 3: key "source-port" already set on line 1`},
		{"not YAML", "source-port: [1\n", nil, nil, `config file FILE: yaml: line 1:`},
		{"not a mapping", "- a\n- b\n", nil, nil, `config file FILE line 1: want a mapping of flag names to values`},
		{"bool", "split-af: maybe\n", nil, nil, `line 1: key "split-af": invalid value "maybe" for --split-af`},
		{"missing file", "", nil, []string{"--config=" + dir + "/none.yaml"}, `config file: open ` + dir + `/none.yaml: no such file or directory`},
		{"active max backoff", "", nil, []string{"--active-max-backoff=0s"}, `--active-max-backoff: 0s: must be at least 1s`},
		// Kafka settings are checked even without --kafka-server.
		{"kafka compression flag", "", nil, []string{"--kafka-compression=foo"}, `--kafka-compression: "foo": want none, gzip, snappy, lz4 or zstd`},
		{"kafka compression file", "kafka-compression: foo\n", nil, nil, `--kafka-compression (key "kafka-compression" in config file FILE): "foo": want none`},
		{"kafka on-full", "", map[string]string{"BMPSTREAM_KAFKA_ON_FULL": "spill"}, nil, `--kafka-on-full (environment variable BMPSTREAM_KAFKA_ON_FULL):`},
		{"kafka sasl", "", nil, []string{"--kafka-sasl-mechanism=PLAIN"}, `--kafka-sasl-mechanism: SASL PLAIN needs a username`},
		{"kafka server without port", "", nil, []string{"--kafka-server=localhost"}, `--kafka-server: "localhost": address localhost: missing port in address`},
		// A wrong value in the file is reported even when the command line overrides it.
		{"overridden bad compression", "kafka-compression: foo\n", nil, []string{"--kafka-compression=gzip"},
			`--kafka-compression (key "kafka-compression" in config file FILE, overridden by flag --kafka-compression): "foo": want none`},
		{"overridden bad port", "source-port: 70000\n", nil, []string{"--source-port=5000"},
			`--source-port (key "source-port" in config file FILE, overridden by flag --source-port): 70000 is out of range`},
		{"overridden by env", "queue-size: 0\n", map[string]string{"BMPSTREAM_QUEUE_SIZE": "8"}, nil,
			`--queue-size (key "queue-size" in config file FILE, overridden by environment variable BMPSTREAM_QUEUE_SIZE): 0: must be at least 1`},
		{"overridden unparsable", "source-port: five\n", nil, []string{"--source-port=5000"}, `line 1: key "source-port": invalid value "five" for --source-port`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := c.args
			want := c.want
			if c.file != "" {
				path := writeFile(t, "bmpstream.yaml", c.file)
				args = append([]string{"--config", path}, args...)
				want = strings.ReplaceAll(want, "FILE", path)
			}
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			// --print-config: never start the collector, even if the case were accepted.
			code, _, errs := mainOut(append(args, "--print-config")...)
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr %q", code, errs)
			}
			if !strings.Contains(errs, want) {
				t.Fatalf("stderr:\n%s\nwant it to contain:\n%s", errs, want)
			}
		})
	}
}

// TestInvalidConfigAllErrors: every problem is reported at once, and --print-config still
// prints (then exits 2).
func TestInvalidConfigAllErrors(t *testing.T) {
	path := writeFile(t, "c.yaml", "source-port: 70000\nqueue-size: 0\nallowed-routers: [x]\n")
	code, out, errs := mainOut("--config", path, "--print-config")
	if code != 2 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out, "source-port: 70000 # file") {
		t.Fatalf("stdout %q", out)
	}
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if len(lines) != 4 || lines[0] != "bmpstream: invalid configuration:" {
		t.Fatalf("stderr %q", errs)
	}
	for i, want := range []string{"--source-port", "--queue-size", "--allowed-routers"} {
		if !strings.HasPrefix(lines[i+1], "  "+want+" (") {
			t.Errorf("line %d %q, want %s", i+1, lines[i+1], want)
		}
	}
}

// FuzzConfigFile: any file content is applied or rejected with an error, never a panic.
func FuzzConfigFile(f *testing.F) {
	f.Add("source-port: 5000\nallowed-routers: [10.0.0.0/8]\n")
	f.Add("active-routers:\n  - a:1\n  - {x: y}\n")
	f.Add("- 1\n")
	f.Add("read-timeout: &a 1s\nshutdown-timeout: *a\n")
	f.Add("")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, content string) {
		path := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		o := defaultOptions()
		fs := newFlagSet(&o, io.Discard)
		s := &security{}
		s.AddFlags(fs)
		_ = fs.Parse(nil)
		if _, err := applyConfig(fs, path, nil, io.Discard); err == nil {
			_ = validate(&o, []Feature{s})
		}
	})
}
