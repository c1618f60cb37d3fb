package nats

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"

	"github.com/bmpstream/bmpstream/pkg/record"
)

type rawRec []byte

func (r rawRec) AppendJSON(dst []byte) []byte { return append(dst, r...) }

// benchRecs records per batch: about what a session batch of 256 KiB holds.
const benchRecs = 800

// benchBatch is a batch of benchRecs records of about 300 bytes (a unicast_prefix-sized JSON).
func benchBatch(seq *uint64) *record.Batch {
	b := record.NewBatch()
	rh := record.RouterHash(netip.MustParseAddr("192.0.2.1"))
	body := rawRec(`{"type":"unicast_prefix","action":"add","sequence":1,` + string(bytes.Repeat([]byte("x"), 240)) + `}`)
	for i := 0; i < benchRecs; i++ {
		*seq++
		b.Add(body, record.Meta{Type: record.TypeUnicastPrefix, IPv4: i%2 == 0, RouterHash: rh, PeerHash: rh, Session: 1, Seq: *seq})
	}
	return b
}

// BenchmarkWrite measures the sink alone against an embedded server (records/s is the
// figure of interest; the machine is shared and noisy).
func BenchmarkWrite(b *testing.B) {
	for _, js := range []bool{false, true} {
		b.Run(fmt.Sprintf("jetstream=%v", js), func(b *testing.B) {
			ns := startNATS(b, b.TempDir(), 0)
			s, err := New(Options{URLs: ns.ClientURL(), SplitAF: true, JetStream: js, Stream: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			var seq uint64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				batch := benchBatch(&seq)
				if err := s.Write(batch); err != nil {
					b.Fatal(err)
				}
				batch.Release()
			}
			b.ReportMetric(float64(b.N*benchRecs)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
