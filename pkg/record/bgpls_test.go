package record

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
)

func lsHead(seq uint64) (Head, RouterFields, PeerFields, RIBFlags) {
	return Head{Action: ActionAdd, Sequence: seq},
		RouterFields{RouterHash: "d0f8", RouterIP: netip.MustParseAddr("192.0.2.1")},
		PeerFields{PeerHash: "f12c", PeerIP: netip.MustParseAddr("192.0.2.2"), PeerASN: 65002, PeerBGPID: netip.MustParseAddr("192.0.2.2"),
			Timestamp: ts(), CollectorTimestamp: ts()},
		RIBFlags{IsAdjRIBInPostPolicy: true}
}

func lsHeader() LSHeader {
	h := LSHeader{DomainID: -1, Protocol: "IS-IS Level 2", ProtocolID: 2, IGPRouterID: "0000.0000.0001", LSID: 7,
		BGPRouterID: netip.MustParseAddr("192.0.2.10"), MemberAS: 64512, LocalNodeHash: "aa", Nexthop: netip.MustParseAddr("192.0.2.2"),
		RouteDistinguisher: "100:1", UnknownDescriptorTLVs: []TLV{{Type: 599, Value: "ab"}}}
	return h
}

func u32p(v uint32) *uint32 { return &v }
func u64p(v uint64) *uint64 { return &v }

// fullLSAttrs fills every attribute field.
func fullLSAttrs() LSAttrFields {
	lp, mask := uint16(8), uint8(0xc0)
	inner := LSAttrFields{TEDefaultMetric: u32p(15), AdminGroup: u32p(3)}
	return LSAttrFields{
		RouterID: netip.MustParseAddr("10.0.0.1"), RouterIDv6: netip.MustParseAddr("2001:db8::1"),
		NodeFlags: &FlagSet{Layout: FlagsNode, Value: 0x80}, Name: "r1",
		SRCapabilities:     &LSSRCapability{Flags: FlagSet{Layout: FlagsSRCapISIS, Value: 0x80}, SubTLV: []LSSRCapRange{{Range: 64000, SID: 100000}}},
		SRAlgorithm:        []uint32{0, 1},
		SRLocalBlock:       &LSSRLocalBlock{Subranges: []LSSRLBRange{{RangeSize: 1000, Label: u32p(15000)}, {RangeSize: 10, Index: u32p(0)}}},
		SRv6Capabilities:   &LSSRv6Capabilities{OFlag: true, Flags: 0x4000},
		NodeMSD:            []LSMSD{{Type: 1, Value: 10}},
		FlexAlgoDefinition: []LSFlexAlgoDef{{FlexAlgo: 128, MetricType: 1, Priority: 200, SubTLV: &LSFADSubTLV{ExcludeAny: []uint32{1}, IncludeAny: []uint32{2}, IncludeAll: []uint32{3}, Flags: &FlagSet{Layout: FlagsFAD, Value: 0x80}, ExcludeSRLG: []uint32{4}, Unknown: []TLV{{Type: 1046, Value: "01"}}}}, {FlexAlgo: 129}},
		OpaqueNode:         []string{"0102"},
		RemoteRouterID:     netip.MustParseAddr("10.0.0.2"), RemoteRouterIDv6: netip.MustParseAddr("2001:db8::2"),
		IGPMetric: u32p(0), AdminGroup: u32p(0), MaxLinkBW: u64p(1e9), MaxResvBW: u64p(0), UnresvBW: []uint64{1, 2, 3, 4, 5, 6, 7, 8},
		MaxLinkBWKbps: u64p(1e6), MaxResvBWKbps: u64p(0), UnresvBWKbps: []uint64{0, 0, 0, 0, 0, 0, 0, 0}, TEDefaultMetric: u32p(0),
		LinkProtection: &lp, MPLSProtoMask: &mask, SRLG: []uint32{7}, LinkName: "ge-0/0/0",
		LSAdjacencySID: []LSAdjSID{{Flags: FlagSet{Layout: FlagsAdjISIS, Value: 0x30}, Weight: 0, SID: 24001}, {Flags: FlagSet{Layout: FlagsAdjOSPF, Value: 0x60}, SID: 24002, NeighborID: "10.0.0.9"}},
		PeerNodeSID:    &LSPeerSID{Flags: FlagSet{Layout: FlagsPeerSID, Value: 0xc0}, Weight: 1, SID: 16000},
		PeerAdjSID:     &LSPeerSID{Flags: FlagSet{Layout: FlagsPeerSID}, SID: 16001},
		PeerSetSID:     &LSPeerSID{Flags: FlagSet{Layout: FlagsPeerSID}, SID: 16002},
		SRv6EndXSID: []LSSRv6EndXSID{{EndpointBehavior: 0x39, Flags: FlagSet{Layout: FlagsSRv6, Value: 0x80}, Weight: 5, NeighborID: "0000.0000.0003",
			SID: netip.MustParseAddr("fc00::1"), SIDStructure: &LSSRv6SIDStructure{32, 16, 16, 0}, Unknown: []TLV{{Type: 1300, Value: "01"}}}},
		LinkMSD:                  []LSMSD{{Type: 1, Value: 8}},
		AppSpecLinkAttr:          []LSASLA{{SABMLength: 4, SABM: "90000000", Applications: []string{"rsvp-te", "flex-algo"}, Attributes: &inner}},
		UnidirLinkDelay:          u32p(1000),
		UnidirLinkDelayMinMax:    []uint32{10, 20},
		UnidirDelayVariation:     u32p(0),
		UnidirPacketLoss:         u32p(0),
		UnidirResidualBW:         u64p(800),
		UnidirAvailableBW:        u64p(1600),
		UnidirBWUtilization:      u64p(0),
		UnidirLinkDelayAnomalous: true, UnidirMinMaxAnomalous: true, UnidirPacketLossAnomalous: true,
		OpaqueLink:           []string{"09"},
		IGPFlags:             &FlagSet{Layout: FlagsIGP, Value: 0x80},
		RouteTag:             []uint32{1},
		ExtRouteTag:          []uint64{1 << 40},
		PrefixMetric:         u32p(0),
		OSPFFwdAddr:          netip.MustParseAddr("10.9.9.9"),
		PrefixAttrTLVs:       &LSPrefixAttrTLVs{LSPrefixSID: []LSPrefixSID{{Flags: FlagSet{Layout: FlagsPrefixSIDISIS, Value: 0x40}, SID: 1}}, Flags: &FlagSet{Layout: FlagsPrefixAttrOSPFv3, Value: 0x21}, SourceRouterID: netip.MustParseAddr("10.0.0.1")},
		FlexAlgoPrefixMetric: []LSFlexAlgoPrefixMetric{{FlexAlgo: 128, Metric: 30}},
		SRv6Locator:          &LSSRv6Locator{Flags: FlagSet{Layout: FlagsSRv6Locator, Value: 0x80}, Algo: 128, Metric: 10, SubTLVs: []TLV{{Type: 1252, Value: "01020304"}}},
		OpaquePrefix:         []string{"0506"},
		SRv6EndpointBehavior: &LSSRv6EndpointBehavior{EndpointBehavior: 48},
		SRv6BGPPeerNodeSID:   &LSSRv6BGPPeerNodeSID{Flags: FlagSet{Layout: FlagsSRv6, Value: 0x40}, Weight: 1, PeerASN: 65020, PeerID: netip.MustParseAddr("192.0.2.20")},
		SRv6SIDStructure:     &LSSRv6SIDStructure{32, 16, 0, 80},
		UnknownAttrTLVs:      []TLV{{Type: 1173, Value: "0102"}},
	}
}

func TestRoundTripBGPLS(t *testing.T) {
	head, router, peer, rib := lsHead(11)
	node := &LSNode{Head: head, Hash: MD5{9}, RouterFields: router, PeerFields: peer, LSHeader: lsHeader(), ASN: 65000, AreaID: "49.0901",
		MTID: []LSMTID{{MTID: 0}, {OFlag: true, MTID: 2}}, LSAttrFields: fullLSAttrs(), RIBFlags: rib}
	node.SetPathID(0)
	roundTrip(t, node)
	link := &LSLink{Head: head, Hash: MD5{8}, RouterFields: router, PeerFields: peer, LSHeader: lsHeader(), AreaID: "0", MTID: &LSMTID{AFlag: true, MTID: 2},
		LocalNodeASN: 65000, RemoteNodeASN: 65001, RemoteIGPRouterID: "0000.0000.0002.01", RemoteNodeHash: "bb", BGPRemoteRouterID: netip.MustParseAddr("192.0.2.20"),
		RemoteLSID: 3, RemoteMemberAS: 64513, LocalLinkIP: netip.MustParseAddr("10.1.1.1"), RemoteLinkIP: netip.MustParseAddr("10.1.1.2"),
		LocalLinkIPv6: netip.MustParseAddr("2001:db8:1::1"), RemoteLinkIPv6: netip.MustParseAddr("2001:db8:1::2"), LSAttrFields: fullLSAttrs(), RIBFlags: rib}
	link.SetLinkIDs(0, 22)
	roundTrip(t, link)
	prefix := &LSPrefix{Head: head, RouterFields: router, PeerFields: peer, LSHeader: lsHeader(), AreaID: "1", MTID: &LSMTID{}, LocalNodeASN: 65000,
		OSPFRouteType: 3, Prefix: netip.MustParseAddr("0.0.0.0"), PrefixLen: 0, IsIPv4: true, LSAttrFields: fullLSAttrs(), RIBFlags: rib}
	roundTrip(t, prefix)
	sid := &LSSRv6SID{Head: head, RouterFields: router, PeerFields: peer, LSHeader: lsHeader(), MTID: &LSMTID{MTID: 2}, LocalNodeASN: 65000,
		SRv6SID: netip.MustParseAddr("fc00:0:1::"), LSAttrFields: fullLSAttrs(), RIBFlags: rib}
	roundTrip(t, sid)
	eor := &LSNode{Head: Head{Action: ActionDel, Sequence: 1}, EORFields: EORFields{IsEOR: true, AFI: 16388, SAFI: 72}}
	roundTrip(t, eor)

	checks := []struct {
		r    Encoder
		want []string
	}{
		{node, []string{`"type":"ls_node"`, `"domain_id":-1`, `"protocol":"IS-IS Level 2","protocol_id":2`, `"path_id":0`, `"area_id":"49.0901"`,
			`"mt_id_tlv":[{"o_flag":false,"a_flag":false,"mt_id":0},{"o_flag":true,"a_flag":false,"mt_id":2}]`,
			`"node_flags":{"o_flag":true,"t_flag":false,"e_flag":false,"b_flag":false,"r_flag":false,"v_flag":false}`,
			`"ls_sr_capabilities":{"flags":{"i_flag":true,"v_flag":false},"sr_capability_subtlv":[{"range":64000,"sid":100000}]}`,
			`"sr_local_block":{"flags":0,"subranges":[{"range_size":1000,"label":15000},{"range_size":10,"index":0}]}`,
			`"igp_metric":0,"admin_group":0,"max_link_bw":1000000000`, `"unknown_descriptor_tlvs":[{"type":599,"value":"ab"}]`,
			`"app_spec_link_attr":[{"saibm_length":4,"udaibm_length":0,"std_app_id_bit_mask":"90000000","applications":["rsvp-te","flex-algo"],"attributes":{"admin_group":3,"te_default_metric":15}}]`,
			`"prefix_attr_tlvs":{"ls_prefix_sid":[{"flags":{"r_flag":false,"n_flag":true,"p_flag":false,"e_flag":false,"v_flag":false,"l_flag":false},"algo":0,"prefix_sid":1}],"flags":{"n_flag":true,"dn_flag":false,"p_flag":false,"la_flag":false,"nu_flag":true}`,
			`"srv6_bgp_peer_node_sid":{"flags":{"b_flag":false,"s_flag":true,"p_flag":false},"weight":1,"peer_asn":65020,"peer_id":"192.0.2.20"}`,
			`"unknown_ls_attr_tlvs":[{"type":1173,"value":"0102"}]`}},
		{link, []string{`"type":"ls_link"`, `"local_link_id":0,"remote_link_id":22`, `"mt_id_tlv":{"o_flag":false,"a_flag":true,"mt_id":2}`, `"remote_node_hash":"bb"`}},
		{prefix, []string{`"type":"ls_prefix"`, `"prefix":"0.0.0.0","prefix_len":0,"is_ipv4":true`, `"ospf_route_type":3`}},
		{sid, []string{`"type":"ls_srv6_sid"`, `"srv6_sid":"fc00:0:1::"`}},
		{eor, []string{`"is_eor":true,"afi":16388,"safi":72`, `"domain_id":0`, `"area_id":""`}},
	}
	for _, c := range checks {
		out := string(c.r.AppendJSON(nil))
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("missing %s in\n%s", w, out)
			}
		}
		if strings.Contains(out, "base_attrs") {
			t.Errorf("BGP-LS record with base_attrs: %s", out)
		}
	}
}

func TestFlagSetJSON(t *testing.T) {
	for l := FlagsRaw; l < numFlagLayouts; l++ {
		for _, v := range []uint8{0, 0xff, 0x5a} {
			f := FlagSet{Layout: l, Value: v}
			b, _ := json.Marshal(f)
			var back FlagSet
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("layout %d: %v (%s)", l, err, b)
			}
			b2, _ := json.Marshal(back)
			if string(b) != string(b2) || (l != FlagsRaw && back.Layout != l) {
				t.Fatalf("layout %d value %#x: %s -> %+v %s", l, v, b, back, b2)
			}
		}
	}
	var f FlagSet
	if err := json.Unmarshal([]byte(`{"zz_flag":true}`), &f); err == nil {
		t.Fatal("an unknown flags object was accepted")
	}
}

func TestAllocsBGPLS(t *testing.T) {
	head, router, peer, rib := lsHead(1)
	l := &LSLink{Head: head, RouterFields: router, PeerFields: peer, LSHeader: lsHeader(), AreaID: "0", LSAttrFields: fullLSAttrs(), RIBFlags: rib}
	buf := make([]byte, 0, 16<<10)
	if n := testing.AllocsPerRun(100, func() { buf = l.AppendJSON(buf[:0]) }); n != 0 {
		t.Fatalf("AppendJSON allocates %.1f times per record", n)
	}
}
