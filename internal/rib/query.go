package rib

import (
	"cmp"
	"errors"
	"net/netip"
	"slices"
	"time"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// Match says how a query's prefix selects routes.
type Match uint8

const (
	// MatchAll ignores the prefix: every route (of the selected families).
	MatchAll Match = iota
	// MatchExact selects the prefix itself.
	MatchExact
	// MatchLongest selects, per table, the longest prefix that covers the query prefix
	// (an address is a /32 or /128).
	MatchLongest
	// MatchMoreSpecific selects the prefix and every prefix inside it.
	MatchMoreSpecific
	// MatchLessSpecific selects the prefix and every prefix that covers it.
	MatchLessSpecific
)

var matchNames = []string{"all", "exact", "longest", "more-specific", "less-specific"}

func (m Match) String() string {
	if int(m) < len(matchNames) {
		return matchNames[m]
	}
	return "unknown"
}

// ParseMatch parses a match name (as String returns it).
func ParseMatch(s string) (Match, bool) {
	for i, n := range matchNames {
		if n == s {
			return Match(i), true
		}
	}
	return 0, false
}

// Query selects routes. Zero fields do not filter.
type Query struct {
	Prefix netip.Prefix
	Match  Match
	// Router matches a router's hash, IP address or name; Peer a peer's hash or IP.
	Router, Peer string
	Views        []View
	Families     []Family
	OriginAS     uint32
	ASInPath     uint32
	Community    *record.Community
	Large        *record.LargeCommunity
	// Offset skips that many matching routes; Limit caps the answer (MaxLimit at most).
	Offset, Limit int
}

// MaxLimit is the largest page Routes returns.
const MaxLimit = 10000

// ErrBadQuery wraps the errors of queries that cannot be answered as asked.
var ErrBadQuery = errors.New("bad query")

// Route is one path of a route as a query returns it.
type Route struct {
	RouterHash string
	RouterIP   netip.Addr
	RouterName string
	Peer       PeerInfo
	View       View
	Table      string
	Family     Family
	RD         string
	Prefix     netip.Prefix
	EVPN       string
	PathID     uint32
	Attrs      *Attrs
	Since      time.Time
	Stale      bool
}

// Key is a route's identity as text (for tests and diffs).
func (r *Route) Key() string {
	p := r.Prefix.String()
	if r.EVPN != "" {
		p = r.EVPN
	}
	return r.RouterHash + "|" + r.Peer.Hash + "|" + r.View.String() + "|" + r.Table + "|" + r.Family.String() + "|" + r.RD + "|" + p + "|" + itoa(uint64(r.PathID))
}

// PeerInfo describes a peer and its route counts.
type PeerInfo struct {
	RouterHash string
	RouterIP   netip.Addr
	Hash       string
	IP         netip.Addr
	ASN        uint32
	BGPID      netip.Addr
	RD         string
	Type       uint8
	State      PeerState
	Since      time.Time
	Counts     []Count
}

// Count is the number of paths and prefixes of one table of a peer.
type Count struct {
	View   View
	Table  string
	Family Family
	Paths  int
	EOR    bool
}

// RouterInfo describes a router.
type RouterInfo struct {
	Hash       string
	IP         netip.Addr
	Name       string
	Up         bool
	Since      time.Time
	Peers      int
	Paths      int64
	Incomplete bool
	Dropped    uint64
}

// Routers lists the routers, by IP address.
func (t *Table) Routers() []RouterInfo {
	rs := t.routerList()
	out := make([]RouterInfo, 0, len(rs))
	for _, r := range rs {
		r.mu.RLock()
		out = append(out, RouterInfo{Hash: r.Hash, IP: r.IP, Name: r.name, Up: r.up, Since: r.since, Peers: len(r.peers),
			Paths: r.routes.Load(), Incomplete: r.incomplete.Load(), Dropped: r.dropped.Load()})
		r.mu.RUnlock()
	}
	return out
}

func (t *Table) routerList() []*Router {
	t.mu.RLock()
	rs := make([]*Router, 0, len(t.routers))
	for _, r := range t.routers {
		rs = append(rs, r)
	}
	t.mu.RUnlock()
	slices.SortFunc(rs, func(a, b *Router) int {
		if c := a.IP.Compare(b.IP); c != 0 {
			return c
		}
		return cmp.Compare(a.Hash, b.Hash)
	})
	return rs
}

func (r *Router) peerList() []*Peer {
	r.mu.RLock()
	ps := make([]*Peer, 0, len(r.peers))
	for _, p := range r.peers {
		ps = append(ps, p)
	}
	r.mu.RUnlock()
	slices.SortFunc(ps, func(a, b *Peer) int {
		if c := a.IP.Compare(b.IP); c != 0 {
			return c
		}
		return cmp.Compare(a.Hash, b.Hash)
	})
	return ps
}

func (r *Router) matches(s string) bool {
	if s == "" || s == r.Hash || s == r.IP.String() {
		return true
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return s == r.name
}

func (p *Peer) matches(s string) bool { return s == "" || s == p.Hash || s == p.IP.String() }

// info returns p's description; p.mu must be held (read).
func (p *Peer) info(r *Router, counts bool) PeerInfo {
	pi := PeerInfo{RouterHash: r.Hash, RouterIP: r.IP, Hash: p.Hash, IP: p.IP, ASN: p.ASN, BGPID: p.BGPID, RD: p.RD, Type: p.Type, State: p.state, Since: p.since}
	if counts {
		for k, tb := range p.tables {
			pi.Counts = append(pi.Counts, Count{View: k.View, Table: k.Table, Family: k.Fam, Paths: tb.paths})
		}
		// VPN tables are kept per RD: sum them per family
		pi.Counts = mergeCounts(pi.Counts)
		for i := range pi.Counts {
			c := &pi.Counts[i]
			c.EOR = p.eor[ribKey{View: c.View, Table: c.Table, Fam: c.Family}]
		}
	}
	return pi
}

func mergeCounts(cs []Count) []Count {
	slices.SortFunc(cs, func(a, b Count) int {
		return cmp.Or(cmp.Compare(a.View, b.View), cmp.Compare(a.Table, b.Table), cmp.Compare(a.Family.AFI, b.Family.AFI), cmp.Compare(a.Family.SAFI, b.Family.SAFI))
	})
	out := cs[:0]
	for _, c := range cs {
		if n := len(out); n > 0 && out[n-1].View == c.View && out[n-1].Table == c.Table && out[n-1].Family == c.Family {
			out[n-1].Paths += c.Paths
			continue
		}
		out = append(out, c)
	}
	return out
}

// Peers lists the peers of the routers that router selects (all when empty).
func (t *Table) Peers(router string) []PeerInfo {
	var out []PeerInfo
	for _, r := range t.routerList() {
		if !r.matches(router) {
			continue
		}
		for _, p := range r.peerList() {
			p.mu.RLock()
			out = append(out, p.info(r, true))
			p.mu.RUnlock()
		}
	}
	return out
}

func (q *Query) check() error {
	if q.Match > MatchLessSpecific {
		return errors.Join(ErrBadQuery, errors.New("unknown match"))
	}
	if q.Match != MatchAll && !q.Prefix.IsValid() {
		return errors.Join(ErrBadQuery, errors.New("match "+q.Match.String()+" needs a prefix"))
	}
	if q.Limit < 0 || q.Limit > MaxLimit {
		return errors.Join(ErrBadQuery, errors.New("page size over "+itoa(MaxLimit)))
	}
	if q.Offset < 0 {
		return errors.Join(ErrBadQuery, errors.New("negative offset"))
	}
	for _, v := range q.Views {
		if v >= numViews {
			return errors.Join(ErrBadQuery, errors.New("unknown view"))
		}
	}
	return nil
}

func (q *Query) keepTable(k ribKey) bool {
	if len(q.Views) > 0 && !slices.Contains(q.Views, k.View) {
		return false
	}
	if len(q.Families) > 0 && !slices.Contains(q.Families, k.Fam) {
		return false
	}
	if q.Match != MatchAll && k.Fam != EVPNFamily {
		if (k.Fam.AFI == 1) != q.Prefix.Addr().Is4() {
			return false
		}
	}
	return true
}

func (q *Query) keepAttrs(a *Attrs) bool {
	if q.OriginAS != 0 && (!a.HasOrigin || a.OriginAS != q.OriginAS) {
		return false
	}
	if q.ASInPath != 0 && !slices.Contains(a.ASPath, q.ASInPath) {
		return false
	}
	if q.Community != nil && !slices.Contains(a.Communities, *q.Community) {
		return false
	}
	if q.Large != nil && !slices.Contains(a.Large, *q.Large) {
		return false
	}
	return true
}

// prefixMatch reports whether a route prefix p matches the query (MatchLongest is
// handled per table).
func (q *Query) prefixMatch(p netip.Prefix) bool {
	switch q.Match {
	case MatchAll:
		return true
	case MatchExact:
		return p == q.Prefix
	case MatchMoreSpecific:
		return p.IsValid() && p.Bits() >= q.Prefix.Bits() && q.Prefix.Contains(p.Addr())
	case MatchLessSpecific, MatchLongest:
		return p.IsValid() && p.Bits() <= q.Prefix.Bits() && p.Contains(q.Prefix.Addr())
	}
	return false
}

// Routes answers q: up to q.Limit routes (100 when 0) after skipping q.Offset matches, in
// a stable order (router, peer, view, table, family, RD, prefix, path id), and whether
// more matches follow. Each peer's routes are collected under that peer's read lock only.
func (t *Table) Routes(q Query) (routes []Route, more bool, err error) {
	if err := q.check(); err != nil {
		return nil, false, err
	}
	if q.Limit == 0 {
		q.Limit = 100
	}
	if q.Prefix.IsValid() {
		q.Prefix = q.Prefix.Masked()
	}
	skip, want := q.Offset, q.Limit+1
	for _, r := range t.routerList() {
		if !r.matches(q.Router) {
			continue
		}
		r.mu.RLock()
		rname := r.name
		r.mu.RUnlock()
		for _, p := range r.peerList() {
			if !p.matches(q.Peer) {
				continue
			}
			p.mu.RLock()
			pi := p.info(r, false)
			keys := make([]ribKey, 0, len(p.tables))
			for k := range p.tables {
				if q.keepTable(k) {
					keys = append(keys, k)
				}
			}
			slices.SortFunc(keys, func(a, b ribKey) int {
				return cmp.Or(cmp.Compare(a.View, b.View), cmp.Compare(a.Table, b.Table), cmp.Compare(a.Fam.AFI, b.Fam.AFI),
					cmp.Compare(a.Fam.SAFI, b.Fam.SAFI), cmp.Compare(a.RD, b.RD))
			})
			add := func(k ribKey, pfx netip.Prefix, evpn string, pa *path) bool {
				if !q.keepAttrs(pa.a) {
					return true
				}
				if skip > 0 {
					skip--
					return true
				}
				routes = append(routes, Route{RouterHash: r.Hash, RouterIP: r.IP, RouterName: rname, Peer: pi, View: k.View, Table: k.Table,
					Family: k.Fam, RD: k.RD, Prefix: pfx, EVPN: evpn, PathID: pa.id, Attrs: pa.a, Since: pa.time(), Stale: pa.ts&staleBit != 0})
				return len(routes) < want
			}
			done := false
			for _, k := range keys {
				if done = !t.walk(p.tables[k], k, &q, add); done {
					break
				}
			}
			p.mu.RUnlock()
			if done {
				return routes[:q.Limit], true, nil
			}
		}
	}
	return routes, false, nil
}

// walk calls add for the paths of tb that match q, in order, until add returns false; it
// returns false then.
func (t *Table) walk(tb *table, k ribKey, q *Query, add func(k ribKey, pfx netip.Prefix, evpn string, pa *path) bool) bool {
	paths := func(pfx netip.Prefix, evpn string, e *entry) bool {
		ok := true
		e.paths(func(pa *path) bool { ok = add(k, pfx, evpn, pa); return ok })
		return ok
	}
	if tb.evpn != nil {
		keys := make([]string, 0, len(tb.evpn))
		for d, er := range tb.evpn {
			if q.Match == MatchAll || q.prefixMatch(er.Prefix) {
				keys = append(keys, d)
			}
		}
		slices.Sort(keys)
		for _, d := range keys {
			er := tb.evpn[d]
			if !paths(er.Prefix, d, &er.entry) {
				return false
			}
		}
		return true
	}
	switch q.Match {
	case MatchExact:
		if e, ok := tb.pfx.Get(q.Prefix); ok {
			return paths(q.Prefix, "", &e)
		}
	case MatchLongest:
		if lpm, e, ok := tb.pfx.LookupPrefixLPM(q.Prefix); ok {
			return paths(lpm, "", &e)
		}
	case MatchMoreSpecific:
		for pfx, e := range tb.pfx.Subnets(q.Prefix) {
			if !paths(pfx, "", &e) {
				return false
			}
		}
	case MatchLessSpecific:
		var sup []netip.Prefix
		for pfx := range tb.pfx.Supernets(q.Prefix) {
			sup = append(sup, pfx)
		}
		slices.SortFunc(sup, func(a, b netip.Prefix) int { return cmp.Compare(a.Bits(), b.Bits()) })
		for _, pfx := range sup {
			e, _ := tb.pfx.Get(pfx)
			if !paths(pfx, "", &e) {
				return false
			}
		}
	default:
		for pfx, e := range tb.pfx.AllSorted() {
			if !paths(pfx, "", &e) {
				return false
			}
		}
	}
	return true
}

// Count is the number of paths that match q (Offset and Limit ignored).
func (t *Table) Count(q Query) (int, error) {
	q.Offset, q.Limit = 0, 0
	if err := q.check(); err != nil {
		return 0, err
	}
	if q.Prefix.IsValid() {
		q.Prefix = q.Prefix.Masked()
	}
	n := 0
	for _, r := range t.routerList() {
		if !r.matches(q.Router) {
			continue
		}
		for _, p := range r.peerList() {
			if !p.matches(q.Peer) {
				continue
			}
			p.mu.RLock()
			for k, tb := range p.tables {
				if !q.keepTable(k) {
					continue
				}
				if q.Match == MatchAll && q.OriginAS == 0 && q.ASInPath == 0 && q.Community == nil && q.Large == nil {
					n += tb.paths
					continue
				}
				t.walk(tb, k, &q, func(_ ribKey, _ netip.Prefix, _ string, pa *path) bool {
					if q.keepAttrs(pa.a) {
						n++
					}
					return true
				})
			}
			p.mu.RUnlock()
		}
	}
	return n, nil
}
