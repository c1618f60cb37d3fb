package session

import (
	"encoding/hex"

	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// tunnelEncapRecord converts a decoded Tunnel Encapsulation attribute (bgp.DecodeTunnelEncap)
// for its rendering (record.TunnelEncap.AppendJSON), e.g. as base_attrs "tunnel_encap".
func tunnelEncapRecord(te *bgp.TunnelEncap) *record.TunnelEncap {
	out := &record.TunnelEncap{Tunnels: make([]record.TunnelEncapTLV, len(te.Tunnels))}
	for i := range te.Tunnels {
		t := &te.Tunnels[i]
		r := &out.Tunnels[i]
		r.TunnelType, r.TunnelTypeName = t.Type, bgp.TunnelTypeName(t.Type)
		if t.HasEncapsulation {
			r.Encapsulation = hex.EncodeToString(t.Encapsulation)
		}
		if t.HasProtocolType {
			v := t.ProtocolType
			r.ProtocolType = &v
		}
		r.Colors = append([]uint32(nil), t.Colors...)
		if t.HasEgressEndpoint {
			e := &record.TunnelEgressEndpoint{Address: t.EgressEndpoint}
			switch {
			case t.EgressEndpoint.Is4():
				e.AFI = bgp.AFIIPv4
			case t.EgressEndpoint.Is6():
				e.AFI = bgp.AFIIPv6
			}
			r.EgressEndpoint = e
		}
		if t.HasDSField {
			v := t.DSField
			r.DSField = &v
		}
		if t.HasUDPDestPort {
			v := t.UDPDestPort
			r.UDPDestPort = &v
		}
		if t.HasEmbeddedLabel {
			v := t.EmbeddedLabel
			r.EmbeddedLabel = &v
		}
		for _, m := range t.MPLSLabelStack {
			r.MPLSLabelStack = append(r.MPLSLabelStack, mplsSIDRecord(m))
		}
		if t.SRPolicy != nil {
			r.SRPolicy = candidatePathRecord(t.SRPolicy)
		}
		r.Unknown = rawSubTLVRecords(t.Unknown)
	}
	return out
}

// candidatePathRecord converts an SR Policy tunnel's content (nil gives nil).
func candidatePathRecord(cp *bgp.SRPolicyCandidatePath) *record.SRPolicyCandidatePath {
	if cp == nil {
		return nil
	}
	out := &record.SRPolicyCandidatePath{PolicyName: cp.PolicyName, PolicyPathName: cp.CandidatePathName}
	out.BindingSID = bindingSIDRecord(cp.BindingSID)
	out.SRv6BindingSID = bindingSIDRecord(cp.SRv6BindingSID)
	if cp.HasPreference {
		out.Preference = &record.SRPolicyPreference{Flags: cp.PreferenceFlags, Preference: cp.Preference}
	}
	if cp.HasPriority {
		v := cp.Priority
		out.Priority = &v
	}
	if cp.HasENLP {
		out.ENLP = &record.SRPolicyENLP{Flags: cp.ENLPFlags, ENLP: cp.ENLP}
	}
	for i := range cp.SegmentLists {
		sl := &cp.SegmentLists[i]
		rl := record.SRPolicySegmentList{Unknown: rawSubTLVRecords(sl.Unknown)}
		if sl.HasWeight {
			rl.Weight = &record.SRPolicyWeight{Flags: sl.WeightFlags, Weight: sl.Weight}
		}
		for j := range sl.Segments {
			rl.Segments = append(rl.Segments, segmentRecord(&sl.Segments[j]))
		}
		out.SegmentLists = append(out.SegmentLists, rl)
	}
	return out
}

func bindingSIDRecord(b *bgp.SRPolicyBindingSID) *record.SRPolicyBindingSID {
	if b == nil {
		return nil
	}
	out := &record.SRPolicyBindingSID{SFlag: b.Flags&bgp.SRBSIDFlagS != 0, IFlag: b.Flags&bgp.SRBSIDFlagI != 0,
		BFlag: b.Flags&bgp.SRBSIDFlagB != 0, SRv6SID: b.SID}
	if b.HasLabel {
		v := b.Label
		out.Label = &v
	}
	if b.HasBehavior {
		out.EndpointBehavior = behaviorRecord(b.Behavior)
	}
	return out
}

func behaviorRecord(b bgp.SRPolicyBehavior) *record.SRPolicyBehavior {
	return &record.SRPolicyBehavior{Behavior: b.Behavior, BlockLen: b.BlockLen, NodeLen: b.NodeLen,
		FunctionLen: b.FunctionLen, ArgumentLen: b.ArgumentLen}
}

func mplsSIDRecord(m bgp.SRPolicyMPLSSID) record.SRPolicyMPLSSID {
	return record.SRPolicyMPLSSID{Label: m.Label, TC: m.TC, S: m.S, TTL: m.TTL}
}

func segmentRecord(s *bgp.SRPolicySegment) record.SRPolicySegment {
	out := record.SRPolicySegment{SegmentType: s.Type, Type: bgp.SRSegmentLetter(s.Type),
		Flags: record.SRPolicySegmentFlags{V: s.Flags&bgp.SRSegFlagV != 0, A: s.Flags&bgp.SRSegFlagA != 0,
			S: s.Flags&bgp.SRSegFlagS != 0, B: s.Flags&bgp.SRSegFlagB != 0},
		SRAlgorithm: s.SRAlgorithm, SRv6SID: s.SRv6SID, NodeAddress: s.NodeAddress,
		LocalInterfaceID: s.LocalInterfaceID, RemoteInterfaceID: s.RemoteInterfaceID,
		LocalAddress: s.LocalAddress, RemoteAddress: s.RemoteAddress}
	if s.HasMPLSSID {
		m := mplsSIDRecord(s.MPLSSID)
		out.SRPolicyMPLSSID = &m
	}
	if s.HasBehavior {
		out.EndpointBehavior = behaviorRecord(s.Behavior)
	}
	return out
}

func rawSubTLVRecords(raws []bgp.TunnelEncapSubTLV) []record.TunnelEncapRaw {
	if len(raws) == 0 {
		return nil
	}
	out := make([]record.TunnelEncapRaw, len(raws))
	for i, r := range raws {
		out[i] = record.TunnelEncapRaw{Type: r.Type, Value: hex.EncodeToString(r.Value)}
	}
	return out
}
