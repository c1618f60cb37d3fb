package e2e

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"

	"github.com/bmpstream/bmpstream/internal/rib"
	"github.com/bmpstream/bmpstream/pkg/publisher"
)

// TestGoBGPRIBRestart: the collector runs the route table as a stage with
// --rib-suppress-duplicates semantics. The injector's BGP session is shut down and
// re-established with a changed table (one route unchanged, one with new attributes, one
// withdrawn while down, one new). GoBGP withdraws the pre-policy (and Loc-RIB) routes
// before the Peer Down but not the post-policy ones, which the table keeps, stale. After
// the Peer Up the unchanged post-policy route is not published again, the changed and new
// ones are, and the one withdrawn while down is published as a synthesized del
// (stale-route sweep; GoBGP sends no End-of-RIB for a re-established peer, so the timer
// does it). Both views end with exactly the new state.
func TestGoBGPRIBRestart(t *testing.T) {
	tb := rib.New(rib.Config{SuppressDuplicates: true, StaleTimeout: 15 * time.Second})
	var stage *rib.Stage
	l := newLab(t, labOptions{families: []bgp.Family{bgp.RF_IPv4_UC}, wrap: func(next publisher.Publisher) publisher.Publisher {
		stage = &rib.Stage{T: tb, Next: next}
		stage.StartSweeper(200 * time.Millisecond)
		t.Cleanup(stage.StopSweeper)
		return stage
	}})
	mk := func(i int, med uint32) *route {
		return &route{family: bgp.RF_IPv4_UC, prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 9, byte(i), 0}), 24),
			nexthop: netip.MustParseAddr(injAddr), med: med, communities: []uint32{injASN<<16 | 7}, large: [3]uint32{1, 2, 3}}
	}
	a, b, c := mk(1, 10), mk(2, 20), mk(3, 30)
	l.attachBMP(sysName, sysDescr)
	l.connect()
	l.inject([]*route{a, b, c})
	l.waitViews("add", map[string]int{"pre": 3, "post": 3})
	paths := func(view rib.View) []string {
		rs, _, err := tb.Routes(rib.Query{Views: []rib.View{view}, Families: []rib.Family{rib.IPv4Unicast}})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rs {
			if r.Peer.IP.String() == injAddr {
				out = append(out, fmt.Sprintf("%s med=%d stale=%v", r.Prefix, *r.Attrs.MED, r.Stale))
			}
		}
		return out
	}
	waitFor(t, waitShort, "the table's pre-policy view", func() bool { return len(paths(rib.AdjInPre)) == 3 }, nil)

	l.shutdownPeer("restart with a changed table")
	if got := paths(rib.AdjInPre); len(got) != 0 {
		t.Fatalf("pre-policy after Peer Down (GoBGP withdrew them): %v", got)
	}
	if got := paths(rib.AdjInPost); !slices.Equal(got, []string{"10.9.1.0/24 med=10 stale=true", "10.9.2.0/24 med=20 stale=true", "10.9.3.0/24 med=30 stale=true"}) {
		t.Fatalf("after Peer Down: %v; records: %s", got, summary(l.col.records(), 20))
	}
	mark := l.col.count()
	b2, d := mk(2, 21), mk(4, 40)
	// The injector re-establishes with an empty table and announces the new one once the
	// Peer Up is recorded (GoBGP 4.8 races serialising the OPEN for the Peer Up against
	// UPDATEs sent at establishment; see lab.connect).
	l.withdraw([]*route{a, b, c})
	if err := l.inj.EnablePeer(context.Background(), &api.EnablePeerRequest{Address: l.dutAddr}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, waitLong, "the second peer up record", func() bool {
		return len(filter(l.col.records(), isPeer("up", 0, l.injAddr))) == 2
	}, l.col.latest())
	l.waitInjector()
	l.inject([]*route{a, b2, d})
	want := []string{"10.9.1.0/24 med=10 stale=false", "10.9.2.0/24 med=21 stale=false", "10.9.4.0/24 med=40 stale=false"}
	for _, v := range []rib.View{rib.AdjInPre, rib.AdjInPost} {
		waitFor(t, waitLong, "the re-dump and the sweep in "+v.String(), func() bool { return slices.Equal(paths(v), want) },
			func() string { return fmt.Sprint(paths(v)) })
	}
	l.col.waitQuiet(t, waitShort, 500*time.Millisecond)
	got := map[string][]string{}
	for _, r := range l.col.records()[mark:] {
		if r.str("type") != "unicast_prefix" || r.flag("is_eor") || r.str("peer_ip") != injAddr {
			continue
		}
		s := r.str("action") + " " + r.key()
		if r.flag("synthesized") {
			s += " synthesized"
		}
		got[r.view()] = append(got[r.view()], s)
	}
	for v, w := range map[string][]string{
		"pre":  {"add 10.9.1.0/24", "add 10.9.2.0/24", "add 10.9.4.0/24"},
		"post": {"add 10.9.2.0/24", "add 10.9.4.0/24", "del 10.9.3.0/24 synthesized"},
	} {
		slices.Sort(got[v])
		if !slices.Equal(got[v], w) {
			t.Errorf("%s-policy records after the restart: %v, want %v", v, got[v], w)
		}
	}
	if stage.Suppressed.Load() != 1 || tb.Stats.Swept.Load() != 1 {
		t.Errorf("suppressed %d, swept %d", stage.Suppressed.Load(), tb.Stats.Swept.Load())
	}
	l.shutdown()
	l.checkDecodeErrors()
}
