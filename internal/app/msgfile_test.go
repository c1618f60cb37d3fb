package app

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/testutil"
)

// sendSession sends one router session (Initiation, Termination: 2 records) to addr and
// closes the connection.
func sendSession(t *testing.T, addr, name string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(append(gen.Initiation(name, "msgfile test"), gen.Termination(0)...)); err != nil {
		t.Fatal(err)
	}
}

// TestMsgFileAppendAndRotate: --msg-file is appended to, across restarts; on SIGHUP the
// collector reopens it, so a file renamed by logrotate keeps the records written before
// and a new file at the path gets the later ones. Nothing is lost or written twice.
func TestMsgFileAppendAndRotate(t *testing.T) {
	out := filepath.Join(t.TempDir(), "records.json")
	if err := os.WriteFile(out, []byte("{\"type\":\"before\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--source-port=0", "--bind-address=127.0.0.1", "--metrics-address=127.0.0.1:0", "--dump=file", "--msg-file=" + out}
	p := startProc(t, args...)
	addr := p.field(t, "listening", "address")
	sendSession(t, addr, "first")
	testutil.WaitFor(t, "first session's records", func() bool { return countLines(t, out) == 3 })

	// logrotate: rename, then SIGHUP.
	if err := os.Rename(out, out+".1"); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	p.field(t, "reopened", "output")
	sendSession(t, addr, "second")
	testutil.WaitFor(t, "second session's records in the new file", func() bool {
		_, err := os.Stat(out)
		return err == nil && countLines(t, out) == 2
	})
	if code := p.stop(t); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if n := countLines(t, out+".1"); n != 3 {
		t.Fatalf("rotated file: %d lines, want 3 (the line before the start and the first session)", n)
	}

	// A restart appends to the file.
	p = startProc(t, args...)
	sendSession(t, p.field(t, "listening", "address"), "third")
	testutil.WaitFor(t, "third session's records appended", func() bool { return countLines(t, out) == 4 })
	if code := p.stop(t); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	b, _ := os.ReadFile(out)
	for _, name := range []string{`"sys_name":"second"`, `"sys_name":"third"`} {
		if !contains(b, name) {
			t.Errorf("file lacks %s:\n%s", name, b)
		}
	}
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }
