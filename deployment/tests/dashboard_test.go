package tests

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// scrape parses the text exposition format into sample name → label names seen.
func parseExposition(t *testing.T, body string) map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]bool{}
	for _, line := range strings.Split(body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		end := strings.IndexAny(line, "{ ")
		if end < 0 {
			t.Fatalf("bad exposition line %q", line)
		}
		name := line[:end]
		if out[name] == nil {
			out[name] = map[string]bool{}
		}
		if line[end] != '{' {
			continue
		}
		rest := line[end+1:]
		for len(rest) > 0 && rest[0] != '}' {
			eq := strings.IndexByte(rest, '=')
			if eq < 0 {
				t.Fatalf("bad labels in %q", line)
			}
			out[name][strings.TrimLeft(rest[:eq], ",")] = true
			rest = rest[eq+2:] // past ="
			for j := 0; j < len(rest); j++ {
				if rest[j] == '\\' {
					j++
					continue
				}
				if rest[j] == '"' {
					rest = strings.TrimPrefix(rest[j+1:], ",")
					break
				}
			}
		}
	}
	return out
}

// targetLabels are added by Prometheus to every scraped series, not by the collector.
var targetLabels = map[string]bool{"instance": true, "job": true}

// populatedScrape runs a collector, replays a real capture into it and provokes a refused
// connection, so that every labelled series exists, and returns the scrape.
func populatedScrape(t *testing.T) map[string]map[string]bool {
	t.Helper()
	col := startCollector(t, nil, "--dump=file", "--msg-file="+filepath.Join(t.TempDir(), "records.jsonl"), "--max-connections-per-ip=1")
	capture := filepath.Join(testdata(t), "lab", "frr84-mixed.bmp")
	// A connection held open, so that the replay's second connection is refused
	// (max_connections_per_ip) — after the first replay is done.
	replay := func() {
		out, err := exec.Command(filepath.Join(collectorBinaries(t), "bmpreplay"), "-c", col.bmpAddr, "--progress", "never", "--close-delay", "5s", capture).CombinedOutput()
		if err != nil {
			t.Fatalf("bmpreplay: %v\n%s", err, out)
		}
	}
	replay()
	hold, err := net.Dial("tcp", col.bmpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	time.Sleep(200 * time.Millisecond)
	refused, err := net.Dial("tcp", col.bmpAddr)
	if err == nil {
		refused.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _ = refused.Read(make([]byte, 1))
		refused.Close()
	}
	var series map[string]map[string]bool
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := col.get(t, "/metrics")
		if code != 200 {
			t.Fatalf("/metrics: %d", code)
		}
		series = parseExposition(t, body)
		if series["bmpstream_connections_refused_total"] != nil && series["bmpstream_router_info"] != nil {
			return series
		}
		if time.Now().After(deadline) {
			t.Fatalf("no refused connection or router series after the replay: %v", sortedKeys(series))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func testdata(t *testing.T) string {
	t.Helper()
	d := os.Getenv("BMP_TESTDATA")
	if d == "" {
		d = filepath.Join(root(t), "..", "shared", "testdata")
	}
	if _, err := os.Stat(filepath.Join(d, "lab")); err != nil {
		t.Fatalf("captures not found in %s (set BMP_TESTDATA): %v", d, err)
	}
	return d
}

// checkExpr checks that the expression's metrics and labels exist in the scrape.
func checkExpr(t *testing.T, where, expr string, series map[string]map[string]bool, allowed map[string]bool) {
	t.Helper()
	refs := parsePromQL(t, expr)
	if len(refs.metrics) == 0 {
		t.Errorf("%s: no metric in %q", where, expr)
	}
	known := map[string]bool{}
	for _, m := range refs.metrics {
		if allowed[m] {
			continue
		}
		labels, ok := series[m]
		if !ok {
			t.Errorf("%s: metric %s is not exposed by the collector (%q)", where, m, expr)
			continue
		}
		for l := range labels {
			known[l] = true
		}
		for _, l := range refs.matchers[m] {
			if !labels[l] && !targetLabels[l] {
				t.Errorf("%s: %s has no label %q", where, m, l)
			}
		}
	}
	for _, l := range refs.grouping {
		if !known[l] && !targetLabels[l] {
			t.Errorf("%s: grouping label %q is on none of %v", where, l, refs.metrics)
		}
	}
}

type dashboard struct {
	Title      string `json:"title"`
	UID        string `json:"uid"`
	Templating struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		ID         int    `json:"id"`
		Type       string `json:"type"`
		Title      string `json:"title"`
		Datasource *struct {
			UID string `json:"uid"`
		} `json:"datasource"`
		GridPos struct{ H, W, X, Y int } `json:"gridPos"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

// TestDashboardAndAlertsMatchMetrics scrapes a collector that received a real capture
// and checks that every metric and label the Grafana dashboard's queries and the alert
// rules refer to is one the collector exposes.
func TestDashboardAndAlertsMatchMetrics(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(deploymentDir(t), "grafana", "bmpstream.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	series := populatedScrape(t)

	ids := map[int]bool{}
	queries := 0
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d twice", p.ID)
		}
		ids[p.ID] = true
		if p.GridPos.X+p.GridPos.W > 24 || p.GridPos.W == 0 {
			t.Errorf("panel %q gridPos %+v", p.Title, p.GridPos)
		}
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" || len(p.Targets) == 0 {
			t.Errorf("panel %q: want queries on the ${datasource} variable", p.Title)
		}
		for _, tg := range p.Targets {
			queries++
			checkExpr(t, "panel "+p.Title, tg.Expr, series, nil)
		}
	}
	labelValues := regexp.MustCompile(`^label_values\((\w+),\s*(\w+)\)$`)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q struct{ Query string }
		if err := json.Unmarshal(v.Query, &q); err != nil {
			t.Fatal(err)
		}
		m := labelValues.FindStringSubmatch(q.Query)
		if m == nil || series[m[1]] == nil || !(series[m[1]][m[2]] || targetLabels[m[2]]) {
			t.Errorf("variable %s: query %q on no exposed metric/label", v.Name, q.Query)
		}
	}
	// The dashboard shows what the issue lists.
	for _, want := range []string{"bmpstream_peers_up", "bmpstream_connections_open", "bmpstream_bmp_messages_total", "bmpstream_records_total",
		"bmpstream_decode_errors_total", "bmpstream_queue_depth_batches", "bmpstream_backpressure_seconds_total", "bmpstream_sink_write_seconds_bucket",
		"bmpstream_sink_records_dropped_total"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("dashboard does not show %s", want)
		}
	}
	if queries < 20 {
		t.Errorf("%d queries", queries)
	}
	// The alert rules too (up is Prometheus's own series).
	for _, r := range readAlerts(t) {
		checkExpr(t, "alert "+r.Alert, r.Expr, series, map[string]bool{"up": true})
	}
}
