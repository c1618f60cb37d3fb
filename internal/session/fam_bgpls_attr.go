package session

import (
	"encoding/hex"
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// Conversion of the decoded BGP-LS Attribute (bgp.LSAttr) into the record fields
// (record.LSAttrFields), and the text renderings the BGP-LS records share.

// igpRouterID renders an IGP Router-ID the goBMP way: 4 bytes as a dotted quad, other
// lengths (IS-IS system ID, pseudonode, OSPF DR) as hex in groups of two bytes joined
// by dots ("0000.0000.0001", "0000.0000.0001.01").
func igpRouterID(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) == 4 {
		return netip.AddrFrom4([4]byte(b)).String()
	}
	return dottedHex(b, 0)
}

// dottedHex renders b as hex with a dot after every two bytes, starting after the first
// lead bytes when lead > 0 ("49.0901" for an IS-IS area with lead 1).
func dottedHex(b []byte, lead int) string {
	out := make([]byte, 0, len(b)*3)
	for i, c := range b {
		if i > 0 && (i == lead || (i-lead)%2 == 0 && i > lead) {
			out = append(out, '.')
		}
		out = hex.AppendEncode(out, []byte{c})
	}
	return string(out)
}

// isisAreas renders IS-IS area addresses (TLV 1027, one per TLV): the first byte, then
// groups of two bytes ("49.0901", "49.0001.0002"); several are joined by ",".
func isisAreas(areas [][]byte) string {
	parts := make([]string, len(areas))
	for i, a := range areas {
		parts[i] = dottedHex(a, 1)
	}
	return strings.Join(parts, ",")
}

func mtidEntry(v uint16) record.LSMTID {
	return record.LSMTID{OFlag: v&0x8000 != 0, AFlag: v&0x4000 != 0, MTID: v & 0x0fff}
}

func mtidList(m bgp.LSMultiTopology) []record.LSMTID {
	if m.Len() == 0 {
		return nil
	}
	out := make([]record.LSMTID, m.Len())
	for i := range out {
		out[i] = mtidEntry(m.At(i))
	}
	return out
}

func mtidFirst(m bgp.LSMultiTopology) *record.LSMTID {
	if m.Len() == 0 {
		return nil
	}
	e := mtidEntry(m.At(0))
	return &e
}

func isISIS(proto uint8) bool { return proto == bgp.LSProtoISISL1 || proto == bgp.LSProtoISISL2 }
func isOSPF(proto uint8) bool { return proto == bgp.LSProtoOSPFv2 || proto == bgp.LSProtoOSPFv3 }

// bps converts a bandwidth in bytes per second (IEEE float) to bits per second, and kbps
// to kilobits per second; NaN and negative values give 0, huge ones saturate.
func bps(f float32, div float64) uint64 {
	v := float64(f) * 8 / div
	switch {
	case !(v > 0):
		return 0
	case v >= math.MaxUint64:
		return math.MaxUint64
	}
	return uint64(math.Round(v))
}

func ptr[T any](v T) *T { return &v }

func hexList(bs [][]byte) []string {
	if len(bs) == 0 {
		return nil
	}
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = hex.EncodeToString(b)
	}
	return out
}

func tlvList(dst []record.TLV, tlvs []bgp.LSTLV) []record.TLV {
	for _, t := range tlvs {
		dst = append(dst, record.TLV{Type: t.Type, Value: hex.EncodeToString(t.Value)})
	}
	return dst
}

func msdList(b []byte) []record.LSMSD {
	if len(b) == 0 {
		return nil
	}
	out := make([]record.LSMSD, len(b)/2)
	for i := range out {
		out[i] = record.LSMSD{Type: b[2*i], Value: b[2*i+1]}
	}
	return out
}

// appNames names the standard application bits of an ASLA SABM (RFC 8919 registry).
func appNames(sabm []byte) []string {
	var out []string
	for i, name := range [4]string{"rsvp-te", "sr-policy", "lfa", "flex-algo"} {
		if len(sabm) > 0 && sabm[0]&(0x80>>i) != 0 {
			out = append(out, name)
		}
	}
	return out
}

// convertLSAttr converts a decoded BGP-LS Attribute. proto (the NLRI's protocol ID)
// selects the flag names of the SR TLVs, whose bits differ between IS-IS and OSPF.
func convertLSAttr(a *bgp.LSAttr, proto uint8) record.LSAttrFields {
	var f record.LSAttrFields
	f.RouterID, f.RouterIDv6 = pickAddr(a.LocalIPv4RouterID, a.LocalIPv6RouterID)
	f.RemoteRouterID, f.RemoteRouterIDv6 = pickAddr(a.RemoteIPv4RouterID, a.RemoteIPv6RouterID)
	convertNode(&f, a, proto)
	convertLink(&f, a, proto)
	convertPrefix(&f, a, proto)
	f.UnknownAttrTLVs = tlvList(nil, a.Unknown)
	return f
}

// pickAddr returns the IPv4 address, else the IPv6 one, and the IPv6 one as second value
// only when both are present.
func pickAddr(v4, v6 netip.Addr) (netip.Addr, netip.Addr) {
	if v4.IsValid() {
		return v4, v6
	}
	return v6, netip.Addr{}
}

func convertNode(f *record.LSAttrFields, a *bgp.LSAttr, proto uint8) {
	if a.HasNodeFlags {
		f.NodeFlags = &record.FlagSet{Layout: record.FlagsNode, Value: a.NodeFlags}
	}
	f.Name = string(a.NodeName)
	if c := a.SRCapabilities; c != nil {
		layout := record.FlagsRaw
		if isISIS(proto) {
			layout = record.FlagsSRCapISIS
		}
		sc := &record.LSSRCapability{Flags: record.FlagSet{Layout: layout, Value: c.Flags}}
		for _, r := range c.Ranges {
			sc.SubTLV = append(sc.SubTLV, record.LSSRCapRange{Range: r.Size, SID: r.First.Value})
		}
		f.SRCapabilities = sc
	}
	for _, alg := range a.SRAlgorithms {
		f.SRAlgorithm = append(f.SRAlgorithm, uint32(alg))
	}
	if lb := a.SRLocalBlock; lb != nil {
		rl := &record.LSSRLocalBlock{Flags: lb.Flags}
		for _, r := range lb.Ranges {
			sr := record.LSSRLBRange{RangeSize: r.Size}
			if r.First.IsLabel {
				sr.Label = ptr(r.First.Value)
			} else {
				sr.Index = ptr(r.First.Value)
			}
			rl.Subranges = append(rl.Subranges, sr)
		}
		f.SRLocalBlock = rl
	}
	if a.HasSRv6Cap {
		f.SRv6Capabilities = &record.LSSRv6Capabilities{OFlag: a.SRv6CapFlags&0x4000 != 0, Flags: a.SRv6CapFlags}
	}
	f.NodeMSD = msdList(a.NodeMSD)
	for i := range a.FlexAlgoDefs {
		d := &a.FlexAlgoDefs[i]
		fd := record.LSFlexAlgoDef{FlexAlgo: d.Algorithm, MetricType: d.MetricType, CalcType: d.CalcType, Priority: d.Priority}
		if d.ExcludeAny != nil || d.IncludeAny != nil || d.IncludeAll != nil || d.Flags != nil || d.ExcludeSRLG != nil || d.SubTLVs != nil {
			st := &record.LSFADSubTLV{ExcludeAny: d.ExcludeAny, IncludeAny: d.IncludeAny, IncludeAll: d.IncludeAll,
				ExcludeSRLG: d.ExcludeSRLG, Unknown: tlvList(nil, d.SubTLVs)}
			if len(d.Flags) > 0 {
				st.Flags = &record.FlagSet{Layout: record.FlagsFAD, Value: d.Flags[0]}
			}
			fd.SubTLV = st
		}
		f.FlexAlgoDefinition = append(f.FlexAlgoDefinition, fd)
	}
	f.OpaqueNode = hexList(a.OpaqueNode)
}

func convertLink(f *record.LSAttrFields, a *bgp.LSAttr, proto uint8) {
	if a.HasIGPMetric {
		f.IGPMetric = ptr(a.IGPMetric)
	}
	if a.HasAdminGroup {
		f.AdminGroup = ptr(a.AdminGroup)
	}
	if a.HasMaxLinkBW {
		f.MaxLinkBW, f.MaxLinkBWKbps = ptr(bps(a.MaxLinkBW, 1)), ptr(bps(a.MaxLinkBW, 1000))
	}
	if a.HasMaxResvBW {
		f.MaxResvBW, f.MaxResvBWKbps = ptr(bps(a.MaxResvBW, 1)), ptr(bps(a.MaxResvBW, 1000))
	}
	if a.HasUnreservedBW {
		f.UnresvBW, f.UnresvBWKbps = make([]uint64, 8), make([]uint64, 8)
		for i, b := range a.UnreservedBW {
			f.UnresvBW[i], f.UnresvBWKbps[i] = bps(b, 1), bps(b, 1000)
		}
	}
	if a.HasTEDefaultMetric {
		f.TEDefaultMetric = ptr(a.TEDefaultMetric)
	}
	if a.HasLinkProtection {
		f.LinkProtection = ptr(a.LinkProtection)
	}
	if a.HasMPLSProtoMask {
		f.MPLSProtoMask = ptr(a.MPLSProtoMask)
	}
	f.SRLG = a.SRLG
	f.LinkName = string(a.LinkName)
	adjLayout := record.FlagsRaw
	switch {
	case isISIS(proto):
		adjLayout = record.FlagsAdjISIS
	case isOSPF(proto):
		adjLayout = record.FlagsAdjOSPF
	}
	for _, s := range a.AdjSIDs {
		f.LSAdjacencySID = append(f.LSAdjacencySID, record.LSAdjSID{Flags: record.FlagSet{Layout: adjLayout, Value: s.Flags},
			Weight: s.Weight, SID: s.SID.Value, NeighborID: igpRouterID(s.NeighborID)})
	}
	peer := func(p *bgp.LSPeerSID) *record.LSPeerSID {
		if p == nil {
			return nil
		}
		return &record.LSPeerSID{Flags: record.FlagSet{Layout: record.FlagsPeerSID, Value: p.Flags}, Weight: p.Weight, SID: p.SID.Value}
	}
	f.PeerNodeSID, f.PeerAdjSID, f.PeerSetSID = peer(a.PeerNodeSID), peer(a.PeerAdjSID), peer(a.PeerSetSID)
	for i := range a.SRv6EndX {
		e := &a.SRv6EndX[i]
		re := record.LSSRv6EndXSID{EndpointBehavior: e.Behavior, Flags: record.FlagSet{Layout: record.FlagsSRv6, Value: e.Flags},
			Algorithm: e.Algorithm, Weight: e.Weight, NeighborID: igpRouterID(e.NeighborID), SID: e.SID, Unknown: tlvList(nil, e.SubTLVs)}
		if e.HasStructure {
			re.SIDStructure = &record.LSSRv6SIDStructure{LocatorBlock: e.Structure.LocatorBlock, LocatorNode: e.Structure.LocatorNode,
				Function: e.Structure.Function, Argument: e.Structure.Argument}
		}
		f.SRv6EndXSID = append(f.SRv6EndXSID, re)
	}
	f.LinkMSD = msdList(a.LinkMSD)
	for _, s := range a.ASLAs {
		attrs := convertLSAttr(s.Attrs, proto)
		f.AppSpecLinkAttr = append(f.AppSpecLinkAttr, record.LSASLA{SABMLength: uint8(len(s.SABM)), UDABMLength: uint8(len(s.UDABM)),
			SABM: hex.EncodeToString(s.SABM), UDABM: hex.EncodeToString(s.UDABM), Applications: appNames(s.SABM), Attributes: &attrs})
	}
	if d := a.UnidirDelay; d != nil {
		f.UnidirLinkDelay, f.UnidirLinkDelayAnomalous = ptr(d.Value), d.Anomalous
	}
	if a.MinDelay != nil {
		f.UnidirLinkDelayMinMax = []uint32{a.MinDelay.Value, a.MaxDelay.Value}
		f.UnidirMinMaxAnomalous = a.MinDelay.Anomalous
	}
	f.UnidirDelayVariation = a.DelayVariation
	if l := a.LinkLoss; l != nil {
		f.UnidirPacketLoss, f.UnidirPacketLossAnomalous = ptr(l.Value), l.Anomalous
	}
	bw := func(v *float32) *uint64 {
		if v == nil {
			return nil
		}
		return ptr(bps(*v, 1))
	}
	f.UnidirResidualBW, f.UnidirAvailableBW, f.UnidirBWUtilization = bw(a.ResidualBW), bw(a.AvailableBW), bw(a.UtilizedBW)
	f.OpaqueLink = hexList(a.OpaqueLink)
}

func convertPrefix(f *record.LSAttrFields, a *bgp.LSAttr, proto uint8) {
	if a.HasIGPFlags {
		f.IGPFlags = &record.FlagSet{Layout: record.FlagsIGP, Value: a.IGPFlags}
	}
	f.RouteTag, f.ExtRouteTag = a.RouteTags, a.ExtRouteTags
	if a.HasPrefixMetric {
		f.PrefixMetric = ptr(a.PrefixMetric)
	}
	f.OSPFFwdAddr = a.OSPFFwdAddr
	if len(a.PrefixSIDs) > 0 || a.PrefixAttrFlags != nil || a.SourceRouterID.IsValid() {
		sidLayout, attrLayout := record.FlagsRaw, record.FlagsRaw
		switch proto {
		case bgp.LSProtoISISL1, bgp.LSProtoISISL2:
			sidLayout, attrLayout = record.FlagsPrefixSIDISIS, record.FlagsPrefixAttrISIS
		case bgp.LSProtoOSPFv2:
			sidLayout, attrLayout = record.FlagsPrefixSIDOSPF, record.FlagsPrefixAttrOSPF
		case bgp.LSProtoOSPFv3:
			sidLayout, attrLayout = record.FlagsPrefixSIDOSPF, record.FlagsPrefixAttrOSPFv3
		}
		p := &record.LSPrefixAttrTLVs{SourceRouterID: a.SourceRouterID}
		for _, s := range a.PrefixSIDs {
			p.LSPrefixSID = append(p.LSPrefixSID, record.LSPrefixSID{Flags: record.FlagSet{Layout: sidLayout, Value: s.Flags},
				Algo: s.Algorithm, SID: s.SID.Value})
		}
		if len(a.PrefixAttrFlags) > 0 {
			p.Flags = &record.FlagSet{Layout: attrLayout, Value: a.PrefixAttrFlags[0]}
		}
		f.PrefixAttrTLVs = p
	}
	for _, m := range a.FlexAlgoPrefixMetrics {
		f.FlexAlgoPrefixMetric = append(f.FlexAlgoPrefixMetric, record.LSFlexAlgoPrefixMetric{FlexAlgo: m.Algorithm, Flags: m.Flags, Metric: m.Metric})
	}
	if l := a.SRv6Locator; l != nil {
		f.SRv6Locator = &record.LSSRv6Locator{Flags: record.FlagSet{Layout: record.FlagsSRv6Locator, Value: l.Flags},
			Algo: l.Algorithm, Metric: l.Metric, SubTLVs: tlvList(nil, l.SubTLVs)}
	}
	f.OpaquePrefix = hexList(a.OpaquePrefix)
	if e := a.SRv6Endpoint; e != nil {
		f.SRv6EndpointBehavior = &record.LSSRv6EndpointBehavior{EndpointBehavior: e.Behavior, Flag: e.Flags, Algo: e.Algorithm}
	}
	if p := a.SRv6PeerNodeSID; p != nil {
		f.SRv6BGPPeerNodeSID = &record.LSSRv6BGPPeerNodeSID{Flags: record.FlagSet{Layout: record.FlagsSRv6, Value: p.Flags},
			Weight: p.Weight, PeerASN: p.PeerAS, PeerID: p.PeerBGPID}
	}
	if s := a.SRv6SIDStructure; s != nil {
		f.SRv6SIDStructure = &record.LSSRv6SIDStructure{LocatorBlock: s.LocatorBlock, LocatorNode: s.LocatorNode,
			Function: s.Function, Argument: s.Argument}
	}
}

// areaID renders the area_id of link, prefix and SRv6 SID records (goBMP's rules): the
// OSPF area as a decimal number, the local AS for BGP, else "0" ("" for SRv6 SIDs).
func areaID(proto uint8, d *bgp.LSNodeDescriptor, srv6 bool) string {
	switch {
	case isOSPF(proto) && d.HasOSPFAreaID:
		return strconv.FormatUint(uint64(d.OSPFAreaID), 10)
	case srv6:
		return ""
	case proto == bgp.LSProtoBGP && d.HasASN:
		return strconv.FormatUint(uint64(d.ASN), 10)
	}
	return "0"
}
