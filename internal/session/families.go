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
	// Ctx.V4Fields, records emitted.
	v4First, v4Seen, v4Emitted int
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
	sec         *Section // the section being handled, for BMPv4 NLRI counting
}

// Sequence returns the next record sequence number of the session.
func (c *Ctx) Sequence() uint64 { return c.s.nextSeq() }

// Emit appends one record (its Head.Sequence must come from Sequence) to the batch.
func (c *Ctx) Emit(r record.Encoder, t record.Type, ipv4 bool) {
	var f bgp.Family
	if c.sec != nil {
		c.sec.v4Emitted++
		f = c.sec.Family
	}
	c.s.addRoute(r, t, ipv4, c.peerHash, f)
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

// AttrError reports a path attribute of the UPDATE that a family handler needs and that
// did not decode (e.g. BGP-LS Attribute, Tunnel Encapsulation). It is counted and logged;
// the handler still emits the routes (an NLRI that does not decode is returned by Decode
// instead).
func (c *Ctx) AttrError(f bgp.Family, err error) {
	c.s.cfg.Counters.DecodeErrors[ErrUpdate].Add(1)
	c.s.logf("router=%s peer=%s peer_type=%d family=%d/%d event=decode_error layer=path_attribute msg_type=route_monitoring err=%q",
		c.s.id, c.Peer.Address, c.Peer.Type, f.AFI, f.SAFI, err)
}

// Family is a registered address family handler: the one contract between the session
// and the code of a family (see docs/families-howto.md). The session owns everything but
// decoding and emitting: it finds the sections of the family in an UPDATE, detects the
// End-of-RIB marker, applies the decode-error policy, counts NLRI for BMPv4 TLVs.
type Family struct {
	// Decode decodes sec's NLRI and emits one record per route with c.Emit (Sequence
	// numbers from c.Sequence). It returns an error when the NLRI do not decode (with
	// either ADD-PATH setting: decodeSection runs the fallback); it must not have emitted
	// anything then. The session counts the error, logs it once per message and emits the
	// section as one unknown_nlri record with the raw NLRI and the error text.
	Decode func(c *Ctx, sec *Section) error
	// EndOfRIB returns the family's End-of-RIB record for f (is_eor, afi, safi set, the
	// common fields from c, h as its head), with its record type and is_ipv4. Nil: the
	// End-of-RIB is an unknown_nlri record.
	EndOfRIB func(c *Ctx, h record.Head, f bgp.Family) (record.Encoder, record.Type, bool)
}

var families = map[bgp.Family]*Family{}

// RegisterFamily installs the handler of families; handler files call it from init (the
// family's one registry line).
func RegisterFamily(h Family, fams ...bgp.Family) {
	for _, f := range fams {
		if _, dup := families[f]; dup {
			panic("session: family registered twice: " + f.String())
		}
		families[f] = &h
	}
}

// famState is the family handlers' reusable storage in a session: one typed field per
// handler kind (no allocation per section once grown; the storage belongs to the router
// session's goroutine and lives as long as it). A new handler that needs storage adds its
// field here.
type famState struct {
	vpn  vpnState // L3VPN, RTC, MCAST-VPN and SAFI 129, VPLS
	evpn evpnScratch
	ls   lsScratch
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
