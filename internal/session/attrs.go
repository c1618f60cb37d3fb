package session

import (
	"crypto/md5"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// attrScratch holds reusable backing storage for filling record.BaseAttrs.
type attrScratch struct {
	hash []byte
	// prev holds the attribute-set bytes of the previous UPDATE whose attributes were
	// converted (valid when prevOK): an UPDATE with the same attribute set reuses the
	// encoded base_attrs as they are.
	prev    []byte
	prevOK  bool
	prevAS4 bool
	sb      strings.Builder
	tlv     tlvScratch
}

// fillAttrs converts the UPDATE's path attributes into s.attrs and encodes them once; the
// prefix records of the UPDATE share the encoding. Consecutive UPDATEs with the same
// attribute set (common: a router sends many prefixes with one path) reuse it.
func (s *Session) fillAttrs(a *bgp.Attributes) {
	b := &s.attrs
	attrSetBytes(&s.scr, a.Raw)
	// The decoding depends on the AS number width too.
	if s.scr.prevOK && s.scr.prevAS4 == s.opts.AS4 && string(s.scr.prev) == string(s.scr.hash) {
		return
	}
	s.scr.prev = append(s.scr.prev[:0], s.scr.hash...)
	s.scr.prevOK, s.scr.prevAS4 = true, s.opts.AS4
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
