// Package rib keeps the route table of --rib: per router session, per peer, per RIB view
// (Adj-RIB-In pre/post-policy, Adj-RIB-Out pre/post-policy, Loc-RIB with its table name)
// and per address family, the routes each router reported, with their attribute sets
// interned and reference-counted. Prefix families live in github.com/gaissmai/bart tables
// (exact, longest-prefix, more- and less-specific lookups); EVPN routes, which have no
// prefix key, in a map keyed by the route hash.
//
// The table is fed typed records (Apply) by one goroutine, in each session's order, and
// read by any number of query goroutines. Locking is sharded per peer: a writer holds one
// peer's lock for one route, a reader holds one peer's read lock while it collects that
// peer's matches, never a lock over the whole table (see docs/rib.md).
package rib

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gaissmai/bart"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// View is a RIB view of BMP.
type View uint8

const (
	AdjInPre View = iota
	AdjInPost
	AdjOutPre
	AdjOutPost
	LocRIB
	numViews
)

var viewNames = [numViews]string{"adj-in-pre", "adj-in-post", "adj-out-pre", "adj-out-post", "loc-rib"}

func (v View) String() string {
	if v < numViews {
		return viewNames[v]
	}
	return "unknown"
}

// ParseView parses a view name (as String returns it).
func ParseView(s string) (View, bool) {
	for v := View(0); v < numViews; v++ {
		if viewNames[v] == s {
			return v, true
		}
	}
	return 0, false
}

// ViewOf returns the view of a route record's RIB flags.
func ViewOf(f *record.RIBFlags) View {
	switch {
	case f.IsLocRIB:
		return LocRIB
	case f.IsAdjRIBOut && f.IsAdjRIBOutPostPolicy:
		return AdjOutPost
	case f.IsAdjRIBOut:
		return AdjOutPre
	case f.IsAdjRIBInPostPolicy:
		return AdjInPost
	}
	return AdjInPre
}

// Family is an AFI/SAFI pair.
type Family struct {
	AFI  uint16
	SAFI uint8
}

// Families the table keeps.
var (
	IPv4Unicast   = Family{1, 1}
	IPv6Unicast   = Family{2, 1}
	IPv4Multicast = Family{1, 2}
	IPv6Multicast = Family{2, 2}
	IPv4Labeled   = Family{1, 4}
	IPv6Labeled   = Family{2, 4}
	IPv4VPN       = Family{1, 128}
	IPv6VPN       = Family{2, 128}
	EVPNFamily    = Family{25, 70}
)

var familyNames = map[Family]string{
	IPv4Unicast: "ipv4-unicast", IPv6Unicast: "ipv6-unicast",
	IPv4Multicast: "ipv4-multicast", IPv6Multicast: "ipv6-multicast",
	IPv4Labeled: "ipv4-labeled-unicast", IPv6Labeled: "ipv6-labeled-unicast",
	IPv4VPN: "ipv4-vpn", IPv6VPN: "ipv6-vpn", EVPNFamily: "l2vpn-evpn",
}

func (f Family) String() string {
	if s, ok := familyNames[f]; ok {
		return s
	}
	return "afi" + itoa(uint64(f.AFI)) + "-safi" + itoa(uint64(f.SAFI))
}

// ParseFamily parses a family name (as String returns it).
func ParseFamily(s string) (Family, bool) {
	for f, n := range familyNames {
		if n == s {
			return f, true
		}
	}
	return Family{}, false
}

// ribKey identifies one table of a peer.
type ribKey struct {
	View  View
	Table string // Loc-RIB table name
	Fam   Family
	RD    string // VPN families
}

// path is one path of a route: its attribute set, ADD-PATH identifier and when it was
// last announced. Stale (bit 31 of ts) marks a path kept from before a Peer Down or a
// reconnect that was not announced again yet.
type path struct {
	a  *Attrs
	id uint32
	ts uint32 // seconds since epoch0, bit 31: stale
}

const staleBit = 1 << 31

var epoch0 = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func stamp(t time.Time) uint32 {
	s := t.Sub(epoch0) / time.Second
	if s < 0 {
		return 0
	}
	return uint32(s) &^ staleBit
}

func (p path) time() time.Time { return epoch0.Add(time.Duration(p.ts&^staleBit) * time.Second) }

// entry is the value kept per prefix: the first path inline, other ADD-PATH paths behind
// a pointer (24 bytes in all).
type entry struct {
	path
	more *[]path
}

func (e *entry) paths(f func(p *path) bool) {
	if e.a != nil && !f(&e.path) {
		return
	}
	if e.more != nil {
		for i := range *e.more {
			if !f(&(*e.more)[i]) {
				return
			}
		}
	}
}

func (e *entry) count() int {
	n := 0
	if e.a != nil {
		n = 1
	}
	if e.more != nil {
		n += len(*e.more)
	}
	return n
}

// set adds or replaces the path with id; it returns the replaced attribute set (nil when
// the path is new).
func (e *entry) set(p path) (old *Attrs, replaced bool) {
	if e.a != nil && e.id == p.id {
		old = e.a
		e.path = p
		return old, true
	}
	if e.more != nil {
		for i := range *e.more {
			if (*e.more)[i].id == p.id {
				old = (*e.more)[i].a
				(*e.more)[i] = p
				return old, true
			}
		}
	}
	if e.a == nil {
		e.path = p
		return nil, false
	}
	if e.more == nil {
		e.more = new([]path)
	}
	*e.more = append(*e.more, p)
	return nil, false
}

// del removes the path with id and returns its attribute set.
func (e *entry) del(id uint32) (*Attrs, bool) {
	if e.a != nil && e.id == id {
		old := e.a
		if e.more != nil && len(*e.more) > 0 {
			e.path = (*e.more)[len(*e.more)-1]
			*e.more = (*e.more)[:len(*e.more)-1]
			if len(*e.more) == 0 {
				e.more = nil
			}
		} else {
			e.path = path{}
		}
		return old, true
	}
	if e.more != nil {
		for i := range *e.more {
			if (*e.more)[i].id == id {
				old := (*e.more)[i].a
				m := *e.more
				m[i] = m[len(m)-1]
				*e.more = m[:len(m)-1]
				if len(*e.more) == 0 {
					e.more = nil
				}
				return old, true
			}
		}
	}
	return nil, false
}

// evpnRoute is an EVPN route: its description (the route fields as JSON) and paths.
type evpnRoute struct {
	Desc   string
	Prefix netip.Prefix // the type 2 IP or type 5 prefix, when there is one
	entry
}

// table is one (view, table name, family, RD) table of a peer.
type table struct {
	pfx   *bart.Table[entry]
	evpn  map[string]*evpnRoute
	paths int
}

// PeerState is a peer's BMP state.
type PeerState uint8

const (
	PeerUnknown PeerState = iota // routes seen before any Peer Up
	PeerUp
	PeerDown
)

func (s PeerState) String() string {
	return [...]string{"unknown", "up", "down"}[s]
}

// Peer is one monitored BGP peer of a router.
type Peer struct {
	Hash  string
	IP    netip.Addr
	ASN   uint32
	BGPID netip.Addr
	RD    string
	Type  uint8

	mu     sync.RWMutex
	state  PeerState
	since  time.Time
	tables map[ribKey]*table
	// eor holds the (view, family) pairs whose End-of-RIB was seen in this session.
	eor map[ribKey]bool
	// staleAt is when the peer's paths were marked stale (zero: none are).
	staleAt time.Time
}

// Router is one monitored router (one BMP session at a time).
type Router struct {
	Hash string
	IP   netip.Addr

	mu    sync.RWMutex
	name  string
	up    bool
	since time.Time
	peers map[string]*Peer

	routes     atomic.Int64 // paths in all tables of all peers
	incomplete atomic.Bool
	dropped    atomic.Uint64
}

// Config configures a Table.
type Config struct {
	// MaxRoutesPerRouter bounds the paths kept per router (0: no limit). Beyond it, new
	// routes are dropped (counted) and the router is marked incomplete.
	MaxRoutesPerRouter int
	// Logf, when set, receives one line per notable event (limit reached).
	Logf func(format string, args ...any)
	// OnRemove, when set, is called (from Apply's goroutine) for every path a Peer Down or
	// the end of a router session removes: the synthesized withdrawals.
	OnRemove func(c *Change)
	// SuppressDuplicates keeps a peer's routes after its Peer Down (or the router's
	// Termination), marked stale: an announcement identical to a stored path is reported
	// a duplicate (Result.Duplicate), and at the peer's End-of-RIB for a view and family,
	// or StaleTimeout after the Peer Down, the paths not announced again are removed
	// (Result.Removed, OnRemove), as BGP graceful restart does.
	SuppressDuplicates bool
	StaleTimeout       time.Duration
}

// Stats are the table's counters.
type Stats struct {
	Applied      atomic.Uint64 // records applied
	Ignored      atomic.Uint64 // records of types the table does not keep
	Dropped      atomic.Uint64 // routes not kept because of MaxRoutesPerRouter
	Removed      atomic.Uint64 // paths removed by Peer Down / session end
	WatchDropped atomic.Uint64 // watchers closed because they fell behind
	Duplicates   atomic.Uint64 // announcements identical to the stored path
	Swept        atomic.Uint64 // stale paths removed (End-of-RIB or timer)
}

// Table is the route table.
type Table struct {
	cfg   Config
	attrs *attrPool
	Stats Stats

	mu      sync.RWMutex
	routers map[string]*Router
	paths   atomic.Int64
	// sweepers and watchers.
	watch watchHub
}

// New returns an empty table.
func New(cfg Config) *Table {
	return &Table{cfg: cfg, attrs: newAttrPool(), routers: make(map[string]*Router)}
}

// Paths is the number of paths in the table.
func (t *Table) Paths() int64 { return t.paths.Load() }

// RouteBytes is the estimated heap of one path in the prefix tables (entry and bart node
// share; BenchmarkApplyFullTable measures 58 bytes on a full table).
const RouteBytes = 64

// MemoryBytes estimates the table's heap: its paths and interned attribute sets.
func (t *Table) MemoryBytes() int64 {
	return t.paths.Load()*RouteBytes + t.attrs.bytes.Load()
}

// AttrSets is the number of interned attribute sets and their approximate bytes.
func (t *Table) AttrSets() (n, bytes int64) { return t.attrs.n.Load(), t.attrs.bytes.Load() }

func itoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return string(b[i:])
}
