package session

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// TestBatchCutInsideMessage: one 65,535-byte UPDATE of 1-byte NLRI (65,367 records) is
// cut into batches of at most MaxBatchRecords records and about MaxBatchBytes bytes, in
// order, instead of one batch of tens of megabytes.
func TestBatchCutInsideMessage(t *testing.T) {
	const maxBytes, maxRecs = 64 << 10, 1000
	var sizes, lens []int
	var seqs []uint64
	out := func(_ context.Context, b *record.Batch) error {
		sizes = append(sizes, b.Size())
		lens = append(lens, b.Len())
		for i := range b.Recs {
			seqs = append(seqs, b.Recs[i].Seq)
		}
		// Spot-check the content: the first record of each batch is 0.0.0.0/0.
		var r rec
		if err := json.Unmarshal(b.Record(0), &r); err != nil || r["prefix"] != "0.0.0.0" || r["prefix_len"] != 0.0 {
			t.Fatalf("record: %v %s", err, b.Record(0))
		}
		b.Release()
		return nil
	}
	for _, tc := range []struct{ bytes, recs int }{{maxBytes, 1 << 20}, {1 << 30, maxRecs}} {
		sizes, lens, seqs = nil, nil, nil
		s := New(context.Background(), Config{MaxBatchBytes: tc.bytes, MaxBatchRecords: tc.recs}, netip.MustParseAddrPort("192.0.2.1:1"), out)
		upd := gen.FloodUpdate(attrs, 65535)
		nrec := 65535 - 19 - 4 - len(attrs)
		if err := s.Handle(gen.RouteMonitoring(peer, upd), time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
		if len(seqs) != nrec {
			t.Fatalf("%d records, want %d", len(seqs), nrec)
		}
		for i, q := range seqs {
			if q != uint64(i+1) {
				t.Fatalf("record %d has sequence %d", i, q)
			}
		}
		if len(lens) < 2 {
			t.Fatalf("one message made %d batches", len(lens))
		}
		for i := range lens {
			if lens[i] > tc.recs {
				t.Fatalf("batch %d: %d records, limit %d", i, lens[i], tc.recs)
			}
			// A batch exceeds the byte limit by less than one record (~1 KiB here).
			if sizes[i] >= tc.bytes+2048 {
				t.Fatalf("batch %d: %d bytes, limit %d", i, sizes[i], tc.bytes)
			}
		}
		if s.cfg.Counters.Warnings[WarnLongUpdate].Load() != 1 {
			t.Fatalf("long updates counted %d, want 1", s.cfg.Counters.Warnings[WarnLongUpdate].Load())
		}
	}
}

// TestBatchCutOutputError: when the output fails on a batch cut inside a message, Handle
// returns that error once the message is done.
func TestBatchCutOutputError(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	out := func(_ context.Context, b *record.Batch) error { calls++; b.Release(); return boom }
	s := New(context.Background(), Config{MaxBatchRecords: 100}, netip.MustParseAddrPort("192.0.2.1:1"), out)
	if err := s.Handle(gen.RouteMonitoring(peer, gen.FloodUpdate(attrs, 2000)), time.Now()); !errors.Is(err, boom) {
		t.Fatalf("Handle: %v, want boom", err)
	}
	if calls < 10 {
		t.Fatalf("output called %d times", calls)
	}
}

// TestLongUpdateWithExtendedMessage: an UPDATE over 4096 bytes is not counted when both
// OPENs advertise the Extended Message capability.
func TestLongUpdateWithExtendedMessage(t *testing.T) {
	ext := gen.Capability(6, nil)
	up := gen.PeerUp(peer, local, 179, 40000, gen.Open(65001, 90, local, append(v4caps, ext)...),
		gen.Open(65002, 90, peer.Addr, gen.CapMP(1, 1), gen.CapAS4(65002), ext))
	rs, c := run(t, Config{}, up, gen.RouteMonitoring(peer, gen.FloodUpdate(attrs, 5000)))
	if n := c.Warnings[WarnLongUpdate].Load(); n != 0 {
		t.Fatalf("long updates %d, want 0", n)
	}
	if len(rs) != 1+5000-23-len(attrs) {
		t.Fatalf("%d records", len(rs))
	}
	// Only one side advertises it: counted.
	up = gen.PeerUp(peer, local, 179, 40000, gen.Open(65001, 90, local, append(v4caps, ext)...), recvOpn)
	_, c = run(t, Config{}, up, gen.RouteMonitoring(peer, gen.FloodUpdate(attrs, 5000)), gen.RouteMonitoring(peer, gen.FloodUpdate(attrs, 4096)))
	if n := c.Warnings[WarnLongUpdate].Load(); n != 1 {
		t.Fatalf("long updates %d, want 1", n)
	}
}

// TestMaxPeers: the message naming peer MaxPeers+1 is decoded, then Handle returns
// ErrTooManyPeers; a Peer Down frees a slot.
func TestMaxPeers(t *testing.T) {
	var recs int
	out := func(_ context.Context, b *record.Batch) error { recs += b.Len(); b.Release(); return nil }
	s := New(context.Background(), Config{MaxPeers: 3}, netip.MustParseAddrPort("192.0.2.1:1"), out)
	p := func(i int) gen.Peer {
		q := peer
		q.Addr = netip.AddrFrom4([4]byte{10, 0, 0, byte(i)})
		return q
	}
	for i := 1; i <= 3; i++ {
		if err := s.Handle(gen.PeerUp(p(i), local, 179, 1, sentOpn, recvOpn), time.Now()); err != nil {
			t.Fatalf("peer %d: %v", i, err)
		}
	}
	if err := s.Handle(gen.PeerDown(p(2), 2, nil), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.Handle(gen.PeerUp(p(4), local, 179, 1, sentOpn, recvOpn), time.Now()); err != nil {
		t.Fatalf("peer 4 after a Peer Down: %v", err)
	}
	err := s.Handle(gen.RouteMonitoring(p(5), gen.Update(nil, attrs, gen.Prefixes(pfx("10.0.0.0/8"), nil))), time.Now())
	if !errors.Is(err, ErrTooManyPeers) {
		t.Fatalf("peer 5: %v, want ErrTooManyPeers", err)
	}
	_ = s.Flush()
	if recs != 6 || s.Peers() != 3 {
		t.Fatalf("records %d (want 6), peers %d (want 3)", recs, s.Peers())
	}
}
