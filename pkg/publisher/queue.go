package publisher

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang/glog"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// QueueStats are a queue's counters, safe to read at any time.
type QueueStats struct {
	// Records and Batches published to the sink (delivered or not).
	Records, Batches atomic.Uint64
	// Dropped counts records dropped because the queue was full (Drop policy) or because
	// Publish gave up (context done) or the queue was closed.
	Dropped atomic.Uint64
	// Failed counts records the sink reported as lost.
	Failed atomic.Uint64
	// BlockedNanos is the time publishers spent waiting for room (Block policy).
	BlockedNanos atomic.Int64
	// WriteNanos is the time spent in the sink's Write.
	WriteNanos atomic.Int64
}

// Queue is a bounded queue of batches in front of one Sink, drained by one goroutine.
type Queue struct {
	sink   Sink
	policy Policy
	ch     chan *record.Batch
	done   chan struct{}
	Stats  QueueStats

	mu     sync.RWMutex // guards closed against concurrent Publish/Close
	closed bool
}

// NewQueue starts a queue of at most size batches in front of sink.
func NewQueue(sink Sink, size int, policy Policy) *Queue {
	if size < 1 {
		size = 1
	}
	q := &Queue{sink: sink, policy: policy, ch: make(chan *record.Batch, size), done: make(chan struct{})}
	go q.run()
	return q
}

// Len is the number of batches waiting.
func (q *Queue) Len() int { return len(q.ch) }

// Cap is the queue's capacity in batches.
func (q *Queue) Cap() int { return cap(q.ch) }

// Sink returns the queue's sink.
func (q *Queue) Sink() Sink { return q.sink }

// Publish enqueues b. With the Block policy it waits for room (or for ctx); with Drop it
// drops b at once when the queue is full. Dropped records are counted, never silent.
func (q *Queue) Publish(ctx context.Context, b *record.Batch) error {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		q.Stats.Dropped.Add(uint64(b.Len()))
		b.Release()
		return ErrClosed
	}
	select {
	case q.ch <- b:
		return nil
	default:
	}
	if q.policy == Drop {
		q.Stats.Dropped.Add(uint64(b.Len()))
		b.Release()
		return nil
	}
	start := time.Now()
	defer func() { q.Stats.BlockedNanos.Add(int64(time.Since(start))) }()
	select {
	case q.ch <- b:
		return nil
	case <-ctx.Done():
		q.Stats.Dropped.Add(uint64(b.Len()))
		b.Release()
		return ctx.Err()
	}
}

func (q *Queue) run() {
	defer close(q.done)
	for b := range q.ch {
		q.write(b)
		if len(q.ch) == 0 {
			if err := q.sink.Flush(); err != nil {
				glog.Errorf("sink=%s event=flush_failed err=%q", q.sink.Name(), err)
			}
		}
	}
}

func (q *Queue) write(b *record.Batch) {
	n := b.Len()
	start := time.Now()
	err := q.sink.Write(b)
	q.Stats.WriteNanos.Add(int64(time.Since(start)))
	q.Stats.Records.Add(uint64(n))
	q.Stats.Batches.Add(1)
	b.Release()
	if err != nil {
		lost := n
		var le *LossError
		if errors.As(err, &le) {
			lost = le.Records
		}
		q.Stats.Failed.Add(uint64(lost))
		glog.Errorf("sink=%s event=write_failed records_lost=%d err=%q", q.sink.Name(), lost, err)
	}
}

// Close stops accepting batches, waits until every queued batch was written, flushes and
// closes the sink.
func (q *Queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		<-q.done
		return nil
	}
	q.closed = true
	close(q.ch)
	q.mu.Unlock()
	<-q.done
	return errors.Join(q.sink.Flush(), q.sink.Close())
}
