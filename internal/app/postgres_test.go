package app

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/internal/testutil/pgtest"
)

// TestPostgresMigrateCommand: "bmpstream migrate" applies the embedded migrations once;
// run again (or as --postgres-migrate-only) it finds the schema current.
func TestPostgresMigrateCommand(t *testing.T) {
	dsn, schema := pgtest.Schema(t)
	var out, errb bytes.Buffer
	if code := Main([]string{"migrate", "--postgres-dsn", dsn, "--postgres-schema", schema}, &out, &errb); code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, errb.String())
	}
	if !strings.HasPrefix(out.String(), "applied migrations 1") {
		t.Fatalf("migrate said %q", out.String())
	}
	out.Reset()
	if code := Main([]string{"--postgres-migrate-only", "--postgres-dsn", dsn, "--postgres-schema", schema, "--source-port=0"}, &out, &errb); code != 0 {
		t.Fatalf("--postgres-migrate-only: exit %d: %s", code, errb.String())
	}
	if !strings.HasPrefix(out.String(), "schema is current (version ") {
		t.Fatalf("second run said %q", out.String())
	}
	conn := pgtest.Connect(t, dsn, schema)
	if n := pgtest.Count(t, conn, `SELECT count(*) FROM bmpstream_schema_version`); n < 1 {
		t.Fatal("no schema version recorded")
	}
	if code := Main([]string{"migrate"}, &out, &errb); code != 2 {
		t.Fatalf("migrate without --postgres-dsn: exit %d, want 2", code)
	}
}

// TestPostgresCollector runs the collector binary with --postgres-dsn beside the file
// output, replays a real capture over TCP, stops it (SIGTERM drains) and compares every
// table with the records of the JSON output.
func TestPostgresCollector(t *testing.T) {
	dsn, schema := pgtest.Schema(t)
	data, err := os.ReadFile(filepath.Join(testutil.TestdataDir(t), "lab", "frr84-mixed.bmp"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "records.jsonl")
	p := startProc(t, "--source-port=0", "--bind-address=127.0.0.1", "--metrics-address=127.0.0.1:0", "--dump=file", "--msg-file="+out,
		"--postgres-dsn="+dsn, "--postgres-schema="+schema, "--postgres-batch-size=1000", "--postgres-max-delay=50ms")
	conn, err := net.Dial("tcp", p.field(t, "listening", "address"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(data); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	p.field(t, "disconnected", "reason")
	if code := p.stop(t); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	stopped := p.eventFields(t, "stopped")
	if !strings.Contains(p.logText(), "feature=postgres event=stopped") || stopped == nil {
		t.Fatalf("no postgres stop line:\n%s", p.logText())
	}

	// Expected rows per table, from the JSON output.
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]int64{"ip_rib_log": 0, "peer_event_log": 0, "stat_reports": 0, "record_log": 0}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		var r struct {
			Type      string `json:"type"`
			Prefix    string `json:"prefix"`
			IsEOR     bool   `json:"is_eor"`
			PrefixLen *int   `json:"prefix_len"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		n++
		switch {
		case r.Type == "unicast_prefix" && !r.IsEOR && r.PrefixLen != nil:
			want["ip_rib_log"]++
		case r.Type == "peer":
			want["peer_event_log"]++
		case r.Type == "statistics":
			want["stat_reports"]++
		default:
			want["record_log"]++
		}
	}
	if n < 5000 {
		t.Fatalf("only %d records in the JSON output", n)
	}
	db := pgtest.Connect(t, dsn, schema)
	for tbl, w := range want {
		if got := pgtest.Count(t, db, `SELECT count(*) FROM `+tbl); got != w {
			t.Errorf("%s: %d rows, the JSON output has %d records for it", tbl, got, w)
		}
	}
	if pgtest.Count(t, db, `SELECT count(*) FROM routers`) != 1 || pgtest.Count(t, db, `SELECT count(*) FROM bgp_peers`) == 0 {
		t.Error("routers/bgp_peers not filled")
	}
	if !strings.Contains(p.logText(), "rejected=0 lost=0") {
		t.Errorf("postgres sink rejected or lost records:\n%s", p.logText())
	}
}
