package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"

	"github.com/golang/glog"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// ParsedTopics returns the topic of every parsed record type for prefix and split-af,
// sorted (raw BMP's "<prefix>.raw" is not included: it is created when raw records flow).
func ParsedTopics(prefix string, split bool) []string {
	if prefix == "" {
		prefix = DefaultTopicPrefix
	}
	seen := make(map[string]bool)
	var out []string
	for _, t := range record.Types() {
		if t == record.TypeRaw {
			continue
		}
		for _, v4 := range []bool{true, false} {
			name := record.Topic(prefix, t, v4, split)
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// CreateTopics creates the parsed topics (ParsedTopics) with the configured partitions,
// replication and retention.ms. Topics that already exist are left unchanged. It uses
// the CreateTopics API at the highest version both sides support (v5 with kafka-go
// v0.4.51), which Kafka 4.x accepts.
func (s *Sink) CreateTopics(ctx context.Context) error {
	return s.createTopics(ctx, ParsedTopics(s.cfg.TopicPrefix, s.cfg.SplitAF))
}

func (s *Sink) topicConfig(name string) kafkago.TopicConfig {
	tc := kafkago.TopicConfig{
		Topic:             name,
		NumPartitions:     s.cfg.Topics.Partitions,
		ReplicationFactor: s.cfg.Topics.Replication,
	}
	if s.cfg.Topics.RetentionMs != 0 {
		tc.ConfigEntries = []kafkago.ConfigEntry{{ConfigName: "retention.ms",
			ConfigValue: strconv.FormatInt(s.cfg.Topics.RetentionMs, 10)}}
	}
	return tc
}

// createTopics creates names. A name is marked known when it was created or exists; the
// error reports the others.
func (s *Sink) createTopics(ctx context.Context, names []string) error {
	req := &kafkago.CreateTopicsRequest{}
	for _, n := range names {
		req.Topics = append(req.Topics, s.topicConfig(n))
	}
	res, err := s.client.CreateTopics(ctx, req)
	if err != nil {
		s.health.set(err)
		return fmt.Errorf("kafka: create topics: %w", err)
	}
	s.health.set(nil)
	var errs []error
	for _, n := range names {
		terr, ok := res.Errors[n]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("topic %s: missing from the CreateTopics response", n))
		case terr == nil:
			s.known[n] = true
			s.Stats.TopicsCreated.Add(1)
			glog.Infof("sink=kafka event=topic_created topic=%s partitions=%d replication=%d retention_ms=%d",
				n, s.cfg.Topics.Partitions, s.cfg.Topics.Replication, s.cfg.Topics.RetentionMs)
		case errors.Is(terr, kafkago.TopicAlreadyExists):
			s.known[n] = true
			glog.V(1).Infof("sink=kafka event=topic_exists topic=%s", n)
		default:
			errs = append(errs, fmt.Errorf("topic %s: %w", n, terr))
		}
	}
	return errors.Join(errs...)
}

// ensureTopics creates the topics of msgs not known to exist yet. Creation is best
// effort: when the broker refuses it (not authorized, a policy…) the topic is not tried
// again and the write decides; when the broker is unreachable it is tried again on the
// next attempt.
func (s *Sink) ensureTopics(pending []int32) {
	var missing []string
	for _, i := range pending {
		t := s.msgs[i].topic
		if !s.known[t] && !slices.Contains(missing, t) {
			missing = append(missing, t)
		}
	}
	if len(missing) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.Timeout)
	defer cancel()
	if err := s.createTopics(ctx, missing); err != nil {
		var ke kafkago.Error
		if errors.As(err, &ke) {
			for _, t := range missing {
				s.known[t] = true
			}
		}
		glog.Warningf("sink=kafka event=create_topics_failed topics=%q err=%q", missing, err)
	}
}
