package e2e

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// fsRule is one injected FlowSpec rule and what bmpstream must report for it.
type fsRule struct {
	family     bgp.Family
	components []bgp.FlowSpecComponentInterface
	extcomms   []bgp.ExtendedCommunityInterface
	ip6comms   []bgp.ExtendedCommunityInterface // IPv6 address specific (attribute 25)
	rd         bgp.RouteDistinguisherInterface  // VPN families
	rdText     string
	rule       string // expected readable rule
	spec       []obj  // expected spec[]
	actions    []obj  // expected actions
	withdrawn  bool
}

func (r *fsRule) nlri() *bgp.FlowSpecNLRI {
	if r.rd != nil {
		return must(bgp.NewFlowSpecVPN(r.family, r.rd, r.components))
	}
	return must(bgp.NewFlowSpecUnicast(r.family, r.components))
}

func (r *fsRule) ipv4() bool { return r.family == bgp.RF_FS_IPv4_UC || r.family == bgp.RF_FS_IPv4_VPN }

// specHash is goBMP's spec_hash computed from GoBGP's own encoding of the components.
func (r *fsRule) specHash() string {
	var comps []byte
	for _, c := range r.nlri().Value {
		comps = append(comps, must(c.Serialize())...)
	}
	af := byte(1)
	if !r.ipv4() {
		af = 2
	}
	sum := md5.Sum(append(append([]byte(r.rdText), af), comps...))
	return hex.EncodeToString(sum[:])
}

func (r *fsRule) path() *apiutil.Path {
	nlri := r.nlri()
	attrs := []bgp.PathAttributeInterface{
		bgp.NewPathAttributeOrigin(0),
		bgp.NewPathAttributeAsPath([]bgp.AsPathParamInterface{bgp.NewAs4PathParam(bgp.BGP_ASPATH_ATTR_TYPE_SEQ, asPath)}),
		must(bgp.NewPathAttributeMpReachNLRI(r.family, []bgp.PathNLRI{{NLRI: nlri}})),
		bgp.NewPathAttributeExtendedCommunities(r.extcomms),
	}
	if r.ip6comms != nil {
		attrs = append(attrs, bgp.NewPathAttributeIP6ExtendedCommunities(r.ip6comms))
	}
	return &apiutil.Path{Family: r.family, Nlri: nlri, Attrs: attrs, Age: time.Now().Unix()}
}

func numItem(op uint8, v uint64) *bgp.FlowSpecComponentItem {
	return bgp.NewFlowSpecComponentItem(op, v)
}

func numOp(end, and bool, n int, lt, gt, eq bool) obj {
	return obj{"end_of_list_bit": end, "and_bit": and, "value_length": n, "less_than": lt, "greater_than": gt, "equal": eq}
}

func bitOp(end, and bool, n int, not, match bool) obj {
	return obj{"end_of_list_bit": end, "and_bit": and, "value_length": n, "not": not, "match": match}
}

func pair(op obj, v uint64) obj { return obj{"operator": op, "value": v} }

// flowspecRules: two IPv4 rules, one IPv6 rule and one IPv4 VPN rule covering prefixes,
// numeric and bitmask operators, AND/OR, 1- and 2-byte values, the route distinguisher,
// and the traffic-rate, redirect (AS, IPv4 and IPv6 specific), traffic-marking and
// traffic-action actions (a route target among them is not an action). The first IPv4
// rule is withdrawn later.
func flowspecRules() []*fsRule {
	end, and := uint8(bgp.DEC_NUM_OP_END), uint8(bgp.DEC_NUM_OP_AND)
	return []*fsRule{
		{family: bgp.RF_FS_IPv4_UC, withdrawn: true,
			components: []bgp.FlowSpecComponentInterface{
				bgp.NewFlowSpecDestinationPrefix(must(bgp.NewIPAddrPrefix(netip.MustParsePrefix("198.51.100.0/24")))),
				bgp.NewFlowSpecComponent(bgp.FLOW_SPEC_TYPE_IP_PROTO, []*bgp.FlowSpecComponentItem{numItem(end|bgp.DEC_NUM_OP_EQ, 6)}),
				bgp.NewFlowSpecComponent(bgp.FLOW_SPEC_TYPE_DST_PORT, []*bgp.FlowSpecComponentItem{
					numItem(bgp.DEC_NUM_OP_GT_EQ, 80), numItem(and|bgp.DEC_NUM_OP_LT_EQ, 90), numItem(end|bgp.DEC_NUM_OP_EQ, 443)}),
			},
			extcomms: []bgp.ExtendedCommunityInterface{bgp.NewTrafficRateExtended(65002, 0), bgp.NewRedirectTwoOctetAsSpecificExtended(65002, 100)},
			rule:     "dst 198.51.100.0/24 && proto ==6 && dport (>=80&<=90 || ==443)",
			spec: []obj{
				{"type": 1, "name": "dst", "prefix": "198.51.100.0", "prefix_len": 24},
				{"type": 3, "name": "proto", "op_val_pairs": []obj{pair(numOp(true, false, 1, false, false, true), 6)}},
				{"type": 5, "name": "dport", "op_val_pairs": []obj{pair(numOp(false, false, 1, false, true, true), 80),
					pair(numOp(false, true, 1, true, false, true), 90), pair(numOp(true, false, 2, false, false, true), 443)}},
			},
			actions: []obj{{"type": "traffic-rate-bytes", "as": 65002, "rate": 0},
				{"type": "redirect", "target": "65002:100", "as": 65002, "local": 100}}},
		{family: bgp.RF_FS_IPv4_UC,
			components: []bgp.FlowSpecComponentInterface{
				bgp.NewFlowSpecSourcePrefix(must(bgp.NewIPAddrPrefix(netip.MustParsePrefix("203.0.113.0/25")))),
				bgp.NewFlowSpecComponent(bgp.FLOW_SPEC_TYPE_TCP_FLAG, []*bgp.FlowSpecComponentItem{
					numItem(bgp.BITMASK_FLAG_OP_MATCH, bgp.TCP_FLAG_SYN), numItem(bgp.BITMASK_FLAG_OP_END|bgp.BITMASK_FLAG_OP_AND|bgp.BITMASK_FLAG_OP_NOT, bgp.TCP_FLAG_ACK)}),
				bgp.NewFlowSpecComponent(bgp.FLOW_SPEC_TYPE_PKT_LEN, []*bgp.FlowSpecComponentItem{numItem(end|bgp.DEC_NUM_OP_LT, 1000)}),
				bgp.NewFlowSpecComponent(bgp.FLOW_SPEC_TYPE_FRAGMENT, []*bgp.FlowSpecComponentItem{
					numItem(bgp.BITMASK_FLAG_OP_END, bgp.FRAG_FLAG_FIRST|bgp.FRAG_FLAG_LAST)}),
			},
			extcomms: []bgp.ExtendedCommunityInterface{bgp.NewTrafficRemarkExtended(10), bgp.NewTrafficActionExtended(false, true)},
			rule:     "src 203.0.113.0/25 && tcp-flags all(syn)&!any(ack) && len <1000 && frag any(ff,lf)",
			spec: []obj{
				{"type": 2, "name": "src", "prefix": "203.0.113.0", "prefix_len": 25},
				{"type": 9, "name": "tcp-flags", "op_val_pairs": []obj{pair(bitOp(false, false, 1, false, true), 2), pair(bitOp(true, true, 1, true, false), 16)}},
				{"type": 10, "name": "len", "op_val_pairs": []obj{pair(numOp(true, false, 2, true, false, false), 1000)}},
				{"type": 12, "name": "frag", "op_val_pairs": []obj{pair(bitOp(true, false, 1, false, false), 12)}},
			},
			actions: []obj{{"type": "traffic-marking", "dscp": 10}, {"type": "traffic-action", "terminal_action": false, "sample": true}}},
		{family: bgp.RF_FS_IPv6_UC,
			components: []bgp.FlowSpecComponentInterface{
				bgp.NewFlowSpecDestinationPrefix6(must(bgp.NewIPAddrPrefix(netip.MustParsePrefix("2001:db8:1::/48"))), 0),
				bgp.NewFlowSpecComponent(bgp.FLOW_SPEC_TYPE_IP_PROTO, []*bgp.FlowSpecComponentItem{numItem(end|bgp.DEC_NUM_OP_EQ, 17)}),
				bgp.NewFlowSpecComponent(bgp.FLOW_SPEC_TYPE_SRC_PORT, []*bgp.FlowSpecComponentItem{numItem(end|bgp.DEC_NUM_OP_EQ, 53)}),
			},
			extcomms: []bgp.ExtendedCommunityInterface{bgp.NewTrafficRateExtended(0, 125000)},
			ip6comms: []bgp.ExtendedCommunityInterface{must(bgp.NewRedirectIPv6AddressSpecificExtended(netip.MustParseAddr("2001:db8::100"), 7))},
			rule:     "dst 2001:db8:1::/48 && proto ==17 && sport ==53",
			spec: []obj{
				{"type": 1, "name": "dst", "prefix": "2001:db8:1::", "prefix_len": 48},
				{"type": 3, "name": "proto", "op_val_pairs": []obj{pair(numOp(true, false, 1, false, false, true), 17)}},
				{"type": 6, "name": "sport", "op_val_pairs": []obj{pair(numOp(true, false, 1, false, false, true), 53)}},
			},
			actions: []obj{{"type": "traffic-rate-bytes", "as": 0, "rate": 125000},
				{"type": "redirect", "target": "[2001:db8::100]:7", "address": "2001:db8::100", "local": 7}}},
		{family: bgp.RF_FS_IPv4_VPN, rd: bgp.NewRouteDistinguisherTwoOctetAS(65002, 7), rdText: "65002:7",
			components: []bgp.FlowSpecComponentInterface{
				bgp.NewFlowSpecDestinationPrefix(must(bgp.NewIPAddrPrefix(netip.MustParsePrefix("10.9.0.0/16")))),
				bgp.NewFlowSpecComponent(bgp.FLOW_SPEC_TYPE_ICMP_TYPE, []*bgp.FlowSpecComponentItem{numItem(end|bgp.DEC_NUM_OP_EQ, 8)}),
			},
			extcomms: []bgp.ExtendedCommunityInterface{must(bgp.NewRedirectIPv4AddressSpecificExtended(netip.MustParseAddr("192.0.2.50"), 9)),
				bgp.NewTwoOctetAsSpecificExtended(bgp.EC_SUBTYPE_ROUTE_TARGET, 65002, 7, true)},
			rule: "dst 10.9.0.0/16 && icmp-type ==8",
			spec: []obj{
				{"type": 1, "name": "dst", "prefix": "10.9.0.0", "prefix_len": 16},
				{"type": 7, "name": "icmp-type", "op_val_pairs": []obj{pair(numOp(true, false, 1, false, false, true), 8)}},
			},
			actions: []obj{{"type": "redirect", "target": "192.0.2.50:9", "address": "192.0.2.50", "local": 9}}},
	}
}

func isFlowspec(view, action string) func(rec) bool {
	return func(r rec) bool {
		return isType("flowspec", action)(r) && !r.has("is_eor") && r.view() == view
	}
}

// TestGoBGPFlowspec: FlowSpec rules injected into GoBGP come out of its BMP stream as
// flowspec records in every view, with the rule, spec, spec_hash and actions decoded;
// a withdrawal keeps the spec_hash.
func TestGoBGPFlowspec(t *testing.T) {
	rules := flowspecRules()
	l := newLab(t, labOptions{families: []bgp.Family{bgp.RF_FS_IPv4_UC, bgp.RF_FS_IPv6_UC, bgp.RF_FS_IPv4_VPN}})
	l.attachBMP(sysName, sysDescr)
	l.connect()
	var paths []*apiutil.Path
	for _, r := range rules {
		paths = append(paths, r.path())
	}
	rs := l.announceWithdraw(paths, map[bgp.Family]int{bgp.RF_FS_IPv4_UC: 2, bgp.RF_FS_IPv6_UC: 1, bgp.RF_FS_IPv4_VPN: 1}, rules[0].path(), isFlowspec)
	l.checkDecodeErrors()
	checkCommon(t, rs, sysName)
	for _, view := range []string{"pre", "post", "loc"} {
		adds := filter(rs, isFlowspec(view, "add"))
		for _, r := range rules {
			var got rec
			for _, a := range adds {
				if a.str("rule") == r.rule {
					got = a
				}
			}
			if got == nil {
				t.Errorf("%s: no add record with rule %q", view, r.rule)
				continue
			}
			want := fsWant(r, view, got)
			checkFields(t, fmt.Sprintf("%s add %s", view, r.rule), got, want)
			if ba, ok := got["base_attrs"].(map[string]any); !ok || len(ba["ext_community_list"].([]any)) != len(r.extcomms) {
				t.Errorf("%s %s: base_attrs %v", view, r.rule, got["base_attrs"])
			}
		}
		del := filter(rs, isFlowspec(view, "del"))[0]
		want := fsWant(rules[0], view, del)
		for _, k := range []string{"base_attrs", "actions", "origin_as"} {
			delete(want, k)
		}
		want["action"] = "del"
		checkFields(t, view+" del", del, want)
	}
}

// fsWant is the expected record of rule r in view (the peer fields come from the
// record's own peer, checked by peer type).
func fsWant(r *fsRule, view string, got rec) obj {
	w := obj{"type": "flowspec", "action": "add", "rule": r.rule, "spec": r.spec, "actions": r.actions, "spec_hash": r.specHash(),
		"is_ipv4": r.ipv4(), "origin_as": 4200000001, "router_ip": routerAddr, "router_name": sysName,
		"is_adj_rib_in_post_policy": view == "post", "is_adj_rib_out_post_policy": false, "is_adj_rib_out": false,
		"is_loc_rib": view == "loc", "is_loc_rib_filtered": false}
	if r.rdText != "" {
		w["rd"] = r.rdText
	}
	if view == "loc" {
		w["peer_type"], w["peer_asn"], w["remote_bgp_id"], w["peer_rd"], w["peer_ip"] = 3, dutASN, dutID, "0:0", "0.0.0.0"
		if got.has("table_name") {
			w["table_name"] = got["table_name"]
		}
		// GoBGP 4.8 puts a path ID on every Loc-RIB NLRI without declaring ADD-PATH for
		// FlowSpec in the Loc-RIB Peer Up (see TestGoBGPLocRIBUndeclaredAddPath).
		w["path_id"] = 1
	} else {
		w["peer_type"], w["peer_asn"], w["remote_bgp_id"], w["peer_ip"] = 0, injASN, injID, injAddr
	}
	return w
}
