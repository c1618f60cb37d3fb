package schemas

import (
	"os/exec"
	"testing"

	"github.com/bmpstream/bmpstream/internal/testutil"
)

// TestGeneratedFilesUpToDate: the committed clone and protobuf code of pkg/record, the
// .proto, its field-number lock and the JSON Schemas are what the generator makes of the
// current structs (a struct change without `make generate` fails here; the protoc-gen-go
// and Python code are checked by `make check-generate` in CI and by TestFieldSetsAgree).
func TestGeneratedFilesUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the generator")
	}
	cmd := exec.Command("go", "run", "-tags", "schemagen", "./internal/tools/schemagen", "-check")
	cmd.Dir = testutil.RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
}
