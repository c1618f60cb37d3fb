package session

import (
	"encoding/hex"

	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// FlowSpec (RFC 8955, RFC 8956): IPv4 and IPv6, plain (SAFI 133) and VPN (SAFI 134).
// Each NLRI becomes one flowspec record; an MP_UNREACH_NLRI without NLRI (an End-of-RIB,
// or goBMP's "withdraw-all") becomes one record with goBMP's withdraw-all spec_hash.
func init() {
	RegisterFamily(Family{Decode: flowspecDecode, EndOfRIB: flowspecEndOfRIB},
		bgp.Family{AFI: bgp.AFIIPv4, SAFI: bgp.SAFIFlowspec}, bgp.Family{AFI: bgp.AFIIPv6, SAFI: bgp.SAFIFlowspec},
		bgp.Family{AFI: bgp.AFIIPv4, SAFI: bgp.SAFIFlowVPN}, bgp.Family{AFI: bgp.AFIIPv6, SAFI: bgp.SAFIFlowVPN})
}

// flowspecWithdrawAll is the record of an MP_UNREACH_NLRI without NLRI: an End-of-RIB
// (eor) or goBMP's "withdraw-all", with goBMP's withdraw-all spec_hash.
func flowspecWithdrawAll(c *Ctx, h record.Head, f bgp.Family, eor bool) *record.Flowspec {
	ipv4 := f.AFI == bgp.AFIIPv4
	rd := c.PeerFields.PeerRD
	if rd == "" {
		rd = "0:0" // a global instance peer (goBMP's text)
	}
	return &record.Flowspec{Head: h, RouterFields: c.Router, PeerFields: c.PeerFields, RIBFlags: c.RIB, IsIPv4: ipv4,
		SpecHash: record.FlowspecWithdrawAllKey(!ipv4, c.PeerFields.PeerIP, rd), EORFields: record.EORFields{IsEOR: eor, AFI: f.AFI, SAFI: f.SAFI}}
}

func flowspecEndOfRIB(c *Ctx, h record.Head, f bgp.Family) (record.Encoder, record.Type, bool) {
	return flowspecWithdrawAll(c, h, f, true), record.TypeFlowspec, f.AFI == bgp.AFIIPv4
}

func flowspecDecode(c *Ctx, sec *Section) error {
	f := sec.Family
	ipv4 := f.AFI == bgp.AFIIPv4
	if !sec.Announce && len(sec.NLRI) == 0 {
		c.Emit(flowspecWithdrawAll(c, record.Head{Action: record.ActionDel, Sequence: c.Sequence()}, f, false), record.TypeFlowspec, ipv4)
		return nil
	}
	if len(sec.NLRI) == 0 {
		return nil // an MP_REACH_NLRI without NLRI: nothing announced
	}
	var rules []bgp.FlowspecRule
	err := decodeSection(c, sec, func(addPath bool) error {
		var err error
		rules, err = bgp.DecodeFlowspec(sec.NLRI, f, addPath, rules[:0])
		return err
	})
	if err != nil {
		return err
	}
	var actions []record.FlowspecAction
	if sec.Announce {
		actions = flowspecActions(&c.Update.Attrs)
	}
	var hash [16]byte
	var rdBuf [32]byte
	for i := range rules {
		fr := &rules[i]
		r := record.Flowspec{Head: record.Head{Sequence: c.Sequence()}, RouterFields: c.Router, PeerFields: c.PeerFields,
			RIBFlags: c.RIB, IsIPv4: ipv4, Rule: fr.Rule(), Spec: flowspecComponents(fr)}
		var rd []byte
		if fr.HasRD {
			rd = fr.AppendRD(rdBuf[:0])
			r.RD = string(rd)
		}
		hash = record.FlowspecSpecHash(rd, !ipv4, fr.Raw)
		r.SpecHash = hex.EncodeToString(hash[:])
		if fr.HasPathID {
			r.SetPathID(fr.PathID)
		}
		if sec.Announce {
			r.Action = record.ActionAdd
			r.BaseAttrs = c.Attrs
			r.Nexthop, r.IsNexthopIPv4 = sec.NextHop, sec.NextHop.Is4()
			r.Actions = actions
			if c.HasOriginAS {
				r.SetOriginAS(c.OriginAS)
			}
		} else {
			r.Action = record.ActionDel
		}
		r.V4Fields = c.V4Fields(sec, i)
		c.Emit(&r, record.TypeFlowspec, ipv4)
	}
	return nil
}

// flowspecComponents converts a rule's components for its record.
func flowspecComponents(fr *bgp.FlowspecRule) []record.FlowspecComponent {
	out := make([]record.FlowspecComponent, len(fr.Components))
	for i := range fr.Components {
		c := &fr.Components[i]
		rc := &out[i]
		rc.Type, rc.Name = c.Type, bgp.FlowspecComponentName(c.Type)
		if c.Type == bgp.FlowspecDstPrefix || c.Type == bgp.FlowspecSrcPrefix {
			rc.Prefix, rc.PrefixLen, rc.Offset = c.Prefix.Addr(), uint8(c.Prefix.Bits()), c.Offset
			continue
		}
		bitmask := bgp.FlowspecIsBitmask(c.Type)
		rc.OpValPairs = make([]record.FlowspecOpVal, len(c.Ops))
		for j, o := range c.Ops {
			op := record.FlowspecOperator{EndOfList: o.End(), And: o.And(), ValueLength: uint8(o.ValueLen())}
			if bitmask {
				op.Not, op.Match = o.Op&bgp.FlowspecOpNot != 0, o.Op&bgp.FlowspecOpMatch != 0
			} else {
				op.LessThan, op.GreaterThan, op.Equal = o.Op&bgp.FlowspecOpLT != 0, o.Op&bgp.FlowspecOpGT != 0, o.Op&bgp.FlowspecOpEQ != 0
			}
			rc.OpValPairs[j] = record.FlowspecOpVal{Operator: op, Value: o.Value}
		}
	}
	return out
}

// flowspecActions decodes the traffic filtering actions of an UPDATE: its extended
// communities, then its IPv6 address specific extended communities (attribute 25, read
// raw from the attributes package bgp does not decode).
func flowspecActions(a *bgp.Attributes) []record.FlowspecAction {
	var acts []bgp.FlowspecAction
	acts = bgp.AppendFlowspecActions(acts, a.ExtCommunities)
	for _, ec := range a.IPv6ExtCommunities {
		if act, ok := bgp.FlowspecIPv6ActionOf(ec); ok {
			acts = append(acts, act)
		}
	}
	if len(acts) == 0 {
		return nil
	}
	out := make([]record.FlowspecAction, len(acts))
	for i := range acts {
		a := &acts[i]
		ra := &out[i]
		ra.Type = a.Kind.String()
		switch a.Kind {
		case bgp.FlowspecRateBytes, bgp.FlowspecRatePackets:
			ra.AS, ra.Rate, ra.RateText = a.AS, a.Rate, record.FlowspecRateText(a.Rate)
			if ra.RateText != "" {
				ra.Rate = 0
			}
		case bgp.FlowspecTrafficAction:
			ra.TerminalAction, ra.Sample = a.Terminal, a.Sample
		case bgp.FlowspecRedirect:
			ra.Target = string(a.AppendTarget(nil))
			ra.AS, ra.Address, ra.Local = a.AS, a.Address, a.Local
		case bgp.FlowspecTrafficMarking:
			ra.DSCP = a.DSCP
		case bgp.FlowspecRedirectToIP:
			ra.Target, ra.Address, ra.Copy = string(a.AppendTarget(nil)), a.Address, a.Copy
		case bgp.FlowspecRedirectToNextHop:
			ra.Copy = a.Copy
		}
	}
	return out
}
