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

// TestEveryPackageUsesMain: every test package of the module has a TestMain that runs
// Main or Setup, so no test binary (nor fuzz worker) writes glog files to the system temp
// directory and every capture test reports missing captures. A new test package without
// one fails here.
func TestEveryPackageUsesMain(t *testing.T) {
	root := RepoRoot()
	dirs := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			// examples/ are stand-alone consumers to copy: they import nothing internal.
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor" ||
				path == filepath.Join(root, "examples")) {
				return filepath.SkipDir
			}
			if path != root {
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					return filepath.SkipDir // another module
				}
			}
			return nil
		}
		if strings.HasSuffix(path, "_test.go") {
			dirs[filepath.Dir(path)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 10 {
		t.Fatalf("only %d test packages found under %s", len(dirs), root)
	}
	for dir := range dirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
		ok := false
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s := string(b)
			if strings.Contains(s, "func TestMain(") && (strings.Contains(s, "testutil.Main(m)") ||
				strings.Contains(s, "testutil.Setup()") || strings.Contains(s, "{ Main(m) }")) {
				ok = true
				break
			}
		}
		if !ok {
			rel, _ := filepath.Rel(root, dir)
			t.Errorf("%s: no TestMain calling testutil.Main or testutil.Setup (add main_test.go: func TestMain(m *testing.M) { testutil.Main(m) })", rel)
		}
	}
}
