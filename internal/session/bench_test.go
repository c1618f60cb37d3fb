package session

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/bmp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// benchPrefixes is the size of one benchmark operation: one whole router session
// (Initiation, Peer Up, Route Monitoring announcing benchPrefixes prefixes, Peer Down,
// Termination).
const benchPrefixes = 20_000

// benchMessages generates the benchmark stream and splits it into BMP messages.
func benchMessages(b *testing.B, perUpdate int) (msgs [][]byte, size int) {
	b.Helper()
	var buf bytes.Buffer
	c, err := gen.WriteStream(&buf, gen.StreamSpec{Prefixes: benchPrefixes, PerUpdate: perUpdate, IPv6: true})
	if err != nil {
		b.Fatal(err)
	}
	msgs, rest := testutil.SplitBMP(buf.Bytes())
	if len(rest) != 0 || len(msgs) != c.Messages || c.V4+c.V6 != benchPrefixes {
		b.Fatalf("stream: %d messages (want %d), %d bytes left over, %d+%d prefixes",
			len(msgs), c.Messages, len(rest), c.V4, c.V6)
	}
	return msgs, buf.Len()
}

// BenchmarkSessionHandle decodes one generated router session per operation (IPv4 and
// IPv6 UPDATEs alternating) and encodes every record into batches, which the output
// releases at once: the whole per-message path of the collector without I/O.
func BenchmarkSessionHandle(b *testing.B) {
	for _, per := range []int{1, 10} {
		b.Run(fmt.Sprintf("per-update=%d", per), func(b *testing.B) {
			msgs, size := benchMessages(b, per)
			remote := netip.MustParseAddrPort("192.0.2.1:40000")
			recv := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
			var records int
			out := func(_ context.Context, bt *record.Batch) error {
				records += bt.Len()
				bt.Release()
				return nil
			}
			counters := &Counters{}
			b.ReportAllocs()
			b.SetBytes(int64(size))
			b.ResetTimer()
			for range b.N {
				s := New(context.Background(), Config{Counters: counters}, remote, out)
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
			b.ReportMetric(float64(b.N*benchPrefixes)/b.Elapsed().Seconds(), "prefixes/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchPrefixes), "ns/prefix")
		})
	}
}

// BenchmarkDecodeOnly decodes the same session as BenchmarkSessionHandle into the typed
// BMP and BGP structures (bmp.Message, bgp.Update) without building or encoding records:
// the decoders' share of the per-message path.
func BenchmarkDecodeOnly(b *testing.B) {
	for _, per := range []int{1, 10} {
		b.Run(fmt.Sprintf("per-update=%d", per), func(b *testing.B) {
			msgs, size := benchMessages(b, per)
			var (
				m    bmp.Message
				u    bgp.Update
				opts = bgp.DecodeOptions{AS4: true}
			)
			b.ReportAllocs()
			b.SetBytes(int64(size))
			b.ResetTimer()
			prefixes := 0
			for range b.N {
				for _, raw := range msgs {
					if err := m.Decode(raw); err != nil {
						b.Fatal(err)
					}
					if m.Header.Type != bmp.MsgRouteMonitoring {
						continue
					}
					if err := bgp.ParseUpdate(m.RouteMonitoring.Update, &opts, &u); err != nil {
						b.Fatal(err)
					}
					prefixes += len(u.NLRI)
					for i := range u.MPReach {
						prefixes += len(u.MPReach[i].Prefixes)
					}
				}
			}
			b.StopTimer()
			if prefixes != b.N*benchPrefixes {
				b.Fatalf("%d prefixes decoded, want %d", prefixes, b.N*benchPrefixes)
			}
			b.ReportMetric(float64(prefixes)/b.Elapsed().Seconds(), "prefixes/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(prefixes), "ns/prefix")
		})
	}
}
