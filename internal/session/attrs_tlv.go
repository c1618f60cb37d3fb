package session

import (
	"encoding/binary"
	"encoding/hex"
	"strconv"

	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// tlvScratch is reusable storage for the structured attributes of one UPDATE. The
// record slices point into it until the next UPDATE (the records are encoded before).
type tlvScratch struct {
	text    []byte
	ends    []int
	srgb    []record.SRGBRange
	subs    []record.SRv6SubTLV
	subsubs []record.SRv6SubSubTLV
}

// textList appends the n strings that appendOne(i) renders to dst. They are rendered into
// one buffer and share one string: one allocation for the whole list.
func (t *tlvScratch) textList(dst []string, n int, appendOne func([]byte, int) []byte) []string {
	if n == 0 {
		return dst
	}
	buf, ends := t.text[:0], t.ends[:0]
	for i := 0; i < n; i++ {
		buf = appendOne(buf, i)
		ends = append(ends, len(buf))
	}
	all := string(buf)
	start := 0
	for _, end := range ends {
		dst = append(dst, all[start:end])
		start = end
	}
	t.text, t.ends = buf, ends
	return dst
}

// fillTLVAttrs converts the extended communities (16), PMSI_TUNNEL (22), the IPv6
// extended communities (25), AIGP (26) and BGP Prefix-SID (40) into b, and the route-level
// color, origin validation state and prefix SID that goBMP writes on each route record.
// Attributes the bgp package discarded as malformed are logged (they stay in
// unknown_attributes).
func (s *Session) fillTLVAttrs(a *bgp.Attributes, b *record.BaseAttrs) {
	t := &s.scr.tlv
	b.ExtCommunities = t.textList(b.ExtCommunities, len(a.ExtCommunities), func(dst []byte, i int) []byte {
		return bgp.AppendExtCommunity(dst, a.ExtCommunities[i])
	})
	b.IPv6ExtCommunities = t.textList(b.IPv6ExtCommunities, len(a.IPv6ExtCommunities), func(dst []byte, i int) []byte {
		return bgp.AppendIPv6ExtCommunity(dst, a.IPv6ExtCommunities[i])
	})
	if p := a.PMSITunnel; p != nil {
		var id string
		if len(p.TunnelID) > 0 {
			id = string(p.AppendTunnelID(t.text[:0]))
		}
		b.SetPMSITunnel(record.PMSITunnel{Flags: p.Flags, TunnelType: p.TunnelType, TunnelTypeName: bgp.PMSITunnelTypeName(p.TunnelType),
			MPLSLabel: p.Label, RawLabel: p.RawLabel, TunnelID: id})
	}
	if a.AIGP != nil {
		out := b.UseAIGP()
		for _, tlv := range a.AIGP.TLVs {
			r := record.AIGPTLV{Type: tlv.Type, Length: uint16(len(tlv.Value) + 3)}
			if tlv.Type == bgp.AIGPTypeMetric {
				r.Value = binary.BigEndian.Uint64(tlv.Value) // 8 bytes: checked by bgp.DecodeAIGP
			} else {
				r.UnknownValue = hex.EncodeToString(tlv.Value)
			}
			out.TLVs = append(out.TLVs, r)
		}
	}
	if a.PrefixSID != nil {
		t.fillPrefixSID(a.PrefixSID, b)
	}
	if c, ok := a.Color(); ok {
		b.SetRouteColor(c)
	}
	if st, ok := a.OriginValidation(); ok {
		b.RouteOriginValidation = bgp.OriginValidationStateName(st)
		if b.RouteOriginValidation == "" {
			b.RouteOriginValidation = "unknown=" + strconv.Itoa(int(st))
		}
	}
	for _, m := range a.Malformed {
		h := &s.msg.Peer
		s.logf("router=%s peer=%s peer_type=%d event=attribute_discarded attr_type=%d %s err=%q",
			s.id, h.Address, h.Type, m.Type, bgpOffset(m.Err, rmUpdateOffset), m.Err)
	}
}

// fillPrefixSID converts the BGP Prefix-SID into base_attrs' bgp_prefix_sid (every TLV)
// and the per-route prefix_sid (the first TLV of each kind).
func (t *tlvScratch) fillPrefixSID(p *bgp.PrefixSID, b *record.BaseAttrs) {
	t.srgb, t.subs, t.subsubs = t.srgb[:0], t.subs[:0], t.subsubs[:0]
	out := b.UseBGPPrefixSID()
	for i := range p.TLVs {
		in := &p.TLVs[i]
		r := record.PrefixSIDTLV{Type: in.Type, Length: uint16(len(in.Value))}
		switch in.Type {
		case bgp.PrefixSIDLabelIndex:
			r.LabelIndex = record.TLVLabelIndex{Flags: in.LabelIndex.Flags, LabelIndex: in.LabelIndex.LabelIndex}
		case bgp.PrefixSIDOriginatorSRGB:
			start := len(t.srgb)
			for _, g := range in.SRGB {
				t.srgb = append(t.srgb, record.SRGBRange{Base: g.Base, Range: g.Range})
			}
			r.OriginatorSRGB = record.TLVOriginatorSRGB{Flags: in.SRGBFlags, Ranges: t.srgb[start:len(t.srgb):len(t.srgb)]}
		case bgp.PrefixSIDSRv6L3Service:
			r.SRv6L3Service = t.service(&in.Service)
		case bgp.PrefixSIDSRv6L2Service:
			r.SRv6L2Service = t.service(&in.Service)
		default:
			r.UnknownValue = hex.EncodeToString(in.Value)
		}
		out.TLVs = append(out.TLVs, r)
	}
	// Per-route: the first TLV of each kind, pointing into out (no longer appended to).
	route := b.UseRoutePrefixSID()
	for i := range out.TLVs {
		r := &out.TLVs[i]
		switch r.Type {
		case bgp.PrefixSIDLabelIndex:
			if route.LabelIndex == nil {
				route.SetLabelIndex(record.LabelIndex{Flags: r.LabelIndex.Flags, LabelIndex: r.LabelIndex.LabelIndex})
			}
		case bgp.PrefixSIDOriginatorSRGB:
			if route.OriginatorSRGB == nil {
				srgb := route.SRGBStorage()
				for _, g := range r.OriginatorSRGB.Ranges {
					srgb = append(srgb, record.SRGB{First: g.Base, Number: g.Range})
				}
				route.SetOriginatorSRGB(r.OriginatorSRGB.Flags, srgb)
			}
		case bgp.PrefixSIDSRv6L3Service:
			if route.SRv6L3Service == nil {
				route.SRv6L3Service = &r.SRv6L3Service
			}
		case bgp.PrefixSIDSRv6L2Service:
			if route.SRv6L2Service == nil {
				route.SRv6L2Service = &r.SRv6L2Service
			}
		}
	}
}

// service converts an SRv6 service TLV; its slices point into t.
func (t *tlvScratch) service(in *bgp.SRv6Service) record.SRv6Service {
	start := len(t.subs)
	for i := range in.SubTLVs {
		s := &in.SubTLVs[i]
		r := record.SRv6SubTLV{Type: s.Type}
		if s.Type == bgp.SRv6SIDInformation {
			r.Info = record.SRv6SIDInfo{SID: s.SID, Flags: s.SIDFlags, EndpointBehavior: s.EndpointBehavior}
			ss := len(t.subsubs)
			for _, x := range s.SubSubTLVs {
				rx := record.SRv6SubSubTLV{Type: x.Type}
				if x.Type == bgp.SRv6SIDStructure {
					st := x.Structure
					rx.Structure = record.SRv6SIDStructure{LocatorBlockLength: st.LocatorBlockLen, LocatorNodeLength: st.LocatorNodeLen,
						FunctionLength: st.FunctionLen, ArgumentLength: st.ArgumentLen, TranspositionLength: st.TranspositionLen,
						TranspositionOffset: st.TranspositionOffset}
				} else {
					rx.Value = hex.EncodeToString(x.Value)
				}
				t.subsubs = append(t.subsubs, rx)
			}
			r.Info.SubSubTLVs = t.subsubs[ss:len(t.subsubs):len(t.subsubs)]
		} else {
			r.Value = hex.EncodeToString(s.Value)
		}
		t.subs = append(t.subs, r)
	}
	return record.SRv6Service{SubTLVs: t.subs[start:len(t.subs):len(t.subs)]}
}
