package record

import (
	"fmt"
	"net/netip"
	"strconv"
)

// Community is a standard community (RFC 1997), rendered "high:low".
type Community uint32

func (c Community) AppendText(b []byte) ([]byte, error) {
	b = strconv.AppendUint(b, uint64(c>>16), 10)
	b = append(b, ':')
	return strconv.AppendUint(b, uint64(c&0xffff), 10), nil
}

func (c Community) MarshalText() ([]byte, error) { return c.AppendText(nil) }

func (c *Community) UnmarshalText(b []byte) error {
	var hi, lo uint16
	if _, err := fmt.Sscanf(string(b), "%d:%d", &hi, &lo); err != nil {
		return fmt.Errorf("record: bad community %q", b)
	}
	*c = Community(uint32(hi)<<16 | uint32(lo))
	return nil
}

// LargeCommunity is a large community (RFC 8092), rendered "global:local1:local2".
type LargeCommunity [3]uint32

func (c LargeCommunity) AppendText(b []byte) ([]byte, error) {
	b = strconv.AppendUint(b, uint64(c[0]), 10)
	b = append(b, ':')
	b = strconv.AppendUint(b, uint64(c[1]), 10)
	b = append(b, ':')
	return strconv.AppendUint(b, uint64(c[2]), 10), nil
}

func (c LargeCommunity) MarshalText() ([]byte, error) { return c.AppendText(nil) }

func (c *LargeCommunity) UnmarshalText(b []byte) error {
	if _, err := fmt.Sscanf(string(b), "%d:%d:%d", &c[0], &c[1], &c[2]); err != nil {
		return fmt.Errorf("record: bad large community %q", b)
	}
	return nil
}

// ASPathSegment is one AS_PATH segment: type 1 AS_SET, 2 AS_SEQUENCE, 3 AS_CONFED_SEQUENCE,
// 4 AS_CONFED_SET.
type ASPathSegment struct {
	Type uint8    `json:"type"`
	ASNs []uint32 `json:"asns"`
}

// UnknownAttr is a path attribute bmpstream does not decode, kept with its value in hex.
type UnknownAttr struct {
	Type  uint8  `json:"type"`
	Flags uint8  `json:"flags"`
	Value string `json:"value"`
}

// BaseAttrs is the path attribute set of an UPDATE (goBMP's "base_attrs"). One BaseAttrs
// is shared by every prefix record of an UPDATE and encoded only once (see Encode).
// Optional scalar attributes are pointers: present with value 0 is not absent.
type BaseAttrs struct {
	// BaseAttrHash is the MD5 of every path attribute except MP_REACH_NLRI and
	// MP_UNREACH_NLRI, so that it identifies the attribute set (goBMP hashes the NLRI too).
	BaseAttrHash     MD5              `json:"base_attr_hash"`
	Origin           string           `json:"origin,omitempty"`
	ASPath           []uint32         `json:"as_path,omitempty"`
	ASPathCount      *int             `json:"as_path_count,omitempty"`
	ASPathSegments   []ASPathSegment  `json:"as_path_segments,omitempty"`
	Nexthop          netip.Addr       `json:"nexthop,omitzero"`
	MED              *uint32          `json:"med,omitempty"`
	LocalPref        *uint32          `json:"local_pref,omitempty"`
	IsAtomicAgg      bool             `json:"is_atomic_agg"`
	Aggregator       string           `json:"aggregator,omitempty"`
	Communities      []Community      `json:"community_list,omitempty"`
	WellKnown        []string         `json:"well_known_community_list,omitempty"`
	OriginatorID     netip.Addr       `json:"originator_id,omitzero"`
	ClusterList      string           `json:"cluster_list,omitempty"`
	ExtCommunities   []string         `json:"ext_community_list,omitempty"`
	AS4Path          []uint32         `json:"as4_path,omitempty"`
	AS4PathCount     *int             `json:"as4_path_count,omitempty"`
	AS4Aggregator    string           `json:"as4_aggregator,omitempty"`
	LargeCommunities []LargeCommunity `json:"large_community_list,omitempty"`
	OTC              *uint32          `json:"otc,omitempty"`
	Unknown          []UnknownAttr    `json:"unknown_attributes,omitempty"`

	// Structured attributes (attrs_tlv.go). The encoder writes pmsi_tunnel,
	// ipv6_ext_community_list and aigp after as4_aggregator, bgp_prefix_sid after
	// large_community_list, as goBMP orders them.
	PMSITunnel         *PMSITunnel   `json:"pmsi_tunnel,omitempty"`
	IPv6ExtCommunities []string      `json:"ipv6_ext_community_list,omitempty"`
	AIGP               *AIGP         `json:"aigp,omitempty"`
	BGPPrefixSID       *BGPPrefixSID `json:"bgp_prefix_sid,omitempty"`
	// TunnelEncap is the decoded Tunnel Encapsulation attribute (23, RFC 9012); a
	// malformed one sets TunnelEncapMalformed and stays in unknown_attributes.
	TunnelEncap          *TunnelEncap `json:"tunnel_encap,omitempty"`
	TunnelEncapMalformed bool         `json:"tunnel_encap_malformed,omitempty"`

	// Route-level values derived from the attributes, which goBMP writes on each route
	// record rather than in base_attrs (UnicastPrefix color, origin_validation,
	// prefix_sid): the Color (RFC 9723) and origin validation state (RFC 8097) extended
	// communities and the Prefix-SID. Not part of the base_attrs JSON.
	RouteColor            *uint32    `json:"-"`
	RouteOriginValidation string     `json:"-"`
	RoutePrefixSID        *PrefixSID `json:"-"`

	// Storage for the pointer fields, so that filling a reused BaseAttrs does not allocate.
	med, localPref, otc   uint32
	asPathCount, as4Count int
	encoded               []byte
	encodedValid          bool
	protoEnc              []byte // protobuf cache, valid with encoded (see appendProtoCached)
	protoValid            bool
	tlv                   tlvStorage
}

// Reset clears b for reuse, keeping its slices' capacity.
func (b *BaseAttrs) Reset() {
	enc, penc := b.encoded[:0], b.protoEnc[:0]
	asPath, segs, comms := b.ASPath[:0], b.ASPathSegments[:0], b.Communities[:0]
	wk, ext, as4, large, unk := b.WellKnown[:0], b.ExtCommunities[:0], b.AS4Path[:0], b.LargeCommunities[:0], b.Unknown[:0]
	v6, tlv := b.IPv6ExtCommunities[:0], b.tlv.emptied()
	*b = BaseAttrs{}
	b.encoded, b.protoEnc = enc, penc
	b.ASPath, b.ASPathSegments, b.Communities = asPath, segs, comms
	b.WellKnown, b.ExtCommunities, b.AS4Path, b.LargeCommunities, b.Unknown = wk, ext, as4, large, unk
	b.IPv6ExtCommunities, b.tlv = v6, tlv
}

func (b *BaseAttrs) SetMED(v uint32)       { b.med = v; b.MED = &b.med }
func (b *BaseAttrs) SetLocalPref(v uint32) { b.localPref = v; b.LocalPref = &b.localPref }
func (b *BaseAttrs) SetOTC(v uint32)       { b.otc = v; b.OTC = &b.otc }
func (b *BaseAttrs) SetASPathCount(n int)  { b.asPathCount = n; b.ASPathCount = &b.asPathCount }
func (b *BaseAttrs) SetAS4PathCount(n int) { b.as4Count = n; b.AS4PathCount = &b.as4Count }

// Encode caches the JSON of b; AppendJSON then copies the cached bytes. Call it after
// filling b and before encoding the prefix records that share it.
func (b *BaseAttrs) Encode() {
	b.encoded = b.appendFields(b.encoded[:0])
	b.encodedValid = true
	b.protoValid = false
}

// AppendJSON appends b as a JSON object (from the cache when Encode was called).
func (b *BaseAttrs) AppendJSON(dst []byte) []byte {
	if b.encodedValid {
		return append(dst, b.encoded...)
	}
	return b.appendFields(dst)
}

func (b *BaseAttrs) appendFields(dst []byte) []byte {
	o := openObj(dst)
	o.key("base_attr_hash")
	o.b = append(o.b, '"')
	if !b.BaseAttrHash.IsZero() {
		o.b, _ = b.BaseAttrHash.AppendText(o.b)
	}
	o.b = append(o.b, '"')
	o.strNE("origin", b.Origin)
	if b.ASPathCount != nil {
		o.u32s("as_path", b.ASPath)
		o.i64("as_path_count", int64(*b.ASPathCount))
		o.key("as_path_segments")
		o.b = appendSegments(o.b, b.ASPathSegments)
	}
	o.addrOK("nexthop", b.Nexthop)
	if b.MED != nil {
		o.u64("med", uint64(*b.MED))
	}
	if b.LocalPref != nil {
		o.u64("local_pref", uint64(*b.LocalPref))
	}
	o.boolean("is_atomic_agg", b.IsAtomicAgg)
	o.strNE("aggregator", b.Aggregator)
	if len(b.Communities) > 0 {
		o.key("community_list")
		o.b = append(o.b, '[')
		for i, c := range b.Communities {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			o.b = append(o.b, '"')
			o.b, _ = c.AppendText(o.b)
			o.b = append(o.b, '"')
		}
		o.b = append(o.b, ']')
	}
	o.strsNE("well_known_community_list", b.WellKnown)
	o.addrOK("originator_id", b.OriginatorID)
	o.strNE("cluster_list", b.ClusterList)
	o.strsNE("ext_community_list", b.ExtCommunities)
	if b.AS4PathCount != nil {
		o.u32s("as4_path", b.AS4Path)
		o.i64("as4_path_count", int64(*b.AS4PathCount))
	}
	o.strNE("as4_aggregator", b.AS4Aggregator)
	if b.PMSITunnel != nil {
		o.key("pmsi_tunnel")
		o.b = b.PMSITunnel.appendJSON(o.b)
	}
	o.strsNE("ipv6_ext_community_list", b.IPv6ExtCommunities)
	if b.AIGP != nil {
		o.key("aigp")
		o.b = b.AIGP.appendJSON(o.b)
	}
	if b.TunnelEncap != nil {
		o.key("tunnel_encap")
		o.b = b.TunnelEncap.AppendJSON(o.b)
	}
	if b.TunnelEncapMalformed {
		o.boolean("tunnel_encap_malformed", true)
	}
	if len(b.LargeCommunities) > 0 {
		o.key("large_community_list")
		o.b = append(o.b, '[')
		for i, c := range b.LargeCommunities {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			o.b = append(o.b, '"')
			o.b, _ = c.AppendText(o.b)
			o.b = append(o.b, '"')
		}
		o.b = append(o.b, ']')
	}
	if b.BGPPrefixSID != nil {
		o.key("bgp_prefix_sid")
		o.b = b.BGPPrefixSID.appendJSON(o.b)
	}
	if b.OTC != nil {
		o.u64("otc", uint64(*b.OTC))
	}
	if len(b.Unknown) > 0 {
		o.key("unknown_attributes")
		o.b = append(o.b, '[')
		for i := range b.Unknown {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			u := &b.Unknown[i]
			a := openObj(o.b)
			a.u64("type", uint64(u.Type))
			a.u64("flags", uint64(u.Flags))
			a.str("value", u.Value)
			o.b = a.close()
		}
		o.b = append(o.b, ']')
	}
	return o.close()
}

func appendSegments(dst []byte, segs []ASPathSegment) []byte {
	dst = append(dst, '[')
	for i := range segs {
		if i > 0 {
			dst = append(dst, ',')
		}
		s := openObj(dst)
		s.u64("type", uint64(segs[i].Type))
		s.u32s("asns", segs[i].ASNs)
		dst = s.close()
	}
	return append(dst, ']')
}
