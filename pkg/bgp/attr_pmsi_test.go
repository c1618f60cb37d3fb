package bgp

import (
	"net/netip"
	"testing"
)

func TestPMSITunnel(t *testing.T) {
	tests := []struct {
		name     string
		v        []byte
		want     PMSITunnel
		typeName string
		id       string
		str      string
	}{
		// The lab's GoBGP and FRR EVPN IMET routes: ingress replication to 127.0.0.2,
		// VXLAN VNI 10004 in the whole label field (RFC 8365 section 5.1.3).
		{"ingress replication IPv4 (lab capture)", fromHex("00 06 002714 7f000002"),
			PMSITunnel{Flags: 0, TunnelType: 6, RawLabel: 10004, Label: 625}, "Ingress Replication", "127.0.0.2",
			"flags=0 type=6 label=625/0x002714 id=127.0.0.2"},
		{"ingress replication IPv6, MPLS label 3000 bottom of stack", cat([]byte{0x01, 6, 0x00, 0xbb, 0x81}, addr("2001:db8::9")),
			PMSITunnel{Flags: 1, TunnelType: 6, RawLabel: 0xbb81, Label: 3000}, "Ingress Replication", "2001:db8::9", ""},
		{"PIM-SSM sender and group", cat([]byte{0, 3, 0, 0, 0}, addr("192.0.2.1"), addr("232.1.1.1")),
			PMSITunnel{TunnelType: 3}, "PIM-SSM Tree", "192.0.2.1,232.1.1.1", ""},
		{"BIDIR-PIM IPv6", cat([]byte{0, 5, 0, 0, 0}, addr("2001:db8::1"), addr("ff3e::1")),
			PMSITunnel{TunnelType: 5}, "BIDIR-PIM Tree", "2001:db8::1,ff3e::1", ""},
		{"RSVP-TE P2MP: hex", cat([]byte{0, 1, 0, 0, 0}, []byte{10, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, 9}),
			PMSITunnel{TunnelType: 1}, "RSVP-TE P2MP LSP", "0a0000010000000700000009", ""},
		{"mLDP P2MP: hex", cat([]byte{0, 2, 0, 0, 0}, []byte{6, 0, 1, 4, 192, 0, 2, 1, 0, 0}),
			PMSITunnel{TunnelType: 2}, "mLDP P2MP LSP", "06000104c00002010000", ""},
		{"no tunnel information", []byte{0, 0, 0, 0, 0}, PMSITunnel{}, "No tunnel information present", "", "flags=0 type=0 label=0/0x000000 id="},
		{"ingress replication, odd identifier length: hex", []byte{0, 6, 0, 0, 0, 1, 2, 3}, PMSITunnel{TunnelType: 6}, "Ingress Replication", "010203", ""},
		{"unnamed type", []byte{0x80, 200, 0xff, 0xff, 0xff, 0xaa}, PMSITunnel{Flags: 0x80, TunnelType: 200, RawLabel: 0xffffff, Label: 0xfffff}, "", "aa", ""},
		{"BIER", []byte{0, 11, 0, 0, 0x10, 1}, PMSITunnel{TunnelType: 11, RawLabel: 0x10, Label: 1}, "BIER", "01", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u Update
			if err := ParseUpdate(attrsOnly(attr(0xc0, AttrPMSITunnel, tt.v)), nil, &u); err != nil {
				t.Fatal(err)
			}
			p := u.Attrs.PMSITunnel
			if p == nil || len(u.Attrs.Unknown) != 0 {
				t.Fatalf("PMSITunnel %v unknown %v", p, u.Attrs.Unknown)
			}
			if p.Flags != tt.want.Flags || p.TunnelType != tt.want.TunnelType || p.RawLabel != tt.want.RawLabel || p.Label != tt.want.Label || string(p.TunnelID) != string(tt.v[5:]) {
				t.Errorf("got %+v, want %+v", *p, tt.want)
			}
			if n := PMSITunnelTypeName(p.TunnelType); n != tt.typeName {
				t.Errorf("type name %q, want %q", n, tt.typeName)
			}
			if id := string(p.AppendTunnelID(nil)); id != tt.id {
				t.Errorf("tunnel id %q, want %q", id, tt.id)
			}
			if tt.str != "" && p.String() != tt.str {
				t.Errorf("String() %q, want %q", p.String(), tt.str)
			}
		})
	}
	p, _ := DecodePMSITunnel(fromHex("00 06 002714 7f000002"))
	if a, ok := p.Endpoint(); !ok || a != netip.MustParseAddr("127.0.0.2") {
		t.Errorf("Endpoint %v %v", a, ok)
	}
	if _, _, ok := p.SenderGroup(); ok {
		t.Error("SenderGroup on ingress replication")
	}
}

func TestPMSITunnelMalformed(t *testing.T) {
	for n := 0; n < 5; n++ {
		msg := attrsOnly(aOrigin(1), attr(0xc0, AttrPMSITunnel, make([]byte, n)))
		var u Update
		if err := ParseUpdate(msg, nil, &u); err != nil {
			t.Fatalf("%d bytes: UPDATE rejected: %v", n, err)
		}
		a := &u.Attrs
		if a.PMSITunnel != nil || a.Origin != 1 || len(a.Malformed) != 1 || len(a.Unknown) != 1 || a.Unknown[0].Type != AttrPMSITunnel {
			t.Fatalf("%d bytes: pmsi %v malformed %v unknown %v", n, a.PMSITunnel, a.Malformed, a.Unknown)
		}
		wantError(t, a.Malformed[0].Err, 23+4+3, "PMSI_TUNNEL: need at least 5 bytes (flags, tunnel type, MPLS label), have")
	}
}
