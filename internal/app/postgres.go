package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/golang/glog"
	"github.com/jackc/pgx/v5"
	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/pkg/publisher"
	pgsink "github.com/bmpstream/bmpstream/pkg/publisher/postgres"
)

// postgresFeature is --postgres-dsn: store route history, current RIBs, peers and every
// other record in PostgreSQL (docs/postgres.md).
type postgresFeature struct {
	opts        pgsink.Options
	onFull      string
	queueSize   int
	migrateOnly bool
	sink        *pgsink.Sink
}

func init() {
	Register(func() Feature {
		return &postgresFeature{onFull: "block", opts: pgsink.Options{BatchSize: 20000, MaxDelay: time.Second,
			Retention: 90 * 24 * time.Hour, PartitionsAhead: 3, AggregateEvery: time.Minute}}
	})
}

func (f *postgresFeature) Name() string { return "postgres" }

func (f *postgresFeature) AddFlags(fs *pflag.FlagSet) {
	addPostgresConnFlags(fs, &f.opts)
	o := &f.opts
	fs.IntVar(&o.BatchSize, "postgres-batch-size", o.BatchSize, "records per PostgreSQL transaction (COPY batch)")
	fs.DurationVar(&o.MaxDelay, "postgres-max-delay", o.MaxDelay, "longest a record waits before its PostgreSQL transaction starts")
	fs.DurationVar(&o.Retention, "postgres-retention", o.Retention, "drop daily partitions of the history tables older than this (negative: keep everything)")
	fs.IntVar(&o.PartitionsAhead, "postgres-partitions-ahead", o.PartitionsAhead, "days of partitions created ahead")
	fs.DurationVar(&o.AggregateEvery, "postgres-aggregate-every", o.AggregateEvery, "how often the hourly aggregates (stats_peer_hourly) are refreshed")
	fs.BoolVar(&o.NoMigrate, "postgres-no-migrate", o.NoMigrate, "do not apply schema migrations at start (fail if the schema is not current; see 'bmpstream migrate')")
	fs.BoolVar(&f.migrateOnly, "postgres-migrate-only", false, "apply the schema migrations and exit (same as 'bmpstream migrate')")
	fs.StringVar(&f.onFull, "postgres-on-full", f.onFull, "when the PostgreSQL queue is full: block (slow down reading from routers) or drop (drop and count records)")
	fs.IntVar(&f.queueSize, "postgres-queue-size", 0, "batches queued for PostgreSQL (default: --queue-size)")
}

func addPostgresConnFlags(fs *pflag.FlagSet, o *pgsink.Options) {
	fs.StringVar(&o.DSN, "postgres-dsn", o.DSN, "PostgreSQL connection string (postgres://user@host:5432/db?sslmode=disable); enables the PostgreSQL output")
	fs.StringVar(&o.Schema, "postgres-schema", o.Schema, "schema for bmpstream's tables (must exist; default: the server's search_path)")
}

func (f *postgresFeature) Start(ctx context.Context, rt *Runtime) error {
	if f.migrateOnly {
		return errors.New("--postgres-migrate-only is handled before the collector starts")
	}
	if f.opts.DSN == "" {
		return nil
	}
	policy, err := publisher.ParsePolicy(f.onFull)
	if err != nil {
		return err
	}
	s, err := pgsink.New(ctx, f.opts)
	if err != nil {
		return err
	}
	f.sink = s
	rt.AddSink(s, f.queueSize, policy)
	rt.AddReadiness(s.Ready)
	rt.OnShutdown(s.SetDeadline)
	glog.Infof("feature=postgres event=enabled schema=%q batch_size=%d max_delay=%s retention=%s on_full=%s",
		f.opts.Schema, f.opts.BatchSize, f.opts.MaxDelay, f.opts.Retention, policy)
	return nil
}

// Stop logs the sink's counters (the queue closed the sink already).
func (f *postgresFeature) Stop(context.Context) error {
	if f.sink != nil {
		st := f.sink.Stats()
		glog.Infof("feature=postgres event=stopped records=%d skipped=%d rejected=%d lost=%d transactions=%d retries=%d reconnects=%d",
			st.Records.Load(), st.Skipped.Load(), st.Rejected.Load(), st.Lost.Load(), st.Transactions.Load(),
			st.Retries.Load(), st.Reconnects.Load())
	}
	return nil
}

// wantsMigrateOnly reports whether args ask for the migrations only.
func init() {
	RegisterCommand(Command{Name: "migrate", Synopsis: "--postgres-dsn=DSN",
		Summary: "apply the PostgreSQL schema migrations and exit", Run: migrateMain})
}

func wantsMigrateOnly(args []string) bool {
	if len(args) > 0 && args[0] == "migrate" {
		return true
	}
	for _, a := range args {
		if a == "--postgres-migrate-only" || a == "--postgres-migrate-only=true" {
			return true
		}
	}
	return false
}

// migrateMain is "bmpstream migrate" (or --postgres-migrate-only): apply the embedded
// schema migrations to --postgres-dsn and exit.
func migrateMain(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "migrate" {
		args = args[1:]
	}
	fs := pflag.NewFlagSet("bmpstream migrate", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.ParseErrorsAllowlist.UnknownFlags = true // the collector's other flags are ignored
	var o pgsink.Options
	addPostgresConnFlags(fs, &o)
	fs.Bool("postgres-migrate-only", true, "apply the migrations and exit")
	fs.Usage = func() {
		fmt.Fprint(stdout, "Usage: bmpstream migrate --postgres-dsn=DSN [--postgres-schema=NAME]\n\n"+
			"Applies bmpstream's PostgreSQL schema migrations (each in a transaction) and exits.\n\nFlags:\n")
		fmt.Fprint(stdout, fs.FlagUsages())
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "bmpstream migrate:", err)
		return 2
	}
	if o.DSN == "" {
		fmt.Fprintln(stderr, "bmpstream migrate: --postgres-dsn is required")
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cfg, err := pgx.ParseConfig(o.DSN)
	if err != nil {
		fmt.Fprintln(stderr, "bmpstream migrate:", err)
		return 1
	}
	if o.Schema != "" {
		cfg.RuntimeParams["search_path"] = o.Schema
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "bmpstream migrate:", err)
		return 1
	}
	defer conn.Close(ctx)
	applied, err := pgsink.Migrate(ctx, conn)
	if err != nil {
		fmt.Fprintln(stderr, "bmpstream migrate:", err)
		return 1
	}
	v, err := pgsink.SchemaVersion(ctx, conn)
	if err != nil {
		fmt.Fprintln(stderr, "bmpstream migrate:", err)
		return 1
	}
	if len(applied) == 0 {
		fmt.Fprintf(stdout, "schema is current (version %d)\n", v)
	} else {
		fmt.Fprintf(stdout, "applied migrations %s; schema version %d\n", strings.Trim(fmt.Sprint(applied), "[]"), v)
	}
	return 0
}
