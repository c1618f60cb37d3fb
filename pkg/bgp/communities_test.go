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

func TestExtCommunityString(t *testing.T) {
	tests := []struct {
		ec   [8]byte
		want string
	}{
		{[8]byte{0x00, 0x02, 0xfd, 0xe9, 0, 0, 0, 100}, "rt=65001:100"},
		{[8]byte{0x00, 0x02, 0xfd, 0xe9, 0xff, 0xff, 0xff, 0xff}, "rt=65001:4294967295"},
		{[8]byte{0x01, 0x02, 192, 0, 2, 1, 0x01, 0x00}, "rt=192.0.2.1:256"},
		{[8]byte{0x02, 0x02, 0xfa, 0x56, 0xea, 0x00, 0, 7}, "rt=4200000000:7"},
		{[8]byte{0x00, 0x03, 0xfd, 0xe9, 0, 0, 0, 1}, "ro=65001:1"},
		{[8]byte{0x01, 0x03, 10, 0, 0, 1, 0, 9}, "ro=10.0.0.1:9"},
		{[8]byte{0x02, 0x03, 0, 1, 0, 0, 0, 2}, "ro=65536:2"},
		{[8]byte{0x00, 0x04, 0, 1, 0, 0, 0, 2}, "0x0004000100000002"},         // link bandwidth-ish: not decoded yet
		{[8]byte{0x03, 0x0b, 0, 0, 0, 0, 0, 100}, "0x030b000000000064"},       // color: not decoded yet
		{[8]byte{0x40, 0x02, 0xfd, 0xe9, 0, 0, 0, 100}, "0x4002fde900000064"}, // non-transitive: no RT
		{[8]byte{0x80, 0x06, 0, 0, 0, 0, 0, 0}, "0x8006000000000000"},
	}
	for _, tt := range tests {
		if got := ExtCommunityString(tt.ec); got != tt.want {
			t.Errorf("ExtCommunityString(%x) = %q, want %q", tt.ec, got, tt.want)
		}
		if got := string(AppendExtCommunity([]byte("["), tt.ec)); got != "["+tt.want {
			t.Errorf("AppendExtCommunity %q", got)
		}
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
