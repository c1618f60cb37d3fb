package session

import (
	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// vpnState is the reusable storage of the VPN family handlers (L3VPN, RTC, MCAST-VPN and
// SAFI 129, VPLS) of one session: decoded routes, one record per type, and text caches.
type vpnState struct {
	vpn  []bgp.VPNRoute
	rtc  []bgp.RTCRoute
	mvpn []bgp.MVPNRoute
	vpls []bgp.VPLSRoute

	l3  record.L3VPNPrefix
	rt  record.RTCPrefix
	mv  record.MVPNPrefix
	vp  record.VPLSPrefix
	lbl []uint32
	buf []byte

	// rds and rts map route distinguishers and route targets to their text: a router
	// sends many routes with the same few, so the strings are made once.
	rds map[bgp.RD]string
	rts map[[8]byte]string
	// rtList holds the route targets of the current VPLS section.
	rtList []string
}

// maxTextCache bounds each text cache; a full cache is emptied.
const maxTextCache = 4096

// vpnStateOf returns the session's VPN handler storage, its text caches made on first use.
func vpnStateOf(c *Ctx) *vpnState {
	st := &c.s.fam.vpn
	if st.rds == nil {
		st.rds, st.rts = make(map[bgp.RD]string), make(map[[8]byte]string)
	}
	return st
}

// rdText returns the text of a route distinguisher.
func (st *vpnState) rdText(rd bgp.RD) string {
	if s, ok := st.rds[rd]; ok {
		return s
	}
	if len(st.rds) >= maxTextCache {
		clear(st.rds)
	}
	st.buf = rd.AppendTo(st.buf[:0])
	s := string(st.buf)
	st.rds[rd] = s
	return s
}

// rtText returns the text of a route target extended community.
func (st *vpnState) rtText(ec [8]byte) string {
	if s, ok := st.rts[ec]; ok {
		return s
	}
	if len(st.rts) >= maxTextCache {
		clear(st.rts)
	}
	st.buf = bgp.AppendRouteTarget(st.buf[:0], ec)
	s := string(st.buf)
	st.rts[ec] = s
	return s
}

// decodeSection runs decode with the section's ADD-PATH setting and, when that fails, the
// opposite one (counted as an ADD-PATH mismatch). It returns the error of the negotiated
// setting when neither works: the handler returns it, and the session emits the section
// as an unknown_nlri record with the error.
func decodeSection(c *Ctx, sec *Section, decode func(addPath bool) error) error {
	used, mismatch, err := WithAddPathFallback(sec.AddPath, decode)
	return sectionDecoded(c, sec, used, mismatch, err)
}

// decodeSectionLenient is decodeSection for decoders with a lenient mode: decode(addPath,
// true) is tried, with both ADD-PATH settings, only when the strict decode fails with
// both.
func decodeSectionLenient(c *Ctx, sec *Section, decode func(addPath, lenient bool) error) error {
	used, mismatch, err := WithAddPathFallback(sec.AddPath, func(addPath bool) error { return decode(addPath, false) })
	if err != nil {
		u, m, err2 := WithAddPathFallback(sec.AddPath, func(addPath bool) error { return decode(addPath, true) })
		if err2 == nil {
			used, mismatch, err = u, m, nil
		}
	}
	return sectionDecoded(c, sec, used, mismatch, err)
}

func sectionDecoded(c *Ctx, sec *Section, used, mismatch bool, err error) error {
	if err != nil {
		return err
	}
	if mismatch {
		c.AddPathMismatch(sec.Family, used)
	}
	return nil
}
