package e2e

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// srPolicy is one injected SR Policy candidate path.
type srPolicy struct {
	family        bgp.Family
	distinguisher uint32
	color         uint32
	endpoint      netip.Addr
	nexthop       netip.Addr
	withdrawn     bool
}

func (p *srPolicy) nlri() *bgp.SRPolicyNLRI {
	bits := uint32(96)
	if p.endpoint.Is6() {
		bits = 192
	}
	return must(bgp.NewSRPolicy(p.family, bits, p.distinguisher, p.color, p.endpoint.AsSlice()))
}

// srCandidatePath is the Tunnel Encapsulation attribute of every injected policy. GoBGP
// 4.8 can originate segment types A and B only (C-K are covered by the unit tests); its
// SRv6 binding SID serializer is broken, so the MPLS binding SID is used.
func srCandidatePath() *bgp.PathAttributeTunnelEncap {
	sid := netip.MustParseAddr("fc00:0:2:e000::").AsSlice()
	sub := func(t bgp.EncapSubTLVType) bgp.TunnelEncapSubTLV { return bgp.TunnelEncapSubTLV{Type: t} }
	return bgp.NewPathAttributeTunnelEncap([]*bgp.TunnelEncapTLV{bgp.NewTunnelEncapTLV(bgp.TUNNEL_TYPE_SR_POLICY, []bgp.TunnelEncapSubTLVInterface{
		bgp.NewTunnelEncapSubTLVSRPreference(0, 200),
		&bgp.TunnelEncapSubTLVSRBSID{TunnelEncapSubTLV: sub(bgp.ENCAP_SUBTLV_TYPE_SRBINDING_SID), Flags: 0x80,
			BSID: must(bgp.NewBSID(binary.BigEndian.AppendUint32(nil, 24321)))},
		bgp.NewTunnelEncapSubTLVSRPriority(10),
		bgp.NewTunnelEncapSubTLVSRENLP(0, bgp.ENLPType3),
		&bgp.TunnelEncapSubTLVSRSegmentList{TunnelEncapSubTLV: sub(bgp.ENCAP_SUBTLV_TYPE_SRSEGMENT_LIST),
			Weight: &bgp.SegmentListWeight{TunnelEncapSubTLV: sub(9), Weight: 5},
			Segments: []bgp.TunnelEncapSubTLVInterface{
				&bgp.SegmentTypeA{TunnelEncapSubTLV: sub(bgp.EncapSubTLVType(bgp.TypeA)), Label: 16002<<12 | 0x100 | 64},
				&bgp.SegmentTypeB{TunnelEncapSubTLV: sub(bgp.EncapSubTLVType(bgp.TypeB)), Flags: 0x10, SID: sid,
					SRv6EBS: &bgp.SRv6EndpointBehaviorStructure{Behavior: bgp.END_DT46, BlockLen: 32, NodeLen: 16, FuncLen: 16}},
			}},
		bgp.NewTunnelEncapSubTLVSRCandidatePathName("e2e-cp"),
	})})
}

func (p *srPolicy) path() *apiutil.Path {
	nlri := p.nlri()
	attrs := []bgp.PathAttributeInterface{
		bgp.NewPathAttributeOrigin(0),
		bgp.NewPathAttributeAsPath([]bgp.AsPathParamInterface{bgp.NewAs4PathParam(bgp.BGP_ASPATH_ATTR_TYPE_SEQ, asPath)}),
		must(bgp.NewPathAttributeMpReachNLRI(p.family, []bgp.PathNLRI{{NLRI: nlri}}, p.nexthop)),
		srCandidatePath(),
	}
	return &apiutil.Path{Family: p.family, Nlri: nlri, Attrs: attrs, Age: time.Now().Unix()}
}

// srWant is what every announcement record carries from srCandidatePath.
func srWant() obj {
	flags := func(v, a, s, b bool) obj { return obj{"v_flag": v, "a_flag": a, "s_flag": s, "b_flag": b} }
	return obj{
		"policy_path_name":  "e2e-cp",
		"preference_subtlv": obj{"flags": 0, "preference": 200},
		"binding_sid":       obj{"s_flag": true, "i_flag": false, "label": 24321},
		"priority_subtlv":   10,
		"enlp_subtlv":       obj{"flags": 0, "enlp": 3},
		"segment_list_subtlv": []obj{{"weight_subtlv": obj{"flags": 0, "weight": 5}, "segments": []obj{
			{"segment_type": 1, "type": "A", "flags": flags(false, false, false, false), "label": 16002, "tc": 0, "s": true, "ttl": 64},
			{"segment_type": 13, "type": "B", "flags": flags(false, false, false, true), "srv6_sid": "fc00:0:2:e000::",
				"endpoint_behavior": obj{"behavior": 20, "lb_length": 32, "ln_length": 16, "fun_length": 16, "arg_length": 0}},
		}}},
	}
}

func isSRPolicy(view, action string) func(rec) bool {
	return func(r rec) bool { return isType("sr_policy", action)(r) && !r.has("is_eor") && r.view() == view }
}

// TestGoBGPSRPolicy: SR Policy candidate paths (IPv4 and IPv6 endpoints) injected into
// GoBGP come out as sr_policy records with the NLRI and the candidate path decoded from
// the Tunnel Encapsulation attribute, in every view; a withdrawal carries the NLRI only.
func TestGoBGPSRPolicy(t *testing.T) {
	policies := []*srPolicy{
		{family: bgp.RF_SR_POLICY_IPv4, distinguisher: 2, color: 100, endpoint: netip.MustParseAddr("192.0.2.9"), nexthop: netip.MustParseAddr(injAddr), withdrawn: true},
		{family: bgp.RF_SR_POLICY_IPv4, distinguisher: 3, color: 4294967295, endpoint: netip.MustParseAddr("192.0.2.10"), nexthop: netip.MustParseAddr(injAddr)},
		{family: bgp.RF_SR_POLICY_IPv6, distinguisher: 4, color: 200, endpoint: netip.MustParseAddr("2001:db8::9"), nexthop: netip.MustParseAddr(nextHop6)},
	}
	l := newLab(t, labOptions{families: []bgp.Family{bgp.RF_SR_POLICY_IPv4, bgp.RF_SR_POLICY_IPv6}})
	l.attachBMP(sysName, sysDescr)
	l.connect()
	var paths []*apiutil.Path
	for _, p := range policies {
		paths = append(paths, p.path())
	}
	rs := l.announceWithdraw(paths, map[bgp.Family]int{bgp.RF_SR_POLICY_IPv4: 2, bgp.RF_SR_POLICY_IPv6: 1}, policies[0].path(), isSRPolicy)
	l.checkDecodeErrors()
	checkCommon(t, rs, sysName)
	for _, view := range []string{"pre", "post", "loc"} {
		adds := filter(rs, isSRPolicy(view, "add"))
		for _, p := range policies {
			var got rec
			for _, a := range adds {
				if a.num("distinguisher") == float64(p.distinguisher) {
					got = a
				}
			}
			if got == nil {
				t.Errorf("%s: no add record for distinguisher %d", view, p.distinguisher)
				continue
			}
			want := srRecordWant(p, view, got)
			for k, v := range srWant() {
				want[k] = v
			}
			checkFields(t, fmt.Sprintf("%s add %d", view, p.distinguisher), got, want)
		}
		del := filter(rs, isSRPolicy(view, "del"))[0]
		want := srRecordWant(policies[0], view, del)
		want["action"] = "del"
		for _, k := range []string{"nexthop", "is_nexthop_ipv4", "origin_as"} {
			delete(want, k)
		}
		checkFields(t, view+" del", del, want)
	}
}

// srRecordWant is the expected NLRI and identity part of a record of p in view.
// The next hop is the injector's in every view (the DUT does not rewrite it).
func srRecordWant(p *srPolicy, view string, got rec) obj {
	w := obj{"type": "sr_policy", "action": "add", "distinguisher": p.distinguisher, "color": p.color, "endpoint": p.endpoint.String(),
		"is_ipv4": p.family == bgp.RF_SR_POLICY_IPv4, "origin_as": 4200000001, "nexthop": p.nexthop.String(), "is_nexthop_ipv4": p.nexthop.Is4(),
		"router_ip": routerAddr, "router_name": sysName,
		"is_adj_rib_in_post_policy": view == "post", "is_adj_rib_out_post_policy": false, "is_adj_rib_out": false,
		"is_loc_rib": view == "loc", "is_loc_rib_filtered": false}
	if view == "loc" {
		w["peer_type"], w["peer_asn"], w["remote_bgp_id"], w["peer_rd"], w["peer_ip"] = 3, dutASN, dutID, "0:0", "0.0.0.0"
		w["table_name"], w["path_id"] = got["table_name"], 1
	} else {
		w["peer_type"], w["peer_asn"], w["remote_bgp_id"], w["peer_ip"] = 0, injASN, injID, injAddr
	}
	return w
}
