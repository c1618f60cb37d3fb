package record

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
)

// Building blocks of the BGP-LS records (bgpls.go): named flag sets and the objects of
// the BGP-LS Attribute TLVs, with goBMP's JSON shapes where goBMP has one.

// FlagLayout names the bits of a flags octet; see flagNames.
type FlagLayout uint8

// Flag layouts, by the TLV (and protocol) they belong to.
const (
	FlagsRaw              FlagLayout = iota // {"flags":N}: no names known
	FlagsNode                               // Node Flag Bits (1024)
	FlagsSRCapISIS                          // SR Capabilities (1034), IS-IS
	FlagsAdjISIS                            // Adjacency SID (1099/1100), IS-IS
	FlagsAdjOSPF                            // Adjacency SID, OSPF
	FlagsPrefixSIDISIS                      // Prefix-SID (1158), IS-IS
	FlagsPrefixSIDOSPF                      // Prefix-SID, OSPF
	FlagsPrefixAttrISIS                     // Prefix Attribute Flags (1170), IS-IS
	FlagsPrefixAttrOSPF                     // Prefix Attribute Flags, OSPFv2
	FlagsPrefixAttrOSPFv3                   // Prefix Attribute Flags, OSPFv3
	FlagsIGP                                // IGP Flags (1152)
	FlagsPeerSID                            // PeerNode/PeerAdj/PeerSet SID (1101-1103)
	FlagsSRv6                               // SRv6 End.X SID (1106-1108), SRv6 BGP Peer Node SID (1251)
	FlagsSRv6Locator                        // SRv6 Locator (1162)
	FlagsFAD                                // Flexible Algorithm Definition Flags (1043)
	numFlagLayouts
)

// flagNames lists the JSON key of each bit, most significant bit first ("" = no name).
var flagNames = [numFlagLayouts][8]string{
	FlagsNode:             {"o_flag", "t_flag", "e_flag", "b_flag", "r_flag", "v_flag"},
	FlagsSRCapISIS:        {"i_flag", "v_flag"},
	FlagsAdjISIS:          {"f_flag", "b_flag", "v_flag", "l_flag", "s_flag", "p_flag"},
	FlagsAdjOSPF:          {"b_flag", "v_flag", "l_flag", "g_flag", "p_flag"},
	FlagsPrefixSIDISIS:    {"r_flag", "n_flag", "p_flag", "e_flag", "v_flag", "l_flag"},
	FlagsPrefixSIDOSPF:    {"", "np_flag", "m_flag", "e_flag", "v_flag", "l_flag"},
	FlagsPrefixAttrISIS:   {"x_flag", "r_flag", "n_flag"},
	FlagsPrefixAttrOSPF:   {"a_flag", "n_flag"},
	FlagsPrefixAttrOSPFv3: {"", "", "n_flag", "dn_flag", "p_flag", "", "la_flag", "nu_flag"},
	FlagsIGP:              {"d_flag", "n_flag", "l_flag", "p_flag"},
	FlagsPeerSID:          {"v_flag", "l_flag", "b_flag", "p_flag"},
	FlagsSRv6:             {"b_flag", "s_flag", "p_flag"},
	FlagsSRv6Locator:      {"d_flag"},
	FlagsFAD:              {"m_flag"},
}

// FlagSet is a flags octet rendered as an object of named booleans
// ({"i_flag":true,"v_flag":false}), or {"flags":N} for FlagsRaw. Bits without a name are
// not rendered.
type FlagSet struct {
	Layout FlagLayout
	Value  uint8
}

func (f FlagSet) appendJSON(dst []byte) []byte {
	o := openObj(dst)
	if f.Layout == FlagsRaw || f.Layout >= numFlagLayouts {
		o.u64("flags", uint64(f.Value))
		return o.close()
	}
	for i, name := range flagNames[f.Layout] {
		if name != "" {
			o.boolean(name, f.Value&(0x80>>i) != 0)
		}
	}
	return o.close()
}

// MarshalJSON renders f like AppendJSON does (for encoding/json users and tests).
func (f FlagSet) MarshalJSON() ([]byte, error) { return f.appendJSON(nil), nil }

// UnmarshalJSON finds the layout whose names are exactly the object's keys.
func (f *FlagSet) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if raw, ok := m["flags"]; ok && len(m) == 1 {
		v, err := strconv.ParseUint(string(raw), 10, 8)
		*f = FlagSet{Layout: FlagsRaw, Value: uint8(v)}
		return err
	}
	for l := FlagsNode; l < numFlagLayouts; l++ {
		n, val, match := 0, uint8(0), true
		for i, name := range flagNames[l] {
			if name == "" {
				continue
			}
			n++
			raw, ok := m[name]
			if !ok {
				match = false
				break
			}
			if string(raw) == "true" {
				val |= 0x80 >> i
			}
		}
		if match && n == len(m) {
			*f = FlagSet{Layout: l, Value: val}
			return nil
		}
	}
	return fmt.Errorf("record: flags object %s matches no layout", b)
}

// LSMTID is one Multi-Topology ID entry (TLV 263).
type LSMTID struct {
	OFlag bool   `json:"o_flag"`
	AFlag bool   `json:"a_flag"`
	MTID  uint16 `json:"mt_id"`
}

func (m LSMTID) appendJSON(dst []byte) []byte {
	o := openObj(dst)
	o.boolean("o_flag", m.OFlag)
	o.boolean("a_flag", m.AFlag)
	o.u64("mt_id", uint64(m.MTID))
	return o.close()
}

// LSSRCapability is the SR Capabilities TLV (1034) as goBMP renders it: one entry per
// range, "sid" holding the first label or index.
type LSSRCapability struct {
	Flags  FlagSet        `json:"flags"`
	SubTLV []LSSRCapRange `json:"sr_capability_subtlv,omitempty"`
}

// LSSRCapRange is one range of the SR Capabilities TLV.
type LSSRCapRange struct {
	Range uint32 `json:"range"`
	SID   uint32 `json:"sid"`
}

// LSSRLocalBlock is the SR Local Block TLV (1036).
type LSSRLocalBlock struct {
	Flags     uint8         `json:"flags"`
	Subranges []LSSRLBRange `json:"subranges,omitempty"`
}

// LSSRLBRange is one SRLB range: a label (3-byte SID/Label) or an index (4 bytes).
type LSSRLBRange struct {
	RangeSize uint32  `json:"range_size"`
	Label     *uint32 `json:"label,omitempty"`
	Index     *uint32 `json:"index,omitempty"`
}

// LSSRv6Capabilities is the SRv6 Capabilities TLV (1038).
type LSSRv6Capabilities struct {
	OFlag bool   `json:"o_flag"`
	Flags uint16 `json:"flags"`
}

// LSMSD is one MSD entry (TLVs 266, 267).
type LSMSD struct {
	Type  uint8 `json:"msd_type"`
	Value uint8 `json:"msd_value"`
}

// LSFlexAlgoDef is a Flexible Algorithm Definition (1039).
type LSFlexAlgoDef struct {
	FlexAlgo   uint8        `json:"flex_algo"`
	MetricType uint8        `json:"metric_type"`
	CalcType   uint8        `json:"calculation_type"`
	Priority   uint8        `json:"priority"`
	SubTLV     *LSFADSubTLV `json:"sub_tlv,omitempty"`
}

// LSFADSubTLV holds the sub-TLVs of a Flexible Algorithm Definition.
type LSFADSubTLV struct {
	ExcludeAny  []uint32 `json:"exclude_any,omitempty"`
	IncludeAny  []uint32 `json:"include_any,omitempty"`
	IncludeAll  []uint32 `json:"include_all,omitempty"`
	Flags       *FlagSet `json:"flags,omitempty"`
	ExcludeSRLG []uint32 `json:"exclude_srlg,omitempty"`
	Unknown     []TLV    `json:"unknown_sub_tlvs,omitempty"`
}

// LSAdjSID is an Adjacency SID (1099) or LAN Adjacency SID (1100, with neighbor_id: the
// IS-IS system ID or OSPF router ID).
type LSAdjSID struct {
	Flags      FlagSet `json:"flags"`
	Weight     uint8   `json:"weight"`
	SID        uint32  `json:"sid"`
	NeighborID string  `json:"neighbor_id,omitempty"`
}

// LSPeerSID is a BGP EPE PeerNode, PeerAdj or PeerSet SID (1101-1103).
type LSPeerSID struct {
	Flags  FlagSet `json:"flags"`
	Weight uint8   `json:"weight"`
	SID    uint32  `json:"sid"`
}

// LSSRv6SIDStructure is the SRv6 SID Structure (1252).
type LSSRv6SIDStructure struct {
	LocatorBlock uint8 `json:"locator_block_length"`
	LocatorNode  uint8 `json:"locator_node_length"`
	Function     uint8 `json:"function_length"`
	Argument     uint8 `json:"argument_length"`
}

func (s *LSSRv6SIDStructure) appendJSON(dst []byte) []byte {
	o := openObj(dst)
	o.u64("locator_block_length", uint64(s.LocatorBlock))
	o.u64("locator_node_length", uint64(s.LocatorNode))
	o.u64("function_length", uint64(s.Function))
	o.u64("argument_length", uint64(s.Argument))
	return o.close()
}

// LSSRv6EndXSID is an SRv6 End.X SID (1106) or LAN End.X SID (1107/1108, with
// neighbor_id).
type LSSRv6EndXSID struct {
	EndpointBehavior uint16              `json:"endpoint_behavior"`
	Flags            FlagSet             `json:"flags"`
	Algorithm        uint8               `json:"algorithm"`
	Weight           uint8               `json:"weight"`
	NeighborID       string              `json:"neighbor_id,omitempty"`
	SID              netip.Addr          `json:"sid"`
	SIDStructure     *LSSRv6SIDStructure `json:"srv6_sid_structure,omitempty"`
	Unknown          []TLV               `json:"unknown_sub_tlvs,omitempty"`
}

// LSASLA is an Application-Specific Link Attributes TLV (1122): the standard and
// user-defined application bit masks (hex), the standard applications by name
// ("rsvp-te", "sr-policy", "lfa", "flex-algo") and the link attributes that apply.
type LSASLA struct {
	SABMLength   uint8         `json:"saibm_length"`
	UDABMLength  uint8         `json:"udaibm_length"`
	SABM         string        `json:"std_app_id_bit_mask,omitempty"`
	UDABM        string        `json:"ud_app_id_bit_mask,omitempty"`
	Applications []string      `json:"applications,omitempty"`
	Attributes   *LSAttrFields `json:"attributes,omitempty"`
}

// LSPrefixSID is a Prefix-SID (1158).
type LSPrefixSID struct {
	Flags FlagSet `json:"flags"`
	Algo  uint8   `json:"algo"`
	SID   uint32  `json:"prefix_sid"`
}

// LSPrefixAttrTLVs groups the SR prefix attributes as goBMP does: Prefix-SIDs, Prefix
// Attribute Flags (1170) and Source Router-ID (1171).
type LSPrefixAttrTLVs struct {
	LSPrefixSID    []LSPrefixSID `json:"ls_prefix_sid,omitempty"`
	Flags          *FlagSet      `json:"flags,omitempty"`
	SourceRouterID netip.Addr    `json:"source_router_id,omitzero"`
}

// LSFlexAlgoPrefixMetric is a Flexible Algorithm Prefix Metric (1044).
type LSFlexAlgoPrefixMetric struct {
	FlexAlgo uint8  `json:"flex_algo"`
	Flags    uint8  `json:"flags"`
	Metric   uint32 `json:"metric"`
}

// LSSRv6Locator is the SRv6 Locator TLV (1162).
type LSSRv6Locator struct {
	Flags   FlagSet `json:"flags"`
	Algo    uint8   `json:"algo"`
	Metric  uint32  `json:"metric"`
	SubTLVs []TLV   `json:"sub_tlvs,omitempty"`
}

// LSSRv6EndpointBehavior is the SRv6 Endpoint Behavior TLV (1250).
type LSSRv6EndpointBehavior struct {
	EndpointBehavior uint16 `json:"endpoint_behavior"`
	Flag             uint8  `json:"flag"`
	Algo             uint8  `json:"algo"`
}

// LSSRv6BGPPeerNodeSID is the SRv6 BGP Peer Node SID TLV (1251).
type LSSRv6BGPPeerNodeSID struct {
	Flags   FlagSet    `json:"flags"`
	Weight  uint8      `json:"weight"`
	PeerASN uint32     `json:"peer_asn"`
	PeerID  netip.Addr `json:"peer_id"`
}
