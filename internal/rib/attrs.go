package rib

import (
	"bytes"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// Attrs is one interned attribute set: the route-level values that routes of one UPDATE
// share (next hop, labels, origin validation) and the path attributes. One copy of each
// distinct set exists per table; routes point at it and it is freed when the last one
// goes. An Attrs is immutable once made, so readers use it without a lock.
type Attrs struct {
	// JSON is the set as one JSON object: {"nexthop":…,"labels":[…],"base_attrs":{…}}.
	JSON string
	// Fields the query filters and the looking glass use.
	Nexthop     netip.Addr
	OriginAS    uint32
	HasOrigin   bool
	ASPath      []uint32
	Communities []record.Community
	Large       []record.LargeCommunity
	LocalPref   *uint32
	MED         *uint32

	refs int32 // guarded by attrPool.mu
}

// attrPool interns attribute sets by their JSON text.
type attrPool struct {
	mu   sync.Mutex
	sets map[string]*Attrs
	n    atomic.Int64
	// bytes approximates the memory of the interned sets (JSON text and slices).
	bytes atomic.Int64
	buf   []byte
	// The previous call's input and answer: the routes of one UPDATE share one
	// *BaseAttrs and usually their route-level values, so most calls skip the encoding.
	last    routeAttrs
	lastSet *Attrs
}

func newAttrPool() *attrPool { return &attrPool{sets: make(map[string]*Attrs)} }

// routeAttrs carries what a route record contributes to its attribute set.
type routeAttrs struct {
	base     *record.BaseAttrs
	nh, nhLL netip.Addr
	labels   []uint32
	ov       string
	origin   *uint32
}

// get returns the interned set for ra with one more reference.
func (p *attrPool) get(ra *routeAttrs) *Attrs {
	p.mu.Lock()
	defer p.mu.Unlock()
	if a := p.lastSet; a != nil && a.refs > 0 && ra.base != nil && ra.same(&p.last) {
		a.refs++
		return a
	}
	a := p.intern(ra)
	p.last, p.lastSet = *ra, a
	p.last.labels = append([]uint32(nil), ra.labels...)
	if ra.origin != nil {
		v := *ra.origin
		p.last.origin = &v
	}
	return a
}

// same reports whether ra has the same inputs as o (the same *BaseAttrs, not an equal
// one: a batch's typed records are immutable, so the same pointer means the same set).
func (ra *routeAttrs) same(o *routeAttrs) bool {
	if ra.base != o.base || ra.nh != o.nh || ra.nhLL != o.nhLL || ra.ov != o.ov || (ra.origin == nil) != (o.origin == nil) {
		return false
	}
	if ra.origin != nil && *ra.origin != *o.origin {
		return false
	}
	if len(ra.labels) != len(o.labels) {
		return false
	}
	for i := range ra.labels {
		if ra.labels[i] != o.labels[i] {
			return false
		}
	}
	return true
}

func (p *attrPool) intern(ra *routeAttrs) *Attrs {
	b := p.buf[:0]
	b = append(b, '{')
	if ra.nh.IsValid() {
		b = append(b, `"nexthop":"`...)
		b = ra.nh.AppendTo(b)
		b = append(b, `",`...)
	}
	if ra.nhLL.IsValid() {
		b = append(b, `"nexthop_link_local":"`...)
		b = ra.nhLL.AppendTo(b)
		b = append(b, `",`...)
	}
	if ra.origin != nil {
		b = append(b, `"origin_as":`...)
		b = strconv.AppendUint(b, uint64(*ra.origin), 10)
		b = append(b, ',')
	}
	if len(ra.labels) > 0 {
		b = append(b, `"labels":[`...)
		for i, l := range ra.labels {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendUint(b, uint64(l), 10)
		}
		b = append(b, `],`...)
	}
	if ra.ov != "" {
		b = append(b, `"origin_validation":`...)
		b = strconv.AppendQuote(b, ra.ov)
		b = append(b, ',')
	}
	b = append(b, `"base_attrs":`...)
	if ra.base != nil {
		b = appendBaseNoHash(b, ra.base)
	} else {
		b = append(b, "{}"...)
	}
	b = append(b, '}')
	p.buf = b
	if a, ok := p.sets[string(b)]; ok {
		a.refs++
		return a
	}
	a := &Attrs{JSON: string(b), Nexthop: ra.nh, refs: 1}
	if ra.origin != nil {
		a.OriginAS, a.HasOrigin = *ra.origin, true
	}
	if ba := ra.base; ba != nil {
		if !a.Nexthop.IsValid() {
			a.Nexthop = ba.Nexthop
		}
		a.ASPath = append([]uint32(nil), ba.ASPath...)
		a.Communities = append([]record.Community(nil), ba.Communities...)
		a.Large = append([]record.LargeCommunity(nil), ba.LargeCommunities...)
		if ba.LocalPref != nil {
			v := *ba.LocalPref
			a.LocalPref = &v
		}
		if ba.MED != nil {
			v := *ba.MED
			a.MED = &v
		}
		if !a.HasOrigin && len(ba.ASPath) > 0 {
			a.OriginAS, a.HasOrigin = ba.ASPath[len(ba.ASPath)-1], true
		}
	}
	p.sets[a.JSON] = a
	p.n.Add(1)
	p.bytes.Add(a.size())
	return a
}

// size approximates the bytes held by a (struct, text, slices, map entry).
func (a *Attrs) size() int64 {
	return int64(160 + len(a.JSON) + 4*len(a.ASPath) + 4*len(a.Communities) + 12*len(a.Large) + 48)
}

// put drops one reference to a; the last one frees the set.
func (p *attrPool) put(a *Attrs) {
	if a == nil {
		return
	}
	p.mu.Lock()
	a.refs--
	if a.refs <= 0 {
		delete(p.sets, a.JSON)
		p.n.Add(-1)
		p.bytes.Add(-a.size())
	}
	p.mu.Unlock()
}

// appendBaseNoHash appends the base_attrs JSON without its base_attr_hash member: goBMP's
// hash covers the NLRI too, so it would make every UPDATE's set distinct.
func appendBaseNoHash(dst []byte, ba *record.BaseAttrs) []byte {
	start := len(dst)
	dst = ba.AppendJSON(dst)
	const key = `{"base_attr_hash":"`
	s := dst[start:]
	if !bytes.HasPrefix(s, []byte(key)) {
		return dst
	}
	end := bytes.IndexByte(s[len(key):], '"')
	if end < 0 {
		return dst
	}
	cut := len(key) + end + 1 // through the closing quote
	if cut < len(s) && s[cut] == ',' {
		cut++
	}
	n := copy(s[1:], s[cut:])
	return dst[:start+1+n]
}
