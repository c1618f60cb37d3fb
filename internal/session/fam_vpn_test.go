package session

import (
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// Session tests of the VPN families: messages built with internal/gen, NLRI byte by byte.

// vpnRD0 is the type 0 route distinguisher 65001:100, vpnRD1 the type 1 192.0.2.1:7.
var (
	vpnRD0 = []byte{0, 0, 0xfd, 0xe9, 0, 0, 0, 100}
	vpnRD1 = []byte{0, 1, 192, 0, 2, 1, 0, 7}
)

// vpnNLRI encodes a VPN-IP NLRI: [path id] length, labels (raw 3-byte values), RD, prefix.
func vpnNLRI(id *uint32, prefix string, rd []byte, labels ...uint32) []byte {
	p := netip.MustParsePrefix(prefix)
	var b []byte
	if id != nil {
		b = binary.BigEndian.AppendUint32(b, *id)
	}
	b = append(b, byte(24*len(labels)+64+p.Bits()))
	for _, l := range labels {
		b = append(b, byte(l>>16), byte(l>>8), byte(l))
	}
	b = append(b, rd...)
	return append(b, p.Addr().AsSlice()[:(p.Bits()+7)/8]...)
}

func lbl(v uint32) uint32 { return v<<4 | 1 } // label value with the bottom-of-stack bit

func pid(v uint32) *uint32 { return &v }

// mpReachRaw builds MP_REACH_NLRI with a next hop given as bytes (VPN: RD + address).
func mpReachRaw(afi uint16, safi uint8, nh, nlri []byte) []byte {
	v := binary.BigEndian.AppendUint16(nil, afi)
	v = append(v, safi, byte(len(nh)))
	v = append(append(v, nh...), 0)
	return gen.Attr(0x80, 14, append(v, nlri...))
}

// extCommunities builds an EXTENDED_COMMUNITIES attribute.
func extCommunities(ecs ...[8]byte) []byte {
	var v []byte
	for _, e := range ecs {
		v = append(v, e[:]...)
	}
	return gen.Attr(0xc0, 16, v)
}

// goBMPHash is MD5 over parts, each followed by a 0 byte (computed here without
// record.Parts).
func goBMPHash(parts ...string) string {
	s := md5.Sum([]byte(strings.Join(parts, "\x00") + "\x00"))
	return hex.EncodeToString(s[:])
}

const (
	rh = "d0f88d6c87767262ba8e93d6acccd784" // router 192.0.2.1
	ph = "f12cfb7950a4c1a9c4e2f8fb50a0bbfb" // peer 192.0.2.2 AS 65002
)

// checkFields compares the listed fields of r with want (JSON numbers as float64); a nil
// want means the field must be absent.
func checkFields(t *testing.T, r rec, want map[string]any) {
	t.Helper()
	for k, v := range want {
		got, ok := r[k]
		if v == nil {
			if ok {
				t.Errorf("%s:%s: field %s = %v, want absent", r["type"], r["action"], k, got)
			}
			continue
		}
		if !reflect.DeepEqual(got, v) {
			t.Errorf("%s:%s: field %s = %#v, want %#v", r["type"], r["action"], k, got, v)
		}
	}
}

func TestL3VPNSession(t *testing.T) {
	ap := gen.CapAddPath(gen.AddPathEntry{AFI: 1, SAFI: 128, Mode: 3})
	caps := []([]byte){gen.CapMP(1, 128), gen.CapMP(2, 128), gen.CapAS4(65001), ap}
	sent := gen.Open(65001, 90, local, caps...)
	recv := gen.Open(65002, 90, netip.MustParseAddr("192.0.2.2"), gen.CapMP(1, 128), gen.CapMP(2, 128), gen.CapAS4(65002), ap)
	base := gen.Cat(gen.Origin(0), gen.ASPath(true, 65002, 4200000001))
	// VPNv4 with ADD-PATH: two paths of 10.0.0.0/8 (RD 65001:100) and 0.0.0.0/0 (RD
	// 192.0.2.1:7, label stack of two), next hop RD 0 + 192.0.2.2 (12 bytes).
	v4 := gen.Update(nil, gen.Cat(base, mpReachRaw(1, 128, append(make([]byte, 8), 192, 0, 2, 2),
		gen.Cat(vpnNLRI(pid(1), "10.0.0.0/8", vpnRD0, lbl(16)), vpnNLRI(pid(2), "10.0.0.0/8", vpnRD0, lbl(17)),
			vpnNLRI(pid(3), "0.0.0.0/0", vpnRD1, 3000<<4, lbl(18))))), nil)
	// Withdrawal with the RFC 8277 Compatibility field.
	wd := gen.Update(nil, gen.MPUnreach(1, 128, vpnNLRI(pid(1), "10.0.0.0/8", vpnRD0, 0x800000)), nil)
	// VPNv6 (no ADD-PATH for 2/128): 6VPE next hop (RD + IPv4-mapped) and one with a
	// link-local (48 bytes).
	nh6 := append(make([]byte, 8), netip.MustParseAddr("2001:db8::2").AsSlice()...)
	nh6 = append(append(nh6, make([]byte, 8)...), netip.MustParseAddr("fe80::2").AsSlice()...)
	v6 := gen.Update(nil, gen.Cat(base, mpReachRaw(2, 128, nh6, vpnNLRI(nil, "2001:db8:1::/48", vpnRD0, lbl(24000)))), nil)
	eor := gen.Update(nil, gen.MPUnreach(2, 128, nil), nil)
	rs, c := run(t, Config{}, gen.PeerUp(peer, local, 179, 40000, sent, recv),
		gen.RouteMonitoring(peer, v4), gen.RouteMonitoring(peer, wd), gen.RouteMonitoring(peer, v6), gen.RouteMonitoring(peer, eor))
	want := []string{"peer:up", "l3vpn:add:10.0.0.0/8", "l3vpn:add:10.0.0.0/8", "l3vpn:add:0.0.0.0/0", "l3vpn:del:10.0.0.0/8",
		"l3vpn:add:2001:db8:1::/48", "l3vpn:del:eor"}
	if got := summary(rs); !reflect.DeepEqual(got, want) {
		t.Fatalf("records:\n got  %q\n want %q", got, want)
	}
	if n := c.Records[record.TypeL3VPN].Load(); n != 6 || c.DecodeErrors[ErrUpdate].Load() != 0 || c.AddPathMismatches.Load() != 0 {
		t.Fatalf("l3vpn records %d, decode errors %d, mismatches %d", n, c.DecodeErrors[ErrUpdate].Load(), c.AddPathMismatches.Load())
	}
	checkFields(t, rs[1], map[string]any{"prefix": "10.0.0.0", "prefix_len": 8.0, "is_ipv4": true, "path_id": 1.0,
		"labels": []any{16.0}, "vpn_rd": "65001:100", "vpn_rd_type": 0.0, "nexthop": "192.0.2.2", "is_nexthop_ipv4": true,
		"origin_as": 4200000001.0, "peer_hash": ph, "router_hash": rh, "is_eor": nil,
		"hash": goBMPHash("l3vpn", rh, ph, "65001:100", "0", "10.0.0.0", "8", "true", "1", "16")})
	if ba, ok := rs[1]["base_attrs"].(map[string]any); !ok || !reflect.DeepEqual(ba["as_path"], []any{65002.0, 4200000001.0}) {
		t.Errorf("base_attrs: %v", rs[1]["base_attrs"])
	}
	checkFields(t, rs[2], map[string]any{"path_id": 2.0, "labels": []any{17.0}})
	checkFields(t, rs[3], map[string]any{"prefix": "0.0.0.0", "prefix_len": 0.0, "path_id": 3.0, "labels": []any{3000.0, 18.0},
		"vpn_rd": "192.0.2.1:7", "vpn_rd_type": 1.0,
		"hash": goBMPHash("l3vpn", rh, ph, "192.0.2.1:7", "1", "0.0.0.0", "0", "true", "3", "3000,18")})
	checkFields(t, rs[4], map[string]any{"prefix": "10.0.0.0", "prefix_len": 8.0, "path_id": 1.0, "labels": []any{524288.0},
		"vpn_rd": "65001:100", "vpn_rd_type": 0.0, "nexthop": nil, "base_attrs": nil, "origin_as": nil,
		"hash": goBMPHash("l3vpn", rh, ph, "65001:100", "0", "10.0.0.0", "8", "true", "1", "524288")})
	checkFields(t, rs[5], map[string]any{"is_ipv4": false, "nexthop": "2001:db8::2", "nexthop_link_local": "fe80::2",
		"is_nexthop_ipv4": false, "labels": []any{24000.0}, "path_id": nil,
		"hash": goBMPHash("l3vpn", rh, ph, "65001:100", "0", "2001:db8:1::", "48", "false", "0", "24000")})
	checkFields(t, rs[6], map[string]any{"is_eor": true, "afi": 2.0, "safi": 128.0, "is_ipv4": false, "prefix": nil,
		"prefix_len": nil, "hash": nil, "vpn_rd": nil, "vpn_rd_type": nil})
}

func TestL3VPNMalformedAndAddPathFallback(t *testing.T) {
	nh := []netip.Addr{netip.MustParseAddr("192.0.2.2")}
	// The prefix length says 14 bytes, 12 follow: neither ADD-PATH setting decodes it.
	bad := []byte{0x70, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 10}
	// Path identifiers that the Peer Up did not negotiate: accepted, counted.
	withIDs := vpnNLRI(pid(7), "10.9.0.0/16", vpnRD0, lbl(16))
	rs, c := run(t, Config{},
		gen.RouteMonitoring(peer, gen.Update(nil, gen.Cat(gen.Origin(0), gen.MPReach(1, 128, nh, bad)), nil)),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.Cat(gen.Origin(0), gen.MPReach(1, 128, nh, withIDs)), nil)))
	if got := summary(rs); !reflect.DeepEqual(got, []string{"unknown_nlri:add", "l3vpn:add:10.9.0.0/16"}) {
		t.Fatalf("records %q", got)
	}
	checkFields(t, rs[0], map[string]any{"afi": 1.0, "safi": 128.0, "nlri": "7000000100000001000000010a"})
	checkFields(t, rs[1], map[string]any{"path_id": 7.0, "nexthop": "192.0.2.2", "labels": []any{16.0}})
	if c.DecodeErrors[ErrUpdate].Load() != 1 || c.AddPathMismatches.Load() != 1 || c.Records[record.TypeUnknownNLRI].Load() != 1 {
		t.Fatalf("decode errors %d, mismatches %d, unknown %d", c.DecodeErrors[ErrUpdate].Load(), c.AddPathMismatches.Load(),
			c.Records[record.TypeUnknownNLRI].Load())
	}
}

// TestLabeledUnicastWithdrawalLabels: a labelled unicast withdrawal carries its label
// field as sent, as label values like the announcements (RFC 8277 section 2.4
// Compatibility 0x800000 = label 524288, 0x000000 = label 0).
func TestLabeledUnicastWithdrawalLabels(t *testing.T) {
	lu := func(prefix string, labels ...uint32) []byte {
		p := netip.MustParsePrefix(prefix)
		b := []byte{byte(24*len(labels) + p.Bits())}
		for _, l := range labels {
			b = append(b, byte(l>>16), byte(l>>8), byte(l))
		}
		return append(b, p.Addr().AsSlice()[:(p.Bits()+7)/8]...)
	}
	nh := []netip.Addr{netip.MustParseAddr("192.0.2.2")}
	rs, _ := run(t, Config{},
		gen.RouteMonitoring(peer, gen.Update(nil, gen.Cat(gen.Origin(0), gen.MPReach(1, 4, nh, lu("10.0.0.0/8", lbl(16)))), nil)),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.MPUnreach(1, 4, gen.Cat(lu("10.0.0.0/8", 0x800000), lu("10.1.0.0/16", 0),
			lu("10.2.0.0/16", lbl(17)))), nil)))
	if got := summary(rs); !reflect.DeepEqual(got, []string{"unicast_prefix:add:10.0.0.0/8", "unicast_prefix:del:10.0.0.0/8",
		"unicast_prefix:del:10.1.0.0/16", "unicast_prefix:del:10.2.0.0/16"}) {
		t.Fatalf("records %q", got)
	}
	for i, want := range [][]any{{16.0}, {524288.0}, {0.0}, {17.0}} {
		checkFields(t, rs[i], map[string]any{"labels": want})
	}
}

func TestRTCSession(t *testing.T) {
	rt := []byte{0x00, 0x02, 0xfd, 0xe8, 0, 0, 0, 100} // route target 65000:100
	nlri := gen.Cat([]byte{96}, []byte{0, 0, 0xfd, 0xe9}, rt, []byte{0}, []byte{64, 0, 0, 0xfd, 0xe9, 0, 2, 0xfd, 0xe8})
	nh := []netip.Addr{netip.MustParseAddr("192.0.2.2")}
	rs, c := run(t, Config{},
		gen.RouteMonitoring(peer, gen.Update(nil, gen.Cat(gen.Origin(0), gen.ASPath(true, 65002), gen.MPReach(1, 132, nh, nlri)), nil)),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.MPUnreach(1, 132, gen.Cat([]byte{96}, []byte{0, 0, 0xfd, 0xe9}, rt)), nil)),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.MPUnreach(1, 132, nil), nil)))
	if got := summary(rs); !reflect.DeepEqual(got, []string{"rtc:add", "rtc:add", "rtc:add", "rtc:del", "rtc:del:eor"}) {
		t.Fatalf("records %q", got)
	}
	checkFields(t, rs[0], map[string]any{"length": 96.0, "origin_as": 65001.0, "route_target": "65000:100", "is_ipv4": true,
		"nexthop": "192.0.2.2", "is_nexthop_ipv4": true, "path_id": nil,
		"hash": goBMPHash("rtc", rh, ph, "96", "65001", "65000:100", "0")})
	if _, ok := rs[0]["base_attrs"]; !ok {
		t.Error("announcement without base_attrs")
	}
	checkFields(t, rs[1], map[string]any{"length": 0.0, "origin_as": nil, "route_target": nil})
	checkFields(t, rs[2], map[string]any{"length": 64.0, "origin_as": 65001.0, "route_target": "0002fde8"})
	checkFields(t, rs[3], map[string]any{"length": 96.0, "route_target": "65000:100", "nexthop": nil, "base_attrs": nil,
		"hash": rs[0]["hash"]})
	checkFields(t, rs[4], map[string]any{"is_eor": true, "afi": 1.0, "safi": 132.0, "length": nil})
	if c.Records[record.TypeRTC].Load() != 5 {
		t.Fatalf("rtc records %d", c.Records[record.TypeRTC].Load())
	}
}

func TestMVPNSession(t *testing.T) {
	mv := func(typ byte, v ...[]byte) []byte {
		val := gen.Cat(v...)
		return gen.Cat([]byte{typ, byte(len(val))}, val)
	}
	src, grp := []byte{32, 10, 1, 1, 1}, []byte{32, 232, 1, 1, 1}
	spmsi := mv(3, vpnRD0, src, grp, []byte{192, 0, 2, 1})
	nlri := gen.Cat(mv(1, vpnRD0, []byte{192, 0, 2, 1}), mv(2, vpnRD0, []byte{0, 0, 0xfd, 0xe9}), spmsi,
		mv(4, spmsi, []byte{192, 0, 2, 9}), mv(6, vpnRD1, []byte{0, 0, 0xfd, 0xe9}, []byte{0}, grp), mv(9, []byte{1, 2}))
	nh := []netip.Addr{netip.MustParseAddr("192.0.2.2")}
	s129 := vpnNLRI(nil, "10.1.0.0/16", vpnRD0, lbl(16))
	rs, c := run(t, Config{},
		gen.RouteMonitoring(peer, gen.Update(nil, gen.Cat(gen.Origin(0), gen.ASPath(true, 65002), gen.MPReach(1, 5, nh, nlri)), nil)),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.MPUnreach(1, 5, mv(7, vpnRD0, []byte{0, 0, 0, 1}, src, grp)), nil)),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.Cat(gen.Origin(0), gen.MPReach(1, 129, nh, s129)), nil)),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.MPUnreach(2, 5, nil), nil)))
	want := []string{"mvpn:add", "mvpn:add", "mvpn:add", "mvpn:add", "mvpn:add", "mvpn:add", "mvpn:del", "mvpn:add:10.1.0.0/16", "mvpn:del:eor"}
	if got := summary(rs); !reflect.DeepEqual(got, want) {
		t.Fatalf("records:\n got  %q\n want %q", got, want)
	}
	common := map[string]any{"afi": 1.0, "safi": 5.0, "is_ipv4": true, "nexthop": "192.0.2.2", "origin_as": 65002.0}
	checkFields(t, rs[0], common)
	checkFields(t, rs[0], map[string]any{"route_type": 1.0, "rd": "65001:100", "originator_ip": "192.0.2.1", "source_as": nil,
		"multicast_source": nil, "hash": goBMPHash("mvpn", rh, ph, "1", "5", "1", hex.EncodeToString(gen.Cat(vpnRD0, []byte{192, 0, 2, 1})), "0")})
	checkFields(t, rs[1], map[string]any{"route_type": 2.0, "source_as": 65001.0, "originator_ip": nil})
	checkFields(t, rs[2], map[string]any{"route_type": 3.0, "multicast_source": "10.1.1.1", "multicast_group": "232.1.1.1", "originator_ip": "192.0.2.1"})
	checkFields(t, rs[3], map[string]any{"route_type": 4.0, "route_key": hex.EncodeToString(spmsi), "originator_ip": "192.0.2.9", "rd": nil})
	checkFields(t, rs[4], map[string]any{"route_type": 6.0, "rd": "192.0.2.1:7", "source_as": 65001.0, "multicast_source": "*", "multicast_group": "232.1.1.1"})
	checkFields(t, rs[5], map[string]any{"route_type": 9.0, "nlri": "0102", "rd": nil})
	checkFields(t, rs[6], map[string]any{"route_type": 7.0, "source_as": 1.0, "nexthop": nil, "base_attrs": nil, "origin_as": nil})
	checkFields(t, rs[7], map[string]any{"safi": 129.0, "route_type": nil, "rd": "65001:100", "prefix": "10.1.0.0", "prefix_len": 16.0,
		"labels": []any{16.0}, "hash": goBMPHash("mvpn", rh, ph, "1", "129", "65001:100", "10.1.0.0", "16", "0")})
	checkFields(t, rs[8], map[string]any{"afi": 2.0, "safi": 5.0, "is_eor": true, "is_ipv4": false, "route_type": nil})
	if c.Records[record.TypeMVPN].Load() != 9 || c.DecodeErrors[ErrUpdate].Load() != 0 {
		t.Fatalf("mvpn records %d, errors %d", c.Records[record.TypeMVPN].Load(), c.DecodeErrors[ErrUpdate].Load())
	}
}

func TestVPLSSession(t *testing.T) {
	v4761 := gen.Cat([]byte{0, 17}, vpnRD0, []byte{0, 7, 0, 1, 0, 8}, []byte{0x00, 0x3e, 0x81}) // VE 7, offset 1, size 8, label 1000
	v6074 := gen.Cat([]byte{0, 12}, vpnRD1, []byte{10, 0, 0, 1})
	ecs := extCommunities([8]byte{0x00, 0x02, 0xfd, 0xe8, 0, 0, 0, 100}, [8]byte{0x80, 0x0a, 19, 0x02, 0x05, 0xdc, 0, 0},
		[8]byte{0x01, 0x02, 10, 0, 0, 1, 0, 5})
	nh := []netip.Addr{netip.MustParseAddr("192.0.2.2")}
	rs, c := run(t, Config{},
		gen.RouteMonitoring(peer, gen.Update(nil, gen.Cat(gen.Origin(0), gen.ASPath(true, 65002), ecs, gen.MPReach(25, 65, nh, gen.Cat(v4761, v6074))), nil)),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.MPUnreach(25, 65, v4761), nil)),
		gen.RouteMonitoring(peer, gen.Update(nil, gen.MPUnreach(25, 65, nil), nil)))
	if got := summary(rs); !reflect.DeepEqual(got, []string{"vpls:add", "vpls:add", "vpls:del", "vpls:del:eor"}) {
		t.Fatalf("records %q", got)
	}
	checkFields(t, rs[0], map[string]any{"rfc_type": "RFC4761", "vpn_rd": "65001:100", "ve_id": 7.0, "ve_block_offset": 1.0,
		"ve_block_size": 8.0, "label_base": 1000.0, "label_block_end": 1007.0, "pe_address": nil, "encap_type": 19.0,
		"control_word": true, "sequenced_delivery": false, "mtu": 1500.0, "route_targets": []any{"65000:100", "10.0.0.1:5"},
		"nexthop": "192.0.2.2", "origin_as": 65002.0, "is_ipv4": true, "remote_bgp_id": "192.0.2.2",
		"hash": goBMPHash("vpls", rh, ph, "65001:100", "RFC4761", "7", "1", "0")})
	checkFields(t, rs[1], map[string]any{"rfc_type": "RFC6074", "vpn_rd": "192.0.2.1:7", "pe_address": "10.0.0.1", "ve_id": nil,
		"label_base": nil, "mtu": 1500.0, "hash": goBMPHash("vpls", rh, ph, "192.0.2.1:7", "RFC6074", "10.0.0.1", "0")})
	checkFields(t, rs[2], map[string]any{"rfc_type": "RFC4761", "ve_id": 7.0, "route_targets": nil, "mtu": nil, "nexthop": nil,
		"base_attrs": nil, "hash": rs[0]["hash"]})
	checkFields(t, rs[3], map[string]any{"is_eor": true, "afi": 25.0, "safi": 65.0})
	if c.Records[record.TypeVPLS].Load() != 4 {
		t.Fatalf("vpls records %d", c.Records[record.TypeVPLS].Load())
	}
}

// TestVPNSessionAllocs: once warm, a VPN UPDATE costs no allocation in the handlers.
func TestVPNSessionAllocs(t *testing.T) {
	if vpnRace {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	nh := []netip.Addr{netip.MustParseAddr("192.0.2.2")}
	upd := gen.RouteMonitoring(peer, gen.Update(nil, gen.Cat(gen.Origin(0), gen.ASPath(true, 65002),
		gen.MPReach(1, 128, nh, gen.Cat(vpnNLRI(nil, "10.0.0.0/8", vpnRD0, lbl(16)), vpnNLRI(nil, "10.1.0.0/16", vpnRD1, lbl(17))))), nil))
	wd := gen.RouteMonitoring(peer, gen.Update(nil, gen.MPUnreach(1, 128, vpnNLRI(nil, "10.0.0.0/8", vpnRD0, 0x800000)), nil))
	out := func(_ context.Context, b *record.Batch) error { b.Release(); return nil }
	s := New(context.Background(), Config{MaxBatchRecords: 2}, netip.MustParseAddrPort("192.0.2.1:40000"), out)
	for i := 0; i < 3; i++ {
		_ = s.Handle(upd, peer.Time)
		_ = s.Handle(wd, peer.Time)
	}
	n := testing.AllocsPerRun(200, func() {
		_ = s.Handle(upd, peer.Time)
		_ = s.Handle(wd, peer.Time)
	})
	_ = s.Flush()
	if n > 0 {
		t.Errorf("%.1f allocations per pair of VPN messages", n)
	}
}

// BenchmarkSessionVPN: Route Monitoring messages of 10 VPNv4 routes each (decode, 10
// l3vpn records with base_attrs), batches released at once.
func BenchmarkSessionVPN(b *testing.B) {
	nh := []netip.Addr{netip.MustParseAddr("192.0.2.2")}
	var nlri []byte
	for i := range 10 {
		nlri = append(nlri, vpnNLRI(nil, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i), 0, 0}), 16).String(), vpnRD0, lbl(uint32(16+i)))...)
	}
	msg := gen.RouteMonitoring(peer, gen.Update(nil, gen.Cat(attrs, gen.MPReach(1, 128, nh, nlri)), nil))
	out := func(_ context.Context, bt *record.Batch) error { bt.Release(); return nil }
	s := New(context.Background(), Config{}, netip.MustParseAddrPort("192.0.2.1:40000"), out)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if err := s.Handle(msg, peer.Time); err != nil {
			b.Fatal(err)
		}
	}
	_ = s.Flush()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*10), "ns/route")
}
