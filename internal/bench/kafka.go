package bench

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// KafkaConfig configures the Kafka scenario: an in-process kfake broker on 127.0.0.1 (in
// the benchmark's process, not the collector's) that the collector produces to with
// acks=all.
type KafkaConfig struct {
	// Compression is the collector's --kafka-compression (default lz4).
	Compression string
	// Partitions per topic (default 4); the topics are created before the collector starts.
	Partitions int
}

const benchTopicPrefix = "bench"

// benchTopics are the topics a benchmark stream's records go to (--split-af is on by
// default: unicast_prefix_v4 and _v6).
func benchTopics() []string {
	var ts []string
	for _, t := range []record.Type{record.TypeRouter, record.TypePeer, record.TypeUnicastPrefix} {
		for _, v4 := range []bool{true, false} {
			if n := record.Topic(benchTopicPrefix, t, v4, true); !slices.Contains(ts, n) {
				ts = append(ts, n)
			}
		}
	}
	return ts
}

// ThroughputKafka replays s on cfg.Sessions sessions to a fresh collector producing to an
// in-process Kafka broker and measures until every record is in Kafka (read back by a
// consumer). Every record is checked: each session's records exactly once, and in each
// partition each session's sequence numbers increasing (the per-partition order).
func ThroughputKafka(cfg Config, s *Stream, kc KafkaConfig) (res Result, err error) {
	cfg.defaults()
	if kc.Compression == "" {
		kc.Compression = "lz4"
	}
	kc.Partitions = max(kc.Partitions, 1)
	k := int64(cfg.Sessions)
	res = Result{Stream: s.Name, Sink: "kafka " + kc.Compression, PerUpdate: s.PerUpdate, Sessions: cfg.Sessions,
		Prefixes: int64(s.Prefixes) * k, Messages: int64(s.Messages) * k, InputBytes: int64(len(s.Data)) * k,
		Records: s.Records * k, LoadAvg: LoadAvg()}
	topics := benchTopics()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), // listens on 127.0.0.1
		kfake.SeedTopics(int32(kc.Partitions), topics...))
	if err != nil {
		return res, fmt.Errorf("kfake: %w", err)
	}
	defer cluster.Close()
	addr := cluster.ListenAddrs()[0]

	args := append([]string{"--kafka-server=" + addr, "--kafka-compression=" + kc.Compression,
		"--kafka-topic-prefix=" + benchTopicPrefix, "--kafka-topic-partitions=" + strconv.Itoa(kc.Partitions)}, cfg.Extra...)
	c, err := startCollector(cfg.Collector, args, 30*time.Second)
	if err != nil {
		return res, err
	}
	stopped := false
	defer func() {
		if !stopped {
			c.Kill()
		}
	}()
	cons, err := newConsumer(addr, topics)
	if err != nil {
		return res, err
	}
	defer cons.close()

	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
	defer cancel()
	if err := measure(ctx, c, s, cfg.Sessions, &res, "kafka", func() (time.Time, error) { return cons.consume(ctx, res.Records) }); err != nil {
		return res, err
	}
	res.derive()

	// Stop the collector, then read whatever else arrived (nothing, if the count was right).
	stopped = true
	if xerr := c.Stop(30 * time.Second); xerr != nil {
		res.ExitError = xerr.Error()
	}
	drainCtx, drainCancel := context.WithTimeout(context.Background(), time.Second)
	cons.drain(drainCtx)
	drainCancel()
	all := cons.merged()
	res.OutputBytes = all.Bytes
	if res.Records > 0 {
		res.BytesPerRecord = float64(all.Bytes) / float64(res.Records)
	}
	if err := all.Check(s.Records, s.Unicast, cfg.Sessions); err != nil {
		res.Error = err.Error()
	} else {
		res.Verified = true
	}
	return res, nil
}

// consumer reads the benchmark topics from the start, one Increasing tally per partition.
type consumer struct {
	cl    *kgo.Client
	mu    sync.Mutex
	parts map[string]*Tally // "topic/partition"
	lines int64
}

func newConsumer(addr string, topics []string) (*consumer, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(50*time.Millisecond),
		kgo.FetchMaxBytes(64<<20), kgo.FetchMaxPartitionBytes(16<<20))
	if err != nil {
		return nil, fmt.Errorf("kafka consumer: %w", err)
	}
	return &consumer{cl: cl, parts: make(map[string]*Tally)}, nil
}

func (c *consumer) close() { c.cl.Close() }

// consume polls until want records were read; it returns when the last one was.
func (c *consumer) consume(ctx context.Context, want int64) (time.Time, error) {
	for c.lines < want {
		fs := c.cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return time.Now(), fmt.Errorf("%d of %d records by the deadline", c.lines, want)
		}
		c.take(fs)
	}
	return time.Now(), nil
}

func (c *consumer) drain(ctx context.Context) {
	for ctx.Err() == nil {
		c.take(c.cl.PollFetches(ctx))
	}
}

func (c *consumer) take(fs kgo.Fetches) {
	fs.EachRecord(func(r *kgo.Record) {
		key := r.Topic + "/" + strconv.Itoa(int(r.Partition))
		t := c.parts[key]
		if t == nil {
			t = &Tally{Verify: true, Order: Increasing}
			c.parts[key] = t
		}
		t.Line(r.Value)
		c.lines++
	})
}

// merged is the tally of every partition.
func (c *consumer) merged() *Tally {
	all := &Tally{Verify: true}
	keys := make([]string, 0, len(c.parts))
	for k := range c.parts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		all.Merge(c.parts[k])
	}
	return all
}
