package postgres

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/bmp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// testDSN is the test server: POSTGRES_TEST_DSN, or PostgreSQL 15 on 127.0.0.1:5432.
func testDSN() string {
	if d := os.Getenv("POSTGRES_TEST_DSN"); d != "" {
		return d
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// freshSchema creates an empty schema for one test (dropped at cleanup) and returns the
// DSN and the schema name. Without a server the test is skipped, loudly, or fails when
// CI=true.
func freshSchema(t testing.TB) (string, string) {
	t.Helper()
	dsn := testDSN()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL test server %q unreachable: %v", dsn, err)
		}
		t.Skipf("SKIPPED: PostgreSQL test server %q unreachable (set POSTGRES_TEST_DSN): %v", dsn, err)
	}
	defer conn.Close(ctx)
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	schema := "bmpt_" + hex.EncodeToString(rnd[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Logf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	return dsn, schema
}

// connect opens a connection with search_path set to schema.
func connect(t testing.TB, dsn, schema string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["search_path"] = schema
	cfg.RuntimeParams["timezone"] = "UTC"
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// newTestSink starts a sink on a fresh schema.
func newTestSink(t testing.TB, opts Options) (*Sink, *pgx.Conn) {
	t.Helper()
	if opts.DSN == "" {
		dsn, schema := freshSchema(t)
		opts.DSN, opts.Schema = dsn, schema
	}
	if opts.BackoffMax == 0 {
		opts.BackoffMax = 500 * time.Millisecond
	}
	s, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, connect(t, opts.DSN, opts.Schema)
}

func syncSink(t testing.TB, s *Sink) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
}

func queryInt(t testing.TB, conn *pgx.Conn, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := conn.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// typedRecord decodes one JSON record into its typed struct. Test-only: the sink itself
// receives typed records from the session and never parses JSON; the tests use the JSON
// output as the reference the tables must match.
func typedRecord(t testing.TB, typ record.Type, js []byte) any {
	t.Helper()
	var v any
	switch typ {
	case record.TypeUnicastPrefix, record.TypeMulticastPrefix:
		v = &record.UnicastPrefix{Kind: typ}
	case record.TypePeer:
		v = &record.Peer{}
	case record.TypeRouter:
		v = &record.Router{}
	case record.TypeStatistics:
		v = &record.Stats{}
	case record.TypeL3VPN:
		v = &record.L3VPNPrefix{}
	case record.TypeEVPN:
		v = &record.EVPN{}
	case record.TypeRouteMirror:
		v = &record.RouteMirror{}
	case record.TypeUnknownNLRI:
		v = &record.UnknownNLRI{}
	default:
		t.Fatalf("typedRecord: no decoder for %s", typ)
	}
	if err := json.Unmarshal(js, v); err != nil {
		t.Fatalf("decode %s: %v: %s", typ, err, js)
	}
	return v
}

// capture is a real capture decoded by the collector's session code: each record's
// metadata, JSON and typed value, in stream order.
type capture struct {
	metas []record.Meta
	jsons [][]byte
	vals  []any
}

func readCapture(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testutil.TestdataDir(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decodeCapture runs data through a router session (router address remote).
func decodeCapture(t testing.TB, data []byte, remote string) *capture {
	t.Helper()
	c := &capture{}
	sess := session.New(context.Background(), session.Config{MaxBatchRecords: 256},
		netip.MustParseAddrPort(remote), func(_ context.Context, b *record.Batch) error {
			for i := range b.Recs {
				m := b.Recs[i]
				if m.Type == record.TypeRaw {
					continue
				}
				js := bytes.Clone(b.Record(i))
				c.metas = append(c.metas, m)
				c.jsons = append(c.jsons, js)
				c.vals = append(c.vals, typedRecord(t, m.Type, js))
			}
			b.Release()
			return nil
		})
	r := bmp.NewReader(bytes.NewReader(data), 1<<20)
	for {
		_, msg, err := r.Next()
		if err != nil {
			break
		}
		if err := sess.Handle(msg, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := sess.Flush(); err != nil {
		t.Fatal(err)
	}
	return c
}

// tableCounts are the rows the capture must produce per table.
func (c *capture) tableCounts() map[string]int64 {
	want := map[string]int64{"ip_rib_log": 0, "peer_event_log": 0, "stat_reports": 0, "record_log": 0}
	for i, m := range c.metas {
		switch m.Type {
		case record.TypeUnicastPrefix:
			u := c.vals[i].(*record.UnicastPrefix)
			if u.IsEOR || u.PrefixLen == nil {
				want["record_log"]++
			} else {
				want["ip_rib_log"]++
			}
		case record.TypePeer:
			want["peer_event_log"]++
		case record.TypeStatistics:
			want["stat_reports"]++
		default:
			want["record_log"]++
		}
	}
	return want
}

func (c *capture) typeCounts() string {
	n := map[record.Type]int{}
	for _, m := range c.metas {
		n[m.Type]++
	}
	return fmt.Sprint(n)
}
