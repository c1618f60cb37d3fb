package rib

import (
	"encoding/json"
	"net/netip"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// evpnDesc is the part of an EVPN record that identifies the route.
type evpnDesc struct {
	RouteType       *uint8          `json:"route_type,omitempty"`
	VPNRD           *record.EVPNRD  `json:"vpn_rd,omitempty"`
	ESI             *record.EVPNESI `json:"eth_segment_id,omitempty"`
	EthTag          *uint32         `json:"eth_tag,omitempty"`
	MAC             *record.EVPNMAC `json:"mac,omitempty"`
	MACLen          *uint8          `json:"mac_len,omitempty"`
	IPAddress       netip.Addr      `json:"ip_address,omitzero"`
	IPLen           *uint8          `json:"ip_len,omitempty"`
	Prefix          netip.Addr      `json:"prefix,omitzero"`
	PrefixLen       *uint8          `json:"prefix_len,omitempty"`
	OriginatorIP    netip.Addr      `json:"originator_ip,omitzero"`
	MulticastSource netip.Addr      `json:"multicast_source,omitzero"`
	MulticastGroup  netip.Addr      `json:"multicast_group,omitzero"`
	RegionID        string          `json:"region_id,omitempty"`
	RouteKey        string          `json:"route_key,omitempty"`
	NLRI            string          `json:"nlri,omitempty"`
}

// evpnKey returns an EVPN route's description (its key) and its IP prefix, if any.
func evpnKey(e *record.EVPN) (string, netip.Prefix) {
	d := evpnDesc{RouteType: e.RouteType, VPNRD: e.VPNRD, ESI: e.ESI, EthTag: e.EthTag, MAC: e.MAC, MACLen: e.MACLen,
		IPAddress: e.IPAddress, IPLen: e.IPLen, Prefix: e.Prefix, PrefixLen: e.PrefixLen, OriginatorIP: e.OriginatorIP,
		MulticastSource: e.MulticastSource, MulticastGroup: e.MulticastGroup, RegionID: e.RegionID, RouteKey: e.RouteKey, NLRI: e.NLRI}
	b, _ := json.Marshal(&d)
	var pfx netip.Prefix
	if p, ok := prefixOf(e.Prefix, e.PrefixLen); ok {
		pfx = p
	} else if e.IPAddress.IsValid() && e.IPLen != nil && *e.IPLen > 0 {
		pfx = netip.PrefixFrom(e.IPAddress, e.IPAddress.BitLen())
	}
	return string(b), pfx
}

func (t *Table) applyEVPN(e *record.EVPN, res *Result) {
	r := t.router(&e.RouterFields)
	p := t.peerOf(r, &e.PeerFields)
	k := ribKey{View: ViewOf(&e.RIBFlags), Table: e.TableName, Fam: EVPNFamily}
	if e.IsEOR {
		t.eor(r, p, k, e.CollectorTimestamp, res)
		return
	}
	if e.RouteType == nil {
		t.Stats.Ignored.Add(1)
		return
	}
	desc, pfx := evpnKey(e)
	id := pathID(e.PathID)
	now := e.CollectorTimestamp
	if e.Action == record.ActionDel {
		p.mu.Lock()
		tb := p.tables[k]
		var er *evpnRoute
		if tb != nil {
			er = tb.evpn[desc]
		}
		if er == nil {
			p.mu.Unlock()
			return
		}
		old, ok := er.del(id)
		if !ok {
			p.mu.Unlock()
			return
		}
		if er.a == nil {
			delete(tb.evpn, desc)
		}
		tb.paths--
		if tb.paths == 0 {
			delete(p.tables, k)
		}
		p.mu.Unlock()
		r.routes.Add(-1)
		t.paths.Add(-1)
		if t.watch.active() {
			t.emit(&Change{Del: true, RouterHash: r.Hash, RouterIP: r.IP, Peer: p, View: k.View, Table: k.Table, Family: k.Fam, Prefix: pfx, EVPN: desc, PathID: id, Attrs: old, Time: now})
		}
		t.attrs.put(old)
		return
	}
	ra := routeAttrs{base: e.BaseAttrs, nh: e.Nexthop, labels: e.Labels, origin: e.OriginAS}
	a := t.attrs.get(&ra)
	p.mu.Lock()
	tb := p.tables[k]
	if tb == nil {
		tb = &table{evpn: make(map[string]*evpnRoute)}
		p.tables[k] = tb
	}
	er := tb.evpn[desc]
	if t.cfg.SuppressDuplicates && er != nil {
		if cur := er.find(id); cur != nil && cur.a == a {
			cur.ts &^= staleBit
			p.mu.Unlock()
			t.attrs.put(a)
			t.Stats.Duplicates.Add(1)
			if res != nil {
				res.Duplicate = true
			}
			return
		}
	}
	if (er == nil || !er.has(id)) && !t.admit(r) {
		p.mu.Unlock()
		t.attrs.put(a)
		return
	}
	if er == nil {
		er = &evpnRoute{Desc: desc, Prefix: pfx}
		tb.evpn[desc] = er
	}
	old, replaced := er.set(path{a: a, id: id, ts: stamp(now)})
	if !replaced {
		tb.paths++
	}
	p.mu.Unlock()
	if replaced {
		t.attrs.put(old)
	} else {
		r.routes.Add(1)
		t.paths.Add(1)
	}
	if t.watch.active() {
		t.emit(&Change{RouterHash: r.Hash, RouterIP: r.IP, Peer: p, View: k.View, Table: k.Table, Family: k.Fam, Prefix: pfx, EVPN: desc, PathID: id, Attrs: a, Time: now})
	}
}
