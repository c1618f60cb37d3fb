package kafka

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	metadataAPI "github.com/segmentio/kafka-go/protocol/metadata"
)

// msg is one record to produce; key and value point into the sink's arena.
type msg struct {
	topic      string
	key, value []byte
	hdrs       []kafkago.Header // shared, per record type (Sink.headers)
}

func (m *msg) size() int {
	n := len(m.key) + len(m.value) + msgOverhead
	for _, h := range m.hdrs {
		n += len(h.Key) + len(h.Value) + 4
	}
	return n
}

// partitionOf is sarama's default hash partitioner (also kafka-go's Hash balancer):
// FNV-1a 32 of the key, as an int32, modulo the partition count, made positive.
func partitionOf(key []byte, n int) int32 {
	h := uint32(2166136261)
	for _, c := range key {
		h ^= uint32(c)
		h *= 16777619
	}
	p := int32(h) % int32(n)
	if p < 0 {
		p = -p
	}
	return p
}

type topicPartition struct {
	topic     string
	partition int32
}

// group is the records of one write for one topic partition, in stream order.
type group struct {
	tp  topicPartition
	idx []int32
	// Filled by send: idx[next:] were not delivered (a retriable error stopped the
	// partition); perm were refused for good; err is the last error; abandoned is set when
	// a request ended without an answer (kafka-go may still read its bytes).
	next      int
	perm      []int32
	err       error
	abandoned bool
}

// producer holds the reused state of produce.
type producer struct {
	all0   []int32
	groups []*group
	byTP   map[topicPartition]*group
}

// all returns the indices 0..n-1.
func (p *producer) all(n int) []int32 {
	p.all0 = p.all0[:0]
	for i := 0; i < n; i++ {
		p.all0 = append(p.all0, int32(i))
	}
	return p.all0
}

// produce sends the records pending (indices into s.msgs, ascending) once: one request
// sequence per partition, partitions in parallel. It returns the records to retry and the
// records refused for good (both ascending), and the error behind them.
func (s *Sink) produce(pending []int32) (retry, perm []int32, err error) {
	counts, topicErrs, err := s.partitionCounts(pending)
	if err != nil {
		return pending, nil, err
	}
	p := &s.prod
	if p.byTP == nil {
		p.byTP = make(map[topicPartition]*group)
	}
	clear(p.byTP)
	p.groups = p.groups[:0]
	var unrouted []int32
	for _, i := range pending {
		m := &s.msgs[i]
		n := counts[m.topic]
		if n <= 0 {
			unrouted = append(unrouted, i)
			continue
		}
		tp := topicPartition{m.topic, partitionOf(m.key, n)}
		g := p.byTP[tp]
		if g == nil {
			g = &group{tp: tp}
			p.byTP[tp] = g
			p.groups = append(p.groups, g)
		}
		g.idx = append(g.idx, i)
	}
	if len(unrouted) > 0 {
		retry = unrouted
		for _, e := range topicErrs {
			err = e
			break
		}
		if err == nil {
			err = errors.New("kafka: topic has no partitions")
		}
	}

	sem := make(chan struct{}, s.cfg.MaxInFlight)
	var wg sync.WaitGroup
	for _, g := range p.groups {
		if len(p.groups) == 1 {
			s.send(g)
			break
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			s.send(g)
			<-sem
		}()
	}
	wg.Wait()

	abandoned := false
	for _, g := range p.groups {
		retry = append(retry, g.idx[g.next:]...)
		perm = append(perm, g.perm...)
		if g.err != nil && (err == nil || !permanent(g.err)) {
			err = g.err
		}
		abandoned = abandoned || g.abandoned
	}
	if abandoned {
		// Do not reuse the bytes of this batch for the next one.
		s.arena, s.keys = nil, nil
	}
	slices.Sort(retry)
	slices.Sort(perm)
	return retry, perm, err
}

// send produces g's records in requests of at most BatchBytes, one after the other, and
// stops at the first retriable failure so that nothing overtakes it. A request the broker
// finds too large (a smaller max.message.bytes, or data that compression expanded) is
// sent again in halves; only a single record too large is lost.
func (s *Sink) send(g *group) {
	now := time.Now()
	limit := s.cfg.BatchBytes
	for g.next < len(g.idx) {
		end, size := g.next, 0
		for end < len(g.idx) {
			sz := s.msgs[g.idx[end]].size()
			if end > g.next && size+sz > limit {
				break
			}
			size += sz
			end++
		}
		chunk := g.idx[g.next:end]
		ctx, cancel := context.WithTimeout(s.ctx, s.cfg.Timeout)
		res, err := s.client.Produce(ctx, &kafkago.ProduceRequest{
			Topic:        g.tp.topic,
			Partition:    int(g.tp.partition),
			RequiredAcks: kafkago.RequireAll,
			Compression:  s.cfg.Compression,
			Records:      &recordReader{msgs: s.msgs, idx: chunk, time: now},
		})
		cancel()
		s.Stats.Requests.Add(1)
		if err == nil && res != nil && res.Error != nil {
			err = res.Error
		}
		if err != nil {
			g.err = fmt.Errorf("%s/%d: %w", g.tp.topic, g.tp.partition, err)
			var ke kafkago.Error
			if !errors.As(err, &ke) {
				g.abandoned = true
			}
			if len(chunk) > 1 && (errors.Is(err, kafkago.MessageSizeTooLarge) || errors.Is(err, kafkago.RecordListTooLarge)) {
				limit = max(size/2, 1)
				continue
			}
			if permanent(err) {
				g.perm = append(g.perm, chunk...)
				g.next = end
				continue
			}
			return
		}
		s.Stats.Delivered.Add(uint64(len(chunk)))
		g.next = end
	}
}

// partitionCounts returns the partition count of the topics of pending, from kafka-go's
// metadata cache (refreshed when a topic is not in it). Topics the broker reports an
// error for (not created yet…) are in errs with no count.
func (s *Sink) partitionCounts(pending []int32) (counts map[string]int, errs map[string]error, err error) {
	var names []string
	for _, i := range pending {
		if t := s.msgs[i].topic; !slices.Contains(names, t) {
			names = append(names, t)
		}
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.Timeout)
	defer cancel()
	r, err := s.transport.RoundTrip(ctx, s.client.Addr, &metadataAPI.Request{
		TopicNames:             names,
		AllowAutoTopicCreation: true, // makes kafka-go ask the broker for a topic missing from its cache
	})
	if err != nil {
		return nil, nil, fmt.Errorf("kafka: metadata: %w", err)
	}
	res, ok := r.(*metadataAPI.Response)
	if !ok {
		return nil, nil, fmt.Errorf("kafka: metadata: unexpected response %T", r)
	}
	counts = make(map[string]int, len(names))
	for _, t := range res.Topics {
		if t.ErrorCode != 0 {
			if errs == nil {
				errs = make(map[string]error)
			}
			errs[t.Name] = fmt.Errorf("%s: %w", t.Name, kafkago.Error(t.ErrorCode))
			continue
		}
		counts[t.Name] = len(t.Partitions)
	}
	return counts, errs, nil
}

// recordReader hands kafka-go the records of one request without copying them.
type recordReader struct {
	msgs []msg
	idx  []int32
	time time.Time
	i    int
	rec  kafkago.Record
	key  bytesReader
	val  bytesReader
}

func (r *recordReader) ReadRecord() (*kafkago.Record, error) {
	if r.i >= len(r.idx) {
		return nil, io.EOF
	}
	m := &r.msgs[r.idx[r.i]]
	r.i++
	r.key.Reset(m.key)
	r.val.Reset(m.value)
	r.rec = kafkago.Record{Time: r.time, Key: &r.key, Value: &r.val, Headers: m.hdrs}
	return &r.rec, nil
}

type bytesReader struct{ bytes.Reader }

func (*bytesReader) Close() error { return nil }
