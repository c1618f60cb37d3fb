package session

import (
	"encoding/hex"

	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// RTC: Route Target Constraint (AFI 1, SAFI 132; RFC 4684), one rtc record per route.
// AFI 2 is left to unknown_nlri: the IPv6 route target drafts use longer route targets than
// RFC 4684's 8 bytes.

func init() {
	RegisterFamily(rtcHandler, bgp.Family{AFI: bgp.AFIIPv4, SAFI: bgp.SAFIRTC})
}

func rtcHandler(c *Ctx, sec *Section) bool {
	st := vpnStateOf(c)
	ipv4 := sec.Family.AFI == bgp.AFIIPv4
	r := &st.rt
	*r = record.RTCPrefix{RouterFields: c.Router, PeerFields: c.PeerFields, RIBFlags: c.RIB, IsIPv4: ipv4}
	if sec.EOR {
		r.Head = record.Head{Action: record.ActionDel, Sequence: c.Sequence()}
		r.IsEOR, r.AFI, r.SAFI = true, sec.Family.AFI, sec.Family.SAFI
		c.Emit(r, record.TypeRTC, ipv4)
		return true
	}
	ok := decodeSection(c, sec, func(addPath bool) error {
		var err error
		st.rtc, err = bgp.DecodeRTC(sec.NLRI, addPath, st.rtc[:0])
		return err
	})
	if !ok {
		return false
	}
	for i := range st.rtc {
		rt := &st.rtc[i]
		r.Head = record.Head{Action: record.ActionDel, Sequence: c.Sequence()}
		r.SetLength(rt.Length)
		r.OriginAS, r.RouteTarget, r.PathID = nil, "", nil
		if rt.Length >= 32 {
			r.SetOriginAS(rt.OriginAS)
		}
		switch {
		case rt.FullRouteTarget():
			r.RouteTarget = st.rtText(rt.RouteTarget)
		case rt.Length > 32:
			r.RouteTarget = hex.EncodeToString(rt.RouteTarget[:(int(rt.Length)-32+7)/8])
		}
		if rt.HasPathID {
			r.SetPathID(rt.PathID)
		}
		if sec.Announce {
			r.Action = record.ActionAdd
			r.BaseAttrs = c.Attrs
			r.Nexthop, r.IsNexthopIPv4 = sec.NextHop, sec.NextHop.Is4()
		}
		r.Hash = c.s.parts.Reset().Str("rtc").Str(c.Router.RouterHash).Str(c.PeerFields.PeerHash).
			Uint(uint64(rt.Length)).Uint(uint64(rt.OriginAS)).Str(r.RouteTarget).Uint(uint64(rt.PathID)).Sum()
		r.V4Fields = c.V4Fields(sec, i)
		c.Emit(r, record.TypeRTC, ipv4)
	}
	return true
}
