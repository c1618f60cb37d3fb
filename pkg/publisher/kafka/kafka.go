// Package kafka is the sink that publishes records to Apache Kafka (or any broker speaking
// the Kafka protocol) with segmentio/kafka-go.
//
// Every record becomes one Kafka message:
//   - topic: record.Topic(prefix, type, ipv4, splitAF), e.g. "gobmp.parsed.unicast_prefix_v4",
//     or "<prefix>.raw" for raw BMP records;
//   - key: the router hash and the peer hash as lowercase hex, "<router_hash><peer_hash>"
//     (64 characters), or the router hash alone (32 characters) for router-level records
//     (zero peer hash) and raw BMP records;
//   - value: the record's JSON, byte for byte what the file sink writes on its line (raw
//     records: their binary bytes).
//
// Partitions are chosen like sarama's default hash partitioner and kafka-go's Hash
// balancer (FNV-1a of the key modulo the partition count), so one peer's records stay in
// one partition, in order.
//
// Delivery: acks=all, synchronous. WriteBatches takes the batches waiting in the queue
// (publisher.MultiWriter) and Write one batch; either groups the records
// by topic and partition and sends one produce request per partition (several when a
// partition's records exceed BatchBytes, one after the other), the partitions in parallel
// (at most MaxInFlight requests). A partition never has two requests of the sink in
// flight, and when a request fails the records after it in that partition are not sent:
// a retry can not overtake anything, so the order within a partition is the stream's. A
// failed write is retried with backoff: with RetryForever (the Block queue policy) until
// it is delivered or the shutdown deadline passes; otherwise up to Attempts times, after
// which the records are reported lost through a *publisher.LossError. Records the broker
// refuses for good (too large…) are reported lost at once. kafka-go has no idempotent
// producer: a request that the broker stored but answered with an error (a timeout, a
// connection cut after the append) is sent again, so a consumer can see a run of records
// twice (at-least-once), never out of order.
package kafka

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang/glog"
	kafkago "github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"

	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// Defaults.
const (
	DefaultTopicPrefix = "gobmp"
	DefaultRetentionMs = 900000
	// DefaultBatchBytes keeps a produce request's record batch under Kafka's default
	// max.message.bytes (1048588) including the record-batch overhead.
	DefaultBatchBytes = 1<<20 - 1024
	// msgOverhead is what a record costs in a record batch on top of its key and value, at
	// most (varint lengths, offset and timestamp deltas, attributes).
	msgOverhead = 32
)

// TopicSettings are used when the sink creates topics.
type TopicSettings struct {
	// Partitions and Replication of created topics; -1 means the broker's default.
	Partitions  int
	Replication int
	// RetentionMs is set as the topic's retention.ms (0: not set, the broker's default).
	RetentionMs int64
}

// Config configures a Sink.
type Config struct {
	// Brokers are the bootstrap host:port addresses.
	Brokers []string
	// TopicPrefix replaces "gobmp" in the topic names (default "gobmp").
	TopicPrefix string
	// SplitAF selects the _v4/_v6 topics (record.Topic).
	SplitAF bool
	// CreateTopics creates the topics (CreateTopics) at start and any other topic before
	// its first record; a topic that already exists is left as it is.
	CreateTopics bool
	Topics       TopicSettings
	Compression  kafkago.Compression
	TLS          *tls.Config
	SASL         sasl.Mechanism
	// RetryForever keeps retrying a failed write until it succeeds or the deadline set with
	// SetDeadline passes (the Block policy). Otherwise a write is given up after Attempts.
	RetryForever bool
	// Attempts is the number of tries of a batch before its undelivered records are
	// reported lost, when RetryForever is off (default 10: about 7 s with the default
	// backoff).
	Attempts int
	// BatchBytes bounds one produce request (key and value bytes plus a per-record
	// overhead); a record larger than that can not be written and is counted as lost.
	BatchBytes int
	// MaxInFlight bounds the produce requests sent in parallel (to different partitions;
	// default 16).
	MaxInFlight int
	// RetryBackoffMin/Max bound the wait between tries (default 100ms, 1s).
	RetryBackoffMin, RetryBackoffMax time.Duration
	// Timeout bounds one request to the broker (default 10s).
	Timeout  time.Duration
	ClientID string
	// Format is the encoding of the record values (default JSON). Every parsed record
	// carries the headers content-type and bmpstream-schema (publisher.ContentType).
	Format publisher.Format
}

func (c *Config) defaults() {
	if c.TopicPrefix == "" {
		c.TopicPrefix = DefaultTopicPrefix
	}
	if c.Attempts <= 0 {
		c.Attempts = 10
	}
	if c.BatchBytes <= 0 {
		c.BatchBytes = DefaultBatchBytes
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = 16
	}
	if c.RetryBackoffMin <= 0 {
		c.RetryBackoffMin = 100 * time.Millisecond
	}
	if c.RetryBackoffMax < c.RetryBackoffMin {
		c.RetryBackoffMax = max(time.Second, c.RetryBackoffMin)
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.ClientID == "" {
		c.ClientID = "bmpstream"
	}
	if c.Topics.Partitions == 0 {
		c.Topics.Partitions = 1
	}
	if c.Topics.Replication == 0 {
		c.Topics.Replication = 1
	}
}

// Stats are the sink's counters, safe to read at any time.
type Stats struct {
	// Delivered counts records acknowledged by the broker.
	Delivered atomic.Uint64
	// Lost counts records given up (also reported to the queue's Failed counter).
	Lost atomic.Uint64
	// Retries counts the retried tries of batches; Requests the produce requests sent.
	Retries, Requests atomic.Uint64
	// TopicsCreated counts topics this sink created.
	TopicsCreated atomic.Uint64
}

// Sink publishes batches to Kafka. Write, Flush and Close are called from one goroutine
// (the queue's); Ready, SetDeadline and Stats from any.
type Sink struct {
	cfg       Config
	transport *kafkago.Transport
	client    *kafkago.Client
	ctx       context.Context // cancelled at the shutdown deadline or by Close
	cancel    context.CancelFunc
	deadline  sync.Once
	closed    sync.Once
	Stats     Stats
	// headers are the record headers per record type (headersOf).
	headers [32][]kafkago.Header

	// Reused per Write: the copy of the batch's bytes and the keys that the messages point
	// into (replaced, not reused, after a request was abandoned, because kafka-go may still
	// be reading them), the messages, and the topic names.
	arena  []byte
	keys   []byte
	msgs   []msg
	topics map[uint16]string
	known  map[string]bool // topics known to exist (created or found)
	prod   producer
	one    [1]*record.Batch // Write's argument to WriteBatches

	health health
}

type health struct {
	mu      sync.Mutex
	err     error // nil: the last contact with the broker succeeded
	since   time.Time
	contact time.Time // last contact attempt
}

func (h *health) set(err error) {
	h.mu.Lock()
	now := time.Now()
	if (err == nil) != (h.err == nil) || h.since.IsZero() {
		h.since = now
	}
	h.err = err
	h.contact = now
	h.mu.Unlock()
}

// stale reports whether the broker should be probed: the last contact failed, or there
// was none for idle.
func (h *health) stale(idle time.Duration) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err != nil || time.Since(h.contact) >= idle
}

// Probe intervals: while the broker is unreachable, and while the sink is idle.
const (
	probeUnhealthy = 2 * time.Second
	probeIdle      = 15 * time.Second
)

// monitor keeps Ready current when no write contacts the broker: it probes every
// probeUnhealthy while the last contact failed and after probeIdle without contact.
func (s *Sink) monitor() {
	t := time.NewTicker(probeUnhealthy)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		if s.health.stale(probeIdle) {
			ctx, cancel := context.WithTimeout(s.ctx, s.cfg.Timeout)
			err := s.Probe(ctx)
			cancel()
			if s.ctx.Err() != nil {
				return
			}
			if err != nil {
				glog.V(1).Infof("sink=kafka event=probe_failed err=%q", err)
			}
		}
	}
}

// New returns a sink. It does not contact the broker itself (call CreateTopics or Probe),
// but a monitor goroutine probes it while Ready reports an error or the sink is idle;
// Close stops it.
func New(cfg Config) (*Sink, error) {
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("kafka: no broker address")
	}
	for _, b := range cfg.Brokers {
		if b == "" || !strings.Contains(b, ":") {
			return nil, fmt.Errorf("kafka: broker address %q: want host:port", b)
		}
	}
	cfg.defaults()
	if cfg.BatchBytes < 1024 {
		return nil, fmt.Errorf("kafka: batch bytes %d too small", cfg.BatchBytes)
	}
	tr := &kafkago.Transport{
		TLS:         cfg.TLS,
		SASL:        cfg.SASL,
		ClientID:    cfg.ClientID,
		DialTimeout: min(cfg.Timeout, 5*time.Second),
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sink{
		cfg:       cfg,
		transport: tr,
		client:    &kafkago.Client{Addr: kafkago.TCP(cfg.Brokers...), Transport: tr, Timeout: cfg.Timeout},
		ctx:       ctx,
		cancel:    cancel,
		topics:    make(map[uint16]string),
		known:     make(map[string]bool),
	}
	s.health.set(errors.New("no contact with the broker yet"))
	go s.monitor()
	return s, nil
}

// Name is "kafka".
func (s *Sink) Name() string { return "kafka" }

// Topic returns the topic of a record type.
func (s *Sink) Topic(t record.Type, ipv4 bool) string {
	k := uint16(t) << 1
	if ipv4 {
		k |= 1
	}
	name, ok := s.topics[k]
	if !ok {
		name = record.Topic(s.cfg.TopicPrefix, t, ipv4, s.cfg.SplitAF)
		s.topics[k] = name
	}
	return name
}

// AppendKey appends the message key of a record: hex(router hash) followed, for records
// of a peer (non-zero peer hash) other than raw BMP, by hex(peer hash).
func AppendKey(dst []byte, m *record.Meta) []byte {
	dst = hex.AppendEncode(dst, m.RouterHash[:])
	if m.Type != record.TypeRaw && m.PeerHash != ([16]byte{}) {
		dst = hex.AppendEncode(dst, m.PeerHash[:])
	}
	return dst
}

// SetDeadline makes the sink give up at t: a write in progress returns, what it had not
// delivered is reported lost, and later writes fail at once. Only the first call counts.
func (s *Sink) SetDeadline(t time.Time) {
	s.deadline.Do(func() {
		d := time.Until(t)
		glog.Infof("sink=kafka event=deadline_set in=%s", d.Round(time.Millisecond))
		time.AfterFunc(d, s.cancel)
	})
}

// Ready reports whether the last contact with the broker (produce, metadata, topic
// creation) succeeded.
func (s *Sink) Ready() error {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	if s.health.err != nil {
		return fmt.Errorf("kafka: broker not reachable since %s: %w",
			time.Since(s.health.since).Round(time.Second), s.health.err)
	}
	return nil
}

// Probe contacts a broker (an ApiVersions request, which kafka-go does not answer from
// its metadata cache) and updates Ready.
func (s *Sink) Probe(ctx context.Context) error {
	_, err := s.client.ApiVersions(ctx, &kafkago.ApiVersionsRequest{})
	if err != nil {
		err = fmt.Errorf("kafka: probe: %w", err)
	}
	s.health.set(err)
	return err
}

var errDeadline = errors.New("kafka: shutdown deadline passed")

// Write publishes every record of b. Records that could not be delivered are reported
// through a *publisher.LossError.
func (s *Sink) Write(b *record.Batch) error {
	s.one[0] = b
	err := s.WriteBatches(s.one[:])
	s.one[0] = nil
	return err
}

// WriteBatches publishes every record of bs, in order, as if each batch were written in
// turn, but in as few produce requests per partition as BatchBytes allows: the queue hands
// over what is waiting, so a busy sink waits for one acknowledgement per partition for many
// batches. Records that could not be delivered are reported through a
// *publisher.LossError.
func (s *Sink) WriteBatches(bs []*record.Batch) error {
	n := 0
	for _, b := range bs {
		n += b.Len()
	}
	if n == 0 {
		return nil
	}
	if s.ctx.Err() != nil {
		counts := make(map[string]int)
		for _, b := range bs {
			for i := range b.Recs {
				counts[s.Topic(b.Recs[i].Type, b.Recs[i].IPv4)]++
			}
		}
		for _, t := range sortedKeys(counts) {
			glog.Errorf("sink=kafka event=records_lost topic=%s records=%d err=%q", t, counts[t], errDeadline)
		}
		s.Stats.Lost.Add(uint64(n))
		return &publisher.LossError{Records: n, Err: errDeadline}
	}
	lost, lastErr := s.build(bs, n)
	pending := s.prod.all(len(s.msgs))
	var firstFailure, lastLog time.Time
	backoff := s.cfg.RetryBackoffMin
	for attempt := 1; len(pending) > 0; attempt++ {
		if s.cfg.CreateTopics {
			s.ensureTopics(pending)
		}
		var perm []int32
		var err error
		pending, perm, err = s.produce(pending)
		if len(perm) > 0 {
			lost += len(perm)
			s.logLoss(perm, err)
			lastErr = err
		}
		if len(pending) == 0 {
			s.health.set(nil)
			if attempt > 1 {
				glog.Infof("sink=kafka event=write_recovered attempts=%d waited=%s",
					attempt, time.Since(firstFailure).Round(time.Millisecond))
			}
			break
		}
		lastErr = err
		if s.ctx.Err() != nil {
			lost += s.giveUp(pending, errDeadline)
			lastErr = errDeadline
			break
		}
		s.health.set(err)
		now := time.Now()
		if firstFailure.IsZero() {
			firstFailure = now
		}
		if !s.cfg.RetryForever && attempt >= s.cfg.Attempts {
			lost += s.giveUp(pending, err)
			break
		}
		if attempt == 1 || now.Sub(lastLog) >= 10*time.Second {
			lastLog = now
			glog.Warningf("sink=kafka event=write_retrying records=%d topics=%q attempt=%d waited=%s err=%q",
				len(pending), s.topicsOf(pending), attempt, now.Sub(firstFailure).Round(time.Millisecond), err)
		}
		s.Stats.Retries.Add(1)
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
		}
		backoff = min(backoff*2, s.cfg.RetryBackoffMax)
	}
	if lost == 0 {
		return nil
	}
	s.Stats.Lost.Add(uint64(lost))
	return &publisher.LossError{Records: lost, Err: lastErr}
}

func (s *Sink) giveUp(pending []int32, err error) int {
	s.logLoss(pending, err)
	return len(pending)
}

// Needs is the batch encoding of the sink's format.
func (s *Sink) Needs() record.Encodings { return s.cfg.Format.Needs() }

// headersOf returns the record headers of type t (built once per type, then shared).
func (s *Sink) headersOf(t record.Type) []kafkago.Header {
	if int(t) >= len(s.headers) {
		return nil
	}
	if s.headers[t] == nil {
		ct := publisher.ContentType(s.cfg.Format, t)
		if ct == "" {
			return nil
		}
		s.headers[t] = []kafkago.Header{{Key: publisher.HeaderContentType, Value: []byte(ct)},
			{Key: publisher.HeaderSchema, Value: []byte(record.SchemaVersion)}}
	}
	return s.headers[t]
}

// build fills s.msgs from bs (n records); records too large for a produce request are
// counted lost. The values are the records' JSON (one copy of each batch's buffer) or,
// in the proto format, their protobuf messages.
func (s *Sink) build(bs []*record.Batch, n int) (lost int, err error) {
	proto := s.cfg.Format == publisher.FormatProto
	size := 0
	for _, b := range bs {
		if !proto {
			size += len(b.Buf)
			continue
		}
		for i := range b.Recs {
			size += len(b.Proto(i))
		}
	}
	if s.arena == nil || cap(s.arena) < size {
		s.arena = make([]byte, 0, max(size, 64<<10))
	}
	arena := s.arena[:0] // never grows past its capacity: the values stay put
	if s.keys == nil || cap(s.keys) < n*64 {
		s.keys = make([]byte, 0, max(n*64, 4096))
	}
	keys := s.keys[:0]
	s.msgs = s.msgs[:0]
	var tooLarge map[string]int
	for _, b := range bs {
		base := uint32(len(arena))
		if !proto {
			arena = append(arena, b.Buf...)
		}
		for i := range b.Recs {
			m := &b.Recs[i]
			k0 := len(keys)
			keys = AppendKey(keys, m)
			var value []byte
			if proto {
				v0 := len(arena)
				arena = append(arena, b.Proto(i)...)
				value = arena[v0:len(arena):len(arena)]
			} else {
				value = arena[base+m.Start : base+m.End : base+m.End]
			}
			ms := msg{topic: s.Topic(m.Type, m.IPv4), key: keys[k0:len(keys):len(keys)], value: value, hdrs: s.headersOf(m.Type)}
			if ms.size() > s.cfg.BatchBytes {
				if tooLarge == nil {
					tooLarge = make(map[string]int)
				}
				tooLarge[ms.topic]++
				lost++
				continue
			}
			s.msgs = append(s.msgs, ms)
		}
	}
	s.arena = arena
	if lost > 0 {
		err = fmt.Errorf("kafka: record larger than the request limit of %d bytes", s.cfg.BatchBytes)
		for topic, c := range tooLarge {
			glog.Errorf("sink=kafka event=records_lost topic=%s records=%d err=%q", topic, c, err)
		}
	}
	return lost, err
}

// permanent reports errors that retrying the same records cannot fix.
func permanent(err error) bool {
	var ke kafkago.Error
	if errors.As(err, &ke) {
		switch ke {
		case kafkago.MessageSizeTooLarge, kafkago.RecordListTooLarge, kafkago.InvalidRecord,
			kafkago.InvalidMessageSize, kafkago.InvalidTopic:
			return true
		}
	}
	return false
}

func (s *Sink) countByTopic(idx []int32) map[string]int {
	counts := make(map[string]int)
	for _, i := range idx {
		counts[s.msgs[i].topic]++
	}
	return counts
}

func sortedKeys(m map[string]int) []string {
	names := make([]string, 0, len(m))
	for t := range m {
		names = append(names, t)
	}
	sort.Strings(names)
	return names
}

func (s *Sink) topicsOf(idx []int32) string {
	return strings.Join(sortedKeys(s.countByTopic(idx)), ",")
}

func (s *Sink) logLoss(idx []int32, err error) {
	counts := s.countByTopic(idx)
	for _, t := range sortedKeys(counts) {
		glog.Errorf("sink=kafka event=records_lost topic=%s records=%d err=%q", t, counts[t], err)
	}
}

// Flush does nothing: writes are synchronous.
func (s *Sink) Flush() error { return nil }

// Close stops the sink and closes its connections.
func (s *Sink) Close() error {
	s.closed.Do(func() {
		s.cancel()
		s.transport.CloseIdleConnections()
		glog.Infof("sink=kafka event=closed records_delivered=%d records_lost=%d retries=%d requests=%d",
			s.Stats.Delivered.Load(), s.Stats.Lost.Load(), s.Stats.Retries.Load(), s.Stats.Requests.Load())
	})
	return nil
}
