// Package ribkafka feeds a rib.Table from the <prefix>.parsed.* Kafka topics that
// bmpstream (or a goBMP-compatible collector) produces: router, peer, unicast_prefix,
// multicast_prefix, l3vpn and evpn, split by address family or not, JSON or bmpstream's
// protobuf (named by the content-type header). Every partition of every topic is read
// from its first offset by a reader of its own; the records go to the table in each
// partition's order through one goroutine.
package ribkafka

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/bmpstream/bmpstream/internal/rib"
	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// Config configures a Feeder.
type Config struct {
	Brokers []string
	// Prefix is the topic prefix ("gobmp").
	Prefix string
	// Discover is how often missing topics and new partitions are looked for (default 2s).
	Discover time.Duration
	Logf     func(format string, args ...any)
}

// Stats count what the feeder did.
type Stats struct {
	Messages     atomic.Uint64 // Kafka messages read
	DecodeErrors atomic.Uint64 // messages that are not records of their topic's type
	Late         atomic.Uint64 // route announcements older than their peer's Peer Down, ignored
	Partitions   atomic.Int64  // partitions being read
}

// Feeder reads the topics into a table.
type Feeder struct {
	cfg   Config
	t     *rib.Table
	Stats Stats
}

// New returns a feeder of t.
func New(t *rib.Table, cfg Config) *Feeder {
	if cfg.Discover <= 0 {
		cfg.Discover = 2 * time.Second
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "gobmp"
	}
	return &Feeder{cfg: cfg, t: t}
}

// Topics are the topics the table is built from.
func (f *Feeder) Topics() []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range []record.Type{record.TypeRouter, record.TypePeer, record.TypeUnicastPrefix, record.TypeMulticastPrefix, record.TypeL3VPN, record.TypeEVPN} {
		for _, v := range [][2]bool{{true, false}, {true, true}, {false, true}} {
			n := record.Topic(f.cfg.Prefix, t, v[0], v[1])
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}

// typeOf is the record type of a topic's messages.
func (f *Feeder) typeOf(topic string) (record.Type, bool) {
	name, ok := strings.CutPrefix(topic, f.cfg.Prefix+".parsed.")
	if !ok {
		return 0, false
	}
	if t, ok := record.ParseType(name); ok {
		return t, true
	}
	name = strings.TrimSuffix(strings.TrimSuffix(name, "_v4"), "_v6")
	return record.ParseType(name)
}

type msg struct {
	v record.Value
}

// Run reads until ctx ends.
func (f *Feeder) Run(ctx context.Context) error {
	ch := make(chan msg, 4096)
	var wg sync.WaitGroup
	started := map[string]bool{}
	applyDone := make(chan struct{})
	go func() {
		defer close(applyDone)
		f.apply(ch)
	}()
	tick := time.NewTicker(f.cfg.Discover)
	defer tick.Stop()
	for {
		for _, p := range f.partitions(ctx) {
			key := fmt.Sprintf("%s/%d", p.Topic, p.ID)
			if started[key] {
				continue
			}
			started[key] = true
			f.Stats.Partitions.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				f.read(ctx, p.Topic, p.ID, ch)
			}()
		}
		select {
		case <-ctx.Done():
			wg.Wait()
			close(ch)
			<-applyDone
			return nil
		case <-tick.C:
		}
	}
}

// partitions lists the partitions of the topics that exist.
func (f *Feeder) partitions(ctx context.Context) []kafkago.Partition {
	var out []kafkago.Partition
	for _, b := range f.cfg.Brokers {
		d := kafkago.Dialer{Timeout: 5 * time.Second}
		conn, err := d.DialContext(ctx, "tcp", b)
		if err != nil {
			f.logf("ribkafka: broker %s: %v", b, err)
			continue
		}
		for _, topic := range f.Topics() {
			ps, err := conn.ReadPartitions(topic)
			if err != nil {
				continue // not created yet
			}
			out = append(out, ps...)
		}
		conn.Close()
		return out
	}
	return out
}

func (f *Feeder) read(ctx context.Context, topic string, partition int, ch chan<- msg) {
	t, ok := f.typeOf(topic)
	if !ok {
		return
	}
	rd := kafkago.NewReader(kafkago.ReaderConfig{Brokers: f.cfg.Brokers, Topic: topic, Partition: partition,
		MaxBytes: 16 << 20, MaxWait: 250 * time.Millisecond, StartOffset: kafkago.FirstOffset,
		Dialer: &kafkago.Dialer{Timeout: 10 * time.Second, DualStack: true, Resolver: &net.Resolver{}}})
	defer rd.Close()
	for {
		m, err := rd.ReadMessage(ctx)
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, context.Canceled) {
				f.logf("ribkafka: %s/%d: %v", topic, partition, err)
			}
			return
		}
		f.Stats.Messages.Add(1)
		v, err := decode(t, m)
		if err != nil {
			if f.Stats.DecodeErrors.Add(1) == 1 {
				f.logf("ribkafka: %s/%d offset %d: %v", topic, partition, m.Offset, err)
			}
			continue
		}
		select {
		case ch <- msg{v}:
		case <-ctx.Done():
			return
		}
	}
}

// decode decodes a message of a topic of type t: protobuf when its content-type header
// names a message, JSON otherwise.
func decode(t record.Type, m kafkago.Message) (record.Value, error) {
	for _, h := range m.Headers {
		if h.Key == publisher.HeaderContentType && strings.Contains(string(h.Value), "messageType=") {
			v := record.NewValue(t)
			if v == nil {
				return nil, fmt.Errorf("no protobuf message for %s", t)
			}
			return v, v.UnmarshalProto(m.Value)
		}
	}
	return rib.DecodeJSON(t, m.Value)
}

// apply feeds the table. Topics are not ordered with each other: a Peer Down (peer
// topic) may be read before route records that came before it (route topics); those are
// recognised by their collector timestamp and ignored.
func (f *Feeder) apply(ch <-chan msg) {
	down := map[string]time.Time{} // router hash + peer hash → last Peer Down
	for m := range ch {
		switch r := m.v.(type) {
		case *record.Peer:
			if r.Action == record.ActionDown {
				down[r.RouterHash+r.PeerHash] = r.CollectorTimestamp
			}
		case *record.UnicastPrefix:
			if f.late(down, &r.RouterFields, &r.PeerFields, r.Action) {
				continue
			}
		case *record.L3VPNPrefix:
			if f.late(down, &r.RouterFields, &r.PeerFields, r.Action) {
				continue
			}
		case *record.EVPN:
			if f.late(down, &r.RouterFields, &r.PeerFields, r.Action) {
				continue
			}
		}
		f.t.Apply(m.v)
	}
}

func (f *Feeder) late(down map[string]time.Time, rf *record.RouterFields, pf *record.PeerFields, action string) bool {
	if action == record.ActionDel {
		return false
	}
	d, ok := down[rf.RouterHash+pf.PeerHash]
	if ok && pf.CollectorTimestamp.Before(d) {
		f.Stats.Late.Add(1)
		return true
	}
	return false
}

func (f *Feeder) logf(format string, args ...any) {
	if f.cfg.Logf != nil {
		f.cfg.Logf(format, args...)
	}
}
