// Package replay holds the capture-replay acceptance tests of bmpstream. Every BMP capture
// of the shared test data ($BMP_TESTDATA/public and $BMP_TESTDATA/lab, including the
// single-message .bin files) is replayed over a real TCP socket on 127.0.0.1 to an
// in-process collector (internal/server with a publisher queue and an in-memory sink), one
// BMP session after the other, and the records that come out are summarised per session:
// records per "type/family/action", route records per RIB view, BMP messages per type,
// decode errors, ADD-PATH mismatches and how the session ended.
//
//   - TestReplayGolden compares each summary with its golden file in testdata/golden
//     (go test ./test/replay -update rewrites them) and checks per-session invariants
//     (sequence numbers 1..N without a gap, one record per non-route message, a torn
//     final message ends the session as torn_message).
//   - TestTornCapturesLossless replays the captures that end inside a message twice, torn
//     and cut at the last complete message, and requires the same records from both.
//   - TestCrossCheck verifies the same summaries against sources independent of bmpstream:
//     the BMP message counts of PROVENANCE.md, the per-stream decodes of the Python oracle
//     in $BMP_TESTDATA/oracle and the lab .summary.txt files (tshark and the oracle), and
//     hand decodes of the BMPv4 captures nothing else reads. Every known, justified
//     difference is listed in one table (knownDifferences) with the reason. -update writes
//     a golden file only when its capture passes this cross-check.
//   - TestFRRTwoOctetASPath pins the FRR "invalid BMP data" of pmacct 205/206 (a 2-byte
//     AS_PATH in a 4-byte session, accepted and counted) to the two messages that carry it.
//
// The captures are never copied into this repository; only the expected counts are.
// Without the shared test data every test skips with a loud reason (testutil.TestdataDir).
package replay

import (
	"flag"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/bmpstream/bmpstream/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden from the live replay")

func TestMain(m *testing.M) {
	// glog to stderr, not files in the temp directory; a loud notice when the shared
	// captures are missing (printed by Report at the end).
	testutil.Setup()
	goleak.VerifyTestMain(m,
		goleak.Cleanup(func(code int) { testutil.Report(); os.Exit(code) }),
		// glog's flush daemon is started by its init and lives as long as the process.
		goleak.IgnoreAnyFunction("github.com/golang/glog.(*fileSink).flushDaemon"),
	)
}
