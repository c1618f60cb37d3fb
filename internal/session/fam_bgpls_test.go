package session

import (
	"crypto/md5"
	"encoding/hex"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// BGP-LS messages built with internal/gen from the RFC 9552 / 9085 / 9514 layouts.

var (
	lsNH = []netip.Addr{netip.MustParseAddr("192.0.2.2")}
	// IS-IS L2 nodes 0000.0000.0001 and 0000.0000.0002 in AS 65000.
	lsSub1 = gen.Cat(gen.LSTLV(512, gen.U32(65000)), gen.LSTLV(513, gen.U32(0)), gen.LSTLV(515, []byte{0, 0, 0, 0, 0, 1}))
	lsSub2 = gen.Cat(gen.LSTLV(512, gen.U32(65000)), gen.LSTLV(513, gen.U32(0)), gen.LSTLV(515, []byte{0, 0, 0, 0, 0, 2}))

	lsNodeNLRI   = gen.LSNLRI(1, nil, 2, 0, gen.LSLocalNode(lsSub1))
	lsNode2NLRI  = gen.LSNLRI(1, nil, 2, 0, gen.LSLocalNode(lsSub2))
	lsLinkNLRI   = gen.LSNLRI(2, nil, 2, 0, gen.LSLocalNode(lsSub1), gen.LSRemoteNode(lsSub2), gen.LSTLV(258, gen.U32(5), gen.U32(6)), gen.LSTLV(259, gen.IP("10.1.2.1")), gen.LSTLV(260, gen.IP("10.1.2.2")))
	lsPrefixNLRI = gen.LSNLRI(3, nil, 2, 0, gen.LSLocalNode(lsSub1), gen.LSTLV(263, gen.U16(0)), gen.LSTLV(265, []byte{32, 10, 0, 0, 1}))
	lsSIDNLRI    = gen.LSNLRI(6, nil, 2, 0, gen.LSLocalNode(lsSub1), gen.LSTLV(263, gen.U16(2)), gen.LSTLV(518, gen.IP("fc00:0:1::")))

	lsNodeAttr = gen.LSAttr(gen.LSTLV(1026, []byte("r1")), gen.LSTLV(1027, []byte{0x49, 0x09, 0x01}), gen.LSTLV(1028, gen.IP("10.0.0.1")),
		gen.LSTLV(263, gen.U16(0), gen.U16(2)), gen.LSTLV(1034, []byte{0x80, 0}, []byte{0, 0xfa, 0}, gen.LSTLV(1161, []byte{1, 0x86, 0xa0})),
		gen.LSTLV(1035, []byte{0, 1}), gen.LSTLV(266, []byte{1, 10}))
	lsLinkAttr = gen.LSAttr(gen.LSTLV(1028, gen.IP("10.0.0.1")), gen.LSTLV(1030, gen.IP("10.0.0.2")), gen.LSTLV(1089, gen.F32(125e6)),
		gen.LSTLV(1095, []byte{0, 0, 10}), gen.LSTLV(1092, gen.U32(0)), gen.LSTLV(1099, []byte{0x30, 0, 0, 0}, []byte{0, 0x5d, 0xc1}),
		gen.LSTLV(1114, []byte{0x80, 0, 0x03, 0xe8}), gen.LSTLV(1173, []byte{1}))
)

func lsUpdate(attr []byte, nlri ...[]byte) []byte {
	return gen.Update(nil, gen.Cat(gen.Origin(0), gen.ASPath(true, 65002), attr, gen.MPReach(gen.AFILS, gen.SAFILS, lsNH, gen.Cat(nlri...))), nil)
}

// nodeHashOf computes the node hash recipe independently of the session code.
func nodeHashOf(proto, domain, rd string, sub []byte) string {
	s := md5.Sum([]byte("ls_node\x00" + proto + "\x00" + domain + "\x00" + rd + "\x00" + hex.EncodeToString(sub) + "\x00"))
	return hex.EncodeToString(s[:])
}

func TestBGPLSRecords(t *testing.T) {
	rs, c := run(t, Config{},
		gen.RouteMonitoring(peer, lsUpdate(lsNodeAttr, lsNodeNLRI)),
		gen.RouteMonitoring(peer, lsUpdate(lsLinkAttr, lsLinkNLRI)),
		gen.RouteMonitoring(peer, lsUpdate(gen.LSAttr(gen.LSTLV(1155, gen.U32(0)), gen.LSTLV(1158, []byte{0x40, 0, 0, 0}, gen.U32(1)), gen.LSTLV(1152, []byte{0x80})), lsPrefixNLRI)),
		gen.RouteMonitoring(peer, lsUpdate(gen.LSAttr(gen.LSTLV(1250, gen.U16(48), []byte{0, 0}), gen.LSTLV(1252, []byte{32, 16, 0, 80})), lsSIDNLRI)),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.MPUnreach(gen.AFILS, gen.SAFILS, gen.Cat(lsNodeNLRI, lsPrefixNLRI)), nil)),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.MPUnreach(gen.AFILS, gen.SAFILS, nil), nil)),
	)
	if got := summary(rs); !reflect.DeepEqual(got, []string{"ls_node:add", "ls_link:add", "ls_prefix:add:10.0.0.1/32", "ls_srv6_sid:add",
		"ls_node:del", "ls_prefix:del:10.0.0.1/32", "ls_node:del:eor"}) {
		t.Fatalf("records %q", got)
	}
	h1, h2 := nodeHashOf("2", "0", "", lsSub1), nodeHashOf("2", "0", "", lsSub2)
	expect := func(r rec, want map[string]any) {
		t.Helper()
		for k, v := range want {
			if got, ok := r[k]; !ok || !reflect.DeepEqual(got, v) {
				t.Errorf("%s %s: %s = %#v, want %#v", r["type"], r["action"], k, got, v)
			}
		}
	}
	common := map[string]any{"domain_id": 0.0, "protocol": "IS-IS Level 2", "protocol_id": 2.0, "igp_router_id": "0000.0000.0001",
		"local_node_hash": h1, "peer_ip": "192.0.2.2", "router_ip": "192.0.2.1"}
	for _, r := range rs[:6] {
		expect(r, common)
		if _, ok := r["base_attrs"]; ok {
			t.Errorf("%s has base_attrs", r["type"])
		}
	}
	expect(rs[0], map[string]any{"nexthop": "192.0.2.2", "asn": 65000.0, "area_id": "49.0901", "name": "r1", "router_id": "10.0.0.1",
		"mt_id_tlv": []any{map[string]any{"o_flag": false, "a_flag": false, "mt_id": 0.0}, map[string]any{"o_flag": false, "a_flag": false, "mt_id": 2.0}},
		"ls_sr_capabilities": map[string]any{"flags": map[string]any{"i_flag": true, "v_flag": false},
			"sr_capability_subtlv": []any{map[string]any{"range": 64000.0, "sid": 100000.0}}},
		"sr_algorithm": []any{0.0, 1.0}, "node_msd": []any{map[string]any{"msd_type": 1.0, "msd_value": 10.0}}})
	expect(rs[1], map[string]any{"area_id": "0", "local_node_asn": 65000.0, "remote_node_asn": 65000.0, "remote_igp_router_id": "0000.0000.0002",
		"remote_node_hash": h2, "local_link_id": 5.0, "remote_link_id": 6.0, "local_link_ip": "10.1.2.1", "remote_link_ip": "10.1.2.2",
		"router_id": "10.0.0.1", "remote_router_id": "10.0.0.2", "max_link_bw": 1e9, "max_link_bw_kbps": 1e6, "igp_metric": 10.0,
		"te_default_metric": 0.0, "unidir_link_delay": 1000.0, "unidir_link_delay_anomalous": true,
		"ls_adjacency_sid": []any{map[string]any{"flags": map[string]any{"f_flag": false, "b_flag": false, "v_flag": true, "l_flag": true, "s_flag": false, "p_flag": false},
			"weight": 0.0, "sid": 24001.0}},
		"unknown_ls_attr_tlvs": []any{map[string]any{"type": 1173.0, "value": "01"}}})
	expect(rs[2], map[string]any{"prefix": "10.0.0.1", "prefix_len": 32.0, "is_ipv4": true, "area_id": "0", "prefix_metric": 0.0,
		"mt_id_tlv": map[string]any{"o_flag": false, "a_flag": false, "mt_id": 0.0},
		"igp_flags": map[string]any{"d_flag": true, "n_flag": false, "l_flag": false, "p_flag": false},
		"prefix_attr_tlvs": map[string]any{"ls_prefix_sid": []any{map[string]any{"algo": 0.0, "prefix_sid": 1.0,
			"flags": map[string]any{"r_flag": false, "n_flag": true, "p_flag": false, "e_flag": false, "v_flag": false, "l_flag": false}}}}})
	expect(rs[3], map[string]any{"srv6_sid": "fc00:0:1::", "mt_id_tlv": map[string]any{"o_flag": false, "a_flag": false, "mt_id": 2.0},
		"srv6_endpoint_behavior": map[string]any{"endpoint_behavior": 48.0, "flag": 0.0, "algo": 0.0},
		"srv6_sid_structure":     map[string]any{"locator_block_length": 32.0, "locator_node_length": 16.0, "function_length": 0.0, "argument_length": 80.0}})
	// Withdrawals: no next hop, no attribute fields; the same hash as the announcement.
	for _, i := range []int{4, 5} {
		for _, k := range []string{"nexthop", "name", "router_id", "prefix_metric", "mt_id_tlv"} {
			if _, ok := rs[i][k]; ok && !(k == "mt_id_tlv" && i == 5) {
				t.Errorf("withdrawal %d has %s", i, k)
			}
		}
	}
	if rs[4]["hash"] != rs[0]["hash"] || rs[5]["hash"] != rs[2]["hash"] || rs[0]["hash"] == rs[2]["hash"] || rs[0]["hash"] == nil {
		t.Errorf("hashes: %v %v %v %v", rs[0]["hash"], rs[4]["hash"], rs[2]["hash"], rs[5]["hash"])
	}
	expect(rs[6], map[string]any{"is_eor": true, "afi": 16388.0, "safi": 71.0, "action": "del"})
	if c.DecodeErrors[ErrUpdate].Load() != 0 || c.RecordCount(record.TypeLSNode) != 3 || c.RecordCount(record.TypeLSLink) != 1 {
		t.Fatalf("counters: errors %d nodes %d", c.DecodeErrors[ErrUpdate].Load(), c.RecordCount(record.TypeLSNode))
	}
}

// TestBGPLSLinkJoinsNodes: a link's remote_node_hash is the remote node's local_node_hash.
func TestBGPLSLinkJoinsNodes(t *testing.T) {
	rs, _ := run(t, Config{}, gen.RouteMonitoring(peer, lsUpdate(nil, lsNodeNLRI, lsNode2NLRI, lsLinkNLRI)))
	if len(rs) != 3 || rs[2]["local_node_hash"] != rs[0]["local_node_hash"] || rs[2]["remote_node_hash"] != rs[1]["local_node_hash"] ||
		rs[0]["local_node_hash"] == rs[1]["local_node_hash"] {
		t.Fatalf("node hashes do not join: %v", rs)
	}
	if rs[0]["area_id"] != "" { // IS-IS node without attribute: no area
		t.Fatalf("area_id %v", rs[0]["area_id"])
	}
}

func TestBGPLSVPNAddPathAndUnknown(t *testing.T) {
	ap := gen.CapAddPath(gen.AddPathEntry{AFI: gen.AFILS, SAFI: gen.SAFILSVPN, Mode: 3})
	sent := gen.Open(65001, 90, local, gen.CapMP(gen.AFILS, gen.SAFILSVPN), gen.CapAS4(65001), ap)
	recv := gen.Open(65002, 90, netip.MustParseAddr("192.0.2.2"), gen.CapMP(gen.AFILS, gen.SAFILSVPN), gen.CapAS4(65002), ap)
	rd := []byte{0, 0, 0, 100, 0, 0, 0, 1}
	node := gen.LSNLRI(1, rd, 2, 0, gen.LSLocalNode(lsSub1))
	te := gen.LSNLRI(5, rd, 9, 0, gen.LSLocalNode(lsSub1), gen.LSTLV(554, []byte{1}))
	upd := func(nlri []byte) []byte {
		return gen.Update(nil, gen.Cat(gen.Origin(0), gen.ASPath(true, 65002), gen.MPReach(gen.AFILS, gen.SAFILSVPN, lsNH, nlri)), nil)
	}
	rs, c := run(t, Config{},
		gen.PeerUp(peer, local, 179, 40000, sent, recv),
		gen.RouteMonitoring(peer, upd(gen.Cat(gen.WithPathID(7, node), gen.WithPathID(8, te)))),
		gen.RouteMonitoring(peer, upd(node)), // without path ID although negotiated: accepted, counted
	)
	if got := summary(rs); !reflect.DeepEqual(got, []string{"peer:up", "ls_node:add", "unknown_nlri:add", "ls_node:add"}) {
		t.Fatalf("records %q", got)
	}
	if rs[1]["route_distinguisher"] != "100:1" || rs[1]["path_id"] != 7.0 || rs[1]["local_node_hash"] != nodeHashOf("2", "0", "100:1", lsSub1) {
		t.Fatalf("VPN node: %v", rs[1])
	}
	if rs[2]["afi"] != 16388.0 || rs[2]["safi"] != 72.0 || rs[2]["nlri"] != hex.EncodeToString(te) {
		t.Fatalf("TE policy: %v", rs[2])
	}
	if _, ok := rs[3]["path_id"]; ok || rs[3]["hash"] == rs[1]["hash"] {
		t.Fatalf("record without path ID: %v", rs[3])
	}
	if n := c.AddPathMismatches.Load(); n != 1 {
		t.Fatalf("ADD-PATH mismatches %d, want 1", n)
	}
}

func TestBGPLSMalformed(t *testing.T) {
	badNLRI := gen.LSNLRI(1, nil, 2, 0, gen.LSTLV(257)) // no local node descriptors
	badAttr := gen.LSAttr(gen.LSTLV(1026, []byte("r1")), gen.LSTLV(1024, []byte{1, 2}))
	rs, c := run(t, Config{},
		gen.RouteMonitoring(peer, lsUpdate(nil, badNLRI)),
		gen.RouteMonitoring(peer, lsUpdate(badAttr, lsNodeNLRI)),
	)
	// The malformed NLRI section is counted and published raw as unknown_nlri with the
	// error (the session's policy for every family); the malformed attribute TLV is
	// counted and kept as unknown while the record is still emitted.
	if got := summary(rs); !reflect.DeepEqual(got, []string{"unknown_nlri:add", "ls_node:add"}) {
		t.Fatalf("records %q", got)
	}
	if rs[0]["afi"] != 16388.0 || rs[0]["safi"] != 71.0 || rs[0]["nlri"] != hex.EncodeToString(badNLRI) ||
		!strings.Contains(rs[0]["error"].(string), "BGP-LS") {
		t.Fatalf("unknown_nlri record: %v", rs[0])
	}
	if rs[1]["name"] != "r1" || !reflect.DeepEqual(rs[1]["unknown_ls_attr_tlvs"], []any{map[string]any{"type": 1024.0, "value": "0102"}}) {
		t.Fatalf("record: %v", rs[1])
	}
	if n := c.DecodeErrors[ErrUpdate].Load(); n != 2 {
		t.Fatalf("decode errors %d, want 2", n)
	}
}

// TestBGPLSAttrFromRawBlock: the attribute is found in the raw attribute block too (in
// case package bgp stops listing type 29 among the attributes it does not decode).
func TestBGPLSAttrFromRawBlock(t *testing.T) {
	attr := gen.LSAttr(gen.LSTLV(1026, make([]byte, 300))) // extended length
	upd := gen.Update(nil, gen.Cat(gen.Origin(0), attr, gen.MPReach(gen.AFILS, gen.SAFILS, lsNH, lsNodeNLRI)), nil)
	var c Ctx
	c.Update = &bgp.Update{}
	if err := bgp.ParseUpdate(upd, &bgp.DecodeOptions{AS4: true}, c.Update); err != nil {
		t.Fatal(err)
	}
	want := attr[4:]
	if got := lsAttrValue(&c, &Section{Announce: true}); string(got) != string(want) {
		t.Fatalf("from Unknown: %d bytes", len(got))
	}
	c.Update.Attrs.Unknown = nil
	if got := lsAttrValue(&c, &Section{Announce: true}); string(got) != string(want) {
		t.Fatalf("from Raw: %d bytes", len(got))
	}
	if got := lsAttrValue(&c, &Section{}); got != nil {
		t.Fatal("a withdrawal has no attribute")
	}
}
