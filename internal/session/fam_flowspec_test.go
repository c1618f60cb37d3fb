package session

import (
	"crypto/md5"
	"encoding/hex"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/pkg/record"
)

func fsBytes(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// fsSpecHash computes goBMP's spec_hash independently of the decoder.
func fsSpecHash(prefix string, af byte, comps []byte) string {
	sum := md5.Sum(append(append([]byte(prefix), af), comps...))
	return hex.EncodeToString(sum[:])
}

func fsExt(ecs ...string) []byte {
	var v []byte
	for _, e := range ecs {
		v = append(v, fsBytes(e)...)
	}
	return gen.Attr(0xc0, 16, v)
}

func TestFlowspecSession(t *testing.T) {
	compsA := fsBytes("01 18 c0 00 02 03 81 06 05 03 50 c5 5a") // dst 192.0.2.0/24, TCP, dport 80-90
	compsB := fsBytes("02 20 cb 00 71 01 09 81 02 0c 80 05")    // src 203.0.113.1/32, SYN, DF or FF
	nlri := append(append([]byte{byte(len(compsA))}, compsA...), append([]byte{byte(len(compsB))}, compsB...)...)
	base := gen.Cat(gen.Origin(0), gen.ASPath(true, 65002, 4200000001),
		fsExt("8006 fde8 47f42400", "0002 fde8 00000001", "8108 c0000201 0064", "8009 0000 0000 002e", "8007 0000 0000 0002"))
	rdComps := fsBytes("01 40 00 20 01 0d b8 00 01 00 00 03 81 3a") // dst 2001:db8:1::/64, ICMPv6
	rd := fsBytes("0001 c0000201 0007")                             // 192.0.2.1:7
	vpnNLRI := append([]byte{byte(8 + len(rdComps))}, append(rd, rdComps...)...)
	v6ext := gen.Attr(0xc0, 25, fsBytes("000c 20010db8000000000000000000000009 0001"))
	rs, c := run(t, Config{},
		gen.RouteMonitoring(peer, gen.Update(nil, gen.Cat(base, gen.MPReach(1, 133, nil, nlri)), nil)),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.MPUnreach(1, 133, nlri[len(compsA)+1:]), nil)),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.Cat(gen.Origin(0), gen.ASPath(true, 65002), v6ext,
			gen.MPReach(2, 134, []netip.Addr{netip.MustParseAddr("2001:db8::2")}, vpnNLRI)), nil)),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.MPUnreach(2, 133, nil), nil)),                         // End-of-RIB
		gen.RouteMonitoring(peer, gen.Update(nil, gen.Cat(gen.Origin(0), gen.MPUnreach(1, 134, nil)), nil)), // withdraw-all
	)
	if got := summary(rs); !reflect.DeepEqual(got, []string{"flowspec:add", "flowspec:add", "flowspec:del", "flowspec:add", "flowspec:del:eor", "flowspec:del"}) {
		t.Fatalf("records %q", got)
	}
	if n := c.Records[record.TypeFlowspec].Load(); n != 6 || c.DecodeErrors[ErrUpdate].Load() != 0 {
		t.Fatalf("flowspec records counted %d, errors %d", n, c.DecodeErrors[ErrUpdate].Load())
	}
	a := rs[0]
	for k, v := range map[string]any{"rule": "dst 192.0.2.0/24 && proto ==6 && dport >=80&<=90", "spec_hash": fsSpecHash("", 1, compsA),
		"is_ipv4": true, "origin_as": 4200000001.0, "peer_ip": "192.0.2.2", "peer_hash": "f12cfb7950a4c1a9c4e2f8fb50a0bbfb",
		"router_hash": "d0f88d6c87767262ba8e93d6acccd784", "is_adj_rib_in_post_policy": false, "is_loc_rib": false} {
		if a[k] != v {
			t.Errorf("rule A %s = %v, want %v", k, a[k], v)
		}
	}
	for _, k := range []string{"nexthop", "rd", "path_id", "is_eor"} {
		if _, ok := a[k]; ok {
			t.Errorf("rule A has %s: %v", k, a[k])
		}
	}
	spec := a["spec"].([]any)
	if len(spec) != 3 || !reflect.DeepEqual(spec[0], map[string]any{"type": 1.0, "name": "dst", "prefix": "192.0.2.0", "prefix_len": 24.0}) {
		t.Errorf("spec %v", spec)
	}
	dport := spec[2].(map[string]any)["op_val_pairs"].([]any)
	if len(dport) != 2 || !reflect.DeepEqual(dport[1], map[string]any{"value": 90.0, "operator": map[string]any{"end_of_list_bit": true,
		"and_bit": true, "value_length": 1.0, "less_than": true, "greater_than": false, "equal": true}}) {
		t.Errorf("dport pairs %v", dport)
	}
	wantActions := []any{
		map[string]any{"type": "traffic-rate-bytes", "as": 65000.0, "rate": 125000.0},
		map[string]any{"type": "redirect", "target": "192.0.2.1:100", "address": "192.0.2.1", "local": 100.0},
		map[string]any{"type": "traffic-marking", "dscp": 46.0},
		map[string]any{"type": "traffic-action", "terminal_action": false, "sample": true},
	}
	if !reflect.DeepEqual(a["actions"], wantActions) {
		t.Errorf("actions %v", a["actions"])
	}
	if ba := a["base_attrs"].(map[string]any); len(ba["ext_community_list"].([]any)) != 5 || ba["origin"] != "igp" {
		t.Errorf("base_attrs %v", ba)
	}
	b := rs[1]
	if b["rule"] != "src 203.0.113.1/32 && tcp-flags all(syn) && frag any(df,ff)" || b["spec_hash"] != fsSpecHash("", 1, compsB) ||
		!reflect.DeepEqual(b["actions"], wantActions) {
		t.Errorf("rule B %v", b)
	}
	del := rs[2]
	if del["spec_hash"] != b["spec_hash"] || del["rule"] != b["rule"] || del["base_attrs"] != nil || del["actions"] != nil || del["origin_as"] != nil {
		t.Errorf("withdrawal %v", del)
	}
	vpn := rs[3]
	for k, v := range map[string]any{"rd": "192.0.2.1:7", "rule": "dst 2001:db8:1::/64 && proto ==58", "is_ipv4": false,
		"spec_hash": fsSpecHash("192.0.2.1:7", 2, rdComps), "nexthop": "2001:db8::2", "is_nexthop_ipv4": false, "origin_as": 65002.0} {
		if vpn[k] != v {
			t.Errorf("vpn %s = %v, want %v", k, vpn[k], v)
		}
	}
	if !reflect.DeepEqual(vpn["actions"], []any{map[string]any{"type": "redirect-to-ip", "target": "2001:db8::9", "address": "2001:db8::9", "copy": true}}) {
		t.Errorf("vpn actions %v", vpn["actions"])
	}
	eor, wa := rs[4], rs[5]
	if eor["spec_hash"] != "ipv6:withdraw-all:192.0.2.2:0:0" || eor["is_eor"] != true || eor["afi"] != 2.0 || eor["safi"] != 133.0 || eor["is_ipv4"] != false || eor["spec"] != nil {
		t.Errorf("end-of-rib %v", eor)
	}
	if wa["spec_hash"] != "withdraw-all:192.0.2.2:0:0" || wa["is_eor"] != nil || wa["safi"] != 134.0 || wa["is_ipv4"] != true {
		t.Errorf("withdraw-all %v", wa)
	}
}

func TestFlowspecSessionAddPathAndErrors(t *testing.T) {
	ap := gen.CapAddPath(gen.AddPathEntry{AFI: 1, SAFI: 133, Mode: 3})
	sent := gen.Open(65001, 90, local, gen.CapMP(1, 133), gen.CapAS4(65001), ap)
	recv := gen.Open(65002, 90, netip.MustParseAddr("192.0.2.2"), gen.CapMP(1, 133), gen.CapAS4(65002), ap)
	rule := fsBytes("03 03 81 06")
	withID := append(fsBytes("00 00 00 2a"), rule...)
	bad := fsBytes("02 03 06") // the operator announces a value the NLRI does not have
	rdPeer := peer
	rdPeer.Type, rdPeer.RD = 1, [8]byte{0, 0, 0xfd, 0xe8, 0, 0, 0, 1}
	rs, c := run(t, Config{},
		gen.PeerUp(peer, local, 179, 40000, sent, recv),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.Cat(gen.Origin(0), gen.MPReach(1, 133, nil, withID)), nil)),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.Cat(gen.Origin(0), gen.MPReach(1, 133, nil, rule)), nil)), // no path ID: accepted, counted
		gen.RouteMonitoring(peer, gen.Update(nil, gen.Cat(gen.Origin(0), gen.MPReach(1, 133, nil, bad)), nil)),
		gen.RouteMonitoring(rdPeer, gen.Update(nil, gen.MPUnreach(1, 133, nil), nil)),
	)
	if got := summary(rs); !reflect.DeepEqual(got, []string{"peer:up", "flowspec:add", "flowspec:add", "unknown_nlri:add", "flowspec:del:eor"}) {
		t.Fatalf("records %q", got)
	}
	if rs[1]["path_id"] != 42.0 || rs[1]["rule"] != "proto ==6" {
		t.Errorf("with path id: %v", rs[1])
	}
	if _, ok := rs[2]["path_id"]; ok || rs[2]["spec_hash"] != rs[1]["spec_hash"] {
		t.Errorf("without path id: %v", rs[2])
	}
	if rs[3]["nlri"] != "020306" || rs[3]["safi"] != 133.0 {
		t.Errorf("unknown nlri: %v", rs[3])
	}
	if rs[4]["spec_hash"] != "withdraw-all:192.0.2.2:65000:1" || rs[4]["peer_rd"] != "65000:1" {
		t.Errorf("RD peer withdraw-all: %v", rs[4])
	}
	if c.AddPathMismatches.Load() != 1 || c.DecodeErrors[ErrUpdate].Load() != 1 {
		t.Errorf("mismatches %d, decode errors %d", c.AddPathMismatches.Load(), c.DecodeErrors[ErrUpdate].Load())
	}
}
