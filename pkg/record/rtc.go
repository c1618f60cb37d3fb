package record

import "net/netip"

// RTCPrefix is one Route Target membership route (AFI 1, SAFI 132; RFC 4684): an
// announcement, a withdrawal or an End-of-RIB marker. Field names are goBMP's RTCPrefix;
// hash, nexthop, is_nexthop_ipv4, path_id, afi and safi are bmpstream's.
type RTCPrefix struct {
	Head
	// Hash is bmpstream's: MD5 over "rtc", router_hash, peer_hash, length, origin_as,
	// route_target, path_id (each followed by a 0 byte). Not on End-of-RIB records.
	Hash MD5 `json:"hash,omitzero"`
	RouterFields
	PeerFields
	BaseAttrs *BaseAttrs `json:"base_attrs,omitempty"`
	// Length is the NLRI prefix length in bits, on every route record: 0 (the default
	// route target, membership of all), 32 (origin AS only) to 96 (a whole route target).
	Length *uint8 `json:"length,omitempty"`
	// RouteTarget is the route target ("65000:100", "192.0.2.1:7", "4200000001:7") when
	// Length is 96; for a route target prefix (33 to 95) the bytes present, in hex.
	RouteTarget   string     `json:"route_target,omitempty"`
	IsIPv4        bool       `json:"is_ipv4"`
	Nexthop       netip.Addr `json:"nexthop,omitzero"`
	IsNexthopIPv4 bool       `json:"is_nexthop_ipv4"`
	PathFields
	EORFields
	RIBFlags
	V4Fields

	length uint8
}

// SetLength sets Length.
func (r *RTCPrefix) SetLength(l uint8) { r.length = l; r.Length = &r.length }

// AppendJSON appends the record as one JSON object.
func (r *RTCPrefix) AppendJSON(dst []byte) []byte {
	o := openObj(dst)
	r.Head.appendTo(&o, TypeRTC)
	appendHashVPN(&o, r.Hash)
	r.RouterFields.appendTo(&o)
	r.PeerFields.appendTo(&o)
	if r.Length != nil {
		o.u64("length", uint64(*r.Length))
	}
	if r.OriginAS != nil {
		o.u64("origin_as", uint64(*r.OriginAS))
	}
	o.strNE("route_target", r.RouteTarget)
	o.boolean("is_ipv4", r.IsIPv4)
	if r.Nexthop.IsValid() {
		o.addr("nexthop", r.Nexthop)
		o.boolean("is_nexthop_ipv4", r.IsNexthopIPv4)
	}
	if r.PathID != nil {
		o.u64("path_id", uint64(*r.PathID))
	}
	appendEOR(&o, r.IsEOR, r.AFI, r.SAFI)
	r.RIBFlags.appendTo(&o)
	r.V4Fields.appendTo(&o)
	if r.BaseAttrs != nil {
		o.key("base_attrs")
		o.b = r.BaseAttrs.AppendJSON(o.b)
	}
	return o.close()
}

// RTCHash is the hash of an rtc record: MD5 over "rtc", router_hash, peer_hash, length,
// origin_as (0 when absent), route_target and path ID (0 when absent).
func RTCHash(p *Parts, routerHash, peerHash string, length uint8, originAS uint32, routeTarget string, pathID uint32) MD5 {
	return p.Reset().Str("rtc").Str(routerHash).Str(peerHash).Uint(uint64(length)).Uint(uint64(originAS)).
		Str(routeTarget).Uint(uint64(pathID)).Sum()
}
