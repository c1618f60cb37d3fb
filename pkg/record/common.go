package record

import (
	"net/netip"
	"time"
)

// RouterFields identify the monitored router: the BMP session's TCP remote address (never a
// Peer Up's local address) and the Initiation sysName once it is known.
type RouterFields struct {
	RouterHash string     `json:"router_hash"`
	RouterIP   netip.Addr `json:"router_ip"`
	RouterName string     `json:"router_name,omitempty"`

	enc []byte // see Cache
}

// Cache encodes the fields once into a new buffer; records holding a copy of r then splice
// the encoding instead of rendering the fields again. Call it again after any change.
func (r *RouterFields) Cache() {
	r.enc = nil
	o := members(nil)
	r.appendTo(&o)
	r.enc = o.b
}

func (r *RouterFields) appendTo(o *obj) {
	if r.enc != nil {
		o.fields(r.enc)
		return
	}
	o.str("router_hash", r.RouterHash)
	o.addr("router_ip", r.RouterIP)
	o.strNE("router_name", r.RouterName)
}

// PeerFields are the per-peer header fields shared by route, statistics and mirroring
// records, plus the collector's receive time.
type PeerFields struct {
	PeerHash string     `json:"peer_hash"`
	PeerIP   netip.Addr `json:"peer_ip"`
	PeerType uint8      `json:"peer_type"`
	PeerASN  uint32     `json:"peer_asn"`
	// PeerBGPID is the peer's BGP identifier.
	PeerBGPID netip.Addr `json:"remote_bgp_id"`
	// PeerRD is the peer distinguisher as text, for RD-instance, local-instance and Loc-RIB
	// peers (absent for global-instance peers, whose distinguisher is 0:0).
	PeerRD string `json:"peer_rd,omitempty"`
	// Timestamp is the router's per-peer header time; CollectorTimestamp the time the
	// collector received the message.
	Timestamp          time.Time `json:"timestamp"`
	CollectorTimestamp time.Time `json:"collector_timestamp"`

	enc []byte // see CacheInto
	// Formatting caches of the two timestamps (per peer: one message after the other).
	tsCache, ctsCache timeCache
}

// CacheInto encodes the fields into dst and keeps that encoding, so that the records of
// one message, which all carry the same peer fields and timestamps, splice it instead of
// rendering it again. dst must stay untouched while records holding a copy of p are
// encoded; any change to p needs another CacheInto (or ClearCache).
func (p *PeerFields) CacheInto(dst []byte) []byte {
	p.enc = nil
	o := members(dst)
	p.appendTo(&o)
	p.enc = o.b
	return o.b
}

// ClearCache drops the cached encoding.
func (p *PeerFields) ClearCache() { p.enc = nil }

func (p *PeerFields) appendTo(o *obj) {
	if p.enc != nil {
		o.fields(p.enc)
		return
	}
	o.str("peer_hash", p.PeerHash)
	o.addrOK("peer_ip", p.PeerIP)
	o.u64("peer_type", uint64(p.PeerType))
	o.u64("peer_asn", uint64(p.PeerASN))
	o.addrOK("remote_bgp_id", p.PeerBGPID)
	o.strNE("peer_rd", p.PeerRD)
	if !p.Timestamp.IsZero() {
		o.timeC("timestamp", p.Timestamp, &p.tsCache)
	}
	o.timeC("collector_timestamp", p.CollectorTimestamp, &p.ctsCache)
}

// RIBFlags tell which RIB view a route record belongs to (RFC 7854 L flag, RFC 8671 O
// flag, RFC 9069 Loc-RIB and F flag). All five are always present, as in goBMP.
type RIBFlags struct {
	IsAdjRIBInPostPolicy  bool   `json:"is_adj_rib_in_post_policy"`
	IsAdjRIBOutPostPolicy bool   `json:"is_adj_rib_out_post_policy"`
	IsAdjRIBOut           bool   `json:"is_adj_rib_out"`
	IsLocRIB              bool   `json:"is_loc_rib"`
	IsLocRIBFiltered      bool   `json:"is_loc_rib_filtered"`
	TableName             string `json:"table_name,omitempty"`

	enc []byte // see CacheInto
}

// CacheInto encodes the flags into dst and keeps that encoding (see PeerFields.CacheInto).
func (f *RIBFlags) CacheInto(dst []byte) []byte {
	f.enc = nil
	o := members(dst)
	f.appendTo(&o)
	f.enc = o.b
	return o.b
}

func (f *RIBFlags) appendTo(o *obj) {
	if f.enc != nil {
		o.fields(f.enc)
		return
	}
	o.boolean("is_adj_rib_in_post_policy", f.IsAdjRIBInPostPolicy)
	o.boolean("is_adj_rib_out_post_policy", f.IsAdjRIBOutPostPolicy)
	o.boolean("is_adj_rib_out", f.IsAdjRIBOut)
	o.boolean("is_loc_rib", f.IsLocRIB)
	o.boolean("is_loc_rib_filtered", f.IsLocRIBFiltered)
	o.strNE("table_name", f.TableName)
}

// Head is the start of every record: its type, action and per-session sequence number.
// Sequence numbers start at 1 for each BMP session and increase by one per record, so a
// consumer can detect a gap.
type Head struct {
	Type     string `json:"type"`
	Action   string `json:"action,omitempty"`
	Sequence uint64 `json:"sequence"`
}

func (h *Head) appendTo(o *obj, t Type) {
	o.str("type", t.String())
	o.strNE("action", h.Action)
	o.u64("sequence", h.Sequence)
}

// appendEOR writes is_eor, afi and safi of an End-of-RIB record (nothing otherwise).
func appendEOR(o *obj, eor bool, afi uint16, safi uint8) {
	if !eor {
		return
	}
	o.boolean("is_eor", true)
	o.u64("afi", uint64(afi))
	o.u64("safi", uint64(safi))
}

// PathFields are a route record's ADD-PATH path identifier and origin AS; present with
// value 0 is not absent, hence the pointers (set with SetPathID / SetOriginAS, which do
// not allocate).
type PathFields struct {
	OriginAS *uint32 `json:"origin_as,omitempty"`
	PathID   *uint32 `json:"path_id,omitempty"`

	originAS, pathID uint32
}

// SetPathID sets the ADD-PATH path identifier.
func (p *PathFields) SetPathID(id uint32) { p.pathID = id; p.PathID = &p.pathID }

// SetOriginAS sets the origin AS.
func (p *PathFields) SetOriginAS(as uint32) { p.originAS = as; p.OriginAS = &p.originAS }

// appendTo writes origin_as, the next hop (nexthop, nexthop_link_local and
// is_nexthop_ipv4, when there is one) and path_id, in that order.
func (p *PathFields) appendTo(o *obj, nh, linkLocal netip.Addr, nhIPv4 bool) {
	appendRoute(o, p.OriginAS, p.PathID, nh, linkLocal, nhIPv4)
}

func appendRoute(o *obj, originAS, pathID *uint32, nh, linkLocal netip.Addr, nhIPv4 bool) {
	if originAS != nil {
		o.u64("origin_as", uint64(*originAS))
	}
	if nh.IsValid() {
		o.addr("nexthop", nh)
		o.addrOK("nexthop_link_local", linkLocal)
		o.boolean("is_nexthop_ipv4", nhIPv4)
	}
	if pathID != nil {
		o.u64("path_id", uint64(*pathID))
	}
}

// EORFields mark an End-of-RIB record and tell the family it ends (afi and safi are
// written only on End-of-RIB records, by appendEOR).
type EORFields struct {
	IsEOR bool   `json:"is_eor,omitempty"`
	AFI   uint16 `json:"afi,omitempty"`
	SAFI  uint8  `json:"safi,omitempty"`
}
