package record

import (
	"math"
	"net/netip"
	"strconv"
)

// Flowspec is one FlowSpec rule (RFC 8955, RFC 8956; SAFI 133, or SAFI 134 with rd):
// an announcement ("add"), a withdrawal ("del"), or a withdraw-all / End-of-RIB marker
// (an MP_UNREACH_NLRI without NLRI; no spec, spec_hash is goBMP's "withdraw-all:…" text).
// Fields follow goBMP's Flowspec record, plus the readable rule, the decoded traffic
// actions, and peer_hash.
type Flowspec struct {
	Head
	RouterFields
	PeerFields
	// BaseAttrs is the UPDATE's attribute set on announcements.
	BaseAttrs     *BaseAttrs `json:"base_attrs,omitempty"`
	IsIPv4        bool       `json:"is_ipv4"`
	Nexthop       netip.Addr `json:"nexthop,omitzero"`
	IsNexthopIPv4 bool       `json:"is_nexthop_ipv4,omitempty"`
	// SpecHash is goBMP's key (MD5 over the AF byte and the component bytes, prefixed with
	// the RD text for SAFI 134), in hex.
	SpecHash string `json:"spec_hash"`
	// RD is the route distinguisher of SAFI 134.
	RD string `json:"rd,omitempty"`
	// Rule is the readable rendering of the components (docs/families-flowspec.md).
	Rule string              `json:"rule,omitempty"`
	Spec []FlowspecComponent `json:"spec,omitempty"`
	// Actions are the traffic filtering actions of the UPDATE's extended communities
	// (announcements only).
	Actions []FlowspecAction `json:"actions,omitempty"`
	PathFields
	EORFields
	RIBFlags
	V4Fields
}

// FlowspecComponent is one component of a rule. Types 1 and 2 carry a prefix (and, for
// IPv6, an offset, absent when 0); the others a list of operator/value pairs.
type FlowspecComponent struct {
	Type       uint8           `json:"type"`
	Name       string          `json:"name"`
	Prefix     netip.Addr      `json:"prefix,omitzero"`
	PrefixLen  uint8           `json:"prefix_len,omitempty"`
	Offset     uint8           `json:"offset,omitempty"`
	OpValPairs []FlowspecOpVal `json:"op_val_pairs,omitempty"`
}

// FlowspecOpVal is one operator/value pair (goBMP's field names). Numeric components
// (3-8, 10, 11, 13) carry less_than, greater_than and equal; bitmask components (9, 12)
// carry not and match.
type FlowspecOpVal struct {
	Operator FlowspecOperator `json:"operator"`
	Value    uint64           `json:"value"`
}

// FlowspecOperator is a decoded operator byte.
type FlowspecOperator struct {
	EndOfList   bool  `json:"end_of_list_bit"`
	And         bool  `json:"and_bit"`
	ValueLength uint8 `json:"value_length"`
	LessThan    bool  `json:"less_than,omitempty"`
	GreaterThan bool  `json:"greater_than,omitempty"`
	Equal       bool  `json:"equal,omitempty"`
	Not         bool  `json:"not,omitempty"`
	Match       bool  `json:"match,omitempty"`
}

// FlowspecAction is one traffic filtering action. Fields by type:
//
//	traffic-rate-bytes, traffic-rate-packets  as, rate (rate_text for NaN / infinities)
//	traffic-action                            terminal_action, sample
//	redirect                                  target, and as or address, local
//	traffic-marking                           dscp
//	redirect-to-ip                            target, address, copy
//	redirect-to-nexthop                       copy
type FlowspecAction struct {
	Type           string     `json:"type"`
	AS             uint32     `json:"as,omitempty"`
	Rate           float32    `json:"rate,omitempty"`
	RateText       string     `json:"rate_text,omitempty"`
	TerminalAction bool       `json:"terminal_action,omitempty"`
	Sample         bool       `json:"sample,omitempty"`
	Target         string     `json:"target,omitempty"`
	Address        netip.Addr `json:"address,omitzero"`
	Local          uint32     `json:"local,omitempty"`
	DSCP           uint8      `json:"dscp,omitempty"`
	Copy           bool       `json:"copy,omitempty"`
}

// FlowspecRateText returns rate_text for a rate that has no JSON number ("NaN",
// "+Inf", "-Inf"), or "" for a finite one.
func FlowspecRateText(r float32) string {
	switch {
	case math.IsNaN(float64(r)):
		return "NaN"
	case math.IsInf(float64(r), 1):
		return "+Inf"
	case math.IsInf(float64(r), -1):
		return "-Inf"
	}
	return ""
}

// AppendJSON appends the record as one JSON object.
func (f *Flowspec) AppendJSON(dst []byte) []byte {
	o := openObj(dst)
	f.Head.appendTo(&o, TypeFlowspec)
	f.RouterFields.appendTo(&o)
	f.PeerFields.appendTo(&o)
	o.boolean("is_ipv4", f.IsIPv4)
	f.PathFields.appendTo(&o, f.Nexthop, netip.Addr{}, f.IsNexthopIPv4)
	o.str("spec_hash", f.SpecHash)
	o.strNE("rd", f.RD)
	o.strNE("rule", f.Rule)
	if len(f.Spec) > 0 {
		o.key("spec")
		o.b = append(o.b, '[')
		for i := range f.Spec {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			o.b = f.Spec[i].appendJSON(o.b)
		}
		o.b = append(o.b, ']')
	}
	if len(f.Actions) > 0 {
		o.key("actions")
		o.b = append(o.b, '[')
		for i := range f.Actions {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			o.b = f.Actions[i].appendJSON(o.b)
		}
		o.b = append(o.b, ']')
	}
	if f.IsEOR {
		o.boolean("is_eor", true)
	}
	if f.AFI != 0 {
		o.u64("afi", uint64(f.AFI))
		o.u64("safi", uint64(f.SAFI))
	}
	f.RIBFlags.appendTo(&o)
	f.V4Fields.appendTo(&o)
	if f.BaseAttrs != nil {
		o.key("base_attrs")
		o.b = f.BaseAttrs.AppendJSON(o.b)
	}
	return o.close()
}

func (c *FlowspecComponent) appendJSON(dst []byte) []byte {
	o := openObj(dst)
	o.u64("type", uint64(c.Type))
	o.str("name", c.Name)
	if c.Type == 1 || c.Type == 2 {
		o.addrOK("prefix", c.Prefix)
		o.u64("prefix_len", uint64(c.PrefixLen))
		if c.Offset != 0 {
			o.u64("offset", uint64(c.Offset))
		}
		return o.close()
	}
	bitmask := c.Type == 9 || c.Type == 12
	o.key("op_val_pairs")
	o.b = append(o.b, '[')
	for i := range c.OpValPairs {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		p := &c.OpValPairs[i]
		pv := openObj(o.b)
		pv.key("operator")
		op := openObj(pv.b)
		op.boolean("end_of_list_bit", p.Operator.EndOfList)
		op.boolean("and_bit", p.Operator.And)
		op.u64("value_length", uint64(p.Operator.ValueLength))
		if bitmask {
			op.boolean("not", p.Operator.Not)
			op.boolean("match", p.Operator.Match)
		} else {
			op.boolean("less_than", p.Operator.LessThan)
			op.boolean("greater_than", p.Operator.GreaterThan)
			op.boolean("equal", p.Operator.Equal)
		}
		pv.b = op.close()
		pv.u64("value", p.Value)
		o.b = pv.close()
	}
	o.b = append(o.b, ']')
	return o.close()
}

func (a *FlowspecAction) appendJSON(dst []byte) []byte {
	o := openObj(dst)
	o.str("type", a.Type)
	switch a.Type {
	case "traffic-rate-bytes", "traffic-rate-packets":
		o.u64("as", uint64(a.AS))
		if a.RateText != "" || FlowspecRateText(a.Rate) != "" {
			t := a.RateText
			if t == "" {
				t = FlowspecRateText(a.Rate)
			}
			o.str("rate_text", t)
		} else {
			o.key("rate")
			o.b = strconv.AppendFloat(o.b, float64(a.Rate), 'g', -1, 32)
		}
	case "traffic-action":
		o.boolean("terminal_action", a.TerminalAction)
		o.boolean("sample", a.Sample)
	case "redirect":
		o.strNE("target", a.Target)
		if a.Address.IsValid() {
			o.addr("address", a.Address)
		} else {
			o.u64("as", uint64(a.AS))
		}
		o.u64("local", uint64(a.Local))
	case "traffic-marking":
		o.u64("dscp", uint64(a.DSCP))
	case "redirect-to-ip":
		o.strNE("target", a.Target)
		o.addrOK("address", a.Address)
		o.boolean("copy", a.Copy)
	case "redirect-to-nexthop":
		o.boolean("copy", a.Copy)
	}
	return o.close()
}
