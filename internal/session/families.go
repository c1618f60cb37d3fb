package session

import (
	"net/netip"

	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/bmp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// Section is one MP_REACH_NLRI or MP_UNREACH_NLRI of an UPDATE whose family is not an IP
// prefix family (those are decoded by package bgp itself). A family handler decodes
// NLRI and appends its records through Emit.
type Section struct {
	Family bgp.Family
	// Announce is true for MP_REACH_NLRI, false for MP_UNREACH_NLRI.
	Announce bool
	// EOR marks an End-of-RIB for the family (an UPDATE with only an empty MP_UNREACH);
	// NLRI is empty then.
	EOR bool
	// NLRI are the raw NLRI bytes of the attribute.
	NLRI []byte
	// AddPath is the ADD-PATH setting negotiated for this family and direction (RFC 7911).
	// A handler whose NLRI do not parse with it but parse cleanly with the opposite
	// setting accepts them and calls Ctx.AddPathMismatch.
	AddPath bool
	// NextHop and LinkLocal are the MP_REACH next hop(s); RawNextHop as received.
	NextHop, LinkLocal netip.Addr
	RawNextHop         []byte

	// BMPv4 NLRI indexing (v4.go): index of the first NLRI (0: unknown), NLRI seen by
	// Ctx.V4Fields, records emitted, decode error reported.
	v4First, v4Seen, v4Emitted int
	v4Failed                   bool
}

// Ctx gives a family handler what it needs to build records: the per-peer header, the
// decoded UPDATE (attributes), and the common fields of this message.
type Ctx struct {
	s      *Session
	Peer   *bmp.PeerHeader
	Update *bgp.Update
	// Router, PeerFields and RIB are the fields every route record carries.
	Router     record.RouterFields
	PeerFields record.PeerFields
	RIB        record.RIBFlags
	// Attrs is the UPDATE's attribute set (nil for a withdrawal-only UPDATE); route records
	// of an announcement point their base_attrs at it.
	Attrs *record.BaseAttrs
	// OriginAS is the origin AS of the UPDATE's AS path, when it has one.
	OriginAS    uint32
	HasOriginAS bool
	peerHash    record.MD5
	state       *peerState
	sec         *Section   // the section being handled, for BMPv4 NLRI counting
	eorFam      bgp.Family // the family of an End-of-RIB handled without a section
}

// Sequence returns the next record sequence number of the session.
func (c *Ctx) Sequence() uint64 { return c.s.nextSeq() }

// Emit appends one record (its Head.Sequence must come from Sequence) to the batch.
func (c *Ctx) Emit(r record.Encoder, t record.Type, ipv4 bool) {
	f := c.eorFam
	if c.sec != nil {
		c.sec.v4Emitted++
		f = c.sec.Family
	}
	c.s.addRoute(r, t, ipv4, c.peerHash, f)
}

// State returns the value this session keeps for key, created with mk on first use. Family
// handlers keep their reusable storage there (decoded routes, a record, text caches), so
// that a section costs no allocation; the value belongs to the router session (one
// goroutine) and lives as long as it.
func (c *Ctx) State(key any, mk func() any) any {
	if c.s.famState == nil {
		c.s.famState = make(map[any]any)
	}
	v, ok := c.s.famState[key]
	if !ok {
		v = mk()
		c.s.famState[key] = v
	}
	return v
}

// AddPathMismatch reports that f's NLRI only parsed with the opposite ADD-PATH setting.
func (c *Ctx) AddPathMismatch(f bgp.Family, withPathID bool) {
	c.s.noteAddPathMismatch(c.Peer, c.state, f, withPathID)
}

// Quirk counts n NLRI of f that decoded only by a rule for a known router quirk (see
// WarningKind) and logs it once per peer and family.
func (c *Ctx) Quirk(k WarningKind, f bgp.Family, n int) {
	note := ""
	if k == WarnLabelNoBoS {
		note = noteLabelNoBoS
	}
	c.s.quirk(k, c.Peer, c.state, f, n, note)
}

// DecodeError reports NLRI of f that could not be decoded at offset (relative to the
// NLRI start); the section is skipped, the error counted and logged.
func (c *Ctx) DecodeError(f bgp.Family, err error) {
	if c.sec != nil {
		c.sec.v4Failed = true
	}
	c.s.cfg.Counters.DecodeErrors[ErrUpdate].Add(1)
	c.s.logf("router=%s peer=%s peer_type=%d family=%d/%d event=decode_error layer=nlri msg_type=route_monitoring err=%q",
		c.s.id, c.Peer.Address, c.Peer.Type, f.AFI, f.SAFI, err)
}

// FamilyHandler turns one section of a family into records. It returns false when it did
// not handle the section (the session then emits an unknown_nlri record).
type FamilyHandler func(c *Ctx, sec *Section) bool

var familyHandlers = map[bgp.Family]FamilyHandler{}

// RegisterFamily installs the handler of a family; family files call it from init.
func RegisterFamily(h FamilyHandler, families ...bgp.Family) {
	for _, f := range families {
		if _, dup := familyHandlers[f]; dup {
			panic("session: family registered twice: " + f.String())
		}
		familyHandlers[f] = h
	}
}

// WithAddPathFallback runs decode with the negotiated ADD-PATH setting and, when that
// fails, with the opposite one. It returns which setting worked and whether it was the
// opposite one; err is the error of the negotiated attempt when neither works.
func WithAddPathFallback(addPath bool, decode func(addPath bool) error) (used bool, mismatch bool, err error) {
	if err = decode(addPath); err == nil {
		return addPath, false, nil
	}
	if decode(!addPath) == nil {
		return !addPath, true, nil
	}
	return addPath, false, err
}
