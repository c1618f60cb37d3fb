package session

import (
	"encoding/hex"
	"net/netip"
	"time"

	"github.com/golang/glog"

	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/bmp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// rmUpdateOffset is where the BGP UPDATE starts in a BMPv3 Route Monitoring message.
const rmUpdateOffset = bmp.CommonHeaderLen + bmp.PeerHeaderLen

// maxBGPMessage is the BGP message size limit without the Extended Message capability
// (RFC 4271 section 4.1).
const maxBGPMessage = 4096

const noteLongUpdate = "UPDATE over 4096 bytes without the Extended Message capability (RFC 8654) in both Peer Up OPENs; accepted (docs/security.md)"

// routeMonitoring turns one Route Monitoring message into records, in this order:
// classic withdrawn routes, each MP_UNREACH_NLRI, each MP_REACH_NLRI, classic NLRI (or
// one End-of-RIB record). Every part of the UPDATE produces records.
func (s *Session) routeMonitoring(recv time.Time) {
	s.routeWork()
	h := &s.msg.Peer
	p := s.peer(h, recv)
	s.opts.AS4 = h.Type == bmp.PeerTypeLocRIB || !h.IsAS2()
	s.opts.AddPath = p.addPathFor(h)
	if len(s.msg.RouteMonitoring.Trailing) > 0 {
		s.quirk(WarnTrailingBytes, h, p, bgp.Family{}, 1, noteTrailing)
	}
	s.v4Begin(h) // BMPv4 Stateless Parsing TLVs may override both
	if err := bgp.ParseUpdate(s.msg.RouteMonitoring.Update, &s.opts, &s.upd); err != nil {
		s.cfg.Counters.DecodeErrors[ErrUpdate].Add(1)
		s.logf("router=%s peer=%s peer_type=%d event=decode_error layer=bgp_update msg_type=route_monitoring %s err=%q",
			s.id, h.Address, h.Type, bgpOffset(err, rmUpdateOffset), err)
		return
	}
	u := &s.upd
	if len(s.msg.RouteMonitoring.Update) > maxBGPMessage && !p.extMsg {
		s.quirk(WarnLongUpdate, h, p, bgp.Family{}, 1, noteLongUpdate)
	}
	s.checkAddPath(h, p, u)
	s.labelQuirks(h, p, u)
	if u.Attrs.ASWidthMismatch {
		s.cfg.Counters.ASWidthMismatches.Add(1)
		if !p.asWidthLogged {
			p.asWidthLogged = true
			glog.Warningf("router=%s peer=%s peer_type=%d event=as_width_mismatch as4=%t note=%q", s.id, h.Address, h.Type, s.opts.AS4,
				"AS_PATH/AGGREGATOR did not decode with the session's AS number width but did with the other one; accepted")
		}
	}

	flags := ribFlags(h, p)
	s.v4Update(u, &flags)
	s.ribEnc = flags.CacheInto(s.ribEnc[:0])
	r := &s.pfx
	*r = record.UnicastPrefix{RouterFields: s.router, PeerFields: p.fields, RIBFlags: flags}
	if len(u.NLRI) > 0 || len(u.MPReach) > 0 {
		s.fillAttrs(&u.Attrs)
	}
	origin, hasOrigin := u.Attrs.OriginAS()

	if u.EndOfRIB {
		action := record.ActionDel
		if u.EORFamily == bgp.FamilyIPv4Unicast && len(u.MPUnreach) == 0 {
			action = record.ActionAdd // goBMP: a legacy (empty UPDATE) EoR is an "add"
		}
		s.eor(r, u.EORFamily, action, p)
		return
	}
	s.v4Enter(v4Withdrawn, 0)
	s.emitPrefixes(r, p, bgp.FamilyIPv4Unicast, u.Withdrawn, false, netip.Addr{}, netip.Addr{}, 0, false)
	// The family handlers' context and section live in the session (no allocation per
	// UPDATE); the context is filled on first use.
	ctxReady := false
	familyCtx := func() *Ctx {
		if !ctxReady {
			ctxReady = true
			s.fctx = Ctx{s: s, Peer: h, Update: u, Router: s.router, PeerFields: p.fields, RIB: flags,
				OriginAS: origin, HasOriginAS: hasOrigin, peerHash: p.hash, state: p}
			if len(u.NLRI) > 0 || len(u.MPReach) > 0 {
				s.fctx.Attrs = s.attrs
			}
		}
		return &s.fctx
	}
	for i := range u.MPUnreach {
		m := &u.MPUnreach[i]
		s.v4Enter(v4Unreach, i)
		if isIPFamily(m.Family) {
			s.emitPrefixes(r, p, m.Family, m.Prefixes, false, netip.Addr{}, netip.Addr{}, 0, false)
			continue
		}
		sec := &s.fsec
		*sec = Section{Family: m.Family, NLRI: m.NLRI, AddPath: hasFamily(s.opts.AddPath, m.Family)}
		s.runFamily(h, p, familyCtx, sec, record.ActionDel, flags)
	}
	for i := range u.MPReach {
		m := &u.MPReach[i]
		s.v4Enter(v4Reach, i)
		var nh, ll netip.Addr
		if len(m.NextHop) > 0 {
			nh = m.NextHop[0]
		}
		if len(m.NextHop) > 1 {
			ll = m.NextHop[1]
		}
		if isIPFamily(m.Family) {
			s.emitPrefixes(r, p, m.Family, m.Prefixes, true, nh, ll, origin, hasOrigin)
			continue
		}
		sec := &s.fsec
		*sec = Section{Family: m.Family, Announce: true, NLRI: m.NLRI, AddPath: hasFamily(s.opts.AddPath, m.Family),
			NextHop: nh, LinkLocal: ll, RawNextHop: m.RawNextHop}
		s.runFamily(h, p, familyCtx, sec, record.ActionAdd, flags)
	}
	s.v4Enter(v4NLRI, 0)
	s.emitPrefixes(r, p, bgp.FamilyIPv4Unicast, u.NLRI, true, u.Attrs.NextHop, netip.Addr{}, origin, hasOrigin)
}

// runFamily hands a section of a non-IP family to its handler and applies the session's
// policy: a family without a handler, or whose NLRI do not decode, is emitted as one
// unknown_nlri record (with the decode error, counted and logged).
func (s *Session) runFamily(h *bmp.PeerHeader, p *peerState, ctx func() *Ctx, sec *Section, action string, flags record.RIBFlags) {
	fh := families[sec.Family]
	if fh == nil || fh.Decode == nil {
		s.unknownNLRI(h, p, sec.Family, sec.NLRI, action, flags, false, "")
		return
	}
	err := s.v4Run(fh, ctx(), sec)
	if err == nil {
		return
	}
	s.cfg.Counters.DecodeErrors[ErrUpdate].Add(1)
	s.logf("router=%s peer=%s peer_type=%d family=%d/%d event=decode_error layer=nlri msg_type=route_monitoring err=%q",
		s.id, h.Address, h.Type, sec.Family.AFI, sec.Family.SAFI, err)
	s.unknownNLRI(h, p, sec.Family, sec.NLRI, action, flags, false, err.Error())
}

// isIPFamily reports the families whose NLRI are IP prefixes emitted as unicast_prefix
// (unicast and labelled unicast) or multicast_prefix records.
func isIPFamily(f bgp.Family) bool {
	if f.AFI != bgp.AFIIPv4 && f.AFI != bgp.AFIIPv6 {
		return false
	}
	return f.SAFI == bgp.SAFIUnicast || f.SAFI == bgp.SAFILabeled || f.SAFI == bgp.SAFIMulticast
}

func recordTypeOf(f bgp.Family) record.Type {
	if f.SAFI == bgp.SAFIMulticast {
		return record.TypeMulticastPrefix
	}
	return record.TypeUnicastPrefix
}

// emitPrefixes appends one record per prefix. r holds the fields shared by the UPDATE.
func (s *Session) emitPrefixes(r *record.UnicastPrefix, p *peerState, f bgp.Family, prefixes []bgp.Prefix, announce bool,
	nh, linkLocal netip.Addr, origin uint32, hasOrigin bool) {
	if len(prefixes) == 0 {
		return
	}
	t := recordTypeOf(f)
	ipv4 := f.AFI == bgp.AFIIPv4
	// goBMP's route hash: kind, router hash, peer hash (constant here), then the prefix.
	kind := "unicast"
	if t == record.TypeMulticastPrefix {
		kind = "multicast"
	}
	record.UnicastHashBase(&s.prefixMD5, &s.parts, kind, s.router.RouterHash, p.fields.PeerHash)
	for i := range prefixes {
		pf := &prefixes[i]
		r.Kind = t
		r.Head = record.Head{Sequence: s.nextSeq()}
		r.IsIPv4 = ipv4
		r.IsEOR, r.AFI, r.SAFI = false, 0, 0
		r.SetPrefix(pf.Prefix)
		r.PathID = nil
		if pf.HasPathID {
			r.SetPathID(pf.PathID)
		}
		r.Labels = pf.Labels
		r.V4Fields = s.v4Fields(i)
		if announce {
			r.Action = record.ActionAdd
			r.BaseAttrs = s.attrs
			r.Nexthop, r.NexthopLinkLocal = nh, linkLocal
			r.IsNexthopIPv4 = nh.Is4()
			r.OriginAS = nil
			if hasOrigin {
				r.SetOriginAS(origin)
			}
			r.Color, r.OriginValidation, r.PrefixSID = nil, "", nil
			if t == record.TypeUnicastPrefix { // goBMP: color, origin_validation, prefix_sid
				r.Color, r.OriginValidation, r.PrefixSID = s.attrs.RouteColor, s.attrs.RouteOriginValidation, s.attrs.RoutePrefixSID
			}
		} else {
			r.Action = record.ActionDel
			r.BaseAttrs = nil
			r.Nexthop, r.NexthopLinkLocal = netip.Addr{}, netip.Addr{}
			r.IsNexthopIPv4 = false
			r.OriginAS = nil
			r.Color, r.OriginValidation, r.PrefixSID = nil, "", nil
		}
		var pathID uint64
		if pf.HasPathID {
			pathID = uint64(pf.PathID)
		}
		r.Hash = record.UnicastHash(&s.prefixMD5, &s.parts, pf.Prefix, ipv4, pathID, pf.Labels)
		s.addRoute(r, t, ipv4, p.hash, f)
	}
}

// eor appends one End-of-RIB record for family f.
func (s *Session) eor(r *record.UnicastPrefix, f bgp.Family, action string, p *peerState) {
	if !isIPFamily(f) {
		h := &s.msg.Peer
		fh := families[f]
		if fh == nil || fh.EndOfRIB == nil {
			s.unknownNLRI(h, p, f, nil, action, r.RIBFlags, true, "")
			return
		}
		ctx := &s.fctx
		*ctx = Ctx{s: s, Peer: h, Update: &s.upd, Router: s.router, PeerFields: p.fields, RIB: r.RIBFlags, peerHash: p.hash, state: p}
		rec, t, ipv4 := fh.EndOfRIB(ctx, record.Head{Action: action, Sequence: s.nextSeq()}, f)
		s.addRoute(rec, t, ipv4, p.hash, f)
		return
	}
	t := recordTypeOf(f)
	r.Kind = t
	r.Head = record.Head{Action: action, Sequence: s.nextSeq()}
	r.IsIPv4 = f.AFI == bgp.AFIIPv4
	r.IsEOR = true
	r.AFI, r.SAFI = f.AFI, f.SAFI
	r.BaseAttrs = nil
	s.addRoute(r, t, r.IsIPv4, p.hash, f)
}

// unknownNLRI records a route of a family bmpstream does not decode, or a section whose
// NLRI did not decode (decodeErr), with the raw NLRI in hex.
func (s *Session) unknownNLRI(h *bmp.PeerHeader, p *peerState, f bgp.Family, nlri []byte, action string, flags record.RIBFlags, eor bool, decodeErr string) {
	r := record.UnknownNLRI{
		Head:         record.Head{Action: action, Sequence: s.nextSeq()},
		RouterFields: s.router,
		PeerFields:   p.fields,
		AFI:          f.AFI,
		SAFI:         f.SAFI,
		IsIPv4:       f.AFI == bgp.AFIIPv4,
		NLRI:         hex.EncodeToString(nlri),
		RIBFlags:     flags,
		IsEOR:        eor,
		Error:        decodeErr,
	}
	s.addRoute(&r, record.TypeUnknownNLRI, r.IsIPv4, p.hash, f)
}

// checkAddPath counts every NLRI section that only parsed with the opposite ADD-PATH
// setting and logs it once per peer and family.
func (s *Session) checkAddPath(h *bmp.PeerHeader, p *peerState, u *bgp.Update) {
	note := func(f bgp.Family, withPathID bool) { s.noteAddPathMismatch(h, p, f, withPathID) }
	if u.AddPathMismatch {
		note(bgp.FamilyIPv4Unicast, u.AddPath)
	}
	for i := range u.MPReach {
		if u.MPReach[i].AddPathMismatch {
			note(u.MPReach[i].Family, u.MPReach[i].AddPath)
		}
	}
	for i := range u.MPUnreach {
		if u.MPUnreach[i].AddPathMismatch {
			note(u.MPUnreach[i].Family, u.MPUnreach[i].AddPath)
		}
	}
}

// noteAddPathMismatch counts a section that only parsed with the opposite ADD-PATH
// setting and logs it once per peer and family.
func (s *Session) noteAddPathMismatch(h *bmp.PeerHeader, p *peerState, f bgp.Family, withPathID bool) {
	s.cfg.Counters.AddPathMismatches.Add(1)
	if p.mismatchLogged == nil {
		p.mismatchLogged = make(map[bgp.Family]bool)
	}
	if p.mismatchLogged[f] {
		return
	}
	p.mismatchLogged[f] = true
	glog.Warningf("router=%s peer=%s peer_type=%d family=%d/%d event=add_path_mismatch with_path_id=%t note=%q",
		s.id, h.Address, h.Type, f.AFI, f.SAFI, withPathID,
		"NLRI did not parse with the ADD-PATH setting negotiated in Peer Up but did with the opposite one; accepted")
}

func hasFamily(fs []bgp.Family, f bgp.Family) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}
