package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/golang/glog"
)

// txTimeout bounds one transaction (a connection that hangs is given up and reopened).
const txTimeout = 2 * time.Minute

// run is the writer goroutine: it gathers converted records into transactions of up to
// BatchSize records, started when that many wait, MaxDelay after the first one arrived,
// or when the publisher queue runs empty (Flush), and runs the maintenance timers.
func (s *Sink) run() {
	defer close(s.done)
	var pending []item
	delay := time.NewTimer(time.Hour)
	delay.Stop()
	agg := time.NewTicker(s.opts.AggregateEvery)
	defer agg.Stop()
	maint := time.NewTicker(s.opts.MaintainEvery)
	defer maint.Stop()
	commit := func() {
		delay.Stop()
		for len(pending) > 0 {
			n := min(len(pending), s.opts.BatchSize)
			s.store(pending[:n])
			pending = pending[n:]
		}
		pending = nil
	}
	for {
		select {
		case items, ok := <-s.in:
			if !ok {
				commit()
				if err := s.aggregate(); err != nil {
					glog.Warningf("sink=postgres event=aggregate_failed err=%q", err)
				}
				if s.ap.conn != nil {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					s.ap.conn.Close(ctx)
					cancel()
				}
				return
			}
			for i := range items {
				switch it := &items[i]; it.kind {
				case kindSync:
					commit()
					close(it.sync)
				case kindControl:
					commit()
					it.result <- it.control()
				default:
					if len(pending) == 0 {
						delay.Reset(s.opts.MaxDelay)
					}
					pending = append(pending, *it)
					if len(pending) >= s.opts.BatchSize {
						commit()
					}
				}
			}
		case <-delay.C:
			commit()
		case <-s.nudge.ch:
			commit()
		case <-agg.C:
			if err := s.aggregate(); err != nil {
				glog.Warningf("sink=postgres event=aggregate_failed err=%q", err)
			}
		case <-maint.C:
			if err := s.maintainNow(); err != nil {
				glog.Warningf("sink=postgres event=maintenance_failed err=%q", err)
			}
		}
	}
}

func (s *Sink) maintainNow() error {
	if s.ap.conn == nil {
		if err := s.reconnect(); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), txTimeout)
	defer cancel()
	return s.maintain(ctx)
}

func (s *Sink) reconnect() error {
	if err := s.connect(context.Background()); err != nil {
		return err
	}
	s.stats.Reconnects.Add(1)
	glog.Infof("sink=postgres event=reconnected")
	return nil
}

// giveUp counts items lost when the deadline has passed.
func (s *Sink) giveUp(items []item, err error) bool {
	s.mu.Lock()
	dl := s.deadline
	s.mu.Unlock()
	if dl.IsZero() || time.Now().Before(dl) {
		return false
	}
	n := uint64(countRecords(items))
	s.stats.Lost.Add(n)
	s.resolved.Add(n)
	s.unreport.Add(n)
	glog.Errorf("sink=postgres event=lost records=%d err=%q", n, err)
	return true
}

func countRecords(items []item) int {
	n := 0
	for i := range items {
		if items[i].kind < kindSync {
			n++
		}
	}
	return n
}

// sleep waits d, or less when SetDeadline is called.
func (s *Sink) sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.wake:
	}
}

// store commits items, reconnecting and retrying until it succeeds (or the deadline
// passes); records the database rejects are isolated by halving and counted.
func (s *Sink) store(items []item) {
	backoff := s.opts.BackoffMin
	for {
		err := s.tryStore(items)
		if err == nil {
			return
		}
		if isDataError(err) {
			if len(items) == 1 {
				s.reject(1, err)
				return
			}
			mid := len(items) / 2
			s.store(items[:mid])
			s.store(items[mid:])
			return
		}
		s.stats.Retries.Add(1)
		glog.Warningf("sink=postgres event=retry records=%d backoff=%s err=%q", len(items), backoff, err)
		s.setReady(err)
		if s.ap.conn != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			s.ap.conn.Close(ctx)
			cancel()
			s.ap.conn = nil
		}
		if s.giveUp(items, err) {
			return
		}
		s.sleep(backoff)
		backoff = min(2*backoff, s.opts.BackoffMax)
	}
}

func (s *Sink) tryStore(items []item) error {
	if s.ap.conn == nil {
		if err := s.reconnect(); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), txTimeout)
	defer cancel()
	// Partitions for the days of these records (normally today, created ahead).
	for i := range items {
		d := dayOf(items[i].ts)
		if !s.partDays[d.Unix()] {
			n, err := ensurePartitions(ctx, s.ap.conn, d, d)
			if err != nil {
				return err
			}
			s.stats.PartitionsCreated.Add(uint64(n))
			s.partDays[d.Unix()] = true
		}
	}
	res, err := s.ap.apply(ctx, items)
	if err != nil {
		return err
	}
	s.ap.remember(res.attrs)
	for _, h := range res.hours {
		s.hours[h.Unix()] = struct{}{}
	}
	s.stats.Transactions.Add(1)
	s.stats.Records.Add(uint64(res.applied))
	s.stats.Skipped.Add(uint64(res.skipped))
	s.resolved.Add(uint64(res.applied + res.skipped))
	return nil
}

// aggregateSQL recomputes one hour of stats_peer_hourly from ip_rib_log and
// peer_event_log (idempotent: the hour's rows are replaced).
const aggregateSQL = `INSERT INTO stats_peer_hourly AS s
	(interval_time, router_hash_id, peer_hash_id, announcements, withdrawals, unique_prefixes, peers_up)
	SELECT $1::timestamptz, router_hash_id, peer_hash_id, sum(a), sum(w), sum(u), sum(up) FROM (
		SELECT router_hash_id, peer_hash_id, count(*) FILTER (WHERE NOT iswithdrawn) AS a,
			count(*) FILTER (WHERE iswithdrawn) AS w, count(DISTINCT prefix) AS u, 0 AS up
		FROM ip_rib_log WHERE timestamp >= $1 AND timestamp < $1::timestamptz + interval '1 hour'
		GROUP BY router_hash_id, peer_hash_id
		UNION ALL
		SELECT router_hash_id, peer_hash_id, 0, 0, 0, count(*)
		FROM peer_event_log WHERE state = 'up' AND timestamp >= $1 AND timestamp < $1::timestamptz + interval '1 hour'
		GROUP BY router_hash_id, peer_hash_id) x
	GROUP BY router_hash_id, peer_hash_id
	ON CONFLICT (interval_time, router_hash_id, peer_hash_id) DO UPDATE SET
		announcements = EXCLUDED.announcements, withdrawals = EXCLUDED.withdrawals,
		unique_prefixes = EXCLUDED.unique_prefixes, peers_up = EXCLUDED.peers_up`

// aggregate refreshes the hourly aggregates of the hours that received records.
func (s *Sink) aggregate() error {
	if len(s.hours) == 0 {
		return nil
	}
	if s.ap.conn == nil {
		return errors.New("postgres: not connected")
	}
	ctx, cancel := context.WithTimeout(context.Background(), txTimeout)
	defer cancel()
	for h := range s.hours {
		t := time.Unix(h, 0).UTC()
		if d := dayOf(t); !s.partDays[d.Unix()] {
			n, err := ensurePartitions(ctx, s.ap.conn, d, d)
			if err != nil {
				return err
			}
			s.stats.PartitionsCreated.Add(uint64(n))
			s.partDays[d.Unix()] = true
		}
		if _, err := s.ap.conn.Exec(ctx, aggregateSQL, t); err != nil {
			return fmt.Errorf("hour %s: %w", t.Format(time.RFC3339), err)
		}
		delete(s.hours, h)
		s.stats.Aggregated.Add(1)
	}
	return nil
}
