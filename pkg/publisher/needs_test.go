package publisher

import (
	"testing"

	"github.com/bmpstream/bmpstream/pkg/record"
)

type needSink struct {
	nopSink
	e record.Encodings
}

func (s *needSink) Needs() record.Encodings { return s.e }

type nopSink struct{}

func (nopSink) Name() string                { return "nop" }
func (nopSink) Write(b *record.Batch) error { return nil }
func (nopSink) Flush() error                { return nil }
func (nopSink) Close() error                { return nil }

// TestNeeds: a sink without Needs reads JSON; a Fanout of queues needs the union.
func TestNeeds(t *testing.T) {
	typed := NewQueue(&needSink{e: record.EncTyped}, 1, Block)
	plain := NewQueue(nopSink{}, 1, Block)
	proto := NewQueue(&needSink{e: record.EncProto}, 1, Block)
	defer typed.Close()
	defer plain.Close()
	defer proto.Close()
	for _, c := range []struct {
		f    Fanout
		want record.Encodings
	}{
		{Fanout{}, record.EncJSON},
		{Fanout{plain}, record.EncJSON},
		{Fanout{typed}, record.EncTyped},
		{Fanout{typed, plain}, record.EncJSON | record.EncTyped},
		{Fanout{typed, proto}, record.EncProto | record.EncTyped},
	} {
		if got := c.f.Needs(); got != c.want {
			t.Errorf("%d publishers: needs %v, want %v", len(c.f), got, c.want)
		}
	}
}
