// Package sinktest provides an in-memory publisher.Sink for tests: it keeps every record's
// JSON in the order the queue delivers it, and can stall its writes to exercise
// backpressure.
package sinktest

import (
	"bytes"
	"encoding/json"
	"sync"
	"testing"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// MemSink is a publisher.Sink keeping a copy of every record line.
type MemSink struct {
	mu    sync.Mutex
	lines [][]byte
	// Gate, when set before the first write, blocks every Write until it is closed.
	Gate  chan struct{}
	first chan struct{}
	once  sync.Once
}

// New returns an empty MemSink.
func New() *MemSink { return &MemSink{first: make(chan struct{})} }

func (m *MemSink) Name() string { return "mem" }

func (m *MemSink) Write(b *record.Batch) error {
	m.once.Do(func() {
		if m.first != nil {
			close(m.first)
		}
	})
	if m.Gate != nil {
		<-m.Gate
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := 0; i < b.Len(); i++ {
		m.lines = append(m.lines, bytes.Clone(b.Record(i)))
	}
	return nil
}

func (m *MemSink) Flush() error { return nil }
func (m *MemSink) Close() error { return nil }

// FirstWrite is closed when the first batch reaches the sink (sinks made with New).
func (m *MemSink) FirstWrite() <-chan struct{} { return m.first }

// Len is the number of records received.
func (m *MemSink) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.lines)
}

// Lines returns records [from, to) (to < 0: up to the last one).
func (m *MemSink) Lines(from, to int) [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	if to < 0 || to > len(m.lines) {
		to = len(m.lines)
	}
	return append([][]byte(nil), m.lines[from:to]...)
}

// Records decodes every record received.
func (m *MemSink) Records(t testing.TB) []map[string]any {
	t.Helper()
	lines := m.Lines(0, -1)
	out := make([]map[string]any, len(lines))
	for i, l := range lines {
		if err := json.Unmarshal(l, &out[i]); err != nil {
			t.Fatalf("record %d: %v: %s", i, err, l)
		}
	}
	return out
}
