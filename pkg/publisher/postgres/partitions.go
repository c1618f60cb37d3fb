package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// partitioned lists the time-partitioned tables (RANGE on their time column, one
// partition per UTC day, named <table>_pYYYYMMDD).
var partitioned = []string{"ip_rib_log", "peer_event_log", "stat_reports", "record_log", "stats_peer_hourly"}

const day = 24 * time.Hour

// dayOf returns the UTC midnight starting t's day.
func dayOf(t time.Time) time.Time { return t.UTC().Truncate(day) }

func partitionName(table string, d time.Time) string { return table + "_p" + d.Format("20060102") }

// ensurePartitions creates, for every partitioned table, the partitions of the days
// from..to (inclusive) that do not exist yet. It returns how many it created.
func ensurePartitions(ctx context.Context, conn *pgx.Conn, from, to time.Time) (int, error) {
	created := 0
	for d := dayOf(from); !d.After(dayOf(to)); d = d.Add(day) {
		for _, t := range partitioned {
			name := partitionName(t, d)
			var exists bool
			if err := conn.QueryRow(ctx, `SELECT to_regclass(quote_ident(current_schema()) || '.' || $1) IS NOT NULL`,
				name).Scan(&exists); err != nil {
				return created, err
			}
			if exists {
				continue
			}
			sql := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s PARTITION OF %s FOR VALUES FROM ('%s') TO ('%s')`,
				pgx.Identifier{name}.Sanitize(), pgx.Identifier{t}.Sanitize(),
				d.Format(time.RFC3339), d.Add(day).Format(time.RFC3339))
			if _, err := conn.Exec(ctx, sql); err != nil {
				return created, fmt.Errorf("postgres: create partition %s: %w", name, err)
			}
			created++
		}
	}
	return created, nil
}

// dropPartitions drops the partitions (of the partitioned tables, named by
// partitionName) whose whole day ends at or before cutoff. It returns their names.
func dropPartitions(ctx context.Context, conn *pgx.Conn, cutoff time.Time) ([]string, error) {
	var dropped []string
	for _, t := range partitioned {
		rows, err := conn.Query(ctx, `SELECT c.relname FROM pg_inherits i
			JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
			JOIN pg_namespace n ON n.oid = p.relnamespace
			WHERE p.relname = $1 AND n.nspname = current_schema() ORDER BY c.relname`, t)
		if err != nil {
			return dropped, err
		}
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return dropped, err
		}
		for _, name := range names {
			suffix, ok := strings.CutPrefix(name, t+"_p")
			if !ok {
				continue
			}
			d, err := time.Parse("20060102", suffix)
			if err != nil {
				continue // not one of ours
			}
			if d.Add(day).After(cutoff) {
				continue
			}
			if _, err := conn.Exec(ctx, `DROP TABLE `+pgx.Identifier{name}.Sanitize()); err != nil {
				return dropped, fmt.Errorf("postgres: drop partition %s: %w", name, err)
			}
			dropped = append(dropped, name)
		}
	}
	return dropped, nil
}
