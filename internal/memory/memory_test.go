package memory

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestAccounting(t *testing.T) {
	b := New(1000)
	b.Add(ReadBuffers, 300)
	b.Add(PeerState, 200)
	var q atomic.Int64
	b.SetQueued(q.Load)
	q.Store(400)
	if got := b.Total(); got != 900 {
		t.Fatalf("total %d, want 900", got)
	}
	if b.Over() {
		t.Fatal("over at 900 of 1000")
	}
	b.Add(SessionBatches, 200)
	if !b.Over() || b.Used(QueuedBatches) != 400 || b.Peak() < 1100 {
		t.Fatalf("over %v queued %d peak %d", b.Over(), b.Used(QueuedBatches), b.Peak())
	}
	var nilBudget *Budget
	nilBudget.Add(ReadBuffers, 5) // a nil budget accounts nothing
	if nilBudget.Over() || nilBudget.Limit() != 0 {
		t.Fatal("nil budget")
	}
}

// TestWaitPausesUntilDrained: over the limit with queued output, Wait returns only once
// the queues drained below the limit; without queued output it returns at once and
// counts the excess.
func TestWaitPausesUntilDrained(t *testing.T) {
	b := New(1000)
	var q atomic.Int64
	b.SetQueued(q.Load)
	b.Add(ReadBuffers, 500)
	q.Store(800)
	done := make(chan struct{})
	go func() { b.Wait(context.Background(), nil); close(done) }()
	select {
	case <-done:
		t.Fatal("Wait returned over the limit with queued output")
	case <-time.After(50 * time.Millisecond):
	}
	q.Store(400) // the sink wrote some
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Wait did not return once under the limit")
	}
	if b.Pauses.Load() != 1 || b.PausedNanos.Load() < int64(50*time.Millisecond) {
		t.Fatalf("pauses %d paused %s", b.Pauses.Load(), time.Duration(b.PausedNanos.Load()))
	}
	q.Store(0)
	b.Add(PeerState, 2000)
	b.Wait(context.Background(), nil) // nothing to drain: returns at once
	if b.Exceeded.Load() != 1 {
		t.Fatalf("exceeded %d", b.Exceeded.Load())
	}
	// A stop ends a pause.
	q.Store(100)
	stop := make(chan struct{})
	close(stop)
	b.Wait(context.Background(), stop)
}

func TestNoLimit(t *testing.T) {
	b := New(0)
	b.Add(ReadBuffers, 1<<40)
	if b.Over() {
		t.Fatal("a zero limit limits")
	}
}
