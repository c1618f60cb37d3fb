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
	RegisterFamily(Family{Decode: rtcDecode, EndOfRIB: rtcEndOfRIB}, bgp.Family{AFI: bgp.AFIIPv4, SAFI: bgp.SAFIRTC})
}

func rtcEndOfRIB(c *Ctx, h record.Head, f bgp.Family) (record.Encoder, record.Type, bool) {
	ipv4 := f.AFI == bgp.AFIIPv4
	r := &vpnStateOf(c).rt
	*r = record.RTCPrefix{Head: h, RouterFields: c.Router, PeerFields: c.PeerFields, RIBFlags: c.RIB, IsIPv4: ipv4}
	r.IsEOR, r.AFI, r.SAFI = true, f.AFI, f.SAFI
	return r, record.TypeRTC, ipv4
}

func rtcDecode(c *Ctx, sec *Section) error {
	st := vpnStateOf(c)
	ipv4 := sec.Family.AFI == bgp.AFIIPv4
	err := decodeSection(c, sec, func(addPath bool) error {
		var err error
		st.rtc, err = bgp.DecodeRTC(sec.NLRI, addPath, st.rtc[:0])
		return err
	})
	if err != nil {
		return err
	}
	r := &st.rt
	*r = record.RTCPrefix{RouterFields: c.Router, PeerFields: c.PeerFields, RIBFlags: c.RIB, IsIPv4: ipv4}
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
		r.Hash = record.RTCHash(&c.s.parts, c.Router.RouterHash, c.PeerFields.PeerHash, rt.Length, rt.OriginAS, r.RouteTarget, rt.PathID)
		r.V4Fields = c.V4Fields(sec, i)
		c.Emit(r, record.TypeRTC, ipv4)
	}
	return nil
}
