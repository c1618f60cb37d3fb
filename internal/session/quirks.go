package session

import (
	"github.com/golang/glog"

	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/bmp"
)

// quirk counts n occurrences of an accepted router quirk (see WarningKind) and logs it
// once per peer and family (f is the zero Family for quirks that have none).
func (s *Session) quirk(k WarningKind, h *bmp.PeerHeader, p *peerState, f bgp.Family, n int, note string) {
	s.cfg.Counters.Warnings[k].Add(uint64(n))
	key := warnKey{kind: k, fam: f}
	if _, done := p.warned[key]; done {
		return
	}
	if p.warned == nil {
		p.warned = make(map[warnKey]struct{})
	}
	p.warned[key] = struct{}{}
	fam := ""
	if f != (bgp.Family{}) {
		fam = " family=" + f.String()
	}
	glog.Warningf("router=%s peer=%s peer_type=%d%s event=%s note=%q", s.id, h.Address, h.Type, fam, k, note)
}

// labelQuirks counts the labelled IP prefixes of u whose label stack had no
// bottom-of-stack entry.
func (s *Session) labelQuirks(h *bmp.PeerHeader, p *peerState, u *bgp.Update) {
	if u.LabelQuirks == 0 {
		return
	}
	for i := range u.MPReach {
		if n := u.MPReach[i].LabelQuirks; n > 0 {
			s.quirk(WarnLabelNoBoS, h, p, u.MPReach[i].Family, n, noteLabelNoBoS)
		}
	}
	for i := range u.MPUnreach {
		if n := u.MPUnreach[i].LabelQuirks; n > 0 {
			s.quirk(WarnLabelNoBoS, h, p, u.MPUnreach[i].Family, n, noteLabelNoBoS)
		}
	}
}

const (
	noteLabelNoBoS = "label stack without bottom-of-stack bit ended at a 0x000000 entry, or where a valid route distinguisher and prefix follow; accepted"
	noteTrailing   = "bytes after the BGP UPDATE of a BMPv3 Route Monitoring message; UPDATE decoded, the bytes kept as bmp_tlvs (or bmp_trailing_bytes when they are not TLVs)"
)
