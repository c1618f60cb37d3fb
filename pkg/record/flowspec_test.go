package record

import (
	"bytes"
	"crypto/md5"
	"encoding/json"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func fullFlowspec() *Flowspec {
	a := &BaseAttrs{BaseAttrHash: MD5{0x88, 0xdb}, Origin: "igp", ExtCommunities: []string{"0x8006000000000000"}}
	f := &Flowspec{Head: Head{Action: ActionAdd, Sequence: 3},
		RouterFields: RouterFields{RouterHash: "d0f8", RouterIP: netip.MustParseAddr("192.0.2.1")},
		PeerFields: PeerFields{PeerHash: "f12c", PeerIP: netip.MustParseAddr("192.0.2.2"), PeerASN: 65002,
			PeerBGPID: netip.MustParseAddr("192.0.2.2"), Timestamp: ts(), CollectorTimestamp: ts().Add(time.Second)},
		BaseAttrs: a, IsIPv4: true, Nexthop: netip.MustParseAddr("192.0.2.2"), IsNexthopIPv4: true,
		SpecHash: "0123456789abcdef0123456789abcdef", RD: "65000:100",
		Rule: "dst 192.0.2.0/24 && port (>=137&<=139 || ==8080) && tcp-flags all(syn)",
		Spec: []FlowspecComponent{
			{Type: 1, Name: "dst", Prefix: netip.MustParseAddr("192.0.2.0"), PrefixLen: 24},
			{Type: 2, Name: "src", Prefix: netip.MustParseAddr("::"), PrefixLen: 0},
			{Type: 2, Name: "src", Prefix: netip.MustParseAddr("::1234:5678:9a00:0"), PrefixLen: 104, Offset: 64},
			{Type: 4, Name: "port", OpValPairs: []FlowspecOpVal{
				{Operator: FlowspecOperator{ValueLength: 1, GreaterThan: true, Equal: true}, Value: 137},
				{Operator: FlowspecOperator{And: true, ValueLength: 1, LessThan: true, Equal: true}, Value: 139},
				{Operator: FlowspecOperator{EndOfList: true, ValueLength: 2, Equal: true}, Value: 8080}}},
			{Type: 9, Name: "tcp-flags", OpValPairs: []FlowspecOpVal{
				{Operator: FlowspecOperator{EndOfList: true, ValueLength: 1, Match: true, Not: true}, Value: 2}}},
		},
		Actions: []FlowspecAction{
			{Type: "traffic-rate-bytes", AS: 65000, Rate: 125000},
			{Type: "traffic-rate-packets", Rate: 0},
			{Type: "traffic-rate-bytes", RateText: "NaN"},
			{Type: "traffic-action", TerminalAction: true},
			{Type: "redirect", Target: "65000:100", AS: 65000, Local: 100},
			{Type: "redirect", Target: "192.0.2.1:7", Address: netip.MustParseAddr("192.0.2.1"), Local: 7},
			{Type: "traffic-marking", DSCP: 46},
			{Type: "redirect-to-ip", Target: "2001:db8::1", Address: netip.MustParseAddr("2001:db8::1"), Copy: true},
			{Type: "redirect-to-nexthop"},
		},
		RIBFlags: RIBFlags{IsAdjRIBInPostPolicy: true}}
	f.SetPathID(0)
	f.SetOriginAS(65002)
	return f
}

func TestRoundTripFlowspec(t *testing.T) {
	f := fullFlowspec()
	roundTrip(t, f)
	out := string(f.AppendJSON(nil))
	for _, want := range []string{
		`"type":"flowspec","action":"add","sequence":3`,
		`"is_ipv4":true,"origin_as":65002,"nexthop":"192.0.2.2","is_nexthop_ipv4":true,"path_id":0,"spec_hash":"0123456789abcdef0123456789abcdef","rd":"65000:100"`,
		`{"type":1,"name":"dst","prefix":"192.0.2.0","prefix_len":24}`,
		`{"type":2,"name":"src","prefix":"::","prefix_len":0}`,
		`{"type":2,"name":"src","prefix":"::1234:5678:9a00:0","prefix_len":104,"offset":64}`,
		`{"operator":{"end_of_list_bit":false,"and_bit":true,"value_length":1,"less_than":true,"greater_than":false,"equal":true},"value":139}`,
		`{"type":9,"name":"tcp-flags","op_val_pairs":[{"operator":{"end_of_list_bit":true,"and_bit":false,"value_length":1,"not":true,"match":true},"value":2}]}`,
		`{"type":"traffic-rate-bytes","as":65000,"rate":125000}`,
		`{"type":"traffic-rate-packets","as":0,"rate":0}`,
		`{"type":"traffic-rate-bytes","as":0,"rate_text":"NaN"}`,
		`{"type":"traffic-action","terminal_action":true,"sample":false}`,
		`{"type":"redirect","target":"65000:100","as":65000,"local":100}`,
		`{"type":"redirect","target":"192.0.2.1:7","address":"192.0.2.1","local":7}`,
		`{"type":"traffic-marking","dscp":46}`,
		`{"type":"redirect-to-ip","target":"2001:db8::1","address":"2001:db8::1","copy":true}`,
		`{"type":"redirect-to-nexthop","copy":false}`,
		`"is_adj_rib_in_post_policy":true`,
		`"base_attrs":{"base_attr_hash":"88db0000000000000000000000000000","origin":"igp"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
	// A non-finite rate without RateText is still valid JSON.
	inf := &Flowspec{Actions: []FlowspecAction{{Type: "traffic-rate-bytes", Rate: float32(math.Inf(1))}}}
	if s := string(inf.AppendJSON(nil)); !json.Valid([]byte(s)) || !strings.Contains(s, `"rate_text":"+Inf"`) {
		t.Errorf("infinite rate: %s", s)
	}
	wa := &Flowspec{Head: Head{Action: ActionDel, Sequence: 9}, SpecHash: "withdraw-all:192.0.2.2:0:0", EORFields: EORFields{IsEOR: true, AFI: 2, SAFI: 134}}
	roundTrip(t, wa)
	if s := string(wa.AppendJSON(nil)); !strings.Contains(s, `"spec_hash":"withdraw-all:192.0.2.2:0:0","is_eor":true,"afi":2,"safi":134`) || strings.Contains(s, `"spec"`) {
		t.Errorf("withdraw-all: %s", s)
	}
}

func fullSRPolicy() *SRPolicy {
	label, prio := uint32(24001), uint8(5)
	beh := &SRPolicyBehavior{Behavior: 48, BlockLen: 32, NodeLen: 16, FunctionLen: 16}
	a6, b6, sid := netip.MustParseAddr("2001:db8::a"), netip.MustParseAddr("2001:db8::b"), netip.MustParseAddr("fc00:0:1:e000::")
	cp := &SRPolicyCandidatePath{PolicyName: "policy red", PolicyPathName: "cp-1",
		BindingSID:     &SRPolicyBindingSID{SFlag: true, Label: &label},
		SRv6BindingSID: &SRPolicyBindingSID{IFlag: true, BFlag: true, SRv6SID: sid, EndpointBehavior: beh},
		Preference:     &SRPolicyPreference{Flags: 0x80, Preference: 100}, Priority: &prio, ENLP: &SRPolicyENLP{ENLP: 3},
		SegmentLists: []SRPolicySegmentList{{Weight: &SRPolicyWeight{Weight: 10}, Segments: []SRPolicySegment{
			{SegmentType: 1, Type: "A", Flags: SRPolicySegmentFlags{V: true}, SRPolicyMPLSSID: &SRPolicyMPLSSID{Label: 16001, TC: 5, S: true, TTL: 255}},
			{SegmentType: 13, Type: "B", Flags: SRPolicySegmentFlags{B: true}, SRv6SID: sid, EndpointBehavior: beh},
			{SegmentType: 3, Type: "C", Flags: SRPolicySegmentFlags{A: true}, SRAlgorithm: 128, NodeAddress: netip.MustParseAddr("192.0.2.1")},
			{SegmentType: 5, Type: "E", SRPolicyMPLSSID: &SRPolicyMPLSSID{Label: 24001}, NodeAddress: netip.MustParseAddr("192.0.2.2"), LocalInterfaceID: 11},
			{SegmentType: 7, Type: "G", LocalInterfaceID: 21, RemoteInterfaceID: 22, LocalAddress: a6, RemoteAddress: b6},
			{SegmentType: 14, Type: "I", SRAlgorithm: 0, NodeAddress: a6},
			{SegmentType: 16, Type: "K", SRv6SID: sid, LocalAddress: a6, RemoteAddress: b6},
		}, Unknown: []TunnelEncapRaw{{Type: 2, Value: "ee"}}}}}
	s := &SRPolicy{Head: Head{Action: ActionAdd, Sequence: 4},
		RouterFields: RouterFields{RouterHash: "d0f8", RouterIP: netip.MustParseAddr("192.0.2.1")},
		PeerFields:   PeerFields{PeerHash: "f12c", PeerIP: netip.MustParseAddr("192.0.2.2"), CollectorTimestamp: ts()},
		BaseAttrs:    &BaseAttrs{BaseAttrHash: MD5{0x88, 0xdb}}, IsIPv4: true, Nexthop: netip.MustParseAddr("192.0.2.2"), IsNexthopIPv4: true,
		Distinguisher: 7, Color: 100, Endpoint: netip.MustParseAddr("192.0.2.9"), SRPolicyCandidatePath: cp}
	s.SetPathID(3)
	s.SetOriginAS(65002)
	return s
}

func TestRoundTripSRPolicy(t *testing.T) {
	s := fullSRPolicy()
	roundTrip(t, s)
	out := string(s.AppendJSON(nil))
	for _, want := range []string{
		`"type":"sr_policy","action":"add","sequence":4`,
		`"path_id":3,"distinguisher":7,"color":100,"endpoint":"192.0.2.9","policy_name":"policy red","policy_path_name":"cp-1"`,
		`"binding_sid":{"s_flag":true,"i_flag":false,"label":24001}`,
		`"srv6_binding_sid":{"s_flag":false,"i_flag":true,"b_flag":true,"srv6_sid":"fc00:0:1:e000::","endpoint_behavior":{"behavior":48,"lb_length":32,"ln_length":16,"fun_length":16,"arg_length":0}}`,
		`"preference_subtlv":{"flags":128,"preference":100},"priority_subtlv":5,"enlp_subtlv":{"flags":0,"enlp":3}`,
		`"segment_list_subtlv":[{"weight_subtlv":{"flags":0,"weight":10},"segments":[{"segment_type":1,"type":"A","flags":{"v_flag":true,"a_flag":false,"s_flag":false,"b_flag":false},"label":16001,"tc":5,"s":true,"ttl":255}`,
		`{"segment_type":3,"type":"C","flags":{"v_flag":false,"a_flag":true,"s_flag":false,"b_flag":false},"sr_algorithm":128,"node_address":"192.0.2.1"}`,
		`"label":24001,"tc":0,"s":false,"ttl":0,"node_address":"192.0.2.2","local_interface_id":11}`,
		`"local_interface_id":21,"remote_interface_id":22,"local_address":"2001:db8::a","remote_address":"2001:db8::b"}`,
		`{"segment_type":14,"type":"I","flags":{"v_flag":false,"a_flag":false,"s_flag":false,"b_flag":false},"sr_algorithm":0,"node_address":"2001:db8::a"}`,
		`"unknown_subtlvs":[{"type":2,"value":"ee"}]`,
		`"base_attrs":{"base_attr_hash":"88db0000000000000000000000000000"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
	del := &SRPolicy{Head: Head{Action: ActionDel, Sequence: 5}, IsIPv4: false, Distinguisher: 0, Color: 0, Endpoint: netip.MustParseAddr("2001:db8::9"), TunnelEncapMalformed: true}
	roundTrip(t, del)
	if o := string(del.AppendJSON(nil)); !strings.Contains(o, `"distinguisher":0,"color":0,"endpoint":"2001:db8::9","tunnel_encap_malformed":true`) {
		t.Errorf("withdrawal: %s", o)
	}
	eor := &SRPolicy{Head: Head{Action: ActionDel, Sequence: 6}, IsIPv4: true, EORFields: EORFields{IsEOR: true, AFI: 1, SAFI: 73}}
	roundTrip(t, eor)
	if o := string(eor.AppendJSON(nil)); !strings.Contains(o, `"is_ipv4":true,"is_eor":true,"afi":1,"safi":73,"is_adj_rib_in_post_policy"`) {
		t.Errorf("eor: %s", o)
	}
}

func TestTunnelEncapJSON(t *testing.T) {
	pt, ds, port, el := uint16(0x6558), uint8(0xb8), uint16(4789), uint8(1)
	te := &TunnelEncap{Tunnels: []TunnelEncapTLV{
		{TunnelType: 8, TunnelTypeName: "VXLAN", Encapsulation: "8000006400000000", ProtocolType: &pt, Colors: []uint32{100, 200},
			EgressEndpoint: &TunnelEgressEndpoint{AFI: 1, Address: netip.MustParseAddr("192.0.2.7")}, DSField: &ds, UDPDestPort: &port,
			EmbeddedLabel: &el, MPLSLabelStack: []SRPolicyMPLSSID{{Label: 100}, {Label: 200, TC: 1, S: true, TTL: 64}},
			Unknown: []TunnelEncapRaw{{Type: 200, Value: "abcd"}}},
		{TunnelType: 2, TunnelTypeName: "GRE", EgressEndpoint: &TunnelEgressEndpoint{}},
		{TunnelType: 15, TunnelTypeName: "SR Policy", SRPolicy: fullSRPolicy().SRPolicyCandidatePath},
	}}
	out := te.AppendJSON(nil)
	if !json.Valid(out) {
		t.Fatalf("invalid: %s", out)
	}
	var back TunnelEncap
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if again := back.AppendJSON(nil); string(again) != string(out) {
		t.Fatalf("re-encode differs:\n%s\n%s", out, again)
	}
	for _, want := range []string{
		`{"tunnels":[{"tunnel_type":8,"tunnel_type_name":"VXLAN","encapsulation":"8000006400000000","protocol_type":25944,"colors":[100,200],"egress_endpoint":{"afi":1,"address":"192.0.2.7"},"ds_field":184,"udp_dest_port":4789,"embedded_label_handling":1,"mpls_label_stack":[{"label":100,"tc":0,"s":false,"ttl":0},{"label":200,"tc":1,"s":true,"ttl":64}],"unknown_subtlvs":[{"type":200,"value":"abcd"}]}`,
		`{"tunnel_type":2,"tunnel_type_name":"GRE","egress_endpoint":{"afi":0}}`,
		`{"tunnel_type":15,"tunnel_type_name":"SR Policy","sr_policy":{"policy_name":"policy red"`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
}

func TestAllocsFlowspecSRPolicy(t *testing.T) {
	f, s := fullFlowspec(), fullSRPolicy()
	f.BaseAttrs.Encode()
	s.BaseAttrs.Encode()
	buf := make([]byte, 0, 16<<10)
	if n := testing.AllocsPerRun(50, func() { buf = f.AppendJSON(buf[:0]) }); n != 0 {
		t.Errorf("Flowspec.AppendJSON allocates %.1f times", n)
	}
	if n := testing.AllocsPerRun(50, func() { buf = s.AppendJSON(buf[:0]) }); n != 0 {
		t.Errorf("SRPolicy.AppendJSON allocates %.1f times", n)
	}
}

// goBMP's FlowSpec keys: MD5(AF byte ‖ components), MD5(RD text ‖ AF byte ‖ components)
// for SAFI 134, and the withdraw-all text.
func TestFlowspecSpecHash(t *testing.T) {
	comps := []byte{0x01, 0x18, 0xc0, 0x00, 0x02, 0x03, 0x81, 0x11}
	for _, tc := range []struct {
		rd   string
		ipv6 bool
		want [16]byte
	}{
		{"", false, md5.Sum(append([]byte{1}, comps...))},
		{"", true, md5.Sum(append([]byte{2}, comps...))},
		{"65000:100", false, md5.Sum(append([]byte("65000:100\x01"), comps...))},
		{"4200000001:9", true, md5.Sum(append([]byte("4200000001:9\x02"), comps...))},
	} {
		if got := FlowspecSpecHash([]byte(tc.rd), tc.ipv6, comps); got != tc.want {
			t.Errorf("rd %q ipv6 %v: %x, want %x", tc.rd, tc.ipv6, got, tc.want)
		}
	}
	long := bytes.Repeat(comps, 20) // over the stack buffer
	if got, want := FlowspecSpecHash([]byte("65000:100"), false, long), md5.Sum(append([]byte("65000:100\x01"), long...)); got != want {
		t.Errorf("long rule: %x, want %x", got, want)
	}
	if got := FlowspecWithdrawAllKey(false, netip.MustParseAddr("192.0.2.2"), "0:0"); got != "withdraw-all:192.0.2.2:0:0" {
		t.Errorf("withdraw-all: %s", got)
	}
	if got := FlowspecWithdrawAllKey(true, netip.MustParseAddr("2001:db8::2"), "65000:1"); got != "ipv6:withdraw-all:2001:db8::2:65000:1" {
		t.Errorf("withdraw-all v6: %s", got)
	}
}
