package app

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/kafkatest"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/publisher/kafka"
)

func parseKafka(t *testing.T, args ...string) (*kafkaFeature, *Options) {
	t.Helper()
	o := defaultOptions()
	fs := newFlagSet(&o, io.Discard)
	f := newKafkaFeature()
	f.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	return f, &o
}

// TestKafkaFlags: goBMP's flag names, the defaults, and what they turn into.
func TestKafkaFlags(t *testing.T) {
	f, o := parseKafka(t)
	if f.servers != "" || f.prefix != "gobmp" || f.retentionMs != 900000 || f.partitions != 1 ||
		f.replication != 1 || !f.create || f.compression != "none" || f.onFull != "block" || f.queueSize != 0 {
		t.Fatalf("defaults: %+v", f)
	}
	if err := f.Start(context.Background(), &Runtime{Options: o}); err != nil {
		t.Fatalf("disabled feature: %v", err)
	}
	if f.sink != nil {
		t.Fatal("sink created without --kafka-server")
	}

	f, o = parseKafka(t, "--kafka-server", " 127.0.0.1:9092, 127.0.0.2:9093 ,", "--kafka-topic-prefix", "prod.gobmp",
		"--kafka-topic-retention-time-ms", "3600000", "--kafka-topic-partitions", "8", "--kafka-topic-replication", "-1",
		"--kafka-create-topics=false", "--kafka-compression", "zstd", "--split-af=false", "--kafka-on-full", "drop",
		"--kafka-sasl-mechanism", "SCRAM-SHA-256", "--kafka-sasl-username", "bmp", "--kafka-queue-size", "16")
	t.Setenv(SASLPasswordEnv, "from-env")
	cfg, policy, err := f.config(o)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cfg.Brokers, " ") != "127.0.0.1:9092 127.0.0.2:9093" || cfg.TopicPrefix != "prod.gobmp" ||
		cfg.SplitAF || cfg.CreateTopics || cfg.Topics != (kafka.TopicSettings{Partitions: 8, Replication: -1, RetentionMs: 3600000}) ||
		cfg.Compression.String() != "zstd" || policy != publisher.Drop || cfg.RetryForever ||
		cfg.SASL == nil || cfg.SASL.Name() != "SCRAM-SHA-256" || cfg.TLS != nil || f.queueSize != 16 {
		t.Fatalf("config: %+v policy %s", cfg, policy)
	}
}

// TestKafkaFlagErrors: invalid values are refused at start with the flag's name.
func TestKafkaFlagErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--kafka-on-full", "spill"}, "--kafka-on-full"},
		{[]string{"--kafka-topic-prefix", ""}, "--kafka-topic-prefix"},
		{[]string{"--kafka-topic-partitions", "0"}, "--kafka-topic-partitions"},
		{[]string{"--kafka-topic-partitions", "-2"}, "--kafka-topic-partitions"},
		{[]string{"--kafka-topic-replication", "0"}, "--kafka-topic-replication"},
		{[]string{"--kafka-topic-replication", "40000"}, "--kafka-topic-replication"},
		{[]string{"--kafka-topic-retention-time-ms", "-5"}, "--kafka-topic-retention-time-ms"},
		{[]string{"--kafka-compression", "brotli"}, "unknown compression"},
		{[]string{"--kafka-tls-ca", "/nonexistent"}, "TLS is not enabled"},
		{[]string{"--kafka-tls", "--kafka-tls-ca", "/nonexistent/ca.pem"}, "no such file"},
		{[]string{"--kafka-tls", "--kafka-tls-cert", "/nonexistent/c.pem"}, "without its key"},
		{[]string{"--kafka-sasl-mechanism", "GSSAPI", "--kafka-sasl-username", "u"}, "unknown SASL"},
		{[]string{"--kafka-sasl-mechanism", "PLAIN"}, "needs a username"},
		{[]string{"--kafka-server", "localhost"}, "want host:port"},
	}
	for _, tc := range cases {
		args := append([]string{"--kafka-server", "127.0.0.1:1"}, tc.args...)
		f, o := parseKafka(t, args...)
		err := f.Start(context.Background(), &Runtime{Options: o})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.args, err, tc.want)
		}
	}
}

// TestKafkaFeatureStart: with a broker, Start creates the topics, adds the sink behind
// its own queue with the chosen policy and size, registers readiness and the shutdown
// deadline.
func TestKafkaFeatureStart(t *testing.T) {
	addr, c := kafkatest.Start(t)
	f, o := parseKafka(t, "--kafka-server", addr, "--kafka-topic-prefix", "app", "--kafka-topic-partitions", "2",
		"--kafka-on-full", "drop", "--kafka-queue-size", "3")
	rt := &Runtime{Options: o, Counters: &session.Counters{}}
	if err := f.Start(context.Background(), rt); err != nil {
		t.Fatal(err)
	}
	if len(rt.Queues) != 1 || rt.Queues[0].Cap() != 3 || rt.Queues[0].Sink().Name() != "kafka" {
		t.Fatalf("queues: %+v", rt.Queues)
	}
	rt.phase.Store(phaseServing) // as run() does once the listener is up
	if err := rt.Ready(); err != nil {
		t.Fatalf("not ready: %v", err)
	}
	for _, topic := range kafka.ParsedTopics("app", true) {
		if n := len(c.PartitionInfos(topic)); n != 2 {
			t.Errorf("%s: %d partitions", topic, n)
		}
	}
	if len(rt.shutdown) != 1 {
		t.Fatalf("%d shutdown hooks", len(rt.shutdown))
	}
	rt.beginShutdown(time.Now().Add(time.Minute))
	if err := rt.Queues[0].Close(); err != nil {
		t.Fatal(err)
	}
}

// TestKafkaFeatureBrokerDown: a broker that is down at start is not fatal; readiness
// reports it.
func TestKafkaFeatureBrokerDown(t *testing.T) {
	f, o := parseKafka(t, "--kafka-server", "127.0.0.1:1")
	f.startWait = 2 * time.Second
	rt := &Runtime{Options: o, Counters: &session.Counters{}}
	if err := f.Start(context.Background(), rt); err != nil {
		t.Fatal(err)
	}
	defer rt.Queues[0].Close()
	if err := rt.Ready(); err == nil {
		t.Fatal("ready with no broker")
	}
}
