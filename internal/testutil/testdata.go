// Package testutil holds helpers shared by tests: locating the shared BMP captures
// (BMP_TESTDATA) and walking raw BMP streams.
package testutil

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestdataDir returns the directory of the shared captures: $BMP_TESTDATA, or
// ../shared/testdata next to the repository. When neither exists the test is skipped, and
// the reason printed to stderr once per test binary (and counted by Report); with CI=true
// the test fails instead, so a CI run can never pass without the captures.
func TestdataDir(t testing.TB) string {
	t.Helper()
	dir, ok := LookupTestdata()
	if !ok {
		if InCI() {
			t.Fatalf("shared BMP captures not found at %q and %s=%s: set BMP_TESTDATA to the shared/testdata directory", dir, CIEnv, os.Getenv(CIEnv))
		}
		noteMissing(dir)
		t.Skipf("SKIPPING: shared BMP captures not found at %q: set BMP_TESTDATA to the shared/testdata directory to run this test", dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// LookupTestdata returns the directory of the shared captures ($BMP_TESTDATA, or
// ../shared/testdata next to the repository) and whether it exists. Fuzz seeds use it to
// go on without the captures; tests use TestdataDir.
func LookupTestdata() (string, bool) {
	dir := os.Getenv("BMP_TESTDATA")
	if dir == "" {
		dir = filepath.Join(RepoRoot(), "..", "shared", "testdata")
	}
	st, err := os.Stat(dir)
	return dir, err == nil && st.IsDir()
}

// RepoRoot returns the repository root (the directory holding go.mod).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// SplitBMP splits a raw BMP byte stream into whole messages by walking the common headers.
// A torn final message is returned in rest.
func SplitBMP(stream []byte) (msgs [][]byte, rest []byte) {
	for len(stream) >= 6 {
		n := int(binary.BigEndian.Uint32(stream[1:5]))
		if n < 6 || n > len(stream) {
			break
		}
		msgs = append(msgs, stream[:n])
		stream = stream[n:]
	}
	return msgs, stream
}

// WaitFor polls cond until it holds, failing the test after two minutes. Tests wait on
// conditions, never on fixed sleeps: the machines running them are shared and slow under
// -race, so the deadline is generous and is never a timing assertion.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
