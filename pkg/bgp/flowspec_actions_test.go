package bgp

import (
	"math"
	"net/netip"
	"testing"
)

func TestFlowspecActions(t *testing.T) {
	ec := func(s string) [8]byte { return [8]byte(fsHex(s)) }
	tests := []struct {
		name   string
		ec     [8]byte
		want   FlowspecAction
		target string
	}{
		{"traffic-rate-bytes 0 (discard)", ec("8006 fde8 00000000"),
			FlowspecAction{Kind: FlowspecRateBytes, AS: 65000}, ""},
		{"traffic-rate-bytes 1 Mbit/s", ec("8006 0000 47f42400"), // 125000.0
			FlowspecAction{Kind: FlowspecRateBytes, Rate: 125000, RateBits: 0x47f42400}, ""},
		{"traffic-rate-packets 100", ec("800c 0001 42c80000"),
			FlowspecAction{Kind: FlowspecRatePackets, AS: 1, Rate: 100, RateBits: 0x42c80000}, ""},
		{"traffic-action sample and terminal", ec("8007 0000 0000 0003"),
			FlowspecAction{Kind: FlowspecTrafficAction, Sample: true, Terminal: true}, ""},
		{"traffic-action terminal only, reserved bits ignored", ec("8007 ffff ffff fffd"),
			FlowspecAction{Kind: FlowspecTrafficAction, Terminal: true}, ""},
		{"redirect AS2", ec("8008 fde8 00000064"),
			FlowspecAction{Kind: FlowspecRedirect, AS: 65000, Local: 100}, "65000:100"},
		{"redirect IPv4", ec("8108 c0000201 0064"),
			FlowspecAction{Kind: FlowspecRedirect, Address: netip.MustParseAddr("192.0.2.1"), Local: 100}, "192.0.2.1:100"},
		{"redirect AS4", ec("8208 fa56ea01 0007"),
			FlowspecAction{Kind: FlowspecRedirect, AS: 4200000001, Local: 7}, "4200000001:7"},
		{"traffic-marking DSCP 46, high bits ignored", ec("8009 0000 0000 00ee"),
			FlowspecAction{Kind: FlowspecTrafficMarking, DSCP: 46}, ""},
		{"redirect-to-ip with copy", ec("010c c0000209 0001"),
			FlowspecAction{Kind: FlowspecRedirectToIP, Address: netip.MustParseAddr("192.0.2.9"), Copy: true}, "192.0.2.9"},
		{"redirect-to-nexthop", ec("0800 0000 0000 0000"),
			FlowspecAction{Kind: FlowspecRedirectToNextHop}, ""},
	}
	var all [][8]byte
	for _, tt := range tests {
		a, ok := FlowspecActionOf(tt.ec)
		if !ok || a != tt.want {
			t.Errorf("%s: %+v %v, want %+v", tt.name, a, ok, tt.want)
		}
		if got := string(a.AppendTarget(nil)); got != tt.target {
			t.Errorf("%s: target %q, want %q", tt.name, got, tt.target)
		}
		all = append(all, tt.ec)
	}
	// Non-FlowSpec communities are skipped; order is kept.
	mixed := append([][8]byte{ec("0002 fde8 00000001")}, all...)
	mixed = append(mixed, ec("0302 0000 0000 0000"))
	got := AppendFlowspecActions(nil, mixed)
	if len(got) != len(tests) {
		t.Fatalf("%d actions, want %d", len(got), len(tests))
	}
	for i := range got {
		if got[i] != tests[i].want {
			t.Errorf("action %d: %+v", i, got[i])
		}
	}
	for k, name := range map[FlowspecActionKind]string{FlowspecRateBytes: "traffic-rate-bytes", FlowspecRatePackets: "traffic-rate-packets",
		FlowspecTrafficAction: "traffic-action", FlowspecRedirect: "redirect", FlowspecTrafficMarking: "traffic-marking",
		FlowspecRedirectToIP: "redirect-to-ip", FlowspecRedirectToNextHop: "redirect-to-nexthop", 0: "unknown"} {
		if k.String() != name {
			t.Errorf("kind %d: %s", k, k)
		}
	}
	nan, _ := FlowspecActionOf(ec("8006 0000 7fc00000"))
	if !math.IsNaN(float64(nan.Rate)) || nan.RateBits != 0x7fc00000 {
		t.Errorf("NaN rate: %+v", nan)
	}
}

func TestFlowspecIPv6Actions(t *testing.T) {
	v := cat(fsHex("000d 20010db8000000000000000000000001 0064"), // RFC 8956 rt-redirect-ipv6
		fsHex("800b 20010db8000000000000000000000002 0005"), // GoBGP's code
		fsHex("000c 20010db8000000000000000000000003 0001"), // redirect-to-ip IPv6, copy
		fsHex("0002 20010db8000000000000000000000004 0001"), // an IPv6 route target: skipped
		fsHex("000c 2001")) // trailing partial: ignored
	got := AppendFlowspecIPv6Actions(nil, v)
	want := []FlowspecAction{
		{Kind: FlowspecRedirect, Address: netip.MustParseAddr("2001:db8::1"), Local: 100},
		{Kind: FlowspecRedirect, Address: netip.MustParseAddr("2001:db8::2"), Local: 5},
		{Kind: FlowspecRedirectToIP, Address: netip.MustParseAddr("2001:db8::3"), Copy: true},
	}
	if len(got) != len(want) {
		t.Fatalf("%d actions: %+v", len(got), got)
	}
	targets := []string{"[2001:db8::1]:100", "[2001:db8::2]:5", "2001:db8::3"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("action %d: %+v, want %+v", i, got[i], want[i])
		}
		if s := string(got[i].AppendTarget(nil)); s != targets[i] {
			t.Errorf("action %d target %s", i, s)
		}
	}
}
