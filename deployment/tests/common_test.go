// Package tests checks what operators deploy: the container image, the Helm chart and the
// manifests rendered from it, the compose stack, the Prometheus alert rules and the
// Grafana dashboard, each against the real collector binary.
package tests

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// root is the repository's top directory (this package is deployment/tests).
func root(t testing.TB) string {
	t.Helper()
	r, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// deploymentDir is deployment/.
func deploymentDir(t testing.TB) string { return filepath.Join(root(t), "deployment") }

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// collectorBinaries builds bmpstream and bmpreplay from this checkout once per test run
// and returns the directory holding them.
func collectorBinaries(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bmpstream-deploy-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binDir = dir
		for _, cmd := range []string{"bmpstream", "bmpreplay"} {
			c := exec.Command("go", "build", "-o", filepath.Join(dir, cmd), "./cmd/"+cmd)
			c.Dir = root(t)
			if out, err := c.CombinedOutput(); err != nil {
				buildErr = &buildError{cmd, err, out}
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

type buildError struct {
	cmd string
	err error
	out []byte
}

func (e *buildError) Error() string {
	return "building " + e.cmd + ": " + e.err.Error() + "\n" + string(e.out)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// runCollector runs the built bmpstream with args and returns exit code and output.
func runCollector(t testing.TB, env []string, args ...string) (int, string, string) {
	t.Helper()
	c := exec.Command(filepath.Join(collectorBinaries(t), "bmpstream"), args...)
	c.Env = append(cleanEnv(), env...)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), out.String(), errb.String()
		}
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

// cleanEnv is the environment without BMPSTREAM_* variables, which would change the
// collector's configuration.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if len(kv) >= 10 && kv[:10] == "BMPSTREAM_" {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func itoa(i int) string { return strconv.Itoa(i) }
