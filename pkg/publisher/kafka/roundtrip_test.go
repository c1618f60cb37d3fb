package kafka

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/kafkatest"
	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// routers are three generated routers with different peers, v4 and v6 routes.
func routers(prefixes int) []gen.StreamSpec {
	var specs []gen.StreamSpec
	for i := 0; i < 3; i++ {
		p := gen.DefaultPeer()
		p.Addr = netip.AddrFrom4([4]byte{192, 0, 2, byte(100 + i)})
		p.BGPID = p.Addr
		p.AS = uint32(65100 + i)
		specs = append(specs, gen.StreamSpec{Prefixes: prefixes, PerUpdate: 7, IPv6: true, Peer: p,
			SysName: "r" + strconv.Itoa(i)})
	}
	return specs
}

// TestRoundTrip writes generated streams of three routers through a queue and the sink,
// reads every topic back and checks each record arrived once, in order per topic and key,
// on the topic and with the key derived from the record's own fields; with and without
// split-af, every compression codec, one and four partitions, and raw records.
func TestRoundTrip(t *testing.T) {
	cases := []struct {
		name        string
		split       bool
		compression string
		partitions  int
		raw         bool
	}{
		{"split/none/1p", true, "none", 1, false},
		{"nosplit/lz4/4p", false, "lz4", 4, false},
		{"split/zstd/4p/raw", true, "zstd", 4, true},
		{"split/gzip/3p", true, "gzip", 3, false},
		{"nosplit/snappy/2p/raw", false, "snappy", 2, true},
	}
	addr, c := kafkatest.Start(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			prefix := "rt" + strconv.Itoa(len(tc.name)) + strings.NewReplacer("/", "-").Replace(tc.name)
			comp, err := ParseCompression(tc.compression)
			if err != nil {
				t.Fatal(err)
			}
			st := genStream(t, prefix, tc.split, genOpts{maxRecs: 500, raw: tc.raw}, routers(1500)...)
			s := newSink(t, Config{Brokers: []string{addr}, TopicPrefix: prefix, SplitAF: tc.split,
				CreateTopics: true, Topics: TopicSettings{Partitions: tc.partitions, Replication: 1, RetentionMs: 60000},
				Compression: comp, RetryForever: true})
			if err := s.CreateTopics(context.Background()); err != nil {
				t.Fatal(err)
			}
			q := publisher.NewQueue(s, 4, publisher.Block)
			st.publish(t, q)
			if q.Stats.Failed.Load() != 0 || q.Stats.Dropped.Load() != 0 {
				t.Fatalf("failed=%d dropped=%d", q.Stats.Failed.Load(), q.Stats.Dropped.Load())
			}
			if got := s.Stats.Delivered.Load(); got != uint64(st.records) {
				t.Fatalf("delivered %d, want %d", got, st.records)
			}
			stored := kafkatest.Stored(c, allTopics(prefix, tc.split))
			if stored != st.records {
				t.Fatalf("Kafka holds %d records, want %d", stored, st.records)
			}
			got := kafkatest.Consume(t, addr, kafkatest.TopicRE(prefix), stored)
			rep := kafkatest.Check(st.want, got)
			if !rep.Clean() {
				t.Fatalf("%s", rep)
			}
			// Every record type of the stream reached its own topic.
			perTopic := map[string]int{}
			for _, r := range got {
				perTopic[r.Topic]++
			}
			wantTopics := []string{prefix + ".parsed.peer", prefix + ".parsed.router", prefix + ".parsed.unicast_prefix"}
			if tc.split {
				wantTopics = []string{prefix + ".parsed.peer", prefix + ".parsed.router",
					prefix + ".parsed.unicast_prefix_v4", prefix + ".parsed.unicast_prefix_v6"}
			}
			if tc.raw {
				wantTopics = append(wantTopics, prefix+".raw")
			}
			for _, topic := range wantTopics {
				if perTopic[topic] == 0 {
					t.Errorf("topic %s: no records (per topic: %v)", topic, perTopic)
				}
			}
			if len(perTopic) != len(wantTopics) {
				t.Errorf("records on %d topics %v, want %v", len(perTopic), perTopic, wantTopics)
			}
			if tc.partitions > 1 {
				used := map[int32]bool{}
				for _, r := range got {
					used[r.Partition] = true
				}
				if len(used) < 2 {
					t.Errorf("%d partitions but only %v used: keys do not spread", tc.partitions, used)
				}
			}
			t.Logf("%s; topics %v", rep, perTopic)
		})
	}
}

// TestKeys checks the exact key of each kind of record on the wire.
func TestKeys(t *testing.T) {
	addr, c := kafkatest.Start(t)
	st := genStream(t, "keys", true, genOpts{maxRecs: 100, raw: true}, routers(10)[:1]...)
	s := newSink(t, Config{Brokers: []string{addr}, TopicPrefix: "keys", SplitAF: true, CreateTopics: true, RetryForever: true})
	router := record.RouterHash(netip.MustParseAddr("192.0.2.10")).String()
	q := publisher.NewQueue(s, 4, publisher.Block)
	st.publish(t, q)
	got := kafkatest.Consume(t, addr, kafkatest.TopicRE("keys"), kafkatest.Stored(c, allTopics("keys", true)))
	seen := map[string]bool{}
	for _, r := range got {
		switch r.Topic {
		case "keys.raw", "keys.parsed.router":
			if r.Key != router {
				t.Errorf("%s: key %q, want the router hash %q", r.Topic, r.Key, router)
			}
		default:
			if len(r.Key) != 64 || r.Key[:32] != router {
				t.Errorf("%s: key %q, want router hash %s + peer hash", r.Topic, r.Key, router)
			}
			if want := `"peer_hash":"` + r.Key[32:] + `"`; !strings.Contains(r.Value, want) {
				t.Errorf("%s: key %q does not end with the record's peer_hash: %.200s", r.Topic, r.Key, r.Value)
			}
		}
		seen[r.Topic] = true
	}
	for _, topic := range []string{"keys.raw", "keys.parsed.router", "keys.parsed.peer", "keys.parsed.unicast_prefix_v4", "keys.parsed.unicast_prefix_v6"} {
		if !seen[topic] {
			t.Errorf("no record on %s", topic)
		}
	}
	if rep := kafkatest.Check(st.want, got); !rep.Clean() {
		t.Fatalf("%s", rep)
	}
	if s.Stats.TopicsCreated.Load() == 0 {
		t.Error("raw topic was not created on the first raw record")
	}
	if ti := c.TopicInfo("keys.raw"); ti == nil {
		t.Error("keys.raw was not created")
	}
}

// TestCreateTopics checks partitions, replication and retention.ms as the broker reports
// them (DescribeConfigs over the wire and kfake's own view), that an existing topic is
// left alone, and that a second start is fine.
func TestCreateTopics(t *testing.T) {
	addr, c := kafkatest.Start(t, kfake.SeedTopics(2, "ct.parsed.peer"))
	cfg := Config{Brokers: []string{addr}, TopicPrefix: "ct", SplitAF: false, CreateTopics: true,
		Topics: TopicSettings{Partitions: 3, Replication: 1, RetentionMs: 123456}}
	s := newSink(t, cfg)
	if err := s.Ready(); err == nil {
		t.Fatal("ready before any contact with the broker")
	}
	if err := s.CreateTopics(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(); err != nil {
		t.Fatalf("not ready after creating topics: %v", err)
	}
	topics := ParsedTopics("ct", false)
	if want := len(topics) - 1; int(s.Stats.TopicsCreated.Load()) != want {
		t.Fatalf("created %d topics, want %d (all but the existing one)", s.Stats.TopicsCreated.Load(), want)
	}
	client := &kafkago.Client{Addr: kafkago.TCP(addr), Transport: &kafkago.Transport{}}
	for _, topic := range topics {
		wantParts, wantRetention := 3, "123456"
		if topic == "ct.parsed.peer" {
			wantParts, wantRetention = 2, "" // existing topic: untouched
		}
		if n := len(c.PartitionInfos(topic)); n != wantParts {
			t.Errorf("%s: %d partitions, want %d", topic, n, wantParts)
		}
		ti := c.TopicInfo(topic)
		if ti == nil || ti.NumReplicas != 1 {
			t.Errorf("%s: topic info %+v, want 1 replica", topic, ti)
		}
		res, err := client.DescribeConfigs(context.Background(), &kafkago.DescribeConfigsRequest{
			Resources: []kafkago.DescribeConfigRequestResource{{ResourceType: kafkago.ResourceTypeTopic,
				ResourceName: topic, ConfigNames: []string{"retention.ms"}}}})
		if err != nil {
			t.Fatal(err)
		}
		got, source := "", int8(-1)
		for _, r := range res.Resources {
			if r.Error != nil {
				t.Fatalf("%s: %v", topic, r.Error)
			}
			for _, e := range r.ConfigEntries {
				if e.ConfigName == "retention.ms" {
					got, source = e.ConfigValue, e.ConfigSource
				}
			}
		}
		if wantRetention != "" && (got != wantRetention || source != 1) { // 1 = DYNAMIC_TOPIC_CONFIG
			t.Errorf("%s: retention.ms=%q source=%d, want %s set on the topic", topic, got, source, wantRetention)
		}
		if wantRetention == "" && source == 1 {
			t.Errorf("%s: existing topic got retention.ms=%s", topic, got)
		}
	}
	// A second collector start: every topic exists, nothing is created, no error.
	s2 := newSink(t, cfg)
	if err := s2.CreateTopics(context.Background()); err != nil {
		t.Fatalf("second start: %v", err)
	}
	if n := s2.Stats.TopicsCreated.Load(); n != 0 {
		t.Fatalf("second start created %d topics", n)
	}
}

// TestCreateTopicsRefused: a topic the broker refuses to create (replication 3 on one
// broker) is an error at start.
func TestCreateTopicsRefused(t *testing.T) {
	addr, _ := kafkatest.Start(t)
	s := newSink(t, Config{Brokers: []string{addr}, TopicPrefix: "bad", CreateTopics: true,
		Topics: TopicSettings{Partitions: 1, Replication: 3}})
	err := s.CreateTopics(context.Background())
	if !errors.Is(err, kafkago.InvalidReplicationFactor) {
		t.Fatalf("err = %v, want InvalidReplicationFactor", err)
	}
}

// TestTooLarge: a record larger than a produce batch may be is counted lost with its
// topic; the others of the batch are delivered.
func TestTooLarge(t *testing.T) {
	addr, c := kafkatest.Start(t)
	s := newSink(t, Config{Brokers: []string{addr}, TopicPrefix: "big", CreateTopics: true,
		RetryForever: true, BatchBytes: 4096})
	b := record.NewBatch()
	small := rawRecord("small")
	large := rawRecord(strings.Repeat("x", 5000))
	rh := record.RouterHash(netip.MustParseAddr("192.0.2.1"))
	b.AddRaw(small, record.Meta{Type: record.TypeRaw, RouterHash: rh})
	b.AddRaw(large, record.Meta{Type: record.TypeRaw, RouterHash: rh})
	b.AddRaw(small, record.Meta{Type: record.TypeRaw, RouterHash: rh})
	err := s.Write(b)
	b.Release()
	var le *publisher.LossError
	if !errors.As(err, &le) || le.Records != 1 {
		t.Fatalf("err = %v, want a LossError of 1 record", err)
	}
	if n := kafkatest.Stored(c, []string{"big.raw"}); n != 2 {
		t.Fatalf("stored %d, want 2", n)
	}
	got := kafkatest.Consume(t, addr, "^big\\.raw$", 2)
	for _, r := range got {
		if r.Value != "small" || r.Key != hex.EncodeToString(rh[:]) {
			t.Errorf("got %+v", r)
		}
	}
}

func rawRecord(v string) func([]byte) []byte {
	return func(dst []byte) []byte { return append(dst, v...) }
}

// TestRequestSplit: with a small request limit, each partition's records go out in
// several requests, one after the other, and still arrive once and in order.
func TestRequestSplit(t *testing.T) {
	addr, c := kafkatest.Start(t)
	st := genStream(t, "rs", true, genOpts{maxRecs: 1000, raw: false}, routers(500)...)
	s := newSink(t, Config{Brokers: []string{addr}, TopicPrefix: "rs", SplitAF: true, CreateTopics: true,
		Topics: TopicSettings{Partitions: 2, Replication: 1}, RetryForever: true, BatchBytes: 8192})
	q := publisher.NewQueue(s, 4, publisher.Block)
	batches := len(st.batches)
	st.publish(t, q)
	// At most 8 KiB per request: each record is about 1 KiB, so many more requests
	// than batches x partitions.
	if req := s.Stats.Requests.Load(); req < uint64(st.records/8) {
		t.Fatalf("%d requests for %d records in %d batches: requests were not split", req, st.records, batches)
	}
	got := kafkatest.Consume(t, addr, kafkatest.TopicRE("rs"), kafkatest.Stored(c, allTopics("rs", true)))
	if rep := kafkatest.Check(st.want, got); !rep.Clean() {
		t.Fatalf("%s", rep)
	}
}

// TestPartitionOf: the partitioner is sarama's and kafka-go's Hash balancer.
func TestPartitionOf(t *testing.T) {
	var h kafkago.Hash
	parts := make([]int, 64)
	for i := range parts {
		parts[i] = i
	}
	for i := 0; i < 2000; i++ {
		key := []byte(fmt.Sprintf("%032x%032x", i*7919, i))
		for _, n := range []int{1, 2, 3, 8, 10, 64} {
			want := h.Balance(kafkago.Message{Key: key}, parts[:n]...)
			if got := partitionOf(key, n); int(got) != want {
				t.Fatalf("partitionOf(%s, %d) = %d, kafka-go Hash says %d", key, n, got, want)
			}
		}
	}
}

// TestThroughput reports records/s through queue and sink for a 100k-prefix stream (20k
// under -race): a figure for the log, not an assertion (the machine is shared).
func TestThroughput(t *testing.T) {
	addr, c := kafkatest.Start(t)
	prefixes := 100000
	if raceEnabled {
		prefixes = 20000
	}
	st := genStream(t, "tp", true, genOpts{maxRecs: 4096, noWant: true}, gen.StreamSpec{Prefixes: prefixes, PerUpdate: 10, IPv6: true})
	s := newSink(t, Config{Brokers: []string{addr}, TopicPrefix: "tp", SplitAF: true, CreateTopics: true,
		Topics: TopicSettings{Partitions: 4, Replication: 1}, Compression: kafkago.Lz4, RetryForever: true})
	if err := s.CreateTopics(context.Background()); err != nil {
		t.Fatal(err)
	}
	q := publisher.NewQueue(s, 8, publisher.Block)
	start := time.Now()
	n := st.records
	st.publish(t, q)
	d := time.Since(start)
	if stored := kafkatest.Stored(c, allTopics("tp", true)); stored != n {
		t.Fatalf("stored %d, want %d", stored, n)
	}
	t.Logf("%d records in %s: %.0f records/s (lz4, 4 partitions, kfake in process)", n, d.Round(time.Millisecond), float64(n)/d.Seconds())
}

// TestProtocolVersions records the API versions the sink uses (kafka-go negotiates them
// with ApiVersions) and checks they are ones Kafka 4.x still accepts: KIP-896 removed
// Produce v0-v6 (v0-v2 in the final list), Metadata v0-v3, CreateTopics v0-v1 and
// SaslHandshake v0. kfake accepts the old versions too, so this is checked here.
func TestProtocolVersions(t *testing.T) {
	addr, c := kafkatest.Start(t, kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-256", "u", "p"))
	var mu sync.Mutex
	minVersion := map[int16]int16{}
	c.Control(func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		mu.Lock()
		if v, ok := minVersion[req.Key()]; !ok || req.GetVersion() < v {
			minVersion[req.Key()] = req.GetVersion()
		}
		mu.Unlock()
		return nil, nil, false
	})
	m, err := SASL("SCRAM-SHA-256", "u", "p")
	if err != nil {
		t.Fatal(err)
	}
	s := newSink(t, Config{Brokers: []string{addr}, TopicPrefix: "pv", SplitAF: true, CreateTopics: true,
		RetryForever: true, SASL: m})
	if err := s.CreateTopics(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := genStream(t, "pv", true, genOpts{maxRecs: 100, raw: true}, routers(50)[:1]...)
	st.publish(t, publisher.NewQueue(s, 2, publisher.Block))
	if err := s.Probe(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := map[kmsg.Key]int16{kmsg.Produce: 7, kmsg.Metadata: 4, kmsg.CreateTopics: 2, kmsg.SASLHandshake: 1, kmsg.ApiVersions: 0}
	for key, min := range want {
		v, ok := minVersion[int16(key)]
		if !ok {
			t.Errorf("%s: never used", key.Name())
			continue
		}
		if v < min {
			t.Errorf("%s v%d used; Kafka 4 needs v%d or later", key.Name(), v, min)
		}
		t.Logf("%s: v%d", key.Name(), v)
	}
}
