package publisher

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/golang/glog"

	"github.com/bmpstream/bmpstream/internal/loglimit"
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
	// Accepted counts records taken into the queue; Accepted - Records are waiting (or
	// being written).
	Accepted atomic.Uint64
	// AcceptedBytes and WrittenBytes count the memory of the batches taken into the queue
	// and of those handed back by the sink (see BatchBytes); their difference is what the
	// queue holds.
	AcceptedBytes, WrittenBytes atomic.Int64
	// WriteLatency counts Write calls by duration: WriteLatency[i] those that took at most
	// WriteBuckets[i] seconds (and more than WriteBuckets[i-1]), the last one the rest.
	WriteLatency [len(WriteBuckets) + 1]atomic.Uint64
}

// WriteBuckets are the upper bounds, in seconds, of QueueStats.WriteLatency.
var WriteBuckets = [...]float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
	0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// PendingBytes is the memory held by the batches accepted and not yet written.
func (s *QueueStats) PendingBytes() int64 {
	written := s.WrittenBytes.Load()
	return s.AcceptedBytes.Load() - written
}

// BatchBytes estimates the memory of a batch: its buffers' capacity.
func BatchBytes(b *record.Batch) int64 {
	return int64(cap(b.Buf)) + int64(cap(b.Recs))*int64(unsafe.Sizeof(record.Meta{}))
}

// Pending is the number of records accepted but not yet handed back by the sink's Write.
func (s *QueueStats) Pending() uint64 {
	written := s.Records.Load() // before Accepted: Accepted is raised before a batch is queued
	return s.Accepted.Load() - written
}

func (s *QueueStats) observeWrite(d time.Duration) {
	sec := d.Seconds()
	i := 0
	for i < len(WriteBuckets) && sec > WriteBuckets[i] {
		i++
	}
	s.WriteLatency[i].Add(1)
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
	log    *loglimit.Limiter
}

// Failure log lines of a queue (write_failed, flush_failed) are limited to failLogBurst
// per failLogInterval and event; the next line that passes carries suppressed=N. The
// counters (records failed) count every loss.
const (
	failLogInterval = 10 * time.Second
	failLogBurst    = 3
)

// logFailure logs a failure line through the queue's rate limiter.
func (q *Queue) logFailure(event, format string, args ...any) {
	suffix, ok := q.log.Allow(event, time.Now())
	if !ok {
		return
	}
	glog.Errorf("sink=%s event=%s "+format+"%s", append(append([]any{q.sink.Name(), event}, args...), suffix)...)
}

// countFlushLoss counts the records a sink reports lost by a Flush or Close (a
// *LossError): records its Write had accepted and buffered.
func (q *Queue) countFlushLoss(err error) {
	var le *LossError
	if errors.As(err, &le) {
		q.Stats.Failed.Add(uint64(le.Records))
	}
}

// NewQueue starts a queue of at most size batches in front of sink.
func NewQueue(sink Sink, size int, policy Policy) *Queue {
	if size < 1 {
		size = 1
	}
	q := &Queue{sink: sink, policy: policy, ch: make(chan *record.Batch, size), done: make(chan struct{}),
		log: loglimit.New(failLogInterval, failLogBurst, 4)}
	go q.run()
	return q
}

// Needs returns the encodings of the queue's sink (see Needer).
func (q *Queue) Needs() record.Encodings { return Needs(q.sink) }

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
	n := uint64(b.Len())
	if q.closed {
		q.Stats.Dropped.Add(n)
		b.Release()
		return ErrClosed
	}
	q.Stats.Accepted.Add(n)
	mem := BatchBytes(b)
	q.Stats.AcceptedBytes.Add(mem)
	select {
	case q.ch <- b:
		return nil
	default:
	}
	if q.policy == Drop {
		q.Stats.AcceptedBytes.Add(-mem)
		q.Stats.Accepted.Add(-n)
		q.Stats.Dropped.Add(n)
		b.Release()
		return nil
	}
	start := time.Now()
	defer func() { q.Stats.BlockedNanos.Add(int64(time.Since(start))) }()
	select {
	case q.ch <- b:
		return nil
	case <-ctx.Done():
		q.Stats.AcceptedBytes.Add(-mem)
		q.Stats.Accepted.Add(-n)
		q.Stats.Dropped.Add(n)
		b.Release()
		return ctx.Err()
	}
}

// MultiWriter is implemented by sinks that deliver several batches in one call better than
// one at a time (Kafka: fewer, larger produce requests per partition, so fewer waits for
// the broker's acknowledgement). WriteBatches delivers every record of bs in order, like
// Write for each in turn; a *LossError reports how many of their records were lost.
type MultiWriter interface {
	WriteBatches(bs []*record.Batch) error
}

// Bounds of the batches handed to one WriteBatches: what is waiting in the queue, up to
// these.
const (
	maxCoalesce      = 64
	maxCoalesceBytes = 2 << 20
)

func (q *Queue) run() {
	defer close(q.done)
	mw, multi := q.sink.(MultiWriter)
	var bs []*record.Batch
	for b := range q.ch {
		if multi {
			bs = append(bs[:0], b)
			size := b.Size()
		more:
			for len(bs) < maxCoalesce && size < maxCoalesceBytes {
				select {
				case nb, ok := <-q.ch:
					if !ok {
						break more
					}
					bs = append(bs, nb)
					size += nb.Size()
				default:
					break more
				}
			}
			q.writeMany(mw, bs)
			clear(bs)
		} else {
			q.write(b)
		}
		if len(q.ch) == 0 {
			if err := q.sink.Flush(); err != nil {
				q.countFlushLoss(err)
				q.logFailure("flush_failed", "err=%q", err)
			}
		}
	}
}

func (q *Queue) write(b *record.Batch) {
	n := b.Len()
	mem := BatchBytes(b)
	start := time.Now()
	err := q.sink.Write(b)
	d := time.Since(start)
	q.Stats.WriteNanos.Add(int64(d))
	q.Stats.observeWrite(d)
	q.Stats.Records.Add(uint64(n))
	q.Stats.Batches.Add(1)
	q.Stats.WrittenBytes.Add(mem)
	b.Release()
	if err != nil {
		lost := n
		var le *LossError
		if errors.As(err, &le) {
			lost = le.Records
		}
		q.Stats.Failed.Add(uint64(lost))
		q.logFailure("write_failed", "records_lost=%d records_failed_total=%d err=%q", lost, q.Stats.Failed.Load(), err)
	}
}

// writeMany hands bs to the sink at once; the counters are those of writing them one by
// one, except that the write latency is observed once.
func (q *Queue) writeMany(mw MultiWriter, bs []*record.Batch) {
	n := 0
	for _, b := range bs {
		n += b.Len()
	}
	start := time.Now()
	err := mw.WriteBatches(bs)
	d := time.Since(start)
	q.Stats.WriteNanos.Add(int64(d))
	q.Stats.observeWrite(d)
	q.Stats.Records.Add(uint64(n))
	q.Stats.Batches.Add(uint64(len(bs)))
	for _, b := range bs {
		q.Stats.WrittenBytes.Add(BatchBytes(b))
		b.Release()
	}
	if err != nil {
		lost := n
		var le *LossError
		if errors.As(err, &le) {
			lost = le.Records
		}
		q.Stats.Failed.Add(uint64(lost))
		q.logFailure("write_failed", "batches=%d records_lost=%d records_failed_total=%d err=%q", len(bs), lost, q.Stats.Failed.Load(), err)
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
	ferr := q.sink.Flush()
	q.countFlushLoss(ferr)
	cerr := q.sink.Close()
	q.countFlushLoss(cerr)
	return errors.Join(ferr, cerr)
}
