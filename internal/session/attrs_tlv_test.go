package session

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/pkg/bgp"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// tlvAttrs are the attributes of attrs plus extended communities (route target, color
// 100, origin validation "invalid", VXLAN encapsulation), PMSI_TUNNEL, an IPv6 route
// target, AIGP (metric 40) and a Prefix-SID (label index 100, SRGB 16000+8000, and the
// SRv6 L3 service of the pmacct/traffic-reproducer captures).
var tlvAttrs = gen.Cat(attrs,
	gen.Attr(0xc0, 16, unhex("0002fde900000064 030b000000000064 4300000000000002 030c000000000008")),
	gen.Attr(0xc0, 22, unhex("00 06 002714 7f000002")),
	gen.Attr(0xc0, 25, unhex("0002 20010db8000000000000000000000001 0064")),
	gen.Attr(0x80, 26, unhex("01 000b 0000000000000028")),
	gen.Attr(0xc0, 40, unhex("01 0007 00 0000 00000064  03 0008 0000 003e80 001f40 "+
		"05 0022 00 01 001e 00 fcbabe0030020000000000000000000000 003f 00 01 0006 201010001030")))

// jsonEq compares a decoded JSON value with the JSON text want.
func jsonEq(t *testing.T, what string, got any, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad expectation: %v", what, err)
	}
	if !reflect.DeepEqual(got, w) {
		g, _ := json.Marshal(got)
		t.Errorf("%s:\n got  %s\n want %s", what, g, want)
	}
}

func TestTLVAttributesOnRecords(t *testing.T) {
	upd := gen.Update(gen.Prefixes(pfx("198.51.100.0/24"), nil),
		gen.Cat(tlvAttrs, gen.MPReach(2, 1, []netip.Addr{netip.MustParseAddr("2001:db8::2")}, gen.Prefixes(pfx("2001:db8:200::/48"), nil)),
			gen.MPReach(1, 2, []netip.Addr{netip.MustParseAddr("192.0.2.2")}, gen.Prefixes(pfx("232.1.0.0/16"), nil))),
		gen.Prefixes(pfx("203.0.113.0/24"), nil))
	// A malformed AIGP is discarded: the routes are still there, the attribute is raw.
	bad := gen.Update(nil, gen.Cat(attrs, gen.Attr(0x80, 26, []byte{1, 0, 10, 0})), gen.Prefixes(pfx("192.0.2.0/24"), nil))
	rs, c := run(t, Config{}, gen.PeerUp(peer, local, 179, 40000, sentOpn, recvOpn),
		gen.RouteMonitoring(peer, upd), gen.RouteMonitoring(peer, bad))
	if got, want := summary(rs), []string{"peer:up", "unicast_prefix:del:198.51.100.0/24", "unicast_prefix:add:2001:db8:200::/48",
		"multicast_prefix:add:232.1.0.0/16", "unicast_prefix:add:203.0.113.0/24", "unicast_prefix:add:192.0.2.0/24"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("records %q, want %q", got, want)
	}
	if n := c.DecodeErrors[ErrUpdate].Load(); n != 0 {
		t.Errorf("%d UPDATE decode errors", n)
	}
	wantPrefixSID := `{"label_index":{"flags":0,"last_index":100},"originator_srgb":{"flags":0,"srgb":[{"first":16000,"number":8000}]},
		"srv6_l3_service":{"sub_tlvs":{"1":[{"sid":"fcba:be00:3002::","flags":0,"endpoint_behavior":63,"sub_sub_tlvs":{"1":[
		{"locator_block_length":32,"locator_node_length":16,"function_length":16,"argument_length":0,"transposition_length":16,"transposition_offset":48}]}}]}}}`
	for _, i := range []int{2, 4} { // unicast announcements, IPv6 (MP) and IPv4 (classic)
		r := rs[i]
		if r["color"] != float64(100) || r["origin_validation"] != "invalid" {
			t.Errorf("record %d: color %v origin_validation %v", i, r["color"], r["origin_validation"])
		}
		jsonEq(t, "prefix_sid", r["prefix_sid"], wantPrefixSID)
		ba := r["base_attrs"].(map[string]any)
		jsonEq(t, "ext_community_list", ba["ext_community_list"], `["rt=65001:100","color=100","ov-state=invalid","encap=VXLAN"]`)
		jsonEq(t, "pmsi_tunnel", ba["pmsi_tunnel"], `{"flags":0,"tunnel_type":6,"tunnel_type_name":"Ingress Replication","mpls_label":625,"raw_label":10004,"tunnel_identifier":"127.0.0.2"}`)
		jsonEq(t, "ipv6_ext_community_list", ba["ipv6_ext_community_list"], `["rt=2001:db8::1:100"]`)
		jsonEq(t, "aigp", ba["aigp"], `{"tlvs":[{"type":1,"length":11,"value":40}]}`)
		jsonEq(t, "bgp_prefix_sid", ba["bgp_prefix_sid"], `{"tlvs":[{"type":1,"length":7,"label_index":{"flags":0,"label_index":100}},
			{"type":3,"length":8,"originator_srgb":{"flags":0,"ranges":[{"base":16000,"range":8000}]}},
			{"type":5,"length":34,"srv6_l3_service":`+wantPrefixSID[strings.Index(wantPrefixSID, `{"sub_tlvs"`):len(wantPrefixSID)-1]+`}]}`)
		if _, ok := ba["unknown_attributes"]; ok {
			t.Errorf("unknown_attributes %v", ba["unknown_attributes"])
		}
	}
	// Withdrawals and multicast records carry none of the route-level fields.
	for _, i := range []int{1, 3} {
		for _, k := range []string{"color", "origin_validation", "prefix_sid"} {
			if v, ok := rs[i][k]; ok {
				t.Errorf("record %d (%v) has %s=%v", i, rs[i]["type"], k, v)
			}
		}
	}
	if _, ok := rs[3]["base_attrs"].(map[string]any)["pmsi_tunnel"]; !ok {
		t.Error("multicast record lost base_attrs.pmsi_tunnel")
	}
	// The next UPDATE reuses the storage: nothing of the previous one leaks.
	last := rs[5]
	for _, k := range []string{"color", "origin_validation", "prefix_sid"} {
		if v, ok := last[k]; ok {
			t.Errorf("record after the TLV UPDATE has %s=%v", k, v)
		}
	}
	ba := last["base_attrs"].(map[string]any)
	for _, k := range []string{"pmsi_tunnel", "aigp", "bgp_prefix_sid", "ipv6_ext_community_list", "ext_community_list"} {
		if v, ok := ba[k]; ok {
			t.Errorf("base_attrs of the next UPDATE has %s=%v", k, v)
		}
	}
	jsonEq(t, "unknown_attributes", ba["unknown_attributes"], `[{"type":26,"flags":128,"value":"01000a00"}]`)
}

// TestTLVAttributesAllocs bounds the allocations of converting the attributes of an
// UPDATE with every structured attribute (a few strings per UPDATE), against an UPDATE
// without them. It measures fillAttrs alone: batches come from a sync.Pool, whose
// behaviour under the race detector would make a whole-message count unstable.
func TestTLVAttributesAllocs(t *testing.T) {
	s := New(context.Background(), Config{}, netip.MustParseAddrPort("192.0.2.1:40000"), nil)
	s.routeWork() // as the first Route Monitoring message does
	measure := func(attrs []byte) float64 {
		var u bgp.Update
		if err := bgp.ParseUpdate(gen.Update(nil, attrs, gen.Prefixes(pfx("203.0.113.0/24"), nil)), &bgp.DecodeOptions{AS4: true}, &u); err != nil {
			t.Fatal(err)
		}
		return testing.AllocsPerRun(50, func() { s.fillAttrs(&u.Attrs) })
	}
	plain := measure(attrs)
	withTLV := measure(tlvAttrs)
	t.Logf("allocations per UPDATE: %.0f plain, %.0f with the TLV attributes", plain, withTLV)
	// ext communities (1 string), PMSI tunnel identifier (1), IPv6 ext communities (1).
	if withTLV > plain+3 {
		t.Errorf("%.0f allocations with the TLV attributes, %.0f without: want at most 3 more", withTLV, plain)
	}
}
