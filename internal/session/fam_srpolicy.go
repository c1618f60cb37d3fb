package session

import (
	"fmt"

	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// SR Policy (RFC 9830): IPv4 and IPv6 (SAFI 73). Each NLRI becomes one sr_policy
// record; on announcements the record carries the candidate path decoded from the
// Tunnel Encapsulation attribute's SR Policy tunnel, shared by the NLRI of the UPDATE.
func init() {
	RegisterFamily(Family{Decode: srPolicyDecode, EndOfRIB: srPolicyEndOfRIB},
		bgp.Family{AFI: bgp.AFIIPv4, SAFI: bgp.SAFISRPolicy}, bgp.Family{AFI: bgp.AFIIPv6, SAFI: bgp.SAFISRPolicy})
}

func srPolicyEndOfRIB(c *Ctx, h record.Head, f bgp.Family) (record.Encoder, record.Type, bool) {
	ipv4 := f.AFI == bgp.AFIIPv4
	return &record.SRPolicy{Head: h, RouterFields: c.Router, PeerFields: c.PeerFields, RIBFlags: c.RIB, IsIPv4: ipv4,
		EORFields: record.EORFields{IsEOR: true, AFI: f.AFI, SAFI: f.SAFI}}, record.TypeSRPolicy, ipv4
}

func srPolicyDecode(c *Ctx, sec *Section) error {
	f := sec.Family
	ipv4 := f.AFI == bgp.AFIIPv4
	if len(sec.NLRI) == 0 {
		return nil
	}
	var nlri []bgp.SRPolicyNLRI
	err := decodeSection(c, sec, func(addPath bool) error {
		var err error
		nlri, err = bgp.DecodeSRPolicy(sec.NLRI, f.AFI, addPath, nlri[:0])
		return err
	})
	if err != nil {
		return err
	}
	var cp *record.SRPolicyCandidatePath
	malformed := false
	if sec.Announce {
		if v, ok := tunnelEncapValue(&c.Update.Attrs); ok {
			te, err := bgp.DecodeTunnelEncap(v)
			if err != nil {
				// The routes are still published, flagged; the error is counted and logged.
				malformed = true
				c.AttrError(f, fmt.Errorf("Tunnel Encapsulation attribute of SR Policy routes (offset in the attribute value): %w", err))
			} else {
				cp = candidatePathRecord(te.SRPolicy())
			}
		}
	}
	for i := range nlri {
		n := &nlri[i]
		r := record.SRPolicy{Head: record.Head{Action: record.ActionDel, Sequence: c.Sequence()},
			RouterFields: c.Router, PeerFields: c.PeerFields, RIBFlags: c.RIB, IsIPv4: ipv4,
			Distinguisher: n.Distinguisher, Color: n.Color, Endpoint: n.Endpoint}
		if n.HasPathID {
			r.SetPathID(n.PathID)
		}
		if sec.Announce {
			r.Action = record.ActionAdd
			r.BaseAttrs = c.Attrs
			r.Nexthop, r.IsNexthopIPv4 = sec.NextHop, sec.NextHop.Is4()
			r.SRPolicyCandidatePath, r.TunnelEncapMalformed = cp, malformed
			if c.HasOriginAS {
				r.SetOriginAS(c.OriginAS)
			}
		}
		r.V4Fields = c.V4Fields(sec, i)
		c.Emit(&r, record.TypeSRPolicy, ipv4)
	}
	return nil
}

// tunnelEncapValue returns the value of the UPDATE's Tunnel Encapsulation attribute,
// which package bgp keeps raw (Attributes.Unknown).
func tunnelEncapValue(a *bgp.Attributes) ([]byte, bool) {
	for _, u := range a.Unknown {
		if u.Type == bgp.AttrTunnelEncap {
			return u.Value, true
		}
	}
	return nil, false
}
