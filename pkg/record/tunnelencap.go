package record

import "net/netip"

// TunnelEncap is the decoded Tunnel Encapsulation attribute (type 23, RFC 9012), as
// rendered in base_attrs ("tunnel_encap") and, for the SR Policy tunnel's content, on
// sr_policy records. Each tunnel TLV lists the sub-TLVs it carries; absent ones are
// omitted.
type TunnelEncap struct {
	Tunnels []TunnelEncapTLV `json:"tunnels"`
}

// TunnelEncapTLV is one tunnel TLV.
type TunnelEncapTLV struct {
	TunnelType     uint16 `json:"tunnel_type"`
	TunnelTypeName string `json:"tunnel_type_name"`
	// Encapsulation is the encapsulation sub-TLV (1) in hex: its layout depends on the
	// tunnel type (RFC 9012 section 3.2).
	Encapsulation  string                `json:"encapsulation,omitempty"`
	ProtocolType   *uint16               `json:"protocol_type,omitempty"`
	Colors         []uint32              `json:"colors,omitempty"`
	EgressEndpoint *TunnelEgressEndpoint `json:"egress_endpoint,omitempty"`
	DSField        *uint8                `json:"ds_field,omitempty"`
	UDPDestPort    *uint16               `json:"udp_dest_port,omitempty"`
	EmbeddedLabel  *uint8                `json:"embedded_label_handling,omitempty"`
	MPLSLabelStack []SRPolicyMPLSSID     `json:"mpls_label_stack,omitempty"`
	// SRPolicy is the content of an SR Policy tunnel (type 15).
	SRPolicy *SRPolicyCandidatePath `json:"sr_policy,omitempty"`
	Unknown  []TunnelEncapRaw       `json:"unknown_subtlvs,omitempty"`
}

// TunnelEgressEndpoint is the tunnel egress endpoint sub-TLV (6): AFI 0 carries no
// address.
type TunnelEgressEndpoint struct {
	AFI     uint16     `json:"afi"`
	Address netip.Addr `json:"address,omitzero"`
}

// TunnelEncapRaw is a sub-TLV kept raw: its type and value in hex.
type TunnelEncapRaw struct {
	Type  uint8  `json:"type"`
	Value string `json:"value"`
}

// AppendJSON appends the attribute as one JSON object.
func (t *TunnelEncap) AppendJSON(dst []byte) []byte {
	o := openObj(dst)
	o.key("tunnels")
	o.b = append(o.b, '[')
	for i := range t.Tunnels {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = t.Tunnels[i].appendJSON(o.b)
	}
	o.b = append(o.b, ']')
	return o.close()
}

func (t *TunnelEncapTLV) appendJSON(dst []byte) []byte {
	o := openObj(dst)
	o.u64("tunnel_type", uint64(t.TunnelType))
	o.str("tunnel_type_name", t.TunnelTypeName)
	o.strNE("encapsulation", t.Encapsulation)
	if t.ProtocolType != nil {
		o.u64("protocol_type", uint64(*t.ProtocolType))
	}
	if len(t.Colors) > 0 {
		o.u32s("colors", t.Colors)
	}
	if e := t.EgressEndpoint; e != nil {
		o.key("egress_endpoint")
		eo := openObj(o.b)
		eo.u64("afi", uint64(e.AFI))
		eo.addrOK("address", e.Address)
		o.b = eo.close()
	}
	if t.DSField != nil {
		o.u64("ds_field", uint64(*t.DSField))
	}
	if t.UDPDestPort != nil {
		o.u64("udp_dest_port", uint64(*t.UDPDestPort))
	}
	if t.EmbeddedLabel != nil {
		o.u64("embedded_label_handling", uint64(*t.EmbeddedLabel))
	}
	if len(t.MPLSLabelStack) > 0 {
		o.key("mpls_label_stack")
		o.b = append(o.b, '[')
		for i := range t.MPLSLabelStack {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			lo := openObj(o.b)
			t.MPLSLabelStack[i].appendTo(&lo)
			o.b = lo.close()
		}
		o.b = append(o.b, ']')
	}
	if t.SRPolicy != nil {
		o.key("sr_policy")
		po := openObj(o.b)
		t.SRPolicy.appendTo(&po)
		o.b = po.close()
	}
	appendRawSubTLVs(&o, t.Unknown)
	return o.close()
}

func appendRawSubTLVs(o *obj, raws []TunnelEncapRaw) {
	if len(raws) == 0 {
		return
	}
	o.key("unknown_subtlvs")
	o.b = append(o.b, '[')
	for i := range raws {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		r := openObj(o.b)
		r.u64("type", uint64(raws[i].Type))
		r.str("value", raws[i].Value)
		o.b = r.close()
	}
	o.b = append(o.b, ']')
}
