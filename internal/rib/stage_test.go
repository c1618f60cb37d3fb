package rib

import (
	"context"
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// outSink collects what a Stage passes on: every record's JSON, in order.
type outSink struct {
	mu    sync.Mutex
	lines []map[string]any
}

func (o *outSink) Publish(_ context.Context, b *record.Batch) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := range b.Recs {
		var m map[string]any
		if err := json.Unmarshal(b.Record(i), &m); err != nil {
			panic(err)
		}
		o.lines = append(o.lines, m)
	}
	b.Release()
	return nil
}
func (o *outSink) Close() error            { return nil }
func (o *outSink) Needs() record.Encodings { return record.EncJSON }
func (o *outSink) all() []map[string]any {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.lines)
}
func routeKey(m map[string]any) string {
	return str(m["peer_hash"]) + " " + viewOfJSON(m) + " " + str(m["prefix"]) + "/" + str(m["prefix_len"]) + " " + str(m["vpn_rd"]) + " " + pathOf(m)
}
func isRoute(m map[string]any) bool            { return m["prefix"] != nil && m["is_eor"] != true }
func actionOf(m map[string]any) (string, bool) { return str(m["action"]), m["synthesized"] == true }

// TestStageSynthesizedWithdrawals replays a lab capture whose peers go down through a
// Stage with Synthesize: a consumer that applies the published adds and dels ends with
// exactly the table (empty after the Peer Downs), while without synthesized withdrawals
// it would keep every route; each synthesized del follows its Peer Down.
func TestStageSynthesizedWithdrawals(t *testing.T) {
	stream := readLab(t, "frr84-mixed.bmp")
	for _, synth := range []bool{false, true} {
		tb := New(Config{})
		out := &outSink{}
		st := &Stage{T: tb, Next: out, Synthesize: synth}
		s := session.New(context.Background(), session.Config{Counters: &session.Counters{}, Encodings: st.Needs()},
			netip.MustParseAddrPort("127.0.0.1:40000"), st.Publish)
		msgs, _ := testutil.SplitBMP(stream)
		for _, m := range msgs {
			_ = s.Handle(m, time.Now())
		}
		_ = s.Flush()
		state := map[string]bool{}
		synthesized, sinceDown := 0, -1
		for _, m := range out.all() {
			if m["type"] == "peer" && m["action"] == "down" {
				sinceDown = 0
			}
			if !isRoute(m) || (m["type"] != "unicast_prefix" && m["type"] != "l3vpn") {
				continue
			}
			switch a, syn := actionOf(m); {
			case a == "del" && syn:
				synthesized++
				if sinceDown < 0 {
					t.Fatalf("synthesized del before any Peer Down: %v", m)
				}
				delete(state, routeKey(m))
			case a == "del":
				delete(state, routeKey(m))
			default:
				state[routeKey(m)] = true
			}
		}
		n, _ := tb.Count(Query{})
		if synth && (len(state) != 0 || synthesized < 1000 || n != 0 || st.Synthesized.Load() < uint64(synthesized)) {
			t.Errorf("synthesize: consumer keeps %d routes, %d synthesized dels (stage %d), table %d", len(state), synthesized, st.Synthesized.Load(), n)
		}
		if !synth && (len(state) < 1000 || synthesized != 0) {
			t.Errorf("without synthesize: consumer keeps %d routes, %d synthesized", len(state), synthesized)
		}
		t.Logf("synthesize=%v: %d records, %d synthesized dels, consumer state %d routes", synth, len(out.all()), synthesized, len(state))
	}
}

func readLab(t *testing.T, name string) []byte {
	streams := captureStreams(t)
	for k, v := range streams {
		if strings.HasPrefix(k, "lab/"+name+"#") {
			return v
		}
	}
	t.Fatalf("no %s", name)
	return nil
}

// feed publishes records through the stage, one batch per call.
func feed(t *testing.T, st *Stage, recs ...record.Value) {
	b := record.NewBatch()
	b.Enc = st.Needs()
	for i, r := range recs {
		meta := record.Meta{Type: r.RecordType(), Session: 7, Seq: uint64(i + 1)}
		b.Add(r, meta)
	}
	if err := st.Publish(context.Background(), b); err != nil {
		t.Fatal(err)
	}
}

func peerRec(action string) *record.Peer {
	return &record.Peer{Head: record.Head{Action: action}, RouterFields: record.RouterFields{RouterHash: "r1", RouterIP: netip.MustParseAddr("127.0.0.1")},
		PeerHash: "p1", RemoteIP: netip.MustParseAddr("10.0.0.1"), RemoteASN: 65000, CollectorTimestamp: time.Now()}
}

func eorRec() *record.UnicastPrefix {
	return &record.UnicastPrefix{RouterFields: record.RouterFields{RouterHash: "r1", RouterIP: netip.MustParseAddr("127.0.0.1")},
		PeerFields: record.PeerFields{PeerHash: "p1", PeerIP: netip.MustParseAddr("10.0.0.1")}, IsIPv4: true,
		EORFields: record.EORFields{IsEOR: true, AFI: 1, SAFI: 1}}
}

// published summarises the route records the consumer got since from.
func published(o *outSink, from int) []string {
	var out []string
	for _, m := range o.all()[from:] {
		if isRoute(m) {
			a, syn := actionOf(m)
			s := a + " " + str(m["prefix"]) + "/" + str(m["prefix_len"])
			if syn {
				s += " synthesized"
			}
			out = append(out, s)
		}
	}
	return out
}

// TestStageSuppressAndSweep: a peer goes down and comes back with a changed table: the
// unchanged route is not republished, the changed and new ones are, and at End-of-RIB
// the route not announced again is withdrawn (synthesized); a peer that never sends
// End-of-RIB is swept by the timer.
func TestStageSuppressAndSweep(t *testing.T) {
	tb := New(Config{SuppressDuplicates: true, StaleTimeout: time.Hour})
	out := &outSink{}
	st := &Stage{T: tb, Next: out}
	a := route("1", "1", netip.MustParsePrefix("10.1.0.0/16"), []uint32{1, 2}, 1, false)
	b := route("1", "1", netip.MustParsePrefix("10.2.0.0/16"), []uint32{1, 3}, 1, false)
	c := route("1", "1", netip.MustParsePrefix("10.3.0.0/16"), []uint32{1, 4}, 1, false)
	for _, r := range []*record.UnicastPrefix{a, b, c} {
		r.PeerHash, r.RouterHash = "p1", "r1"
	}
	feed(t, st, peerRec("up"), a, b, c, eorRec())
	if got := published(out, 0); len(got) != 3 {
		t.Fatalf("first dump: %v", got)
	}
	mark := len(out.all())
	feed(t, st, peerRec("down"))
	// stale, not removed: still queryable
	rs, _, _ := tb.Routes(Query{})
	if len(rs) != 3 || !rs[0].Stale || !rs[2].Stale {
		t.Fatalf("after Peer Down: %+v", rs)
	}
	b2 := route("1", "1", netip.MustParsePrefix("10.2.0.0/16"), []uint32{1, 5}, 1, false)
	d := route("1", "1", netip.MustParsePrefix("10.4.0.0/16"), []uint32{1, 6}, 1, false)
	a2 := route("1", "1", netip.MustParsePrefix("10.1.0.0/16"), []uint32{1, 2}, 1, false) // same as a
	for _, r := range []*record.UnicastPrefix{a2, b2, d} {
		r.PeerHash, r.RouterHash = "p1", "r1"
	}
	feed(t, st, peerRec("up"), a2, b2, d)
	if got := published(out, mark); !slices.Equal(got, []string{"add 10.2.0.0/16", "add 10.4.0.0/16"}) {
		t.Errorf("re-dump: %v", got)
	}
	if st.Suppressed.Load() != 1 || tb.Stats.Duplicates.Load() != 1 {
		t.Errorf("suppressed %d", st.Suppressed.Load())
	}
	mark = len(out.all())
	feed(t, st, eorRec())
	if got := published(out, mark); !slices.Equal(got, []string{"del 10.3.0.0/16 synthesized"}) {
		t.Errorf("End-of-RIB sweep: %v", got)
	}
	rs, _, _ = tb.Routes(Query{})
	var keys []string
	for _, r := range rs {
		if r.Stale {
			t.Errorf("stale after sweep: %s", r.Key())
		}
		keys = append(keys, r.Prefix.String())
	}
	if !slices.Equal(keys, []string{"10.1.0.0/16", "10.2.0.0/16", "10.4.0.0/16"}) {
		t.Errorf("table after sweep: %v", keys)
	}

	// the timer fallback: Peer Down, reconnect without End-of-RIB
	feed(t, st, peerRec("down"), peerRec("up"), a2)
	mark = len(out.all())
	res := &Result{Collect: true}
	tb.SweepExpired(time.Now(), res) // not expired yet
	if len(res.Removed) != 0 {
		t.Fatalf("swept before the timeout: %d", len(res.Removed))
	}
	tb.SweepExpired(time.Now().Add(2*time.Hour), res)
	var swept []string
	for _, c := range res.Removed {
		swept = append(swept, c.Prefix.String())
	}
	slices.Sort(swept)
	if !slices.Equal(swept, []string{"10.2.0.0/16", "10.4.0.0/16"}) {
		t.Errorf("timer sweep: %v", swept)
	}
	if n, _ := tb.Count(Query{}); n != 1 || tb.Stats.Swept.Load() != 3 {
		t.Errorf("after timer sweep: %d routes, %d swept", n, tb.Stats.Swept.Load())
	}
	if sets, _ := tb.AttrSets(); sets != 1 {
		t.Errorf("%d attribute sets", sets)
	}
}

// TestStageSweeper: the sweeper goroutine publishes the timer's withdrawals.
func TestStageSweeper(t *testing.T) {
	tb := New(Config{SuppressDuplicates: true, StaleTimeout: time.Millisecond})
	out := &outSink{}
	st := &Stage{T: tb, Next: out}
	st.StartSweeper(5 * time.Millisecond)
	a := route("1", "1", netip.MustParsePrefix("10.1.0.0/16"), []uint32{1, 2}, 1, false)
	a.PeerHash, a.RouterHash = "p1", "r1"
	feed(t, st, peerRec("up"), a, peerRec("down"))
	testutil.WaitFor(t, "the sweeper's withdrawal", func() bool {
		got := published(out, 0)
		return slices.Equal(got, []string{"add 10.1.0.0/16", "del 10.1.0.0/16 synthesized"})
	})
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}
