package bgp

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/bmpstream/bmpstream/internal/testutil"
)

// BMP framing facts needed to reach the BGP PDUs (RFC 7854): 6-byte common header
// (version, length, type at byte 5), 42-byte per-peer header (peer type at byte 6, flags
// at byte 7 of the message). Package bmp owns BMP decoding; the test only walks it.
const (
	bmpCommonLen  = 6
	bmpPeerHdrLen = 42
	bmpRM         = 0
	bmpPeerDown   = 2
	bmpPeerUp     = 3
	bmpMirroring  = 6
)

// labView names a per-peer header view the way the lab's bmpsummary.py does.
func labView(peerType, flags uint8) string {
	names := map[uint8]string{0: "global", 1: "rd-instance", 2: "local", 3: "loc-rib"}
	pt, ok := names[peerType]
	if !ok {
		pt = strconv.Itoa(int(peerType))
	}
	var fl []string
	if peerType == 3 {
		if flags&0x80 != 0 {
			fl = append(fl, "F(filtered)")
		}
	} else {
		if flags&0x80 != 0 {
			fl = append(fl, "V6")
		}
		if flags&0x40 != 0 {
			fl = append(fl, "L(post)")
		} else {
			fl = append(fl, "pre")
		}
		if flags&0x20 != 0 {
			fl = append(fl, "A(2byteAS)")
		}
		if flags&0x10 != 0 {
			fl = append(fl, "O(adj-rib-out)")
		}
	}
	return "RM " + pt + " " + strings.Join(fl, "/")
}

// labCapture is what the test collects from one lab stream.
type labCapture struct {
	counts     map[string]int // bmpsummary-style keys
	eorOurs    map[string]int // view + family -> End-of-RIB markers as ParseUpdate sees them
	opens      [][2]*Open     // Peer Up: sent, received
	notifs     []*Notification
	mirrored   map[uint8]int     // BGP message type -> count, from Route Mirroring
	firsts     map[string]string // view + family + what -> first prefix and its attributes
	updates    int
	prefixes   int
	mismatches int
}

func decodeLabStream(t *testing.T, path string) *labCapture {
	t.Helper()
	stream, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	msgs, rest := testutil.SplitBMP(stream)
	if len(rest) != 0 {
		t.Errorf("%d bytes of torn trailing BMP message", len(rest))
	}
	c := &labCapture{counts: map[string]int{}, eorOurs: map[string]int{}, mirrored: map[uint8]int{}, firsts: map[string]string{}}
	opts := &DecodeOptions{AS4: true} // GoBGP 3.10 Loc-RIB has no path IDs, nor has FRR
	var u Update                      // reused for the whole stream, as the collector does
	for i, m := range msgs {
		if len(m) < bmpCommonLen {
			t.Fatalf("message %d: %d bytes", i, len(m))
		}
		typ := m[5]
		switch typ {
		case bmpRM, bmpPeerDown, bmpPeerUp, bmpMirroring:
		default:
			continue
		}
		if len(m) < bmpCommonLen+bmpPeerHdrLen {
			t.Fatalf("message %d (type %d): %d bytes, no per-peer header", i, typ, len(m))
		}
		view := labView(m[6], m[7])
		body := m[bmpCommonLen+bmpPeerHdrLen:]
		switch typ {
		case bmpRM:
			pdu, rest, err := SplitMessage(body)
			if err != nil || len(rest) != 0 {
				t.Fatalf("message %d: RM PDU: %v (%d bytes after it)", i, err, len(rest))
			}
			if err := ParseUpdate(pdu, opts, &u); err != nil {
				t.Errorf("message %d (%s): %v", i, view, err)
				continue
			}
			c.updates++
			c.countUpdate(view, &u, pdu)
		case bmpPeerUp:
			// local address (16), local port (2), remote port (2), sent OPEN, received OPEN
			if len(body) < 20 {
				t.Fatalf("message %d: short Peer Up", i)
			}
			sent, rest, err := SplitMessage(body[20:])
			if err != nil {
				t.Fatalf("message %d: sent OPEN: %v", i, err)
			}
			recv, _, err := SplitMessage(rest)
			if err != nil {
				t.Fatalf("message %d: received OPEN: %v", i, err)
			}
			so, err := ParseOpen(sent)
			if err != nil {
				t.Fatalf("message %d: sent OPEN: %v", i, err)
			}
			ro, err := ParseOpen(recv)
			if err != nil {
				t.Fatalf("message %d: received OPEN: %v", i, err)
			}
			c.opens = append(c.opens, [2]*Open{so, ro})
		case bmpPeerDown:
			// reason 1 and 3 carry a NOTIFICATION
			if len(body) > 0 && (body[0] == 1 || body[0] == 3) {
				n, err := ParseNotification(body[1:])
				if err != nil {
					t.Fatalf("message %d: Peer Down NOTIFICATION: %v", i, err)
				}
				c.notifs = append(c.notifs, n)
			}
		case bmpMirroring:
			// TLVs: type (2), length (2), value; type 0 holds a BGP message
			for len(body) >= 4 {
				tt, l := binary.BigEndian.Uint16(body), int(binary.BigEndian.Uint16(body[2:]))
				if l > len(body)-4 {
					t.Fatalf("message %d: mirroring TLV overruns", i)
				}
				if tt == 0 {
					pdu := body[4 : 4+l]
					_, bt, err := ParseHeader(pdu)
					if err != nil {
						t.Fatalf("message %d: mirrored PDU: %v", i, err)
					}
					c.mirrored[bt]++
					switch bt {
					case MsgUpdate:
						if err := ParseUpdate(pdu, opts, &u); err != nil {
							t.Errorf("message %d: mirrored UPDATE: %v", i, err)
						}
					case MsgOpen:
						if _, err := ParseOpen(pdu); err != nil {
							t.Errorf("message %d: mirrored OPEN: %v", i, err)
						}
					}
				}
				body = body[4+l:]
			}
		}
	}
	return c
}

// countUpdate counts sections the way bmpsummary.py does: one "msgs" count per non-empty
// classic section and per MP attribute; an MP_UNREACH without NLRI counts as "EoR"; an
// UPDATE with neither withdrawn routes nor attributes nor NLRI is an IPv4 unicast "EoR".
func (c *labCapture) countUpdate(view string, u *Update, pdu []byte) {
	add := func(f Family, what string, ps []Prefix, nh []netip.Addr) {
		n := len(ps)
		key := view + " " + f.String() + " " + what
		c.counts[key+" msgs"]++
		c.counts[key+" prefixes"] += n
		c.prefixes += n
		if _, ok := c.firsts[key]; !ok && n > 0 {
			a := &u.Attrs
			path := a.FlatASPath(nil)
			origin, _ := a.OriginAS()
			var comms []string
			for _, cm := range a.Communities {
				comms = append(comms, CommunityString(cm))
			}
			c.firsts[key] = fmt.Sprintf("%s nh=%v origin=%s path=%v originAS=%d med=%v/%d lp=%v/%d comm=%v large=%v", prefixStrings(ps[:1])[0], nh, OriginName(a.Origin), path, origin, a.HasMED, a.MED, a.HasLocalPref, a.LocalPref, comms, a.LargeCommunities)
		}
	}
	if len(u.Withdrawn) > 0 {
		add(FamilyIPv4Unicast, "withdraw", u.Withdrawn, nil)
	}
	if len(u.NLRI) > 0 {
		add(FamilyIPv4Unicast, "announce", u.NLRI, []netip.Addr{u.Attrs.NextHop})
	}
	for _, m := range u.MPReach {
		add(m.Family, "announce", m.Prefixes, m.NextHop)
		if m.AddPathMismatch {
			c.mismatches++
		}
	}
	for _, m := range u.MPUnreach {
		if len(m.NLRI) > 0 {
			add(m.Family, "withdraw", m.Prefixes, nil)
		} else {
			add(m.Family, "EoR", nil, nil)
		}
		if m.AddPathMismatch {
			c.mismatches++
		}
	}
	if u.AddPathMismatch {
		c.mismatches++
	}
	wl := binary.BigEndian.Uint16(pdu[19:])
	if len(u.Withdrawn) == 0 && len(u.NLRI) == 0 && len(u.MPReach) == 0 && len(u.MPUnreach) == 0 && wl == 0 && len(u.Attrs.Raw) == 0 {
		add(FamilyIPv4Unicast, "EoR", nil, nil)
	}
	if u.EndOfRIB {
		c.eorOurs[view+" "+u.EORFamily.String()]++
	}
}

var summaryLine = regexp.MustCompile(`^\s*(\d+)\s+(RM .*)$`)

// readSummary returns the "RM ..." counters of a lab .summary.txt (bmpsummary section).
func readSummary(t *testing.T, path string) map[string]int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := summaryLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		out[m[2]] = n
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no RM counters", path)
	}
	return out
}

// ipFamilyNames are the families whose prefixes ParseUpdate decodes.
var ipFamilyNames = map[string]bool{
	"ipv4-unicast": true, "ipv6-unicast": true, "ipv4-labeled-unicast": true,
	"ipv6-labeled-unicast": true, "ipv4-multicast": true, "ipv6-multicast": true,
}

func TestLabCaptures(t *testing.T) {
	dir := testutil.TestdataDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "lab", "*.bmp"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no lab captures under %s: %v", dir, err)
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".bmp")
		t.Run(name, func(t *testing.T) {
			c := decodeLabStream(t, path)
			want := readSummary(t, strings.TrimSuffix(path, ".bmp")+".summary.txt")
			compared := 0
			for key, n := range want {
				f := strings.Fields(key)
				fam, unit := f[len(f)-3], f[len(f)-1]
				if unit == "prefixes" && !ipFamilyNames[fam] {
					continue // other families stay raw here
				}
				compared++
				if got := c.counts[key]; got != n {
					t.Errorf("%q: got %d, summary says %d", key, got, n)
				}
			}
			var extra []string
			for key, n := range c.counts {
				if _, ok := want[key]; !ok && n != 0 {
					extra = append(extra, key)
				}
			}
			sort.Strings(extra)
			for _, k := range extra {
				t.Errorf("%q = %d not in the summary", k, c.counts[k])
			}
			if compared < 10 {
				t.Errorf("only %d counters compared", compared)
			}
			if c.mismatches != 0 {
				t.Errorf("%d ADD-PATH mismatches, want none (no speaker in these captures sends path IDs)", c.mismatches)
			}
			t.Logf("%d UPDATEs, %d IP prefixes, %d counters compared, EoR %v, mirrored %v", c.updates, c.prefixes, compared, c.eorOurs, c.mirrored)
			keys := make([]string, 0, len(c.firsts))
			for k := range c.firsts {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				t.Logf("%s: %s", k, c.firsts[k])
			}
			for k, w := range labFirsts[name] {
				if got := c.firsts[k]; got != w {
					t.Errorf("first %q:\n got %s\nwant %s", k, got, w)
				}
			}
			checkLabOpens(t, name, c)
			checkLabNotifications(t, name, c)
			if name == "frr84-mirror-small" {
				// Route Mirroring carried the injector's OPEN, KEEPALIVE, UPDATEs and the
				// final NOTIFICATION.
				want := map[uint8]int{MsgOpen: 1, MsgUpdate: 241, MsgNotification: 1, MsgKeepalive: 1}
				if fmt.Sprint(c.mirrored) != fmt.Sprint(want) {
					t.Errorf("mirrored BGP messages %v, want %v", c.mirrored, want)
				}
			}
			// End-of-RIB as ParseUpdate defines it agrees with the summary's "EoR msgs".
			for key, n := range want {
				f := strings.Fields(key)
				if f[len(f)-2] != "EoR" || f[len(f)-1] != "msgs" {
					continue
				}
				// the view keeps the double space of an empty flag list ("RM loc-rib  ...")
				view := key[:strings.LastIndex(key, f[len(f)-3])-1]
				if got := c.eorOurs[view+" "+f[len(f)-3]]; got != n {
					t.Errorf("End-of-RIB %q: ParseUpdate marked %d, summary says %d", key, got, n)
				}
			}
		})
	}
}

// labFirsts: the first prefix of some views/families and its UPDATE's attributes, as
// checked by hand against the lab README (FRR 8.4 prepends its own AS 65000 in RMs;
// GoBGP's post-policy adds community 65000:100 and LOCAL_PREF 200; route i of the
// injector gets MED i, communities 65001:i and 65001:666, two large communities).
var labFirsts = map[string]map[string]string{
	"frr84-mixed": {
		"RM global pre ipv4-unicast announce":     "10.0.0.0/24 nh=[127.0.0.2] origin=igp path=[65000 65001 64500 4200000000 65100] originAS=65100 med=true/0 lp=false/0 comm=[65001:0 65001:666] large=[65001:1:0 4200000001:2:0]",
		"RM global L(post) ipv6-unicast announce": "2001:db8::/56 nh=[2001:db8:ffff::2] origin=igp path=[65000 65001 64500 4200000000 65100] originAS=65100 med=true/0 lp=false/0 comm=[65001:0 65001:666] large=[65001:1:0 4200000001:2:0]",
		"RM global pre ipv4-unicast withdraw":     "10.0.0.0/24 nh=[] origin=igp path=[] originAS=0 med=false/0 lp=false/0 comm=[] large=[]",
	},
	"gobgp310deb-mixed": {
		"RM global pre ipv4-labeled-unicast announce":     "100.64.2.0/24 [16002]/[3e821] nh=[127.0.0.2] origin=incomplete path=[65001 64502 4200000002 65102] originAS=65102 med=true/2 lp=false/0 comm=[65001:2 65001:666] large=[65001:1:2 4200000001:2:2]",
		"RM loc-rib  ipv4-labeled-unicast announce":       "100.64.2.0/24 [16002]/[3e821] nh=[127.0.0.2] origin=incomplete path=[65001 64502 4200000002 65102] originAS=65102 med=true/2 lp=true/200 comm=[65001:2 65001:666 65000:100] large=[65001:1:2 4200000001:2:2]",
		"RM global L(post) ipv4-labeled-unicast withdraw": "100.64.16.0/24 [16016]/[3e901] nh=[] origin=igp path=[] originAS=0 med=false/0 lp=false/0 comm=[] large=[]",
		"RM loc-rib  ipv6-unicast announce":               "2001:db8::/56 nh=[2001:db8:ffff::2] origin=igp path=[65001 64500 4200000000 65100] originAS=65100 med=true/0 lp=true/200 comm=[65001:0 65001:666 65000:100] large=[65001:1:0 4200000001:2:0]",
		"RM global pre ipv4-unicast announce":             "10.0.240.0/24 nh=[192.0.2.2] origin=igp path=[65001 64540 4200000002 65100] originAS=65100 med=true/40 lp=false/0 comm=[65001:240 65001:666] large=[65001:1:240 4200000001:2:2]",
	},
}

// wantOpen lists what the lab OPENs must decode to.
type wantOpen struct {
	as, myAS     uint32
	hold         uint16
	id           [4]byte
	codes        []uint8 // capability codes in order
	mp           []Family
	addPath      []AddPathFamily
	extNH        []ExtNextHop
	rr, rrCisco  bool
	enhanced     bool
	extMsg       bool
	fqdn         string
	grFlags      uint8
	grTime       uint16
	hasGR        bool
	hasAS4       bool
	addPathToDUT []Family // AddPathFamilies(received, sent): Adj-RIB-In
}

var (
	fam = func(a uint16, s uint8) Family { return Family{a, s} }
	// FRR 8.4.4 "frr-dut" (AS 65000), one capability per optional parameter.
	frrDUTOpen = wantOpen{
		as: 65000, myAS: 65000, hold: 180, id: [4]byte{127, 0, 0, 1},
		codes: []uint8{1, 1, 1, 1, 1, 128, 2, 70, 65, 6, 69, 73, 64, 71},
		mp:    []Family{fam(1, 1), fam(1, 128), fam(2, 1), fam(2, 128), fam(25, 70)},
		addPath: []AddPathFamily{
			{fam(1, 1), AddPathReceive}, {fam(1, 128), AddPathReceive}, {fam(2, 1), AddPathReceive},
			{fam(2, 128), AddPathReceive}, {fam(25, 70), AddPathReceive},
		},
		rr: true, rrCisco: true, enhanced: true, extMsg: true, fqdn: "frr-dut",
		hasGR: true, grFlags: 0xc0, grTime: 120, hasAS4: true,
	}
	gobgpExtNH = []ExtNextHop{
		{fam(1, 1), 2}, {fam(1, 4), 2}, {fam(1, 128), 2}, {fam(2, 128), 2}, {fam(25, 70), 2},
	}
	gobgpMP = []Family{fam(1, 1), fam(2, 1), fam(1, 4), fam(1, 128), fam(2, 128), fam(25, 70)}
	// GoBGP 4.8 injector (AS 65001), all capabilities in one optional parameter.
	injectorOpen = wantOpen{
		as: 65001, myAS: 65001, hold: 90, id: [4]byte{127, 0, 0, 2},
		codes: []uint8{2, 73, 6, 1, 1, 1, 1, 1, 1, 65, 5},
		mp:    gobgpMP, extNH: gobgpExtNH, rr: true, extMsg: true, fqdn: "vm", hasAS4: true,
	}
	// Debian GoBGP 3.10 as the monitored router (AS 65000): no extended message.
	gobgp310DUTOpen = wantOpen{
		as: 65000, myAS: 65000, hold: 90, id: [4]byte{127, 0, 0, 1},
		codes: []uint8{2, 73, 1, 1, 1, 1, 1, 1, 65, 5},
		mp:    gobgpMP, extNH: gobgpExtNH, rr: true, fqdn: "vm", hasAS4: true,
	}
)

func checkOpen(t *testing.T, what string, o *Open, w wantOpen) {
	t.Helper()
	if o.Version != 4 || o.AS() != w.as || uint32(o.MyAS) != w.myAS || o.HoldTime != w.hold || o.BGPID != w.id {
		t.Errorf("%s: version %d AS %d MyAS %d hold %d id %v, want 4 %d %d %d %v", what, o.Version, o.AS(), o.MyAS, o.HoldTime, o.BGPID, w.as, w.myAS, w.hold, w.id)
	}
	var codes []uint8
	for _, c := range o.Caps {
		codes = append(codes, c.Code)
	}
	if !bytes.Equal(codes, w.codes) {
		t.Errorf("%s: capability codes %v, want %v", what, codes, w.codes)
	}
	if !slices.Equal(o.Multiprotocol, w.mp) {
		t.Errorf("%s: MP %v, want %v", what, o.Multiprotocol, w.mp)
	}
	if !slices.Equal(o.AddPath, w.addPath) {
		t.Errorf("%s: ADD-PATH %+v, want %+v", what, o.AddPath, w.addPath)
	}
	if !slices.Equal(o.ExtNextHop, w.extNH) {
		t.Errorf("%s: extended next hop %+v, want %+v", what, o.ExtNextHop, w.extNH)
	}
	if o.RouteRefresh != w.rr || o.RouteRefreshCisco != w.rrCisco || o.EnhancedRefresh != w.enhanced || o.ExtendedMessage != w.extMsg || o.HasAS4 != w.hasAS4 {
		t.Errorf("%s: rr %v cisco %v enhanced %v extmsg %v as4 %v, want %v %v %v %v %v", what, o.RouteRefresh, o.RouteRefreshCisco, o.EnhancedRefresh, o.ExtendedMessage, o.HasAS4, w.rr, w.rrCisco, w.enhanced, w.extMsg, w.hasAS4)
	}
	if o.FQDNHost != w.fqdn || o.FQDNDomain != "" {
		t.Errorf("%s: FQDN %q/%q, want %q/\"\"", what, o.FQDNHost, o.FQDNDomain, w.fqdn)
	}
	if (o.GracefulRestart != nil) != w.hasGR {
		t.Errorf("%s: graceful restart %+v, want present=%v", what, o.GracefulRestart, w.hasGR)
	} else if w.hasGR && (o.GracefulRestart.Flags != w.grFlags || o.GracefulRestart.Time != w.grTime || len(o.GracefulRestart.Families) != 0) {
		t.Errorf("%s: graceful restart %+v, want flags %#x time %d no families", what, o.GracefulRestart, w.grFlags, w.grTime)
	}
	for _, f := range w.mp {
		if !o.HasFamily(f) {
			t.Errorf("%s: HasFamily(%v) false", what, f)
		}
	}
	if o.HasFamily(Family{AFIIPv4, SAFIMulticast}) {
		t.Errorf("%s: HasFamily(ipv4-multicast) true", what)
	}
}

func checkLabOpens(t *testing.T, name string, c *labCapture) {
	t.Helper()
	if len(c.opens) != 1 {
		t.Fatalf("%d Peer Up messages, want 1", len(c.opens))
	}
	sent, recv := c.opens[0][0], c.opens[0][1]
	switch {
	case strings.HasPrefix(name, "frr84"):
		checkOpen(t, "FRR sent OPEN", sent, frrDUTOpen)
	case strings.HasPrefix(name, "gobgp310"):
		checkOpen(t, "GoBGP 3.10 sent OPEN", sent, gobgp310DUTOpen)
	default:
		t.Fatalf("no expectations for %s", name)
	}
	checkOpen(t, "injector OPEN", recv, injectorOpen)
	if !AS4Negotiated(sent, recv) {
		t.Error("AS4Negotiated false")
	}
	// The injector advertises no ADD-PATH: nothing carries path IDs either way, although
	// FRR offers to receive them for every family.
	if fs := AddPathFamilies(recv, sent); fs != nil {
		t.Errorf("Adj-RIB-In ADD-PATH families %v, want none", fs)
	}
	if fs := AddPathFamilies(sent, recv); fs != nil {
		t.Errorf("Adj-RIB-Out ADD-PATH families %v, want none", fs)
	}
}

// checkLabNotifications: every Peer Down of these runs that carries a NOTIFICATION is the
// injector being stopped: Cease / Peer De-configured with no data.
func checkLabNotifications(t *testing.T, name string, c *labCapture) {
	t.Helper()
	want := map[string]int{"frr84-mixed": 2, "frr84-mirror-small": 2, "gobgp310deb-mixed": 1}[name]
	if len(c.notifs) != want {
		t.Errorf("%d NOTIFICATIONs, want %d", len(c.notifs), want)
	}
	for _, n := range c.notifs {
		if n.Code != NotifCease || n.Subcode != CeasePeerDeconfigured || len(n.Data) != 0 {
			t.Errorf("NOTIFICATION %d/%d data %x, want 6/3 without data", n.Code, n.Subcode, n.Data)
		}
		if NotificationCodeName(n.Code) != "Cease" || NotificationSubcodeName(n.Code, n.Subcode) != "Peer De-configured" {
			t.Errorf("names %q / %q", NotificationCodeName(n.Code), NotificationSubcodeName(n.Code, n.Subcode))
		}
		if _, ok := n.ShutdownMessage(); ok {
			t.Error("ShutdownMessage on Peer De-configured")
		}
	}
}
