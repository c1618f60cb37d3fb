package kafka

import (
	"strings"
	"testing"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// TestAppendKey: router+peer hash for peer records, router hash alone for router-level
// and raw records (even when a raw record carries a peer hash).
func TestAppendKey(t *testing.T) {
	var rh, ph [16]byte
	for i := range rh {
		rh[i], ph[i] = byte(i), byte(0xf0+i)
	}
	const r, p = "000102030405060708090a0b0c0d0e0f", "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
	cases := []struct {
		m    record.Meta
		want string
	}{
		{record.Meta{Type: record.TypeUnicastPrefix, RouterHash: rh, PeerHash: ph}, r + p},
		{record.Meta{Type: record.TypePeer, RouterHash: rh, PeerHash: ph}, r + p},
		{record.Meta{Type: record.TypeStatistics, RouterHash: rh, PeerHash: ph}, r + p},
		{record.Meta{Type: record.TypeRouter, RouterHash: rh}, r},
		{record.Meta{Type: record.TypeRaw, RouterHash: rh, PeerHash: ph}, r},
		{record.Meta{Type: record.TypeRaw, RouterHash: rh}, r},
	}
	for _, tc := range cases {
		if got := string(AppendKey([]byte("x"), &tc.m)); got != "x"+tc.want {
			t.Errorf("%s: key %q, want %q", tc.m.Type, got, "x"+tc.want)
		}
	}
}

// TestParsedTopics: the exact topic lists created at start (docs/kafka.md).
func TestParsedTopics(t *testing.T) {
	common := "gobmp.parsed.evpn gobmp.parsed.ls_link gobmp.parsed.ls_node gobmp.parsed.ls_prefix " +
		"gobmp.parsed.ls_srv6_sid gobmp.parsed.multicast_prefix_v4 gobmp.parsed.multicast_prefix_v6 " +
		"gobmp.parsed.mvpn_v4 gobmp.parsed.mvpn_v6 gobmp.parsed.peer gobmp.parsed.route_mirror " +
		"gobmp.parsed.router gobmp.parsed.rtc_v4 gobmp.parsed.rtc_v6 gobmp.parsed.statistics " +
		"gobmp.parsed.unknown_nlri gobmp.parsed.vpls"
	split := "gobmp.parsed.flowspec_v4 gobmp.parsed.flowspec_v6 gobmp.parsed.l3vpn_v4 gobmp.parsed.l3vpn_v6 " +
		"gobmp.parsed.sr_policy_v4 gobmp.parsed.sr_policy_v6 gobmp.parsed.unicast_prefix_v4 gobmp.parsed.unicast_prefix_v6"
	combined := "gobmp.parsed.flowspec gobmp.parsed.l3vpn gobmp.parsed.sr_policy gobmp.parsed.unicast_prefix"
	for _, tc := range []struct {
		split bool
		want  string
		n     int
	}{{true, common + " " + split, 25}, {false, common + " " + combined, 21}} {
		got := ParsedTopics("", tc.split)
		want := strings.Fields(tc.want)
		if len(got) != tc.n || len(want) != tc.n {
			t.Fatalf("split=%t: %d topics %v, want %d", tc.split, len(got), got, tc.n)
		}
		set := map[string]bool{}
		for _, g := range got {
			set[g] = true
		}
		for _, w := range want {
			if !set[w] {
				t.Errorf("split=%t: %s missing from %v", tc.split, w, got)
			}
		}
	}
	if got := ParsedTopics("prod.gobmp", true)[0]; !strings.HasPrefix(got, "prod.gobmp.parsed.") {
		t.Errorf("prefix not applied: %s", got)
	}
}
