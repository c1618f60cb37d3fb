package rib

import (
	"net/netip"
	"sync"
	"sync/atomic"
)

// WatchFilter selects the changes a watcher receives; zero fields match everything.
type WatchFilter struct {
	// Prefix matches changes of prefixes that overlap it (equal, more or less specific).
	Prefix     netip.Prefix
	RouterHash string
	PeerHash   string
}

func (f *WatchFilter) match(c *Change) bool {
	if f.RouterHash != "" && f.RouterHash != c.RouterHash {
		return false
	}
	if f.PeerHash != "" && f.PeerHash != c.Peer.Hash {
		return false
	}
	if f.Prefix.IsValid() && (!c.Prefix.IsValid() || !f.Prefix.Overlaps(c.Prefix)) {
		return false
	}
	return true
}

// Watch is a subscription to the table's changes. C is closed when the watcher is closed
// or fell behind (Lagged then reports true): a watcher never slows ingestion down.
type Watch struct {
	C      <-chan Change
	c      chan Change
	filter WatchFilter
	lagged atomic.Bool
	hub    *watchHub
}

// Lagged reports whether the watch was closed because its buffer was full.
func (w *Watch) Lagged() bool { return w.lagged.Load() }

// Close ends the subscription.
func (w *Watch) Close() { w.hub.remove(w, false) }

type watchHub struct {
	n    atomic.Int32
	mu   sync.Mutex
	subs map[*Watch]struct{}
}

func (h *watchHub) active() bool { return h.n.Load() > 0 }

func (h *watchHub) remove(w *Watch, lagged bool) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[w]; !ok {
		return false
	}
	delete(h.subs, w)
	h.n.Add(-1)
	w.lagged.Store(lagged)
	close(w.c)
	return true
}

// Watch subscribes to the changes that match f, with a buffer of buf changes.
func (t *Table) Watch(f WatchFilter, buf int) *Watch {
	if buf <= 0 {
		buf = 1024
	}
	w := &Watch{c: make(chan Change, buf), filter: f, hub: &t.watch}
	w.C = w.c
	h := &t.watch
	h.mu.Lock()
	if h.subs == nil {
		h.subs = make(map[*Watch]struct{})
	}
	h.subs[w] = struct{}{}
	h.n.Add(1)
	h.mu.Unlock()
	return w
}

// emitTo is emit, also appending synthesized removals to res when it collects them.
func (t *Table) emitTo(res *Result, c *Change) {
	if c.Synthesized && res != nil && res.Collect {
		res.Removed = append(res.Removed, *c)
	}
	t.emit(c)
}

// emit hands c to OnRemove (synthesized removals) and to the watchers that match it.
func (t *Table) emit(c *Change) {
	if c.Synthesized && t.cfg.OnRemove != nil {
		t.cfg.OnRemove(c)
	}
	h := &t.watch
	if !h.active() {
		return
	}
	h.mu.Lock()
	var lagged []*Watch
	for w := range h.subs {
		if !w.filter.match(c) {
			continue
		}
		select {
		case w.c <- *c:
		default:
			lagged = append(lagged, w)
		}
	}
	h.mu.Unlock()
	for _, w := range lagged {
		if h.remove(w, true) {
			t.Stats.WatchDropped.Add(1)
		}
	}
}
