package postgres

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bmpstream/bmpstream/pkg/record"
)

type pgxConn = *pgx.Conn

func TestMigrateTwice(t *testing.T) {
	dsn, schema := freshSchema(t)
	conn := connect(t, dsn, schema)
	ctx := context.Background()
	applied, err := Migrate(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := Migrations()
	if len(applied) != len(ms) || applied[0] != 1 {
		t.Fatalf("first Migrate applied %v, want all %d", applied, len(ms))
	}
	again, err := Migrate(ctx, conn)
	if err != nil || len(again) != 0 {
		t.Fatalf("second Migrate applied %v (err %v), want none", again, err)
	}
	if v, err := SchemaVersion(ctx, conn); err != nil || v != len(ms) {
		t.Fatalf("schema version %d (%v), want %d", v, err, len(ms))
	}
	for _, tbl := range []string{"routers", "bgp_peers", "peer_event_log", "base_attrs", "ip_rib", "ip_rib_log",
		"stat_reports", "record_log", "stats_peer_hourly", "bmpstream_progress"} {
		if n := queryInt(t, conn, `SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = $2`, schema, tbl); n != 1 {
			t.Errorf("table %s missing", tbl)
		}
	}
	// GiST (current RIB, other records) and SP-GiST (history) indexes on the prefixes.
	if n := queryInt(t, conn, `SELECT count(*) FROM pg_indexes WHERE schemaname = $1 AND indexdef LIKE '%USING gist (prefix inet_ops)%'
		AND tablename IN ('ip_rib', 'record_log')`, schema); n != 2 {
		t.Errorf("%d GiST prefix indexes on ip_rib and record_log, want 2", n)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM pg_indexes WHERE schemaname = $1 AND indexdef LIKE '%USING spgist (prefix)%'
		AND tablename = 'ip_rib_log'`, schema); n != 1 {
		t.Errorf("%d SP-GiST prefix indexes on ip_rib_log, want 1", n)
	}
}

// TestCapture stores a real capture (FRR 8.4: IPv4/IPv6 unicast, VPNv4/v6, EVPN,
// statistics, a Peer Up and Peer Downs) and checks every table against the records of the
// same capture.
func TestCapture(t *testing.T) {
	c := decodeCapture(t, readCapture(t, "lab/frr84-mixed.bmp"), "192.0.2.10:40000")
	s, conn := newTestSink(t, Options{BatchSize: 700})
	for i := range c.metas {
		s.Add(c.metas[i], c.vals[i])
	}
	syncSink(t, s)
	t.Logf("records by type: %s", c.typeCounts())
	for tbl, n := range c.tableCounts() {
		if got := queryInt(t, conn, `SELECT count(*) FROM `+tbl); got != n {
			t.Errorf("%s: %d rows, want %d", tbl, got, n)
		}
	}
	if st := s.Stats(); st.Rejected.Load() != 0 || st.Records.Load() != uint64(len(c.metas)) {
		t.Errorf("stored %d records, rejected %d; want %d, 0", st.Records.Load(), st.Rejected.Load(), len(c.metas))
	}
	checkLogOrder(t, c, conn)
	checkAttrs(t, c, conn)
	checkRIB(t, c, conn)
	checkAggregates(t, c, s, conn)
	// Every other type is in record_log with its JSON.
	if n := queryInt(t, conn, `SELECT count(*) FROM record_log WHERE type = 'l3vpn' AND rd IS NOT NULL AND prefix IS NOT NULL`); n == 0 {
		t.Error("no L3VPN route with RD and prefix in record_log")
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM record_log WHERE type = 'evpn' AND data->>'type' = 'evpn'`); n == 0 {
		t.Error("no EVPN route in record_log")
	}
	// Writing the same records again (a batch re-applied after a reconnect) stores nothing.
	before := queryInt(t, conn, `SELECT count(*) FROM ip_rib_log`)
	s.ap.conn.Exec(context.Background(), "SELECT 1") //nolint:errcheck
	for i := range c.metas {
		s.Add(c.metas[i], c.vals[i])
	}
	syncSink(t, s)
	if after := queryInt(t, conn, `SELECT count(*) FROM ip_rib_log`); after != before {
		t.Errorf("re-applied records duplicated ip_rib_log: %d rows, want %d", after, before)
	}
	if sk := s.Stats().Skipped.Load(); sk != uint64(len(c.metas)) {
		t.Errorf("skipped %d re-applied records, want %d", sk, len(c.metas))
	}
}

// checkLogOrder: per peer, ip_rib_log in (session, seq) order holds the route records in
// stream order, with their prefixes and actions.
func checkLogOrder(t *testing.T, c *capture, conn pgxConn) {
	t.Helper()
	type row struct {
		prefix    netip.Prefix
		withdrawn bool
		seq       int64
	}
	rows, err := conn.Query(context.Background(), `SELECT prefix, iswithdrawn, seq FROM ip_rib_log ORDER BY session_id, seq`)
	if err != nil {
		t.Fatal(err)
	}
	var got []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.prefix, &r.withdrawn, &r.seq); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	i := 0
	for k, m := range c.metas {
		u, ok := c.vals[k].(*record.UnicastPrefix)
		if !ok || m.Type != record.TypeUnicastPrefix || u.IsEOR || u.PrefixLen == nil {
			continue
		}
		if i >= len(got) {
			t.Fatalf("ip_rib_log has %d rows, the capture more", len(got))
		}
		want := row{netip.PrefixFrom(u.Prefix, int(*u.PrefixLen)), u.Action == record.ActionDel, int64(m.Seq)}
		if got[i] != want {
			t.Fatalf("ip_rib_log row %d = %+v, want %+v", i, got[i], want)
		}
		i++
	}
}

// checkAttrs: one base_attrs row per distinct attribute set of the announcements.
func checkAttrs(t *testing.T, c *capture, conn pgxConn) {
	t.Helper()
	sets := map[record.MD5]*record.BaseAttrs{}
	for k, m := range c.metas {
		if u, ok := c.vals[k].(*record.UnicastPrefix); ok && m.Type == record.TypeUnicastPrefix && u.BaseAttrs != nil && !u.IsEOR {
			sets[u.BaseAttrs.BaseAttrHash] = u.BaseAttrs
		}
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM base_attrs`); n != int64(len(sets)) || n == 0 {
		t.Fatalf("base_attrs: %d rows, want %d distinct sets", n, len(sets))
	}
	for h, a := range sets {
		var path []int64
		var origin string
		var nh *netip.Prefix
		if err := conn.QueryRow(context.Background(), `SELECT as_path, origin, next_hop FROM base_attrs WHERE hash_id = $1`,
			[16]byte(h)).Scan(&path, &origin, &nh); err != nil {
			t.Fatal(err)
		}
		if len(path) != len(a.ASPath) || origin != a.Origin {
			t.Fatalf("base_attrs %s: as_path %v origin %q, want %v %q", h, path, origin, a.ASPath, a.Origin)
		}
		for i := range path {
			if path[i] != int64(a.ASPath[i]) {
				t.Fatalf("base_attrs %s: as_path %v, want %v", h, path, a.ASPath)
			}
		}
		if a.Nexthop.IsValid() && (nh == nil || nh.Addr() != a.Nexthop) {
			t.Fatalf("base_attrs %s: next_hop %v, want %v", h, nh, a.Nexthop)
		}
	}
}

// checkRIB replays the capture's route records and peer events into a map and compares
// ip_rib with it.
func checkRIB(t *testing.T, c *capture, conn pgxConn) {
	t.Helper()
	type key struct {
		peer   string
		rib    uint8
		prefix netip.Prefix
		pathID uint32
	}
	want := map[key]bool{} // withdrawn?
	for k, m := range c.metas {
		switch v := c.vals[k].(type) {
		case *record.UnicastPrefix:
			if m.Type != record.TypeUnicastPrefix || v.IsEOR || v.PrefixLen == nil {
				continue
			}
			var pid uint32
			if v.PathID != nil {
				pid = *v.PathID
			}
			want[key{v.PeerHash, ribOf(&v.RIBFlags), netip.PrefixFrom(v.Prefix, int(*v.PrefixLen)), pid}] = v.Action == record.ActionDel
		case *record.Peer:
			if v.Action == record.ActionDown {
				for k := range want {
					if k.peer == v.PeerHash {
						want[k] = true
					}
				}
			}
		}
	}
	rows, err := conn.Query(context.Background(), `SELECT encode(uuid_send(peer_hash_id), 'hex'), rib, prefix, path_id, iswithdrawn FROM ip_rib`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[key]bool{}
	for rows.Next() {
		var k key
		var rib int16
		var pid int64
		var w bool
		if err := rows.Scan(&k.peer, &rib, &k.prefix, &pid, &w); err != nil {
			t.Fatal(err)
		}
		k.rib, k.pathID = uint8(rib), uint32(pid)
		got[k] = w
	}
	if len(got) != len(want) {
		t.Fatalf("ip_rib: %d rows, want %d", len(got), len(want))
	}
	withdrawn := 0
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			t.Fatalf("ip_rib %+v: present %v withdrawn %v, want withdrawn %v", k, ok, g, w)
		}
		if w {
			withdrawn++
		}
	}
	t.Logf("ip_rib: %d routes, %d withdrawn", len(want), withdrawn)
}

// TestRouteLifecycle: announcement, re-announcement, withdrawal, Peer Down, Termination
// in ip_rib, with hand-made records.
func TestRouteLifecycle(t *testing.T) {
	s, conn := newTestSink(t, Options{})
	now := time.Now().UTC().Truncate(time.Microsecond)
	peerA, peerB := "11111111111111111111111111111111", "22222222222222222222222222222222"
	router := record.RouterFields{RouterHash: "33333333333333333333333333333333", RouterIP: netip.MustParseAddr("192.0.2.1")}
	seq := uint64(0)
	meta := func(t record.Type) record.Meta { seq++; return record.Meta{Type: t, Session: 77, Seq: seq} }
	attrs := &record.BaseAttrs{BaseAttrHash: record.MD5{1}, Origin: "igp", ASPath: []uint32{65001, 65002}}
	route := func(peer, action, prefix string, post bool) *record.UnicastPrefix {
		u := &record.UnicastPrefix{Head: record.Head{Action: action}, RouterFields: router,
			PeerFields: record.PeerFields{PeerHash: peer, CollectorTimestamp: now}, IsIPv4: true}
		u.SetPrefix(netip.MustParsePrefix(prefix))
		u.IsAdjRIBInPostPolicy = post
		if action == record.ActionAdd {
			u.BaseAttrs = attrs
			u.SetOriginAS(65002)
		}
		return u
	}
	add := func(v record.Value, typ record.Type) { s.Add(meta(typ), v) }
	add(route(peerA, "add", "10.0.0.0/8", false), record.TypeUnicastPrefix)
	add(route(peerA, "add", "10.1.0.0/16", false), record.TypeUnicastPrefix)
	add(route(peerA, "add", "10.1.0.0/16", true), record.TypeUnicastPrefix) // post-policy view
	add(route(peerB, "add", "10.0.0.0/8", false), record.TypeUnicastPrefix)
	add(route(peerA, "del", "10.1.0.0/16", false), record.TypeUnicastPrefix)
	syncSink(t, s)
	state := func(peer, prefix string, rib int) string {
		var w bool
		err := conn.QueryRow(context.Background(), `SELECT iswithdrawn FROM ip_rib WHERE peer_hash_id = $1::uuid
			AND prefix = $2::inet AND rib = $3`, peer, prefix, rib).Scan(&w)
		if err != nil {
			return "absent"
		}
		if w {
			return "withdrawn"
		}
		return "active"
	}
	check := func(when string, want map[[3]any]string) {
		t.Helper()
		for k, w := range want {
			if g := state(k[0].(string), k[1].(string), k[2].(int)); g != w {
				t.Errorf("%s: %s %s rib %d is %s, want %s", when, k[0], k[1], k[2], g, w)
			}
		}
	}
	check("after updates", map[[3]any]string{
		{peerA, "10.0.0.0/8", 0}: "active", {peerA, "10.1.0.0/16", 0}: "withdrawn",
		{peerA, "10.1.0.0/16", 1}: "active", {peerB, "10.0.0.0/8", 0}: "active"})
	// The withdrawal kept the route's attributes and origin.
	if n := queryInt(t, conn, `SELECT count(*) FROM ip_rib WHERE iswithdrawn AND origin_as = 65002 AND base_attr_hash_id IS NOT NULL`); n != 1 {
		t.Errorf("withdrawn route lost its origin/attributes (%d rows)", n)
	}
	// Peer Down for A then a new announcement of A in the same transaction: only the
	// routes before the down are withdrawn.
	down := &record.Peer{Head: record.Head{Action: record.ActionDown}, RouterFields: router, PeerHash: peerA,
		RemoteIP: netip.MustParseAddr("192.0.2.2"), RemoteASN: 65001, CollectorTimestamp: now}
	add(down, record.TypePeer)
	add(route(peerA, "add", "10.2.0.0/16", false), record.TypeUnicastPrefix)
	syncSink(t, s)
	check("after peer down", map[[3]any]string{
		{peerA, "10.0.0.0/8", 0}: "withdrawn", {peerA, "10.1.0.0/16", 1}: "withdrawn",
		{peerA, "10.2.0.0/16", 0}: "active", {peerB, "10.0.0.0/8", 0}: "active"})
	if st := queryInt(t, conn, `SELECT count(*) FROM bgp_peers WHERE state = 'down' AND hash_id = $1::uuid`, peerA); st != 1 {
		t.Errorf("bgp_peers: peer A not down")
	}
	// Termination: every route of the router withdrawn.
	term := &record.Router{Head: record.Head{Action: record.ActionTerm}, RouterFields: router, CollectorTimestamp: now}
	add(term, record.TypeRouter)
	syncSink(t, s)
	if n := queryInt(t, conn, `SELECT count(*) FROM ip_rib WHERE NOT iswithdrawn`); n != 0 {
		t.Errorf("%d routes active after the router's Termination", n)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM base_attrs`); n != 1 {
		t.Errorf("base_attrs: %d rows for one attribute set", n)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM ip_rib_log`); n != 6 {
		t.Errorf("ip_rib_log: %d rows, want 6", n)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM ip_rib_log WHERE synthesized`); n != 0 {
		t.Errorf("ip_rib_log: %d synthesized rows, want 0", n)
	}
	// A withdrawal synthesized by the collector is marked in the history.
	sw := route(peerB, "del", "10.0.0.0/8", false)
	sw.Synthesized = true
	add(sw, record.TypeUnicastPrefix)
	syncSink(t, s)
	if n := queryInt(t, conn, `SELECT count(*) FROM ip_rib_log WHERE synthesized AND iswithdrawn AND peer_hash_id = $1::uuid`, peerB); n != 1 {
		t.Errorf("ip_rib_log: %d synthesized withdrawals, want 1", n)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM ip_rib_log WHERE synthesized`); n != 1 {
		t.Errorf("ip_rib_log: %d synthesized rows, want 1", n)
	}

	// Values as written by the binary COPY encoder: time to the microsecond, an IPv6
	// prefix and next hop, labels, path id, the AS path array.
	v6 := route(peerB, "add", "2001:db8:100::/48", false)
	v6.IsIPv4, v6.Nexthop, v6.Labels = false, netip.MustParseAddr("2001:db8::1"), []uint32{16, 17}
	v6.SetPathID(7)
	v6.PeerFields.Timestamp = now.Add(-time.Second)
	add(v6, record.TypeUnicastPrefix)
	syncSink(t, s)
	var (
		ts, rts     time.Time
		prefix, nh  netip.Prefix
		labels      string
		pathID, rib int64
		path        []int64
	)
	if err := conn.QueryRow(context.Background(), `SELECT l.timestamp, l.router_timestamp, l.prefix, l.nexthop, l.labels,
		l.path_id, r.rib, a.as_path FROM ip_rib_log l JOIN ip_rib r USING (router_hash_id, peer_hash_id, prefix, path_id)
		JOIN base_attrs a ON a.hash_id = l.base_attr_hash_id WHERE family(l.prefix) = 6`).Scan(
		&ts, &rts, &prefix, &nh, &labels, &pathID, &rib, &path); err != nil {
		t.Fatal(err)
	}
	if !ts.Equal(now) || !rts.Equal(now.Add(-time.Second)) || prefix != netip.MustParsePrefix("2001:db8:100::/48") ||
		nh.Addr() != netip.MustParseAddr("2001:db8::1") || labels != "16,17" || pathID != 7 || rib != 0 ||
		len(path) != 2 || path[0] != 65001 || path[1] != 65002 {
		t.Errorf("IPv6 route stored as ts=%s rts=%s prefix=%s nh=%s labels=%q path_id=%d rib=%d as_path=%v",
			ts, rts, prefix, nh, labels, pathID, rib, path)
	}
}

// TestRejectedValue: a record with a value PostgreSQL refuses (a NUL byte in a string)
// is counted and logged, and the records around it are stored.
func TestRejectedValue(t *testing.T) {
	s, conn := newTestSink(t, Options{})
	router := record.RouterFields{RouterHash: "33333333333333333333333333333333", RouterIP: netip.MustParseAddr("192.0.2.1")}
	now := time.Now()
	for i, name := range []string{"r1", "bad\x00name", "r3"} {
		r := &record.Router{Head: record.Head{Action: record.ActionInit}, RouterFields: router, SysName: name, CollectorTimestamp: now}
		s.Add(record.Meta{Type: record.TypeRouter, Session: 5, Seq: uint64(i + 1)}, r)
	}
	for i := range 5 {
		u := &record.UnicastPrefix{Head: record.Head{Action: "del"}, RouterFields: router,
			PeerFields: record.PeerFields{PeerHash: "11111111111111111111111111111111", CollectorTimestamp: now}}
		u.SetPrefix(netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i), 0, 0}), 16))
		s.Add(record.Meta{Type: record.TypeUnicastPrefix, Session: 5, Seq: uint64(i + 4)}, u)
	}
	syncSink(t, s)
	if r := s.Stats().Rejected.Load(); r != 1 {
		t.Fatalf("rejected %d records, want 1", r)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM record_log WHERE type = 'router'`); n != 2 {
		t.Errorf("record_log: %d router records, want 2", n)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM ip_rib_log`); n != 5 {
		t.Errorf("ip_rib_log: %d rows, want 5", n)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM routers WHERE name = 'r3'`); n != 1 {
		t.Errorf("routers: the record after the rejected one is missing")
	}
	if err := s.Flush(); err == nil {
		t.Error("Flush did not report the rejected record to the queue")
	}
}

// TestRetention: partitions are created ahead and dropped past the retention, on an
// injected clock.
func TestRetention(t *testing.T) {
	clock := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	s, conn := newTestSink(t, Options{Now: now, Retention: 5 * day, PartitionsAhead: 2})
	parts := func() int64 {
		return queryInt(t, conn, `SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
			WHERE p.relname = 'ip_rib_log' AND p.relnamespace = current_schema()::regnamespace`)
	}
	if n := parts(); n != 3 {
		t.Fatalf("%d ip_rib_log partitions at start, want 3 (today and 2 ahead)", n)
	}
	// Rows of an old day (a record received on 2026-03-02) get their partition.
	router := record.RouterFields{RouterHash: "33333333333333333333333333333333", RouterIP: netip.MustParseAddr("192.0.2.1")}
	u := &record.UnicastPrefix{Head: record.Head{Action: "del"}, RouterFields: router,
		PeerFields: record.PeerFields{PeerHash: "11111111111111111111111111111111",
			CollectorTimestamp: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}}
	u.SetPrefix(netip.MustParsePrefix("10.0.0.0/8"))
	s.Add(record.Meta{Type: record.TypeUnicastPrefix, Session: 1, Seq: 1}, u)
	syncSink(t, s)
	if n := queryInt(t, conn, `SELECT count(*) FROM ip_rib_log_p20260302`); n != 1 {
		t.Fatalf("old-day partition holds %d rows, want 1", n)
	}
	// 2026-03-02 ended 8 days before the clock: dropped at the next maintenance.
	ctx := context.Background()
	if err := s.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM pg_class WHERE relname = 'ip_rib_log_p20260302' AND relnamespace = current_schema()::regnamespace`); n != 0 {
		t.Fatal("partition past the retention not dropped")
	}
	if n := parts(); n != 3 {
		t.Fatalf("%d ip_rib_log partitions, want 3", n)
	}
	// Ten days later: the first days are gone, new ones exist.
	clock = clock.Add(10 * day)
	if err := s.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	var names []string
	rows, _ := conn.Query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'ip_rib_log' AND p.relnamespace = current_schema()::regnamespace ORDER BY 1`)
	for rows.Next() {
		var n string
		rows.Scan(&n) //nolint:errcheck
		names = append(names, n)
	}
	want := []string{"ip_rib_log_p20260320", "ip_rib_log_p20260321", "ip_rib_log_p20260322"}
	if len(names) != len(want) {
		t.Fatalf("partitions %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("partitions %v, want %v", names, want)
		}
	}
	if d := s.Stats().PartitionsDropped.Load(); d == 0 {
		t.Error("PartitionsDropped not counted")
	}
}

// checkAggregates: the hourly aggregates add up to the capture's announcements,
// withdrawals and Peer Ups, and count each peer's distinct prefixes.
func checkAggregates(t *testing.T, c *capture, s *Sink, conn pgxConn) {
	t.Helper()
	if err := s.Aggregate(context.Background()); err != nil {
		t.Fatal(err)
	}
	var adds, dels, ups int64
	prefixes := map[string]map[netip.Prefix]bool{}
	for k, m := range c.metas {
		switch v := c.vals[k].(type) {
		case *record.UnicastPrefix:
			if m.Type != record.TypeUnicastPrefix || v.IsEOR || v.PrefixLen == nil {
				continue
			}
			if v.Action == record.ActionDel {
				dels++
			} else {
				adds++
			}
			if prefixes[v.PeerHash] == nil {
				prefixes[v.PeerHash] = map[netip.Prefix]bool{}
			}
			prefixes[v.PeerHash][netip.PrefixFrom(v.Prefix, int(*v.PrefixLen))] = true
		case *record.Peer:
			if v.Action != record.ActionDown {
				ups++
			}
		}
	}
	var a, d, u int64
	if err := conn.QueryRow(context.Background(), `SELECT sum(announcements), sum(withdrawals), sum(peers_up)
		FROM stats_peer_hourly`).Scan(&a, &d, &u); err != nil {
		t.Fatal(err)
	}
	if a != adds || d != dels || u != ups {
		t.Errorf("stats_peer_hourly: %d announcements, %d withdrawals, %d peers up; want %d, %d, %d", a, d, u, adds, dels, ups)
	}
	hours := queryInt(t, conn, `SELECT count(DISTINCT interval_time) FROM stats_peer_hourly`)
	if hours == 1 { // the capture was stored within one hour: one row per peer
		for peer, ps := range prefixes {
			if n := queryInt(t, conn, `SELECT unique_prefixes FROM stats_peer_hourly WHERE peer_hash_id = $1::uuid`, peer); n != int64(len(ps)) {
				t.Errorf("peer %s: %d unique prefixes, want %d", peer, n, len(ps))
			}
		}
	}
}

// TestSessionEndWithoutTermination: a router session that ends without a Termination
// (here: the connection ends before the capture's Peer Downs) gets synthesized Peer
// Downs and a router term from the collector; the tables record them as such and every
// route of the router ends withdrawn.
func TestSessionEndWithoutTermination(t *testing.T) {
	c := decodeCaptureUntil(t, readCapture(t, "lab/frr84-mixed.bmp"), "192.0.2.10:40000", 2)
	var synthDowns int64
	for _, v := range c.vals {
		if p, ok := v.(*record.Peer); ok && p.Action == record.ActionDown && p.Synthesized {
			synthDowns++
		}
	}
	if synthDowns == 0 {
		t.Fatal("the session end synthesized no Peer Down")
	}
	s, conn := newTestSink(t, Options{})
	for i := range c.metas {
		s.Add(c.metas[i], c.vals[i])
	}
	syncSink(t, s)
	for tbl, n := range c.tableCounts() {
		if got := queryInt(t, conn, `SELECT count(*) FROM `+tbl); got != n {
			t.Errorf("%s: %d rows, want %d", tbl, got, n)
		}
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM ip_rib`); n == 0 {
		t.Fatal("no routes stored")
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM ip_rib WHERE NOT iswithdrawn`); n != 0 {
		t.Errorf("%d routes active after the session ended", n)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM peer_event_log WHERE state = 'down' AND synthesized
		AND bmp_reason_text = 'session ended: eof'`); n != synthDowns {
		t.Errorf("peer_event_log: %d synthesized downs, want %d", n, synthDowns)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM routers WHERE state = 'down' AND term_reason_text = 'session ended: eof'`); n != 1 {
		t.Errorf("routers: the router is not down with the session end reason")
	}
	checkRIB(t, c, conn)
}
