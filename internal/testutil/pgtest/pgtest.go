// Package pgtest gives tests a fresh schema on the PostgreSQL test server
// (POSTGRES_TEST_DSN, default postgres://postgres@127.0.0.1:5432/test): each test gets an
// empty schema of its own, dropped at cleanup, so tests never see each other's rows.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultDSN is the test server of this project's machines.
const DefaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// DSN is POSTGRES_TEST_DSN or DefaultDSN.
func DSN() string {
	if d := os.Getenv("POSTGRES_TEST_DSN"); d != "" {
		return d
	}
	return DefaultDSN
}

// Schema creates an empty schema for t (dropped at cleanup) and returns the server's DSN
// and the schema's name. Without a server the test is skipped, loudly — or fails when
// CI=true.
func Schema(t testing.TB) (dsn, schema string) {
	t.Helper()
	dsn = DSN()
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
	schema = "bmpt_" + hex.EncodeToString(rnd[:])
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

// Connect opens a connection to dsn with search_path set to schema (UTC time zone),
// closed at cleanup.
func Connect(t testing.TB, dsn, schema string) *pgx.Conn {
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

// Count runs a count query.
func Count(t testing.TB, conn *pgx.Conn, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := conn.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// WithSearchPath returns dsn with its search_path set to schema (for a process that
// takes only a DSN).
func WithSearchPath(dsn, schema string) string {
	u, err := url.Parse(dsn)
	if err != nil || !strings.HasPrefix(u.Scheme, "postgres") {
		return dsn + " search_path=" + schema
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
