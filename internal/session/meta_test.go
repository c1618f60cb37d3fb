package session

import (
	"context"
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// TestMetaSessionAndSeq: every record's Meta carries its session's id (distinct for each
// session, even of the same router) and its sequence number.
func TestMetaSessionAndSeq(t *testing.T) {
	remote := netip.MustParseAddrPort("192.0.2.1:4000")
	run := func() (sid uint64, n int) {
		out := func(_ context.Context, b *record.Batch) error {
			for i := range b.Recs {
				m := b.Recs[i]
				var js struct{ Sequence uint64 }
				if err := json.Unmarshal(b.Record(i), &js); err != nil {
					t.Fatal(err)
				}
				if sid == 0 {
					sid = m.Session
				}
				n++
				if m.Session != sid || m.Seq != js.Sequence || m.Seq != uint64(n) {
					t.Fatalf("record %d: session %d (first %d), seq %d, JSON sequence %d", n, m.Session, sid, m.Seq, js.Sequence)
				}
			}
			b.Release()
			return nil
		}
		s := New(context.Background(), Config{MaxBatchRecords: 7}, remote, out)
		for _, m := range [][]byte{gen.Initiation("r", "d"), gen.PeerDown(gen.DefaultPeer(), 2, []byte{0, 1}), gen.Termination(0)} {
			if err := s.Handle(m, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
		return sid, n
	}
	a, na := run()
	b, nb := run()
	if a == 0 || a == b || na != 3 || nb != 3 {
		t.Fatalf("session ids %d and %d, %d and %d records", a, b, na, nb)
	}
	// Ids are strictly increasing even for sessions started at the same instant.
	now := time.Now()
	x, y := newSessionID(now), newSessionID(now)
	if y <= x {
		t.Fatalf("ids %d then %d", x, y)
	}
}
