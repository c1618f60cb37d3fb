// Package postgres is the PostgreSQL sink: it stores route history (every announcement
// and withdrawal), the current RIBs, peers, routers, statistics and every other record
// type in tables that follow OpenBMP's obmp-psql (docs/postgres.md), from the typed
// records of each batch (it never parses JSON).
//
// Rows are bulk-loaded with binary COPY, many batches per transaction (Options.BatchSize,
// Options.MaxDelay). Each transaction also advances, per router session, the sequence
// number of the last record stored (bmpstream_progress), so a transaction that is
// applied again after a lost connection skips what was already committed: delivery is
// at-least-once and writes are idempotent, and a PostgreSQL restart loses and
// duplicates nothing. While the database is unreachable the sink retries with backoff
// and Write blocks once a transaction's worth of records waits, which pushes back on the routers
// through the publisher queue (or makes it drop and count, with the drop policy).
//
// A record the database rejects (a value it cannot store) is isolated by splitting the
// transaction, counted (Stats.Rejected), logged, and skipped; the sink goes on.
//
// The schema is created and migrated at start from migrations embedded in the binary
// (Migrate). Time-based tables are partitioned by day; the sink creates partitions ahead
// and drops those older than Options.Retention, and maintains hourly aggregates
// (stats_peer_hourly).
package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang/glog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// Options configure the sink.
type Options struct {
	// DSN is the PostgreSQL connection string (URL or key=value).
	DSN string
	// Schema, when set, is the schema the tables live in (search_path); it must exist.
	Schema string
	// BatchSize is the number of records per transaction (default 20000).
	BatchSize int
	// MaxDelay is the longest a record waits before its transaction starts (default 1s).
	MaxDelay time.Duration
	// Retention drops partitions whose day ended more than Retention ago (default 90
	// days; negative keeps everything).
	Retention time.Duration
	// PartitionsAhead is the number of days of partitions created ahead (default 3).
	PartitionsAhead int
	// AggregateEvery is how often the hourly aggregates are refreshed (default 1m).
	AggregateEvery time.Duration
	// MaintainEvery is how often partitions are created and dropped (default 1h).
	MaintainEvery time.Duration
	// NoMigrate skips applying migrations at start (the schema must be current).
	NoMigrate bool
	// BackoffMin and BackoffMax bound the wait between reconnection attempts
	// (defaults 100ms and 10s).
	BackoffMin, BackoffMax time.Duration
	// Now is the clock (default time.Now); tests inject one.
	Now func() time.Time
}

func (o *Options) defaults() {
	if o.BatchSize <= 0 {
		o.BatchSize = 20000
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = time.Second
	}
	if o.Retention == 0 {
		o.Retention = 90 * day
	}
	if o.PartitionsAhead <= 0 {
		o.PartitionsAhead = 3
	}
	if o.AggregateEvery <= 0 {
		o.AggregateEvery = time.Minute
	}
	if o.MaintainEvery <= 0 {
		o.MaintainEvery = time.Hour
	}
	if o.BackoffMin <= 0 {
		o.BackoffMin = 100 * time.Millisecond
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Stats are the sink's counters.
type Stats struct {
	// Records stored (committed); Skipped were already stored (a transaction applied
	// again after a reconnect).
	Records, Skipped atomic.Uint64
	// Rejected records: the database refused a value (or the record could not be
	// converted); each is logged.
	Rejected atomic.Uint64
	// Lost records: still unstored when the sink was closed after its deadline.
	Lost atomic.Uint64
	// Transactions committed, Retries of failed transactions, Reconnects made.
	Transactions, Retries, Reconnects atomic.Uint64
	// PartitionsCreated and PartitionsDropped by the maintenance.
	PartitionsCreated, PartitionsDropped atomic.Uint64
	// Aggregated counts hourly aggregate refreshes.
	Aggregated atomic.Uint64
}

// Sink is the PostgreSQL publisher.Sink.
type Sink struct {
	opts  Options
	cfg   *pgx.ConnConfig
	stats Stats

	conv converter
	in   chan []item
	cur  []item // being converted by Write (queue goroutine)
	nudge
	done chan struct{}

	mu       sync.Mutex
	deadline time.Time // give up retrying after (zero: never)
	closing  bool
	unreport atomic.Uint64 // lost or rejected records not yet reported through Write
	// accepted counts records converted and queued, resolved those stored, skipped,
	// rejected or lost since: their difference is Pending.
	accepted, resolved atomic.Uint64
	ready              atomic.Pointer[error] // the last connection state (nil: connected)
	wake               chan struct{}

	// Writer goroutine state.
	ap        *applier
	partDays  map[int64]bool
	hours     map[int64]struct{}
	lastMaint time.Time
	lastAgg   time.Time
}

type nudge struct{ ch chan struct{} }

// New connects, migrates the schema (unless NoMigrate), creates the partitions and
// starts the writer. It fails when the database cannot be reached or migrated at start;
// later outages are retried.
func New(ctx context.Context, opts Options) (*Sink, error) {
	opts.defaults()
	cfg, err := pgx.ParseConfig(opts.DSN)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	if opts.Schema != "" {
		cfg.RuntimeParams["search_path"] = opts.Schema
	}
	cfg.RuntimeParams["timezone"] = "UTC"
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "bmpstream"
	}
	s := &Sink{opts: opts, cfg: cfg, in: make(chan []item, 2), nudge: nudge{make(chan struct{}, 1)},
		done: make(chan struct{}), wake: make(chan struct{}), ap: newApplier(), partDays: map[int64]bool{},
		hours: map[int64]struct{}{}}
	if err := s.connect(ctx); err != nil {
		return nil, err
	}
	s.cur = make([]item, 0, 1024)
	go s.run()
	return s, nil
}

// Name implements publisher.Sink.
func (s *Sink) Name() string { return "postgres" }

// Stats returns the sink's counters.
func (s *Sink) Stats() *Stats { return &s.stats }

// Ready is nil while the sink is connected.
func (s *Sink) Ready() error {
	if p := s.ready.Load(); p != nil {
		return *p
	}
	return nil
}

// SetDeadline makes the sink give up retrying (counting unstored records lost) after t,
// e.g. at shutdown; the zero time retries forever.
func (s *Sink) SetDeadline(t time.Time) {
	s.mu.Lock()
	s.deadline = t
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Add converts one typed record (a *record.UnicastPrefix, *record.Peer, …) and queues it;
// it blocks while a transaction's worth of records waits for the database. A record the sink cannot
// convert is counted rejected and logged. Records of one router session must be added
// in order. Add is not safe for concurrent use (one writer, like publisher.Sink.Write).
func (s *Sink) Add(m record.Meta, v record.Value) {
	if m.Type == record.TypeRaw {
		return
	}
	it, ok, err := s.conv.convert(m, v)
	if err != nil {
		s.accepted.Add(1)
		s.reject(1, fmt.Errorf("record %s session=%d seq=%d: %w", m.Type, m.Session, m.Seq, err))
		return
	}
	if !ok {
		return
	}
	if it.ts.IsZero() { // the partition key: every record has one, but never fail on it
		it.ts = s.opts.Now()
	}
	s.accepted.Add(1)
	s.cur = append(s.cur, it)
	if len(s.cur) >= 1024 {
		s.push()
	}
}

// push hands the converted records to the writer goroutine.
func (s *Sink) push() {
	if len(s.cur) == 0 {
		return
	}
	s.in <- s.cur
	s.cur = make([]item, 0, 1024)
}

// Pending implements publisher.Pender: records accepted by Write and not yet stored (or
// counted rejected or lost).
func (s *Sink) Pending() uint64 { return s.accepted.Load() - s.resolved.Load() }

// Needs implements publisher.Needer: the sink reads the typed records, not their JSON.
func (s *Sink) Needs() record.Encodings { return record.EncTyped }

// Write implements publisher.Sink: it converts every typed record of b (b.Value) into
// rows and queues them for the writer; it blocks while a transaction's worth of records
// waits for the database. The records lost or rejected since the last call are reported
// as a *publisher.LossError.
func (s *Sink) Write(b *record.Batch) error {
	for i := range b.Recs {
		if v := b.Value(i); v != nil {
			s.Add(b.Recs[i], v)
		}
	}
	return s.reportLoss()
}

// reportLoss returns the records lost or rejected since the last call, for the queue's
// Failed counter.
func (s *Sink) reportLoss() error {
	if n := s.unreport.Swap(0); n > 0 {
		return &publisher.LossError{Records: int(n), Err: errors.New("postgres: records rejected or lost (see log)")}
	}
	return nil
}

// Flush asks the writer to start a transaction for what it holds; it does not wait.
func (s *Sink) Flush() error {
	s.push()
	select {
	case s.nudge.ch <- struct{}{}:
	default:
	}
	return s.reportLoss()
}

// Sync waits until every record added so far is committed (or rejected or lost). Like
// Sync, Maintain and Aggregate must be called from the goroutine that calls Write/Add.
func (s *Sink) Sync(ctx context.Context) error {
	s.push()
	ack := make(chan struct{})
	select {
	case s.in <- []item{{kind: kindSync, sync: ack}}:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-ack:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stores what is pending (retrying until the deadline set by SetDeadline, if any),
// refreshes the aggregates and disconnects.
func (s *Sink) Close() error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		<-s.done
		return nil
	}
	s.closing = true
	s.mu.Unlock()
	s.push()
	close(s.in)
	<-s.done
	if n := s.stats.Lost.Load(); n > 0 {
		return fmt.Errorf("postgres: %d records lost", n)
	}
	return nil
}

func (s *Sink) reject(n int, err error) {
	s.stats.Rejected.Add(uint64(n))
	s.resolved.Add(uint64(n))
	s.unreport.Add(uint64(n))
	glog.Errorf("sink=postgres event=rejected records=%d err=%q", n, err)
}

// connect opens the connection, migrates and prepares the partitions.
func (s *Sink) connect(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, s.cfg)
	if err != nil {
		s.setReady(fmt.Errorf("postgres: %w", err))
		return fmt.Errorf("postgres: connect: %w", err)
	}
	if s.opts.NoMigrate {
		ms, err := Migrations()
		if err != nil {
			conn.Close(ctx)
			return err
		}
		if v, err := SchemaVersion(ctx, conn); err != nil || v != len(ms) {
			conn.Close(ctx)
			err = fmt.Errorf("postgres: schema version %d (%v), this collector needs %d: run 'bmpstream migrate'", v, err, len(ms))
			s.setReady(err)
			return err
		}
	} else {
		if applied, err := Migrate(ctx, conn); err != nil {
			conn.Close(ctx)
			s.setReady(err)
			return err
		} else if len(applied) > 0 {
			glog.Infof("sink=postgres event=migrated versions=%v", applied)
		}
	}
	if _, err := conn.Exec(ctx, stageSQL+"; "+attrsStageSQL); err != nil {
		conn.Close(ctx)
		s.setReady(err)
		return fmt.Errorf("postgres: %w", err)
	}
	s.ap.conn = conn
	clear(s.ap.knownAttrs) // the database may have changed while disconnected
	clear(s.partDays)
	if err := s.maintain(ctx); err != nil {
		conn.Close(ctx)
		s.ap.conn = nil
		s.setReady(err)
		return err
	}
	s.ready.Store(nil)
	return nil
}

// maintain creates the partitions from today to PartitionsAhead days ahead and drops
// those past the retention.
func (s *Sink) maintain(ctx context.Context) error {
	now := s.opts.Now()
	n, err := ensurePartitions(ctx, s.ap.conn, now, now.Add(time.Duration(s.opts.PartitionsAhead)*day))
	s.stats.PartitionsCreated.Add(uint64(n))
	if err != nil {
		return err
	}
	for d := dayOf(now); !d.After(dayOf(now.Add(time.Duration(s.opts.PartitionsAhead) * day))); d = d.Add(day) {
		s.partDays[d.Unix()] = true
	}
	if s.opts.Retention > 0 {
		dropped, err := dropPartitions(ctx, s.ap.conn, now.Add(-s.opts.Retention))
		s.stats.PartitionsDropped.Add(uint64(len(dropped)))
		if len(dropped) > 0 {
			glog.Infof("sink=postgres event=retention dropped=%v", dropped)
			clear(s.partDays) // a dropped day comes back if late records need it
		}
		if err != nil {
			return err
		}
	}
	s.lastMaint = now
	return nil
}

// Maintain runs the partition maintenance now (tests, and operators' tools).
func (s *Sink) Maintain(ctx context.Context) error { return s.control(ctx, s.maintainNow) }

// Aggregate refreshes the hourly aggregates now (after committing what is pending).
func (s *Sink) Aggregate(ctx context.Context) error { return s.control(ctx, s.aggregate) }

// control runs fn in the writer goroutine once everything queued before is stored.
func (s *Sink) control(ctx context.Context, fn func() error) error {
	s.push()
	done := make(chan error, 1)
	select {
	case s.in <- []item{{kind: kindControl, control: fn, result: done}}:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func isDataError(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || len(pe.Code) < 2 {
		return false
	}
	switch pe.Code[:2] {
	case "22", "23": // data exception, integrity constraint violation
		return true
	}
	return pe.Code == "54000" // program limit exceeded (a value too large)
}

var (
	_ publisher.Sink   = (*Sink)(nil)
	_ publisher.Needer = (*Sink)(nil)
)

func (s *Sink) setReady(err error) { s.ready.Store(&err) }
