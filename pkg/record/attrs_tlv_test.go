package record

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
)

// fullTLVAttrs fills the structured attributes of a BaseAttrs and the route-level values
// derived from them, the way the session does.
func fullTLVAttrs(a *BaseAttrs) {
	a.SetPMSITunnel(PMSITunnel{Flags: 1, TunnelType: 6, TunnelTypeName: "Ingress Replication", MPLSLabel: 625, RawLabel: 10004, TunnelID: "127.0.0.2"})
	a.IPv6ExtCommunities = []string{"rt=2001:db8::1:100", "unknown=0x00:0x0a:0x000000000000000000000000000000000001"}
	ag := a.UseAIGP()
	ag.TLVs = append(ag.TLVs, AIGPTLV{Type: 1, Length: 11, Value: 0}, AIGPTLV{Type: 9, Length: 5, UnknownValue: "abcd"})
	svc := SRv6Service{SubTLVs: SRv6SubTLVs{
		{Type: 1, Info: SRv6SIDInfo{SID: netip.MustParseAddr("fcba:be00:3002::"), Flags: 0, EndpointBehavior: 63,
			SubSubTLVs: SRv6SubSubTLVs{{Type: 1, Structure: SRv6SIDStructure{32, 16, 16, 0, 16, 48}}, {Type: 7, Value: "ff"}}}},
		{Type: 9, Value: "0102"},
		{Type: 1, Info: SRv6SIDInfo{SID: netip.MustParseAddr("2001:db8::1"), Flags: 128, EndpointBehavior: 0}},
	}}
	ps := a.UseBGPPrefixSID()
	ps.TLVs = append(ps.TLVs,
		PrefixSIDTLV{Type: 1, Length: 7, LabelIndex: TLVLabelIndex{Flags: 0, LabelIndex: 0}},
		PrefixSIDTLV{Type: 3, Length: 14, OriginatorSRGB: TLVOriginatorSRGB{Flags: 0, Ranges: []SRGBRange{{16000, 8000}, {100000, 0}}}},
		PrefixSIDTLV{Type: 5, Length: 50, SRv6L3Service: svc},
		PrefixSIDTLV{Type: 6, Length: 1, SRv6L2Service: SRv6Service{SubTLVs: SRv6SubTLVs{}}},
		PrefixSIDTLV{Type: 200, Length: 0, UnknownValue: ""},
	)
	a.SetRouteColor(0)
	a.RouteOriginValidation = "not-found"
	rp := a.UseRoutePrefixSID()
	rp.SetLabelIndex(LabelIndex{Flags: 0, LabelIndex: 0})
	rp.SetOriginatorSRGB(0, append(rp.SRGBStorage(), SRGB{16000, 8000}))
	rp.SRv6L3Service = &ps.TLVs[2].SRv6L3Service
}

func TestRoundTripTLVAttrs(t *testing.T) {
	u := fullUnicast()
	fullTLVAttrs(u.BaseAttrs)
	u.Color, u.OriginValidation, u.PrefixSID = u.BaseAttrs.RouteColor, u.BaseAttrs.RouteOriginValidation, u.BaseAttrs.RoutePrefixSID
	roundTrip(t, u)
	out := string(u.AppendJSON(nil))
	for _, want := range []string{
		`"labels":[16,17],"color":0,"origin_validation":"not-found","prefix_sid":{"label_index":{"flags":0,"last_index":0},"originator_srgb":{"flags":0,"srgb":[{"first":16000,"number":8000}]},"srv6_l3_service":{"sub_tlvs":{"1":[{"sid":"fcba:be00:3002::","flags":0,"endpoint_behavior":63,"sub_sub_tlvs":{"1":[{"locator_block_length":32,"locator_node_length":16,"function_length":16,"argument_length":0,"transposition_length":16,"transposition_offset":48}],"7":["ff"]}},{"sid":"2001:db8::1","flags":128,"endpoint_behavior":0}],"9":["0102"]}}},"is_adj_rib_in_post_policy"`,
		`"as4_aggregator":"4200000001:192.0.2.9","pmsi_tunnel":{"flags":1,"tunnel_type":6,"tunnel_type_name":"Ingress Replication","mpls_label":625,"raw_label":10004,"tunnel_identifier":"127.0.0.2"},` +
			`"ipv6_ext_community_list":["rt=2001:db8::1:100","unknown=0x00:0x0a:0x000000000000000000000000000000000001"],` +
			`"aigp":{"tlvs":[{"type":1,"length":11,"value":0},{"type":9,"length":5,"unknown_value":"abcd"}]},"large_community_list":["4200000001:1:2"],`,
		`"bgp_prefix_sid":{"tlvs":[{"type":1,"length":7,"label_index":{"flags":0,"label_index":0}},{"type":3,"length":14,"originator_srgb":{"flags":0,"ranges":[{"base":16000,"range":8000},{"base":100000,"range":0}]}},` +
			`{"type":5,"length":50,"srv6_l3_service":{"sub_tlvs":{"1":[{"sid":"fcba:be00:3002::"`,
		`{"type":6,"length":1,"srv6_l2_service":{"sub_tlvs":{}}},{"type":200,"length":0,"unknown_value":""}]},"otc":65001,`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing\n%s\nin\n%s", want, out)
		}
	}
	// The route-level values are not part of base_attrs.
	var m map[string]json.RawMessage
	if err := json.Unmarshal(u.BaseAttrs.AppendJSON(nil), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"color", "origin_validation", "prefix_sid", "RouteColor"} {
		if _, ok := m[k]; ok {
			t.Errorf("base_attrs has %q", k)
		}
	}
	// Cached encoding equals the direct one; Reset clears every new field.
	u.BaseAttrs.Encode()
	if cached := string(u.AppendJSON(nil)); cached != out {
		t.Fatalf("cached base_attrs encoding differs:\n%s\n%s", out, cached)
	}
	b := u.BaseAttrs
	b.Reset()
	if b.PMSITunnel != nil || b.AIGP != nil || b.BGPPrefixSID != nil || len(b.IPv6ExtCommunities) != 0 || b.RouteColor != nil ||
		b.RouteOriginValidation != "" || b.RoutePrefixSID != nil || string(b.AppendJSON(nil)) != `{"base_attr_hash":"","is_atomic_agg":false}` {
		t.Fatalf("Reset left %s", b.AppendJSON(nil))
	}
	if rp := b.UseRoutePrefixSID(); rp.LabelIndex != nil || rp.OriginatorSRGB != nil || rp.SRv6L3Service != nil || string(rp.AppendJSON(nil)) != "{}" {
		t.Fatalf("UseRoutePrefixSID not empty: %s", rp.AppendJSON(nil))
	}
}

func TestSRv6SubTLVsGroupedByType(t *testing.T) {
	ts := SRv6SubTLVs{{Type: 3, Value: "03"}, {Type: 1, Info: SRv6SIDInfo{SID: netip.MustParseAddr("::1")}}, {Type: 3, Value: "33"}, {Type: 255, Value: ""}, {Type: 0, Value: "00"}}
	out, _ := ts.MarshalJSON()
	want := `{"0":["00"],"1":[{"sid":"::1","flags":0,"endpoint_behavior":0}],"3":["03","33"],"255":[""]}`
	if string(out) != want {
		t.Fatalf("got  %s\nwant %s", out, want)
	}
	var back SRv6SubTLVs
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if again, _ := back.MarshalJSON(); string(again) != want {
		t.Fatalf("re-encode %s", again)
	}
	if err := json.Unmarshal([]byte(`{"x":[]}`), &back); err == nil {
		t.Fatal("bad key accepted")
	}
	if err := json.Unmarshal([]byte(`{"256":[]}`), &back); err == nil {
		t.Fatal("type 256 accepted")
	}
}

func TestAllocsTLVAttrs(t *testing.T) {
	u := fullUnicast()
	fullTLVAttrs(u.BaseAttrs)
	u.Color, u.OriginValidation, u.PrefixSID = u.BaseAttrs.RouteColor, u.BaseAttrs.RouteOriginValidation, u.BaseAttrs.RoutePrefixSID
	buf := make([]byte, 0, 8192)
	if n := testing.AllocsPerRun(100, func() { buf = u.AppendJSON(buf[:0]) }); n != 0 {
		t.Fatalf("AppendJSON allocates %.1f times per record", n)
	}
	if n := testing.AllocsPerRun(100, func() { u.BaseAttrs.Encode() }); n != 0 {
		t.Fatalf("Encode allocates %.1f times", n)
	}
}
