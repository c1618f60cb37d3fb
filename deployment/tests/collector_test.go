package tests

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// collector is a running bmpstream process.
type collector struct {
	bmpAddr     string // host:port of the BMP listener
	metricsAddr string // host:port of /metrics, /healthz, /readyz
	cmd         *exec.Cmd
}

var (
	listeningRE = regexp.MustCompile(`event=listening address=(\S+)`)
	metricsRE   = regexp.MustCompile(`event=metrics_listening address=(\S+)`)
)

// startCollector runs bmpstream with args on loopback and free ports (the caller's args
// come after --source-port=0 and --metrics-address=127.0.0.1:0 and may override them) and
// waits until both listeners are up. It is stopped with SIGTERM at the end of the test.
func startCollector(t *testing.T, env []string, args ...string) *collector {
	t.Helper()
	all := append([]string{"--bind-address=127.0.0.1", "--source-port=0", "--metrics-address=127.0.0.1:0"}, args...)
	cmd := exec.Command(filepath.Join(collectorBinaries(t), "bmpstream"), all...)
	cmd.Env = append(cleanEnv(), env...)
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &collector{cmd: cmd}
	found := make(chan struct{})
	var log strings.Builder
	logDone := make(chan struct{})
	go func() {
		defer close(logDone)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		signalled := false
		for sc.Scan() {
			line := sc.Text()
			if log.Len() < 64<<10 {
				log.WriteString(line + "\n")
			}
			if m := listeningRE.FindStringSubmatch(line); m != nil && c.bmpAddr == "" {
				c.bmpAddr = m[1]
			}
			if m := metricsRE.FindStringSubmatch(line); m != nil && c.metricsAddr == "" {
				c.metricsAddr = m[1]
			}
			if !signalled && c.bmpAddr != "" && c.metricsAddr != "" {
				signalled = true
				close(found)
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { <-logDone; done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil && !t.Failed() {
				t.Errorf("collector exit: %v\n%s", err, log.String())
			}
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("collector did not stop within 20 s of SIGTERM")
		}
	})
	select {
	case <-found:
	case <-logDone:
		t.Fatalf("collector exited before listening:\n%s", log.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("collector not listening after 30 s:\n%s", log.String())
	}
	return c
}

// get fetches path from the collector's metrics server.
func (c *collector) get(t *testing.T, path string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+c.metricsAddr+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// waitStatus polls path until it answers want (readiness follows the listener).
func (c *collector) waitStatus(t *testing.T, path string, want int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, body := c.get(t, path)
		if code == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %d %q, want %d", path, code, body, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
