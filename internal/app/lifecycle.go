package app

import (
	"context"
	"fmt"
	"os"

	"github.com/golang/glog"

	"github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/pkg/publisher"
)

// drainResult is how the shutdown went.
type drainResult struct {
	// abandoned is set when the sinks had not finished when the deadline passed.
	abandoned bool
	closeErr  error
}

// drain runs the shutdown that follows SIGTERM/SIGINT, all within one deadline
// (--shutdown-timeout, or until a second signal): the server stops accepting and every
// session hands the records of the messages it has read to the publishers; then the
// queues are drained and the sinks flushed and closed. Records still blocked when the
// deadline passes are counted (dropped or pending), never silently lost: see report.
func drain(rt *Runtime, srv *server.Server, pub publisher.Publisher, sig <-chan os.Signal) drainResult {
	rt.phase.Store(phaseStopping)
	ctx, cancel := context.WithTimeout(context.Background(), rt.Options.ShutdownTimeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	rt.beginShutdown(deadline) // sinks that retry learn when to give up
	go func() {
		select {
		case s := <-sig:
			glog.Warningf("event=shutdown_forced signal=%s", s)
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := srv.Shutdown(ctx); err != nil {
		glog.Errorf("event=shutdown_timeout stage=sessions err=%q", err)
	}
	closed := make(chan error, 1)
	go func() { closed <- pub.Close() }()
	select {
	case err := <-closed:
		return drainResult{closeErr: err}
	case <-ctx.Done():
		glog.Errorf("event=shutdown_timeout stage=sinks err=%q", ctx.Err())
		return drainResult{abandoned: true}
	}
}

// report logs one line per sink and a final event=stopped line with the totals, and
// returns an error when any record was not delivered: dropped (full queue with the drop
// policy, or given up at the deadline), reported lost by a sink, or still queued when the
// deadline passed.
func (res drainResult) report(rt *Runtime, srv *server.Server) error {
	var dropped, failed, pending uint64
	for _, q := range rt.Queues {
		st := &q.Stats
		p := st.Pending()
		if pd, ok := q.Sink().(publisher.Pender); ok {
			p += pd.Pending() // accepted by the sink's Write, not yet delivered
		}
		d, f := st.Dropped.Load(), st.Failed.Load()
		dropped, failed, pending = dropped+d, failed+f, pending+p
		event, logf := "sink_closed", glog.Infof
		if res.abandoned && p > 0 {
			event, logf = "sink_abandoned", glog.Errorf
		}
		logf("sink=%s event=%s records_written=%d records_failed=%d records_dropped=%d records_pending=%d",
			q.Sink().Name(), event, st.Records.Load()-f, f, d, p)
	}
	var messages, records uint64
	for i := range rt.Counters.Messages {
		messages += rt.Counters.Messages[i].Load()
	}
	for i := range rt.Counters.Records {
		records += rt.Counters.Records[i].Load()
	}
	undelivered := dropped + failed + pending
	glog.Infof("event=stopped sessions=%d messages=%d records=%d bytes=%d records_undelivered=%d",
		srv.Stats.Total.Load(), messages, records, srv.Stats.BytesRead.Load(), undelivered)
	if undelivered > 0 {
		return fmt.Errorf("%d records not delivered (dropped %d, failed %d, still queued at the deadline %d)",
			undelivered, dropped, failed, pending)
	}
	return res.closeErr
}
