package session

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// TestIdleSessionHoldsNoRouteState: a session that has handled only an Initiation and a
// Peer Up (an idle router) has not allocated the Route Monitoring state; the first Route
// Monitoring message allocates it and is decoded as usual.
func TestIdleSessionHoldsNoRouteState(t *testing.T) {
	var got []record.Type
	out := func(_ context.Context, b *record.Batch) error {
		for i := range b.Recs {
			got = append(got, b.Recs[i].Type)
		}
		b.Release()
		return nil
	}
	s := New(context.Background(), Config{}, netip.MustParseAddrPort("192.0.2.1:4000"), out)
	p := gen.DefaultPeer()
	caps := [][]byte{gen.CapMP(1, 1), gen.CapAS4(65002)}
	open := gen.Open(65002, 90, p.BGPID, caps...)
	for _, m := range [][]byte{gen.Initiation("r", "d"), gen.PeerUp(p, p.Addr, 179, 40000, open, open)} {
		if err := s.Handle(m, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if s.routeState != nil {
		t.Fatal("an idle session allocated the Route Monitoring state")
	}
	if err := s.Handle(gen.RouteMonitoring(p, gen.Update(nil,
		gen.Cat(gen.Origin(0), gen.ASPath(true, 65002), gen.NextHop(p.Addr)),
		gen.Prefixes([]netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}, nil))), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if s.routeState == nil {
		t.Fatal("Route Monitoring did not allocate the route state")
	}
	if want := []record.Type{record.TypeRouter, record.TypePeer, record.TypeUnicastPrefix}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("record types %v, want %v", got, want)
	}
}
