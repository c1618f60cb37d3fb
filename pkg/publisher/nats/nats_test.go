package nats

import (
	"context"
	"encoding/hex"
	"net"
	"net/netip"
	"regexp"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/record"
)

func hashOf(ip string) string {
	h := record.RouterHash(netip.MustParseAddr(ip))
	return hex.EncodeToString(h[:])
}

var peerHashJSON = regexp.MustCompile(`"peer_hash":"([0-9a-f]{32})"`)

// checkHeaders: every message carries its router hash, and its peer hash when the record
// has one.
func checkHeaders(t *testing.T, msgs []got) {
	t.Helper()
	for i, g := range msgs {
		if len(g.hash) != 32 {
			t.Fatalf("message %d: Hash header %q", i, g.hash)
		}
		if m := peerHashJSON.FindSubmatch(g.data); m != nil && string(m[1]) != g.peerHash {
			t.Fatalf("message %d: Peer-Hash header %q, record peer_hash %s", i, g.peerHash, m[1])
		}
	}
}

// routers sends three sessions: a generated stream (with IPv6 prefixes) and then a
// real GoBGP capture from 127.0.0.1, and in parallel a real FRR capture from [::1]. It
// returns the expected records by router hash.
func routers(t *testing.T, c *collector, prefixes int) map[string][]ref {
	want := map[string][]ref{}
	v4, v6 := hashOf("127.0.0.1"), hashOf("::1")
	want[v4] = c.router(t, false, genStream(t, gen.StreamSpec{Prefixes: prefixes, PerUpdate: 7, IPv6: true}), true)
	want[v6] = c.router(t, true, readCapture(t, "lab/frr84-mixed.bmp"), true)
	testutil.WaitFor(t, "first sessions", func() bool { return c.ended() >= 2 })
	want[v4] = append(want[v4], c.router(t, false, readCapture(t, "lab/gobgp310deb-mixed.bmp"), true)...)
	testutil.WaitFor(t, "all sessions", func() bool { return c.ended() >= 3 })
	return want
}

func total(want map[string][]ref) int {
	n := 0
	for _, r := range want {
		n += len(r)
	}
	return n
}

func TestCoreNATS(t *testing.T) {
	ns := startNATS(t, t.TempDir(), 0)
	sub, err := natsgo.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var in inbox
	s, err := sub.Subscribe("gobmp.>", func(m *natsgo.Msg) {
		in.add(got{m.Subject, m.Header.Get(HeaderHash), m.Header.Get(HeaderPeerHash), "", m.Data})
	})
	if err != nil {
		t.Fatal(err)
	}
	// N1/N2: no slow-consumer drops, and the subscription is registered before publishing.
	if err := s.SetPendingLimits(-1, -1); err != nil {
		t.Fatal(err)
	}
	if err := sub.Flush(); err != nil {
		t.Fatal(err)
	}
	c := startCollector(t, Options{URLs: ns.ClientURL(), SplitAF: true}, true)
	want := routers(t, c, 20000)
	c.stop()
	n := total(want)
	testutil.WaitFor(t, "messages", func() bool { return in.len() >= n })
	msgs := in.drain(t, sub, s) // anything beyond n would arrive before the PONG
	if d, _ := s.Dropped(); d != 0 {
		t.Fatalf("subscriber dropped %d", d)
	}
	compare(t, msgs, want)
	checkHeaders(t, msgs)
	st := c.sink.Stats()
	if st.Published.Load() != uint64(n) || st.Lost.Load() != 0 || c.q.Stats.Failed.Load() != 0 {
		t.Fatalf("published %d lost %d failed %d, want %d/0/0", st.Published.Load(), st.Lost.Load(), c.q.Stats.Failed.Load(), n)
	}
	raw := 0
	for _, g := range msgs {
		if g.subject == "gobmp.raw" {
			raw++
		}
	}
	if raw < 1000 {
		t.Fatalf("%d raw messages", raw)
	}
	t.Logf("%d messages (%d raw) over %d subjects", n, raw, len(subjectsOf(msgs)))
}

func subjectsOf(msgs []got) map[string]int {
	m := map[string]int{}
	for _, g := range msgs {
		m[g.subject]++
	}
	return m
}

// readStream reads every message of the stream in stream order.
func readStream(t *testing.T, url, name string) []got {
	t.Helper()
	nc, err := natsgo.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	it, err := cons.Messages()
	if err != nil {
		t.Fatal(err)
	}
	defer it.Stop()
	out := make([]got, 0, info.State.Msgs)
	for uint64(len(out)) < info.State.Msgs {
		m, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		h := m.Headers()
		out = append(out, got{m.Subject(), h.Get(HeaderHash), h.Get(HeaderPeerHash), h.Get(jetstream.MsgIDHeader), m.Data()})
	}
	return out
}

// dedupe keeps the first message of each id and checks the ids are well-formed.
func dedupe(t *testing.T, msgs []got) (unique []got, dups int) {
	seen := make(map[string]bool, len(msgs))
	for _, g := range msgs {
		if g.id == "" || g.id[:32] != g.hash {
			t.Fatalf("message id %q for router %s", g.id, g.hash)
		}
		if seen[g.id] {
			dups++
			continue
		}
		seen[g.id] = true
		unique = append(unique, g)
	}
	return unique, dups
}

func TestJetStream(t *testing.T) {
	ns := startNATS(t, t.TempDir(), 0)
	c := startCollector(t, Options{URLs: ns.ClientURL(), SplitAF: true, JetStream: true, Window: 512}, true)
	if err := c.sink.Ready(); err != nil {
		t.Fatal(err)
	}
	want := routers(t, c, 20000)
	c.stop()
	msgs := readStream(t, ns.ClientURL(), "goBMP")
	unique, dups := dedupe(t, msgs)
	if dups != 0 {
		t.Fatalf("%d duplicates stored without any failure", dups)
	}
	compare(t, unique, want)
	checkHeaders(t, unique)
	st := c.sink.Stats()
	if n := uint64(total(want)); st.Published.Load() != n || st.Lost.Load() != 0 || st.Retried.Load() != 0 {
		t.Fatalf("published %d lost %d retried %d, want %d/0/0", st.Published.Load(), st.Lost.Load(), st.Retried.Load(), n)
	}
}

// TestJetStreamServerRestart stops the NATS server while routers stream and starts it
// again on the same port and store: nothing is lost, and after deduplication by message
// id every record is there exactly once, in order per router.
func TestJetStreamServerRestart(t *testing.T) {
	dir := t.TempDir()
	ns := startNATS(t, dir, 0)
	port := ns.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port()
	url := ns.ClientURL()
	c := startCollector(t, Options{URLs: url, SplitAF: true, JetStream: true, Window: 1024,
		AckTimeout: 2 * time.Second, RetryTimeout: 2 * time.Minute}, true)
	want := map[string][]ref{}
	v4, v6 := hashOf("127.0.0.1"), hashOf("::1")
	want[v4] = c.router(t, false, genStream(t, gen.StreamSpec{Prefixes: 60000, PerUpdate: 5, IPv6: true}), true)
	want[v6] = c.router(t, true, readCapture(t, "lab/gobgp310deb-mixed.bmp"), true)
	n := total(want)
	st := c.sink.Stats()
	testutil.WaitFor(t, "a third of the records", func() bool { return st.Published.Load() >= uint64(n/3) })
	ns.Shutdown()
	ns.WaitForShutdown()
	testutil.WaitFor(t, "the sink to see the outage", func() bool { return st.Disconnects.Load() >= 1 })
	published := st.Published.Load()
	time.Sleep(500 * time.Millisecond) // an outage, not a blip (not an assertion)
	ns2 := startNATS(t, dir, int(port))
	testutil.WaitFor(t, "all sessions", func() bool { return c.ended() >= 2 })
	c.stop()
	if published >= uint64(n) {
		t.Fatalf("the restart came too late: %d of %d records published before it", published, n)
	}
	msgs := readStream(t, ns2.ClientURL(), "goBMP")
	unique, dups := dedupe(t, msgs)
	compare(t, unique, want)
	checkHeaders(t, unique)
	if st.Lost.Load() != 0 || c.q.Stats.Failed.Load() != 0 || st.Reconnects.Load() < 1 {
		t.Fatalf("lost %d failed %d reconnects %d", st.Lost.Load(), c.q.Stats.Failed.Load(), st.Reconnects.Load())
	}
	t.Logf("%d records, %d published before the restart, %d retried, %d duplicate acks, %d duplicates stored",
		n, published, st.Retried.Load(), st.Duplicates.Load(), dups)
}

func TestMsgID(t *testing.T) {
	m := record.Meta{Type: record.TypePeer, RouterHash: record.RouterHash(netip.MustParseAddr("192.0.2.1")), Session: 1700000000123456789, Seq: 42}
	if got := string(MsgID(nil, &m)); got != "d0f88d6c87767262ba8e93d6acccd784:1700000000123456789:42" {
		t.Fatalf("parsed id %q", got)
	}
	m.Type = record.TypeRaw
	if got := string(MsgID(nil, &m)); got != "d0f88d6c87767262ba8e93d6acccd784:1700000000123456789:r42" {
		t.Fatalf("raw id %q", got)
	}
}

// TestCoreNATSReconnect: core NATS across a server restart is at-most-once: what the
// bounded reconnect buffer cannot hold is counted as lost, nothing is duplicated, what
// arrives keeps the router's order, and everything published after the reconnect
// arrives.
func TestCoreNATSReconnect(t *testing.T) {
	dir := t.TempDir()
	ns := startNATS(t, dir, 0)
	port := ns.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port()
	c := startCollector(t, Options{URLs: ns.ClientURL(), SplitAF: true, ReconnectBufSize: 64 << 10}, false)
	v4 := hashOf("127.0.0.1")
	data := genStream(t, gen.StreamSpec{Prefixes: 60000, PerUpdate: 5, IPv6: true})
	msgs, _ := testutil.SplitBMP(data)
	third := len(msgs) / 3
	part := func(from, to int) []byte { return data[offset(msgs, from):offset(msgs, to)] }
	conn, err := net.Dial("tcp", c.srvs[0].Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	want := reference(t, c.cfg, conn.LocalAddr().(*net.TCPAddr).AddrPort(), data, true)
	// The records of the last third: Peer Down and Termination are the last 2 of the
	// session, and each UPDATE gives 5 records.
	tail := want[len(want)-(5*(len(msgs)-2-2*third)+2):]
	st := c.sink.Stats()
	write := func(b []byte) {
		if _, err := conn.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	write(part(0, third))
	testutil.WaitFor(t, "the first third", func() bool { return st.Published.Load() >= uint64(5*(third-2)) })
	ns.Shutdown()
	ns.WaitForShutdown()
	testutil.WaitFor(t, "the sink to see the outage", func() bool { return st.Disconnects.Load() >= 1 })
	write(part(third, 2*third))
	testutil.WaitFor(t, "losses during the outage", func() bool { return st.Lost.Load() > 0 })
	ns2 := startNATS(t, dir, int(port))
	testutil.WaitFor(t, "the reconnect", func() bool { return st.Reconnects.Load() >= 1 })
	sub, err := natsgo.Connect(ns2.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var in inbox
	s, err := sub.Subscribe("gobmp.>", func(m *natsgo.Msg) {
		in.add(got{m.Subject, m.Header.Get(HeaderHash), "", "", m.Data})
	})
	if err != nil {
		t.Fatal(err)
	}
	s.SetPendingLimits(-1, -1)
	sub.Flush()
	write(part(2*third, len(msgs)))
	conn.Close()
	testutil.WaitFor(t, "the session", func() bool { return c.ended() >= 1 })
	c.stop()
	if got := st.Published.Load() + st.Lost.Load(); got != uint64(len(want)) {
		t.Fatalf("published %d + lost %d = %d, want %d", st.Published.Load(), st.Lost.Load(), got, len(want))
	}
	if c.q.Stats.Failed.Load() != st.Lost.Load() {
		t.Fatalf("queue failed %d, sink lost %d", c.q.Stats.Failed.Load(), st.Lost.Load())
	}
	testutil.WaitFor(t, "the last third", func() bool { return in.len() >= len(tail) })
	received := in.drain(t, sub, s)
	// What arrived after the subscription is an in-order subsequence of the reference
	// that ends with every record of the last third.
	j := 0
	for i, g := range received {
		if g.hash != v4 {
			t.Fatalf("message %d from router %s", i, g.hash)
		}
		nd := normalise(g.subject, g.data)
		for j < len(want) && !(want[j].subject == g.subject && string(want[j].data) == string(nd)) {
			j++
		}
		if j == len(want) {
			t.Fatalf("message %d (%.100q) out of order or duplicated", i, nd)
		}
		j++
	}
	compare(t, received[len(received)-len(tail):], map[string][]ref{v4: tail})
	t.Logf("%d records: %d published, %d lost, %d received after the restart", len(want), st.Published.Load(), st.Lost.Load(), len(received))
}

// offset is the byte offset of message i of a stream split into msgs.
func offset(msgs [][]byte, i int) int {
	n := 0
	for _, m := range msgs[:i] {
		n += len(m)
	}
	return n
}

// TestStartBeforeServer: the collector starts while NATS is down; the sink is not ready,
// then creates its stream and delivers once the server comes up.
func TestStartBeforeServer(t *testing.T) {
	probe := startNATS(t, t.TempDir(), 0)
	port := probe.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port()
	url := probe.ClientURL()
	probe.Shutdown()
	probe.WaitForShutdown()
	c := startCollector(t, Options{URLs: url, SplitAF: true, JetStream: true}, false)
	if err := c.sink.Ready(); err == nil {
		t.Fatal("ready without a server")
	}
	want := map[string][]ref{hashOf("127.0.0.1"): c.router(t, false, readCapture(t, "lab/frr84-mixed.bmp"), true)}
	ns := startNATS(t, t.TempDir(), int(port))
	testutil.WaitFor(t, "readiness", func() bool { return c.sink.Ready() == nil })
	testutil.WaitFor(t, "the session", func() bool { return c.ended() >= 1 })
	c.stop()
	unique, dups := dedupe(t, readStream(t, ns.ClientURL(), "goBMP"))
	if dups != 0 {
		t.Fatalf("%d duplicates", dups)
	}
	compare(t, unique, want)
}

// TestStreamExtended: an existing stream keeps its settings and gets "<prefix>.>"; goBMP's
// own subjects, which it covers, are replaced.
func TestStreamExtended(t *testing.T) {
	ns := startNATS(t, t.TempDir(), 0)
	nc, err := natsgo.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: "goBMP", Subjects: []string{"gobmp.parsed.*", "gobmp.raw", "other.>"},
		Storage: jetstream.MemoryStorage, MaxAge: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{URLs: ns.ClientURL(), JetStream: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := js.Stream(ctx, "goBMP")
	if err != nil {
		t.Fatal(err)
	}
	cfg := st.CachedInfo().Config
	if len(cfg.Subjects) != 2 || cfg.Subjects[0] != "other.>" || cfg.Subjects[1] != "gobmp.>" || cfg.MaxAge != time.Hour || cfg.Storage != jetstream.MemoryStorage {
		t.Fatalf("stream config %+v", cfg)
	}
	// A stream name taken by a stream on overlapping subjects fails at start.
	if _, err := New(Options{URLs: ns.ClientURL(), JetStream: true, Stream: "second", SubjectPrefix: "other"}); err == nil {
		t.Fatal("overlapping stream accepted")
	}
}
