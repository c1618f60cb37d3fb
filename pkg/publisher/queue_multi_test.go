package publisher

import (
	"context"
	"testing"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// multiSink records the batches of each WriteBatches call; the first call waits for gate.
type multiSink struct {
	gate    chan struct{}
	started chan struct{}
	calls   [][]int // record counts of the batches of each call
	lost    int     // reported lost by every call
	first   bool
}

func (s *multiSink) Name() string                { return "multi" }
func (s *multiSink) Write(b *record.Batch) error { panic("Write called on a MultiWriter") }
func (s *multiSink) Flush() error                { return nil }
func (s *multiSink) Close() error                { return nil }
func (s *multiSink) WriteBatches(bs []*record.Batch) error {
	if !s.first {
		s.first = true
		s.started <- struct{}{}
		<-s.gate
	}
	var ns []int
	for _, b := range bs {
		ns = append(ns, b.Len())
	}
	s.calls = append(s.calls, ns)
	if s.lost > 0 {
		return &LossError{Records: s.lost}
	}
	return nil
}

// TestQueueCoalesces: batches that wait while the sink writes are handed over together,
// in order, and counted as if written one by one.
func TestQueueCoalesces(t *testing.T) {
	s := &multiSink{gate: make(chan struct{}), started: make(chan struct{}), lost: 2}
	q := NewQueue(s, 16, Block)
	ctx := context.Background()
	if err := q.Publish(ctx, batch(1)); err != nil {
		t.Fatal(err)
	}
	<-s.started // the sink holds the first batch; the next ones wait in the queue
	for i := 2; i <= 6; i++ {
		if err := q.Publish(ctx, batch(i)); err != nil {
			t.Fatal(err)
		}
	}
	close(s.gate)
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if len(s.calls) != 2 || len(s.calls[0]) != 1 || len(s.calls[1]) != 5 {
		t.Fatalf("calls %v, want [[1] [2 3 4 5 6]]", s.calls)
	}
	for i, n := range s.calls[1] {
		if n != i+2 {
			t.Fatalf("batches out of order: %v", s.calls[1])
		}
	}
	st := &q.Stats
	if st.Records.Load() != 21 || st.Batches.Load() != 6 || st.Failed.Load() != 4 || st.Pending() != 0 {
		t.Fatalf("records %d batches %d failed %d pending %d", st.Records.Load(), st.Batches.Load(), st.Failed.Load(), st.Pending())
	}
}
