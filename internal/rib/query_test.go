package rib

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/pkg/record"
)

func u8(v uint8) *uint8 { return &v }

// route builds an announcement (or withdrawal) of pfx from peer to router r.
func route(r, peer string, pfx netip.Prefix, asPath []uint32, comm record.Community, del bool) *record.UnicastPrefix {
	u := &record.UnicastPrefix{
		RouterFields: record.RouterFields{RouterHash: "r" + r, RouterIP: netip.MustParseAddr("127.0.0." + r)},
		PeerFields: record.PeerFields{PeerHash: "p" + peer, PeerIP: netip.MustParseAddr("10.0.0." + peer), PeerASN: 65000,
			CollectorTimestamp: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		IsIPv4: pfx.Addr().Is4(),
	}
	u.SetPrefix(pfx)
	if del {
		u.Action = record.ActionDel
		return u
	}
	u.Action = record.ActionAdd
	ba := &record.BaseAttrs{Origin: "igp", ASPath: asPath, Communities: []record.Community{comm}}
	ba.SetASPathCount(len(asPath))
	u.BaseAttrs = ba
	u.Nexthop = netip.MustParseAddr("192.0.2.1")
	return u
}

func randPrefix(rng *rand.Rand) netip.Prefix {
	a := netip.AddrFrom4([4]byte{10, byte(rng.IntN(4)), byte(rng.IntN(256)), 0})
	return netip.PrefixFrom(a, 8+rng.IntN(17)).Masked()
}

// TestMatchesBruteForce compares every match type with a scan of all routes.
func TestMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tb := New(Config{})
	for i := 0; i < 5000; i++ {
		tb.Apply(route(string('1'+rune(rng.IntN(2))), string('1'+rune(rng.IntN(3))), randPrefix(rng),
			[]uint32{65001, uint32(64512 + rng.IntN(8))}, record.Community(rng.IntN(4)), rng.IntN(5) == 0))
	}
	all, more, err := tb.Routes(Query{Limit: MaxLimit})
	if err != nil || more || len(all) < 1000 {
		t.Fatalf("all: %d routes, more %v, %v", len(all), more, err)
	}
	keys := func(rs []Route) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Key())
		}
		return out
	}
	for i := 0; i < 300; i++ {
		q := randPrefix(rng)
		if i%3 == 0 {
			q = netip.PrefixFrom(q.Addr().Next(), 32)
		}
		for m := MatchExact; m <= MatchLessSpecific; m++ {
			var want []Route
			longest := map[string]Route{}
			for _, r := range all {
				switch m {
				case MatchExact:
					if r.Prefix == q {
						want = append(want, r)
					}
				case MatchMoreSpecific:
					if r.Prefix.Bits() >= q.Bits() && q.Contains(r.Prefix.Addr()) {
						want = append(want, r)
					}
				case MatchLessSpecific, MatchLongest:
					if r.Prefix.Bits() <= q.Bits() && r.Prefix.Contains(q.Addr()) {
						if m == MatchLessSpecific {
							want = append(want, r)
						} else if cur, ok := longest[r.RouterHash+r.Peer.Hash]; !ok || cur.Prefix.Bits() < r.Prefix.Bits() {
							longest[r.RouterHash+r.Peer.Hash] = r
						}
					}
				}
			}
			for _, r := range longest {
				want = append(want, r)
			}
			got, _, err := tb.Routes(Query{Prefix: q, Match: m, Limit: MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			w, g := keys(want), keys(got)
			slices.Sort(w)
			slices.Sort(g)
			if !slices.Equal(w, g) {
				t.Fatalf("%s %s: got %v, want %v", m, q, g, w)
			}
			if n, _ := tb.Count(Query{Prefix: q, Match: m}); n != len(want) {
				t.Fatalf("%s %s: count %d, want %d", m, q, n, len(want))
			}
		}
	}
	// filters and pagination: pages concatenate to the unpaged answer
	c := record.Community(2)
	q := Query{Prefix: netip.MustParsePrefix("10.0.0.0/8"), Match: MatchMoreSpecific, Community: &c, OriginAS: 64515}
	q.Limit = MaxLimit
	whole, _, _ := tb.Routes(q)
	var paged []Route
	for q.Offset, q.Limit = 0, 7; ; {
		rs, more, err := tb.Routes(q)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, rs...)
		q.Offset += len(rs)
		if !more {
			break
		}
	}
	if len(whole) == 0 || !slices.Equal(keys(whole), keys(paged)) {
		t.Fatalf("paged %d routes, whole %d", len(paged), len(whole))
	}
	for _, r := range whole {
		if r.Attrs.OriginAS != 64515 || !slices.Contains(r.Attrs.Communities, c) {
			t.Fatalf("filter let through %s %s", r.Key(), r.Attrs.JSON)
		}
	}
	for _, bad := range []Query{{Match: MatchExact}, {Limit: MaxLimit + 1}, {Views: []View{9}}, {Match: 9, Prefix: q.Prefix}} {
		if _, _, err := tb.Routes(bad); !errors.Is(err, ErrBadQuery) {
			t.Errorf("query %+v: err %v", bad, err)
		}
	}
}

// TestConcurrentQueries runs queries and a watcher while routes are applied and
// withdrawn (for the race detector), and checks the watcher saw every change in order.
func TestConcurrentQueries(t *testing.T) {
	tb := New(Config{})
	w := tb.Watch(WatchFilter{Prefix: netip.MustParsePrefix("10.1.0.0/16")}, 1<<16)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 9))
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, _, err := tb.Routes(Query{Prefix: randPrefix(rng), Match: Match(1 + rng.IntN(4)), Limit: 50}); err != nil {
					t.Error(err)
					return
				}
				tb.Peers("")
				tb.Routers()
			}
		}(i)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	adds, dels := 0, 0
	live := map[netip.Prefix]bool{}
	for i := 0; i < 20000; i++ {
		p := randPrefix(rng)
		del := live[p] && rng.IntN(2) == 0
		tb.Apply(route("1", "1", p, []uint32{1, 2}, 1, del))
		if netip.MustParsePrefix("10.1.0.0/16").Overlaps(p) {
			if del {
				dels++
			} else {
				adds++
			}
		}
		live[p] = !del
	}
	close(stop)
	wg.Wait()
	w.Close()
	ga, gd := 0, 0
	for c := range w.C {
		if c.Del {
			gd++
		} else {
			ga++
		}
	}
	if w.Lagged() || ga != adds || gd != dels {
		t.Errorf("watch: %d adds %d dels (lagged %v), want %d %d", ga, gd, w.Lagged(), adds, dels)
	}
}

// TestRouteLimit: beyond the per-router limit new routes are dropped and counted, the
// router is incomplete, and replacing a kept route still works.
func TestRouteLimit(t *testing.T) {
	var logs []string
	tb := New(Config{MaxRoutesPerRouter: 10, Logf: func(f string, a ...any) { logs = append(logs, f) }})
	for i := 0; i < 15; i++ {
		tb.Apply(route("1", "1", netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, byte(i), 0}), 24), []uint32{1}, 1, false))
	}
	tb.Apply(route("1", "1", netip.MustParsePrefix("10.0.0.0/24"), []uint32{1, 2}, 1, false))
	r := tb.Routers()[0]
	if r.Paths != 10 || !r.Incomplete || r.Dropped != 5 || tb.Stats.Dropped.Load() != 5 || len(logs) != 1 {
		t.Fatalf("router %+v, dropped %d, logs %d", r, tb.Stats.Dropped.Load(), len(logs))
	}
	rs, _, _ := tb.Routes(Query{Prefix: netip.MustParsePrefix("10.0.0.0/24"), Match: MatchExact})
	if len(rs) != 1 || len(rs[0].Attrs.ASPath) != 2 {
		t.Fatalf("replaced route: %+v", rs)
	}
	// the replaced set was freed: one set for 9 routes, one for the replaced route
	if n, _ := tb.AttrSets(); n != 2 {
		t.Fatalf("%d attribute sets", n)
	}
}
