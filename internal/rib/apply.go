package rib

import (
	"net/netip"
	"time"

	"github.com/gaissmai/bart"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// Change is one change of the table, as watchers and the synthesized withdrawals see it.
type Change struct {
	// Del is true for a removal (withdrawal, Peer Down, session end), false for an
	// announcement.
	Del bool
	// Synthesized marks a removal that no withdrawal caused (Peer Down, session end).
	Synthesized bool
	RouterHash  string
	RouterIP    netip.Addr
	Peer        *Peer
	View        View
	Table       string
	Family      Family
	RD          string
	Prefix      netip.Prefix // invalid for EVPN routes without an IP prefix
	EVPN        string       // EVPN route description
	PathID      uint32
	Attrs       *Attrs
	Time        time.Time
}

// Apply applies one typed record: Initiation and Termination (router), Peer Up and Peer
// Down, and the routes of the unicast, multicast, labelled unicast, L3VPN and EVPN
// families; other records are counted as ignored. Records of one router must come in
// session order; Apply is called from one goroutine.
func (t *Table) Apply(v record.Value) { t.ApplyResult(v, nil) }

// Result is what applying one record did beyond changing the table.
type Result struct {
	// Duplicate: the record announced a path identical to the stored one (with
	// SuppressDuplicates, the record need not be published).
	Duplicate bool
	// Removed lists the paths the record removed without withdrawing them: Peer Down and
	// Termination (without SuppressDuplicates), the stale-route sweep of an End-of-RIB
	// (with it). Filled only when Collect is set.
	Removed []Change
	Collect bool
}

// ApplyResult is Apply reporting into res (which may be nil).
func (t *Table) ApplyResult(v record.Value, res *Result) {
	if res != nil {
		res.Duplicate = false
		res.Removed = res.Removed[:0]
	}
	switch r := v.(type) {
	case *record.Router:
		t.applyRouter(r, res)
	case *record.Peer:
		t.applyPeer(r, res)
	case *record.UnicastPrefix:
		t.applyUnicast(r, res)
	case *record.L3VPNPrefix:
		t.applyL3VPN(r, res)
	case *record.EVPN:
		t.applyEVPN(r, res)
	default:
		t.Stats.Ignored.Add(1)
		return
	}
	t.Stats.Applied.Add(1)
}

func (t *Table) router(rf *record.RouterFields) *Router {
	t.mu.RLock()
	r := t.routers[rf.RouterHash]
	t.mu.RUnlock()
	if r != nil {
		return r
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if r = t.routers[rf.RouterHash]; r == nil {
		r = &Router{Hash: rf.RouterHash, IP: rf.RouterIP, name: rf.RouterName, peers: make(map[string]*Peer)}
		t.routers[rf.RouterHash] = r
	}
	return r
}

func (t *Table) applyRouter(rec *record.Router, res *Result) {
	switch rec.Action {
	case record.ActionTerm:
		if t.cfg.SuppressDuplicates {
			// keep the routes, stale, until the router dumps them again
			r := t.router(&rec.RouterFields)
			r.mu.Lock()
			r.up = false
			r.mu.Unlock()
			for _, p := range r.peerList() {
				t.markStale(p, rec.CollectorTimestamp)
			}
			return
		}
		t.mu.Lock()
		r := t.routers[rec.RouterHash]
		delete(t.routers, rec.RouterHash)
		t.mu.Unlock()
		if r == nil {
			return
		}
		r.mu.Lock()
		r.up = false
		peers := r.peers
		r.peers = map[string]*Peer{}
		r.mu.Unlock()
		for _, p := range peers {
			t.clearPeer(r, p, rec.CollectorTimestamp, res)
		}
	default: // init
		r := t.router(&rec.RouterFields)
		r.mu.Lock()
		r.up, r.since = true, rec.CollectorTimestamp
		if rec.SysName != "" {
			r.name = rec.SysName
		} else if rec.RouterName != "" {
			r.name = rec.RouterName
		}
		r.mu.Unlock()
	}
}

func (t *Table) peer(r *Router, hash string, init func(p *Peer)) *Peer {
	r.mu.RLock()
	p := r.peers[hash]
	r.mu.RUnlock()
	if p != nil {
		return p
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if p = r.peers[hash]; p == nil {
		p = &Peer{Hash: hash, tables: make(map[ribKey]*table)}
		init(p)
		r.peers[hash] = p
	}
	return p
}

func (t *Table) peerOf(r *Router, pf *record.PeerFields) *Peer {
	return t.peer(r, pf.PeerHash, func(p *Peer) {
		p.IP, p.ASN, p.BGPID, p.RD, p.Type = pf.PeerIP, pf.PeerASN, pf.PeerBGPID, pf.PeerRD, pf.PeerType
	})
}

func (t *Table) applyPeer(rec *record.Peer, res *Result) {
	r := t.router(&rec.RouterFields)
	p := t.peer(r, rec.PeerHash, func(p *Peer) {
		p.IP, p.ASN, p.BGPID, p.RD, p.Type = rec.RemoteIP, rec.RemoteASN, rec.RemoteBGPID, rec.PeerRD, rec.PeerType
	})
	ts := rec.Timestamp
	if ts.IsZero() {
		ts = rec.CollectorTimestamp
	}
	if rec.Action == record.ActionDown {
		if t.cfg.SuppressDuplicates {
			t.markStale(p, rec.CollectorTimestamp)
		} else {
			t.clearPeer(r, p, rec.CollectorTimestamp, res)
		}
		p.mu.Lock()
		p.state, p.since = PeerDown, ts
		p.mu.Unlock()
		return
	}
	p.mu.Lock()
	// the identity fields (IP, ASN, …) are set once, when the peer is created (its hash
	// covers them), and read without the lock
	p.state, p.since = PeerUp, ts
	p.eor = nil
	p.mu.Unlock()
}

// clearPeer removes every route of p (Peer Down, session end).
func (t *Table) clearPeer(r *Router, p *Peer, now time.Time, res *Result) {
	p.mu.Lock()
	tables := p.tables
	p.tables = make(map[ribKey]*table)
	p.eor = nil
	p.mu.Unlock()
	emit := t.watch.active() || t.cfg.OnRemove != nil || (res != nil && res.Collect)
	removed := 0
	for k, tb := range tables {
		if tb.pfx != nil {
			for pfx, e := range tb.pfx.All() {
				e.paths(func(pa *path) bool {
					if emit {
						t.emitTo(res, &Change{Del: true, Synthesized: true, RouterHash: r.Hash, RouterIP: r.IP, Peer: p, View: k.View, Table: k.Table,
							Family: k.Fam, RD: k.RD, Prefix: pfx, PathID: pa.id, Attrs: pa.a, Time: now})
					}
					t.attrs.put(pa.a)
					removed++
					return true
				})
			}
		}
		for _, er := range tb.evpn {
			er.paths(func(pa *path) bool {
				if emit {
					t.emitTo(res, &Change{Del: true, Synthesized: true, RouterHash: r.Hash, RouterIP: r.IP, Peer: p, View: k.View, Table: k.Table,
						Family: k.Fam, RD: k.RD, Prefix: er.Prefix, EVPN: er.Desc, PathID: pa.id, Attrs: pa.a, Time: now})
				}
				t.attrs.put(pa.a)
				removed++
				return true
			})
		}
	}
	r.routes.Add(-int64(removed))
	t.paths.Add(-int64(removed))
	t.Stats.Removed.Add(uint64(removed))
}

func familyOfUnicast(u *record.UnicastPrefix) Family {
	f := Family{AFI: 2, SAFI: 1}
	if u.IsIPv4 {
		f.AFI = 1
	}
	switch {
	case u.Kind == record.TypeMulticastPrefix:
		f.SAFI = 2
	case len(u.Labels) > 0:
		f.SAFI = 4
	}
	return f
}

func prefixOf(a netip.Addr, l *uint8) (netip.Prefix, bool) {
	if !a.IsValid() || l == nil {
		return netip.Prefix{}, false
	}
	p, err := a.Prefix(int(*l))
	return p, err == nil
}

func pathID(p *uint32) uint32 {
	if p == nil {
		return 0
	}
	return *p
}

func (t *Table) applyUnicast(u *record.UnicastPrefix, res *Result) {
	r := t.router(&u.RouterFields)
	p := t.peerOf(r, &u.PeerFields)
	fam := familyOfUnicast(u)
	k := ribKey{View: ViewOf(&u.RIBFlags), Table: u.TableName, Fam: fam}
	if u.IsEOR {
		t.eor(r, p, ribKey{View: k.View, Table: k.Table, Fam: Family{u.AFI, u.SAFI}}, u.CollectorTimestamp, res)
		return
	}
	pfx, ok := prefixOf(u.Prefix, u.PrefixLen)
	if !ok {
		t.Stats.Ignored.Add(1)
		return
	}
	id := pathID(u.PathID)
	if u.Action == record.ActionDel {
		if !t.delPrefix(r, p, k, pfx, id, u.CollectorTimestamp) && (fam.SAFI == 1 || fam.SAFI == 4) {
			// a labelled unicast withdrawal may come without its label, and the other way
			k.Fam.SAFI = 5 - fam.SAFI
			t.delPrefix(r, p, k, pfx, id, u.CollectorTimestamp)
		}
		return
	}
	ra := routeAttrs{base: u.BaseAttrs, nh: u.Nexthop, nhLL: u.NexthopLinkLocal, labels: u.Labels, ov: u.OriginValidation, origin: u.OriginAS}
	t.addPrefix(r, p, k, pfx, id, &ra, u.CollectorTimestamp, res)
}

func (t *Table) applyL3VPN(v *record.L3VPNPrefix, res *Result) {
	r := t.router(&v.RouterFields)
	p := t.peerOf(r, &v.PeerFields)
	fam := IPv6VPN
	if v.IsIPv4 {
		fam = IPv4VPN
	}
	k := ribKey{View: ViewOf(&v.RIBFlags), Table: v.TableName, Fam: fam, RD: v.VPNRD}
	if v.IsEOR {
		t.eor(r, p, ribKey{View: k.View, Table: k.Table, Fam: Family{v.AFI, v.SAFI}}, v.CollectorTimestamp, res)
		return
	}
	pfx, ok := prefixOf(v.Prefix, v.PrefixLen)
	if !ok {
		t.Stats.Ignored.Add(1)
		return
	}
	id := pathID(v.PathID)
	if v.Action == record.ActionDel {
		t.delPrefix(r, p, k, pfx, id, v.CollectorTimestamp)
		return
	}
	ra := routeAttrs{base: v.BaseAttrs, nh: v.Nexthop, nhLL: v.NexthopLinkLocal, labels: v.Labels, ov: v.OriginValidation, origin: v.OriginAS}
	t.addPrefix(r, p, k, pfx, id, &ra, v.CollectorTimestamp, res)
}

func (t *Table) eor(r *Router, p *Peer, k ribKey, now time.Time, res *Result) {
	p.mu.Lock()
	if p.eor == nil {
		p.eor = make(map[ribKey]bool)
	}
	p.eor[k] = true
	p.mu.Unlock()
	if t.cfg.SuppressDuplicates {
		// the routes of this view and family not announced again since the Peer Down
		t.sweep(r, p, func(tk ribKey) bool { return tk.View == k.View && tk.Table == k.Table && tk.Fam == k.Fam }, now, res)
	}
}

// admit reports whether r may take one more path, counting and logging a refusal.
func (t *Table) admit(r *Router) bool {
	max := t.cfg.MaxRoutesPerRouter
	if max <= 0 || r.routes.Load() < int64(max) {
		return true
	}
	t.Stats.Dropped.Add(1)
	r.dropped.Add(1)
	if !r.incomplete.Swap(true) && t.cfg.Logf != nil {
		t.cfg.Logf("rib: router %s reached --rib-max-routes-per-router=%d; its table is incomplete, further new routes are dropped (counted)", r.IP, max)
	}
	return false
}

func (t *Table) addPrefix(r *Router, p *Peer, k ribKey, pfx netip.Prefix, id uint32, ra *routeAttrs, now time.Time, res *Result) {
	a := t.attrs.get(ra)
	np := path{a: a, id: id, ts: stamp(now)}
	p.mu.Lock()
	tb := p.tables[k]
	if tb == nil {
		tb = &table{pfx: new(bart.Table[entry])}
		p.tables[k] = tb
	}
	// one traversal: find, decide and write the entry in bart's Modify callback
	var old *Attrs
	var replaced, dup, rejected bool
	tb.pfx.Modify(pfx, func(e entry, ok bool) (entry, bool) {
		if ok && t.cfg.SuppressDuplicates {
			if cur := e.find(id); cur != nil && cur.a == a {
				// the same path again: keep its age, no longer stale
				dup = true
				cur.ts &^= staleBit
				return e, false
			}
		}
		if (!ok || !e.has(id)) && !t.admit(r) {
			rejected = true
			return e, !ok // nothing to insert; an existing entry stays
		}
		old, replaced = e.set(np)
		return e, false
	})
	if dup || rejected {
		p.mu.Unlock()
		t.attrs.put(a)
		if dup {
			t.Stats.Duplicates.Add(1)
			if res != nil {
				res.Duplicate = true
			}
		}
		return
	}
	if !replaced {
		tb.paths++
	}
	p.mu.Unlock()
	if replaced {
		t.attrs.put(old)
	} else {
		r.routes.Add(1)
		t.paths.Add(1)
	}
	if t.watch.active() {
		t.emit(&Change{RouterHash: r.Hash, RouterIP: r.IP, Peer: p, View: k.View, Table: k.Table, Family: k.Fam, RD: k.RD, Prefix: pfx, PathID: id, Attrs: a, Time: now})
	}
}

// find returns the path with id (pointing into e), or nil.
func (e *entry) find(id uint32) *path {
	var found *path
	e.paths(func(p *path) bool {
		if p.id == id {
			found = p
		}
		return found == nil
	})
	return found
}

func (e *entry) has(id uint32) bool {
	found := false
	e.paths(func(p *path) bool {
		found = p.id == id
		return !found
	})
	return found
}

func (t *Table) delPrefix(r *Router, p *Peer, k ribKey, pfx netip.Prefix, id uint32, now time.Time) bool {
	p.mu.Lock()
	tb := p.tables[k]
	if tb == nil {
		p.mu.Unlock()
		return false
	}
	var old *Attrs
	found := false
	tb.pfx.Modify(pfx, func(e entry, ok bool) (entry, bool) {
		if !ok {
			return e, true
		}
		old, found = e.del(id)
		return e, e.a == nil
	})
	if !found {
		p.mu.Unlock()
		return false
	}
	tb.paths--
	if tb.paths == 0 {
		delete(p.tables, k)
	}
	p.mu.Unlock()
	r.routes.Add(-1)
	t.paths.Add(-1)
	if t.watch.active() {
		t.emit(&Change{Del: true, RouterHash: r.Hash, RouterIP: r.IP, Peer: p, View: k.View, Table: k.Table, Family: k.Fam, RD: k.RD, Prefix: pfx, PathID: id, Attrs: old, Time: now})
	}
	t.attrs.put(old)
	return true
}
