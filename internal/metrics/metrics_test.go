package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/bmpstream/bmpstream/internal/forward"
	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/internal/session"
	tu "github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// memSink counts the records it receives by their "type" field.
type memSink struct {
	mu     sync.Mutex
	byType map[string]int
	lines  int
}

func (m *memSink) Name() string { return "mem" }
func (m *memSink) Write(b *record.Batch) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byType == nil {
		m.byType = make(map[string]int)
	}
	for i := 0; i < b.Len(); i++ {
		var r struct{ Type string }
		if err := json.Unmarshal(b.Record(i), &r); err != nil {
			return err
		}
		m.byType[r.Type]++
		m.lines++
	}
	return nil
}
func (m *memSink) Flush() error { return nil }
func (m *memSink) Close() error { return nil }

// collectorHarness is the collector's pieces wired as the app wires them: a server whose
// sessions publish to one queue, with the metrics tap and collector.
type collectorHarness struct {
	m    *Metrics
	srv  *server.Server
	q    *publisher.Queue
	sink *memSink
	cs   *session.Counters
	addr string
}

func startCollector(t *testing.T, queueSize int) *collectorHarness {
	t.Helper()
	h := &collectorHarness{sink: &memSink{}, cs: &session.Counters{}}
	h.m = New(Options{Counters: h.cs, Version: "test"})
	h.q = publisher.NewQueue(h.sink, queueSize, publisher.Block)
	h.srv = server.New(server.Config{Listen: "127.0.0.1:0", Publisher: h.q,
		Session: session.Config{Counters: h.cs, MaxBatchRecords: 512},
		Taps:    []func(netip.AddrPort) server.MessageTap{h.m.Tap}})
	if err := h.srv.Listen(); err != nil {
		t.Fatal(err)
	}
	h.m.SetServer(h.srv)
	h.m.SetQueues([]*publisher.Queue{h.q})
	go h.srv.Serve()
	h.addr = h.srv.Addr().String()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		h.srv.Shutdown(ctx)
		h.q.Close()
	})
	return h
}

// scrape gathers the registry into name{label="value",…} → value (histograms give their
// _count and _sum).
func scrape(t *testing.T, reg prometheus.Gatherer) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]float64)
	for _, mf := range mfs {
		for _, mt := range mf.GetMetric() {
			key := mf.GetName() + labelString(mt.GetLabel())
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				out[key] = mt.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[key] = mt.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				out[mf.GetName()+"_count"+labelString(mt.GetLabel())] = float64(mt.GetHistogram().GetSampleCount())
				out[mf.GetName()+"_sum"+labelString(mt.GetLabel())] = mt.GetHistogram().GetSampleSum()
			}
		}
	}
	return out
}

func labelString(ls []*dto.LabelPair) string {
	if len(ls) == 0 {
		return ""
	}
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = fmt.Sprintf("%s=%q", l.GetName(), l.GetValue())
	}
	sort.Strings(parts)
	return "{" + strings.Join(parts, ",") + "}"
}

// expect checks exact values.
func expect(t *testing.T, got map[string]float64, want map[string]float64) {
	t.Helper()
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, ok := got[k]
		switch {
		case !ok:
			t.Errorf("%s missing", k)
		case v != want[k]:
			t.Errorf("%s = %v, want %v", k, v, want[k])
		}
	}
}

// TestCaptureMetrics replays a lab capture (FRR 8.4, 5,774 messages) to the collector
// over TCP and checks the scraped values against the capture's known message counts and
// the records the sink received.
func TestCaptureMetrics(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(tu.TestdataDir(t), "lab", "frr84-mixed.bmp"))
	if err != nil {
		t.Fatal(err)
	}
	if msgs, rest := tu.SplitBMP(data); len(msgs) != 5774 || len(rest) != 0 {
		t.Fatalf("capture: %d messages, %d trailing bytes; want 5774, 0", len(msgs), len(rest))
	}
	h := startCollector(t, 8)
	c, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(data); err != nil {
		t.Fatal(err)
	}
	c.Close()
	tu.WaitFor(t, "session end", func() bool { return h.srv.Stats.Ended(server.EndEOF) == 1 })
	var produced uint64
	for i := range h.cs.Records {
		produced += h.cs.Records[i].Load()
	}
	tu.WaitFor(t, "sink", func() bool { return h.q.Stats.Records.Load() == produced })

	got := scrape(t, h.m.Registry())
	const r = `router="127.0.0.1"`
	want := map[string]float64{
		`bmpstream_bmp_messages_total{` + r + `,type="route_monitoring"}`:  5760,
		`bmpstream_bmp_messages_total{` + r + `,type="statistics_report"}`: 9,
		`bmpstream_bmp_messages_total{` + r + `,type="peer_down"}`:         3,
		`bmpstream_bmp_messages_total{` + r + `,type="peer_up"}`:           1,
		`bmpstream_bmp_messages_total{` + r + `,type="initiation"}`:        1,
		`bmpstream_bmp_messages_total{` + r + `,type="termination"}`:       0,
		`bmpstream_bmp_messages_total{` + r + `,type="route_mirroring"}`:   0,
		`bmpstream_bmp_messages_total{` + r + `,type="other"}`:             0,
		`bmpstream_received_bytes_total{` + r + `}`:                        991685,
		`bmpstream_connections_total{` + r + `}`:                           1,
		`bmpstream_connections_open{` + r + `}`:                            0,
		`bmpstream_peers_up{` + r + `}`:                                    0,
		`bmpstream_router_info{` + r + `,sys_name="frr-dut"}`:              1,
		// Initiation, and the router term synthesized at the end (no Termination); the
		// Peer Up and 3 Peer Downs (FRR repeats them), no synthesized down (peer down).
		`bmpstream_records_total{type="router"}`:     2,
		`bmpstream_records_total{type="peer"}`:       4,
		`bmpstream_records_total{type="statistics"}`: 9,
		// ipv4 and ipv6 unicast, pre- and post-policy: (1000+100+1000) × 2.
		`bmpstream_records_total{type="unicast_prefix"}`:                        4200,
		`bmpstream_records_total{type="raw"}`:                                   0,
		`bmpstream_sessions_ended_total{reason="eof"}`:                          1,
		`bmpstream_sessions_ended_total{reason="shutdown"}`:                     0,
		`bmpstream_sink_records_total{sink="mem"}`:                              float64(h.sink.lines),
		`bmpstream_sink_records_failed_total{sink="mem"}`:                       0,
		`bmpstream_sink_records_dropped_total{sink="mem"}`:                      0,
		`bmpstream_sink_records_pending{sink="mem"}`:                            0,
		`bmpstream_queue_capacity_batches{sink="mem"}`:                          8,
		`bmpstream_queue_depth_batches{sink="mem"}`:                             0,
		`bmpstream_sink_write_seconds_count{sink="mem"}`:                        float64(h.q.Stats.Batches.Load()),
		`bmpstream_build_info{go_version="` + goVersion() + `",version="test"}`: 1,
		`bmpstream_routers_forgotten_total`:                                     0,
	}
	// Every record type the sink saw is counted exactly (families decoded by handlers
	// other contributors add change these, not the total).
	var sum float64
	for _, typ := range record.Types() {
		key := `bmpstream_records_total{type="` + typ.String() + `"}`
		sum += got[key]
		if n := h.sink.byType[typ.String()]; typ != record.TypeRaw {
			if _, fixed := want[key]; !fixed {
				want[key] = float64(n)
			} else if want[key] != float64(n) {
				t.Errorf("sink saw %d %s records, want %v", n, typ, want[key])
			}
		}
	}
	if sum != float64(h.sink.lines) {
		t.Errorf("records_total sums to %v, sink has %d lines", sum, h.sink.lines)
	}
	for _, k := range session.ErrorKinds() {
		want[`bmpstream_decode_errors_total{kind="`+k.String()+`"}`] = float64(h.cs.DecodeErrors[k].Load())
	}
	expect(t, got, want)
	if n := h.q.Stats.Batches.Load(); n == 0 {
		t.Error("no batch written")
	}
}

// TestLint runs promlint over every metric of a registry that has seen traffic.
func TestLint(t *testing.T) {
	h := startCollector(t, 4)
	data, _ := genStream(t, "lint-router")
	c, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Write(data)
	c.Close()
	tu.WaitFor(t, "session end", func() bool { return h.srv.Stats.Ended(server.EndEOF) == 1 })
	problems, err := testutil.GatherAndLint(h.m.Registry())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	// Names documented in docs/metrics.md: every bmpstream metric has a section there.
	doc, err := os.ReadFile(filepath.Join(tu.RepoRoot(), "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	mfs, _ := h.m.Registry().Gather()
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "bmpstream_") && !bytes.Contains(doc, []byte("`"+mf.GetName()+"`")) {
			t.Errorf("%s is not documented in docs/metrics.md", mf.GetName())
		}
	}
}

func genStream(t testing.TB, sysName string) ([]byte, gen.StreamCounts) {
	t.Helper()
	var buf bytes.Buffer
	c, err := gen.WriteStream(&buf, gen.StreamSpec{Prefixes: 100, PerUpdate: 5, IPv6: true, SysName: sysName})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), c
}

// TestLiveRouter follows one router's gauges while two connections from its address are
// open: connections, peers up, sysName; then both close.
func TestLiveRouter(t *testing.T) {
	h := startCollector(t, 4)
	data, _ := genStream(t, "edge-1")
	msgs, _ := tu.SplitBMP(data)
	// msgs: Initiation, Peer Up, Route Monitoring…, Peer Down, Termination.
	head := bytes.Join(msgs[:len(msgs)-2], nil)
	tail := bytes.Join(msgs[len(msgs)-2:], nil)
	const r = `{router="127.0.0.1"}`
	messages := func() float64 {
		var n float64
		for k, v := range scrape(t, h.m.Registry()) {
			if strings.HasPrefix(k, "bmpstream_bmp_messages_total{") {
				n += v
			}
		}
		return n
	}

	c1, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	c1.Write(head)
	tu.WaitFor(t, "first connection's messages", func() bool { return messages() == float64(len(msgs)-2) })
	expect(t, scrape(t, h.m.Registry()), map[string]float64{
		"bmpstream_connections_open" + r:                              1,
		"bmpstream_peers_up" + r:                                      1,
		`bmpstream_router_info{router="127.0.0.1",sys_name="edge-1"}`: 1,
	})

	c2, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c2.Write(head)
	tu.WaitFor(t, "second connection's messages", func() bool { return messages() == 2*float64(len(msgs)-2) })
	expect(t, scrape(t, h.m.Registry()), map[string]float64{
		"bmpstream_connections_open" + r:  2,
		"bmpstream_connections_total" + r: 2,
		"bmpstream_peers_up" + r:          2,
	})

	// The first router closes without Peer Down: its peer is no longer up.
	c1.Close()
	tu.WaitFor(t, "first connection closed", func() bool { return h.srv.Stats.Ended(server.EndEOF) == 1 })
	expect(t, scrape(t, h.m.Registry()), map[string]float64{
		"bmpstream_connections_open" + r: 1,
		"bmpstream_peers_up" + r:         1,
	})

	// The second one sends Peer Down and Termination, then closes.
	c2.Write(tail)
	tu.WaitFor(t, "Peer Down", func() bool { return messages() == float64(2*len(msgs)-2) })
	expect(t, scrape(t, h.m.Registry()), map[string]float64{"bmpstream_peers_up" + r: 0})
	c2.Close()
	tu.WaitFor(t, "second connection closed", func() bool { return h.srv.Stats.Ended(server.EndEOF) == 2 })
	got := scrape(t, h.m.Registry())
	expect(t, got, map[string]float64{
		"bmpstream_connections_open" + r:                                      0,
		"bmpstream_connections_total" + r:                                     2,
		"bmpstream_peers_up" + r:                                              0,
		`bmpstream_bmp_messages_total{router="127.0.0.1",type="peer_up"}`:     2,
		`bmpstream_bmp_messages_total{router="127.0.0.1",type="peer_down"}`:   1,
		`bmpstream_bmp_messages_total{router="127.0.0.1",type="termination"}`: 1,
		`bmpstream_bmp_messages_total{router="127.0.0.1",type="initiation"}`:  2,
		`bmpstream_received_bytes_total{router="127.0.0.1"}`:                  float64(2*len(head) + len(tail)),
	})
	if got[`bmpstream_sessions_ended_total{reason="eof"}`] != 2 {
		t.Errorf("sessions ended: %v", got[`bmpstream_sessions_ended_total{reason="eof"}`])
	}
}

// TestPeersUpNeverNegative: Peer Down messages without a Peer Up (a capture that starts
// mid-session) do not push the gauge below zero, and do not cancel a later Peer Up.
func TestPeersUpNeverNegative(t *testing.T) {
	m := New(Options{})
	ap := netip.MustParseAddrPort("192.0.2.1:40000")
	tap := m.Tap(ap)
	p := gen.DefaultPeer()
	down := gen.PeerDown(p, 2, []byte{0, 0})
	open := gen.Open(65002, 90, p.BGPID)
	up := gen.PeerUp(p, netip.MustParseAddr("192.0.2.1"), 179, 40000, open, open)
	for _, msg := range [][]byte{down, down, up} {
		tap.Message(msg)
	}
	expect(t, scrape(t, m.Registry()), map[string]float64{
		`bmpstream_peers_up{router="192.0.2.1"}`:                            1,
		`bmpstream_bmp_messages_total{router="192.0.2.1",type="peer_down"}`: 2,
		`bmpstream_bmp_messages_total{router="192.0.2.1",type="peer_up"}`:   1,
	})
	tap.Close()
	expect(t, scrape(t, m.Registry()), map[string]float64{`bmpstream_peers_up{router="192.0.2.1"}`: 0})
}

// TestPeersUpPerPeerState: the gauge is the number of peers up, not Peer Up minus Peer
// Down messages. FRR repeats Peer Downs (with 2 peers up, a repeated Peer Down for one
// left the old gauge at 0 instead of 1); Huawei sends several Peer Ups per peer (one per
// address family), which count once.
func TestPeersUpPerPeerState(t *testing.T) {
	m := New(Options{})
	tap := m.Tap(netip.MustParseAddrPort("192.0.2.1:40000"))
	defer tap.Close()
	a, b := gen.DefaultPeer(), gen.DefaultPeer()
	b.Addr, b.BGPID = netip.MustParseAddr("192.0.2.3"), netip.MustParseAddr("192.0.2.3")
	local := netip.MustParseAddr("192.0.2.1")
	up := func(p gen.Peer) []byte {
		o := gen.Open(65002, 90, p.BGPID)
		return gen.PeerUp(p, local, 179, 40000, o, o)
	}
	const g = `bmpstream_peers_up{router="192.0.2.1"}`
	for _, step := range []struct {
		msg  []byte
		want float64
	}{
		{up(a), 1}, {up(b), 2},
		{gen.PeerDown(a, 2, []byte{0, 0}), 1},
		{gen.PeerDown(a, 2, []byte{0, 0}), 1}, // FRR's repeated Peer Down
		{up(b), 1},                            // a second Peer Up for a peer already up
		{up(a), 2},
		{gen.PeerDown(b, 2, []byte{0, 0}), 1},
	} {
		tap.Message(step.msg)
		expect(t, scrape(t, m.Registry()), map[string]float64{g: step.want})
	}
}

// TestForgetIdleRouters: disconnected routers keep their series up to MaxIdleRouters;
// beyond, the longest disconnected is forgotten; a connected router never is.
func TestForgetIdleRouters(t *testing.T) {
	m := New(Options{MaxIdleRouters: 1})
	tap := func(ip string) server.MessageTap {
		tp := m.Tap(netip.AddrPortFrom(netip.MustParseAddr(ip), 1000))
		tp.Message(gen.Initiation("r-"+ip, ""))
		return tp
	}
	a, b, c := tap("192.0.2.1"), tap("192.0.2.2"), tap("::ffff:192.0.2.3")
	a.Close()
	b.Close() // a is now the longest disconnected of two: forgotten
	got := scrape(t, m.Registry())
	if _, ok := got[`bmpstream_connections_total{router="192.0.2.1"}`]; ok {
		t.Error("192.0.2.1 not forgotten")
	}
	expect(t, got, map[string]float64{
		`bmpstream_connections_total{router="192.0.2.2"}`: 1,
		`bmpstream_connections_open{router="192.0.2.3"}`:  1, // IPv4-mapped shown as IPv4
		`bmpstream_routers_forgotten_total`:               1,
	})
	// b reconnects: it keeps its counters and is no longer idle.
	b2 := tap("192.0.2.2")
	c.Close()
	got = scrape(t, m.Registry())
	expect(t, got, map[string]float64{
		`bmpstream_connections_total{router="192.0.2.2"}`: 2,
		`bmpstream_connections_total{router="192.0.2.3"}`: 1,
		`bmpstream_routers_forgotten_total`:               1,
	})
	b2.Close() // now b and c are idle: c (idle longer) goes
	got = scrape(t, m.Registry())
	if _, ok := got[`bmpstream_connections_total{router="192.0.2.3"}`]; ok {
		t.Error("192.0.2.3 not forgotten")
	}
	expect(t, got, map[string]float64{
		`bmpstream_connections_total{router="192.0.2.2"}`: 2,
		`bmpstream_routers_forgotten_total`:               2,
	})
}

// TestSysNameLabel: sysName values are made valid UTF-8 and bounded.
func TestSysNameLabel(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"r1", "r1"},
		{"bad\xffname", "bad\uFFFDname"},
		{strings.Repeat("é", 100), strings.Repeat("é", 64)},
		{strings.Repeat("a", 200), strings.Repeat("a", 128)},
	} {
		got, ok := sysName(gen.Initiation(tc.in, "descr"))
		if !ok || got != tc.want {
			t.Errorf("sysName(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
	for _, msg := range [][]byte{gen.Initiation("", "")[:5], {3, 0, 0, 0, 7, 4, 0}} {
		if got, ok := sysName(msg); ok && got != "" {
			t.Errorf("sysName(%x) = %q", msg, got)
		}
	}
}

// TestRefusedConnections: a connection refused by the admission hook is counted by its
// reason and creates no router series.
func TestRefusedConnections(t *testing.T) {
	cs := &session.Counters{}
	m := New(Options{Counters: cs})
	q := publisher.NewQueue(&memSink{}, 1, publisher.Block)
	defer q.Close()
	srv := server.New(server.Config{Listen: "127.0.0.1:0", Publisher: q, Session: session.Config{Counters: cs},
		Admit: func(c net.Conn) (net.Conn, string) { return nil, "acl" },
		Taps:  []func(netip.AddrPort) server.MessageTap{m.Tap}})
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	m.SetServer(srv)
	go srv.Serve()
	defer srv.Shutdown(context.Background())
	for i := 0; i < 2; i++ {
		c, err := net.Dial("tcp", srv.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.Read(make([]byte, 1)) // returns once the collector closed it
		c.Close()
	}
	tu.WaitFor(t, "refusals", func() bool { return srv.Stats.Refused("acl") == 2 })
	got := scrape(t, m.Registry())
	expect(t, got, map[string]float64{`bmpstream_connections_refused_total{reason="acl"}`: 2})
	for k := range got {
		if strings.Contains(k, "router=") {
			t.Errorf("router series for a refused connection: %s", k)
		}
	}
}

// TestForwardMetrics: the intercept forwarder's counters are exposed as they are.
func TestForwardMetrics(t *testing.T) {
	m := New(Options{})
	var st forward.Stats
	st.Sessions.Store(2)
	st.ForwardedMessages.Store(10)
	st.DroppedBytes.Store(300)
	st.Connects.Store(3)
	st.Reconnects.Store(1)
	st.DialErrors.Store(4)
	m.SetForward(&st)
	want := `
# HELP bmpstream_forward_connects_total Downstream connections established, by kind (first or reconnect).
# TYPE bmpstream_forward_connects_total counter
bmpstream_forward_connects_total{kind="first"} 2
bmpstream_forward_connects_total{kind="reconnect"} 1
# HELP bmpstream_forward_dropped_bytes_total Bytes of the BMP messages not forwarded.
# TYPE bmpstream_forward_dropped_bytes_total counter
bmpstream_forward_dropped_bytes_total 300
# HELP bmpstream_forward_errors_total Downstream connection failures, by operation (dial, write).
# TYPE bmpstream_forward_errors_total counter
bmpstream_forward_errors_total{op="dial"} 4
bmpstream_forward_errors_total{op="write"} 0
# HELP bmpstream_forward_messages_total BMP messages completely written to the downstream collector.
# TYPE bmpstream_forward_messages_total counter
bmpstream_forward_messages_total 10
# HELP bmpstream_forward_sessions Router sessions being forwarded (--intercept).
# TYPE bmpstream_forward_sessions gauge
bmpstream_forward_sessions 2
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want),
		"bmpstream_forward_connects_total", "bmpstream_forward_dropped_bytes_total", "bmpstream_forward_errors_total",
		"bmpstream_forward_messages_total", "bmpstream_forward_sessions"); err != nil {
		t.Fatal(err)
	}
}
