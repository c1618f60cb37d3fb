package e2e

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"

	"github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/internal/testutil/pgtest"
	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/publisher/postgres"
)

// TestGoBGPPostgres stores a GoBGP session in PostgreSQL. The lab runs the session of
// TestGoBGPEndToEnd (30 routes in three views, withdrawals, an administrative shutdown of
// the peer, then the station deleted: Loc-RIB Peer Down and Termination) and records the
// BMP stream the DUT sent; the stream is then sent over TCP to a collector whose only
// output is the PostgreSQL sink, in two parts: up to the peer's Peer Down, then the rest.
// The tables are checked against the lab collector's records after each part: the
// current RIBs before and after the Peer Down (GoBGP withdraws the routes of the
// pre-policy and Loc-RIB views itself; only the Peer Down withdraws the post-policy
// ones), the counts per table, the Peer Down's NOTIFICATION and the router's state.
func TestGoBGPPostgres(t *testing.T) {
	dsn, schema := pgtest.Schema(t)
	routes := e2eRoutes()
	l := newLab(t, labOptions{families: []bgp.Family{bgp.RF_IPv4_UC, bgp.RF_IPv6_UC}, setup: importPolicy(t)})
	l.attachBMP(sysName, sysDescr)
	l.connect()
	l.inject(routes)
	l.waitRIB(count(routes, all))
	n := len(routes)
	l.waitViews("add", map[string]int{"pre": n, "post": n, "loc": n})
	var gone []*route
	for _, r := range routes {
		if r.withdrawn {
			gone = append(gone, r)
		}
	}
	l.withdraw(gone)
	l.waitRIB(count(routes, func(r *route) bool { return !r.withdrawn }))
	w := len(gone)
	l.waitViews("del", map[string]int{"pre": w, "post": w, "loc": w})
	l.shutdownPeer(shutdownText)
	l.waitViews("del", map[string]int{"pre": n, "post": w, "loc": n})
	l.detachBMP()
	l.shutdown()
	rs := l.col.records()
	stream := l.tap.bytes()
	l.checkDecodeErrors()

	// Split the stream before the first Peer Down message (BMP type 2), and the records
	// likewise.
	msgs, rest := testutil.SplitBMP(stream)
	if len(rest) != 0 {
		t.Fatalf("%d trailing bytes in the DUT's stream", len(rest))
	}
	cut := -1
	for i, m := range msgs {
		if m[5] == 2 {
			cut = i
			break
		}
	}
	recCut := len(filterUntil(rs, isType("peer", "down")))
	if cut < 0 || recCut == len(rs) {
		t.Fatal("no Peer Down in the session")
	}

	sink, err := postgres.New(context.Background(), postgres.Options{DSN: dsn, Schema: schema, MaxDelay: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	q := publisher.NewQueue(sink, 8, publisher.Block)
	srv := server.New(server.Config{Listen: "127.0.0.1:0", Publisher: q,
		Session: session.Config{Encodings: publisher.Needs(q)}})
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	conn, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	db := pgtest.Connect(t, dsn, schema)
	write := func(ms [][]byte) {
		for _, m := range ms {
			if _, err := conn.Write(m); err != nil {
				t.Fatal(err)
			}
		}
	}
	active := func() int64 { return pgtest.Count(t, db, `SELECT count(*) FROM ip_rib WHERE NOT iswithdrawn`) }

	write(msgs[:cut])
	waitFor(t, waitShort, "the records before the Peer Down stored", func() bool {
		return sink.Stats().Records.Load() == uint64(recCut)
	}, func() string { return "" })
	if got := pgtest.Count(t, db, `SELECT count(*) FROM ip_rib`); got != int64(3*n) {
		t.Errorf("ip_rib: %d routes before the Peer Down, want %d (3 views × %d)", got, 3*n, n)
	}
	if got := active(); got != int64(n-w) {
		t.Errorf("ip_rib: %d active routes before the Peer Down, want %d (post-policy view only)", got, n-w)
	}
	if got := pgtest.Count(t, db, `SELECT count(*) FROM ip_rib WHERE NOT iswithdrawn AND rib = 1`); got != int64(n-w) {
		t.Errorf("ip_rib: %d active post-policy routes, want %d", got, n-w)
	}

	write(msgs[cut:])
	conn.Close()
	waitFor(t, waitShort, "the session end", func() bool { return srv.Stats.Ended(server.EndEOF) == 1 }, func() string { return "" })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}

	if got := active(); got != 0 {
		t.Errorf("ip_rib: %d routes active after the Peer Downs and the Termination", got)
	}
	want := map[string]int64{"ip_rib_log": 0, "peer_event_log": 0, "stat_reports": 0, "record_log": 0}
	for _, r := range rs {
		switch {
		case r.str("type") == "unicast_prefix" && r.has("prefix_len"):
			want["ip_rib_log"]++
		case r.str("type") == "peer":
			want["peer_event_log"]++
		case r.str("type") == "statistics":
			want["stat_reports"]++
		default:
			want["record_log"]++
		}
	}
	for tbl, c := range want {
		if got := pgtest.Count(t, db, `SELECT count(*) FROM `+tbl); got != c {
			t.Errorf("%s: %d rows, the session has %d records for it", tbl, got, c)
		}
	}
	if got := pgtest.Count(t, db, `SELECT count(*) FROM peer_event_log WHERE state = 'down' AND bgp_err_code = 6
		AND bgp_err_subcode = 2 AND error_text LIKE '%'||$1::text`, shutdownText); got != 1 {
		t.Errorf("peer_event_log: %d Peer Downs with the administrative shutdown NOTIFICATION, want 1", got)
	}
	if got := pgtest.Count(t, db, `SELECT count(*) FROM routers WHERE name = $1 AND state = 'down'`, sysName); got != 1 {
		t.Errorf("routers: %s not down after its Termination", sysName)
	}
	if got := pgtest.Count(t, db, `SELECT count(*) FROM bgp_peers WHERE state = 'up'`); got != 0 {
		t.Errorf("bgp_peers: %d peers still up", got)
	}
	st := sink.Stats()
	if st.Rejected.Load() != 0 || st.Lost.Load() != 0 || st.Records.Load() != uint64(len(rs)) {
		t.Errorf("sink: stored %d of %d records, rejected %d, lost %d", st.Records.Load(), len(rs), st.Rejected.Load(), st.Lost.Load())
	}
}

// filterUntil returns the records before the first one matching stop.
func filterUntil(rs []rec, stop func(rec) bool) []rec {
	for i, r := range rs {
		if stop(r) {
			return rs[:i]
		}
	}
	return rs
}
