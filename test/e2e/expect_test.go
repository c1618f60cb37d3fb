package e2e

import (
	"fmt"
	"strings"

	"github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/pkg/record"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// frame holds the session-level records of a BMP session.
type frame struct {
	init, locUp, peerUp, peerDown, locDown, term rec
}

// findFrame checks the positions of the session-level records: router init, Loc-RIB
// Peer Up and the peer's Peer Up first; the peer's Peer Down (when withPeerDown; else the
// one the collector synthesizes at the Termination), the Loc-RIB Peer Down and the
// Termination last; only routes in between. Statistics records
// are left out: GoBGP's statistics timer runs independently of its event queue, so a
// report may precede the Peer Up event or follow the Peer Down event by a few microseconds.
func (l *lab) findFrame(all []rec, withPeerDown bool) frame {
	t := l.t
	t.Helper()
	rs := filter(all, func(r rec) bool { return r.str("type") != "statistics" })
	if !withPeerDown && len(rs) >= 2 {
		// The peer is still up when the Termination comes: the collector synthesizes its
		// Peer Down just before the router term record (end_reason "termination").
		last := len(rs) - 1
		sd := rs[last-1]
		if !isPeer("down", 0, l.injAddr)(sd) || !sd.flag("synthesized") || sd.str("end_reason") != "termination" ||
			sd.has("timestamp") || sd.has("bmp_reason") {
			t.Fatalf("record %v is not the synthesized peer down of %s before the term%s", sd, l.injAddr, summary(rs, 12))
		}
		rs = append(rs[:last-1:last-1], rs[last])
	}
	if len(rs) < 6 {
		t.Fatalf("only %d records:%s", len(rs), summary(rs, 10))
	}
	last := len(rs) - 1
	f := frame{init: rs[0], locUp: rs[1], peerUp: rs[2], locDown: rs[last-1], term: rs[last]}
	type check struct {
		r     rec
		what  string
		match func(rec) bool
	}
	checks := []check{
		{f.init, "first: router init", isType("router", "init")},
		{f.locUp, "second: Loc-RIB peer up", isPeer("up", 3, "")},
		{f.peerUp, "third: peer up of " + l.injAddr, isPeer("up", 0, l.injAddr)},
		{f.locDown, "second from last: Loc-RIB peer down", isPeer("down", 3, "")},
		{f.term, "last: router term", isType("router", "term")},
	}
	end := last - 1
	if withPeerDown {
		f.peerDown, end = rs[last-2], last-2
		checks = append(checks, check{f.peerDown, "third from last: peer down of " + l.injAddr, isPeer("down", 0, l.injAddr)})
	}
	for _, c := range checks {
		if !c.match(c.r) {
			t.Fatalf("record %v is not the %s%s", c.r, c.what, summary(rs, 12))
		}
	}
	for _, r := range rs[3:end] {
		if r.str("type") != "unicast_prefix" {
			t.Errorf("unexpected record between the peer up and the peer down: %v", r)
		}
	}
	return f
}

// checkFrame checks the content of the session-level records.
func (l *lab) checkFrame(f frame) {
	t := l.t
	t.Helper()
	router := obj{"type": "router", "router_ip": routerAddr, "router_name": sysName, "bmp_version": 3,
		"router_port": f.init["router_port"]}
	if p := f.init.num("router_port"); p <= 0 || p > 65535 {
		t.Errorf("router_port %v", f.init["router_port"])
	}
	checkFields(t, "router init", f.init, merge(router, obj{"action": "init", "sys_name": sysName, "sys_descr": sysDescr}))
	// Termination reason 4: session permanently administratively closed (GoBGP's DeleteBmp).
	checkFields(t, "router term", f.term, merge(router, obj{"action": "term", "term_reason": 4,
		"term_reason_text": "Session permanently administratively closed"}))

	flags := func(loc bool) obj {
		return obj{"is_adj_rib_in_post_policy": false, "is_adj_rib_out_post_policy": false,
			"is_adj_rib_out": false, "is_loc_rib": loc, "is_loc_rib_filtered": false}
	}
	// RFC 9069: the Loc-RIB instance peer has a zero address, the router's AS and BGP ID,
	// and a table name. GoBGP fills its Peer Up with the same OPEN twice (4-octet AS 65001,
	// ADD-PATH send/receive for IPv4 and IPv6 unicast) and a zero local address and ports.
	loc := merge(flags(true), obj{"type": "peer", "router_ip": routerAddr, "router_name": sysName,
		"remote_ip": "0.0.0.0", "remote_asn": dutASN, "remote_bgp_id": dutID, "peer_type": 3,
		"peer_rd": "0:0", "is_ipv4": true, "table_name": "global"})
	checkFields(t, "Loc-RIB peer up", f.locUp, merge(loc, obj{"action": "up",
		"local_ip": "0.0.0.0", "local_port": 0, "remote_port": 0, "local_asn": dutASN, "local_bgp_id": dutID,
		"adv_holddown": 90, "remote_holddown": 90, "adv_cap": f.locUp["adv_cap"], "recv_cap": f.locUp["recv_cap"]}))
	for _, c := range []string{"adv_cap", "recv_cap"} {
		if got := fmt.Sprint(capability(f.locUp, c, 65), capability(f.locUp, c, 69)); got != "[0000fde9] [0001010300020103]" {
			t.Errorf("Loc-RIB peer up %s: 4-octet AS / ADD-PATH %s, want [0000fde9] [0001010300020103]", c, got)
		}
	}
	// Peer Down reason 6 (local system closed, TLV data follows) with the table name.
	checkFields(t, "Loc-RIB peer down", f.locDown, merge(loc, obj{"action": "down", "bmp_reason": 6,
		"bmp_reason_text": "Local system closed, TLV data follows", "info_data": "00030006" + fmt.Sprintf("%x", "global")}))

	peer := merge(flags(false), obj{"type": "peer", "router_ip": routerAddr, "router_name": sysName,
		"remote_ip": l.injAddr, "remote_asn": injASN, "remote_bgp_id": injID, "peer_type": 0,
		"peer_rd": "0:0", "is_ipv4": l.injAddr == injAddr})
	// local_ip is filled because the DUT's neighbour has Transport.LocalAddress; without
	// it, GoBGP 4.8 sends a zero local address in the Peer Up.
	checkFields(t, "peer up", f.peerUp, merge(peer, obj{"action": "up", "local_ip": l.dutAddr,
		"local_port": l.dutPort, "remote_port": f.peerUp["remote_port"], "local_asn": dutASN, "local_bgp_id": dutID,
		"adv_holddown": 90, "remote_holddown": 90, "adv_cap": f.peerUp["adv_cap"], "recv_cap": f.peerUp["recv_cap"]}))
	if p := f.peerUp.num("remote_port"); p <= 0 || p > 65535 || p == float64(l.dutPort) {
		t.Errorf("peer up remote_port %v: want the injector's ephemeral port", f.peerUp["remote_port"])
	}
	var mp []string // Multiprotocol capability values (AFI, 0, SAFI): the lab's families
	for _, fam := range l.families {
		mp = append(mp, fmt.Sprintf("%04x00%02x", fam.Afi(), fam.Safi()))
	}
	for c, as := range map[string]string{"adv_cap": "0000fde9", "recv_cap": "0000fdea"} {
		got := fmt.Sprint(capability(f.peerUp, c, 1), capability(f.peerUp, c, 65))
		if want := fmt.Sprintf("%v [%s]", mp, as); got != want {
			t.Errorf("peer up %s: multiprotocol / 4-octet AS %s, want %s", c, got, want)
		}
	}
	if f.peerDown != nil {
		// The injector's Cease / Administrative Shutdown with its RFC 9003 message:
		// reason 3 (remote system closed, NOTIFICATION follows).
		checkFields(t, "peer down", f.peerDown, merge(peer, obj{"action": "down", "bmp_reason": 3,
			"bmp_reason_text": "Remote system closed, NOTIFICATION PDU follows",
			"bmp_error_code":  6, "bmp_error_sub_code": 2,
			"error_text": "Cease: Administrative Shutdown: " + shutdownText,
			"info_data":  notificationHex(6, 2, shutdownText)}))
		if f.peerUp.str("hash") != f.peerDown.str("hash") || f.peerUp.str("peer_hash") != f.peerDown.str("peer_hash") {
			t.Errorf("peer up and down must share hash and peer_hash: %v / %v", js(f.peerUp), js(f.peerDown))
		}
	}
	if f.locUp.str("hash") != f.locDown.str("hash") || f.locUp.str("peer_hash") != f.locDown.str("peer_hash") {
		t.Errorf("Loc-RIB peer up and down must share hash and peer_hash: %v / %v", js(f.locUp), js(f.locDown))
	}
	if f.peerUp.str("peer_hash") == f.locUp.str("peer_hash") {
		t.Errorf("the peer and the Loc-RIB instance share peer_hash %s", f.peerUp.str("peer_hash"))
	}
}

// notificationHex is a BGP NOTIFICATION with an RFC 9003 shutdown message, in hex.
func notificationHex(code, sub int, msg string) string {
	n := 19 + 2 + 1 + len(msg)
	return strings.Repeat("ff", 16) + fmt.Sprintf("%04x03%02x%02x%02x%x", n, code, sub, len(msg), msg)
}

func merge(objs ...obj) obj {
	out := obj{}
	for _, o := range objs {
		for k, v := range o {
			out[k] = v
		}
	}
	return out
}

var originNames = []string{"igp", "egp", "incomplete"}

// wantRoute is the expected content of a route record of r in view ("pre", "post",
// "loc"), without the volatile fields; wantAttrs is its base_attrs (announcements only).
func (l *lab) wantRoute(r *route, view, action string) obj {
	v4 := r.family.Afi() == bgp.AFI_IP
	o := obj{"action": action, "prefix": r.prefix.Addr().String(), "prefix_len": r.prefix.Bits(), "is_ipv4": v4}
	o = merge(o, l.viewFields(view))
	if view == "loc" {
		// GoBGP 4.8 encodes every Loc-RIB NLRI with an ADD-PATH path ID (1: its one
		// best path per prefix); for IPv4/IPv6 unicast the Loc-RIB Peer Up declares it.
		o["path_id"] = 1
	}
	if r.label != 0 { // GoBGP withdraws labelled routes with their label, not 0x800000
		o["labels"] = []uint32{r.label}
	}
	if action == "add" {
		o = merge(o, obj{"origin_as": asPath[len(asPath)-1], "nexthop": r.nexthop.String(), "is_nexthop_ipv4": r.nexthop.Is4()})
	}
	return o
}

// viewFields are the per-peer and RIB fields of a route record of view.
func (l *lab) viewFields(view string) obj {
	o := obj{"type": "unicast_prefix", "router_ip": routerAddr, "router_name": sysName,
		"is_adj_rib_in_post_policy": view == "post", "is_adj_rib_out_post_policy": false,
		"is_adj_rib_out": false, "is_loc_rib": view == "loc", "is_loc_rib_filtered": false}
	if view == "loc" { // the instance peer of the Loc-RIB Peer Up
		return merge(o, obj{"peer_ip": "0.0.0.0", "peer_type": 3, "peer_asn": dutASN, "remote_bgp_id": dutID,
			"peer_rd": "0:0", "table_name": "global"})
	}
	return merge(o, obj{"peer_ip": l.injAddr, "peer_type": 0, "peer_asn": injASN, "remote_bgp_id": injID})
}

func wantAttrs(r *route, view string) obj {
	// eBGP: the injector prepends its AS.
	path := append([]uint32{injASN}, asPath...)
	comms := []string{}
	var wellKnown []string
	for _, c := range r.communities {
		comms = append(comms, fmt.Sprintf("%d:%d", c>>16, c&0xffff))
		if c == uint32(bgp.COMMUNITY_NO_EXPORT) {
			wellKnown = append(wellKnown, "NO_EXPORT")
		}
	}
	a := obj{"origin": originNames[r.origin], "as_path": path, "as_path_count": len(path),
		"as_path_segments": []obj{{"type": 2, "asns": path}}, "med": r.med, "is_atomic_agg": false,
		"large_community_list": []string{fmt.Sprintf("%d:%d:%d", r.large[0], r.large[1], r.large[2])}}
	if r.family == bgp.RF_IPv4_UC { // NEXT_HOP attribute; the others carry it in MP_REACH_NLRI
		a["nexthop"] = r.nexthop.String()
	}
	if wellKnown != nil {
		a["well_known_community_list"] = wellKnown
	}
	if r.tagged && view != "pre" { // the DUT's import policy appends its community
		comms = append(comms, tagCommunity)
		a["local_pref"] = tagLocalPref
	}
	a["community_list"] = comms
	return a
}

// checkRoutes checks every route record (End-of-RIB markers aside) against the injected
// routes: per view, the sequence of actions of each prefix (actions(route, view)), and
// the exact content of every record.
func (l *lab) checkRoutes(rs []rec, routes []*route, f frame, actions func(r *route, view string) []string) {
	t := l.t
	t.Helper()
	byKey := map[string]*route{}
	for _, r := range routes {
		byKey[r.key()] = r
	}
	for _, view := range []string{"pre", "post", "loc"} {
		want := map[string][]string{}
		for _, r := range routes {
			want[r.key()] = actions(r, view)
		}
		checkActions(t, view, rs, want)
	}
	hashes := map[string]string{} // base_attr_hash per prefix and view
	for _, rr := range filter(rs, isType("unicast_prefix", "")) {
		if rr.flag("is_eor") {
			continue
		}
		r := byKey[rr.key()]
		if r == nil {
			t.Errorf("record for a prefix that was never injected: %s", js(rr))
			continue
		}
		view, action := rr.view(), rr.str("action")
		what := fmt.Sprintf("%s %s %s", view, action, r.key())
		checkFields(t, what, rr, l.wantRoute(r, view, action))
		up := f.peerUp
		if view == "loc" {
			up = f.locUp
		}
		if rr.str("peer_hash") != up.str("peer_hash") {
			t.Errorf("%s: peer_hash %s, want the peer up's %s", what, rr.str("peer_hash"), up.str("peer_hash"))
		}
		attrs, _ := rr["base_attrs"].(map[string]any)
		if action == "del" {
			if rr.has("base_attrs") {
				t.Errorf("%s: a withdrawal carries base_attrs %s", what, js(rr["base_attrs"]))
			}
			continue
		}
		if attrs == nil {
			t.Errorf("%s: no base_attrs: %s", what, js(rr))
			continue
		}
		checkFields(t, what+" base_attrs", attrs, wantAttrs(r, view))
		h, _ := attrs["base_attr_hash"].(string)
		if !md5Hex.MatchString(h) {
			t.Errorf("%s: base_attr_hash %q", what, h)
		}
		hashes[view+" "+r.key()] = h
	}
	// Equal attribute sets hash equal: post-policy and Loc-RIB carry the same attributes;
	// pre-policy differs exactly where the import policy changed something.
	for _, r := range routes {
		pre, post, loc := hashes["pre "+r.key()], hashes["post "+r.key()], hashes["loc "+r.key()]
		if post != loc || (pre == post) == r.tagged {
			t.Errorf("%s (tagged %v): base_attr_hash pre %s post %s loc %s", r.key(), r.tagged, pre, post, loc)
		}
	}
}

// checkStats checks the statistics records: GoBGP reports, for its Established peer,
// Adj-RIB-In and Loc-RIB route counts (types 7 and 8, 64-bit) and two withdraw counters
// (types 11 and 12). The test waited for one report with every route.
func (l *lab) checkStats(rs []rec, routes int, f frame) {
	t := l.t
	t.Helper()
	stats := filter(rs, isType("statistics", ""))
	full := 0
	for _, s := range stats {
		in, loc := s.num("ads_rib_in"), s.num("local_rib")
		if in == float64(routes) && loc == float64(routes) {
			full++
		}
		if in < 0 || in > float64(routes) || loc < 0 || loc > in {
			t.Errorf("statistics %s: ads_rib_in %v, local_rib %v (at most %d routes, all accepted)", js(s), in, loc, routes)
		}
		if s.str("peer_hash") != f.peerUp.str("peer_hash") {
			t.Errorf("statistics %s: peer_hash, want the peer up's %s", js(s), f.peerUp.str("peer_hash"))
		}
		checkFields(t, "statistics", s, obj{"type": "statistics", "router_ip": routerAddr, "router_name": sysName,
			"peer_ip": l.injAddr, "peer_type": 0, "peer_asn": injASN, "remote_bgp_id": injID,
			"ads_rib_in": in, "local_rib": loc, "updates_as_withdraw": s["updates_as_withdraw"],
			"prefixes_as_withdraw":      s["prefixes_as_withdraw"],
			"is_adj_rib_in_post_policy": false, "is_adj_rib_out_post_policy": false,
			"is_adj_rib_out": false, "is_loc_rib": false, "is_loc_rib_filtered": false})
		for _, k := range []string{"updates_as_withdraw", "prefixes_as_withdraw"} {
			if s.num(k) < 0 {
				t.Errorf("statistics %s: %s missing", js(s), k)
			}
		}
	}
	if full == 0 {
		t.Errorf("no statistics record with ads_rib_in = local_rib = %d among %d", routes, len(stats))
	}
	t.Logf("%d statistics records, %d with every route", len(stats), full)
}

// checkCounts compares the collector's counters with the raw stream relayed by the tap
// (messages by type) and with the records (records by type), checks the session's end
// and the queue, and checks the number of Route Monitoring messages per view against
// want (inclusive ranges).
func (l *lab) checkCounts(rs []rec, want map[string][2]int) {
	t := l.t
	t.Helper()
	raw, err := bmpCounts(l.tap.bytes())
	if err != nil {
		t.Errorf("raw BMP stream: %v", err)
	}
	for typ := range 7 {
		k := fmt.Sprintf("type %d", typ)
		if got := l.col.counters.Messages[typ].Load(); got != uint64(raw[k]) {
			t.Errorf("collector counted %d BMP messages of type %d, the stream has %d", got, typ, raw[k])
		}
	}
	if got := l.col.counters.Messages[7].Load(); got != 0 {
		t.Errorf("collector counted %d BMP messages of other types", got)
	}
	for _, typ := range record.Types() {
		n := len(filter(rs, isType(typ.String(), "")))
		if got := l.col.counters.RecordCount(typ); got != uint64(n) {
			t.Errorf("collector counted %d %s records, the sink has %d", got, typ, n)
		}
	}
	for k, w := range want {
		if raw[k] < w[0] || raw[k] > w[1] {
			t.Errorf("%s messages: %d, want %d..%d", k, raw[k], w[0], w[1])
		}
	}
	// One BMP session, ended by the router (EOF), every record delivered to the sink.
	for _, reason := range server.EndReasons {
		want := uint64(0)
		if reason == server.EndEOF {
			want = 1
		}
		if got := l.col.srv.Stats.Ended(reason); got != want {
			t.Errorf("sessions ended with reason %s: %d, want %d", reason, got, want)
		}
	}
	q := &l.col.queue.Stats
	if q.Dropped.Load() != 0 || q.Failed.Load() != 0 || q.Records.Load() != uint64(len(rs)) {
		t.Errorf("queue: %d records published, %d dropped, %d failed; the sink has %d",
			q.Records.Load(), q.Dropped.Load(), q.Failed.Load(), len(rs))
	}
	t.Logf("BMP messages: %d bytes, %v", len(l.tap.bytes()), raw)
}
