package record

import "net/netip"

// SRPolicy is one SR Policy candidate path (RFC 9830; SAFI 73): the NLRI (distinguisher,
// color, endpoint) and, on announcements, the content of the Tunnel Encapsulation
// attribute's SR Policy tunnel, flattened into the record as goBMP does (policy_name,
// binding_sid, preference_subtlv, ... segment_list_subtlv). An End-of-RIB marker has
// is_eor and no NLRI fields.
type SRPolicy struct {
	Head
	RouterFields
	PeerFields
	BaseAttrs     *BaseAttrs `json:"base_attrs,omitempty"`
	IsIPv4        bool       `json:"is_ipv4"`
	Nexthop       netip.Addr `json:"nexthop,omitzero"`
	IsNexthopIPv4 bool       `json:"is_nexthop_ipv4,omitempty"`
	Distinguisher uint32     `json:"distinguisher"`
	Color         uint32     `json:"color"`
	// Endpoint is the policy endpoint as an address (goBMP renders its bytes in base64).
	Endpoint netip.Addr `json:"endpoint,omitzero"`
	// The candidate path (nil on withdrawals, or when the UPDATE has no SR Policy tunnel).
	*SRPolicyCandidatePath
	// TunnelEncapMalformed is set when the UPDATE's Tunnel Encapsulation attribute did not
	// decode (the candidate path fields are then absent).
	TunnelEncapMalformed bool `json:"tunnel_encap_malformed,omitempty"`
	PathFields
	EORFields
	RIBFlags
	V4Fields
}

// SRPolicyCandidatePath is the content of an SR Policy tunnel TLV (RFC 9830 section 2.4),
// with goBMP's field names.
type SRPolicyCandidatePath struct {
	PolicyName     string                `json:"policy_name,omitempty"`      // sub-TLV 130
	PolicyPathName string                `json:"policy_path_name,omitempty"` // 129
	BindingSID     *SRPolicyBindingSID   `json:"binding_sid,omitempty"`      // 13
	SRv6BindingSID *SRPolicyBindingSID   `json:"srv6_binding_sid,omitempty"` // 20
	Preference     *SRPolicyPreference   `json:"preference_subtlv,omitempty"`
	Priority       *uint8                `json:"priority_subtlv,omitempty"`
	ENLP           *SRPolicyENLP         `json:"enlp_subtlv,omitempty"`
	SegmentLists   []SRPolicySegmentList `json:"segment_list_subtlv,omitempty"`
}

// SRPolicyPreference is the preference sub-TLV (12).
type SRPolicyPreference struct {
	Flags      uint8  `json:"flags"`
	Preference uint32 `json:"preference"`
}

// SRPolicyENLP is the explicit NULL label policy sub-TLV (14).
type SRPolicyENLP struct {
	Flags uint8 `json:"flags"`
	ENLP  uint8 `json:"enlp"`
}

// SRPolicyBindingSID is a binding SID sub-TLV (13: MPLS label, SRv6 SID or none; 20:
// SRv6 SID with the optional endpoint behavior). b_flag is only present when set.
type SRPolicyBindingSID struct {
	SFlag            bool              `json:"s_flag"`
	IFlag            bool              `json:"i_flag"`
	BFlag            bool              `json:"b_flag,omitempty"`
	Label            *uint32           `json:"label,omitempty"`
	SRv6SID          netip.Addr        `json:"srv6_sid,omitzero"`
	EndpointBehavior *SRPolicyBehavior `json:"endpoint_behavior,omitempty"`
}

// SRPolicyBehavior is the SRv6 Endpoint Behavior and SID Structure.
type SRPolicyBehavior struct {
	Behavior    uint16 `json:"behavior"`
	BlockLen    uint8  `json:"lb_length"`
	NodeLen     uint8  `json:"ln_length"`
	FunctionLen uint8  `json:"fun_length"`
	ArgumentLen uint8  `json:"arg_length"`
}

// SRPolicyMPLSSID is an MPLS label stack entry.
type SRPolicyMPLSSID struct {
	Label uint32 `json:"label"`
	TC    uint8  `json:"tc"`
	S     bool   `json:"s"`
	TTL   uint8  `json:"ttl"`
}

// SRPolicySegmentList is one segment list sub-TLV (128).
type SRPolicySegmentList struct {
	Weight   *SRPolicyWeight   `json:"weight_subtlv,omitempty"`
	Segments []SRPolicySegment `json:"segments,omitempty"`
	Unknown  []TunnelEncapRaw  `json:"unknown_subtlvs,omitempty"`
}

// SRPolicyWeight is the weight sub-TLV (9) of a segment list.
type SRPolicyWeight struct {
	Flags  uint8  `json:"flags"`
	Weight uint32 `json:"weight"`
}

// SRPolicySegmentFlags are the segment flags (RFC 9830 section 2.4.4.2.12).
type SRPolicySegmentFlags struct {
	V bool `json:"v_flag"`
	A bool `json:"a_flag"`
	S bool `json:"s_flag"`
	B bool `json:"b_flag"`
}

// SRPolicySegment is one segment of types A-K. Which fields are present depends on the
// type: A label entry; B srv6_sid (+ endpoint_behavior); C, D node_address, sr_algorithm
// (+ label entry); E local_interface_id, node_address (+ label entry); F, H
// local_address, remote_address (+ label entry); G the same with both interface IDs (the
// addresses are the local and remote node addresses); I node_address, sr_algorithm (+
// srv6_sid (+ endpoint_behavior)); J as G and K as H, with sr_algorithm and the optional
// SRv6 SID and behavior.
type SRPolicySegment struct {
	SegmentType uint8                `json:"segment_type"`
	Type        string               `json:"type"`
	Flags       SRPolicySegmentFlags `json:"flags"`
	SRAlgorithm uint8                `json:"sr_algorithm,omitempty"`
	// The MPLS SID (label, tc, s, ttl), flattened into the segment.
	*SRPolicyMPLSSID
	SRv6SID           netip.Addr        `json:"srv6_sid,omitzero"`
	EndpointBehavior  *SRPolicyBehavior `json:"endpoint_behavior,omitempty"`
	NodeAddress       netip.Addr        `json:"node_address,omitzero"`
	LocalInterfaceID  uint32            `json:"local_interface_id,omitempty"`
	RemoteInterfaceID uint32            `json:"remote_interface_id,omitempty"`
	LocalAddress      netip.Addr        `json:"local_address,omitzero"`
	RemoteAddress     netip.Addr        `json:"remote_address,omitzero"`
}

// AppendJSON appends the record as one JSON object.
func (s *SRPolicy) AppendJSON(dst []byte) []byte {
	o := openObj(dst)
	s.Head.appendTo(&o, TypeSRPolicy)
	s.RouterFields.appendTo(&o)
	s.PeerFields.appendTo(&o)
	o.boolean("is_ipv4", s.IsIPv4)
	s.PathFields.appendTo(&o, s.Nexthop, netip.Addr{}, s.IsNexthopIPv4)
	if s.IsEOR {
		o.boolean("is_eor", true)
		o.u64("afi", uint64(s.AFI))
		o.u64("safi", uint64(s.SAFI))
	} else {
		o.u64("distinguisher", uint64(s.Distinguisher))
		o.u64("color", uint64(s.Color))
		o.addrOK("endpoint", s.Endpoint)
	}
	if s.SRPolicyCandidatePath != nil {
		s.SRPolicyCandidatePath.appendTo(&o)
	}
	if s.TunnelEncapMalformed {
		o.boolean("tunnel_encap_malformed", true)
	}
	s.RIBFlags.appendTo(&o)
	s.V4Fields.appendTo(&o)
	if s.BaseAttrs != nil {
		o.key("base_attrs")
		o.b = s.BaseAttrs.AppendJSON(o.b)
	}
	return o.close()
}

// appendTo writes the candidate path's members into o.
func (c *SRPolicyCandidatePath) appendTo(o *obj) {
	o.strNE("policy_name", c.PolicyName)
	o.strNE("policy_path_name", c.PolicyPathName)
	if c.BindingSID != nil {
		o.key("binding_sid")
		o.b = c.BindingSID.appendJSON(o.b)
	}
	if c.SRv6BindingSID != nil {
		o.key("srv6_binding_sid")
		o.b = c.SRv6BindingSID.appendJSON(o.b)
	}
	if p := c.Preference; p != nil {
		o.key("preference_subtlv")
		po := openObj(o.b)
		po.u64("flags", uint64(p.Flags))
		po.u64("preference", uint64(p.Preference))
		o.b = po.close()
	}
	if c.Priority != nil {
		o.u64("priority_subtlv", uint64(*c.Priority))
	}
	if e := c.ENLP; e != nil {
		o.key("enlp_subtlv")
		eo := openObj(o.b)
		eo.u64("flags", uint64(e.Flags))
		eo.u64("enlp", uint64(e.ENLP))
		o.b = eo.close()
	}
	if len(c.SegmentLists) > 0 {
		o.key("segment_list_subtlv")
		o.b = append(o.b, '[')
		for i := range c.SegmentLists {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			o.b = c.SegmentLists[i].appendJSON(o.b)
		}
		o.b = append(o.b, ']')
	}
}

func (b *SRPolicyBindingSID) appendJSON(dst []byte) []byte {
	o := openObj(dst)
	o.boolean("s_flag", b.SFlag)
	o.boolean("i_flag", b.IFlag)
	if b.BFlag {
		o.boolean("b_flag", true)
	}
	if b.Label != nil {
		o.u64("label", uint64(*b.Label))
	}
	o.addrOK("srv6_sid", b.SRv6SID)
	if b.EndpointBehavior != nil {
		o.key("endpoint_behavior")
		o.b = b.EndpointBehavior.appendJSON(o.b)
	}
	return o.close()
}

func (b *SRPolicyBehavior) appendJSON(dst []byte) []byte {
	o := openObj(dst)
	o.u64("behavior", uint64(b.Behavior))
	o.u64("lb_length", uint64(b.BlockLen))
	o.u64("ln_length", uint64(b.NodeLen))
	o.u64("fun_length", uint64(b.FunctionLen))
	o.u64("arg_length", uint64(b.ArgumentLen))
	return o.close()
}

func (m *SRPolicyMPLSSID) appendTo(o *obj) {
	o.u64("label", uint64(m.Label))
	o.u64("tc", uint64(m.TC))
	o.boolean("s", m.S)
	o.u64("ttl", uint64(m.TTL))
}

func (l *SRPolicySegmentList) appendJSON(dst []byte) []byte {
	o := openObj(dst)
	if w := l.Weight; w != nil {
		o.key("weight_subtlv")
		wo := openObj(o.b)
		wo.u64("flags", uint64(w.Flags))
		wo.u64("weight", uint64(w.Weight))
		o.b = wo.close()
	}
	if len(l.Segments) > 0 {
		o.key("segments")
		o.b = append(o.b, '[')
		for i := range l.Segments {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			o.b = l.Segments[i].appendJSON(o.b)
		}
		o.b = append(o.b, ']')
	}
	appendRawSubTLVs(&o, l.Unknown)
	return o.close()
}

func (s *SRPolicySegment) appendJSON(dst []byte) []byte {
	o := openObj(dst)
	o.u64("segment_type", uint64(s.SegmentType))
	o.str("type", s.Type)
	o.key("flags")
	fo := openObj(o.b)
	fo.boolean("v_flag", s.Flags.V)
	fo.boolean("a_flag", s.Flags.A)
	fo.boolean("s_flag", s.Flags.S)
	fo.boolean("b_flag", s.Flags.B)
	o.b = fo.close()
	switch s.Type {
	case "C", "D", "I", "J", "K":
		o.u64("sr_algorithm", uint64(s.SRAlgorithm))
	}
	if s.SRPolicyMPLSSID != nil {
		s.SRPolicyMPLSSID.appendTo(&o)
	}
	o.addrOK("srv6_sid", s.SRv6SID)
	if s.EndpointBehavior != nil {
		o.key("endpoint_behavior")
		o.b = s.EndpointBehavior.appendJSON(o.b)
	}
	o.addrOK("node_address", s.NodeAddress)
	switch s.Type {
	case "E":
		o.u64("local_interface_id", uint64(s.LocalInterfaceID))
	case "G", "J":
		o.u64("local_interface_id", uint64(s.LocalInterfaceID))
		o.u64("remote_interface_id", uint64(s.RemoteInterfaceID))
	}
	o.addrOK("local_address", s.LocalAddress)
	o.addrOK("remote_address", s.RemoteAddress)
	return o.close()
}
