package postgres

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// itemKind says which tables a converted record goes to.
type itemKind uint8

const (
	kindRoute   itemKind = iota + 1 // ip_rib_log, ip_rib (and base_attrs)
	kindPeer                        // peer_event_log, bgp_peers (and ip_rib on a down)
	kindRouter                      // routers, record_log (and ip_rib on a term)
	kindStats                       // stat_reports
	kindOther                       // record_log
	kindSync                        // control: acknowledge once everything before is stored
	kindControl                     // control: run a function
)

// RIB views (the ip_rib "rib" column).
const (
	ribAdjInPre uint8 = iota
	ribAdjInPost
	ribAdjOutPre
	ribAdjOutPost
	ribLoc
)

// item is one record converted to the rows it becomes; it owns all its memory (nothing
// points into a Batch), so it can wait for a commit and be applied again after a
// reconnect.
type item struct {
	kind         itemKind
	session, seq uint64
	// ts is the collector's receive time (the partition key), rts the router's time.
	ts, rts    time.Time
	routerHash [16]byte
	peerHash   [16]byte

	route  routeRow
	peer   *peerRow
	router *routerRow
	stats  *record.Stats
	other  *otherRow

	sync    chan struct{} // kindSync
	control func() error  // kindControl
	result  chan error
}

type routeRow struct {
	hash      [16]byte
	attrHash  [16]byte
	attrs     *attrsRow // the attribute set of an announcement (shared by one UPDATE's routes)
	rib       uint8
	prefix    netip.Prefix
	originAS  int64
	hasOrigin bool
	withdrawn bool
	synth     bool // a withdrawal the collector synthesized
	isIPv4    bool
	pathID    int64
	labels    string
	nexthop   netip.Addr
}

// attrsRow is one base_attrs row.
type attrsRow struct {
	hash       [16]byte
	peerHash   [16]byte
	ts         time.Time
	originAS   int64
	hasOrigin  bool
	origin     string
	asPath     []uint32
	nexthop    netip.Addr
	nhIPv4     bool
	med, lp    *uint32
	otc        *uint32
	aggregator string
	atomicAgg  bool
	comms      []record.Community
	ext        []string
	large      []record.LargeCommunity
	cluster    []string
	originator netip.Addr
}

type peerRow struct {
	up          bool
	p           *record.Peer
	synthesized bool
	rib         uint8
}

type routerRow struct {
	r *record.Router
}

// otherRow is a record_log row: the record's key columns and its JSON.
type otherRow struct {
	typ      string
	action   string
	rib      int16
	hasRIB   bool
	prefix   netip.Prefix
	rd       string
	labels   string
	hash     [16]byte
	attrHash [16]byte
	data     []byte
}

func ribOf(f *record.RIBFlags) uint8 {
	switch {
	case f.IsLocRIB:
		return ribLoc
	case f.IsAdjRIBOut && f.IsAdjRIBOutPostPolicy:
		return ribAdjOutPost
	case f.IsAdjRIBOut:
		return ribAdjOutPre
	case f.IsAdjRIBInPostPolicy:
		return ribAdjInPost
	}
	return ribAdjInPre
}

// parseHash decodes a 32-hex-digit hash ("" gives the zero hash).
func parseHash(s string) ([16]byte, error) {
	var h [16]byte
	if s == "" {
		return h, nil
	}
	if len(s) != 32 {
		return h, fmt.Errorf("hash %q: want 32 hex digits", s)
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("hash %q: %v", s, err)
	}
	return h, nil
}

func labelText(ls []uint32) string {
	if len(ls) == 0 {
		return ""
	}
	b := make([]byte, 0, 8*len(ls))
	for i, l := range ls {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, uint64(l), 10)
	}
	return string(b)
}

// head fills the common columns from the record's router and peer fields.
func (it *item) head(m *record.Meta, rf *record.RouterFields, pf *record.PeerFields) error {
	it.session, it.seq = m.Session, m.Seq
	it.routerHash, it.peerHash = m.RouterHash, m.PeerHash
	if rf != nil && rf.RouterHash != "" {
		h, err := parseHash(rf.RouterHash)
		if err != nil {
			return err
		}
		it.routerHash = h
	}
	if pf != nil {
		if pf.PeerHash != "" {
			h, err := parseHash(pf.PeerHash)
			if err != nil {
				return err
			}
			it.peerHash = h
		}
		it.ts, it.rts = pf.CollectorTimestamp, pf.Timestamp
	}
	return nil
}

// converter turns typed records into items. It remembers the last attribute set so that
// the routes of one UPDATE share one attrsRow.
type converter struct {
	lastAttrs *attrsRow
	buf       []byte
}

// convert maps one typed record to an item. ok is false for records the sink does not
// store (raw BMP messages).
func (c *converter) convert(m record.Meta, v record.Value) (it item, ok bool, err error) {
	switch r := v.(type) {
	case *record.UnicastPrefix:
		if r.IsEOR || r.PrefixLen == nil || (r.Kind != 0 && r.Kind != record.TypeUnicastPrefix) {
			return c.other(m, r, r.Kind, &r.RouterFields, &r.PeerFields, &r.RIBFlags)
		}
		err = c.route(&it, m, r)
		return it, err == nil, err
	case *record.Peer:
		err = peerItem(&it, m, r)
		return it, err == nil, err
	case *record.Router:
		if err = it.head(&m, &r.RouterFields, nil); err != nil {
			return it, false, err
		}
		it.kind, it.ts = kindRouter, r.CollectorTimestamp
		it.router = &routerRow{r: r}
		c.buf = r.AppendJSON(c.buf[:0])
		it.other = &otherRow{typ: record.TypeRouter.String(), action: r.Action, data: append([]byte(nil), c.buf...)}
		return it, true, nil
	case *record.Stats:
		if err = it.head(&m, &r.RouterFields, &r.PeerFields); err != nil {
			return it, false, err
		}
		it.kind, it.stats = kindStats, r
		return it, true, nil
	case *record.L3VPNPrefix:
		it, ok, err = c.other(m, r, record.TypeL3VPN, &r.RouterFields, &r.PeerFields, &r.RIBFlags)
		if ok {
			if r.PrefixLen != nil {
				it.other.prefix = netip.PrefixFrom(r.Prefix, int(*r.PrefixLen))
			}
			it.other.rd, it.other.labels, it.other.hash = r.VPNRD, labelText(r.Labels), r.Hash
			if r.BaseAttrs != nil {
				it.other.attrHash = r.BaseAttrs.BaseAttrHash
			}
		}
		return it, ok, err
	case *record.EVPN:
		it, ok, err = c.other(m, r, record.TypeEVPN, &r.RouterFields, &r.PeerFields, &r.RIBFlags)
		if ok {
			if r.PrefixLen != nil {
				it.other.prefix = netip.PrefixFrom(r.Prefix, int(*r.PrefixLen))
			}
			if r.VPNRD != nil {
				t, _ := r.VPNRD.MarshalText()
				it.other.rd = string(t)
			}
			it.other.labels = labelText(r.Labels)
		}
		return it, ok, err
	case *record.RouteMirror:
		return c.other(m, r, record.TypeRouteMirror, &r.RouterFields, &r.PeerFields, nil)
	case *record.LSNode:
		return c.other(m, r, record.TypeLSNode, &r.RouterFields, &r.PeerFields, &r.RIBFlags)
	case *record.LSLink:
		return c.other(m, r, record.TypeLSLink, &r.RouterFields, &r.PeerFields, &r.RIBFlags)
	case *record.LSPrefix:
		it, ok, err = c.other(m, r, record.TypeLSPrefix, &r.RouterFields, &r.PeerFields, &r.RIBFlags)
		if ok && r.Prefix.IsValid() {
			it.other.prefix = netip.PrefixFrom(r.Prefix, int(r.PrefixLen))
		}
		return it, ok, err
	case *record.LSSRv6SID:
		return c.other(m, r, record.TypeLSSRv6SID, &r.RouterFields, &r.PeerFields, &r.RIBFlags)
	case *record.SRPolicy:
		return c.other(m, r, record.TypeSRPolicy, &r.RouterFields, &r.PeerFields, &r.RIBFlags)
	case *record.Flowspec:
		return c.other(m, r, record.TypeFlowspec, &r.RouterFields, &r.PeerFields, &r.RIBFlags)
	case *record.VPLSPrefix:
		return c.other(m, r, record.TypeVPLS, &r.RouterFields, &r.PeerFields, &r.RIBFlags)
	case *record.RTCPrefix:
		return c.other(m, r, record.TypeRTC, &r.RouterFields, &r.PeerFields, &r.RIBFlags)
	case *record.MVPNPrefix:
		return c.other(m, r, record.TypeMVPN, &r.RouterFields, &r.PeerFields, &r.RIBFlags)
	case *record.UnknownNLRI:
		return c.other(m, r, record.TypeUnknownNLRI, &r.RouterFields, &r.PeerFields, &r.RIBFlags)
	case nil:
		return it, false, nil
	}
	return it, false, fmt.Errorf("postgres: record type %T not supported", v)
}

// other makes a record_log item holding the record's JSON.
func (c *converter) other(m record.Meta, r record.Encoder, t record.Type, rf *record.RouterFields,
	pf *record.PeerFields, ribs *record.RIBFlags) (item, bool, error) {
	var it item
	if err := it.head(&m, rf, pf); err != nil {
		return it, false, err
	}
	if t == 0 {
		t = record.TypeUnicastPrefix
	}
	c.buf = r.AppendJSON(c.buf[:0])
	o := &otherRow{typ: t.String(), data: append([]byte(nil), c.buf...)}
	if ribs != nil {
		o.rib, o.hasRIB = int16(ribOf(ribs)), true
	}
	switch r := r.(type) {
	case *record.UnicastPrefix:
		o.action = r.Action
		if r.IsEOR {
			o.action = "eor"
		}
		if r.PrefixLen != nil {
			o.prefix = netip.PrefixFrom(r.Prefix, int(*r.PrefixLen))
		}
		o.labels, o.hash = labelText(r.Labels), r.Hash
		if r.BaseAttrs != nil {
			o.attrHash = r.BaseAttrs.BaseAttrHash
		}
	default:
		o.action = actionOf(r)
	}
	it.kind, it.other = kindOther, o
	return it, true, nil
}

// actionOf returns the Head.Action of the record types that have one.
func actionOf(r record.Encoder) string {
	switch r := r.(type) {
	case *record.L3VPNPrefix:
		return r.Action
	case *record.EVPN:
		return r.Action
	case *record.RouteMirror:
		return r.Action
	case *record.LSNode:
		return r.Action
	case *record.LSLink:
		return r.Action
	case *record.LSPrefix:
		return r.Action
	case *record.LSSRv6SID:
		return r.Action
	case *record.SRPolicy:
		return r.Action
	case *record.Flowspec:
		return r.Action
	case *record.VPLSPrefix:
		return r.Action
	case *record.RTCPrefix:
		return r.Action
	case *record.MVPNPrefix:
		return r.Action
	case *record.UnknownNLRI:
		return r.Action
	}
	return ""
}

// route maps an IPv4/IPv6 unicast or labelled unicast announcement or withdrawal.
func (c *converter) route(it *item, m record.Meta, u *record.UnicastPrefix) error {
	if err := it.head(&m, &u.RouterFields, &u.PeerFields); err != nil {
		return err
	}
	it.kind = kindRoute
	r := &it.route
	r.hash = u.Hash
	r.rib = ribOf(&u.RIBFlags)
	r.prefix = netip.PrefixFrom(u.Prefix, int(*u.PrefixLen))
	r.withdrawn = u.Action == record.ActionDel
	r.synth = u.Synthesized
	r.isIPv4 = u.IsIPv4
	if u.PathID != nil {
		r.pathID = int64(*u.PathID)
	}
	if u.OriginAS != nil {
		r.originAS, r.hasOrigin = int64(*u.OriginAS), true
	}
	r.labels = labelText(u.Labels)
	r.nexthop = u.Nexthop
	if u.BaseAttrs != nil && !r.withdrawn {
		a := u.BaseAttrs
		r.attrHash = a.BaseAttrHash
		if c.lastAttrs != nil && c.lastAttrs.hash == a.BaseAttrHash {
			r.attrs = c.lastAttrs
		} else {
			r.attrs = newAttrsRow(a, it.peerHash, it.ts, r.originAS, r.hasOrigin, u.IsNexthopIPv4)
			c.lastAttrs = r.attrs
		}
	}
	return nil
}

func newAttrsRow(a *record.BaseAttrs, peer [16]byte, ts time.Time, originAS int64, hasOrigin, nhIPv4 bool) *attrsRow {
	r := &attrsRow{
		hash: a.BaseAttrHash, peerHash: peer, ts: ts, originAS: originAS, hasOrigin: hasOrigin,
		origin: a.Origin, asPath: append([]uint32(nil), a.ASPath...), nexthop: a.Nexthop, nhIPv4: nhIPv4,
		aggregator: a.Aggregator, atomicAgg: a.IsAtomicAgg, originator: a.OriginatorID,
		comms: append([]record.Community(nil), a.Communities...), ext: append([]string(nil), a.ExtCommunities...),
		large: append([]record.LargeCommunity(nil), a.LargeCommunities...),
	}
	if a.MED != nil {
		v := *a.MED
		r.med = &v
	}
	if a.LocalPref != nil {
		v := *a.LocalPref
		r.lp = &v
	}
	if a.OTC != nil {
		v := *a.OTC
		r.otc = &v
	}
	if a.ClusterList != "" {
		r.cluster = strings.Split(a.ClusterList, ",")
	}
	return r
}

// peerItem maps a Peer Up or Peer Down.
func peerItem(it *item, m record.Meta, p *record.Peer) error {
	it.session, it.seq = m.Session, m.Seq
	var err error
	if it.routerHash, err = parseHash(p.RouterHash); err != nil {
		return err
	}
	if p.RouterHash == "" {
		it.routerHash = m.RouterHash
	}
	if it.peerHash, err = parseHash(p.PeerHash); err != nil {
		return err
	}
	if p.PeerHash == "" {
		it.peerHash = m.PeerHash
	}
	it.kind = kindPeer
	it.ts, it.rts = p.CollectorTimestamp, p.Timestamp
	it.peer = &peerRow{up: p.Action != record.ActionDown, p: p, synthesized: synthesized(p), rib: ribOf(&p.RIBFlags)}
	return nil
}

// capText renders capabilities as obmp does: their names, comma-separated.
func capText(cs record.Capabilities) string {
	if len(cs) == 0 {
		return ""
	}
	var b strings.Builder
	for i, c := range cs {
		if i > 0 {
			b.WriteString(", ")
		}
		if c.Descr != "" {
			b.WriteString(c.Descr)
		} else {
			b.WriteString(strconv.Itoa(int(c.Code)))
		}
	}
	return b.String()
}
