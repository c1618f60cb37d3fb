// Package kafkatest holds test helpers for the Kafka publisher: an in-process kfake broker
// on 127.0.0.1, a consumer that reads back everything stored, and a checker that compares
// what Kafka holds with what the collector produced (per topic and key, in order). It is
// imported by tests only.
package kafkatest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// WaitLimit bounds every wait of these helpers (the machine is shared and slow under
// -race: generous, never a timing assertion).
const WaitLimit = 90 * time.Second

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago (for a broker that
// must come back on the same port).
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Start starts a one-broker kfake cluster on a random 127.0.0.1 port; it is closed when
// the test ends.
func Start(t testing.TB, opts ...kfake.Opt) (string, *kfake.Cluster) {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()[0], c
}

// Record is one Kafka message (or one expected message).
type Record struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       string
	Value     string
}

// Stored is the number of records held by topics in c (the sum of the partitions' high
// watermarks).
func Stored(c *kfake.Cluster, topics []string) int {
	n := 0
	for _, t := range topics {
		for _, p := range c.PartitionInfos(t) {
			n += int(p.HighWatermark)
		}
	}
	return n
}

// Consume reads every record of the topics matching the regular expression topicRE until
// it has want records (or fails the test after WaitLimit), sorted by topic, partition and
// offset.
func Consume(t testing.TB, addr, topicRE string, want int, opts ...kgo.Opt) []Record {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(addr),
		kgo.ConsumeTopics(topicRE),
		kgo.ConsumeRegex(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(200 * time.Millisecond),
		kgo.MetadataMinAge(100 * time.Millisecond),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), WaitLimit)
	defer cancel()
	var out []Record
	for len(out) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d of %d records of %s before the deadline", len(out), want, topicRE)
		}
		fs.EachError(func(topic string, p int32, err error) {
			t.Logf("fetch %s/%d: %v", topic, p, err)
		})
		fs.EachRecord(func(r *kgo.Record) {
			out = append(out, Record{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset,
				Key: string(r.Key), Value: string(r.Value)})
		})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Topic != b.Topic {
			return a.Topic < b.Topic
		}
		if a.Partition != b.Partition {
			return a.Partition < b.Partition
		}
		return a.Offset < b.Offset
	})
	return out
}

// splitTypes are the record types whose topic depends on the address family: with
// split-af (value true) or always (false). Kept here independently of pkg/record so that
// the tests check the topic names, not re-derive them.
var splitTypes = map[string]bool{
	"unicast_prefix": true, "l3vpn": true, "sr_policy": true, "flowspec": true,
	"multicast_prefix": false, "rtc": false, "mvpn": false,
}

// Fields are the fields of a JSON record that decide its topic and key.
type Fields struct {
	Type       string `json:"type"`
	IPv4       *bool  `json:"is_ipv4"`
	RouterHash string `json:"router_hash"`
	PeerHash   string `json:"peer_hash"`
}

// parsed counts the lines ParseFields checked with encoding/json.
var parsed atomic.Int64

// ParseFields extracts Fields from a record line. It scans for the first occurrence of
// each key (the records have these keys at the top level only), which is fast enough for
// hundreds of thousands of lines under -race; the first 2,000 lines of a test binary and
// every 50th after that are also decoded with encoding/json and must agree.
func ParseFields(t testing.TB, line string) Fields {
	t.Helper()
	var f Fields
	f.Type = stringField(line, "type")
	f.RouterHash = stringField(line, "router_hash")
	f.PeerHash = stringField(line, "peer_hash")
	if k := strings.Index(line, `"is_ipv4":`); k >= 0 {
		v := strings.HasPrefix(line[k+len(`"is_ipv4":`):], "true")
		f.IPv4 = &v
	}
	if n := parsed.Add(1); n <= 2000 || n%50 == 0 {
		var slow Fields
		if err := json.Unmarshal([]byte(line), &slow); err != nil {
			t.Fatalf("record %.200q: %v", line, err)
		}
		if slow.Type != f.Type || slow.RouterHash != f.RouterHash || slow.PeerHash != f.PeerHash ||
			(slow.IPv4 == nil) != (f.IPv4 == nil) || (slow.IPv4 != nil && *slow.IPv4 != *f.IPv4) {
			t.Fatalf("field scan %+v disagrees with encoding/json %+v on %.300q", f, slow, line)
		}
	}
	return f
}

func stringField(line, key string) string {
	k := strings.Index(line, `"`+key+`":"`)
	if k < 0 {
		return ""
	}
	v := line[k+len(key)+4:]
	if e := strings.IndexByte(v, '"'); e >= 0 {
		return v[:e]
	}
	return ""
}

// Expect derives the expected topic and key of a JSON record line from its own fields
// ("type", "is_ipv4", "router_hash", "peer_hash"), as docs/kafka.md documents them.
func Expect(t testing.TB, prefix string, split bool, line string) Record {
	t.Helper()
	return ParseFields(t, line).Record(t, prefix, split, line)
}

// Record is the Kafka record expected for line with these fields.
func (f Fields) Record(t testing.TB, prefix string, split bool, line string) Record {
	t.Helper()
	topic := prefix + ".parsed." + f.Type
	if always, ok := splitTypes[f.Type]; ok && (split || !always) {
		if f.IPv4 == nil {
			t.Fatalf("record of a split type without is_ipv4: %.200q", line)
		}
		if *f.IPv4 {
			topic += "_v4"
		} else {
			topic += "_v6"
		}
	}
	return Record{Topic: topic, Key: f.RouterHash + f.PeerHash, Value: line}
}

// Report is the outcome of Check.
type Report struct {
	Want, Got int
	// Missing: expected records never stored. Replays: records stored again after
	// a later record of the same topic and key (at-least-once re-sends). Unexpected:
	// stored records that were not expected at all (or on another topic or key).
	// Misordered: a first delivery that overtook an earlier record of its key.
	Missing, Replays, Unexpected, Misordered int
	// SplitKeys counts topic/key pairs found on more than one partition.
	SplitKeys int
	Problems  []string
}

func (r Report) String() string {
	s := fmt.Sprintf("want=%d got=%d missing=%d replays=%d unexpected=%d misordered=%d split_keys=%d",
		r.Want, r.Got, r.Missing, r.Replays, r.Unexpected, r.Misordered, r.SplitKeys)
	if len(r.Problems) > 0 {
		s += "\n  " + strings.Join(r.Problems, "\n  ")
	}
	return s
}

// Clean reports whether every record arrived exactly once, in order, on one partition
// per key.
func (r Report) Clean() bool {
	return r.Missing == 0 && r.Replays == 0 && r.Unexpected == 0 && r.Misordered == 0 && r.SplitKeys == 0
}

type topicKey struct{ topic, key string }

// Check compares got (in topic/partition/offset order, as Consume returns) with want (in
// stream order): for each topic and key, the values must come in the same order. A record
// seen again is counted as a replay (at-least-once), not as misordered.
func Check(want, got []Record) Report {
	rep := Report{Want: len(want), Got: len(got)}
	problem := func(format string, args ...any) {
		if len(rep.Problems) < 10 {
			rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...))
		}
	}
	type keyState struct {
		seq  []string
		idx  map[string][]int // value -> its positions in seq
		seen []bool
		max  int // highest position delivered, -1 before the first
		part map[int32]bool
	}
	keys := make(map[topicKey]*keyState)
	state := func(tk topicKey) *keyState {
		ks := keys[tk]
		if ks == nil {
			ks = &keyState{idx: make(map[string][]int), max: -1, part: make(map[int32]bool)}
			keys[tk] = ks
		}
		return ks
	}
	for _, r := range want {
		ks := state(topicKey{r.Topic, r.Key})
		ks.idx[r.Value] = append(ks.idx[r.Value], len(ks.seq))
		ks.seq = append(ks.seq, r.Value)
	}
	for _, ks := range keys {
		ks.seen = make([]bool, len(ks.seq))
	}
	for _, r := range got {
		ks := state(topicKey{r.Topic, r.Key})
		ks.part[r.Partition] = true
		positions := ks.idx[r.Value]
		if len(positions) == 0 {
			rep.Unexpected++
			problem("%s/%d@%d key %q: unexpected record %.120s", r.Topic, r.Partition, r.Offset, r.Key, r.Value)
			continue
		}
		i := -1
		for _, p := range positions {
			if !ks.seen[p] {
				i = p
				break
			}
		}
		switch {
		case i < 0:
			rep.Replays++
		case i < ks.max:
			rep.Misordered++
			ks.seen[i] = true
			problem("%s/%d@%d key %s: record #%d arrived after #%d", r.Topic, r.Partition, r.Offset, r.Key, i, ks.max)
		default:
			ks.seen[i] = true
			ks.max = i
		}
	}
	for tk, ks := range keys {
		for i, ok := range ks.seen {
			if !ok {
				rep.Missing++
				if rep.Missing <= 3 {
					problem("%s key %s: record #%d missing: %.120s", tk.topic, tk.key, i, ks.seq[i])
				}
			}
		}
		if len(ks.part) > 1 {
			rep.SplitKeys++
			problem("%s key %s: records on %d partitions", tk.topic, tk.key, len(ks.part))
		}
	}
	return rep
}

// TopicRE is a regular expression matching every topic of prefix.
func TopicRE(prefix string) string { return "^" + regexp.QuoteMeta(prefix) + `\.` }
