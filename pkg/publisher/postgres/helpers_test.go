package postgres

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/internal/testutil/pgtest"
	"github.com/bmpstream/bmpstream/pkg/bmp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

func freshSchema(t testing.TB) (string, string) { return pgtest.Schema(t) }

func connect(t testing.TB, dsn, schema string) *pgx.Conn { return pgtest.Connect(t, dsn, schema) }

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
	return pgtest.Count(t, conn, sql, args...)
}

// capture is a real capture decoded by the collector's session code: each record's
// metadata, JSON and typed value, in stream order.
type capture struct {
	metas []record.Meta
	jsons [][]byte
	vals  []record.Value
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
	return decodeCaptureUntil(t, data, remote, 0)
}

// decodeCaptureUntil is decodeCapture stopping before the first BMP message of type stop
// (0: none) that follows a Peer Up, where the connection is taken to end: the session
// ends as on EOF.
func decodeCaptureUntil(t testing.TB, data []byte, remote string, stop uint8) *capture {
	t.Helper()
	c := &capture{}
	sess := session.New(context.Background(), session.Config{MaxBatchRecords: 256, Encodings: record.EncJSON | record.EncTyped},
		netip.MustParseAddrPort(remote), func(_ context.Context, b *record.Batch) error {
			for i := range b.Recs {
				m := b.Recs[i]
				if m.Type == record.TypeRaw {
					continue
				}
				js := bytes.Clone(b.Record(i))
				c.metas = append(c.metas, m)
				c.jsons = append(c.jsons, js)
				c.vals = append(c.vals, b.Value(i))
			}
			b.Release()
			return nil
		})
	r := bmp.NewReader(bytes.NewReader(data), 1<<20)
	seenUp := false
	for {
		_, msg, err := r.Next()
		if err != nil {
			break
		}
		if msg[5] == 3 {
			seenUp = true
		}
		if stop != 0 && msg[5] == stop && seenUp {
			sess.End("eof", time.Now())
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
