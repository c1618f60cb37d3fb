package record

import (
	"net/netip"
	"strconv"
)

// LSAttrFields are the fields that come from the BGP-LS Attribute (path attribute 29).
// Every BGP-LS record embeds them; a record renders whatever its UPDATE's attribute
// carried (node attributes on node records, link attributes on link records, and so on
// in practice). Scalars that may legitimately be 0 are pointers: present means rendered.
//
// Bandwidths: the TLVs carry IEEE floats in bytes per second; *_bw fields are bits per
// second and *_bw_kbps kilobits per second (bps / 1000), both rounded to integers.
type LSAttrFields struct {
	// Node attributes.
	RouterID           netip.Addr          `json:"router_id,omitzero"`    // 1028, else 1029
	RouterIDv6         netip.Addr          `json:"router_id_v6,omitzero"` // 1029 when 1028 is present too
	NodeFlags          *FlagSet            `json:"node_flags,omitempty"`
	Name               string              `json:"name,omitempty"`
	SRCapabilities     *LSSRCapability     `json:"ls_sr_capabilities,omitempty"`
	SRAlgorithm        []uint32            `json:"sr_algorithm,omitempty"`
	SRLocalBlock       *LSSRLocalBlock     `json:"sr_local_block,omitempty"`
	SRv6Capabilities   *LSSRv6Capabilities `json:"srv6_capabilities_tlv,omitempty"`
	NodeMSD            []LSMSD             `json:"node_msd,omitempty"`
	FlexAlgoDefinition []LSFlexAlgoDef     `json:"flex_algo_definition,omitempty"`
	OpaqueNode         []string            `json:"opaque_node_attribute,omitempty"`

	// Link attributes.
	RemoteRouterID        netip.Addr      `json:"remote_router_id,omitzero"`    // 1030, else 1031
	RemoteRouterIDv6      netip.Addr      `json:"remote_router_id_v6,omitzero"` // 1031 when 1030 is present too
	IGPMetric             *uint32         `json:"igp_metric,omitempty"`
	AdminGroup            *uint32         `json:"admin_group,omitempty"`
	MaxLinkBW             *uint64         `json:"max_link_bw,omitempty"`
	MaxResvBW             *uint64         `json:"max_resv_bw,omitempty"`
	UnresvBW              []uint64        `json:"unresv_bw,omitempty"`
	MaxLinkBWKbps         *uint64         `json:"max_link_bw_kbps,omitempty"`
	MaxResvBWKbps         *uint64         `json:"max_resv_bw_kbps,omitempty"`
	UnresvBWKbps          []uint64        `json:"unresv_bw_kbps,omitempty"`
	TEDefaultMetric       *uint32         `json:"te_default_metric,omitempty"`
	LinkProtection        *uint16         `json:"link_protection,omitempty"`
	MPLSProtoMask         *uint8          `json:"mpls_proto_mask,omitempty"`
	SRLG                  []uint32        `json:"srlg,omitempty"`
	LinkName              string          `json:"link_name,omitempty"`
	LSAdjacencySID        []LSAdjSID      `json:"ls_adjacency_sid,omitempty"`
	PeerNodeSID           *LSPeerSID      `json:"peer_node_sid,omitempty"`
	PeerAdjSID            *LSPeerSID      `json:"peer_adj_sid,omitempty"`
	PeerSetSID            *LSPeerSID      `json:"peer_set_sid,omitempty"`
	SRv6EndXSID           []LSSRv6EndXSID `json:"srv6_endx_sid,omitempty"`
	LinkMSD               []LSMSD         `json:"link_msd,omitempty"`
	AppSpecLinkAttr       []LSASLA        `json:"app_spec_link_attr,omitempty"`
	UnidirLinkDelay       *uint32         `json:"unidir_link_delay,omitempty"` // microseconds
	UnidirLinkDelayMinMax []uint32        `json:"unidir_link_delay_min_max,omitempty"`
	UnidirDelayVariation  *uint32         `json:"unidir_delay_variation,omitempty"`
	UnidirPacketLoss      *uint32         `json:"unidir_packet_loss,omitempty"` // units of 0.000003 %
	UnidirResidualBW      *uint64         `json:"unidir_residual_bw,omitempty"`
	UnidirAvailableBW     *uint64         `json:"unidir_available_bw,omitempty"`
	UnidirBWUtilization   *uint64         `json:"unidir_bw_utilization,omitempty"`
	// The Anomalous (A) flags of the RFC 8571 TLVs, rendered only when set.
	UnidirLinkDelayAnomalous  bool     `json:"unidir_link_delay_anomalous,omitempty"`
	UnidirMinMaxAnomalous     bool     `json:"unidir_link_delay_min_max_anomalous,omitempty"`
	UnidirPacketLossAnomalous bool     `json:"unidir_packet_loss_anomalous,omitempty"`
	OpaqueLink                []string `json:"opaque_link_attribute,omitempty"`

	// Prefix attributes.
	IGPFlags             *FlagSet                 `json:"igp_flags,omitempty"`
	RouteTag             []uint32                 `json:"route_tag,omitempty"`
	ExtRouteTag          []uint64                 `json:"ext_route_tag,omitempty"`
	PrefixMetric         *uint32                  `json:"prefix_metric,omitempty"`
	OSPFFwdAddr          netip.Addr               `json:"ospf_fwd_addr,omitzero"`
	PrefixAttrTLVs       *LSPrefixAttrTLVs        `json:"prefix_attr_tlvs,omitempty"`
	FlexAlgoPrefixMetric []LSFlexAlgoPrefixMetric `json:"flex_algo_prefix_metric,omitempty"`
	SRv6Locator          *LSSRv6Locator           `json:"srv6_locator,omitempty"`
	OpaquePrefix         []string                 `json:"opaque_prefix_attribute,omitempty"`

	// SRv6 SID attributes.
	SRv6EndpointBehavior *LSSRv6EndpointBehavior `json:"srv6_endpoint_behavior,omitempty"`
	SRv6BGPPeerNodeSID   *LSSRv6BGPPeerNodeSID   `json:"srv6_bgp_peer_node_sid,omitempty"`
	SRv6SIDStructure     *LSSRv6SIDStructure     `json:"srv6_sid_structure,omitempty"`

	// UnknownAttrTLVs are the attribute's TLVs bmpstream does not decode, repeated
	// single-valued TLVs and malformed TLVs, in hex.
	UnknownAttrTLVs []TLV `json:"unknown_ls_attr_tlvs,omitempty"`
}

func (o *obj) u64s(k string, v []uint64) {
	o.key(k)
	o.b = append(o.b, '[')
	for i, n := range v {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = strconv.AppendUint(o.b, n, 10)
	}
	o.b = append(o.b, ']')
}

func (o *obj) u32p(k string, v *uint32) {
	if v != nil {
		o.u64(k, uint64(*v))
	}
}

func (o *obj) u64p(k string, v *uint64) {
	if v != nil {
		o.u64(k, *v)
	}
}

func (o *obj) flags(k string, f FlagSet) {
	o.key(k)
	o.b = f.appendJSON(o.b)
}

func (o *obj) u32sNE(k string, v []uint32) {
	if len(v) > 0 {
		o.u32s(k, v)
	}
}

func (o *obj) u64sNE(k string, v []uint64) {
	if len(v) > 0 {
		o.u64s(k, v)
	}
}

// list writes a JSON array of n elements rendered by each.
func (o *obj) list(k string, n int, each func(dst []byte, i int) []byte) {
	if n == 0 {
		return
	}
	o.key(k)
	o.b = append(o.b, '[')
	for i := 0; i < n; i++ {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = each(o.b, i)
	}
	o.b = append(o.b, ']')
}

func msdList(v []LSMSD) func([]byte, int) []byte {
	return func(dst []byte, i int) []byte {
		o := openObj(dst)
		o.u64("msd_type", uint64(v[i].Type))
		o.u64("msd_value", uint64(v[i].Value))
		return o.close()
	}
}

func peerSID(o *obj, k string, p *LSPeerSID) {
	if p == nil {
		return
	}
	o.key(k)
	s := openObj(o.b)
	s.flags("flags", p.Flags)
	s.u64("weight", uint64(p.Weight))
	s.u64("sid", uint64(p.SID))
	o.b = s.close()
}

func (a *LSAttrFields) appendTo(o *obj) {
	a.appendNode(o)
	a.appendLink(o)
	a.appendPrefix(o)
	appendTLVs(o, "unknown_ls_attr_tlvs", a.UnknownAttrTLVs)
}

func (a *LSAttrFields) appendNode(o *obj) {
	o.addrOK("router_id", a.RouterID)
	o.addrOK("router_id_v6", a.RouterIDv6)
	if a.NodeFlags != nil {
		o.flags("node_flags", *a.NodeFlags)
	}
	o.strNE("name", a.Name)
	if c := a.SRCapabilities; c != nil {
		o.key("ls_sr_capabilities")
		s := openObj(o.b)
		s.flags("flags", c.Flags)
		s.list("sr_capability_subtlv", len(c.SubTLV), func(dst []byte, i int) []byte {
			r := openObj(dst)
			r.u64("range", uint64(c.SubTLV[i].Range))
			r.u64("sid", uint64(c.SubTLV[i].SID))
			return r.close()
		})
		o.b = s.close()
	}
	o.u32sNE("sr_algorithm", a.SRAlgorithm)
	if lb := a.SRLocalBlock; lb != nil {
		o.key("sr_local_block")
		s := openObj(o.b)
		s.u64("flags", uint64(lb.Flags))
		s.list("subranges", len(lb.Subranges), func(dst []byte, i int) []byte {
			r := openObj(dst)
			r.u64("range_size", uint64(lb.Subranges[i].RangeSize))
			r.u32p("label", lb.Subranges[i].Label)
			r.u32p("index", lb.Subranges[i].Index)
			return r.close()
		})
		o.b = s.close()
	}
	if c := a.SRv6Capabilities; c != nil {
		o.key("srv6_capabilities_tlv")
		s := openObj(o.b)
		s.boolean("o_flag", c.OFlag)
		s.u64("flags", uint64(c.Flags))
		o.b = s.close()
	}
	o.list("node_msd", len(a.NodeMSD), msdList(a.NodeMSD))
	o.list("flex_algo_definition", len(a.FlexAlgoDefinition), func(dst []byte, i int) []byte {
		f := &a.FlexAlgoDefinition[i]
		s := openObj(dst)
		s.u64("flex_algo", uint64(f.FlexAlgo))
		s.u64("metric_type", uint64(f.MetricType))
		s.u64("calculation_type", uint64(f.CalcType))
		s.u64("priority", uint64(f.Priority))
		if st := f.SubTLV; st != nil {
			s.key("sub_tlv")
			t := openObj(s.b)
			t.u32sNE("exclude_any", st.ExcludeAny)
			t.u32sNE("include_any", st.IncludeAny)
			t.u32sNE("include_all", st.IncludeAll)
			if st.Flags != nil {
				t.flags("flags", *st.Flags)
			}
			t.u32sNE("exclude_srlg", st.ExcludeSRLG)
			appendTLVs(&t, "unknown_sub_tlvs", st.Unknown)
			s.b = t.close()
		}
		return s.close()
	})
	o.strsNE("opaque_node_attribute", a.OpaqueNode)
}

func (a *LSAttrFields) appendLink(o *obj) {
	o.addrOK("remote_router_id", a.RemoteRouterID)
	o.addrOK("remote_router_id_v6", a.RemoteRouterIDv6)
	o.u32p("igp_metric", a.IGPMetric)
	o.u32p("admin_group", a.AdminGroup)
	o.u64p("max_link_bw", a.MaxLinkBW)
	o.u64p("max_resv_bw", a.MaxResvBW)
	o.u64sNE("unresv_bw", a.UnresvBW)
	o.u64p("max_link_bw_kbps", a.MaxLinkBWKbps)
	o.u64p("max_resv_bw_kbps", a.MaxResvBWKbps)
	o.u64sNE("unresv_bw_kbps", a.UnresvBWKbps)
	o.u32p("te_default_metric", a.TEDefaultMetric)
	if a.LinkProtection != nil {
		o.u64("link_protection", uint64(*a.LinkProtection))
	}
	if a.MPLSProtoMask != nil {
		o.u64("mpls_proto_mask", uint64(*a.MPLSProtoMask))
	}
	o.u32sNE("srlg", a.SRLG)
	o.strNE("link_name", a.LinkName)
	o.list("ls_adjacency_sid", len(a.LSAdjacencySID), func(dst []byte, i int) []byte {
		s := &a.LSAdjacencySID[i]
		r := openObj(dst)
		r.flags("flags", s.Flags)
		r.u64("weight", uint64(s.Weight))
		r.u64("sid", uint64(s.SID))
		r.strNE("neighbor_id", s.NeighborID)
		return r.close()
	})
	peerSID(o, "peer_node_sid", a.PeerNodeSID)
	peerSID(o, "peer_adj_sid", a.PeerAdjSID)
	peerSID(o, "peer_set_sid", a.PeerSetSID)
	o.list("srv6_endx_sid", len(a.SRv6EndXSID), func(dst []byte, i int) []byte {
		e := &a.SRv6EndXSID[i]
		r := openObj(dst)
		r.u64("endpoint_behavior", uint64(e.EndpointBehavior))
		r.flags("flags", e.Flags)
		r.u64("algorithm", uint64(e.Algorithm))
		r.u64("weight", uint64(e.Weight))
		r.strNE("neighbor_id", e.NeighborID)
		r.addr("sid", e.SID)
		if e.SIDStructure != nil {
			r.key("srv6_sid_structure")
			r.b = e.SIDStructure.appendJSON(r.b)
		}
		appendTLVs(&r, "unknown_sub_tlvs", e.Unknown)
		return r.close()
	})
	o.list("link_msd", len(a.LinkMSD), msdList(a.LinkMSD))
	o.list("app_spec_link_attr", len(a.AppSpecLinkAttr), func(dst []byte, i int) []byte {
		s := &a.AppSpecLinkAttr[i]
		r := openObj(dst)
		r.u64("saibm_length", uint64(s.SABMLength))
		r.u64("udaibm_length", uint64(s.UDABMLength))
		r.strNE("std_app_id_bit_mask", s.SABM)
		r.strNE("ud_app_id_bit_mask", s.UDABM)
		r.strsNE("applications", s.Applications)
		if s.Attributes != nil {
			r.key("attributes")
			r.b = s.Attributes.AppendJSON(r.b)
		}
		return r.close()
	})
	o.u32p("unidir_link_delay", a.UnidirLinkDelay)
	if len(a.UnidirLinkDelayMinMax) > 0 {
		o.u32s("unidir_link_delay_min_max", a.UnidirLinkDelayMinMax)
	}
	o.u32p("unidir_delay_variation", a.UnidirDelayVariation)
	o.u32p("unidir_packet_loss", a.UnidirPacketLoss)
	o.u64p("unidir_residual_bw", a.UnidirResidualBW)
	o.u64p("unidir_available_bw", a.UnidirAvailableBW)
	o.u64p("unidir_bw_utilization", a.UnidirBWUtilization)
	if a.UnidirLinkDelayAnomalous {
		o.boolean("unidir_link_delay_anomalous", true)
	}
	if a.UnidirMinMaxAnomalous {
		o.boolean("unidir_link_delay_min_max_anomalous", true)
	}
	if a.UnidirPacketLossAnomalous {
		o.boolean("unidir_packet_loss_anomalous", true)
	}
	o.strsNE("opaque_link_attribute", a.OpaqueLink)
}

func (a *LSAttrFields) appendPrefix(o *obj) {
	if a.IGPFlags != nil {
		o.flags("igp_flags", *a.IGPFlags)
	}
	o.u32sNE("route_tag", a.RouteTag)
	o.u64sNE("ext_route_tag", a.ExtRouteTag)
	o.u32p("prefix_metric", a.PrefixMetric)
	o.addrOK("ospf_fwd_addr", a.OSPFFwdAddr)
	if p := a.PrefixAttrTLVs; p != nil {
		o.key("prefix_attr_tlvs")
		s := openObj(o.b)
		s.list("ls_prefix_sid", len(p.LSPrefixSID), func(dst []byte, i int) []byte {
			r := openObj(dst)
			r.flags("flags", p.LSPrefixSID[i].Flags)
			r.u64("algo", uint64(p.LSPrefixSID[i].Algo))
			r.u64("prefix_sid", uint64(p.LSPrefixSID[i].SID))
			return r.close()
		})
		if p.Flags != nil {
			s.flags("flags", *p.Flags)
		}
		s.addrOK("source_router_id", p.SourceRouterID)
		o.b = s.close()
	}
	o.list("flex_algo_prefix_metric", len(a.FlexAlgoPrefixMetric), func(dst []byte, i int) []byte {
		r := openObj(dst)
		r.u64("flex_algo", uint64(a.FlexAlgoPrefixMetric[i].FlexAlgo))
		r.u64("flags", uint64(a.FlexAlgoPrefixMetric[i].Flags))
		r.u64("metric", uint64(a.FlexAlgoPrefixMetric[i].Metric))
		return r.close()
	})
	if l := a.SRv6Locator; l != nil {
		o.key("srv6_locator")
		s := openObj(o.b)
		s.flags("flags", l.Flags)
		s.u64("algo", uint64(l.Algo))
		s.u64("metric", uint64(l.Metric))
		appendTLVs(&s, "sub_tlvs", l.SubTLVs)
		o.b = s.close()
	}
	o.strsNE("opaque_prefix_attribute", a.OpaquePrefix)
	if e := a.SRv6EndpointBehavior; e != nil {
		o.key("srv6_endpoint_behavior")
		s := openObj(o.b)
		s.u64("endpoint_behavior", uint64(e.EndpointBehavior))
		s.u64("flag", uint64(e.Flag))
		s.u64("algo", uint64(e.Algo))
		o.b = s.close()
	}
	if p := a.SRv6BGPPeerNodeSID; p != nil {
		o.key("srv6_bgp_peer_node_sid")
		s := openObj(o.b)
		s.flags("flags", p.Flags)
		s.u64("weight", uint64(p.Weight))
		s.u64("peer_asn", uint64(p.PeerASN))
		s.addr("peer_id", p.PeerID)
		o.b = s.close()
	}
	if a.SRv6SIDStructure != nil {
		o.key("srv6_sid_structure")
		o.b = a.SRv6SIDStructure.appendJSON(o.b)
	}
}

// AppendJSON appends the fields as one JSON object (used for the attributes of an
// application-specific link attributes entry).
func (a *LSAttrFields) AppendJSON(dst []byte) []byte {
	o := openObj(dst)
	a.appendTo(&o)
	return o.close()
}
