package record

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
)

// The structured path attributes of base_attrs (PMSI_TUNNEL, AIGP, BGP Prefix-SID) and the
// per-route "prefix_sid" object, with goBMP's field names. Every type has an allocation-free
// appendJSON; the JSON tags describe the same shape for encoding/json (used by tests and
// consumers in Go). Fields that depend on a TLV's type are written by appendJSON only for
// that type.

// tlvStorage is BaseAttrs' reusable storage for the structured attributes.
type tlvStorage struct {
	pmsi      PMSITunnel
	aigp      AIGP
	psid      BGPPrefixSID
	routePSID PrefixSID
	color     uint32
}

// emptied returns s cleared, keeping the capacity of its slices.
func (s *tlvStorage) emptied() tlvStorage {
	e := tlvStorage{aigp: AIGP{TLVs: s.aigp.TLVs[:0]}, psid: BGPPrefixSID{TLVs: s.psid.TLVs[:0]}, routePSID: s.routePSID}
	e.routePSID.reset()
	return e
}

// SetPMSITunnel sets PMSITunnel without allocating.
func (b *BaseAttrs) SetPMSITunnel(p PMSITunnel) { b.tlv.pmsi = p; b.PMSITunnel = &b.tlv.pmsi }

// UseAIGP points AIGP at b's reusable storage, emptied, and returns it for filling.
func (b *BaseAttrs) UseAIGP() *AIGP {
	b.tlv.aigp.TLVs = b.tlv.aigp.TLVs[:0]
	b.AIGP = &b.tlv.aigp
	return b.AIGP
}

// UseBGPPrefixSID points BGPPrefixSID at b's reusable storage, emptied, and returns it.
func (b *BaseAttrs) UseBGPPrefixSID() *BGPPrefixSID {
	b.tlv.psid.TLVs = b.tlv.psid.TLVs[:0]
	b.BGPPrefixSID = &b.tlv.psid
	return b.BGPPrefixSID
}

// UseRoutePrefixSID points RoutePrefixSID at b's reusable storage, emptied, and returns it.
func (b *BaseAttrs) UseRoutePrefixSID() *PrefixSID {
	b.tlv.routePSID.reset()
	b.RoutePrefixSID = &b.tlv.routePSID
	return b.RoutePrefixSID
}

// SetRouteColor sets RouteColor without allocating.
func (b *BaseAttrs) SetRouteColor(c uint32) { b.tlv.color = c; b.RouteColor = &b.tlv.color }

// PMSITunnel is the PMSI_TUNNEL attribute (22, RFC 6514).
type PMSITunnel struct {
	Flags      uint8 `json:"flags"`
	TunnelType uint8 `json:"tunnel_type"`
	// TunnelTypeName is the IANA name of the tunnel type ("Ingress Replication"), absent
	// when the type is unknown.
	TunnelTypeName string `json:"tunnel_type_name,omitempty"`
	// MPLSLabel is the high 20 bits of the 3-octet label field; RawLabel the whole field
	// (the VNI with VXLAN encapsulation, RFC 8365).
	MPLSLabel uint32 `json:"mpls_label"`
	RawLabel  uint32 `json:"raw_label"`
	// TunnelID is the tunnel identifier: an address for ingress replication,
	// "sender,group" for the PIM types, hex otherwise; absent when empty.
	TunnelID string `json:"tunnel_identifier,omitempty"`
}

func (p *PMSITunnel) appendJSON(dst []byte) []byte {
	o := openObj(dst)
	o.u64("flags", uint64(p.Flags))
	o.u64("tunnel_type", uint64(p.TunnelType))
	o.strNE("tunnel_type_name", p.TunnelTypeName)
	o.u64("mpls_label", uint64(p.MPLSLabel))
	o.u64("raw_label", uint64(p.RawLabel))
	o.strNE("tunnel_identifier", p.TunnelID)
	return o.close()
}

// AIGP is the AIGP attribute (26, RFC 7311).
type AIGP struct {
	TLVs []AIGPTLV `json:"tlvs"`
}

// AIGPTLV is one AIGP TLV. Length counts the 3-octet header, as on the wire. A type 1 TLV
// (AIGP metric) has "value"; every other type has "unknown_value" (hex).
type AIGPTLV struct {
	Type         uint8  `json:"type"`
	Length       uint16 `json:"length"`
	Value        uint64 `json:"value"`
	UnknownValue string `json:"unknown_value,omitempty"`
}

// AIGPTypeMetric is the AIGP TLV type that carries the metric.
const AIGPTypeMetric = 1

func (a *AIGP) appendJSON(dst []byte) []byte {
	o := openObj(dst)
	o.key("tlvs")
	o.b = append(o.b, '[')
	for i := range a.TLVs {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		t := &a.TLVs[i]
		to := openObj(o.b)
		to.u64("type", uint64(t.Type))
		to.u64("length", uint64(t.Length))
		if t.Type == AIGPTypeMetric {
			to.u64("value", t.Value)
		} else {
			to.str("unknown_value", t.UnknownValue)
		}
		o.b = to.close()
	}
	o.b = append(o.b, ']')
	return o.close()
}

// BGP Prefix-SID TLV types (RFC 8669, RFC 9252).
const (
	PrefixSIDLabelIndex     = 1
	PrefixSIDOriginatorSRGB = 3
	PrefixSIDSRv6L3Service  = 5
	PrefixSIDSRv6L2Service  = 6
)

// BGPPrefixSID is the BGP Prefix-SID attribute (40) as base_attrs renders it: every TLV in
// order, with goBMP's "tlvs" shape extended by the SRv6 service TLVs.
type BGPPrefixSID struct {
	TLVs []PrefixSIDTLV `json:"tlvs"`
}

// PrefixSIDTLV is one Prefix-SID TLV; Length is the value length as on the wire. Which of
// the other fields is written depends on Type: 1 label_index, 3 originator_srgb, 5
// srv6_l3_service, 6 srv6_l2_service, any other unknown_value (hex).
type PrefixSIDTLV struct {
	Type           uint8             `json:"type"`
	Length         uint16            `json:"length"`
	LabelIndex     TLVLabelIndex     `json:"label_index,omitzero"`
	OriginatorSRGB TLVOriginatorSRGB `json:"originator_srgb,omitzero"`
	SRv6L3Service  SRv6Service       `json:"srv6_l3_service,omitzero"`
	SRv6L2Service  SRv6Service       `json:"srv6_l2_service,omitzero"`
	UnknownValue   string            `json:"unknown_value,omitempty"`
}

// TLVLabelIndex is the Label-Index TLV in base_attrs.
type TLVLabelIndex struct {
	Flags      uint16 `json:"flags"`
	LabelIndex uint32 `json:"label_index"`
}

// TLVOriginatorSRGB is the Originator SRGB TLV in base_attrs.
type TLVOriginatorSRGB struct {
	Flags  uint16      `json:"flags"`
	Ranges []SRGBRange `json:"ranges"`
}

// SRGBRange is one SRGB: first label and number of labels.
type SRGBRange struct {
	Base  uint32 `json:"base"`
	Range uint32 `json:"range"`
}

func (p *BGPPrefixSID) appendJSON(dst []byte) []byte {
	o := openObj(dst)
	o.key("tlvs")
	o.b = append(o.b, '[')
	for i := range p.TLVs {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		t := &p.TLVs[i]
		to := openObj(o.b)
		to.u64("type", uint64(t.Type))
		to.u64("length", uint64(t.Length))
		switch t.Type {
		case PrefixSIDLabelIndex:
			to.key("label_index")
			lo := openObj(to.b)
			lo.u64("flags", uint64(t.LabelIndex.Flags))
			lo.u64("label_index", uint64(t.LabelIndex.LabelIndex))
			to.b = lo.close()
		case PrefixSIDOriginatorSRGB:
			to.key("originator_srgb")
			so := openObj(to.b)
			so.u64("flags", uint64(t.OriginatorSRGB.Flags))
			so.key("ranges")
			so.b = append(so.b, '[')
			for j, r := range t.OriginatorSRGB.Ranges {
				if j > 0 {
					so.b = append(so.b, ',')
				}
				ro := openObj(so.b)
				ro.u64("base", uint64(r.Base))
				ro.u64("range", uint64(r.Range))
				so.b = ro.close()
			}
			so.b = append(so.b, ']')
			to.b = so.close()
		case PrefixSIDSRv6L3Service:
			to.key("srv6_l3_service")
			to.b = t.SRv6L3Service.appendJSON(to.b)
		case PrefixSIDSRv6L2Service:
			to.key("srv6_l2_service")
			to.b = t.SRv6L2Service.appendJSON(to.b)
		default:
			to.str("unknown_value", t.UnknownValue)
		}
		o.b = to.close()
	}
	o.b = append(o.b, ']')
	return o.close()
}

// PrefixSID is goBMP's per-route "prefix_sid" object (unicast and L3VPN records): the
// first Label-Index, Originator SRGB, SRv6 L3 and L2 service TLVs of the UPDATE's BGP
// Prefix-SID, each absent when the attribute has none.
type PrefixSID struct {
	LabelIndex     *LabelIndex     `json:"label_index,omitempty"`
	OriginatorSRGB *OriginatorSRGB `json:"originator_srgb,omitempty"`
	SRv6L3Service  *SRv6Service    `json:"srv6_l3_service,omitempty"`
	SRv6L2Service  *SRv6Service    `json:"srv6_l2_service,omitempty"`

	li   LabelIndex
	srgb OriginatorSRGB
}

// LabelIndex is the Label-Index TLV in goBMP's per-route shape (the label index is
// called "last_index" there).
type LabelIndex struct {
	Flags      uint16 `json:"flags"`
	LabelIndex uint32 `json:"last_index"`
}

// OriginatorSRGB is the Originator SRGB TLV in goBMP's per-route shape.
type OriginatorSRGB struct {
	Flags uint16 `json:"flags"`
	SRGB  []SRGB `json:"srgb"`
}

// SRGB is one SRGB in goBMP's per-route shape.
type SRGB struct {
	First  uint32 `json:"first"`
	Number uint32 `json:"number"`
}

// SetLabelIndex sets LabelIndex without allocating.
func (p *PrefixSID) SetLabelIndex(v LabelIndex) { p.li = v; p.LabelIndex = &p.li }

// SetOriginatorSRGB sets OriginatorSRGB, reusing the SRGB slice storage: call it with
// the result of SRGBStorage.
func (p *PrefixSID) SetOriginatorSRGB(flags uint16, srgb []SRGB) {
	p.srgb = OriginatorSRGB{Flags: flags, SRGB: srgb}
	p.OriginatorSRGB = &p.srgb
}

// SRGBStorage returns an empty slice with the capacity of the previous SRGB list.
func (p *PrefixSID) SRGBStorage() []SRGB { return p.srgb.SRGB[:0] }

// reset clears p, keeping the SRGB storage.
func (p *PrefixSID) reset() {
	srgb := p.srgb.SRGB[:0]
	*p = PrefixSID{}
	p.srgb.SRGB = srgb
}

// AppendJSON appends p as a JSON object.
func (p *PrefixSID) AppendJSON(dst []byte) []byte {
	o := openObj(dst)
	if p.LabelIndex != nil {
		o.key("label_index")
		lo := openObj(o.b)
		lo.u64("flags", uint64(p.LabelIndex.Flags))
		lo.u64("last_index", uint64(p.LabelIndex.LabelIndex))
		o.b = lo.close()
	}
	if p.OriginatorSRGB != nil {
		o.key("originator_srgb")
		so := openObj(o.b)
		so.u64("flags", uint64(p.OriginatorSRGB.Flags))
		so.key("srgb")
		so.b = append(so.b, '[')
		for i, r := range p.OriginatorSRGB.SRGB {
			if i > 0 {
				so.b = append(so.b, ',')
			}
			ro := openObj(so.b)
			ro.u64("first", uint64(r.First))
			ro.u64("number", uint64(r.Number))
			so.b = ro.close()
		}
		so.b = append(so.b, ']')
		o.b = so.close()
	}
	if p.SRv6L3Service != nil {
		o.key("srv6_l3_service")
		o.b = p.SRv6L3Service.appendJSON(o.b)
	}
	if p.SRv6L2Service != nil {
		o.key("srv6_l2_service")
		o.b = p.SRv6L2Service.appendJSON(o.b)
	}
	return o.close()
}

// SRv6Service is an SRv6 L3 or L2 Service TLV (RFC 9252). goBMP renders its sub-TLVs as
// an object keyed by sub-TLV type: {"sub_tlvs":{"1":[{sid…}],"7":["<hex>"]}}.
type SRv6Service struct {
	SubTLVs SRv6SubTLVs `json:"sub_tlvs"`
}

// SRv6SubTLVs are the sub-TLVs of an SRv6 service TLV, in order of appearance.
type SRv6SubTLVs []SRv6SubTLV

// SRv6SubTLV is one SRv6 service sub-TLV: type 1 (SRv6 SID Information) is rendered as
// Info, any other type as its value in hex (Value).
type SRv6SubTLV struct {
	Type  uint8
	Info  SRv6SIDInfo
	Value string
}

// SRv6SIDInfo is the SRv6 SID Information sub-TLV.
type SRv6SIDInfo struct {
	SID              netip.Addr     `json:"sid"`
	Flags            uint8          `json:"flags"`
	EndpointBehavior uint16         `json:"endpoint_behavior"`
	SubSubTLVs       SRv6SubSubTLVs `json:"sub_sub_tlvs,omitempty"`
}

// SRv6SubSubTLVs are the sub-sub-TLVs of an SID information sub-TLV.
type SRv6SubSubTLVs []SRv6SubSubTLV

// SRv6SubSubTLV is one sub-sub-TLV: type 1 (SRv6 SID Structure) is rendered as
// Structure, any other type as its value in hex.
type SRv6SubSubTLV struct {
	Type      uint8
	Structure SRv6SIDStructure
	Value     string
}

// SRv6SIDStructure is the SRv6 SID Structure sub-sub-TLV (bit lengths).
type SRv6SIDStructure struct {
	LocatorBlockLength  uint8 `json:"locator_block_length"`
	LocatorNodeLength   uint8 `json:"locator_node_length"`
	FunctionLength      uint8 `json:"function_length"`
	ArgumentLength      uint8 `json:"argument_length"`
	TranspositionLength uint8 `json:"transposition_length"`
	TranspositionOffset uint8 `json:"transposition_offset"`
}

func (s *SRv6Service) appendJSON(dst []byte) []byte {
	o := openObj(dst)
	o.key("sub_tlvs")
	o.b = s.SubTLVs.appendJSON(o.b)
	return o.close()
}

// appendGrouped writes {"<type>":[elem…],…} with the types in ascending order and the
// elements of a type in order of appearance, without allocating.
func appendGrouped(dst []byte, n int, typeOf func(int) uint8, elem func([]byte, int) []byte) []byte {
	dst = append(dst, '{')
	next, first := 0, true
	for {
		// the smallest type >= next
		t, found := 0, false
		for i := 0; i < n; i++ {
			if ti := int(typeOf(i)); ti >= next && (!found || ti < t) {
				t, found = ti, true
			}
		}
		if !found {
			break
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, '"')
		dst = strconv.AppendUint(dst, uint64(t), 10)
		dst = append(dst, '"', ':', '[')
		k := 0
		for i := 0; i < n; i++ {
			if int(typeOf(i)) == t {
				if k > 0 {
					dst = append(dst, ',')
				}
				k++
				dst = elem(dst, i)
			}
		}
		dst = append(dst, ']')
		next = t + 1
	}
	return append(dst, '}')
}

func (ts SRv6SubTLVs) appendJSON(dst []byte) []byte {
	return appendGrouped(dst, len(ts), func(i int) uint8 { return ts[i].Type }, func(b []byte, i int) []byte {
		if ts[i].Type != 1 {
			return appendString(b, ts[i].Value)
		}
		in := &ts[i].Info
		o := openObj(b)
		o.addr("sid", in.SID)
		o.u64("flags", uint64(in.Flags))
		o.u64("endpoint_behavior", uint64(in.EndpointBehavior))
		if len(in.SubSubTLVs) > 0 {
			o.key("sub_sub_tlvs")
			o.b = in.SubSubTLVs.appendJSON(o.b)
		}
		return o.close()
	})
}

func (ts SRv6SubSubTLVs) appendJSON(dst []byte) []byte {
	return appendGrouped(dst, len(ts), func(i int) uint8 { return ts[i].Type }, func(b []byte, i int) []byte {
		if ts[i].Type != 1 {
			return appendString(b, ts[i].Value)
		}
		st := &ts[i].Structure
		o := openObj(b)
		o.u64("locator_block_length", uint64(st.LocatorBlockLength))
		o.u64("locator_node_length", uint64(st.LocatorNodeLength))
		o.u64("function_length", uint64(st.FunctionLength))
		o.u64("argument_length", uint64(st.ArgumentLength))
		o.u64("transposition_length", uint64(st.TranspositionLength))
		o.u64("transposition_offset", uint64(st.TranspositionOffset))
		return o.close()
	})
}

func (ts SRv6SubTLVs) MarshalJSON() ([]byte, error) { return ts.appendJSON(nil), nil }

func (ts *SRv6SubTLVs) UnmarshalJSON(b []byte) error {
	*ts = SRv6SubTLVs{}
	return unmarshalGrouped(b, func(t uint8, raw json.RawMessage) error {
		e := SRv6SubTLV{Type: t}
		if t == 1 {
			if err := json.Unmarshal(raw, &e.Info); err != nil {
				return err
			}
		} else if err := json.Unmarshal(raw, &e.Value); err != nil {
			return err
		}
		*ts = append(*ts, e)
		return nil
	})
}

func (ts SRv6SubSubTLVs) MarshalJSON() ([]byte, error) { return ts.appendJSON(nil), nil }

func (ts *SRv6SubSubTLVs) UnmarshalJSON(b []byte) error {
	*ts = SRv6SubSubTLVs{}
	return unmarshalGrouped(b, func(t uint8, raw json.RawMessage) error {
		e := SRv6SubSubTLV{Type: t}
		if t == 1 {
			if err := json.Unmarshal(raw, &e.Structure); err != nil {
				return err
			}
		} else if err := json.Unmarshal(raw, &e.Value); err != nil {
			return err
		}
		*ts = append(*ts, e)
		return nil
	})
}

// unmarshalGrouped reads {"<type>":[elem…]} in ascending type order and calls add for
// each element (the original order across types is not recoverable from the JSON).
func unmarshalGrouped(b []byte, add func(uint8, json.RawMessage) error) error {
	var m map[string][]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	types := make([]int, 0, len(m))
	for k := range m {
		n, err := strconv.Atoi(k)
		if err != nil || n < 0 || n > 255 {
			return fmt.Errorf("record: bad TLV type %q", k)
		}
		types = append(types, n)
	}
	sort.Ints(types)
	for _, t := range types {
		for _, raw := range m[strconv.Itoa(t)] {
			if err := add(uint8(t), raw); err != nil {
				return err
			}
		}
	}
	return nil
}
