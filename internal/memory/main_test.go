package memory

import (
	"testing"

	"github.com/bmpstream/bmpstream/internal/testutil"
)

// TestMain: glog to stderr, not files in the temp directory; a loud notice when the
// shared captures are missing (testutil.Main).
func TestMain(m *testing.M) { testutil.Main(m) }
