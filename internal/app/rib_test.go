package app

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/bmpstream/bmpstream/internal/kafkatest"
	"github.com/bmpstream/bmpstream/internal/rib"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/record"
	ribapiv1 "github.com/bmpstream/bmpstream/pkg/ribapi/v1"
	"github.com/bmpstream/bmpstream/pkg/ribapi/v1/ribapiv1connect"
)

// localTable replays msgs through a session into a table, in process.
func localTable(msgs [][]byte) *rib.Table {
	tb := rib.New(rib.Config{})
	out := func(_ context.Context, b *record.Batch) error {
		for i := range b.Recs {
			if v := b.Value(i); v != nil {
				tb.Apply(v)
			}
		}
		b.Release()
		return nil
	}
	s := session.New(context.Background(), session.Config{Counters: &session.Counters{}, Encodings: record.EncTyped},
		netip.MustParseAddrPort("127.0.0.1:40000"), out)
	for _, m := range msgs {
		_ = s.Handle(m, time.Now())
	}
	_ = s.Flush()
	return tb
}

// TestRIBBinary runs the collector with --rib and the API, sends a lab capture over TCP
// (all but its final Peer Downs), and checks that the API's answers (gRPC) equal the
// table built in process from the same messages, for every match type; then sends the
// Peer Downs and checks the peers are empty.
func TestRIBBinary(t *testing.T) {
	stream, err := os.ReadFile(filepath.Join(testutil.TestdataDir(t), "lab", "frr84-mixed.bmp"))
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := testutil.SplitBMP(stream)
	cut := len(msgs)
	for cut > 0 && msgs[cut-1][5] != 2 { // up to the last Peer Down
		cut--
	}
	for cut > 0 && msgs[cut-1][5] == 2 {
		cut--
	}
	if cut < 5000 {
		t.Fatalf("capture layout changed: Peer Downs start at %d", cut)
	}
	want := localTable(msgs[:cut])
	wantN, _ := want.Count(rib.Query{})
	if wantN < 5000 {
		t.Fatalf("in-process table has %d paths", wantN)
	}

	p := startProc(t, "--source-port=0", "--bind-address=127.0.0.1", "--metrics-address=127.0.0.1:0", "--rib", "--api-address=127.0.0.1:0")
	bmpAddr := p.field(t, "listening", "address")
	api := "http://" + p.field(t, "api_listening", "address")
	conn, err := net.Dial("tcp", bmpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, m := range msgs[:cut] {
		if _, err := conn.Write(m); err != nil {
			t.Fatal(err)
		}
	}
	c := ribapiv1connect.NewRIBServiceClient(&http.Client{Transport: &http.Transport{Protocols: h2c()}}, api, connect.WithGRPC())
	ctx := context.Background()
	count := func(f *ribapiv1.RouteFilter) int {
		res, err := c.CountRoutes(ctx, connect.NewRequest(&ribapiv1.CountRoutesRequest{Filter: f}))
		if err != nil {
			t.Fatal(err)
		}
		return int(res.Msg.Count)
	}
	testutil.WaitFor(t, "the collector's table", func() bool { return count(nil) == wantN })

	compareAPI(t, c, want)

	// the table's memory is accounted (--memory-limit's route_table component)
	res, err := http.Get("http://" + p.field(t, "metrics_listening", "address") + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`bmpstream_memory_bytes\{component="route_table"\} (\S+)`).FindSubmatch(body)
	if m == nil {
		t.Fatal("no route_table memory series")
	}
	if v, _ := strconv.ParseFloat(string(m[1]), 64); v < float64(wantN*rib.RouteBytes) {
		t.Errorf("route_table memory: %s (want at least %d)", m[1], wantN*rib.RouteBytes)
	}

	// the Peer Downs empty the table
	for _, m := range msgs[cut:] {
		if _, err := conn.Write(m); err != nil {
			t.Fatal(err)
		}
	}
	// The last Peer Downs may be of peers without routes: wait for every peer to be down
	// too, not only for the count to reach 0.
	var peers *connect.Response[ribapiv1.ListPeersResponse]
	testutil.WaitFor(t, "Peer Downs empty the table", func() bool {
		if count(nil) != 0 {
			return false
		}
		var err error
		if peers, err = c.ListPeers(ctx, connect.NewRequest(&ribapiv1.ListPeersRequest{})); err != nil {
			t.Fatal(err)
		}
		for _, p := range peers.Msg.Peers {
			if p.State != "down" {
				return false
			}
		}
		return true
	})
	for _, p := range peers.Msg.Peers {
		if p.State != "down" || len(p.Counts) != 0 {
			t.Errorf("peer %s after Peer Down: %s, %v", p.Ip, p.State, p.Counts)
		}
	}
}

// compareAPI checks that the API's answers for queries built from want's own prefixes
// equal want's: exact and less-specific of each sampled prefix, longest of its address,
// more-specific of its /8 (/32 for IPv6) parent.
func compareAPI(t *testing.T, c ribapiv1connect.RIBServiceClient, want *rib.Table) {
	t.Helper()
	ctx := context.Background()
	keys := func(rs []rib.Route) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Peer.Hash+" "+r.View.String()+" "+r.Family.String()+" "+r.RD+" "+r.Prefix.String()+" "+r.Attrs.JSON)
		}
		slices.Sort(out)
		return out
	}
	apiKeys := func(rs []*ribapiv1.Route) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.PeerHash+" "+r.View+" "+r.Family+" "+r.Rd+" "+r.Prefix+" "+r.Attributes)
		}
		slices.Sort(out)
		return out
	}
	// queries built from the table's own prefixes (every 97th path), so that each match
	// type has answers: exact and less-specific of the prefix, longest of an address
	// inside it, more-specific of its /8 or /16 (/32 for IPv6) parent
	all, _, _ := want.Routes(rib.Query{Limit: rib.MaxLimit})
	type query struct {
		q string
		m rib.Match
	}
	var qs []query
	for i := 0; i < len(all); i += 97 {
		p := all[i].Prefix
		if !p.IsValid() {
			continue
		}
		parent := 8
		if p.Addr().Is6() {
			parent = 32
		}
		if p.Bits() < parent {
			parent = p.Bits()
		}
		pp, _ := p.Addr().Prefix(parent)
		qs = append(qs, query{p.String(), rib.MatchExact}, query{p.String(), rib.MatchLessSpecific},
			query{p.Addr().String(), rib.MatchLongest}, query{pp.String(), rib.MatchMoreSpecific})
	}
	if len(qs) < 40 {
		t.Fatalf("%d queries", len(qs))
	}
	for _, q := range qs {
		pfx, err := netip.ParsePrefix(q.q)
		if err != nil {
			a := netip.MustParseAddr(q.q)
			pfx = netip.PrefixFrom(a, a.BitLen())
		}
		{
			m := q.m
			local, _, err := want.Routes(rib.Query{Prefix: pfx, Match: m, Limit: rib.MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			var got []*ribapiv1.Route
			tok := ""
			for {
				res, err := c.ListRoutes(ctx, connect.NewRequest(&ribapiv1.ListRoutesRequest{
					Filter: &ribapiv1.RouteFilter{Prefix: q.q, Match: m.String()}, PageSize: 500, PageToken: tok}))
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, res.Msg.Routes...)
				if tok = res.Msg.NextPageToken; tok == "" {
					break
				}
			}
			if len(local) == 0 || !slices.Equal(keys(local), apiKeys(got)) {
				t.Errorf("%s %s: API %d routes, in-process %d", m, q.q, len(got), len(local))
			}
		}
	}

}

func h2c() *http.Protocols {
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	return p
}

// TestRIBFromKafka: collector → Kafka (kfake, two partitions per topic) → `bmpstream rib`:
// the API of the table built from the topics answers like the table built in process
// from the capture, for JSON and protobuf topics; the Peer Downs empty it.
func TestRIBFromKafka(t *testing.T) {
	stream, err := os.ReadFile(filepath.Join(testutil.TestdataDir(t), "lab", "frr84-mixed.bmp"))
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := testutil.SplitBMP(stream)
	cut := len(msgs)
	for cut > 0 && msgs[cut-1][5] != 2 {
		cut--
	}
	for cut > 0 && msgs[cut-1][5] == 2 {
		cut--
	}
	want := localTable(msgs[:cut])
	wantN, _ := want.Count(rib.Query{})
	for _, format := range []string{"json", "proto"} {
		t.Run(format, func(t *testing.T) {
			broker, _ := kafkatest.Start(t)
			col := startProc(t, "--source-port=0", "--bind-address=127.0.0.1", "--metrics-address=127.0.0.1:0",
				"--kafka-server="+broker, "--kafka-topic-partitions=2", "--kafka-format="+format)
			bmpAddr := col.field(t, "listening", "address")
			conn, err := net.Dial("tcp", bmpAddr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			for _, m := range msgs[:cut] {
				if _, err := conn.Write(m); err != nil {
					t.Fatal(err)
				}
			}
			table := startProc(t, "rib", "--kafka-server="+broker, "--api-address=127.0.0.1:0")
			api := "http://" + table.field(t, "api_listening", "address")
			c := ribapiv1connect.NewRIBServiceClient(&http.Client{Transport: &http.Transport{Protocols: h2c()}}, api, connect.WithGRPC())
			count := func() int {
				res, err := c.CountRoutes(context.Background(), connect.NewRequest(&ribapiv1.CountRoutesRequest{}))
				if err != nil {
					t.Fatal(err)
				}
				return int(res.Msg.Count)
			}
			testutil.WaitFor(t, "the table fed from Kafka", func() bool { return count() == wantN })
			compareAPI(t, c, want)
			for _, m := range msgs[cut:] {
				if _, err := conn.Write(m); err != nil {
					t.Fatal(err)
				}
			}
			testutil.WaitFor(t, "Peer Downs (from the peer topic) empty the table", func() bool { return count() == 0 })
			if code := table.stop(t); code != 0 {
				t.Errorf("bmpstream rib exit %d", code)
			}
			if f := table.eventFields(t, "stopped"); f["decode_errors"] != "0" || f["partitions"] == "0" {
				t.Errorf("rib stop line %v", f)
			}
		})
	}
}
