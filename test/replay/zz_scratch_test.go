package replay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bmpstream/bmpstream/internal/capture"
)

func TestZZDump(t *testing.T) {
	root, rels := capturePaths(t)
	os.MkdirAll("/tmp/streams", 0o755)
	for _, rel := range rels {
		streams, err := capture.ReadFile(filepath.Join(root, rel), capture.Options{})
		if err != nil {
			continue
		}
		for i, st := range streams {
			name := strings.ReplaceAll(rel, "/", "__") + "." + string(rune('0'+i)) + ".bmp"
			os.WriteFile(filepath.Join("/tmp/streams", name), st.Data, 0o644)
			t.Logf("%s %s gaps=%d src=%s dst=%s", name, st.Name, st.Gaps, st.Src, st.Dst)
		}
	}
}
