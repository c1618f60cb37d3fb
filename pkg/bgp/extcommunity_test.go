package bgp

import (
	"encoding/binary"
	"math"
	"strconv"
	"testing"
)

func ec(b ...byte) [8]byte { return [8]byte(b) }

func f32(v float32) []byte { return binary.BigEndian.AppendUint32(nil, math.Float32bits(v)) }

func TestExtCommunityString(t *testing.T) {
	tests := []struct {
		name string
		ec   [8]byte
		want string
	}{
		// Route target / route origin (RFC 4360, RFC 5668), three global administrator forms.
		{"rt 2-octet AS", ec(0x00, 0x02, 0xfd, 0xe9, 0, 0, 0, 100), "rt=65001:100"},
		{"rt 2-octet AS max local", ec(0x00, 0x02, 0xfd, 0xe9, 0xff, 0xff, 0xff, 0xff), "rt=65001:4294967295"},
		{"rt IPv4", ec(0x01, 0x02, 192, 0, 2, 1, 0x01, 0x00), "rt=192.0.2.1:256"},
		{"rt 4-octet AS", ec(0x02, 0x02, 0xfa, 0x56, 0xea, 0x00, 0, 7), "rt=4200000000:7"},
		{"ro 2-octet AS", ec(0x00, 0x03, 0xfd, 0xe9, 0, 0, 0, 1), "ro=65001:1"},
		{"ro IPv4", ec(0x01, 0x03, 10, 0, 0, 1, 0, 9), "ro=10.0.0.1:9"},
		{"ro 4-octet AS", ec(0x02, 0x03, 0, 1, 0, 0, 0, 2), "ro=65536:2"},
		{"OSPF domain id", ec(0x00, 0x05, 0, 1, 0, 0, 0, 2), "odi=1:2"},
		{"source AS", ec(0x00, 0x09, 0xfd, 0xe8, 0, 0, 0, 0), "sas=65000:0"},
		{"VRF route import", ec(0x01, 0x0b, 192, 0, 2, 1, 0, 5), "vri=192.0.2.1:5"},
		{"flowspec redirect to IPv4", ec(0x01, 0x0c, 192, 0, 2, 9, 0, 1), "fsr=192.0.2.9:1"},
		// Link bandwidth: 2-octet AS and IEEE float, bytes per second; both types.
		{"link bandwidth non-transitive", ec(cat([]byte{0x40, 0x04, 0xfd, 0xe8}, f32(125000000))...), "link-bw=65000:125000000"},
		{"link bandwidth transitive", ec(cat([]byte{0x00, 0x04, 0x00, 0x64}, f32(1000.5))...), "link-bw=100:1000.5"},
		{"link bandwidth zero", ec(0x40, 0x04, 0, 0, 0, 0, 0, 0), "link-bw=0:0"},
		// Color (RFC 9012 section 4.3) and the RFC 9256 color-only bits.
		{"color", ec(0x03, 0x0b, 0, 0, 0, 0, 0, 100), "color=100"},
		{"color max", ec(0x03, 0x0b, 0, 0, 0xff, 0xff, 0xff, 0xff), "color=4294967295"},
		{"color CO=01", ec(0x03, 0x0b, 0x40, 0, 0, 0, 0x01, 0xf4), "color=01:500"},
		{"color CO=10", ec(0x03, 0x0b, 0x80, 0, 0, 0, 0, 7), "color=10:7"},
		{"color CO=11 other flags ignored", ec(0x03, 0x0b, 0xc0, 0x01, 0, 0, 0, 7), "color=11:7"},
		{"color other flags only", ec(0x03, 0x0b, 0x00, 0x01, 0, 0, 0, 7), "color=7"},
		// Encapsulation (RFC 9012 section 4.1): tunnel type in the last two octets.
		{"encap VXLAN", ec(0x03, 0x0c, 0, 0, 0, 0, 0, 8), "encap=VXLAN"},
		{"encap MPLS-in-GRE", ec(0x03, 0x0c, 0, 0, 0, 0, 0, 11), "encap=MPLS-in-GRE"},
		{"encap MPLS-in-UDP", ec(0x03, 0x0c, 0, 0, 0, 0, 0, 13), "encap=MPLS-in-UDP"},
		{"encap unnamed type", ec(0x03, 0x0c, 0, 0, 0, 0, 0x01, 0x00), "encap=256"},
		{"default gateway", ec(0x03, 0x0d, 0, 0, 0, 0, 0, 0), "dg=0"},
		// Origin validation state (RFC 8097): state in the last octet.
		{"ov valid", ec(0x43, 0x00, 0, 0, 0, 0, 0, 0), "ov-state=valid"},
		{"ov not-found", ec(0x43, 0x00, 0, 0, 0, 0, 0, 1), "ov-state=not-found"},
		{"ov invalid", ec(0x43, 0x00, 0, 0, 0, 0, 0, 2), "ov-state=invalid"},
		{"ov reserved bytes ignored", ec(0x43, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 1), "ov-state=not-found"},
		{"ov unknown state", ec(0x43, 0x00, 0, 0, 0, 0, 0, 3), "ov-state=unknown=3"},
		// EVPN (RFC 7432, RFC 9135, RFC 8214).
		{"MAC mobility sticky", ec(0x06, 0x00, 0x01, 0, 0, 0, 0, 42), "macmob=1:42"},
		{"MAC mobility sequence", ec(0x06, 0x00, 0x00, 0, 0x01, 0x00, 0x00, 0x00), "macmob=0:16777216"},
		{"ESI label single-active", ec(0x06, 0x01, 0x01, 0, 0, 0x00, 0x06, 0x41), "esi-l=1:100"},
		{"ESI label all-active", ec(0x06, 0x01, 0x00, 0, 0, 0xff, 0xff, 0xf1), "esi-l=0:1048575"},
		{"ES-import route target", ec(0x06, 0x02, 0x00, 0x11, 0x22, 0xaa, 0xbb, 0xcc), "es-irt=00:11:22:aa:bb:cc"},
		{"router MAC", ec(0x06, 0x03, 0x0c, 0x03, 0x00, 0x00, 0x1b, 0x08), "rmac=0c:03:00:00:1b:08"},
		{"layer 2 attributes", ec(0x06, 0x04, 0x00, 0x02, 0x05, 0xdc, 0, 0), "l2attr=2:1500"},
		// Flow spec actions (RFC 8955 section 7, RFC 7674, redirect to IP draft).
		{"traffic-rate bytes", ec(cat([]byte{0x80, 0x06, 0xfd, 0xe8}, f32(1250000))...), "flowspec-traffic-rate=65000:1250000"},
		{"traffic-rate discard", ec(0x80, 0x06, 0, 0, 0, 0, 0, 0), "flowspec-traffic-rate=0:0"},
		{"traffic-rate packets", ec(cat([]byte{0x80, 0x0c, 0x00, 0x01}, f32(100))...), "flowspec-traffic-rate-packets=1:100"},
		{"traffic-action terminal", ec(0x80, 0x07, 0, 0, 0, 0, 0, 0x01), "flowspec-traffic-action=T=true S=false"},
		{"traffic-action sample", ec(0x80, 0x07, 0, 0, 0, 0, 0, 0x02), "flowspec-traffic-action=T=false S=true"},
		{"traffic-action both", ec(0x80, 0x07, 0, 0, 0, 0, 0, 0x03), "flowspec-traffic-action=T=true S=true"},
		{"redirect 2-octet AS", ec(0x80, 0x08, 0xfd, 0xe8, 0, 0, 0, 100), "flowspec-redirect=65000:100"},
		{"redirect IPv4", ec(0x81, 0x08, 192, 0, 2, 1, 0, 100), "flowspec-redirect=192.0.2.1:100"},
		{"redirect 4-octet AS", ec(0x82, 0x08, 0xfa, 0x56, 0xea, 0x00, 0, 100), "flowspec-redirect=4200000000:100"},
		{"traffic-marking DSCP 46", ec(0x80, 0x09, 0, 0, 0, 0, 0, 0x2e), "flowspec-traffic-remarking=DSCP=46"},
		{"traffic-marking high bits ignored", ec(0x80, 0x09, 0, 0, 0, 0, 0, 0xff), "flowspec-traffic-remarking=DSCP=63"},
		{"redirect to IP next hop", ec(0x08, 0x00, 0, 0, 0, 0, 0, 0), "flowspec=redirect_to_ip_next_hop"},
		{"redirect to IP next hop copy", ec(0x08, 0x00, 0, 0, 0, 0, 0, 1), "flowspec=redirect_to_ip_next_hop,copy"},
		// Unknown: type, sub-type and value in hex.
		{"non-transitive RT is not an RT", ec(0x40, 0x02, 0xfd, 0xe9, 0, 0, 0, 100), "unknown=0x40:0x02:0xfde900000064"},
		{"unknown 2-octet AS sub-type", ec(0x00, 0x06, 0, 1, 0, 0, 0, 2), "unknown=0x00:0x06:0x000100000002"},
		{"UPA (draft, no IANA code point)", ec(0x03, 0x09, 0x80, 0x00, 0x01, 0x01, 0x01, 0x01), "unknown=0x03:0x09:0x800001010101"},
		{"OSPF route type (deprecated)", ec(0x80, 0x00, 0, 0, 0, 0, 0x01, 0x00), "unknown=0x80:0x00:0x000000000100"},
		{"unknown EVPN sub-type", ec(0x06, 0x10, 0, 0, 0, 0, 0x27, 0x10), "unknown=0x06:0x10:0x000000002710"},
		{"unknown type", ec(0xff, 0xff, 1, 2, 3, 4, 5, 6), "unknown=0xff:0xff:0x010203040506"},
		{"flow spec redirect type 0x08 other sub-type", ec(0x08, 0x01, 0, 0, 0, 0, 0, 0), "unknown=0x08:0x01:0x000000000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ExtCommunityString(tt.ec); got != tt.want {
				t.Errorf("ExtCommunityString(%x) = %q, want %q", tt.ec, got, tt.want)
			}
			if got := string(AppendExtCommunity([]byte("["), tt.ec)); got != "["+tt.want {
				t.Errorf("AppendExtCommunity %q", got)
			}
		})
	}
}

func TestExtCommunityAccessors(t *testing.T) {
	if c, f, ok := ExtCommunityColor(ec(0x03, 0x0b, 0x40, 0x01, 0, 0, 0x01, 0xf4)); !ok || c != 500 || f != 0x4001 {
		t.Errorf("color %d flags %#x ok %v", c, f, ok)
	}
	if _, _, ok := ExtCommunityColor(ec(0x43, 0x0b, 0, 0, 0, 0, 0, 1)); ok {
		t.Error("non-transitive opaque 0x0b taken for a color")
	}
	if s, ok := ExtCommunityOriginValidation(ec(0x43, 0x00, 0, 0, 0, 0, 0, 2)); !ok || s != OriginValidationInvalid {
		t.Errorf("ov %d %v", s, ok)
	}
	if _, ok := ExtCommunityOriginValidation(ec(0x03, 0x00, 0, 0, 0, 0, 0, 2)); ok {
		t.Error("transitive opaque 0x00 taken for origin validation")
	}
	var u Update
	msg := attrsOnly(attr(0xc0, AttrExtCommunities, cat(
		[]byte{0x00, 0x02, 0xfd, 0xe9, 0, 0, 0, 100},
		[]byte{0x43, 0x00, 0, 0, 0, 0, 0, 1},
		[]byte{0x03, 0x0b, 0, 0, 0, 0, 0, 7},
		[]byte{0x03, 0x0b, 0, 0, 0, 0, 0, 8},
		[]byte{0x43, 0x00, 0, 0, 0, 0, 0, 0})))
	if err := ParseUpdate(msg, &DecodeOptions{AS4: true}, &u); err != nil {
		t.Fatal(err)
	}
	if c, ok := u.Attrs.Color(); !ok || c != 7 {
		t.Errorf("Color() = %d, %v; want the first one, 7", c, ok)
	}
	if s, ok := u.Attrs.OriginValidation(); !ok || OriginValidationStateName(s) != "not-found" {
		t.Errorf("OriginValidation() = %d, %v; want the first one, not-found", s, ok)
	}
	if err := ParseUpdate(attrsOnly(aOrigin(0)), nil, &u); err != nil {
		t.Fatal(err)
	}
	if _, ok := u.Attrs.Color(); ok {
		t.Error("Color() without communities")
	}
	if _, ok := u.Attrs.OriginValidation(); ok {
		t.Error("OriginValidation() without communities")
	}
}

func v6ec(typ, sub byte, a string, local uint16) []byte {
	return cat([]byte{typ, sub}, addr(a), u16(local))
}

func TestIPv6ExtCommunities(t *testing.T) {
	tests := []struct {
		name string
		v    []byte
		want []string
	}{
		{"route target (RFC 5701)", v6ec(0x00, 0x02, "2001:db8::1", 100), []string{"rt=2001:db8::1:100"}},
		{"route origin", v6ec(0x00, 0x03, "2001:db8::2", 200), []string{"ro=2001:db8::2:200"}},
		{"VRF route import (RFC 6515)", v6ec(0x00, 0x0b, "2001:db8::3", 7), []string{"vri=2001:db8::3:7"}},
		{"two, in order", cat(v6ec(0x00, 0x02, "2001:db8::1", 100), v6ec(0x00, 0x03, "::ffff:192.0.2.1", 0)), []string{"rt=2001:db8::1:100", "ro=::ffff:192.0.2.1:0"}},
		{"non-transitive RT unknown", v6ec(0x40, 0x02, "2001:db8::1", 1), []string{"unknown=0x40:0x02:0x20010db80000000000000000000000010001"}},
		{"unknown sub-type", v6ec(0x00, 0x0a, "::", 1), []string{"unknown=0x00:0x0a:0x000000000000000000000000000000000001"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u Update
			if err := ParseUpdate(attrsOnly(attr(0xc0, AttrIPv6ExtCommunity, tt.v)), nil, &u); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range u.Attrs.IPv6ExtCommunities {
				got = append(got, IPv6ExtCommunityString(c))
			}
			if !eqStrings(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if len(u.Attrs.Unknown) != 0 {
				t.Errorf("unknown %v", u.Attrs.Unknown)
			}
		})
	}
	for _, n := range []int{0, 19, 21, 39} {
		var u Update
		err := ParseUpdate(attrsOnly(attr(0xc0, AttrIPv6ExtCommunity, make([]byte, n))), nil, &u)
		wantError(t, err, 23, "IPv6 Address Specific Extended Community: attribute length "+strconv.Itoa(n)+", expected a non-zero multiple of 20")
	}
}
