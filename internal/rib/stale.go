package rib

import (
	"net/netip"
	"time"
)

// markStale marks every path of p stale (Peer Down or Termination with
// SuppressDuplicates): they stay, and are queryable with Stale set, until announced again
// or swept.
func (t *Table) markStale(p *Peer, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, tb := range p.tables {
		if tb.pfx != nil {
			var pfxs []netip.Prefix
			for pfx := range tb.pfx.All() {
				pfxs = append(pfxs, pfx)
			}
			for _, pfx := range pfxs {
				e, _ := tb.pfx.Get(pfx)
				e.paths(func(pa *path) bool { pa.ts |= staleBit; return true })
				tb.pfx.Insert(pfx, e)
			}
		}
		for _, er := range tb.evpn {
			er.paths(func(pa *path) bool { pa.ts |= staleBit; return true })
		}
	}
	p.eor = nil
	if p.staleAt.IsZero() {
		p.staleAt = now
	}
}

// sweep removes the stale paths of p's tables that keep selects, reporting each as a
// synthesized removal.
func (t *Table) sweep(r *Router, p *Peer, keep func(ribKey) bool, now time.Time, res *Result) {
	var removed []Change
	p.mu.Lock()
	for k, tb := range p.tables {
		if !keep(k) {
			continue
		}
		if tb.pfx != nil {
			type hit struct {
				pfx netip.Prefix
				id  uint32
			}
			var hits []hit
			for pfx, e := range tb.pfx.All() {
				e.paths(func(pa *path) bool {
					if pa.ts&staleBit != 0 {
						hits = append(hits, hit{pfx, pa.id})
					}
					return true
				})
			}
			for _, h := range hits {
				e, _ := tb.pfx.Get(h.pfx)
				old, _ := e.del(h.id)
				if e.a == nil {
					tb.pfx.Delete(h.pfx)
				} else {
					tb.pfx.Insert(h.pfx, e)
				}
				tb.paths--
				removed = append(removed, Change{Del: true, Synthesized: true, RouterHash: r.Hash, RouterIP: r.IP, Peer: p, View: k.View,
					Table: k.Table, Family: k.Fam, RD: k.RD, Prefix: h.pfx, PathID: h.id, Attrs: old, Time: now})
			}
		}
		for d, er := range tb.evpn {
			var ids []uint32
			er.paths(func(pa *path) bool {
				if pa.ts&staleBit != 0 {
					ids = append(ids, pa.id)
				}
				return true
			})
			for _, id := range ids {
				old, _ := er.del(id)
				tb.paths--
				removed = append(removed, Change{Del: true, Synthesized: true, RouterHash: r.Hash, RouterIP: r.IP, Peer: p, View: k.View,
					Table: k.Table, Family: k.Fam, Prefix: er.Prefix, EVPN: d, PathID: id, Attrs: old, Time: now})
			}
			if er.a == nil {
				delete(tb.evpn, d)
			}
		}
		if tb.paths == 0 {
			delete(p.tables, k)
		}
	}
	stale := false
	for _, tb := range p.tables {
		if tb.hasStale() {
			stale = true
			break
		}
	}
	if !stale {
		p.staleAt = time.Time{}
	}
	p.mu.Unlock()
	for i := range removed {
		t.emitTo(res, &removed[i])
		t.attrs.put(removed[i].Attrs)
	}
	r.routes.Add(-int64(len(removed)))
	t.paths.Add(-int64(len(removed)))
	t.Stats.Swept.Add(uint64(len(removed)))
}

func (tb *table) hasStale() bool {
	found := false
	check := func(pa *path) bool {
		found = pa.ts&staleBit != 0
		return !found
	}
	if tb.pfx != nil {
		for _, e := range tb.pfx.All() {
			if e.paths(check); found {
				return true
			}
		}
	}
	for _, er := range tb.evpn {
		if er.paths(check); found {
			return true
		}
	}
	return false
}

// SweepExpired removes the stale paths of the peers marked stale more than StaleTimeout
// before now (the fallback for routers that send no End-of-RIB), reporting them into res.
func (t *Table) SweepExpired(now time.Time, res *Result) {
	if !t.cfg.SuppressDuplicates || t.cfg.StaleTimeout <= 0 {
		return
	}
	for _, r := range t.routerList() {
		for _, p := range r.peerList() {
			p.mu.RLock()
			at := p.staleAt
			p.mu.RUnlock()
			if !at.IsZero() && now.Sub(at) >= t.cfg.StaleTimeout {
				t.sweep(r, p, func(ribKey) bool { return true }, now, res)
			}
		}
	}
}
