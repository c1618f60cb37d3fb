package session

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/golang/glog"

	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/bmp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// BMPv4 Route Monitoring TLVs (draft-ietf-grow-bmp-tlv, draft-ietf-grow-bmp-path-marking-
// tlv): what a message's TLVs do to its decoding and to its records.
//
//   - Stateless Parsing TLVs set the decode options of the message: a 4-octet AS
//     capability makes AS_PATH 4-byte; an ADD-PATH capability entry decides, for its
//     family, whether the NLRI carry path identifiers, overriding the Peer Up state (or
//     filling in for a missing Peer Up). The entry is the monitored router's own
//     capability: path identifiers are present in Adj-RIB-In when it can receive them
//     (mode 1 or 3), in Adj-RIB-Out when it can send them (2 or 3), in Loc-RIB when the
//     mode is not 0 (the Peer Up rule for Loc-RIB). Families without an entry keep the
//     Peer Up state.
//   - A VRF/Table Name TLV with index 0 gives the records' table_name (over the Peer Up's).
//   - Path Status TLVs and the other TLVs go on the records of the NLRI they apply to:
//     index 0 = every NLRI of the UPDATE, index n = the n-th NLRI (1-based), index with
//     the G-bit = the NLRIs listed by the Group TLV of that index. When several Path
//     Status TLVs apply to one NLRI the most specific wins (its own index, then a group,
//     then index 0), the first in the message among equals.
//
// NLRI are counted over the whole UPDATE in wire order: the withdrawn routes, then each
// MP_REACH_NLRI / MP_UNREACH_NLRI attribute in attribute order, then the NLRI field.
// The NLRI of families decoded by a family handler are counted as the handler emits
// them; when a section cannot be counted (no handler, or a decode error), the sections
// after it get only the index-0 TLVs (the draft: stop matching once the PDU cannot be
// fully decoded).

// v4SecKind names a section of an UPDATE.
type v4SecKind uint8

const (
	v4Withdrawn v4SecKind = iota
	v4Reach
	v4Unreach
	v4NLRI
)

// v4Sec is one section of the UPDATE in wire order; count is its number of NLRI, -1
// while unknown.
type v4Sec struct {
	kind  v4SecKind
	i     int
	count int
}

// v4PathStatus is a decoded Path Status TLV.
type v4PathStatus struct {
	index              uint16 // the TLV's index field (G-bit included)
	code               uint32
	reason             uint16
	hasReason          bool
	namesFrom, namesTo int // in v4State.names
}

// v4State is the BMPv4 state of the Route Monitoring message being handled. Everything
// is reset per message and reused; the records that point into it are encoded before the
// next message.
type v4State struct {
	on      bool // the message has Route Monitoring TLVs besides the BGP PDU
	perNLRI bool // some TLV has a non-zero index
	codes   bmp.RMTLVCodes
	tlvs    []bmp.InfoTLV // the message's TLVs (s.msg.RouteMonitoring.TLVs)

	// Message-level values.
	hasTable  bool
	tableName string // kept across messages: reused when the next name is the same
	sp        bmp.StatelessParsing
	addPath   []bgp.Family

	groups []bmp.Group
	ps     []v4PathStatus
	names  []string
	other  []int // indexes in the message's TLVs of the TLVs rendered as bmp_tlvs
	arena  []record.BMPTLV
	all    record.V4Fields // the fields of an NLRI that only index-0 TLVs reach
	allOK  bool
	// v3 is set for the TLVs after the UPDATE of a BMPv3 message (rendered as they are:
	// no enterprise number taken from types with the high bit set); trailing is the hex
	// of such bytes when they are not TLVs.
	v3       bool
	trailing string

	// psTable[n] is the ps entry for NLRI n (-1: none but index 0), built on first use.
	psTable []int32
	psBuilt bool
	psAll   int // ps entry with index 0, -1 if none

	// NLRI counting.
	order []v4Sec
	cur   int // position in order of the section being emitted
	first int // 1-based index of its first NLRI, 0 when unknown
}

func (v *v4State) reset() {
	v.on, v.perNLRI, v.hasTable = false, false, false
	v.tlvs = nil
	v.sp.Reset()
	v.groups = v.groups[:0]
	v.ps = v.ps[:0]
	clear(v.names)
	v.names = v.names[:0]
	v.other = v.other[:0]
	clear(v.arena)
	v.arena = v.arena[:0]
	v.all, v.allOK = record.V4Fields{}, false
	v.v3, v.trailing = false, ""
	v.psBuilt, v.psAll = false, -1
	v.order = v.order[:0]
	v.cur, v.first = -1, 0
}

// v4Begin reads the Route Monitoring TLVs of the current message and applies the
// Stateless Parsing TLVs to s.opts. It runs before the UPDATE is decoded.
func (s *Session) v4Begin(h *bmp.PeerHeader) {
	v := &s.v4
	v.reset()
	if rm := &s.msg.RouteMonitoring; len(rm.Trailing) > 0 {
		v.v3Trailing(rm)
		return
	}
	tlvs := s.msg.RouteMonitoring.TLVs
	if len(tlvs) == 0 {
		return
	}
	v.on, v.tlvs = true, tlvs
	v.codes = s.cfg.RMTLVCodes
	if v.codes.IsZero() {
		v.codes = bmp.CapturedRMTLVCodes()
	}
	hasSP := false
	for k := range tlvs {
		t := &tlvs[k]
		if t.Index != 0 {
			v.perNLRI = true
		}
		switch v.codes.Kind(t.Type) {
		case bmp.RMTLVKindStatelessParsing:
			hasSP = true
			if err := v.sp.Add(t.Value); err != nil {
				s.v4Warn(h, t, err)
			}
			continue
		case bmp.RMTLVKindGroup:
			g, err := bmp.DecodeGroup(*t)
			if err == nil {
				v.groups = append(v.groups, g)
				continue
			}
			s.v4Warn(h, t, err)
		case bmp.RMTLVKindVRFTableName:
			if t.Index == 0 && len(t.Value) > 0 {
				if !v.hasTable && string(t.Value) != v.tableName {
					v.tableName = string(t.Value)
				}
				v.hasTable = true
				continue
			}
		case bmp.RMTLVKindPathStatus:
			ps, err := bmp.DecodePathStatus(t.Value)
			if err == nil {
				e := v4PathStatus{index: t.Index, code: ps.Status, reason: ps.Reason, hasReason: ps.HasReason, namesFrom: len(v.names)}
				v.names = ps.AppendNames(v.names)
				e.namesTo = len(v.names)
				v.ps = append(v.ps, e)
				continue
			}
			s.v4Warn(h, t, err)
		}
		v.other = append(v.other, k) // unknown, enterprise-specific or malformed: kept raw
	}
	if hasSP {
		s.v4ApplyStateless(h)
	}
}

// v3Trailing handles the bytes after the UPDATE of a BMPv3 message (Huawei VRP 8.2): when
// they are TLVs, every route record of the message carries them as bmp_tlvs (like
// index-0 BMPv4 TLVs, with no meaning given to their types); otherwise as
// bmp_trailing_bytes, in hex.
func (v *v4State) v3Trailing(rm *bmp.RouteMonitoring) {
	v.on, v.v3, v.tlvs = true, true, rm.TrailingTLVs
	for k := range rm.TrailingTLVs {
		v.other = append(v.other, k)
	}
	if len(rm.TrailingTLVs) == 0 {
		v.trailing = hex.EncodeToString(rm.Trailing)
	}
}

// v4ApplyStateless overrides the decode options with the Stateless Parsing TLVs.
func (s *Session) v4ApplyStateless(h *bmp.PeerHeader) {
	v := &s.v4
	if v.sp.AS4 {
		s.opts.AS4 = true
	}
	if len(v.sp.AddPath) == 0 {
		return
	}
	v.addPath = append(v.addPath[:0], s.opts.AddPath...)
	for i, e := range v.sp.AddPath {
		if !firstStatelessEntry(v.sp.AddPath, i) {
			continue // the first entry of a family counts
		}
		f := bgp.Family{AFI: e.AFI, SAFI: e.SAFI}
		on := e.Mode != 0
		switch {
		case h.Type == bmp.PeerTypeLocRIB:
		case h.IsAdjRIBOut():
			on = e.Mode&bgp.AddPathSend != 0
		default:
			on = e.Mode&bgp.AddPathReceive != 0
		}
		v.addPath = setFamily(v.addPath, f, on)
	}
	s.opts.AddPath = v.addPath
}

func firstStatelessEntry(es []bmp.StatelessAddPath, i int) bool {
	for j := 0; j < i; j++ {
		if es[j].AFI == es[i].AFI && es[j].SAFI == es[i].SAFI {
			return false
		}
	}
	return true
}

// setFamily adds f to fs (on) or removes it (off).
func setFamily(fs []bgp.Family, f bgp.Family, on bool) []bgp.Family {
	for i, x := range fs {
		if x == f {
			if on {
				return fs
			}
			return append(fs[:i], fs[i+1:]...)
		}
	}
	if on {
		fs = append(fs, f)
	}
	return fs
}

// v4Update runs after the UPDATE decoded: it sets the message's table name on flags and
// lays out the UPDATE's sections for NLRI counting.
func (s *Session) v4Update(u *bgp.Update, flags *record.RIBFlags) {
	v := &s.v4
	if !v.on {
		return
	}
	if v.hasTable {
		flags.TableName = v.tableName
	}
	if !v.perNLRI {
		return
	}
	v.order = append(v.order, v4Sec{kind: v4Withdrawn, count: len(u.Withdrawn)})
	nr, nu := 0, 0
	attrOrder(s.msg.RouteMonitoring.Update, func(typ uint8) {
		switch typ {
		case 14:
			if nr < len(u.MPReach) {
				v.order = append(v.order, v4Sec{kind: v4Reach, i: nr, count: ipCount(u.MPReach[nr].Family, u.MPReach[nr].Prefixes)})
			}
			nr++
		case 15:
			if nu < len(u.MPUnreach) {
				v.order = append(v.order, v4Sec{kind: v4Unreach, i: nu, count: ipCount(u.MPUnreach[nu].Family, u.MPUnreach[nu].Prefixes)})
			}
			nu++
		}
	})
	if nr != len(u.MPReach) || nu != len(u.MPUnreach) {
		// The attribute walk disagrees with the decoder: count nothing after the
		// withdrawn routes.
		v.order = append(v.order[:1], v4Sec{kind: v4NLRI, count: -1})
		return
	}
	v.order = append(v.order, v4Sec{kind: v4NLRI, count: len(u.NLRI)})
}

func ipCount(f bgp.Family, ps []bgp.Prefix) int {
	if isIPFamily(f) {
		return len(ps)
	}
	return -1
}

// attrOrder calls fn with the type of every path attribute of the UPDATE msg (header
// included), in order. It stops quietly at anything malformed (ParseUpdate has checked
// the message already).
func attrOrder(msg []byte, fn func(typ uint8)) {
	const hl = 19
	if len(msg) < hl+4 {
		return
	}
	w := int(binary.BigEndian.Uint16(msg[hl:]))
	p := hl + 2 + w
	if p+2 > len(msg) {
		return
	}
	end := p + 2 + int(binary.BigEndian.Uint16(msg[p:]))
	if end > len(msg) {
		return
	}
	for p += 2; p+3 <= end; {
		flags, typ := msg[p], msg[p+1]
		l, hdr := int(msg[p+2]), 3
		if flags&0x10 != 0 { // extended length
			if p+4 > end {
				return
			}
			l, hdr = int(binary.BigEndian.Uint16(msg[p+2:])), 4
		}
		if p+hdr+l > end {
			return
		}
		fn(typ)
		p += hdr + l
	}
}

// v4Enter is called before the records of a section are emitted: it finds the index of
// the section's first NLRI.
func (s *Session) v4Enter(kind v4SecKind, i int) {
	v := &s.v4
	if !v.perNLRI {
		return
	}
	v.cur, v.first = -1, 0
	sum := 1
	for pos, sec := range v.order {
		if sec.kind == kind && sec.i == i {
			v.cur = pos
			v.first = sum
			return
		}
		if sec.count < 0 || sum == 0 {
			sum = 0
			continue
		}
		sum += sec.count
	}
}

// v4Run runs a family handler on sec, counting the NLRI it emits.
func (s *Session) v4Run(fh *Family, c *Ctx, sec *Section) error {
	sec.v4First = s.v4.first
	c.sec = sec
	err := fh.Decode(c, sec)
	c.sec = nil
	v := &s.v4
	if !v.perNLRI || v.cur < 0 || err != nil {
		return err
	}
	n := sec.v4Emitted
	if sec.v4Seen > 0 {
		n = sec.v4Seen
	}
	v.order[v.cur].count = n
	return nil
}

// v4Fields returns the BMPv4 fields of the i-th NLRI (0-based) of the section being
// emitted.
func (s *Session) v4Fields(i int) record.V4Fields {
	if !s.v4.on {
		return record.V4Fields{}
	}
	return s.v4.fieldsFor(s.v4.first, i)
}

// fieldsFor returns the fields of the i-th NLRI of a section whose first NLRI has index
// first (0: unknown).
func (v *v4State) fieldsFor(first, i int) record.V4Fields {
	if !v.perNLRI || first == 0 || first+i > 0x7fff {
		return v.allFields()
	}
	n := uint16(first + i)
	var f record.V4Fields
	v.setPathStatus(&f, v.pathStatusFor(n))
	from := len(v.arena)
	for _, k := range v.other {
		t := &v.tlvs[k]
		if t.Index == 0 || t.Index == n || (t.Index&bmp.TLVIndexGroupBit != 0 && v.groupHas(t.Index, n)) {
			v.arena = append(v.arena, bmpTLV(t))
		}
	}
	if len(v.arena) > from {
		f.BMPTLVs = v.arena[from:len(v.arena):len(v.arena)]
	}
	return f
}

// allFields are the fields of an NLRI reached by index-0 TLVs only.
func (v *v4State) allFields() record.V4Fields {
	if v.allOK {
		return v.all
	}
	v.allOK = true
	v.buildPS()
	v.setPathStatus(&v.all, v.psAll)
	from := len(v.arena)
	for _, k := range v.other {
		if t := &v.tlvs[k]; v.v3 {
			v.arena = append(v.arena, record.BMPTLV{Type: t.Type, Value: t.Value})
		} else if t.Index == 0 {
			v.arena = append(v.arena, bmpTLV(t))
		}
	}
	if len(v.arena) > from {
		v.all.BMPTLVs = v.arena[from:len(v.arena):len(v.arena)]
	}
	v.all.TrailingBytes = v.trailing
	return v.all
}

func (v *v4State) setPathStatus(f *record.V4Fields, k int) {
	if k < 0 {
		return
	}
	e := &v.ps[k]
	f.PathStatus = v.names[e.namesFrom:e.namesTo:e.namesTo]
	f.PathStatusCode = &e.code
	if e.hasReason {
		f.PathStatusReason = bmp.PathStatusReasonName(e.reason)
		f.PathStatusReasonCode = &e.reason
	}
}

// pathStatusFor returns the ps entry that applies to NLRI n, or -1.
func (v *v4State) pathStatusFor(n uint16) int {
	v.buildPS()
	if int(n) < len(v.psTable) && v.psTable[n] >= 0 {
		return int(v.psTable[n])
	}
	return v.psAll
}

// buildPS fills psTable: direct indexes first, then groups, each only where nothing more
// specific (or earlier) is set.
func (v *v4State) buildPS() {
	if v.psBuilt {
		return
	}
	v.psBuilt = true
	v.psTable = v.psTable[:0]
	set := func(n uint16, k int) {
		for int(n) >= len(v.psTable) {
			v.psTable = append(v.psTable, -1)
		}
		if v.psTable[n] < 0 {
			v.psTable[n] = int32(k)
		}
	}
	for k := range v.ps {
		switch idx := v.ps[k].index; {
		case idx == 0:
			if v.psAll < 0 {
				v.psAll = k
			}
		case idx&bmp.TLVIndexGroupBit == 0:
			set(idx, k)
		}
	}
	for k := range v.ps {
		idx := v.ps[k].index
		if idx&bmp.TLVIndexGroupBit == 0 {
			continue
		}
		for _, g := range v.groups {
			if g.Index == idx {
				for j := 0; j < g.Len(); j++ {
					set(g.Member(j), k)
				}
			}
		}
	}
}

func (v *v4State) groupHas(index, n uint16) bool {
	for _, g := range v.groups {
		if g.Index == index && g.Contains(n) {
			return true
		}
	}
	return false
}

func bmpTLV(t *bmp.InfoTLV) record.BMPTLV {
	r := record.BMPTLV{Type: t.Type, Index: t.Index, HasIndex: t.HasIndex, Value: t.Value}
	if pen, val, ok := t.Enterprise(); ok {
		r.PEN, r.HasPEN, r.Value = pen, true, val
	}
	return r
}

// v4Warn logs a malformed BMPv4 TLV (rate limited); the TLV is ignored or kept raw.
func (s *Session) v4Warn(h *bmp.PeerHeader, t *bmp.InfoTLV, err error) {
	if n, ok := s.log.allow(time.Now()); ok {
		msg := fmt.Sprintf("router=%s peer=%s peer_type=%d event=bmpv4_tlv_invalid tlv_type=%d tlv_index=%d err=%q",
			s.id, h.Address, h.Type, t.Type, t.Index, err)
		if n > 0 {
			msg += fmt.Sprintf(" suppressed=%d", n)
		}
		glog.WarningDepth(1, msg)
	}
}

// V4Fields returns the BMPv4 fields (path status, other Route Monitoring TLVs) of the i-th
// NLRI (0-based, in the order the handler decodes them) of sec, for a family handler's
// record: rec.V4Fields = c.V4Fields(sec, i). The zero value when the message has no
// BMPv4 TLVs. The result points into the session's per-message storage: emit the record
// before the handler returns.
func (c *Ctx) V4Fields(sec *Section, i int) record.V4Fields {
	if i+1 > sec.v4Seen {
		sec.v4Seen = i + 1
	}
	if !c.s.v4.on {
		return record.V4Fields{}
	}
	return c.s.v4.fieldsFor(sec.v4First, i)
}

// PathStatus returns the decoded Path Status TLV that applies to the i-th NLRI of sec,
// if any (see V4Fields).
func (c *Ctx) PathStatus(sec *Section, i int) (bmp.PathStatus, bool) {
	v := &c.s.v4
	if !v.on || len(v.ps) == 0 {
		return bmp.PathStatus{}, false
	}
	v.buildPS()
	k := v.psAll
	if v.perNLRI && sec.v4First > 0 && sec.v4First+i <= 0x7fff {
		k = v.pathStatusFor(uint16(sec.v4First + i))
	}
	if k < 0 {
		return bmp.PathStatus{}, false
	}
	e := &v.ps[k]
	return bmp.PathStatus{Status: e.code, Reason: e.reason, HasReason: e.hasReason}, true
}

// v4PeerTLVs returns the TLVs of a BMPv4 Peer Up or Peer Down message whose types are not
// in rendered (those have their own fields), for the record's bmp_tlvs. Nil for BMPv3.
func (s *Session) v4PeerTLVs(tlvs []bmp.InfoTLV, rendered ...uint16) []record.BMPTLV {
	if s.msg.Header.Version != 4 {
		return nil
	}
	var out []record.BMPTLV
next:
	for i := range tlvs {
		for _, typ := range rendered {
			if tlvs[i].Type == typ {
				continue next
			}
		}
		out = append(out, bmpTLV(&tlvs[i]))
	}
	return out
}
