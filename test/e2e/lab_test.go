package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/pkg/publisher"
	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	gobgp "github.com/osrg/gobgp/v4/pkg/server"
)

// Deadlines of the condition waits: generous, the machine may be slow (-race, shared cores).
const (
	waitLong  = 60 * time.Second // BGP session establishment (first dial after ~2 s)
	waitShort = 30 * time.Second // everything else
)

// lab is the DUT (AS 65001, passive on dutAddr:port) exporting BMP to the collector,
// and the injector (AS 65002, dialling from injAddr), peered for the given families.
//
//	injector --BGP--> DUT --BMP--> tap --> bmpstream server --> queue --> memSink
type lab struct {
	t        *testing.T
	col      *collector
	tap      *tap // between the DUT and the collector
	dut, inj *gobgp.BgpServer
	dutPort  int32
	// dutAddr and injAddr are the BGP session's addresses (127.0.0.1 and 127.0.0.2, or
	// ::1 for both).
	dutAddr, injAddr string
	families         []bgp.Family
	states           <-chan bgp.FSMState // state changes of the DUT's neighbour

	start                               time.Time
	stopWatch, delBMP, stopInj, stopDUT func()
}

// labOptions configure a lab.
type labOptions struct {
	families []bgp.Family
	// setup (may be nil) configures the DUT before any neighbour exists (policies).
	setup func(dut *gobgp.BgpServer)
	// ipv6 runs the BGP session over ::1 instead of 127.0.0.2 -> 127.0.0.1.
	ipv6 bool
	// wrap, when set, puts a publisher stage (e.g. the route table's) in front of the sink.
	wrap func(publisher.Publisher) publisher.Publisher
}

// newLab starts the collector and both speakers. Everything is stopped at the end of
// the test.
func newLab(t *testing.T, o labOptions) *lab {
	l := &lab{t: t, families: o.families, start: time.Now(), delBMP: func() {},
		dutAddr: dutAddr, injAddr: injAddr}
	if o.ipv6 {
		l.dutAddr, l.injAddr = loopback6, loopback6
	}
	l.col = startCollector(t, o.wrap)
	t.Cleanup(l.col.stop)
	l.tap = startTap(t, l.col.srv.Addr().String())
	t.Cleanup(l.tap.close)
	l.dutPort = freePort(t, l.dutAddr)
	l.dut = startSpeaker(t, dutASN, dutID, l.dutPort, []string{l.dutAddr})
	l.stopDUT = sync.OnceFunc(l.dut.Stop)
	t.Cleanup(l.stopDUT)
	l.inj = startSpeaker(t, injASN, injID, -1, nil)
	l.stopInj = sync.OnceFunc(l.inj.Stop)
	t.Cleanup(l.stopInj)
	if o.setup != nil {
		o.setup(l.dut)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.stopWatch = cancel
	t.Cleanup(cancel)
	l.states = sessionStates(t, ctx, l.dut)
	return l
}

func (l *lab) lap(what string) { l.t.Logf("%-40s at %6.3fs", what, time.Since(l.start).Seconds()) }

// attachBMP points the DUT's BMP client at the collector (pre-policy, post-policy and
// Loc-RIB; statistics every second) and waits for the Initiation and the Loc-RIB Peer
// Up, which GoBGP writes right after registering its watchers: no later event is missed.
func (l *lab) attachBMP(sysName, sysDescr string) {
	t := l.t
	t.Helper()
	err := l.dut.AddBmp(context.Background(), &api.AddBmpRequest{
		Address: routerAddr, Port: l.tap.port(),
		Policy:            api.AddBmpRequest_MONITORING_POLICY_ALL,
		StatisticsTimeout: 1, // the API accepts 1 s (only gobgpd's config file enforces 15 s)
		SysName:           sysName, SysDescr: sysDescr,
	})
	if err != nil {
		t.Fatalf("AddBmp: %v", err)
	}
	l.delBMP = sync.OnceFunc(func() {
		// An error here only means the station was already deleted.
		_ = l.dut.DeleteBmp(context.Background(), &api.DeleteBmpRequest{Address: routerAddr, Port: l.tap.port()})
	})
	t.Cleanup(l.delBMP)
	waitFor(t, waitShort, "the router init and Loc-RIB peer up records", func() bool {
		return l.col.has(isType("router", "init")) && l.col.has(isPeer("up", 3, ""))
	}, l.col.latest())
	l.lap("BMP session up")
}

// connect peers the speakers and waits until routes can be injected safely.
func (l *lab) connect() {
	t := l.t
	t.Helper()
	l.peerSpeakers()
	// Two GoBGP 4.8 races make these waits necessary before the first route:
	// - the DUT's BMP client serialises the peer's OPEN for the Peer Up while the FSM
	//   goroutine serialises the same capabilities for each UPDATE (-race reports it):
	//   inject only once the Peer Up has reached the collector;
	// - the injector announces Established before it stores the state, and a path added
	//   in between is never sent: wait until ListPeer reports Established.
	waitFor(t, waitShort, "the peer up record of "+l.injAddr, func() bool {
		return l.col.has(isPeer("up", 0, l.injAddr))
	}, l.col.latest())
	l.waitInjector()
	l.lap("peer up recorded, injector ready")
}

// connectWithoutBMP peers the speakers while no BMP station is attached.
func (l *lab) connectWithoutBMP() {
	l.t.Helper()
	l.peerSpeakers()
	l.waitInjector()
	l.lap("injector ready")
}

func (l *lab) waitInjector() {
	waitFor(l.t, waitShort, "the injector to store Established", func() bool {
		return established(l.t, l.inj, l.dutAddr)
	}, nil)
}

func (l *lab) peerSpeakers() {
	t := l.t
	t.Helper()
	ctx := context.Background()
	if err := l.dut.AddPeer(ctx, &api.AddPeerRequest{Peer: neighbor(l.injAddr, injASN,
		&api.Transport{LocalAddress: l.dutAddr, PassiveMode: true}, l.families...)}); err != nil {
		t.Fatalf("DUT AddPeer: %v", err)
	}
	if err := l.inj.AddPeer(ctx, &api.AddPeerRequest{Peer: neighbor(l.dutAddr, dutASN,
		&api.Transport{LocalAddress: l.injAddr, RemotePort: uint32(l.dutPort)}, l.families...)}); err != nil {
		t.Fatalf("injector AddPeer: %v", err)
	}
	waitState(t, waitLong, l.states, "established", func(s bgp.FSMState) bool { return s == bgp.BGP_FSM_ESTABLISHED })
	l.lap("BGP session established")
}

func (l *lab) inject(rs []*route) {
	l.t.Helper()
	if _, err := l.inj.AddPath(apiutil.AddPathRequest{Paths: paths(rs, all)}); err != nil {
		l.t.Fatalf("AddPath: %v", err)
	}
}

func (l *lab) withdraw(rs []*route) {
	l.t.Helper()
	if err := l.inj.DeletePath(apiutil.DeletePathRequest{Paths: paths(rs, all)}); err != nil {
		l.t.Fatalf("DeletePath: %v", err)
	}
}

// waitRIB waits until the DUT's global RIB holds want[f] destinations of each family.
func (l *lab) waitRIB(want map[bgp.Family]int) {
	t := l.t
	t.Helper()
	got := map[bgp.Family]int{}
	waitFor(t, waitShort, fmt.Sprintf("the DUT's RIB to hold %v", want), func() bool {
		for _, f := range l.families {
			if got[f] = ribSize(t, l.dut, f); got[f] != want[f] {
				return false
			}
		}
		return true
	}, func() string { return fmt.Sprintf(" (holds %v)", got) })
}

// waitViews waits until the collector holds, per view, the given number of route records
// of the given action ("pre", "post", "loc").
func (l *lab) waitViews(action string, want map[string]int) {
	t := l.t
	t.Helper()
	got := map[string]int{}
	waitFor(t, waitShort, fmt.Sprintf("%q route records %v", action, want), func() bool {
		rs := l.col.records()
		ok := true
		for v, n := range want {
			if got[v] = len(filter(rs, isRoute(v, action))); got[v] != n {
				ok = false
			}
		}
		return ok
	}, func() string { return fmt.Sprintf(" (have %v)", got) + l.col.latest()() })
}

// shutdownPeer makes the injector close the session with a Cease / Administrative
// Shutdown NOTIFICATION carrying msg (RFC 9003) and waits for the Peer Down record.
func (l *lab) shutdownPeer(msg string) {
	t := l.t
	t.Helper()
	if err := l.inj.DisablePeer(context.Background(), &api.DisablePeerRequest{Address: l.dutAddr, Communication: msg}); err != nil {
		t.Fatalf("DisablePeer: %v", err)
	}
	waitState(t, waitShort, l.states, "down", func(s bgp.FSMState) bool { return s != bgp.BGP_FSM_ESTABLISHED })
	waitFor(t, waitShort, "the peer down record of "+l.injAddr, func() bool {
		return l.col.has(isPeer("down", 0, l.injAddr))
	}, l.col.latest())
	l.lap("peer down recorded")
}

// detachBMP deletes the DUT's BMP station (GoBGP then sends the Loc-RIB Peer Down and
// the Termination and closes) and waits for the collector's session to end on EOF.
func (l *lab) detachBMP() {
	t := l.t
	t.Helper()
	// GoBGP quirk: DeleteBmp discards the events still queued in its BMP client. The
	// callers have waited for every record they expect; this quiet period also lets
	// unexpected late messages arrive, so that the assertions see them.
	l.col.waitQuiet(t, waitShort, 300*time.Millisecond)
	if err := l.dut.DeleteBmp(context.Background(), &api.DeleteBmpRequest{Address: routerAddr, Port: l.tap.port()}); err != nil {
		t.Fatalf("DeleteBmp: %v", err)
	}
	waitFor(t, waitShort, "the BMP session to end (EOF)", func() bool {
		return l.col.srv.Stats.Ended(server.EndEOF) == 1
	}, l.col.latest())
	l.lap("BMP session ended")
}

// shutdown stops everything in order (watchers, BMP station, speakers, then the collector,
// which drains its queue into the sink) so that the sink holds the final output.
func (l *lab) shutdown() {
	l.stopWatch()
	l.delBMP()
	l.stopInj()
	l.stopDUT()
	l.tap.close()
	l.col.stop()
	l.lap("everything stopped")
	if path := os.Getenv("BMPSTREAM_E2E_CAPTURE"); path != "" {
		if err := os.WriteFile(path, l.tap.bytes(), 0o644); err != nil {
			l.t.Errorf("capture: %v", err)
		}
	}
}

// checkDecodeErrors fails the test for any decode error the collector counted, any AS
// width fallback (GoBGP's AS_PATHs match the per-peer header's A flag) and any record
// the sink could not parse as JSON.
func (l *lab) checkDecodeErrors() {
	var errs []string
	for _, k := range session.ErrorKinds() {
		if n := l.col.counters.DecodeErrors[k].Load(); n != 0 {
			errs = append(errs, fmt.Sprintf("%d %v", n, k))
		}
	}
	if len(errs) > 0 {
		l.t.Errorf("decode errors: %s", strings.Join(errs, ", "))
	}
	if n := l.col.counters.ASWidthMismatches.Load(); n != 0 {
		l.t.Errorf("%d AS width mismatches", n)
	}
	l.col.sink.mu.Lock()
	defer l.col.sink.mu.Unlock()
	for _, err := range l.col.sink.errs {
		l.t.Error(err)
	}
}

// announceWithdraw injects paths, waits for the DUT's RIB (want) and for an add record of
// every path in the pre-policy, post-policy and Loc-RIB views, withdraws withdraw and
// waits for its del record in the three views; then detaches BMP, shuts the speakers down
// and returns every record. match selects the records of the family under test.
func (l *lab) announceWithdraw(paths []*apiutil.Path, want map[bgp.Family]int, withdraw *apiutil.Path,
	match func(view, action string) func(rec) bool) []rec {
	t := l.t
	t.Helper()
	if _, err := l.inj.AddPath(apiutil.AddPathRequest{Paths: paths}); err != nil {
		t.Fatalf("AddPath: %v", err)
	}
	l.waitRIB(want)
	inAllViews := func(action string, n int) func() bool {
		return func() bool {
			rs := l.col.records()
			for _, view := range []string{"pre", "post", "loc"} {
				if len(filter(rs, match(view, action))) != n {
					return false
				}
			}
			return true
		}
	}
	waitFor(t, waitShort, "add records in every view", inAllViews("add", len(paths)), l.col.latest())
	if err := l.inj.DeletePath(apiutil.DeletePathRequest{Paths: []*apiutil.Path{withdraw}}); err != nil {
		t.Fatalf("DeletePath: %v", err)
	}
	waitFor(t, waitShort, "the withdrawal in every view", inAllViews("del", 1), l.col.latest())
	l.detachBMP()
	l.shutdown()
	l.col.dump(t)
	return l.col.records()
}
