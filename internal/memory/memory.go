// Package memory is the collector's memory budget (--memory-limit). The components that
// grow with the input are accounted here as they change — the connections' read buffers,
// the batches sessions are filling, the sessions' peer state, and the batches waiting in
// the sinks' queues — and the server asks Wait before each read from a router: while the
// total is over the limit and some of it is queued output that the sinks will drain,
// reading pauses across all sessions (TCP backpressure holds the routers), and it
// resumes once the total is back under the limit. New connections are refused while
// over the limit. Pausing cannot free memory that only the routers' own progress frees
// (partial messages, peer state): then reading goes on and the excess is counted.
package memory

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Component is one accounted use of memory.
type Component int

const (
	// ReadBuffers: each connection's read buffer and message buffer.
	ReadBuffers Component = iota
	// SessionBatches: the batches sessions are filling (not yet handed to the queues).
	SessionBatches
	// PeerState: the sessions' per-peer state (an estimate per peer).
	PeerState
	// QueuedBatches: batches accepted into the sinks' queues and not yet written.
	QueuedBatches
	// RouteTable: the route table of --rib (its paths and interned attribute sets).
	RouteTable
	numComponents
)

var componentNames = [numComponents]string{"read_buffers", "session_batches", "peer_state", "queued_batches", "route_table"}

func (c Component) String() string { return componentNames[c] }

// Components lists every component.
func Components() []Component {
	return []Component{ReadBuffers, SessionBatches, PeerState, QueuedBatches, RouteTable}
}

// pollInterval is how often a paused reader checks the budget again.
const pollInterval = 2 * time.Millisecond

// Budget accounts memory by component and applies the limit. The zero limit accounts
// without limiting. It is safe for concurrent use.
type Budget struct {
	limit int64
	used  [numComponents]atomic.Int64
	// queued, when set, reports QueuedBatches (the queues count their own bytes).
	queued atomic.Pointer[func() int64]
	// table, when set, reports RouteTable (the table counts its own bytes).
	table atomic.Pointer[func() int64]

	// Pauses counts the reads that waited; PausedNanos is the time they waited.
	Pauses, PausedNanos atomic.Int64
	// Exceeded counts the reads that went on over the limit because nothing the sinks
	// could drain was queued.
	Exceeded atomic.Int64
	peak     atomic.Int64
	// session is the sum of the sessions' components (all but QueuedBatches) and
	// sessionPeak its highest value since the last TakeSessionPeak.
	session, sessionPeak atomic.Int64
}

// New returns a budget of limit bytes (0: account only).
func New(limit int64) *Budget { return &Budget{limit: max(limit, 0)} }

// Limit is the budget's limit in bytes (0: none).
func (b *Budget) Limit() int64 {
	if b == nil {
		return 0
	}
	return b.limit
}

// Add changes component c by delta bytes.
func (b *Budget) Add(c Component, delta int64) {
	if b == nil || delta == 0 {
		return
	}
	b.used[c].Add(delta)
	now := b.session.Add(delta)
	for delta > 0 {
		p := b.sessionPeak.Load()
		if now <= p || b.sessionPeak.CompareAndSwap(p, now) {
			break
		}
	}
}

// TakeSessionPeak returns the highest sum of the sessions' components since the last
// call (or since the start) and the current sum, and starts a new period.
func (b *Budget) TakeSessionPeak() (peak, now int64) {
	now = b.session.Load()
	peak = b.sessionPeak.Swap(now)
	return max(peak, now), now
}

// SetQueued makes f report the QueuedBatches component.
func (b *Budget) SetQueued(f func() int64) { b.queued.Store(&f) }

// SetRouteTable makes f report the RouteTable component.
func (b *Budget) SetRouteTable(f func() int64) {
	if b != nil {
		b.table.Store(&f)
	}
}

// Used returns the bytes of component c.
func (b *Budget) Used(c Component) int64 {
	if b == nil {
		return 0
	}
	if c == QueuedBatches {
		if f := b.queued.Load(); f != nil {
			return (*f)()
		}
	}
	if c == RouteTable {
		if f := b.table.Load(); f != nil {
			return (*f)()
		}
	}
	return b.used[c].Load()
}

// Total is the sum of every component.
func (b *Budget) Total() int64 {
	var t int64
	for c := range numComponents {
		t += b.Used(c)
	}
	if t > b.peak.Load() {
		b.peak.Store(t)
	}
	return t
}

// Peak is the highest Total observed.
func (b *Budget) Peak() int64 { return b.peak.Load() }

// Over reports whether the total exceeds the limit.
func (b *Budget) Over() bool {
	return b != nil && b.limit > 0 && b.Total() > b.limit
}

// Wait returns at once while the total is within the limit. Over it, it waits — reading
// paused — until the total is back under the limit, there is no queued output left to
// drain, ctx is done or stop is closed.
func (b *Budget) Wait(ctx context.Context, stop <-chan struct{}) {
	if !b.Over() {
		return
	}
	if b.Used(QueuedBatches) <= 0 {
		b.Exceeded.Add(1)
		return
	}
	start := time.Now()
	b.Pauses.Add(1)
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for b.Over() && b.Used(QueuedBatches) > 0 {
		select {
		case <-t.C:
		case <-ctx.Done():
			b.PausedNanos.Add(int64(time.Since(start)))
			return
		case <-stop:
			b.PausedNanos.Add(int64(time.Since(start)))
			return
		}
	}
	b.PausedNanos.Add(int64(time.Since(start)))
}

// DefaultLimit derives --memory-limit's default: 3/4 of the Go runtime's memory limit
// (GOMEMLIMIT) when one is set, else 3/4 of the cgroup's memory limit when there is one,
// else 0 (no limit). The other quarter is left to what is not accounted (the runtime, the
// sinks' clients, garbage not yet collected). source names where it came from.
func DefaultLimit() (limit int64, source string) {
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		if l := debug.SetMemoryLimit(-1); l > 0 && l < 1<<62 {
			return l / 4 * 3, "GOMEMLIMIT"
		}
	}
	if l, ok := cgroupLimit(); ok {
		return l / 4 * 3, "cgroup"
	}
	return 0, ""
}

// cgroupLimit reads the memory limit of the process's cgroup (v2, then v1).
func cgroupLimit() (int64, bool) {
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(b))
		if s == "max" {
			return 0, false
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 || n >= 1<<60 { // cgroup v1 reports "no limit" as a huge number
			return 0, false
		}
		return n, true
	}
	return 0, false
}

// reclaimThreshold is the free heap (not yet returned to the system), or the drop of the
// sessions' accounted memory within an interval, above which Reclaim returns memory.
const reclaimThreshold = 64 << 20

// Reclaim returns memory to the system after bursts, every interval until ctx is done:
// when the sessions' accounted memory (buffers of b) fell by more than 64 MiB from its
// peak of the interval (connections holding large buffers ended: their memory is garbage
// that no allocation may collect soon), or when the heap's free memory is over 64 MiB, it
// collects garbage and returns the free memory (debug.FreeOSMemory). Without it the Go
// runtime would keep it for minutes.
func Reclaim(ctx context.Context, interval time.Duration, b *Budget) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		peak, now := b.TakeSessionPeak()
		metrics.Read(sample)
		free := sample[0].Value.Kind() == metrics.KindUint64 && sample[0].Value.Uint64() > reclaimThreshold
		if peak-now > reclaimThreshold || free {
			// Twice: buffers of ended sessions that went back to a sync.Pool (the read
			// buffers) survive one collection in the pool's victim cache.
			debug.FreeOSMemory()
			debug.FreeOSMemory()
		}
	}
}
