package app

import (
	"context"
	"fmt"
	"time"

	"github.com/golang/glog"
	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/pkg/publisher"
	natssink "github.com/bmpstream/bmpstream/pkg/publisher/nats"
)

// natsFeature is --nats-server: publish records to NATS (core, or JetStream with
// --nats-jetstream).
type natsFeature struct {
	format    string
	opts      natssink.Options
	onFull    string
	queueSize int
	sink      *natssink.Sink
}

func init() {
	Register(func() Feature {
		return &natsFeature{onFull: "block", opts: natssink.Options{
			SubjectPrefix: "gobmp", Stream: "goBMP", StreamMaxAge: 15 * time.Minute, Duplicates: 2 * time.Minute,
			Window: 4096, AckTimeout: 5 * time.Second, RetryTimeout: time.Minute, ReconnectBufSize: 32 << 20,
		}}
	})
}

func (f *natsFeature) Name() string { return "nats" }

func (f *natsFeature) AddFlags(fs *pflag.FlagSet) {
	o := &f.opts
	fs.StringVar(&o.URLs, "nats-server", o.URLs, "NATS server URLs, comma-separated (e.g. nats://127.0.0.1:4222); enables the NATS output")
	fs.StringVar(&o.SubjectPrefix, "nats-subject-prefix", o.SubjectPrefix, `first token of the NATS subjects ("<prefix>.parsed.<type>", "<prefix>.raw")`)
	fs.BoolVar(&o.JetStream, "nats-jetstream", o.JetStream, "publish to a JetStream stream with acknowledgements and deduplication (at-least-once) instead of core NATS (at-most-once)")
	fs.StringVar(&o.Stream, "nats-stream", o.Stream, `JetStream stream name; created (file storage) if missing, or extended to the subjects "<prefix>.>"`)
	fs.DurationVar(&o.StreamMaxAge, "nats-stream-max-age", o.StreamMaxAge, "MaxAge of a stream bmpstream creates (0: unlimited; goBMP uses 15m)")
	fs.DurationVar(&o.Duplicates, "nats-stream-duplicates", o.Duplicates, "duplicate-detection window of a stream bmpstream creates")
	fs.IntVar(&o.Window, "nats-window", o.Window, "JetStream publishes in flight before waiting for acks")
	fs.DurationVar(&o.AckTimeout, "nats-ack-timeout", o.AckTimeout, "JetStream: how long to wait for an ack before publishing the record again")
	fs.DurationVar(&o.RetryTimeout, "nats-retry-timeout", o.RetryTimeout, "JetStream: how long an outage may last before undelivered records are counted lost (negative: retry forever, which can block shutdown)")
	fs.IntVar(&o.ReconnectBufSize, "nats-reconnect-buffer", o.ReconnectBufSize, "core NATS: bytes buffered while reconnecting; records beyond are lost (counted)")
	fs.StringVar(&f.onFull, "nats-on-full", f.onFull, "when the NATS queue is full: block (slow down reading from routers) or drop (drop and count records)")
	fs.StringVar(&f.format, "nats-format", "", "record encoding on NATS: json or proto (default: --format); messages carry content-type and bmpstream-schema headers")
	fs.IntVar(&f.queueSize, "nats-queue-size", 0, "batches queued for NATS (default: --queue-size)")
}

func (f *natsFeature) Start(_ context.Context, rt *Runtime) error {
	if f.opts.URLs == "" {
		return nil
	}
	policy, err := publisher.ParsePolicy(f.onFull)
	if err != nil {
		return err
	}
	f.opts.SplitAF = rt.Options.SplitAF
	if f.opts.Format, err = rt.Options.sinkFormat(f.format); err != nil {
		return fmt.Errorf("--nats-format: %w", err)
	}
	s, err := natssink.New(f.opts)
	if err != nil {
		return err
	}
	f.sink = s
	rt.AddSink(s, f.queueSize, policy)
	rt.AddReadiness(s.Ready)
	mode := "core"
	if f.opts.JetStream {
		mode = "jetstream"
	}
	glog.Infof("feature=nats event=enabled servers=%q mode=%s subject_prefix=%s stream=%s on_full=%s",
		f.opts.URLs, mode, f.opts.SubjectPrefix, f.opts.Stream, policy)
	return nil
}

// Stop logs the sink's counters (the queue closed the sink already).
func (f *natsFeature) Stop(context.Context) error {
	if f.sink != nil {
		st := f.sink.Stats()
		glog.Infof("feature=nats event=stopped published=%d lost=%d retried=%d duplicates=%d reconnects=%d",
			st.Published.Load(), st.Lost.Load(), st.Retried.Load(), st.Duplicates.Load(), st.Reconnects.Load())
	}
	return nil
}
