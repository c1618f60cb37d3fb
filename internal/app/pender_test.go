package app

import (
	"strings"
	"testing"

	"github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// holdingSink accepts every batch and holds its records (as a batching sink does).
type holdingSink struct{ held uint64 }

func (h *holdingSink) Name() string { return "holding" }
func (h *holdingSink) Write(b *record.Batch) error {
	h.held += uint64(b.Len())
	return nil
}
func (h *holdingSink) Flush() error    { return nil }
func (h *holdingSink) Close() error    { return nil }
func (h *holdingSink) Pending() uint64 { return h.held }

// TestReportCountsSinkPending: records a sink accepted but still holds when the shutdown
// gives up are reported undelivered (publisher.Pender), not lost silently.
func TestReportCountsSinkPending(t *testing.T) {
	o := defaultOptions()
	rt := &Runtime{Options: &o, Counters: &session.Counters{}}
	h := &holdingSink{}
	q := rt.AddSink(h, 4, publisher.Block)
	b := record.NewBatch()
	for range 5 {
		b.Add(&record.Router{Head: record.Head{Action: record.ActionInit}}, record.Meta{Type: record.TypeRouter})
	}
	if err := q.Publish(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{Listen: "127.0.0.1:0"})
	err := drainResult{abandoned: true}.report(rt, srv)
	if err == nil || !strings.Contains(err.Error(), "5 records not delivered") {
		t.Fatalf("report: %v; want the 5 records the sink holds", err)
	}
}
