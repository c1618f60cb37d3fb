// Package e2e tests bmpstream end to end against a real BMP speaker: GoBGP v4 runs
// in-process as the monitored router (the "DUT"), peered over loopback with a second
// in-process GoBGP that injects routes through the API, and exports BMP (RFC 7854 pre- and
// post-policy Adj-RIB-In, RFC 9069 Loc-RIB, statistics) to bmpstream's own BMP server,
// also in-process. The tests assert on the records bmpstream publishes, exactly: order,
// sequence numbers, every field of every record, and the collector's counters against an
// independent count of the raw BMP stream.
//
//   - TestGoBGPEndToEnd: a whole session (IPv4 and IPv6 unicast over an IPv4 peering, an
//     import policy so that the views differ, statistics, withdrawals, Peer Down with an
//     administrative shutdown message, Loc-RIB Peer Down, Termination);
//   - TestGoBGPIPv6Session: the same over an IPv6 peering (::1);
//   - TestGoBGPLocRIBUndeclaredAddPath: labelled unicast, whose Loc-RIB NLRI carry path
//     IDs the Loc-RIB Peer Up does not declare (a GoBGP 4.8 quirk);
//   - TestGoBGPStationAttachedLate: the state dump a station attached late receives, with
//     End-of-RIB markers;
//   - TestGoBGPEVPN: EVPN types 2, 3 (with a PMSI tunnel) and 5 in the three views, every
//     field of every evpn record;
//   - TestGoBGPVPN: VPNv4 and VPNv6 routes (every RD type, labels, a route target) as
//     l3vpn records in the three views.
//
// Only loopback addresses are used (127.0.0.1, 127.0.0.2 and ::1). GOBGP_LOG=1 prints
// GoBGP's debug log; BMPSTREAM_E2E_DUMP=FILE writes the records of the last end-to-end
// session as JSON Lines and BMPSTREAM_E2E_CAPTURE=FILE the raw BMP stream of the last
// test (both meant for -run with one test).
package e2e

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/bmpstream/bmpstream/internal/testutil"
)

func TestMain(m *testing.M) {
	// glog to stderr, not files in the temp directory; a loud notice when the shared
	// captures are missing (printed by Report at the end).
	testutil.Setup()
	goleak.VerifyTestMain(m,
		goleak.Cleanup(func(code int) { testutil.Report(); os.Exit(code) }),
		// glog's flush daemon is started by its init and lives as long as the process.
		goleak.IgnoreAnyFunction("github.com/golang/glog.(*fileSink).flushDaemon"),
		// GoBGP 4.8: Stop can leave a peer's outgoing queue goroutine parked (about 1 run
		// in 40): the queue is drained non-blockingly when the peer is closed.
		goleak.IgnoreTopFunction("github.com/eapache/channels.(*InfiniteChannel).infiniteBuffer"),
	)
}
