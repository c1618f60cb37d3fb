package testutil

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Main is the TestMain of every test package of the repository:
//
//	func TestMain(m *testing.M) { testutil.Main(m) }
//
// It runs Setup, the tests, and Report, and exits with the tests' status.
func Main(m *testing.M) {
	Setup()
	code := m.Run()
	Report()
	os.Exit(code)
}

// Setup prepares the test binary (call it first in a TestMain that cannot use Main):
// glog writes to stderr instead of files in the system temp directory (go test shows
// stderr only for a failing package or with -v; fuzz workers discard it), unless the
// command line chose -log_dir, -logtostderr or -alsologtostderr itself.
func Setup() {
	if !flag.Parsed() {
		flag.Parse()
	}
	chosen := false
	flag.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "log_dir", "logtostderr", "alsologtostderr":
			chosen = true
		}
	})
	if f := flag.Lookup("logtostderr"); f != nil && !chosen {
		_ = f.Value.Set("true")
	}
}

// Report prints, once at the end of a test binary, how many capture tests skipped
// because the shared captures are missing (see TestdataDir).
func Report() {
	if n := skipped.Load(); n > 0 {
		fmt.Fprintf(os.Stderr, "\n%s\n*** %d capture test(s) of this package SKIPPED: %s\n%s\n\n",
			banner, n, missingReason(), banner)
	}
}

// CIEnv is the environment variable that marks a CI run: with CI=true (or 1) a missing
// BMP_TESTDATA fails the capture tests instead of skipping them.
const CIEnv = "CI"

// InCI reports whether CIEnv is set to true or 1.
func InCI() bool {
	v := strings.ToLower(os.Getenv(CIEnv))
	return v == "true" || v == "1"
}

const banner = "********************************************************************************"

var (
	skipped    atomic.Int64
	noticeOnce sync.Once
	missingDir string
)

func missingReason() string {
	return fmt.Sprintf("the shared BMP captures are not at %q; set BMP_TESTDATA to the shared/testdata directory (CI=true turns this skip into a failure)", missingDir)
}

// noteMissing records a missing testdata directory: the first time, a notice goes to
// stderr at once (visible with go test -v or in local directory mode); Report repeats it
// with the count at the end.
func noteMissing(dir string) {
	skipped.Add(1)
	noticeOnce.Do(func() {
		missingDir = dir
		fmt.Fprintf(os.Stderr, "%s\n*** SKIPPING capture tests: %s\n%s\n", banner, missingReason(), banner)
	})
}
