package session

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"time"

	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/bmp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// peerKey identifies a monitored peer: peer type, distinguisher and address (bytes 0 and
// 2..25 of the per-peer header). The flags vary between the views of one peer and are
// not part of the key.
type peerKey [25]byte

func keyOf(h *bmp.PeerHeader) peerKey {
	var k peerKey
	k[0] = h.Type
	copy(k[1:], h.Raw[2:26])
	return k
}

// peerState is what a session remembers about a peer.
type peerState struct {
	// asID is the AS and BGP ID the derived fields were computed from (bytes 26..33 of
	// the per-peer header); they are recomputed when a message carries other values.
	asID   [8]byte
	fields record.PeerFields
	hash   record.MD5
	// ADD-PATH families per direction, from the Peer Up OPENs (RFC 7911, RFC 9069).
	addPathIn, addPathOut, addPathLocRIB []bgp.Family
	tableName                            string
	// mismatchLogged remembers the families whose ADD-PATH mismatch was logged.
	mismatchLogged map[bgp.Family]bool
	asWidthLogged  bool
	// warned remembers the quirks logged for this peer (by kind and family).
	warned map[warnKey]struct{}
	// up is set by a Peer Up and cleared (the state deleted) by a Peer Down; upSeq orders
	// the peers up (their first Peer Up) and hdr is a copy of that Peer Up's per-peer
	// header, for the Peer Down the session synthesizes when it ends (end.go).
	up    bool
	upSeq uint64
	hdr   bmp.PeerHeader
	// extMsg: both OPENs of the Peer Up advertise the Extended Message capability (RFC
	// 8654).
	extMsg bool
}

type warnKey struct {
	kind WarningKind
	fam  bgp.Family
}

// peer returns the state of the peer in h, creating it and refreshing the derived fields
// when needed, and sets the per-message fields (timestamps).
func (s *Session) peer(h *bmp.PeerHeader, recv time.Time) *peerState {
	k := keyOf(h)
	p := s.peers[k]
	if p == nil {
		p = &peerState{}
		if len(s.peers) < s.cfg.MaxPeers {
			s.peers[k] = p
		} else if s.fatal == nil {
			// The message is still decoded (with state that is not kept); Handle then
			// returns the error and the server ends the session.
			s.fatal = fmt.Errorf("%w: peer %s would be number %d, limit %d (--max-peers-per-router)",
				ErrTooManyPeers, h.Address, len(s.peers)+1, s.cfg.MaxPeers)
		}
		p.refresh(h)
	} else if string(p.asID[:]) != string(h.Raw[26:34]) {
		p.refresh(h)
	}
	p.fields.Timestamp = peerTime(h)
	p.fields.CollectorTimestamp = recv
	s.peerEnc = p.fields.CacheInto(s.peerEnc[:0])
	return p
}

func (p *peerState) refresh(h *bmp.PeerHeader) {
	copy(p.asID[:], h.Raw[26:34])
	var addr [16]byte
	copy(addr[:], h.Raw[10:26])
	p.hash = record.PeerHash(h.Distinguisher, addr, h.AS, h.BGPID)
	p.fields = record.PeerFields{
		PeerHash:  p.hash.String(),
		PeerIP:    h.Address,
		PeerType:  h.Type,
		PeerASN:   h.AS,
		PeerBGPID: bgpID(h.BGPID),
	}
	if h.Type != bmp.PeerTypeGlobal {
		p.fields.PeerRD = h.RDString()
	}
}

func bgpID(b [4]byte) netip.Addr { return netip.AddrFrom4(b) }

// peerTime is the per-peer header timestamp; an all-zero timestamp means "not set".
func peerTime(h *bmp.PeerHeader) time.Time {
	if h.TimestampSec == 0 && h.TimestampUsec == 0 {
		return time.Time{}
	}
	return h.Time()
}

// ribFlags derives the RIB view of a message from its per-peer header.
func ribFlags(h *bmp.PeerHeader, p *peerState) record.RIBFlags {
	if h.Type == bmp.PeerTypeLocRIB {
		return record.RIBFlags{IsLocRIB: true, IsLocRIBFiltered: h.IsFiltered(), TableName: p.tableName}
	}
	out := h.IsAdjRIBOut()
	post := h.IsPostPolicy()
	return record.RIBFlags{IsAdjRIBOut: out, IsAdjRIBOutPostPolicy: out && post, IsAdjRIBInPostPolicy: !out && post}
}

// addPathFor returns the ADD-PATH families that apply to a Route Monitoring message.
func (p *peerState) addPathFor(h *bmp.PeerHeader) []bgp.Family {
	switch {
	case h.Type == bmp.PeerTypeLocRIB:
		return p.addPathLocRIB
	case h.IsAdjRIBOut():
		return p.addPathOut
	}
	return p.addPathIn
}

func (s *Session) peerAction(up bool) string {
	switch {
	case !up:
		return record.ActionDown
	case s.cfg.GoBMPPeerAction:
		return record.ActionPeerUpGoBMP
	}
	return record.ActionUp
}

// peerRecord fills the fields common to Peer Up and Peer Down records.
func (s *Session) peerRecord(r *record.Peer, h *bmp.PeerHeader, p *peerState, up bool) {
	rd := h.RDString()
	*r = record.Peer{
		Head:               record.Head{Action: s.peerAction(up), Sequence: s.nextSeq()},
		RouterFields:       s.router,
		PeerHash:           p.fields.PeerHash,
		RemoteBGPID:        p.fields.PeerBGPID,
		RemoteIP:           h.Address,
		RemoteASN:          h.AS,
		PeerType:           h.Type,
		PeerRD:             rd,
		Timestamp:          p.fields.Timestamp,
		CollectorTimestamp: p.fields.CollectorTimestamp,
		IsIPv4:             h.Address.Is4(),
		RIBFlags:           ribFlags(h, p),
	}
	r.Hash = record.PeerRecordHash(&s.parts, s.router.RouterHash, p.fields.PeerBGPID, h.Address, h.AS, h.Type, rd)
}

func (s *Session) peerUp(recv time.Time) {
	h, up := &s.msg.Peer, &s.msg.PeerUp
	p := s.peer(h, recv)
	for _, t := range up.Info {
		if t.Type == bmp.InfoVRFTableName {
			p.tableName = string(t.Value)
		}
	}
	var r record.Peer
	s.peerRecord(&r, h, p, true)
	r.LocalIP = up.LocalAddress
	lp, rp := up.LocalPort, up.RemotePort
	r.LocalPort, r.RemotePort = &lp, &rp
	for _, t := range up.Info {
		switch t.Type {
		case bmp.InfoString:
			r.InfoStrings = append(r.InfoStrings, string(t.Value))
		case bmp.InfoAdminLabel:
			r.AdminLabel = string(t.Value)
		}
	}
	sent, errS := bgp.ParseOpen(up.SentOpen)
	recvd, errR := bgp.ParseOpen(up.ReceivedOpen)
	for _, e := range []error{errS, errR} {
		if e != nil {
			s.cfg.Counters.DecodeErrors[ErrOpen].Add(1)
			s.logf("router=%s peer=%s event=decode_error layer=bgp_open msg_type=peer_up err=%q", s.id, h.Address, e)
		}
	}
	if sent != nil {
		as, id, ht := sent.AS(), netip.AddrFrom4(sent.BGPID), sent.HoldTime
		r.LocalASN, r.LocalBGPID, r.AdvHoldTime = &as, id, &ht
		r.AdvCap = capabilities(sent)
	}
	if recvd != nil {
		ht := recvd.HoldTime
		r.RemoteHoldTime = &ht
		r.RecvCap = capabilities(recvd)
	}
	s.peerUpFamilies(h, p, sent, recvd)
	p.extMsg = sent != nil && recvd != nil && hasCapability(sent, capExtendedMessage) && hasCapability(recvd, capExtendedMessage)
	r.TableName = p.tableName
	r.BMPTLVs = s.v4PeerTLVs(up.Info, bmp.InfoString, bmp.InfoVRFTableName, bmp.InfoAdminLabel)
	s.add(&r, record.TypePeer, r.IsIPv4, p.hash)
}

// peerUpFamilies sets the peer's ADD-PATH state from a Peer Up's OPENs and marks the peer
// up. The first Peer Up of a peer sets the whole state. A Peer Up for a peer that is
// already up (Huawei sends one Loc-RIB Peer Up per address family, each OPEN declaring
// only its family) updates the families its OPENs declare (multiprotocol and ADD-PATH
// capabilities; IPv4 unicast when they declare none) and leaves the others as they were.
func (s *Session) peerUpFamilies(h *bmp.PeerHeader, p *peerState, sent, recvd *bgp.Open) {
	var locRIB, in, out []bgp.Family
	if sent != nil {
		for _, f := range sent.AddPath {
			if f.Mode != 0 && !hasFamily(locRIB, f.Family) {
				locRIB = append(locRIB, f.Family)
			}
		}
	}
	if sent != nil && recvd != nil {
		in = bgp.AddPathFamilies(recvd, sent)
		out = bgp.AddPathFamilies(sent, recvd)
	}
	if !p.up {
		p.up = true
		s.upSeq++
		p.upSeq = s.upSeq
		p.hdr = *h
		p.hdr.Raw = append([]byte(nil), h.Raw...)
		p.addPathLocRIB, p.addPathIn, p.addPathOut = locRIB, in, out
		return
	}
	declared := declaredFamilies(sent, recvd)
	s.quirk(WarnPeerUpRepeated, h, p, bgp.Family{}, 1,
		"Peer Up for a peer that is already up; the families its OPENs declare ("+familyList(declared)+") replace the peer's, the others are kept")
	p.addPathLocRIB = mergeFamilies(p.addPathLocRIB, declared, locRIB)
	p.addPathIn = mergeFamilies(p.addPathIn, declared, in)
	p.addPathOut = mergeFamilies(p.addPathOut, declared, out)
}

// declaredFamilies lists the families the OPENs declare: multiprotocol capabilities and
// ADD-PATH entries, or IPv4 unicast when there are none (RFC 4760 section 8).
func declaredFamilies(opens ...*bgp.Open) []bgp.Family {
	var fs []bgp.Family
	for _, o := range opens {
		if o == nil {
			continue
		}
		for _, f := range o.Multiprotocol {
			if !hasFamily(fs, f) {
				fs = append(fs, f)
			}
		}
		for _, e := range o.AddPath {
			if !hasFamily(fs, e.Family) {
				fs = append(fs, e.Family)
			}
		}
	}
	if len(fs) == 0 {
		fs = append(fs, bgp.FamilyIPv4Unicast)
	}
	return fs
}

// mergeFamilies returns old without the declared families, plus the declared families
// that are in now.
func mergeFamilies(old, declared, now []bgp.Family) []bgp.Family {
	out := make([]bgp.Family, 0, len(old)+len(now))
	for _, f := range old {
		if !hasFamily(declared, f) {
			out = append(out, f)
		}
	}
	for _, f := range now {
		if hasFamily(declared, f) && !hasFamily(out, f) {
			out = append(out, f)
		}
	}
	return out
}

func familyList(fs []bgp.Family) string {
	var b []byte
	for i, f := range fs {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, f.String()...)
	}
	return string(b)
}

// capExtendedMessage is the BGP Extended Message capability code (RFC 8654).
const capExtendedMessage = 6

func hasCapability(o *bgp.Open, code uint8) bool {
	for _, c := range o.Caps {
		if c.Code == code {
			return true
		}
	}
	return false
}

func capabilities(o *bgp.Open) record.Capabilities {
	cs := make(record.Capabilities, 0, len(o.Caps))
	for _, c := range o.Caps {
		cs = append(cs, record.Capability{Code: c.Code, Value: hex.EncodeToString(c.Value), Descr: bgp.CapabilityName(c.Code)})
	}
	return cs
}

func (s *Session) peerDown(recv time.Time) {
	h, d := &s.msg.Peer, &s.msg.PeerDown
	p := s.peer(h, recv)
	for _, t := range d.TLVs {
		if t.Type == bmp.InfoVRFTableName {
			p.tableName = string(t.Value)
		}
	}
	var r record.Peer
	s.peerRecord(&r, h, p, false)
	reason := d.Reason
	r.Reason = &reason
	r.ReasonText = bmp.PeerDownReasonName(reason)
	if len(d.Data) > 0 {
		r.InfoData = hex.EncodeToString(d.Data)
	}
	if d.HasFSMEvent {
		ev := d.FSMEvent
		r.FSMEvent = &ev
	}
	if len(d.Notification) > 0 {
		n, err := bgp.ParseNotification(d.Notification)
		if err != nil {
			s.cfg.Counters.DecodeErrors[ErrNotification].Add(1)
			s.logf("router=%s peer=%s event=decode_error layer=bgp_notification msg_type=peer_down err=%q", s.id, h.Address, err)
		} else {
			code, sub := n.Code, n.Subcode
			r.ErrorCode, r.ErrorSub = &code, &sub
			r.ErrorText = bgp.NotificationCodeName(code) + ": " + bgp.NotificationSubcodeName(code, sub)
			if msg, ok := n.ShutdownMessage(); ok && msg != "" {
				r.ErrorText += ": " + msg
			}
		}
	}
	r.TableName = p.tableName
	r.BMPTLVs = s.v4PeerTLVs(d.TLVs, bmp.InfoVRFTableName)
	s.add(&r, record.TypePeer, r.IsIPv4, p.hash)
	delete(s.peers, keyOf(h))
}
