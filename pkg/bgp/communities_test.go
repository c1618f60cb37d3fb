package bgp

import "testing"

func TestCommunityStrings(t *testing.T) {
	for c, want := range map[uint32]string{0: "0:0", 0xfde90064: "65001:100", 0xffffffff: "65535:65535", CommunityNoExport: "65535:65281"} {
		if got := CommunityString(c); got != want {
			t.Errorf("CommunityString(%#x) = %q, want %q", c, got, want)
		}
		if got := string(AppendCommunity([]byte("x "), c)); got != "x "+want {
			t.Errorf("AppendCommunity %q", got)
		}
	}
	wellKnown := map[uint32]string{
		0xFFFFFF01: "NO_EXPORT", 0xFFFFFF02: "NO_ADVERTISE", 0xFFFFFF03: "NO_EXPORT_SUBCONFED", 0xFFFFFF04: "NOPEER",
		0xFFFF0000: "GRACEFUL_SHUTDOWN", 0xFFFF0001: "ACCEPT_OWN", 0xFFFF0002: "ROUTE_FILTER_TRANSLATED_v4",
		0xFFFF0003: "ROUTE_FILTER_v4", 0xFFFF0004: "ROUTE_FILTER_TRANSLATED_v6", 0xFFFF0005: "ROUTE_FILTER_v6",
		0xFFFF0006: "LLGR_STALE", 0xFFFF0007: "NO_LLGR", 0xFFFF0008: "accept-own-nexthop", 0xFFFF0009: "STANDBY_PE",
		0xFFFF029A: "BLACKHOLE", 0xFFFFFF05: "", 0xFFFF000A: "", 0xfde9029a: "", 0: "",
	}
	for c, want := range wellKnown {
		if got := WellKnownCommunityName(c); got != want {
			t.Errorf("WellKnownCommunityName(%#x) = %q, want %q", c, got, want)
		}
	}
	if got := (LargeCommunity{4200000001, 2, 0}).String(); got != "4200000001:2:0" {
		t.Errorf("large %q", got)
	}
	if got := string((LargeCommunity{1, 2, 3}).Append([]byte("a="))); got != "a=1:2:3" {
		t.Errorf("large append %q", got)
	}
}

func TestOriginName(t *testing.T) {
	for o, want := range map[uint8]string{0: "igp", 1: "egp", 2: "incomplete", 3: ""} {
		if OriginName(o) != want {
			t.Errorf("OriginName(%d)", o)
		}
	}
}

func TestFamilyString(t *testing.T) {
	for f, want := range map[Family]string{
		{1, 1}: "ipv4-unicast", {2, 1}: "ipv6-unicast", {1, 2}: "ipv4-multicast", {1, 4}: "ipv4-labeled-unicast",
		{2, 4}: "ipv6-labeled-unicast", {1, 128}: "vpnv4", {2, 128}: "vpnv6", {25, 70}: "l2vpn-evpn",
		{25, 65}: "l2vpn-vpls", {16388, 71}: "bgp-ls", {16388, 72}: "bgp-ls-vpn", {1, 132}: "rt-constraint",
		{1, 133}: "ipv4-flowspec", {2, 134}: "ipv6-flowspec-vpn", {1, 73}: "ipv4-srpolicy", {1, 5}: "ipv4-mcast-vpn",
		{1, 129}: "ipv4-mvpn", {2, 132}: "afi2/safi132", {3, 1}: "afi3/safi1",
	} {
		if got := f.String(); got != want {
			t.Errorf("%d/%d: %q, want %q", f.AFI, f.SAFI, got, want)
		}
	}
}
