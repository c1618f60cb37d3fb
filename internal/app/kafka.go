package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/golang/glog"
	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/publisher/kafka"
)

// SASLPasswordEnv is the environment variable read for the SASL password when
// --kafka-sasl-password is not given (keeps the secret off the command line).
const SASLPasswordEnv = "BMPSTREAM_KAFKA_SASL_PASSWORD"

func init() { Register(func() Feature { return newKafkaFeature() }) }

// kafkaFeature is the Kafka publisher (goBMP's --kafka-server and friends); see
// docs/kafka.md.
type kafkaFeature struct {
	format      string
	servers     string
	prefix      string
	retentionMs int64
	partitions  int
	replication int
	create      bool
	compression string
	tls         kafka.TLSOptions
	saslMech    string
	saslUser    string
	saslPass    string
	onFull      string
	queueSize   int
	startWait   time.Duration

	sink *kafka.Sink
}

func newKafkaFeature() *kafkaFeature {
	return &kafkaFeature{prefix: kafka.DefaultTopicPrefix, retentionMs: kafka.DefaultRetentionMs,
		partitions: 1, replication: 1, create: true, compression: "none", onFull: "block",
		startWait: 10 * time.Second}
}

func (f *kafkaFeature) Name() string { return "kafka" }

func (f *kafkaFeature) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&f.servers, "kafka-server", f.servers, "Kafka bootstrap brokers, comma-separated host:port; setting it enables the Kafka output")
	fs.StringVar(&f.prefix, "kafka-topic-prefix", f.prefix, "topics are <prefix>.parsed.<type>[_v4|_v6] and <prefix>.raw, e.g. gobmp.parsed.peer")
	fs.Int64Var(&f.retentionMs, "kafka-topic-retention-time-ms", f.retentionMs, "retention.ms of the topics bmpstream creates")
	fs.IntVar(&f.partitions, "kafka-topic-partitions", f.partitions, "partitions of the topics bmpstream creates (-1: broker default)")
	fs.IntVar(&f.replication, "kafka-topic-replication", f.replication, "replication factor of the topics bmpstream creates (-1: broker default)")
	fs.BoolVar(&f.create, "kafka-create-topics", f.create, "create missing topics at start (and before the first record of any other topic); existing topics are left as they are")
	fs.StringVar(&f.compression, "kafka-compression", f.compression, "compression of produced batches: none, gzip, snappy, lz4 or zstd")
	fs.BoolVar(&f.tls.Enable, "kafka-tls", f.tls.Enable, "connect to the brokers with TLS")
	fs.StringVar(&f.tls.CAFile, "kafka-tls-ca", f.tls.CAFile, "PEM file of the CA(s) that sign the brokers' certificates (default: system roots)")
	fs.StringVar(&f.tls.CertFile, "kafka-tls-cert", f.tls.CertFile, "PEM client certificate for mutual TLS")
	fs.StringVar(&f.tls.KeyFile, "kafka-tls-key", f.tls.KeyFile, "PEM client key for mutual TLS")
	fs.BoolVar(&f.tls.InsecureSkipVerify, "kafka-tls-insecure-skip-verify", f.tls.InsecureSkipVerify, "do not verify the brokers' certificates (testing only)")
	fs.StringVar(&f.saslMech, "kafka-sasl-mechanism", f.saslMech, "SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (default: no SASL)")
	fs.StringVar(&f.saslUser, "kafka-sasl-username", f.saslUser, "SASL username")
	fs.StringVar(&f.saslPass, "kafka-sasl-password", f.saslPass, "SASL password (prefer the environment variable "+SASLPasswordEnv+")")
	fs.StringVar(&f.onFull, "kafka-on-full", f.onFull, "when the Kafka queue is full: block (stop reading from routers, lose nothing) or drop (drop and count batches)")
	fs.StringVar(&f.format, "kafka-format", "", "record encoding on Kafka: json or proto (default: --format); messages carry content-type and bmpstream-schema headers")
	fs.IntVar(&f.queueSize, "kafka-queue-size", f.queueSize, "batches queued for Kafka (default: --queue-size)")
}

// Validate checks every Kafka setting at start-up, whether or not --kafka-server enables
// the output: a wrong value fails now, not when a broker is first configured.
func (f *kafkaFeature) Validate(*Options) error {
	var errs []error
	if _, err := publisher.ParsePolicy(f.onFull); err != nil {
		errs = append(errs, optErr("kafka-on-full", "%v", err))
	}
	if strings.TrimSpace(f.prefix) == "" {
		errs = append(errs, optErr("kafka-topic-prefix", "must not be empty"))
	}
	if f.partitions == 0 || f.partitions < -1 {
		errs = append(errs, optErr("kafka-topic-partitions", "%d: want a positive number or -1", f.partitions))
	}
	if f.replication == 0 || f.replication < -1 || f.replication > 32767 {
		errs = append(errs, optErr("kafka-topic-replication", "%d: want a positive number or -1", f.replication))
	}
	if f.retentionMs < -1 {
		errs = append(errs, optErr("kafka-topic-retention-time-ms", "%d: want a positive number or -1 (unlimited)", f.retentionMs))
	}
	if _, err := kafka.ParseCompression(f.compression); err != nil {
		errs = append(errs, optErr("kafka-compression", "%q: want none, gzip, snappy, lz4 or zstd", f.compression))
	}
	if _, err := f.tls.Config(); err != nil {
		errs = append(errs, optErr("kafka-tls", "%s", strings.TrimPrefix(err.Error(), "kafka: ")))
	}
	pass := f.saslPass
	if pass == "" {
		pass = os.Getenv(SASLPasswordEnv)
	}
	if _, err := kafka.SASL(f.saslMech, f.saslUser, pass); err != nil {
		errs = append(errs, optErr("kafka-sasl-mechanism", "%s", strings.TrimPrefix(err.Error(), "kafka: ")))
	}
	if f.queueSize < 0 {
		errs = append(errs, optErr("kafka-queue-size", "%d: must be 0 (--queue-size) or positive", f.queueSize))
	}
	if strings.TrimSpace(f.servers) != "" {
		for _, b := range strings.Split(f.servers, ",") {
			if b = strings.TrimSpace(b); b != "" {
				if err := checkHostPort(b); err != nil {
					errs = append(errs, optErr("kafka-server", "%q: %v", b, err))
				}
			}
		}
	}
	return errors.Join(errs...)
}

func (f *kafkaFeature) config(o *Options) (kafka.Config, publisher.Policy, error) {
	policy, err := publisher.ParsePolicy(f.onFull)
	if err != nil {
		return kafka.Config{}, policy, fmt.Errorf("--kafka-on-full: %w", err)
	}
	var brokers []string
	for _, b := range strings.Split(f.servers, ",") {
		if b = strings.TrimSpace(b); b != "" {
			brokers = append(brokers, b)
		}
	}
	if f.prefix == "" {
		return kafka.Config{}, policy, errors.New("--kafka-topic-prefix must not be empty")
	}
	if f.partitions == 0 || f.partitions < -1 {
		return kafka.Config{}, policy, fmt.Errorf("--kafka-topic-partitions %d: want a positive number or -1", f.partitions)
	}
	if f.replication == 0 || f.replication < -1 || f.replication > 32767 {
		return kafka.Config{}, policy, fmt.Errorf("--kafka-topic-replication %d: want a positive number or -1", f.replication)
	}
	if f.retentionMs < -1 {
		return kafka.Config{}, policy, fmt.Errorf("--kafka-topic-retention-time-ms %d: want a positive number or -1 (unlimited)", f.retentionMs)
	}
	comp, err := kafka.ParseCompression(f.compression)
	if err != nil {
		return kafka.Config{}, policy, err
	}
	tlsCfg, err := f.tls.Config()
	if err != nil {
		return kafka.Config{}, policy, err
	}
	pass := f.saslPass
	if pass == "" {
		pass = os.Getenv(SASLPasswordEnv)
	}
	format, err := o.sinkFormat(f.format)
	if err != nil {
		return kafka.Config{}, policy, fmt.Errorf("--kafka-format: %w", err)
	}
	mech, err := kafka.SASL(f.saslMech, f.saslUser, pass)
	if err != nil {
		return kafka.Config{}, policy, err
	}
	if mech != nil && tlsCfg == nil {
		glog.Warningf("feature=kafka event=sasl_without_tls mechanism=%s: credentials cross the network unencrypted", mech.Name())
	}
	return kafka.Config{
		Brokers:      brokers,
		TopicPrefix:  f.prefix,
		SplitAF:      o.SplitAF,
		CreateTopics: f.create,
		Topics:       kafka.TopicSettings{Partitions: f.partitions, Replication: f.replication, RetentionMs: f.retentionMs},
		Compression:  comp,
		TLS:          tlsCfg,
		SASL:         mech,
		RetryForever: policy == publisher.Block,
		Format:       format,
	}, policy, nil
}

func (f *kafkaFeature) Start(ctx context.Context, rt *Runtime) error {
	if strings.TrimSpace(f.servers) == "" {
		return nil
	}
	cfg, policy, err := f.config(rt.Options)
	if err != nil {
		return err
	}
	s, err := kafka.New(cfg)
	if err != nil {
		return err
	}
	f.sink = s
	// A broker that is down at start is not fatal: topics are then created before their
	// first record, writes wait for the broker (block) and /readyz reports it.
	sctx, cancel := context.WithTimeout(ctx, f.startWait)
	if cfg.CreateTopics {
		err = s.CreateTopics(sctx)
	} else {
		err = s.Probe(sctx)
	}
	cancel()
	switch {
	case err != nil && s.Ready() != nil:
		glog.Warningf("feature=kafka event=start_contact_failed brokers=%q err=%q", cfg.Brokers, err)
	case err != nil:
		glog.Warningf("feature=kafka event=create_topics_failed brokers=%q err=%q", cfg.Brokers, err)
	}
	rt.AddSink(s, f.queueSize, policy)
	rt.AddReadiness(s.Ready)
	rt.OnShutdown(s.SetDeadline)
	glog.Infof("feature=kafka event=started brokers=%q topic_prefix=%s split_af=%t compression=%s tls=%t sasl=%q on_full=%s",
		cfg.Brokers, cfg.TopicPrefix, cfg.SplitAF, f.compression, cfg.TLS != nil, f.saslMech, policy)
	return nil
}

func (f *kafkaFeature) Stop(context.Context) error { return nil }
