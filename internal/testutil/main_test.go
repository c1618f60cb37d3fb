package testutil

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golang/glog"
)

func TestMain(m *testing.M) { Main(m) }

// TestGlogToStderr: after Setup (run by Main), glog writes to stderr and creates no log
// file in the system temp directory.
func TestGlogToStderr(t *testing.T) {
	if got := flag.Lookup("logtostderr").Value.String(); got != "true" {
		t.Fatalf("logtostderr=%s after Setup", got)
	}
	prog := filepath.Base(os.Args[0])
	before, _ := filepath.Glob(filepath.Join(os.TempDir(), prog+".*"))
	glog.Info("testutil: a line that must not go to a file")
	glog.Flush()
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), prog+".*"))
	if len(after) != len(before) {
		t.Fatalf("glog created files in %s: %v", os.TempDir(), after)
	}
}

// recorder is a testing.TB that records Skipf and Fatalf instead of ending the test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = format
	panic(r)
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = format
	panic(r)
}

func callTestdataDir(r *recorder) {
	defer func() {
		if p := recover(); p != nil && p != r {
			panic(p)
		}
	}()
	TestdataDir(r)
}

// TestMissingTestdata: without the captures a test skips (counted for Report), and under
// CI=true it fails instead.
func TestMissingTestdata(t *testing.T) {
	t.Setenv("BMP_TESTDATA", filepath.Join(t.TempDir(), "absent"))
	t.Setenv(CIEnv, "")
	n := skipped.Load()
	r := &recorder{TB: t}
	callTestdataDir(r)
	if r.skipped == "" || r.failed != "" || skipped.Load() != n+1 {
		t.Fatalf("without CI: skipped %q failed %q count %d→%d", r.skipped, r.failed, n, skipped.Load())
	}
	if !strings.Contains(missingReason(), "BMP_TESTDATA") {
		t.Fatalf("reason %q", missingReason())
	}
	skipped.Store(n) // this package has no real capture test to report
	for _, ci := range []string{"true", "1", "TRUE"} {
		t.Setenv(CIEnv, ci)
		r = &recorder{TB: t}
		callTestdataDir(r)
		if r.failed == "" || r.skipped != "" {
			t.Fatalf("CI=%s: skipped %q failed %q", ci, r.skipped, r.failed)
		}
	}
	t.Setenv(CIEnv, "false")
	r = &recorder{TB: t}
	callTestdataDir(r)
	if r.skipped == "" {
		t.Fatal("CI=false: not skipped")
	}
	skipped.Store(n)
}
