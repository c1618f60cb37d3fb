package session

import (
	"crypto/md5"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// attrCacheSize is how many converted attribute sets a session keeps: UPDATEs of a few
// attribute sets interleaved (IPv4 and IPv6 routes of one path, several peers' routes
// arriving in turn) reuse their encoding instead of converting it again.
const attrCacheSize = 4

// attrEntry is one converted attribute set.
type attrEntry struct {
	key   []byte // the attribute-set bytes (attrSetBytes)
	as4   bool   // the AS number width it was decoded with
	attrs record.BaseAttrs
}

// attrScratch holds reusable backing storage for filling record.BaseAttrs.
type attrScratch struct {
	hash []byte
	// cache holds the last attribute sets converted (allocated on first use, so that an
	// idle session costs nothing); last is the entry used last, next the one to replace.
	cache      [attrCacheSize]*attrEntry
	last, next int
	sb         strings.Builder
	tlv        tlvScratch
}

// lookup returns the cached conversion of the attribute set in scr.hash, or nil.
func (scr *attrScratch) lookup(as4 bool) *attrEntry {
	for i := range attrCacheSize {
		j := (scr.last + i) % attrCacheSize // the last one used first
		if e := scr.cache[j]; e != nil && e.as4 == as4 && string(e.key) == string(scr.hash) {
			scr.last = j
			return e
		}
	}
	return nil
}

// fillAttrs points s.attrs at the conversion of the UPDATE's path attributes, encoded
// once; the prefix records of the UPDATE share the encoding. An attribute set converted
// recently (same bytes, same AS number width) is reused as it is: a router sends many
// prefixes with one path, often interleaved with a few other paths.
func (s *Session) fillAttrs(a *bgp.Attributes) {
	attrSetBytes(&s.scr, a.Raw)
	// The decoding depends on the AS number width too.
	if e := s.scr.lookup(s.opts.AS4); e != nil {
		s.attrs = &e.attrs
		return
	}
	e := s.scr.cache[s.scr.next]
	if e == nil {
		e = &attrEntry{}
		s.scr.cache[s.scr.next] = e
	}
	s.scr.last, s.scr.next = s.scr.next, (s.scr.next+1)%attrCacheSize
	e.key = append(e.key[:0], s.scr.hash...)
	e.as4 = s.opts.AS4
	b := &e.attrs
	s.attrs = b
	b.Reset()
	b.BaseAttrHash = md5.Sum(s.scr.hash)
	if a.HasOrigin {
		b.Origin = bgp.OriginName(a.Origin)
	}
	if a.HasASPath {
		b.ASPath, b.ASPathSegments = segments(a.ASPath, b.ASPath, b.ASPathSegments)
		b.SetASPathCount(len(b.ASPath))
	}
	if a.NextHop.IsValid() {
		b.Nexthop = a.NextHop
	}
	if a.HasMED {
		b.SetMED(a.MED)
	}
	if a.HasLocalPref {
		b.SetLocalPref(a.LocalPref)
	}
	b.IsAtomicAgg = a.AtomicAggregate
	if a.Aggregator != nil {
		b.Aggregator = aggregatorString(a.Aggregator)
	}
	for _, c := range a.Communities {
		b.Communities = append(b.Communities, record.Community(c))
		if name := bgp.WellKnownCommunityName(c); name != "" {
			b.WellKnown = append(b.WellKnown, name)
		}
	}
	if a.OriginatorID.IsValid() {
		b.OriginatorID = a.OriginatorID
	}
	if len(a.ClusterList) > 0 {
		sb := &s.scr.sb
		sb.Reset()
		for i, c := range a.ClusterList {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(c.String())
		}
		b.ClusterList = sb.String()
	}
	s.fillTLVAttrs(a, b) // extended communities and the attributes of attrs_tlv.go
	if a.AS4Path != nil {
		for _, sg := range a.AS4Path {
			b.AS4Path = append(b.AS4Path, sg.ASNs...)
		}
		b.SetAS4PathCount(len(b.AS4Path))
	}
	if a.AS4Aggregator != nil {
		b.AS4Aggregator = aggregatorString(a.AS4Aggregator)
	}
	for _, l := range a.LargeCommunities {
		b.LargeCommunities = append(b.LargeCommunities, record.LargeCommunity{l.Global, l.Local1, l.Local2})
	}
	if a.HasOTC {
		b.SetOTC(a.OTC)
	}
	for _, u := range a.Unknown {
		switch u.Type {
		case bgp.AttrBGPLS:
			// Decoded into the BGP-LS records (which carry no base_attrs), as goBMP does.
			continue
		case bgp.AttrTunnelEncap:
			if te, err := bgp.DecodeTunnelEncap(u.Value); err == nil {
				b.TunnelEncap = tunnelEncapRecord(te)
				continue
			}
			b.TunnelEncapMalformed = true
		}
		b.Unknown = append(b.Unknown, record.UnknownAttr{Type: u.Type, Flags: u.Flags, Value: hex.EncodeToString(u.Value)})
	}
	b.Encode()
}

// segments flattens an AS path (sets inlined, as goBMP does) into flat and describes its
// segments into segs; the segments' ASN lists are sub-slices of flat.
func segments(path []bgp.ASPathSegment, flat []uint32, segs []record.ASPathSegment) ([]uint32, []record.ASPathSegment) {
	flat = flat[:0]
	for _, sg := range path {
		flat = append(flat, sg.ASNs...)
	}
	segs = segs[:0]
	off := 0
	for _, sg := range path {
		segs = append(segs, record.ASPathSegment{Type: sg.Type, ASNs: flat[off : off+len(sg.ASNs) : off+len(sg.ASNs)]})
		off += len(sg.ASNs)
	}
	return flat, segs
}

func aggregatorString(a *bgp.Aggregator) string {
	var buf [64]byte
	b := strconv.AppendUint(buf[:0], uint64(a.AS), 10)
	b = append(b, ':')
	b = a.Address.AppendTo(b)
	return string(b)
}

// attrSetBytes collects into scr.hash every path attribute (header and value) except
// MP_REACH_NLRI and MP_UNREACH_NLRI: the attribute set, whatever the NLRI. Its MD5 is
// base_attr_hash. raw was validated by bgp.ParseUpdate.
func attrSetBytes(scr *attrScratch, raw []byte) {
	scr.hash = scr.hash[:0]
	for i := 0; i+3 <= len(raw); {
		flags, typ := raw[i], raw[i+1]
		hl, n := 3, int(raw[i+2])
		if flags&0x10 != 0 {
			if i+4 > len(raw) {
				break
			}
			hl, n = 4, int(raw[i+2])<<8|int(raw[i+3])
		}
		end := i + hl + n
		if end > len(raw) {
			break
		}
		if typ != bgp.AttrMPReach && typ != bgp.AttrMPUnreach {
			scr.hash = append(scr.hash, raw[i:end]...)
		}
		i = end
	}
}
