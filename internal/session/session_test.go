package session

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/pkg/record"
)

type rec map[string]any

// run feeds msgs through a fresh session and returns the decoded records in order.
func run(t *testing.T, cfg Config, msgs ...[]byte) ([]rec, *Counters) {
	t.Helper()
	if cfg.Counters == nil {
		cfg.Counters = &Counters{}
	}
	if cfg.Encodings == 0 {
		cfg.Encodings = schemaEncodings // every record is also checked by checkRecordSchemas
	}
	var out []rec
	collect := func(_ context.Context, b *record.Batch) error {
		for i := 0; i < b.Len(); i++ {
			var r rec
			if err := json.Unmarshal(b.Record(i), &r); err != nil {
				t.Fatalf("record %d is not JSON: %v: %s", i, err, b.Record(i))
			}
			if r["type"] != b.Recs[i].Type.String() {
				t.Fatalf("meta type %v != record type %v", b.Recs[i].Type, r["type"])
			}
			checkRecordSchemas(t, b, i)
			out = append(out, r)
		}
		b.Release()
		return nil
	}
	s := New(context.Background(), cfg, netip.MustParseAddrPort("192.0.2.1:40000"), collect)
	recv := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	for _, m := range msgs {
		if err := s.Handle(m, recv); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	for i, r := range out {
		if got := r["sequence"].(float64); got != float64(i+1) {
			t.Fatalf("record %d has sequence %v", i, got)
		}
	}
	return out, cfg.Counters
}

var (
	peer = gen.Peer{Addr: netip.MustParseAddr("192.0.2.2"), AS: 65002, BGPID: netip.MustParseAddr("192.0.2.2"),
		Time: time.Date(2026, 11, 22, 0, 15, 36, 947676000, time.UTC)}
	local   = netip.MustParseAddr("192.0.2.1")
	v4caps  = [][]byte{gen.CapMP(1, 1), gen.CapMP(2, 1), gen.CapAS4(65001)}
	sentOpn = gen.Open(65001, 90, local, v4caps...)
	recvOpn = gen.Open(65002, 180, netip.MustParseAddr("192.0.2.2"), gen.CapMP(1, 1), gen.CapMP(2, 1), gen.CapAS4(65002))
	attrs   = gen.Cat(gen.Origin(0), gen.ASPath(true, 65002, 65100, 4200000001), gen.NextHop(netip.MustParseAddr("192.0.2.2")),
		gen.MED(0), gen.Communities(65002<<16|100, 0xFFFFFF01), gen.LargeCommunities([3]uint32{65002, 1, 2}))
)

func pfx(s ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range s {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}

// summary renders records as "type:action:prefix/len" for order assertions.
func summary(rs []rec) []string {
	var out []string
	for _, r := range rs {
		s := fmt.Sprintf("%v:%v", r["type"], r["action"])
		if p, ok := r["prefix"]; ok {
			s += fmt.Sprintf(":%v/%v", p, r["prefix_len"])
		}
		if r["is_eor"] == true {
			s += ":eor"
		}
		out = append(out, s)
	}
	return out
}

func TestFullSessionOrderAndFields(t *testing.T) {
	combined := gen.Update(gen.Prefixes(pfx("198.51.100.0/24"), nil),
		gen.Cat(attrs, gen.MPUnreach(2, 1, gen.Prefixes(pfx("2001:db8:100::/48"), nil)),
			gen.MPReach(2, 1, []netip.Addr{netip.MustParseAddr("2001:db8::2"), netip.MustParseAddr("fe80::2")}, gen.Prefixes(pfx("2001:db8:200::/48"), nil))),
		gen.Prefixes(pfx("203.0.113.0/24", "0.0.0.0/0"), nil))
	msgs := [][]byte{
		gen.Initiation("r1", "test router"),
		gen.PeerUp(peer, local, 179, 40000, sentOpn, recvOpn),
		gen.RouteMonitoring(peer, combined),
		gen.RouteMonitoring(peer, gen.Update(nil, nil, nil)), // IPv4 End-of-RIB
		gen.RouteMonitoring(peer, gen.Update(nil, gen.MPUnreach(2, 1, nil), nil)),
		gen.Stats(peer, gen.Counter32(0, 0), gen.Gauge64(7, 3), gen.PerAFI(9, 1, 1, 2), gen.Counter32(65531, 9)),
		gen.PeerDown(peer, 1, gen.Notification(6, 2, nil)),
		gen.Termination(0),
	}
	rs, c := run(t, Config{}, msgs...)
	want := []string{
		"router:init",
		"peer:up",
		"unicast_prefix:del:198.51.100.0/24",
		"unicast_prefix:del:2001:db8:100::/48",
		"unicast_prefix:add:2001:db8:200::/48",
		"unicast_prefix:add:203.0.113.0/24",
		"unicast_prefix:add:0.0.0.0/0",
		"unicast_prefix:add:eor",
		"unicast_prefix:del:eor",
		"statistics:<nil>",
		"peer:down",
		"router:term",
	}
	if got := summary(rs); !reflect.DeepEqual(got, want) {
		t.Fatalf("records:\n got  %q\n want %q", got, want)
	}
	if n := c.Records[record.TypeUnicastPrefix].Load(); n != 7 {
		t.Fatalf("unicast counter %d", n)
	}
	for _, r := range rs {
		if r["router_ip"] != "192.0.2.1" || r["router_hash"] != "d0f88d6c87767262ba8e93d6acccd784" {
			t.Fatalf("router identity must come from the TCP session: %v", r)
		}
		if r["type"] != "router" && r["router_name"] != "r1" {
			t.Fatalf("router_name missing after Initiation: %v", r)
		}
	}
	up := rs[1]
	for k, v := range map[string]any{"remote_ip": "192.0.2.2", "remote_asn": 65002.0, "local_asn": 65001.0, "local_port": 179.0,
		"remote_port": 40000.0, "adv_holddown": 90.0, "remote_holddown": 180.0, "local_bgp_id": "192.0.2.1", "peer_rd": "0:0",
		"hash": "4de694d9b8bcec33efd18fd048abced9", "peer_hash": "f12cfb7950a4c1a9c4e2f8fb50a0bbfb", "is_ipv4": true} {
		if up[k] != v {
			t.Errorf("peer up %s = %v, want %v", k, up[k], v)
		}
	}
	if caps := up["adv_cap"].(map[string]any); caps["65"] == nil || caps["1"] == nil {
		t.Errorf("adv_cap: %v", caps)
	}
	ann := rs[5]
	for k, v := range map[string]any{"nexthop": "192.0.2.2", "is_nexthop_ipv4": true, "origin_as": 4200000001.0,
		"timestamp": "2026-11-22T00:15:36.947676Z", "collector_timestamp": "2026-11-22T01:00:00Z", "is_ipv4": true,
		"is_adj_rib_in_post_policy": false, "is_loc_rib": false} {
		if ann[k] != v {
			t.Errorf("announce %s = %v, want %v", k, ann[k], v)
		}
	}
	ba := ann["base_attrs"].(map[string]any)
	if ba["med"] != 0.0 || ba["origin"] != "igp" || !reflect.DeepEqual(ba["community_list"], []any{"65002:100", "65535:65281"}) ||
		!reflect.DeepEqual(ba["well_known_community_list"], []any{"NO_EXPORT"}) ||
		!reflect.DeepEqual(ba["large_community_list"], []any{"65002:1:2"}) ||
		!reflect.DeepEqual(ba["as_path"], []any{65002.0, 65100.0, 4200000001.0}) {
		t.Errorf("base_attrs: %v", ba)
	}
	if dflt := rs[6]; dflt["prefix_len"] != 0.0 {
		t.Errorf("default route must carry prefix_len 0: %v", dflt)
	}
	v6 := rs[4]
	if v6["nexthop"] != "2001:db8::2" || v6["nexthop_link_local"] != "fe80::2" || v6["is_ipv4"] != false || v6["is_nexthop_ipv4"] != false {
		t.Errorf("v6 announce: %v", v6)
	}
	if del := rs[2]; del["base_attrs"] != nil || del["nexthop"] != nil {
		t.Errorf("withdrawal carries attributes: %v", del)
	}
	st := rs[9]
	if st["prefixes_rejected_inbound"] != 0.0 || st["ads_rib_in"] != 3.0 ||
		!reflect.DeepEqual(st["per_afi_adj_ribs_in"], []any{map[string]any{"afi": 1.0, "safi": 1.0, "count": 2.0}}) ||
		!reflect.DeepEqual(st["unknown_stats"], []any{map[string]any{"type": 65531.0, "value": "00000009"}}) {
		t.Errorf("stats: %v", st)
	}
	down := rs[10]
	if down["bmp_reason"] != 1.0 || down["bmp_error_code"] != 6.0 || down["bmp_error_sub_code"] != 2.0 ||
		!strings.Contains(down["error_text"].(string), "Cease") || down["hash"] != up["hash"] {
		t.Errorf("peer down: %v", down)
	}
	if term := rs[11]; term["term_reason"] != 0.0 {
		t.Errorf("termination: %v", term)
	}
}

func TestAddPathFromPeerUpAndMismatch(t *testing.T) {
	ap := gen.CapAddPath(gen.AddPathEntry{AFI: 1, SAFI: 1, Mode: 3})
	sent := gen.Open(65001, 90, local, append(v4caps[:3:3], ap)...)
	recv := gen.Open(65002, 90, netip.MustParseAddr("192.0.2.2"), gen.CapMP(1, 1), gen.CapAS4(65002), ap)
	withIDs := gen.Update(nil, attrs, gen.Prefixes(pfx("10.0.0.0/8", "10.1.0.0/16"), []uint32{7, 8}))
	// A second message without path IDs although ADD-PATH is negotiated: accepted, counted.
	withoutIDs := gen.Update(nil, attrs, gen.Prefixes(pfx("10.2.0.0/16"), nil))
	rs, c := run(t, Config{},
		gen.PeerUp(peer, local, 179, 40000, sent, recv),
		gen.RouteMonitoring(peer, withIDs),
		gen.RouteMonitoring(peer, withoutIDs),
		gen.RouteMonitoring(peer, withoutIDs))
	if got := summary(rs); !reflect.DeepEqual(got, []string{"peer:up", "unicast_prefix:add:10.0.0.0/8", "unicast_prefix:add:10.1.0.0/16",
		"unicast_prefix:add:10.2.0.0/16", "unicast_prefix:add:10.2.0.0/16"}) {
		t.Fatalf("records %q", got)
	}
	if rs[1]["path_id"] != 7.0 || rs[2]["path_id"] != 8.0 {
		t.Fatalf("path ids: %v %v", rs[1]["path_id"], rs[2]["path_id"])
	}
	if _, ok := rs[3]["path_id"]; ok {
		t.Fatalf("no path id expected: %v", rs[3])
	}
	if n := c.AddPathMismatches.Load(); n != 2 {
		t.Fatalf("mismatches counted %d, want 2", n)
	}
}

func TestMalformedUpdateIsCountedAndSessionContinues(t *testing.T) {
	bad := gen.Update(nil, gen.Cat(gen.Origin(0), []byte{0x40, 2, 200, 2}), nil) // AS_PATH length overruns
	good := gen.Update(nil, attrs, gen.Prefixes(pfx("192.0.2.0/24"), nil))
	badBMP := gen.BMP(3, []byte{0, 0, 0}) // Peer Up shorter than a per-peer header
	rs, c := run(t, Config{}, gen.RouteMonitoring(peer, bad), badBMP, gen.RouteMonitoring(peer, good), gen.BMP(100, []byte("huawei")))
	if got := summary(rs); !reflect.DeepEqual(got, []string{"unicast_prefix:add:192.0.2.0/24"}) {
		t.Fatalf("records %q", got)
	}
	if c.DecodeErrors[ErrUpdate].Load() != 1 || c.DecodeErrors[ErrBMP].Load() != 1 {
		t.Fatalf("errors: update %d bmp %d", c.DecodeErrors[ErrUpdate].Load(), c.DecodeErrors[ErrBMP].Load())
	}
	if c.Messages[7].Load() != 1 || c.Messages[0].Load() != 2 {
		t.Fatalf("message counters: other %d rm %d", c.Messages[7].Load(), c.Messages[0].Load())
	}
}

func TestLocRIBAndRIBFlags(t *testing.T) {
	loc := gen.Peer{Type: 3, Flags: 0x80, AS: 65001, BGPID: local, RD: [8]byte{0, 0, 0, 0, 0, 0, 0, 1}}
	post := peer
	post.Flags = 0x40
	out := peer
	out.Flags = 0x50
	tn := gen.TLV(3, []byte("global"))
	upd := gen.Update(nil, attrs, gen.Prefixes(pfx("192.0.2.0/24"), nil))
	rs, _ := run(t, Config{GoBMPPeerAction: true},
		gen.PeerUp(loc, netip.Addr{}, 0, 0, sentOpn, sentOpn, tn),
		gen.RouteMonitoring(loc, upd), gen.RouteMonitoring(post, upd), gen.RouteMonitoring(out, upd))
	if rs[0]["action"] != "add" || rs[0]["table_name"] != "global" {
		t.Fatalf("goBMP peer action / table name: %v", rs[0])
	}
	check := func(r rec, inPost, outPost, adjOut, locRIB, filtered bool) {
		t.Helper()
		got := []any{r["is_adj_rib_in_post_policy"], r["is_adj_rib_out_post_policy"], r["is_adj_rib_out"], r["is_loc_rib"], r["is_loc_rib_filtered"]}
		if want := []any{inPost, outPost, adjOut, locRIB, filtered}; !reflect.DeepEqual(got, want) {
			t.Errorf("flags %v, want %v (%v)", got, want, r)
		}
	}
	check(rs[1], false, false, false, true, true)
	if rs[1]["table_name"] != "global" || rs[1]["peer_rd"] != "0:1" {
		t.Errorf("loc-rib record: %v", rs[1])
	}
	check(rs[2], true, false, false, false, false)
	check(rs[3], false, true, true, false, false)
}

func TestMirroringAndUnknownFamily(t *testing.T) {
	vpn := gen.Update(nil, gen.Cat(gen.Origin(0), gen.MPReach(1, 241, []netip.Addr{netip.MustParseAddr("192.0.2.2")}, []byte{0x70, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 10})), nil)
	rs, c := run(t, Config{}, gen.Mirror(peer, gen.Update(nil, nil, nil), 1), gen.RouteMonitoring(peer, vpn))
	if got := summary(rs); !reflect.DeepEqual(got, []string{"route_mirror:<nil>", "unknown_nlri:add"}) {
		t.Fatalf("records %q", got)
	}
	if m := rs[0]["bgp_messages"].([]any)[0].(map[string]any); m["bgp_type"] != 2.0 {
		t.Fatalf("mirror: %v", rs[0])
	}
	if rs[1]["afi"] != 1.0 || rs[1]["safi"] != 241.0 || rs[1]["nlri"] != "7000000100000001000000010a" {
		t.Fatalf("unknown nlri: %v", rs[1])
	}
	if c.Records[record.TypeUnknownNLRI].Load() != 1 {
		t.Fatal("unknown_nlri not counted")
	}
}

func TestBatchesBoundedAndOrdered(t *testing.T) {
	var batches []int
	var seqs []float64
	collect := func(_ context.Context, b *record.Batch) error {
		batches = append(batches, b.Len())
		for i := 0; i < b.Len(); i++ {
			var r rec
			_ = json.Unmarshal(b.Record(i), &r)
			seqs = append(seqs, r["sequence"].(float64))
		}
		b.Release()
		return nil
	}
	s := New(context.Background(), Config{MaxBatchRecords: 10}, netip.MustParseAddrPort("[2001:db8::1]:1"), collect)
	upd := gen.Update(nil, attrs, gen.Prefixes(pfx("192.0.2.0/24", "192.0.3.0/24", "192.0.4.0/24"), nil))
	for i := 0; i < 10; i++ {
		if err := s.Handle(gen.RouteMonitoring(peer, upd), time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.Flush()
	// Batches are cut inside a message (3 records each) at exactly 10 records.
	if !reflect.DeepEqual(batches, []int{10, 10, 10}) {
		t.Fatalf("batch sizes %v", batches)
	}
	for i, q := range seqs {
		if q != float64(i+1) {
			t.Fatalf("sequence %v at %d", q, i)
		}
	}
	if s.Router().RouterHash != record.RouterHash(netip.MustParseAddr("2001:db8::1")).String() {
		t.Fatal("IPv6 router hash")
	}
}

// TestAttrSetReuse: consecutive UPDATEs with the same attributes share one encoding, and
// a different attribute set (or AS width) is encoded anew.
func TestAttrSetReuse(t *testing.T) {
	a2 := gen.Cat(gen.Origin(0), gen.ASPath(false, 65002), gen.NextHop(netip.MustParseAddr("192.0.2.2")))
	p2 := peer
	p2.Flags = 0x20 // A flag: 2-byte AS_PATH
	rs, _ := run(t, Config{},
		gen.RouteMonitoring(peer, gen.Update(nil, attrs, gen.Prefixes(pfx("10.0.0.0/8"), nil))),
		gen.RouteMonitoring(peer, gen.Update(nil, attrs, gen.Prefixes(pfx("10.1.0.0/16"), nil))),
		gen.RouteMonitoring(peer, gen.Update(gen.Prefixes(pfx("10.1.0.0/16"), nil), nil, nil)),
		gen.RouteMonitoring(p2, gen.Update(nil, a2, gen.Prefixes(pfx("10.2.0.0/16"), nil))),
		gen.RouteMonitoring(peer, gen.Update(nil, attrs, gen.Prefixes(pfx("10.3.0.0/16"), nil))))
	path := func(r rec) any { return r["base_attrs"].(map[string]any)["as_path"] }
	if !reflect.DeepEqual(path(rs[0]), path(rs[1])) || !reflect.DeepEqual(path(rs[3]), []any{65002.0}) ||
		!reflect.DeepEqual(path(rs[4]), path(rs[0])) {
		t.Fatalf("as paths: %v %v %v %v", path(rs[0]), path(rs[1]), path(rs[3]), path(rs[4]))
	}
	if rs[0]["base_attrs"].(map[string]any)["base_attr_hash"] == rs[3]["base_attrs"].(map[string]any)["base_attr_hash"] {
		t.Fatal("different attribute sets share a hash")
	}
}

// TestTunnelEncapAndBGPLSAttrInBaseAttrs: attribute 23 is decoded into base_attrs'
// tunnel_encap (a malformed one stays raw and is flagged); attribute 29 never shows up in
// base_attrs (it belongs to the BGP-LS records).
func TestTunnelEncapAndBGPLSAttrInBaseAttrs(t *testing.T) {
	te := gen.Attr(0xc0, 23, []byte{0, 8, 0, 4, 8, 2, 0x12, 0xb5}) // VXLAN, UDP port 4789
	bad := gen.Attr(0xc0, 23, []byte{0, 8, 0, 9, 8, 2})
	ls := gen.Attr(0x80, 29, []byte{4, 2, 0, 1, 7})
	rs, _ := run(t, Config{},
		gen.RouteMonitoring(peer, gen.Update(nil, gen.Cat(attrs, te, ls), gen.Prefixes(pfx("10.0.0.0/8"), nil))),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.Cat(attrs, bad), gen.Prefixes(pfx("10.1.0.0/16"), nil))))
	ba := rs[0]["base_attrs"].(map[string]any)
	tun, ok := ba["tunnel_encap"].(map[string]any)
	if !ok || ba["unknown_attributes"] != nil {
		t.Fatalf("base_attrs: %v", ba)
	}
	if first := tun["tunnels"].([]any)[0].(map[string]any); first["tunnel_type"] != 8.0 {
		t.Fatalf("tunnel: %v", tun)
	}
	ba = rs[1]["base_attrs"].(map[string]any)
	unk, _ := ba["unknown_attributes"].([]any)
	if ba["tunnel_encap_malformed"] != true || len(unk) != 1 || unk[0].(map[string]any)["type"] != 23.0 {
		t.Fatalf("malformed tunnel encap: %v", ba)
	}
}

// TestL3VPNRouteLevelAttributes: an l3vpn announcement carries origin_validation and
// prefix_sid from its UPDATE's attributes, its withdrawal does not.
func TestL3VPNRouteLevelAttributes(t *testing.T) {
	vpnNLRI := []byte{0x60, 0, 0x3e, 0x81, 0, 0, 0xfd, 0xe8, 0, 0, 0, 1, 10} // label 1000, RD 65000:1, 10.0.0.0/8
	psid := gen.Attr(0xc0, 40, []byte{1, 0, 7, 0, 0, 0, 0, 0, 0, 90})        // label index 90
	ov := gen.Attr(0xc0, 16, []byte{0x43, 0, 0, 0, 0, 0, 0, 0})              // origin validation: valid
	rs, c := run(t, Config{},
		gen.RouteMonitoring(peer, gen.Update(nil, gen.Cat(gen.Origin(0), gen.ASPath(true, 65002), ov, psid,
			gen.MPReach(1, 128, []netip.Addr{netip.MustParseAddr("192.0.2.2")}, vpnNLRI)), nil)),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.MPUnreach(1, 128, vpnNLRI), nil)))
	if c.DecodeErrors[ErrUpdate].Load() != 0 || len(rs) != 2 || rs[0]["type"] != "l3vpn" {
		t.Fatalf("records %v", summary(rs))
	}
	if rs[0]["origin_validation"] != "valid" || rs[0]["prefix_sid"] == nil || rs[0]["vpn_rd"] != "65000:1" {
		t.Fatalf("announcement: %v", rs[0])
	}
	if rs[1]["origin_validation"] != nil || rs[1]["prefix_sid"] != nil {
		t.Fatalf("withdrawal carries route attributes: %v", rs[1])
	}
}
