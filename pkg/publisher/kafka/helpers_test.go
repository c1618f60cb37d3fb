package kafka

import (
	"bytes"
	"context"
	"encoding/hex"
	"net/netip"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/kafkatest"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// stream is a run of batches of one or more router sessions, with the records Kafka must
// hold afterwards (in stream order).
type stream struct {
	batches []*record.Batch
	want    []kafkatest.Record
	records int
}

// rawHeader marks the fake raw records of the tests (the real OpenBMP header is added by
// another feature; the sink only sees bytes).
var rawHeader = []byte("RAWTEST\x00")

// genOpts: batches of at most maxRecs records; with raw, every BMP message also yields a
// TypeRaw record; noWant skips computing the expected records (for throughput runs).
type genOpts struct {
	maxRecs int
	raw     bool
	noWant  bool
}

// genStream decodes generated BMP streams, one per router, into batches; the routers'
// batches are interleaved as concurrent sessions would be.
func genStream(t testing.TB, prefix string, split bool, o genOpts, specs ...gen.StreamSpec) *stream {
	t.Helper()
	st := &stream{}
	var perRouter [][]*record.Batch
	for i, spec := range specs {
		var buf bytes.Buffer
		if _, err := gen.WriteStream(&buf, spec); err != nil {
			t.Fatal(err)
		}
		msgs, rest := testutil.SplitBMP(buf.Bytes())
		if len(rest) != 0 {
			t.Fatalf("generated stream has %d trailing bytes", len(rest))
		}
		var out []*record.Batch
		cfg := session.Config{MaxBatchRecords: o.maxRecs}
		if o.raw {
			cfg.Raw = func(dst []byte, _ netip.AddrPort, msg []byte, _ time.Time) []byte {
				return append(append(dst, rawHeader...), msg...)
			}
		}
		remote := netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(10 + i)}), 40000)
		s := session.New(context.Background(), cfg, remote, func(_ context.Context, b *record.Batch) error {
			out = append(out, b)
			return nil
		})
		for _, m := range msgs {
			if err := s.Handle(m, time.Unix(1763770000, 0)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
		perRouter = append(perRouter, out)
	}
	for i := 0; ; i++ {
		added := false
		for _, bs := range perRouter {
			if i < len(bs) {
				st.add(t, prefix, split, bs[i], o.noWant)
				added = true
			}
		}
		if !added {
			break
		}
	}
	return st
}

func (st *stream) add(t testing.TB, prefix string, split bool, b *record.Batch, noWant bool) {
	st.batches = append(st.batches, b)
	st.records += b.Len()
	if noWant {
		return
	}
	for i := range b.Recs {
		m := &b.Recs[i]
		if m.Type == record.TypeRaw {
			st.want = append(st.want, kafkatest.Record{Topic: prefix + ".raw",
				Key: hex.EncodeToString(m.RouterHash[:]), Value: string(b.Record(i))})
			continue
		}
		st.want = append(st.want, kafkatest.Expect(t, prefix, split, string(b.Record(i))))
	}
}

// publish hands every batch to q (which releases them) and closes q.
func (st *stream) publish(t testing.TB, q *publisher.Queue) {
	t.Helper()
	for _, b := range st.batches {
		if err := q.Publish(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	st.batches = nil
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
}

// release frees batches that were not published.
func (st *stream) release() {
	for _, b := range st.batches {
		b.Release()
	}
	st.batches = nil
}

// newSink builds a sink for tests: fast retries, and it is closed when the test ends.
func newSink(t testing.TB, cfg Config) *Sink {
	t.Helper()
	if cfg.RetryBackoffMin == 0 {
		cfg.RetryBackoffMin = 20 * time.Millisecond
		cfg.RetryBackoffMax = 200 * time.Millisecond
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// allTopics is every topic a sink with prefix may write.
func allTopics(prefix string, split bool) []string {
	return append(ParsedTopics(prefix, split), prefix+".raw")
}
