package kafka

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/bmpstream/bmpstream/internal/kafkatest"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// broker is a kfake cluster that can be stopped and started again on the same port with
// its log kept (DataDir: without it a restarted kfake forgets acknowledged records).
type broker struct {
	t    testing.TB
	opts []kfake.Opt
	addr string
	mu   sync.Mutex
	c    *kfake.Cluster
}

func newBroker(t testing.TB, extra ...kfake.Opt) *broker {
	t.Helper()
	port := kafkatest.FreePort(t)
	b := &broker{t: t, opts: append([]kfake.Opt{kfake.NumBrokers(1), kfake.Ports(port), kfake.DataDir(t.TempDir())}, extra...)}
	b.start()
	b.addr = b.c.ListenAddrs()[0]
	t.Cleanup(b.stop)
	return b
}

func (b *broker) cluster() *kfake.Cluster {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.c
}

func (b *broker) stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.c != nil {
		b.c.Close()
		b.c = nil
	}
}

// start starts the cluster, retrying while the port is still held by the previous one.
func (b *broker) start() {
	b.t.Helper()
	deadline := time.Now().Add(kafkatest.WaitLimit)
	for {
		c, err := kfake.NewCluster(b.opts...)
		if err == nil {
			b.mu.Lock()
			b.c = c
			b.mu.Unlock()
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("restarting kfake: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// outageResult is what runOutage observed.
type outageResult struct {
	st                 *stream
	q                  *publisher.Queue
	s                  *Sink
	report             kafkatest.Report
	maxQueue           int
	heapStart, heapEnd uint64 // live heap early and late in the outage
	notReady           bool   // Ready reported the outage
}

func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// runOutage feeds a generated stream through a queue of 4 batches into the sink, stops the
// broker once a quarter of the records were delivered, keeps it down for down, starts it
// again on the same port with the same log, and reads everything back.
func runOutage(t *testing.T, down time.Duration, policy publisher.Policy) outageResult {
	t0 := time.Now()
	b := newBroker(t)
	prefix := "out"
	st := genStream(t, prefix, true, genOpts{maxRecs: 100}, routers(2000)...)
	cfg := Config{Brokers: []string{b.addr}, TopicPrefix: prefix, SplitAF: true, CreateTopics: true,
		Topics: TopicSettings{Partitions: 2, Replication: 1}, RetryForever: policy == publisher.Block,
		Attempts: 3, Timeout: 2 * time.Second}
	s := newSink(t, cfg)
	if err := s.CreateTopics(context.Background()); err != nil {
		t.Fatal(err)
	}
	q := publisher.NewQueue(s, 4, policy)
	res := outageResult{st: st, q: q, s: s}

	// Sample the queue length while everything runs.
	var maxQueue atomic.Int64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if n := int64(q.Len()); n > maxQueue.Load() {
				maxQueue.Store(n)
			}
			select {
			case <-stopSampling:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()

	// Feed the batches at a steady pace (a router stream), blocking when the queue is
	// full (Block) or having them dropped (Drop).
	batches := st.batches
	st.batches = nil
	fed := make(chan error, 1)
	go func() {
		for _, bt := range batches {
			if err := q.Publish(context.Background(), bt); err != nil {
				fed <- err
				return
			}
			time.Sleep(3 * time.Millisecond)
		}
		fed <- nil
	}()

	testutil.WaitFor(t, "a quarter of the records delivered", func() bool { return s.Stats.Delivered.Load() >= uint64(st.records/4) })
	b.stop()
	t.Logf("%s: broker stopped after %d of %d records delivered", time.Since(t0).Round(time.Millisecond), s.Stats.Delivered.Load(), st.records)
	outage := time.Now()
	testutil.WaitFor(t, "Ready to report the outage", func() bool { return s.Ready() != nil })
	res.notReady = true
	time.Sleep(min(down/4, 2*time.Second))
	res.heapStart = liveHeap()
	time.Sleep(time.Until(outage.Add(down)))
	res.heapEnd = liveHeap()
	b.start()
	t.Logf("%s: broker back after %s", time.Since(t0).Round(time.Millisecond), time.Since(outage).Round(time.Millisecond))
	if err := <-fed; err != nil {
		t.Fatal(err)
	}
	// With the drop policy nothing may be left to write: the sink's monitor notices.
	testutil.WaitFor(t, "Ready after the broker came back", func() bool { return s.Ready() == nil })
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	close(stopSampling)
	<-sampled
	res.maxQueue = int(maxQueue.Load())
	c := b.cluster()
	stored := kafkatest.Stored(c, allTopics(prefix, true))
	got := kafkatest.Consume(t, b.addr, kafkatest.TopicRE(prefix), stored)
	res.report = kafkatest.Check(st.want, got)
	t.Logf("%s: drained and read back", time.Since(t0).Round(time.Millisecond))
	t.Logf("%s; queue: max %d of %d, dropped %d, failed %d, blocked %s; sink: delivered %d, lost %d, retries %d; live heap %d -> %d KiB",
		res.report, res.maxQueue, q.Cap(), q.Stats.Dropped.Load(), q.Stats.Failed.Load(),
		time.Duration(q.Stats.BlockedNanos.Load()).Round(time.Millisecond),
		s.Stats.Delivered.Load(), s.Stats.Lost.Load(), s.Stats.Retries.Load(), res.heapStart>>10, res.heapEnd>>10)
	return res
}

func checkBlockOutage(t *testing.T, r outageResult) {
	t.Helper()
	if !r.report.Clean() {
		t.Fatalf("block policy: records lost, repeated or misordered: %s", r.report)
	}
	if r.q.Stats.Dropped.Load() != 0 || r.q.Stats.Failed.Load() != 0 || r.s.Stats.Lost.Load() != 0 {
		t.Fatalf("block policy: dropped %d failed %d lost %d", r.q.Stats.Dropped.Load(), r.q.Stats.Failed.Load(), r.s.Stats.Lost.Load())
	}
	if r.maxQueue > r.q.Cap() {
		t.Fatalf("queue held %d batches, capacity %d", r.maxQueue, r.q.Cap())
	}
	if r.maxQueue < r.q.Cap() || r.q.Stats.BlockedNanos.Load() == 0 {
		t.Fatalf("the queue never filled up (max %d of %d, blocked %d ns): no backpressure", r.maxQueue, r.q.Cap(), r.q.Stats.BlockedNanos.Load())
	}
	if r.s.Stats.Retries.Load() == 0 {
		t.Fatal("no retries during the outage")
	}
	// Memory does not grow with the length of the outage: the queue is bounded and the
	// sink holds one batch.
	if r.heapEnd > r.heapStart+32<<20 {
		t.Fatalf("live heap grew from %d to %d KiB during the outage", r.heapStart>>10, r.heapEnd>>10)
	}
}

// TestOutage3sBlock: Kafka down for 3 s mid-stream, block policy: nothing lost, nothing
// repeated, order kept, queue bounded and full (backpressure), readiness follows.
func TestOutage3sBlock(t *testing.T) {
	checkBlockOutage(t, runOutage(t, 3*time.Second, publisher.Block))
}

// TestOutage30sBlock: the same with a 30 s outage, longer than kafka-go's own retry budget
// (about 7 s) and the sink's Attempts: the block policy keeps retrying.
func TestOutage30sBlock(t *testing.T) {
	checkBlockOutage(t, runOutage(t, 30*time.Second, publisher.Block))
}

// TestOutage3sDrop: with the drop policy the records missing from Kafka are exactly the
// records the queue dropped plus those the sink gave up (both counted), and what arrived
// is in order.
func TestOutage3sDrop(t *testing.T) {
	r := runOutage(t, 3*time.Second, publisher.Drop)
	rep := r.report
	counted := r.q.Stats.Dropped.Load() + r.q.Stats.Failed.Load()
	if uint64(rep.Missing) != counted {
		t.Fatalf("missing %d records, counted %d (dropped %d + failed %d)", rep.Missing, counted,
			r.q.Stats.Dropped.Load(), r.q.Stats.Failed.Load())
	}
	if rep.Missing == 0 || r.q.Stats.Dropped.Load() == 0 {
		t.Fatalf("nothing dropped during a 3 s outage: %s", rep)
	}
	if r.q.Stats.Failed.Load() != r.s.Stats.Lost.Load() {
		t.Fatalf("queue failed %d != sink lost %d", r.q.Stats.Failed.Load(), r.s.Stats.Lost.Load())
	}
	if rep.Unexpected != 0 || rep.Misordered != 0 || rep.Replays != 0 || rep.SplitKeys != 0 {
		t.Fatalf("drop policy: %s", rep)
	}
	if r.maxQueue > r.q.Cap() {
		t.Fatalf("queue held %d batches, capacity %d", r.maxQueue, r.q.Cap())
	}
}

// TestFaults injects Kafka errors on the produce requests of the IPv4 unicast topic:
// retriable ones are retried with nothing lost or repeated; REQUEST_TIMED_OUT, which kfake
// (like Kafka) returns after storing the records, makes the retry store them again:
// replays, never loss or reorder (kafka-go has no idempotent producer); MESSAGE_TOO_LARGE
// makes the sink resend the request in halves (nothing lost), and when even single
// records are refused they are lost, counted, while the other topics flow; INVALID_RECORD
// loses exactly the records of the refused request, counted, even with the block policy.
func TestFaults(t *testing.T) {
	cases := []struct {
		name     string
		err      *kerr.Error
		count    int
		replays  bool
		lossOnly bool
	}{
		{"not-leader", kerr.NotLeaderForPartition, 20, false, false},
		{"not-enough-replicas", kerr.NotEnoughReplicas, 5, false, false},
		{"request-timed-out", kerr.RequestTimedOut, 5, true, false},
		{"message-too-large-once", kerr.MessageTooLarge, 3, false, false},
		{"message-too-large-always", kerr.MessageTooLarge, -1, false, true},
		{"invalid-record", kerr.InvalidRecord, 1, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr, c := kafkatest.Start(t)
			prefix := "f-" + tc.name
			st := genStream(t, prefix, true, genOpts{maxRecs: 300}, routers(1000)...)
			s := newSink(t, Config{Brokers: []string{addr}, TopicPrefix: prefix, SplitAF: true, CreateTopics: true,
				Topics: TopicSettings{Partitions: 2, Replication: 1}, RetryForever: true})
			if err := s.CreateTopics(context.Background()); err != nil {
				t.Fatal(err)
			}
			h := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: prefix + ".parsed.unicast_prefix_v4",
				Err: tc.err, Count: tc.count})
			q := publisher.NewQueue(s, 4, publisher.Block)
			st.publish(t, q)
			if hits := h.Hits(); tc.count > 0 && hits != tc.count || hits == 0 {
				t.Fatalf("fault hit %d times, want %d", hits, tc.count)
			}
			h.Remove()
			got := kafkatest.Consume(t, addr, kafkatest.TopicRE(prefix), kafkatest.Stored(c, allTopics(prefix, true)))
			rep := kafkatest.Check(st.want, got)
			t.Logf("%s; failed %d, retries %d", rep, q.Stats.Failed.Load(), s.Stats.Retries.Load())
			if rep.Unexpected != 0 || rep.Misordered != 0 || rep.SplitKeys != 0 {
				t.Fatalf("%s", rep)
			}
			switch {
			case tc.lossOnly:
				if rep.Missing == 0 || uint64(rep.Missing) != q.Stats.Failed.Load() || rep.Replays != 0 {
					t.Fatalf("missing %d, failed %d, replays %d: want the refused records lost and counted",
						rep.Missing, q.Stats.Failed.Load(), rep.Replays)
				}
				if tc.count < 0 {
					v4 := 0
					for _, w := range st.want {
						if w.Topic == prefix+".parsed.unicast_prefix_v4" {
							v4++
						}
					}
					if rep.Missing != v4 {
						t.Fatalf("missing %d, want exactly the %d records of the refused topic", rep.Missing, v4)
					}
				}
			case tc.replays:
				if rep.Missing != 0 || rep.Replays == 0 || q.Stats.Failed.Load() != 0 {
					t.Fatalf("missing %d, replays %d, failed %d: want at-least-once with replays", rep.Missing, rep.Replays, q.Stats.Failed.Load())
				}
			default:
				if !rep.Clean() || q.Stats.Failed.Load() != 0 {
					t.Fatalf("%s, failed %d", rep, q.Stats.Failed.Load())
				}
			}
		})
	}
}

// TestDeadline: with the broker gone and the block policy, a write gives up at the
// deadline and reports every record lost; later writes fail at once.
func TestDeadline(t *testing.T) {
	b := newBroker(t)
	s := newSink(t, Config{Brokers: []string{b.addr}, TopicPrefix: "dl", CreateTopics: true, RetryForever: true,
		Timeout: time.Second})
	if err := s.CreateTopics(context.Background()); err != nil {
		t.Fatal(err)
	}
	b.stop()
	st := genStream(t, "dl", true, genOpts{maxRecs: 1000}, routers(100)[:1]...)
	defer st.release()
	s.SetDeadline(time.Now().Add(500 * time.Millisecond))
	done := make(chan error, 1)
	go func() { done <- s.Write(st.batches[0]) }()
	var err error
	select {
	case err = <-done:
	case <-time.After(kafkatest.WaitLimit):
		t.Fatal("Write did not give up at the deadline")
	}
	var le *publisher.LossError
	if !errors.As(err, &le) || le.Records != st.batches[0].Len() || !errors.Is(err, errDeadline) {
		t.Fatalf("err = %v, want a LossError of all %d records at the deadline", err, st.batches[0].Len())
	}
	err = s.Write(st.batches[0])
	if !errors.As(err, &le) || le.Records != st.batches[0].Len() {
		t.Fatalf("write after the deadline: %v", err)
	}
	if s.Ready() == nil {
		t.Fatal("ready with the broker gone")
	}
	if got := s.Stats.Lost.Load(); got != uint64(2*st.batches[0].Len()) {
		t.Fatalf("lost %d", got)
	}
}

// TestDropGivesUp: without RetryForever a write is given up after Attempts tries, its
// records counted lost per topic.
func TestDropGivesUp(t *testing.T) {
	b := newBroker(t)
	s := newSink(t, Config{Brokers: []string{b.addr}, TopicPrefix: "gu", CreateTopics: true, Attempts: 2,
		Timeout: time.Second})
	if err := s.CreateTopics(context.Background()); err != nil {
		t.Fatal(err)
	}
	b.stop()
	bt := record.NewBatch()
	defer bt.Release()
	bt.AddRaw(rawRecord("x"), record.Meta{Type: record.TypeRaw})
	bt.AddRaw(rawRecord("y"), record.Meta{Type: record.TypeRaw})
	err := s.Write(bt)
	var le *publisher.LossError
	if !errors.As(err, &le) || le.Records != 2 {
		t.Fatalf("err = %v, want 2 records lost", err)
	}
	if r := s.Stats.Retries.Load(); r != 1 {
		t.Fatalf("%d retries, want 1 (2 attempts)", r)
	}
}
