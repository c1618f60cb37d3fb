package session

import (
	"bytes"
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// BenchmarkSessionEncodings is BenchmarkSessionHandle (per-update=10) with each set of
// encodings a batch can carry: the cost of protobuf and of typed copies next to JSON.
func BenchmarkSessionEncodings(b *testing.B) {
	for _, c := range []struct {
		name string
		enc  record.Encodings
	}{
		{"json", record.EncJSON},
		{"proto", record.EncProto},
		{"json+proto", record.EncJSON | record.EncProto},
		{"typed", record.EncTyped},
	} {
		b.Run(c.name, func(b *testing.B) {
			msgs, size := benchMessages(b, 10)
			remote := netip.MustParseAddrPort("192.0.2.1:40000")
			recv := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
			var records, size2 int
			out := func(_ context.Context, bt *record.Batch) error {
				records += bt.Len()
				size2 += bt.Size()
				bt.Release()
				return nil
			}
			counters := &Counters{}
			b.ReportAllocs()
			b.SetBytes(int64(size))
			b.ResetTimer()
			for range b.N {
				s := New(context.Background(), Config{Counters: counters, Encodings: c.enc}, remote, out)
				for _, m := range msgs {
					if err := s.Handle(m, recv); err != nil {
						b.Fatal(err)
					}
				}
				if err := s.Flush(); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if want := b.N * (benchPrefixes + 4); records != want {
				b.Fatalf("%d records, want %d", records, want)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchPrefixes), "ns/prefix")
			b.ReportMetric(float64(size2)/float64(records), "bytes/record")
		})
	}
}

// TestProtoEncodingNoAllocs: in steady state, encoding a Route Monitoring message's
// records to protobuf allocates nothing more than encoding them to JSON (batches come
// from the pool, their buffers already grown).
func TestProtoEncodingNoAllocs(t *testing.T) {
	if vpnRace {
		t.Skip("allocation counts differ under the race detector")
	}
	var buf bytes.Buffer
	if _, err := gen.WriteStream(&buf, gen.StreamSpec{Prefixes: 4000, PerUpdate: 10, IPv6: true}); err != nil {
		t.Fatal(err)
	}
	msgs, _ := testutil.SplitBMP(buf.Bytes())
	remote := netip.MustParseAddrPort("192.0.2.1:40000")
	recv := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	allocs := map[record.Encodings]float64{}
	for _, enc := range []record.Encodings{record.EncJSON, record.EncJSON | record.EncProto, record.EncProto} {
		out := func(_ context.Context, bt *record.Batch) error { bt.Release(); return nil }
		s := New(context.Background(), Config{Encodings: enc, MaxBatchRecords: 1 << 20, MaxBatchBytes: 1 << 30}, remote, out)
		// Initiation and Peer Up, then warm the buffers with the routes once.
		for _, m := range msgs[:len(msgs)-2] {
			if err := s.Handle(m, recv); err != nil {
				t.Fatal(err)
			}
		}
		s.Flush()
		routes := msgs[2 : len(msgs)-2]
		i := 0
		allocs[enc] = testing.AllocsPerRun(len(routes), func() {
			s.Handle(routes[i%len(routes)], recv)
			i++
			if i%500 == 0 {
				s.Flush()
			}
		})
	}
	if allocs[record.EncJSON|record.EncProto] > allocs[record.EncJSON] || allocs[record.EncProto] > allocs[record.EncJSON] {
		t.Fatalf("allocations per Route Monitoring message: %v", allocs)
	}
	t.Logf("allocations per Route Monitoring message: %v", allocs)
}
