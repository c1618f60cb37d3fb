package record

import (
	"encoding/json"
	"net/netip"
	"sort"
	"strconv"
	"time"
)

// Capability is one BGP capability of a Peer Up's OPEN messages: its code, its value in
// hex and its IANA name.
type Capability struct {
	Code  uint8  `json:"-"`
	Value string `json:"capability_value"`
	Descr string `json:"capability_descr"`
}

// Capabilities render as goBMP's adv_cap/recv_cap object: {"<code>":[{value, descr}…]}.
type Capabilities []Capability

func (cs Capabilities) appendJSON(dst []byte) []byte {
	idx := make([]int, len(cs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return cs[idx[a]].Code < cs[idx[b]].Code })
	dst = append(dst, '{')
	for i := 0; i < len(idx); {
		code := cs[idx[i]].Code
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = strconv.AppendUint(dst, uint64(code), 10)
		dst = append(dst, '"', ':', '[')
		start := i
		for j := i; j < len(idx) && cs[idx[j]].Code == code; j++ {
			if j > start {
				dst = append(dst, ',')
			}
			o := openObj(dst)
			o.str("capability_value", cs[idx[j]].Value)
			o.str("capability_descr", cs[idx[j]].Descr)
			dst = o.close()
			i = j + 1
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

func (cs Capabilities) MarshalJSON() ([]byte, error) { return cs.appendJSON(nil), nil }

func (cs *Capabilities) UnmarshalJSON(b []byte) error {
	var m map[string][]Capability
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*cs = (*cs)[:0]
	codes := make([]int, 0, len(m))
	for k := range m {
		n, err := strconv.Atoi(k)
		if err != nil {
			return err
		}
		codes = append(codes, n)
	}
	sort.Ints(codes)
	for _, c := range codes {
		for _, v := range m[strconv.Itoa(c)] {
			v.Code = uint8(c)
			*cs = append(*cs, v)
		}
	}
	return nil
}

// Peer is a Peer Up ("up") or Peer Down ("down") event. With --gobmp-peer-action, a Peer
// Up's action is goBMP's "add".
type Peer struct {
	Head
	Hash string `json:"hash"`
	RouterFields
	PeerHash           string     `json:"peer_hash"`
	RemoteBGPID        netip.Addr `json:"remote_bgp_id,omitzero"`
	RemoteIP           netip.Addr `json:"remote_ip,omitzero"`
	RemoteASN          uint32     `json:"remote_asn"`
	PeerType           uint8      `json:"peer_type"`
	PeerRD             string     `json:"peer_rd"`
	Timestamp          time.Time  `json:"timestamp"`
	CollectorTimestamp time.Time  `json:"collector_timestamp"`
	IsIPv4             bool       `json:"is_ipv4"`

	// Peer Up only.
	LocalIP        netip.Addr   `json:"local_ip,omitzero"`
	LocalPort      *uint16      `json:"local_port,omitempty"`
	RemotePort     *uint16      `json:"remote_port,omitempty"`
	LocalASN       *uint32      `json:"local_asn,omitempty"`
	LocalBGPID     netip.Addr   `json:"local_bgp_id,omitzero"`
	AdvHoldTime    *uint16      `json:"adv_holddown,omitempty"`
	RemoteHoldTime *uint16      `json:"remote_holddown,omitempty"`
	AdvCap         Capabilities `json:"adv_cap,omitempty"`
	RecvCap        Capabilities `json:"recv_cap,omitempty"`
	// InfoStrings are the Peer Up's free-form string TLVs (type 0); AdminLabel is TLV 4.
	InfoStrings []string `json:"info_strings,omitempty"`
	AdminLabel  string   `json:"admin_label,omitempty"`

	// Peer Down only.
	Reason     *uint8  `json:"bmp_reason,omitempty"`
	ReasonText string  `json:"bmp_reason_text,omitempty"`
	ErrorCode  *uint8  `json:"bmp_error_code,omitempty"`
	ErrorSub   *uint8  `json:"bmp_error_sub_code,omitempty"`
	ErrorText  string  `json:"error_text,omitempty"`
	FSMEvent   *uint16 `json:"fsm_event,omitempty"`
	// InfoData is the Peer Down's data after the reason byte, in hex.
	InfoData string `json:"info_data,omitempty"`

	// BMPTLVs are the BMPv4 Peer Up / Peer Down TLVs not rendered above (see v4.go).
	BMPTLVs []BMPTLV `json:"bmp_tlvs,omitempty"`

	// Synthesized marks a "down" record the collector made, not the router: the session
	// ended (EndReason as on the router record, or "termination" after a Termination
	// message) while the peer was up. It has no Peer Down fields and no router timestamp;
	// the peer fields are those of the peer's Peer Up.
	Synthesized bool   `json:"synthesized,omitempty"`
	EndReason   string `json:"end_reason,omitempty"`

	RIBFlags
}

// AppendJSON appends the record as one JSON object.
func (p *Peer) AppendJSON(dst []byte) []byte {
	o := openObj(dst)
	p.Head.appendTo(&o, TypePeer)
	o.str("hash", p.Hash)
	p.RouterFields.appendTo(&o)
	o.str("peer_hash", p.PeerHash)
	o.addrOK("remote_bgp_id", p.RemoteBGPID)
	o.addrOK("remote_ip", p.RemoteIP)
	o.u64("remote_asn", uint64(p.RemoteASN))
	o.u64("peer_type", uint64(p.PeerType))
	o.str("peer_rd", p.PeerRD)
	o.timeOK("timestamp", p.Timestamp)
	o.time("collector_timestamp", p.CollectorTimestamp)
	o.boolean("is_ipv4", p.IsIPv4)
	o.addrOK("local_ip", p.LocalIP)
	if p.LocalPort != nil {
		o.u64("local_port", uint64(*p.LocalPort))
	}
	if p.RemotePort != nil {
		o.u64("remote_port", uint64(*p.RemotePort))
	}
	if p.LocalASN != nil {
		o.u64("local_asn", uint64(*p.LocalASN))
	}
	o.addrOK("local_bgp_id", p.LocalBGPID)
	if p.AdvHoldTime != nil {
		o.u64("adv_holddown", uint64(*p.AdvHoldTime))
	}
	if p.RemoteHoldTime != nil {
		o.u64("remote_holddown", uint64(*p.RemoteHoldTime))
	}
	if len(p.AdvCap) > 0 {
		o.key("adv_cap")
		o.b = p.AdvCap.appendJSON(o.b)
	}
	if len(p.RecvCap) > 0 {
		o.key("recv_cap")
		o.b = p.RecvCap.appendJSON(o.b)
	}
	o.strsNE("info_strings", p.InfoStrings)
	o.strNE("admin_label", p.AdminLabel)
	if p.Reason != nil {
		o.u64("bmp_reason", uint64(*p.Reason))
	}
	o.strNE("bmp_reason_text", p.ReasonText)
	if p.ErrorCode != nil {
		o.u64("bmp_error_code", uint64(*p.ErrorCode))
	}
	if p.ErrorSub != nil {
		o.u64("bmp_error_sub_code", uint64(*p.ErrorSub))
	}
	o.strNE("error_text", p.ErrorText)
	if p.FSMEvent != nil {
		o.u64("fsm_event", uint64(*p.FSMEvent))
	}
	o.strNE("info_data", p.InfoData)
	appendBMPTLVs(&o, p.BMPTLVs)
	if p.Synthesized {
		o.boolean("synthesized", true)
	}
	o.strNE("end_reason", p.EndReason)
	p.RIBFlags.appendTo(&o)
	return o.close()
}

// PeerRecordHash is the hash of a peer record (the same for a peer's up and down): MD5
// over "peer", router_hash, remote_bgp_id, remote_ip, remote_asn, peer_type and peer_rd.
func PeerRecordHash(p *Parts, routerHash string, bgpID, addr netip.Addr, as uint32, peerType uint8, rd string) string {
	return p.Reset().Str("peer").Str(routerHash).Addr(bgpID).Addr(addr).Uint(uint64(as)).Uint(uint64(peerType)).Str(rd).Sum().String()
}
