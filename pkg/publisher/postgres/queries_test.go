package postgres

import (
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// docQueries reads the sql blocks of docs/queries.md, by the title of their section.
func docQueries(t *testing.T) (titles []string, sqls map[string]string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "docs", "queries.md"))
	if err != nil {
		t.Fatal(err)
	}
	sqls = map[string]string{}
	title := ""
	re := regexp.MustCompile("(?s)^```sql\n(.*?)```")
	text := string(b)
	for i := 0; i < len(text); {
		rest := text[i:]
		switch {
		case strings.HasPrefix(rest, "### "):
			end := strings.IndexByte(rest, '\n')
			title = strings.TrimSpace(rest[4:end])
		case strings.HasPrefix(rest, "```sql\n"):
			m := re.FindStringSubmatch(rest)
			if m == nil {
				t.Fatalf("unterminated sql block after %q", title)
			}
			if _, dup := sqls[title]; dup || title == "" {
				t.Fatalf("sql block without its own ### title (after %q)", title)
			}
			sqls[title] = m[1]
			titles = append(titles, title)
			i += len(m[0])
			continue
		}
		nl := strings.IndexByte(rest, '\n')
		if nl < 0 {
			break
		}
		i += nl + 1
	}
	if len(titles) < 10 {
		t.Fatalf("docs/queries.md: %d queries found", len(titles))
	}
	return titles, sqls
}

// TestQueriesDoc runs every query of docs/queries.md, and every panel query of the Grafana
// dashboard (deployment/grafana), against a database filled from two real captures (FRR
// and GoBGP routers) and checks the answers of several against the captures' records.
func TestQueriesDoc(t *testing.T) {
	titles, sqls := docQueries(t)
	caps := []*capture{
		decodeCapture(t, readCapture(t, "lab/frr84-mixed.bmp"), "192.0.2.10:40000"),
		decodeCapture(t, readCapture(t, "lab/gobgp310deb-mixed.bmp"), "192.0.2.20:40000"),
	}
	s, conn := newTestSink(t, Options{})
	for _, c := range caps {
		for i := range c.metas {
			s.Add(c.metas[i], c.vals[i])
		}
	}
	syncSink(t, s)
	ctx := context.Background()
	if err := s.Aggregate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}

	results := map[string][]map[string]any{}
	for _, title := range titles {
		rows, err := conn.Query(ctx, sqls[title])
		if err != nil {
			t.Errorf("query %q: %v", title, err)
			continue
		}
		maps, err := pgx.CollectRows(rows, pgx.RowToMap)
		if err != nil {
			t.Errorf("query %q: %v", title, err)
			continue
		}
		results[title] = maps
		t.Logf("%-45s %d rows", title, len(maps))
	}
	if t.Failed() {
		t.FailNow()
	}

	// Expected answers, from the captures' records.
	type key struct {
		router, peer string
		rib          uint8
		prefix       netip.Prefix
		pathID       uint32
	}
	state := map[key]bool{} // active?
	origins := map[netip.Prefix]map[uint32]bool{}
	var history, downs, adds int
	for _, c := range caps {
		for k, m := range c.metas {
			switch v := c.vals[k].(type) {
			case *record.UnicastPrefix:
				if m.Type != record.TypeUnicastPrefix || v.IsEOR || v.PrefixLen == nil {
					continue
				}
				p := netip.PrefixFrom(v.Prefix, int(*v.PrefixLen))
				var pid uint32
				if v.PathID != nil {
					pid = *v.PathID
				}
				state[key{v.RouterHash, v.PeerHash, ribOf(&v.RIBFlags), p, pid}] = v.Action != record.ActionDel
				if p == netip.MustParsePrefix("10.0.0.0/24") {
					history++
				}
				if v.Action != record.ActionDel {
					adds++
				}
			case *record.Peer:
				if v.Action == record.ActionDown {
					downs++
					for k := range state {
						if k.router == v.RouterHash && k.peer == v.PeerHash {
							state[k] = false
						}
					}
				}
			case *record.Router:
				if v.Action == record.ActionTerm {
					for k := range state {
						if k.router == v.RouterHash {
							state[k] = false
						}
					}
				}
			}
		}
	}
	active := 0
	for _, c := range caps {
		for k, m := range c.metas {
			if u, ok := c.vals[k].(*record.UnicastPrefix); ok && m.Type == record.TypeUnicastPrefix && u.OriginAS != nil && !u.IsEOR && u.PrefixLen != nil {
				var pid uint32
				if u.PathID != nil {
					pid = *u.PathID
				}
				p := netip.PrefixFrom(u.Prefix, int(*u.PrefixLen))
				if state[key{u.RouterHash, u.PeerHash, ribOf(&u.RIBFlags), p, pid}] {
					if origins[p] == nil {
						origins[p] = map[uint32]bool{}
					}
					origins[p][*u.OriginAS] = true
				}
			}
		}
	}
	for _, a := range state {
		if a {
			active++
		}
	}
	moas := 0
	for _, os := range origins {
		if len(os) > 1 {
			moas++
		}
	}
	sum := func(title, col string) int64 {
		var n int64
		for _, r := range results[title] {
			switch v := r[col].(type) {
			case int64:
				n += v
			case int32:
				n += int64(v)
			}
		}
		return n
	}
	if got := sum("Table size per peer", "active"); got != int64(active) {
		t.Errorf("Table size per peer: %d active routes, want %d", got, active)
	}
	if got := sum("Table size per peer", "active") + sum("Table size per peer", "withdrawn"); got != int64(len(state)) {
		t.Errorf("Table size per peer: %d routes, want %d", got, len(state))
	}
	if got := len(results["MOAS prefixes now"]); got != moas {
		t.Errorf("MOAS prefixes now: %d, want %d", got, moas)
	}
	if got := len(results["Prefix history"]); got != history || history == 0 {
		t.Errorf("Prefix history: %d rows, want %d", got, history)
	}
	if got := sum("Peer flaps", "downs"); got != int64(downs) || downs == 0 {
		t.Errorf("Peer flaps: %d downs, want %d", got, downs)
	}
	if got := sum("Route churn per peer", "announcements"); got != int64(adds) {
		t.Errorf("Route churn per peer: %d announcements, want %d", got, adds)
	}
	if got := len(results["Routers and their peers"]); got != 2 {
		t.Errorf("Routers and their peers: %d routers, want 2", got)
	}

	// The Grafana dashboard's panels, $__timeFilter expanded as Grafana does (last 24 h).
	for _, p := range dashboardQueries(t) {
		rows, err := conn.Query(ctx, p.sql)
		if err != nil {
			t.Errorf("dashboard panel %q: %v", p.title, err)
			continue
		}
		maps, err := pgx.CollectRows(rows, pgx.RowToMap)
		if err != nil {
			t.Errorf("dashboard panel %q: %v", p.title, err)
			continue
		}
		t.Logf("panel %-45s %d rows", p.title, len(maps))
		if p.title == "Announcements and withdrawals per hour" {
			var n int64
			for _, r := range maps {
				if v, ok := r["announcements"].(pgtype.Numeric); ok {
					f, _ := v.Int64Value()
					n += f.Int64
				}
			}
			if n != int64(adds) {
				t.Errorf("dashboard: %d announcements, want %d", n, adds)
			}
		}
	}

	// The prefix searches are index scans (with sequential scans disabled, as the planner
	// would choose on a full table).
	if _, err := conn.Exec(ctx, "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct{ sql, index string }{
		{sqls["Longest match for an address (current RIBs)"], "ip_rib_prefix_idx"},
		{sqls["Every more-specific of a prefix (current RIBs)"], "ip_rib_prefix_idx"},
		{`SELECT * FROM ip_rib_log WHERE prefix <<= inet '10.0.0.0/8'`, "_prefix_idx"},
		{`SELECT * FROM ip_rib_log WHERE prefix >>= inet '10.0.7.1'`, "_prefix_idx"},
	} {
		rows, err := conn.Query(ctx, "EXPLAIN "+q.sql)
		if err != nil {
			t.Fatal(err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		plan := strings.Join(lines, "\n")
		if !strings.Contains(plan, q.index) {
			t.Errorf("not an index scan on %s:\n%s\nplan:\n%s", q.index, q.sql, plan)
		}
	}
}

type panelQuery struct{ title, sql string }

// dashboardQueries reads the panel queries of deployment/grafana/bmpstream-postgres.json.
func dashboardQueries(t *testing.T) []panelQuery {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "deployment", "grafana", "bmpstream-postgres.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				RawSQL string `json:"rawSql"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	macro := regexp.MustCompile(`\$__timeFilter\(([^)]+)\)`)
	var out []panelQuery
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			sql := macro.ReplaceAllString(tg.RawSQL, "$1 BETWEEN now() - interval '24 hours' AND now() + interval '1 minute'")
			if strings.Contains(sql, "$") {
				t.Fatalf("panel %q uses a macro or variable the test does not expand: %s", p.Title, sql)
			}
			out = append(out, panelQuery{p.Title, sql})
		}
	}
	if len(out) < 5 {
		t.Fatalf("dashboard: %d panel queries", len(out))
	}
	return out
}
