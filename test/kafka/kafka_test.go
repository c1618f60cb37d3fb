// Package kafka_test runs the collector end to end with the Kafka publisher: BMP over TCP
// into the server, every batch fanned out to the file sink and to two Kafka sinks (split-af
// on and off) on an in-process kfake broker; then every topic is read back and compared,
// per topic and key, with the file sink's output of the same stream.
package kafka_test

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/bmpstream/bmpstream/internal/capture"
	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/kafkatest"
	"github.com/bmpstream/bmpstream/internal/replay"
	"github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/publisher/file"
	"github.com/bmpstream/bmpstream/pkg/publisher/kafka"
)

// variant is one Kafka sink of the collector.
type variant struct {
	prefix string
	split  bool
	sink   *kafka.Sink
	q      *publisher.Queue
}

// collector is an in-process bmpstream with a file sink and two Kafka sinks.
type collector struct {
	t        *testing.T
	addr     string
	kafka    string
	cluster  *kfake.Cluster
	srv      *server.Server
	served   chan error
	fileQ    *publisher.Queue
	filePath string
	variants []*variant
	closed   bool
}

func startCollector(t *testing.T, name string, partitions int) *collector {
	t.Helper()
	addr, cluster := kafkatest.Start(t)
	c := &collector{t: t, kafka: addr, cluster: cluster, filePath: filepath.Join(t.TempDir(), "records.jsonl")}
	fs, err := file.Create(c.filePath, file.Options{Format: file.JSONL})
	if err != nil {
		t.Fatal(err)
	}
	c.fileQ = publisher.NewQueue(fs, 8, publisher.Block)
	pubs := publisher.Fanout{c.fileQ}
	for _, split := range []bool{true, false} {
		v := &variant{prefix: name + map[bool]string{true: ".split", false: ".combined"}[split], split: split}
		v.sink, err = kafka.New(kafka.Config{Brokers: []string{addr}, TopicPrefix: v.prefix, SplitAF: split,
			CreateTopics: true, Topics: kafka.TopicSettings{Partitions: partitions, Replication: 1},
			Compression: 0, RetryForever: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := v.sink.CreateTopics(context.Background()); err != nil {
			t.Fatal(err)
		}
		v.q = publisher.NewQueue(v.sink, 8, publisher.Block)
		pubs = append(pubs, v.q)
		c.variants = append(c.variants, v)
	}
	c.srv = server.New(server.Config{Listen: "127.0.0.1:0", Publisher: pubs, Session: session.Config{}})
	if err := c.srv.Listen(); err != nil {
		t.Fatal(err)
	}
	c.addr = c.srv.Addr().String()
	c.served = make(chan error, 1)
	go func() { c.served <- c.srv.Serve() }()
	t.Cleanup(c.close)
	return c
}

func (c *collector) ended() uint64 {
	var n uint64
	for _, r := range server.EndReasons {
		n += c.srv.Stats.Ended(r)
	}
	return n
}

// waitEnded waits until n sessions ended (their records are then published).
func (c *collector) waitEnded(n uint64) {
	c.t.Helper()
	deadline := time.Now().Add(kafkatest.WaitLimit)
	for c.ended() < n {
		if time.Now().After(deadline) {
			c.t.Fatalf("timed out waiting for %d sessions to end (%d ended)", n, c.ended())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// close shuts the server down and closes every queue (all records delivered).
func (c *collector) close() {
	if c.closed {
		return
	}
	c.closed = true
	ctx, cancel := context.WithTimeout(context.Background(), kafkatest.WaitLimit)
	defer cancel()
	if err := c.srv.Shutdown(ctx); err != nil {
		c.t.Errorf("shutdown: %v", err)
	}
	if err := <-c.served; err != nil {
		c.t.Errorf("serve: %v", err)
	}
	if err := c.fileQ.Close(); err != nil {
		c.t.Errorf("file sink: %v", err)
	}
	for _, v := range c.variants {
		if err := v.q.Close(); err != nil {
			c.t.Errorf("kafka sink %s: %v", v.prefix, err)
		}
	}
}

// verify compares each Kafka variant with the file output: same records, and for each
// topic and key the same values in the same order, every record exactly once, on the
// topic and with the key derived from the record's own fields.
func (c *collector) verify() int {
	c.t.Helper()
	c.close()
	data, err := os.ReadFile(c.filePath)
	if err != nil {
		c.t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		c.t.Fatal(err)
	}
	if len(lines) == 0 {
		c.t.Fatal("the file sink wrote nothing")
	}
	fields := make([]kafkatest.Fields, len(lines))
	for i, l := range lines {
		fields[i] = kafkatest.ParseFields(c.t, l)
	}
	for _, v := range c.variants {
		if f, d := v.q.Stats.Failed.Load(), v.q.Stats.Dropped.Load(); f+d != 0 {
			c.t.Fatalf("%s: failed %d dropped %d", v.prefix, f, d)
		}
		want := make([]kafkatest.Record, len(lines))
		for i, l := range lines {
			want[i] = fields[i].Record(c.t, v.prefix, v.split, l)
		}
		topics := append(kafka.ParsedTopics(v.prefix, v.split), v.prefix+".raw")
		stored := kafkatest.Stored(c.cluster, topics)
		if stored != len(lines) {
			c.t.Fatalf("%s: Kafka holds %d records, the file %d", v.prefix, stored, len(lines))
		}
		got := kafkatest.Consume(c.t, c.kafka, kafkatest.TopicRE(v.prefix), stored)
		rep := kafkatest.Check(want, got)
		perTopic := map[string]int{}
		for _, r := range got {
			perTopic[r.Topic]++
		}
		c.t.Logf("%s: %s; per topic %v", v.prefix, rep, perTopic)
		if !rep.Clean() {
			c.t.Fatalf("%s: %s", v.prefix, rep)
		}
	}
	return len(lines)
}

// TestReplayCaptures replays every BMP session of the shared captures, one after the
// other (concurrent sessions from 127.0.0.1 share a router hash, so their relative order
// would differ between sinks).
func TestReplayCaptures(t *testing.T) {
	dir := testutil.TestdataDir(t)
	files, err := capture.Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := startCollector(t, "cap", 3)
	sessions := 0
	for _, f := range files {
		streams, err := capture.ReadFile(f, capture.Options{})
		if err != nil {
			continue // not a capture (covered by the capture tests)
		}
		for _, s := range streams {
			if _, err := replay.Run(context.Background(), []capture.Stream{s}, replay.Options{Addr: c.addr}); err != nil {
				t.Fatalf("%s: %v", s.Name, err)
			}
			sessions++
			c.waitEnded(uint64(sessions))
		}
	}
	if sessions < 30 {
		t.Fatalf("only %d sessions replayed from %s", sessions, dir)
	}
	n := c.verify()
	t.Logf("%d sessions from %d files, %d records", sessions, len(files), n)
}

// TestGenerated100k sends a generated stream of 100,000 prefixes (IPv4 and IPv6) and,
// at the same time, one of 20,000 prefixes from a second router (their router hashes
// differ: distinct source addresses).
func TestGenerated100k(t *testing.T) {
	c := startCollector(t, "gen", 4)
	var bufs [2]bytes.Buffer
	var counts [2]gen.StreamCounts
	for i := range bufs {
		spec := gen.StreamSpec{Prefixes: []int{100000, 20000}[i], PerUpdate: 20, IPv6: true}
		spec.Peer = gen.DefaultPeer()
		var err error
		if counts[i], err = gen.WriteStream(&bufs[i], spec); err != nil {
			t.Fatal(err)
		}
	}
	errs := make(chan error, len(bufs))
	for i := range bufs {
		go func() {
			local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(10+i))}
			d := net.Dialer{LocalAddr: local, Timeout: 10 * time.Second}
			conn, err := d.Dial("tcp", c.addr)
			if err != nil {
				errs <- err
				return
			}
			_, err = conn.Write(bufs[i].Bytes())
			conn.Close()
			errs <- err
		}()
	}
	for range bufs {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	c.waitEnded(2)
	n := c.verify()
	want := 0
	for _, cnt := range counts {
		want += cnt.V4 + cnt.V6
	}
	if n < want {
		t.Fatalf("%d records for %d prefixes", n, want)
	}
	t.Logf("%d records", n)
}
