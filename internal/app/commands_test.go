package app

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/testutil"
)

// TestUnknownCommandAndStrayArguments: a first argument that is not a flag must name a
// command; stray positional arguments after the collector's flags are refused. Both exit
// 2 with a usage message and never start a collector (which would listen on port 5000).
func TestUnknownCommandAndStrayArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"gen"}, []string{`unknown command "gen"`, "bmpstream inspect [flags] FILE|DIR...", "Usage:"}},
		{[]string{"inpsect", "x.pcap"}, []string{`unknown command "inpsect"`, `did you mean "inspect"?`}},
		{[]string{"inspec"}, []string{`did you mean "inspect"?`}},
		{[]string{"--source-port=0", "x.pcap"}, []string{`unexpected argument "x.pcap"`, "commands: ", "inspect"}},
		{[]string{"--metrics-address=", "--source-port", "0", "gen"}, []string{`unexpected argument "gen"`}},
	} {
		code, stdout, stderr := mainOut(tc.args...)
		if code != 2 || stdout != "" {
			t.Errorf("%q: exit %d, stdout %q", tc.args, code, stdout)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%q: stderr lacks %q:\n%s", tc.args, w, stderr)
			}
		}
	}
	if _, _, stderr := mainOut("zzzzzz"); strings.Contains(stderr, "did you mean") {
		t.Errorf("suggestion for an unrelated word: %s", stderr)
	}
}

func TestRegisterCommand(t *testing.T) {
	RegisterCommand(Command{Name: "zz-test", Synopsis: "ARG", Summary: "a test command",
		Run: func(args []string, _, _ io.Writer) int { return len(args) }})
	defer delete(commands, "zz-test")
	if code, _, _ := mainOut("zz-test", "a", "b", "c"); code != 3 {
		t.Fatalf("dispatch: exit %d", code)
	}
	if _, out, _ := mainOut("--help"); !strings.Contains(out, "bmpstream zz-test ARG") || !strings.Contains(out, "a test command") {
		t.Fatalf("usage lacks the registered command:\n%s", out)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("registering a name twice did not panic")
		}
	}()
	RegisterCommand(Command{Name: "inspect"})
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		d    int
	}{{"inspect", "inspect", 0}, {"inpsect", "inspect", 1}, {"inspec", "inspect", 1}, {"gen", "inspect", 6}, {"", "ab", 2}} {
		if got := editDistance(tc.a, tc.b); got != tc.d {
			t.Errorf("%q %q: %d, want %d", tc.a, tc.b, got, tc.d)
		}
	}
}

// TestInspectDecodeErrors: a message that fails to decode is reported in the summary
// (count and kind) and makes inspect exit 1; --allow-errors exits 0 with the same summary.
// A directory is expanded to the captures it holds.
func TestInspectDecodeErrors(t *testing.T) {
	dir := t.TempDir()
	good := gen.Initiation("r1", "good")
	// A Peer Up of 10 bytes: too short for the per-peer header. Each stream also gets the
	// router term synthesized at its end (no Termination message).
	bad := append(gen.Initiation("r2", "bad"), 3, 0, 0, 0, 10, 3, 0, 0, 0, 0)
	if err := os.WriteFile(filepath.Join(dir, "a-good.bmp"), good, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b-bad.bmp"), bad, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a capture"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := mainOut("inspect", filepath.Join(dir, "b-bad.bmp"))
	if code != 1 || !strings.Contains(stderr, "2 messages, 2 records, 1 decode errors (bmp=1): FAILED") || strings.Count(stdout, "\n") != 2 {
		t.Fatalf("bad file: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	code, _, stderr2 := mainOut("inspect", "--allow-errors", filepath.Join(dir, "b-bad.bmp"))
	if code != 0 || !strings.Contains(stderr2, "1 decode errors (bmp=1): FAILED") {
		t.Fatalf("--allow-errors: exit %d\n%s", code, stderr2)
	}
	code, _, stderr = mainOut("inspect", "-q", filepath.Join(dir, "b-bad.bmp"))
	if code != 1 || !strings.Contains(stderr, "FAILED") {
		t.Fatalf("-q hides a failure: exit %d %q", code, stderr)
	}
	code, stdout, stderr = mainOut("inspect", dir)
	for _, want := range []string{"a-good.bmp", "1 messages, 2 records, 0 decode errors: ok", "b-bad.bmp", "total (2 files, 2 streams, 1 failed): 3 messages, 4 records, 1 decode errors (bmp=1): FAILED"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("directory: stderr lacks %q:\n%s", want, stderr)
		}
	}
	if code != 1 || strings.Count(stdout, `"sys_name"`) != 2 {
		t.Fatalf("directory: exit %d, stdout %s", code, stdout)
	}
	if code, _, stderr := mainOut("inspect", filepath.Join(dir, "a-good.bmp")); code != 0 || strings.Contains(stderr, "FAILED") {
		t.Fatalf("good file: exit %d %s", code, stderr)
	}
	empty := t.TempDir()
	if code, _, stderr := mainOut("inspect", empty); code != 1 || !strings.Contains(stderr, "no *.pcap") {
		t.Fatalf("empty directory: exit %d %s", code, stderr)
	}
	if code, out, stderr := mainOut("inspect", "--help"); code != 0 || !strings.Contains(out, "Usage: bmpstream inspect") || stderr != "" {
		t.Fatalf("inspect --help: exit %d out %q err %q", code, out, stderr)
	}
}

// TestMakeRunStdout: `make run` writes nothing but the collector's own output to stdout
// (make's command echo and the build's output would break `make run | jq`). RUN_FLAGS
// replaces the collector's flags with --version, so no port is involved.
func TestMakeRunStdout(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	cmd := exec.Command("make", "run", "RUN_FLAGS=--version", "VERSION=v0.0.0-maketest", "BIN="+t.TempDir())
	cmd.Dir = testutil.RepoRoot()
	// As a user types it: not a sub-make of `make test` (whose MAKELEVEL would make this
	// make print "Entering directory" lines on stdout).
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "MAKELEVEL" && k != "MAKEFLAGS" && k != "MFLAGS" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("make run: %v\n%s", err, stderr.String())
	}
	if string(out) != "bmpstream v0.0.0-maketest\n" {
		t.Fatalf("make run stdout %q, want only the collector's output", out)
	}
}
