package bgp

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	g "github.com/bmpstream/bmpstream/internal/gen"
)

// Hand-built BGP-LS NLRI following the layouts of RFC 9552 section 5.2, RFC 9086 section 4
// and RFC 9514 section 6.

var (
	// IS-IS node descriptors: AS 65000, BGP-LS ID 0, IGP Router-ID 0000.0000.0001.
	isisLocal = g.LSLocalNode(g.LSTLV(512, g.U32(65000)), g.LSTLV(513, g.U32(0)), g.LSTLV(515, []byte{0, 0, 0, 0, 0, 1}))
	// IS-IS pseudonode (system ID + PSN 1) as remote node.
	isisRemotePSN = g.LSRemoteNode(g.LSTLV(512, g.U32(65000)), g.LSTLV(515, []byte{0, 0, 0, 0, 0, 2, 1}))
	// OSPFv2 node descriptors: AS 65001, area 0.0.0.1, router ID 10.0.0.1.
	ospfLocal  = g.LSLocalNode(g.LSTLV(512, g.U32(65001)), g.LSTLV(514, g.U32(1)), g.LSTLV(515, g.IP("10.0.0.1")))
	ospfRemote = g.LSRemoteNode(g.LSTLV(512, g.U32(65001)), g.LSTLV(514, g.U32(1)), g.LSTLV(515, g.IP("10.0.0.2")))
	// BGP EPE node descriptors (RFC 9086): AS, BGP Router-ID, member AS.
	epeLocal  = g.LSLocalNode(g.LSTLV(512, g.U32(65010)), g.LSTLV(516, g.IP("192.0.2.10")), g.LSTLV(517, g.U32(64512)))
	epeRemote = g.LSRemoteNode(g.LSTLV(512, g.U32(65020)), g.LSTLV(516, g.IP("192.0.2.20")))
)

func mustLS(t *testing.T, b []byte, addPath, vpn bool) []LSRoute {
	t.Helper()
	rs, err := DecodeBGPLS(b, addPath, vpn, nil)
	if err != nil {
		t.Fatalf("DecodeBGPLS: %v", err)
	}
	return rs
}

func TestDecodeBGPLSNode(t *testing.T) {
	unknownSub := g.LSTLV(599, []byte{0xab})
	local := g.LSLocalNode(g.LSTLV(512, g.U32(65000)), g.LSTLV(513, g.U32(7)), g.LSTLV(515, []byte{0, 0, 0, 0, 0, 1}), unknownSub,
		g.LSTLV(512, g.U32(1))) // a repeated AS: kept as unknown
	nlri := g.LSNLRI(LSNLRINode, nil, LSProtoISISL2, 0x0102030405060708, local, g.LSTLV(1000, []byte{1}))
	rs := mustLS(t, nlri, false, false)
	if len(rs) != 1 {
		t.Fatalf("%d routes", len(rs))
	}
	r := &rs[0]
	if r.Type != LSNLRINode || r.Protocol != 2 || r.Identifier != 0x0102030405060708 || r.HasRD || r.HasPathID {
		t.Fatalf("header %+v", r)
	}
	if string(r.Raw) != string(nlri) || string(r.Key) != string(nlri[4:]) {
		t.Fatalf("Raw/Key do not alias the NLRI")
	}
	d := &r.Local
	if !d.HasASN || d.ASN != 65000 || !d.HasBGPLSID || d.BGPLSID != 7 || d.HasOSPFAreaID || string(d.IGPRouterID) != "\x00\x00\x00\x00\x00\x01" {
		t.Fatalf("local node %+v", d)
	}
	if string(d.Raw) != string(local[4:]) {
		t.Fatalf("descriptor raw value % x", d.Raw)
	}
	want := []LSTLV{{599, []byte{0xab}}, {512, g.U32(1)}}
	if !reflect.DeepEqual(d.Unknown, want) {
		t.Fatalf("descriptor unknown %v, want %v", d.Unknown, want)
	}
	if !reflect.DeepEqual(r.Unknown, []LSTLV{{1000, []byte{1}}}) {
		t.Fatalf("NLRI unknown %v", r.Unknown)
	}
	if LSProtocolName(r.Protocol) != "IS-IS Level 2" || LSProtocolName(99) != "Unknown" {
		t.Fatal("protocol names")
	}
}

func TestDecodeBGPLSNodeEPE(t *testing.T) {
	r := mustLS(t, g.LSNLRI(LSNLRINode, nil, LSProtoBGP, 0, epeLocal), false, false)[0]
	if r.Local.BGPRouterID != netip.MustParseAddr("192.0.2.10") || !r.Local.HasMemberASN || r.Local.MemberASN != 64512 || r.Local.ASN != 65010 {
		t.Fatalf("EPE node %+v", r.Local)
	}
}

func TestDecodeBGPLSLink(t *testing.T) {
	nlri := g.LSNLRI(LSNLRILink, nil, LSProtoOSPFv2, 5, ospfLocal, ospfRemote,
		g.LSTLV(258, g.U32(11), g.U32(22)), g.LSTLV(259, g.IP("10.1.1.1")), g.LSTLV(260, g.IP("10.1.1.2")),
		g.LSTLV(261, g.IP("2001:db8::1")), g.LSTLV(262, g.IP("2001:db8::2")), g.LSTLV(263, g.U16(0x0002)), g.LSTLV(300, nil))
	r := mustLS(t, nlri, false, false)[0]
	if r.Local.OSPFAreaID != 1 || !r.Local.HasOSPFAreaID || string(r.Local.IGPRouterID) != string(g.IP("10.0.0.1")) {
		t.Fatalf("local %+v", r.Local)
	}
	if string(r.Remote.IGPRouterID) != string(g.IP("10.0.0.2")) || r.Remote.ASN != 65001 {
		t.Fatalf("remote %+v", r.Remote)
	}
	l := &r.Link
	if !l.HasLinkIDs || l.LocalLinkID != 11 || l.RemoteLinkID != 22 ||
		l.IPv4Interface != netip.MustParseAddr("10.1.1.1") || l.IPv4Neighbor != netip.MustParseAddr("10.1.1.2") ||
		l.IPv6Interface != netip.MustParseAddr("2001:db8::1") || l.IPv6Neighbor != netip.MustParseAddr("2001:db8::2") ||
		l.MTID.Len() != 1 || l.MTID.At(0) != 2 {
		t.Fatalf("link descriptors %+v", l)
	}
	if !reflect.DeepEqual(l.Unknown, []LSTLV{{300, []byte{}}}) {
		t.Fatalf("unknown %v", l.Unknown)
	}
	// IS-IS link to a pseudonode.
	r = mustLS(t, g.LSNLRI(LSNLRILink, nil, LSProtoISISL1, 0, isisLocal, isisRemotePSN), false, false)[0]
	if len(r.Remote.IGPRouterID) != 7 || r.Link.HasLinkIDs {
		t.Fatalf("pseudonode link %+v", r)
	}
	// BGP EPE link.
	r = mustLS(t, g.LSNLRI(LSNLRILink, nil, LSProtoBGP, 0, epeLocal, epeRemote, g.LSTLV(259, g.IP("203.0.113.1")), g.LSTLV(260, g.IP("203.0.113.2"))), false, false)[0]
	if r.Remote.BGPRouterID != netip.MustParseAddr("192.0.2.20") || r.Remote.ASN != 65020 || r.Link.IPv4Neighbor != netip.MustParseAddr("203.0.113.2") {
		t.Fatalf("EPE link %+v", r)
	}
}

func TestDecodeBGPLSPrefix(t *testing.T) {
	// 10.2.3.4/24 on the wire: host bits are cleared.
	v4 := g.LSNLRI(LSNLRIIPv4Prefix, nil, LSProtoOSPFv2, 0, ospfLocal, g.LSTLV(263, g.U16(0)), g.LSTLV(264, []byte{3}), g.LSTLV(265, []byte{24, 10, 2, 3}))
	r := mustLS(t, v4, false, false)[0]
	p := &r.Prefix
	if p.Prefix != netip.MustParsePrefix("10.2.3.0/24") || !p.HasOSPFRouteType || p.OSPFRouteType != 3 || p.MTID.Len() != 1 {
		t.Fatalf("v4 prefix %+v", p)
	}
	v6 := g.LSNLRI(LSNLRIIPv6Prefix, nil, LSProtoISISL2, 0, isisLocal, g.LSTLV(265, []byte{64, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0}))
	if p := mustLS(t, v6, false, false)[0].Prefix.Prefix; p != netip.MustParsePrefix("2001:db8:1::/64") {
		t.Fatalf("v6 prefix %v", p)
	}
	def := g.LSNLRI(LSNLRIIPv4Prefix, nil, LSProtoStatic, 0, ospfLocal, g.LSTLV(265, []byte{0}))
	if p := mustLS(t, def, false, false)[0].Prefix.Prefix; p != netip.MustParsePrefix("0.0.0.0/0") {
		t.Fatalf("default %v", p)
	}
}

func TestDecodeBGPLSSRv6SIDAndTEPolicy(t *testing.T) {
	sid := g.LSNLRI(LSNLRISRv6SID, nil, LSProtoISISL2, 0, isisLocal, g.LSTLV(263, g.U16(2)), g.LSTLV(518, g.IP("fc00:0:1::")))
	r := mustLS(t, sid, false, false)[0]
	if r.SRv6.SID != netip.MustParseAddr("fc00:0:1::") || r.SRv6.MTID.At(0) != 2 {
		t.Fatalf("SRv6 SID %+v", r.SRv6)
	}
	rest := g.LSTLV(554, []byte{1, 2, 3, 4})
	te := g.LSNLRI(LSNLRITEPolicy, nil, LSProtoSR, 9, isisLocal, rest)
	r = mustLS(t, te, false, false)[0]
	if r.Protocol != LSProtoSR || r.Identifier != 9 || r.Local.ASN != 65000 || string(r.Rest) != string(rest) {
		t.Fatalf("TE policy %+v", r)
	}
	unk := []byte{0, 7, 0, 3, 1, 2, 3}
	r = mustLS(t, unk, false, false)[0]
	if r.Decoded() || r.Type != 7 || string(r.Raw) != string(unk) || string(r.Key) != "\x01\x02\x03" {
		t.Fatalf("unknown type %+v", r)
	}
}

func TestDecodeBGPLSVPNAndAddPath(t *testing.T) {
	rd := []byte{0, 0, 0, 100, 0, 0, 0, 1}
	n1 := g.LSNLRI(LSNLRINode, rd, LSProtoISISL2, 0, isisLocal)
	n2 := g.LSNLRI(LSNLRIIPv4Prefix, rd, LSProtoOSPFv2, 0, ospfLocal, g.LSTLV(265, []byte{32, 10, 0, 0, 1}))
	block := g.Cat(g.WithPathID(1, n1), g.WithPathID(70000, n2))
	rs := mustLS(t, block, true, true)
	if len(rs) != 2 {
		t.Fatalf("%d routes", len(rs))
	}
	for i, want := range []uint32{1, 70000} {
		r := &rs[i]
		if !r.HasPathID || r.PathID != want || !r.HasRD || r.RD != [8]byte(rd) {
			t.Fatalf("route %d: path ID %v %d, RD %v %x", i, r.HasPathID, r.PathID, r.HasRD, r.RD)
		}
	}
	if string(rs[0].Key) != string(n1[12:]) || rs[1].Prefix.Prefix != netip.MustParsePrefix("10.0.0.1/32") {
		t.Fatalf("keys/prefix: %x %v", rs[0].Key, rs[1].Prefix.Prefix)
	}
	// The same block without ADD-PATH does not parse; a reused dst keeps working.
	if _, err := DecodeBGPLS(block, false, true, rs); err == nil {
		t.Fatal("path IDs decoded as NLRI")
	}
	if rs = mustLS(t, g.Cat(n1, n2), false, true); len(rs) != 2 || rs[0].HasPathID || rs[0].Local.ASN != 65000 || len(rs[0].Local.Unknown) != 0 {
		t.Fatalf("reused dst: %+v", rs)
	}
}

func TestDecodeBGPLSMalformed(t *testing.T) {
	node := func(local []byte, rest ...[]byte) []byte {
		return g.LSNLRI(LSNLRINode, nil, 2, 0, append([][]byte{local}, rest...)...)
	}
	ld := func(sub ...[]byte) []byte { return g.LSLocalNode(sub...) }
	// Offsets: NLRI header 4, protocol+identifier 9, local node TLV header at 13, its first
	// sub-TLV at 17 (length field at 19).
	cases := []struct {
		name    string
		b       []byte
		addPath bool
		vpn     bool
		off     int
		what    string
	}{
		{"short header", []byte{0, 1, 0}, false, false, 0, "header needs 4 bytes"},
		{"length overrun", []byte{0, 1, 0, 9, 2, 0, 0}, false, false, 2, "length 9 exceeds"},
		{"truncated path ID", []byte{0, 0}, true, false, 0, "truncated path identifier"},
		{"VPN without room for RD", []byte{0, 1, 0, 4, 1, 2, 3, 4}, false, true, 2, "route distinguisher"},
		{"body too short", []byte{0, 1, 0, 5, 2, 0, 0, 0, 0}, false, false, 4, "need 9 bytes"},
		{"no local node", g.LSNLRI(LSNLRINode, nil, 2, 0), false, false, 13, "found the end"},
		{"first TLV not 256", g.LSNLRI(LSNLRINode, nil, 2, 0, g.LSTLV(257)), false, false, 13, "found TLV 257"},
		{"sub-TLV overrun", node(g.Cat([]byte{1, 0, 0, 6}, g.LSTLV(512, g.U32(1))[:4], []byte{0, 0})), false, false, 19, "length 4 exceeds its container"},
		{"AS length 3", node(ld(g.LSTLV(512, []byte{0, 0, 1}))), false, false, 19, "TLV 512: length 3, expected 4"},
		{"IGP router ID length 5", node(ld(g.LSTLV(515, []byte{1, 2, 3, 4, 5}))), false, false, 19, "4, 6, 7 or 8"},
		{"BGP router ID length 16", node(ld(g.LSTLV(516, g.IP("::1")))), false, false, 19, "TLV 516: length 16"},
		{"member AS length 2", node(ld(g.LSTLV(517, g.U16(1)))), false, false, 19, "TLV 517"},
		{"link without remote", g.LSNLRI(LSNLRILink, nil, 3, 0, ospfLocal), false, false, 13 + len(ospfLocal), "Remote Node Descriptors"},
		{"link IDs length 7", g.LSNLRI(LSNLRILink, nil, 3, 0, ospfLocal, ospfRemote, g.LSTLV(258, make([]byte, 7))), false, false, 15 + len(ospfLocal) + len(ospfRemote), "TLV 258: length 7"},
		{"IPv4 interface length 16", g.LSNLRI(LSNLRILink, nil, 3, 0, ospfLocal, ospfRemote, g.LSTLV(259, g.IP("::1"))), false, false, 15 + len(ospfLocal) + len(ospfRemote), "TLV 259"},
		{"IPv6 neighbor length 4", g.LSNLRI(LSNLRILink, nil, 3, 0, ospfLocal, ospfRemote, g.LSTLV(262, g.IP("10.0.0.1"))), false, false, 15 + len(ospfLocal) + len(ospfRemote), "TLV 262"},
		{"two MT-IDs on a link", g.LSNLRI(LSNLRILink, nil, 3, 0, ospfLocal, ospfRemote, g.LSTLV(263, g.U16(1), g.U16(2))), false, false, 15 + len(ospfLocal) + len(ospfRemote), "one MT-ID"},
		{"prefix without 265", g.LSNLRI(LSNLRIIPv4Prefix, nil, 3, 0, ospfLocal, g.LSTLV(264, []byte{1})), false, false, 13 + len(ospfLocal) + 5, "no IP Reachability"},
		{"route type length 2", g.LSNLRI(LSNLRIIPv4Prefix, nil, 3, 0, ospfLocal, g.LSTLV(264, []byte{1, 2})), false, false, 15 + len(ospfLocal), "TLV 264"},
		{"v4 prefix /33", g.LSNLRI(LSNLRIIPv4Prefix, nil, 3, 0, ospfLocal, g.LSTLV(265, []byte{33, 1, 2, 3, 4, 5})), false, false, 17 + len(ospfLocal), "prefix length 33 exceeds 32"},
		{"prefix bytes short", g.LSNLRI(LSNLRIIPv6Prefix, nil, 2, 0, isisLocal, g.LSTLV(265, []byte{64, 1, 2})), false, false, 15 + len(isisLocal), "1 + 8 for a /64"},
		{"empty 265", g.LSNLRI(LSNLRIIPv6Prefix, nil, 2, 0, isisLocal, g.LSTLV(265)), false, false, 15 + len(isisLocal), "at least 1"},
		{"SRv6 SID length 15", g.LSNLRI(LSNLRISRv6SID, nil, 2, 0, isisLocal, g.LSTLV(518, make([]byte, 15))), false, false, 15 + len(isisLocal), "TLV 518: length 15"},
		{"SRv6 SID missing", g.LSNLRI(LSNLRISRv6SID, nil, 2, 0, isisLocal, g.LSTLV(263, g.U16(2))), false, false, 13 + len(isisLocal) + 6, "no SRv6 SID Information"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeBGPLS(c.b, c.addPath, c.vpn, nil)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v, want *Error", err)
			}
			if e.Offset != c.off || !strings.Contains(e.What, c.what) {
				t.Fatalf("got offset %d %q, want offset %d containing %q", e.Offset, e.What, c.off, c.what)
			}
		})
	}
	// Every truncation of valid NLRI (with its length fields left as they are) fails
	// cleanly, and every prefix that ends on an NLRI boundary decodes.
	full := g.Cat(g.LSNLRI(LSNLRILink, nil, 3, 0, ospfLocal, ospfRemote, g.LSTLV(258, g.U32(1), g.U32(2))),
		g.LSNLRI(LSNLRISRv6SID, nil, 2, 0, isisLocal, g.LSTLV(518, g.IP("fc00::1"))))
	first := 4 + (int(full[2])<<8 | int(full[3]))
	for n := 1; n < len(full); n++ {
		_, err := DecodeBGPLS(full[:n], false, false, nil)
		if (err == nil) != (n == first) {
			t.Fatalf("truncated to %d of %d: err %v", n, len(full), err)
		}
	}
}
