package session

import (
	"encoding/binary"
	"encoding/json"
	"net/netip"
	"reflect"
	"testing"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// srpSub builds a tunnel encapsulation sub-TLV (2-byte length from type 128 on).
func srpSub(typ uint8, v ...[]byte) []byte {
	val := gen.Cat(v...)
	if typ >= 128 {
		return gen.Cat([]byte{typ}, binary.BigEndian.AppendUint16(nil, uint16(len(val))), val)
	}
	return gen.Cat([]byte{typ, byte(len(val))}, val)
}

func srpTLV(typ uint16, subs ...[]byte) []byte {
	body := gen.Cat(subs...)
	b := binary.BigEndian.AppendUint16(nil, typ)
	return append(binary.BigEndian.AppendUint16(b, uint16(len(body))), body...)
}

func srpU32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func srpAddr(s string) []byte { return netip.MustParseAddr(s).AsSlice() }

// srpNLRI builds SR Policy NLRI: length in bits, distinguisher, color, endpoint.
func srpNLRI(dist, color uint32, endpoint string) []byte {
	ep := srpAddr(endpoint)
	return gen.Cat([]byte{byte(8 * (8 + len(ep)))}, srpU32(dist), srpU32(color), ep)
}

func TestSRPolicySession(t *testing.T) {
	te := srpTLV(15,
		srpSub(12, []byte{0, 0}, srpU32(200)),
		srpSub(13, []byte{0x80, 0}, srpU32(24001<<12)),
		srpSub(15, []byte{7, 0}),
		srpSub(128, []byte{0}, srpSub(9, []byte{0, 0}, srpU32(3)),
			srpSub(1, []byte{0, 0}, srpU32(16001<<12|0x100|255)),
			srpSub(3, []byte{0x40, 128}, srpAddr("192.0.2.3")),
			srpSub(14, []byte{0x20, 0}, srpAddr("2001:db8::3"), srpAddr("fc00:0:3::"))),
		srpSub(129, []byte{0}, []byte("primary")),
		srpSub(130, []byte{0}, []byte("to-pe3")))
	base := gen.Cat(gen.Origin(0), gen.ASPath(true, 65002), gen.Attr(0xc0, 23, te))
	nlri := gen.Cat(srpNLRI(1, 100, "192.0.2.3"), srpNLRI(2, 100, "192.0.2.4"))
	badTE := gen.Attr(0xc0, 23, srpTLV(15, srpSub(12, []byte{0, 0, 0})))
	rs, c := run(t, Config{},
		gen.RouteMonitoring(peer, gen.Update(nil, gen.Cat(base, gen.MPReach(1, 73, []netip.Addr{netip.MustParseAddr("192.0.2.2")}, nlri)), nil)),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.MPUnreach(2, 73, srpNLRI(9, 7, "2001:db8::9")), nil)),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.MPUnreach(2, 73, nil), nil)),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.Cat(gen.Origin(0), badTE, gen.MPReach(1, 73, nil, srpNLRI(5, 5, "192.0.2.5"))), nil)),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.Cat(gen.Origin(0), gen.MPReach(1, 73, nil, srpNLRI(9, 9, "2001:db8::9"))), nil)),
	)
	if got := summary(rs); !reflect.DeepEqual(got, []string{"sr_policy:add", "sr_policy:add", "sr_policy:del", "sr_policy:del:eor", "sr_policy:add", "unknown_nlri:add"}) {
		t.Fatalf("records %q", got)
	}
	if c.Records[record.TypeSRPolicy].Load() != 5 || c.DecodeErrors[ErrUpdate].Load() != 2 {
		t.Errorf("records %d, decode errors %d (malformed tunnel encap, bad NLRI)", c.Records[record.TypeSRPolicy].Load(), c.DecodeErrors[ErrUpdate].Load())
	}
	a := rs[0]
	for k, v := range map[string]any{"distinguisher": 1.0, "color": 100.0, "endpoint": "192.0.2.3", "is_ipv4": true, "nexthop": "192.0.2.2",
		"is_nexthop_ipv4": true, "origin_as": 65002.0, "policy_name": "to-pe3", "policy_path_name": "primary", "priority_subtlv": 7.0,
		"peer_hash": "f12cfb7950a4c1a9c4e2f8fb50a0bbfb"} {
		if a[k] != v {
			t.Errorf("%s = %v, want %v", k, a[k], v)
		}
	}
	if !reflect.DeepEqual(a["preference_subtlv"], map[string]any{"flags": 0.0, "preference": 200.0}) ||
		!reflect.DeepEqual(a["binding_sid"], map[string]any{"s_flag": true, "i_flag": false, "label": 24001.0}) {
		t.Errorf("preference %v binding sid %v", a["preference_subtlv"], a["binding_sid"])
	}
	flags := func(v, a, s, b bool) map[string]any {
		return map[string]any{"v_flag": v, "a_flag": a, "s_flag": s, "b_flag": b}
	}
	wantLists := []any{map[string]any{"weight_subtlv": map[string]any{"flags": 0.0, "weight": 3.0}, "segments": []any{
		map[string]any{"segment_type": 1.0, "type": "A", "flags": flags(false, false, false, false), "label": 16001.0, "tc": 0.0, "s": true, "ttl": 255.0},
		map[string]any{"segment_type": 3.0, "type": "C", "flags": flags(false, true, false, false), "sr_algorithm": 128.0, "node_address": "192.0.2.3"},
		map[string]any{"segment_type": 14.0, "type": "I", "flags": flags(false, false, true, false), "sr_algorithm": 0.0, "node_address": "2001:db8::3", "srv6_sid": "fc00:0:3::"},
	}}}
	if !reflect.DeepEqual(a["segment_list_subtlv"], wantLists) {
		got, _ := json.Marshal(a["segment_list_subtlv"])
		t.Errorf("segment lists %s", got)
	}
	if b := rs[1]; b["distinguisher"] != 2.0 || b["endpoint"] != "192.0.2.4" || !reflect.DeepEqual(b["segment_list_subtlv"], wantLists) {
		t.Errorf("second NLRI %v", b)
	}
	if d := rs[2]; d["endpoint"] != "2001:db8::9" || d["is_ipv4"] != false || d["color"] != 7.0 || d["base_attrs"] != nil || d["policy_name"] != nil {
		t.Errorf("withdrawal %v", d)
	}
	if e := rs[3]; e["afi"] != 2.0 || e["safi"] != 73.0 || e["endpoint"] != nil {
		t.Errorf("eor %v", e)
	}
	if m := rs[4]; m["tunnel_encap_malformed"] != true || m["endpoint"] != "192.0.2.5" || m["preference_subtlv"] != nil {
		t.Errorf("malformed tunnel encap %v", m)
	}
	if u := rs[5]; u["safi"] != 73.0 {
		t.Errorf("IPv6-length NLRI in AFI 1: %v", u)
	}
}

func TestSRPolicySessionAddPath(t *testing.T) {
	ap := gen.CapAddPath(gen.AddPathEntry{AFI: 2, SAFI: 73, Mode: 3})
	sent := gen.Open(65001, 90, local, gen.CapMP(2, 73), gen.CapAS4(65001), ap)
	recv := gen.Open(65002, 90, netip.MustParseAddr("192.0.2.2"), gen.CapMP(2, 73), gen.CapAS4(65002), ap)
	rs, c := run(t, Config{},
		gen.PeerUp(peer, local, 179, 40000, sent, recv),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.MPUnreach(2, 73, gen.Cat(srpU32(5), srpNLRI(1, 2, "2001:db8::1"))), nil)),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.MPUnreach(2, 73, srpNLRI(1, 2, "2001:db8::1")), nil)))
	if got := summary(rs); !reflect.DeepEqual(got, []string{"peer:up", "sr_policy:del", "sr_policy:del"}) {
		t.Fatalf("records %q", got)
	}
	if rs[1]["path_id"] != 5.0 || rs[2]["path_id"] != nil || rs[2]["endpoint"] != "2001:db8::1" || c.AddPathMismatches.Load() != 1 {
		t.Errorf("path ids %v %v, mismatches %d", rs[1]["path_id"], rs[2]["path_id"], c.AddPathMismatches.Load())
	}
}

// TestTunnelEncapRecord: the conversion the attributes code uses for base_attrs.
func TestTunnelEncapRecord(t *testing.T) {
	v := gen.Cat(
		srpTLV(8, srpSub(1, []byte{0x80, 0, 0, 0x64}), srpSub(2, []byte{0x65, 0x58}), srpSub(4, []byte{3, 0x0b, 0, 0}, srpU32(100)),
			srpSub(6, srpU32(0), []byte{0, 1}, srpAddr("192.0.2.7")), srpSub(7, []byte{0xb8}), srpSub(8, []byte{0x12, 0xb5}),
			srpSub(9, []byte{1}), srpSub(10, srpU32(100<<12|0x100)), srpSub(5, []byte{0xff})),
		srpTLV(15, srpSub(20, []byte{0x20, 0}, srpAddr("fc00::1"), []byte{0, 48, 0, 0, 32, 16, 16, 0}), srpSub(14, []byte{0, 0, 2})))
	te, err := bgp.DecodeTunnelEncap(v)
	if err != nil {
		t.Fatal(err)
	}
	got := string(tunnelEncapRecord(te).AppendJSON(nil))
	want := `{"tunnels":[{"tunnel_type":8,"tunnel_type_name":"VXLAN","encapsulation":"80000064","protocol_type":25944,"colors":[100],` +
		`"egress_endpoint":{"afi":1,"address":"192.0.2.7"},"ds_field":184,"udp_dest_port":4789,"embedded_label_handling":1,` +
		`"mpls_label_stack":[{"label":100,"tc":0,"s":true,"ttl":0}],"unknown_subtlvs":[{"type":5,"value":"ff"}]},` +
		`{"tunnel_type":15,"tunnel_type_name":"SR Policy","sr_policy":{"srv6_binding_sid":{"s_flag":false,"i_flag":false,"b_flag":true,` +
		`"srv6_sid":"fc00::1","endpoint_behavior":{"behavior":48,"lb_length":32,"ln_length":16,"fun_length":16,"arg_length":0}},"enlp_subtlv":{"flags":0,"enlp":2}}}]}`
	if got != want {
		t.Errorf("tunnel encap JSON\n got  %s\n want %s", got, want)
	}
}
