package publisher

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// gateSink blocks every Write until gate is closed.
type gateSink struct {
	gate    chan struct{}
	started chan struct{}
}

func (s *gateSink) Name() string { return "gate" }
func (s *gateSink) Write(b *record.Batch) error {
	s.started <- struct{}{}
	<-s.gate
	return nil
}
func (s *gateSink) Flush() error { return nil }
func (s *gateSink) Close() error { return nil }

type rec struct{}

func (rec) AppendJSON(dst []byte) []byte { return append(dst, `{"type":"router"}`...) }

func batch(n int) *record.Batch {
	b := record.NewBatch()
	for i := 0; i < n; i++ {
		b.Add(rec{}, record.Meta{Type: record.TypeRouter})
	}
	return b
}

// TestQueueAccounting: every record published is accepted or dropped; accepted records
// are pending until the sink's Write returns; write durations land in the histogram.
func TestQueueAccounting(t *testing.T) {
	s := &gateSink{gate: make(chan struct{}), started: make(chan struct{}, 8)}
	q := NewQueue(s, 1, Block)
	st := &q.Stats
	ctx := context.Background()
	if err := q.Publish(ctx, batch(3)); err != nil { // taken by the writer, blocked in Write
		t.Fatal(err)
	}
	<-s.started
	if err := q.Publish(ctx, batch(5)); err != nil { // waits in the queue
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := q.Publish(cctx, batch(7)); !errors.Is(err, context.Canceled) { // queue full: given up
		t.Fatalf("publish on a full queue with a done context: %v", err)
	}
	if a, p, d := st.Accepted.Load(), st.Pending(), st.Dropped.Load(); a != 8 || p != 8 || d != 7 {
		t.Fatalf("accepted %d pending %d dropped %d; want 8 8 7", a, p, d)
	}
	if q.Len() != 1 {
		t.Fatalf("queue length %d", q.Len())
	}
	close(s.gate)
	deadline := time.Now().Add(time.Minute)
	for st.Pending() != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if r, p := st.Records.Load(), st.Pending(); r != 8 || p != 0 {
		t.Fatalf("records %d pending %d; want 8 0", r, p)
	}
	var n uint64
	for i := range st.WriteLatency {
		n += st.WriteLatency[i].Load()
	}
	if n != 2 || st.Batches.Load() != 2 {
		t.Fatalf("%d writes in the histogram, %d batches; want 2", n, st.Batches.Load())
	}
	// Drop policy: a full queue drops and does not count the batch as accepted.
	s2 := &gateSink{gate: make(chan struct{}), started: make(chan struct{}, 8)}
	q2 := NewQueue(s2, 1, Drop)
	q2.Publish(ctx, batch(1))
	<-s2.started
	q2.Publish(ctx, batch(2))
	q2.Publish(ctx, batch(4))
	if a, d := q2.Stats.Accepted.Load(), q2.Stats.Dropped.Load(); a != 3 || d != 4 {
		t.Fatalf("drop policy: accepted %d dropped %d; want 3 4", a, d)
	}
	close(s2.gate)
	q2.Close()
	if q2.Stats.Pending() != 0 {
		t.Fatalf("pending %d after close", q2.Stats.Pending())
	}
}

func TestObserveWrite(t *testing.T) {
	var st QueueStats
	for _, d := range []time.Duration{0, 100 * time.Microsecond, 101 * time.Microsecond, time.Second, time.Minute} {
		st.observeWrite(d)
	}
	want := map[int]uint64{0: 2, 1: 1, 12: 1, len(WriteBuckets): 1}
	for i := range st.WriteLatency {
		if got := st.WriteLatency[i].Load(); got != want[i] {
			t.Errorf("bucket %d: %d, want %d", i, got, want[i])
		}
	}
}
