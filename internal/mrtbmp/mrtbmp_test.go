package mrtbmp

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	gobmp "github.com/osrg/gobgp/v4/pkg/packet/bmp"
	"github.com/osrg/gobgp/v4/pkg/packet/mrt"

	"github.com/bmpstream/bmpstream/internal/testutil"
)

// The converted streams are read back with GoBGP's BMP decoder (not bmpstream's) and
// compared with the MRT input read independently with GoBGP's MRT decoder.

type bmpMsg struct {
	typ  uint8
	peer netip.Addr
	upd  *bgp.BGPUpdate
	raw  []byte // the BGP UPDATE of a Route Monitoring
	size int    // its length
}

func decodeStream(t *testing.T, stream []byte) []bmpMsg {
	t.Helper()
	msgs, rest := testutil.SplitBMP(stream)
	if len(rest) != 0 {
		t.Fatalf("%d bytes after the last whole BMP message", len(rest))
	}
	out := make([]bmpMsg, 0, len(msgs))
	for i, b := range msgs {
		m, err := gobmp.ParseBMPMessage(b)
		if err != nil {
			t.Fatalf("BMP message %d (type %d): %v", i, b[5], err)
		}
		x := bmpMsg{typ: m.Header.Type, peer: m.PeerHeader.PeerAddress.Unmap()}
		if rm, ok := m.Body.(*gobmp.BMPRouteMonitoring); ok {
			x.upd = rm.BGPUpdate.Body.(*bgp.BGPUpdate)
			x.raw = b[6+42:]
			x.size = int(rm.BGPUpdate.Header.Len)
		}
		out = append(out, x)
	}
	return out
}

// routeKey identifies one route: peer, prefix, next hop and the other attributes.
func routeKey(peer netip.Addr, prefix string, nh netip.Addr, attrs []bgp.PathAttributeInterface) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%s|%s", peer, prefix, nh)
	for _, a := range attrs {
		switch a.(type) {
		case *bgp.PathAttributeMpReachNLRI, *bgp.PathAttributeNextHop:
			continue
		}
		fmt.Fprintf(h, "|%s", a)
	}
	return h.Sum64()
}

func nextHopOf(attrs []bgp.PathAttributeInterface) netip.Addr {
	for _, a := range attrs {
		switch a := a.(type) {
		case *bgp.PathAttributeNextHop:
			return a.Value
		case *bgp.PathAttributeMpReachNLRI:
			return a.Nexthop
		}
	}
	return netip.Addr{}
}

// bmpRoutes returns the routes announced in the Route Monitoring messages, counted by key.
func bmpRoutes(t *testing.T, msgs []bmpMsg) map[uint64]int {
	routes := make(map[uint64]int)
	for _, m := range msgs {
		if m.upd == nil {
			continue
		}
		nh := nextHopOf(m.upd.PathAttributes)
		for _, n := range m.upd.NLRI {
			routes[routeKey(m.peer, n.NLRI.String(), nh, m.upd.PathAttributes)]++
		}
		for _, a := range m.upd.PathAttributes {
			if mp, ok := a.(*bgp.PathAttributeMpReachNLRI); ok {
				for _, n := range mp.Value {
					routes[routeKey(m.peer, n.NLRI.String(), nh, m.upd.PathAttributes)]++
				}
			}
		}
	}
	return routes
}

// TestRIBSmall converts a RIB written with GoBGP's MRT encoder and checks the stream
// message by message.
func TestRIBSmall(t *testing.T) {
	p1 := mrt.NewPeer(netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("192.0.2.1"), 65001, true)
	p2 := mrt.NewPeer(netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("2001:db8::2"), 4200000002, true)
	ts := time.Unix(1401487200, 0)
	var file bytes.Buffer
	put := func(sub mrt.MRTSubTypeTableDumpv2, body mrt.Body) {
		m, err := mrt.NewMRTMessage(ts, mrt.TABLE_DUMPv2, sub, body)
		if err != nil {
			t.Fatal(err)
		}
		b, err := m.Serialize()
		if err != nil {
			t.Fatal(err)
		}
		file.Write(b)
	}
	put(mrt.PEER_INDEX_TABLE, mrt.NewPeerIndexTable(netip.MustParseAddr("198.51.100.1"), "", []*mrt.Peer{p1, p2}))
	path := func(asns ...uint32) bgp.PathAttributeInterface {
		return bgp.NewPathAttributeAsPath([]bgp.AsPathParamInterface{bgp.NewAs4PathParam(bgp.BGP_ASPATH_ATTR_TYPE_SEQ, asns)})
	}
	nh1, _ := bgp.NewPathAttributeNextHop(netip.MustParseAddr("192.0.2.1"))
	attrsA := []bgp.PathAttributeInterface{bgp.NewPathAttributeOrigin(0), path(65001, 3356, 15169), nh1}
	attrsB := []bgp.PathAttributeInterface{bgp.NewPathAttributeOrigin(0), path(65001, 174, 13335), nh1,
		bgp.NewPathAttributeCommunities([]uint32{65001<<16 | 100})}
	seq := uint32(0)
	v4 := func(prefix string, entries ...*mrt.RibEntry) {
		n, err := bgp.NewIPAddrPrefix(netip.MustParsePrefix(prefix))
		if err != nil {
			t.Fatal(err)
		}
		put(mrt.RIB_IPV4_UNICAST, mrt.NewRib(seq, bgp.RF_IPv4_UC, n, entries))
		seq++
	}
	// Peer 0: three prefixes with attributes A, one with B, interleaved; peer 1: one with B'.
	nh2, _ := bgp.NewPathAttributeNextHop(netip.MustParseAddr("192.0.2.9"))
	attrsC := []bgp.PathAttributeInterface{bgp.NewPathAttributeOrigin(2), path(4200000002, 6939), nh2}
	v4("203.0.113.0/24", mrt.NewRibEntry(0, 1, 0, attrsA, false), mrt.NewRibEntry(1, 1, 0, attrsC, false))
	v4("198.18.0.0/15", mrt.NewRibEntry(0, 1, 0, attrsB, false))
	v4("100.64.0.0/10", mrt.NewRibEntry(0, 1, 0, attrsA, false))
	v4("192.0.2.128/25", mrt.NewRibEntry(0, 1, 0, attrsA, false))
	// IPv6: the RIB entry's MP_REACH_NLRI holds the next hop only (RFC 6396 §4.3.4).
	// Written by hand: GoBGP v4.8.0 writes IPv6 RIB records that its own parser rejects.
	v6attrs := []bgp.PathAttributeInterface{bgp.NewPathAttributeOrigin(0), path(4200000002, 6939, 2)}
	var ab []byte
	for _, a := range v6attrs {
		b, _ := a.Serialize()
		ab = append(ab, b...)
	}
	ab = append(ab, 0x80, 14, 33, 32)
	ab = append(ab, netip.MustParseAddr("2001:db8::2").AsSlice()...)
	ab = append(ab, netip.MustParseAddr("fe80::2").AsSlice()...)
	body := []byte{0, 0, 0, byte(seq), 40, 0x20, 0x01, 0x0d, 0xb8, 0x01, 0, 1, 0, 1, 0, 0, 0, 1}
	body = binary.BigEndian.AppendUint16(body, uint16(len(ab)))
	body = append(body, ab...)
	hdr := binary.BigEndian.AppendUint32(nil, uint32(ts.Unix()))
	hdr = binary.BigEndian.AppendUint16(hdr, uint16(mrt.TABLE_DUMPv2))
	hdr = binary.BigEndian.AppendUint16(hdr, uint16(mrt.RIB_IPV6_UNICAST))
	hdr = binary.BigEndian.AppendUint32(hdr, uint32(len(body)))
	file.Write(append(hdr, body...))

	var out bytes.Buffer
	c, err := Convert(&file, &out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := Counts{Kind: "rib", MRTRecords: 6, Messages: 1 + 2 + 4 + 4 + 2 + 1, Updates: 4, PeerUps: 2, PeerDowns: 2,
		EndOfRIBs: 4, Initiation: 1, Terminated: 1, Announced: 6, Unicast: 6 + 4, Peers: 2}
	if fmt.Sprint(c) != fmt.Sprint(want) {
		t.Fatalf("counts\n got %+v\nwant %+v", c, want)
	}
	if c.Records() != 1+2+6+4+2+1 {
		t.Fatalf("records %d", c.Records())
	}
	msgs := decodeStream(t, out.Bytes())
	var types []string
	for _, m := range msgs {
		s := fmt.Sprint(m.typ)
		if m.upd != nil {
			var ps []string
			for _, n := range m.upd.NLRI {
				ps = append(ps, n.NLRI.String())
			}
			for _, a := range m.upd.PathAttributes {
				switch a := a.(type) {
				case *bgp.PathAttributeMpReachNLRI:
					ps = append(ps, fmt.Sprintf("mp:%s,%s", a.Nexthop, a.LinkLocalNexthop))
					for _, n := range a.Value {
						ps = append(ps, n.NLRI.String())
					}
				case *bgp.PathAttributeMpUnreachNLRI:
					ps = append(ps, fmt.Sprintf("eor:%d/%d", a.AFI, a.SAFI))
				}
			}
			if len(ps) == 0 {
				ps = []string{"eor"}
			}
			s = m.peer.String() + "[" + strings.Join(ps, " ") + "]"
		}
		types = append(types, s)
	}
	got := strings.Join(types, "\n")
	wantSeq := strings.Join([]string{
		"4", "3", "3", // Initiation, Peer Ups
		"192.0.2.1[203.0.113.0/24 100.64.0.0/10 192.0.2.128/25]", // attributes A, packed
		"192.0.2.1[198.18.0.0/15]",                               // attributes B
		"192.0.2.1[eor]", "192.0.2.1[eor:2/1]",
		"2001:db8::2[203.0.113.0/24]",
		"2001:db8::2[mp:2001:db8::2,fe80::2 2001:db8:100::/40]",
		"2001:db8::2[eor]", "2001:db8::2[eor:2/1]",
		"2", "2", "5", // Peer Downs, Termination
	}, "\n")
	if got != wantSeq {
		t.Fatalf("stream\n%s\nwant\n%s", got, wantSeq)
	}
	// The attributes went through unchanged.
	rib := map[uint64]int{
		routeKey(netip.MustParseAddr("192.0.2.1"), "203.0.113.0/24", nh1.Value, attrsA):                                1,
		routeKey(netip.MustParseAddr("192.0.2.1"), "100.64.0.0/10", nh1.Value, attrsA):                                 1,
		routeKey(netip.MustParseAddr("192.0.2.1"), "192.0.2.128/25", nh1.Value, attrsA):                                1,
		routeKey(netip.MustParseAddr("192.0.2.1"), "198.18.0.0/15", nh1.Value, attrsB):                                 1,
		routeKey(netip.MustParseAddr("2001:db8::2"), "203.0.113.0/24", nh2.Value, attrsC):                              1,
		routeKey(netip.MustParseAddr("2001:db8::2"), "2001:db8:100::/40", netip.MustParseAddr("2001:db8::2"), v6attrs): 1,
	}
	if got := bmpRoutes(t, msgs); fmt.Sprint(got) != fmt.Sprint(rib) {
		t.Fatalf("routes differ:\n got %v\nwant %v", got, rib)
	}
}

// TestRIBRouteViews converts the route-views jinx RIB and checks that every route of the
// MRT file (peer, prefix, next hop, attributes) is in the stream exactly once, in UPDATEs
// of at most 4096 bytes.
func TestRIBRouteViews(t *testing.T) {
	if testing.Short() {
		t.Skip("500,000 routes")
	}
	path := filepath.Join(testutil.TestdataDir(t), "mrt", "CAIDA_libbgpstream", "test-dumps__routeviews.route-views.jinx.ribs.1401487200.bz2")
	opt, peers := Options{}, 14
	if raceEnabled {
		opt.MaxPeers, peers = 2, 2 // the first two peers hold 1,378 routes
	}
	var out bytes.Buffer
	c, err := ConvertFile(path, &out, opt)
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind != "rib" || c.Peers != peers || c.PeerUps != peers || c.PeerDowns != peers || c.EndOfRIBs != 2*peers ||
		(!raceEnabled && c.Announced < 500000) {
		t.Fatalf("counts %+v", c)
	}
	// Read the MRT file independently.
	want := make(map[uint64]int)
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	sc.Split(mrt.SplitMrt)
	var peerAddrs []netip.Addr
	entries, noNH := 0, 0
	for sc.Scan() {
		h, err := mrt.ParseHeader(sc.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		m, err := mrt.ParseBody(sc.Bytes()[mrt.MRT_COMMON_HEADER_LEN:], h)
		if err != nil {
			t.Fatal(err)
		}
		switch b := m.Body.(type) {
		case *mrt.PeerIndexTable:
			for _, p := range b.Peers {
				peerAddrs = append(peerAddrs, p.IpAddress.Unmap())
			}
		case *mrt.Rib:
			for _, e := range b.Entries {
				if int(e.PeerIndex) >= peers {
					continue
				}
				entries++
				nh := nextHopOf(e.PathAttributes)
				if !nh.IsValid() {
					noNH++ // the converter skips these (counted)
					continue
				}
				want[routeKey(peerAddrs[e.PeerIndex], b.Prefix.String(), nh, e.PathAttributes)]++
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	// The routes GoBGP finds no next hop for carry a full-format MP_REACH_NLRI (Quagga):
	// the converter takes the next hop from it.
	if (!raceEnabled && noNH == 0) || c.Announced != entries || c.Quirks["full MP_REACH_NLRI in a RIB entry (next hop taken from it)"] != noNH || len(c.Skipped) != 0 {
		t.Fatalf("%d RIB entries (%d without a next hop for GoBGP), converter: %+v", entries, noNH, c)
	}
	msgs := decodeStream(t, out.Bytes())
	if len(msgs) != c.Messages {
		t.Fatalf("%d BMP messages, counts say %d", len(msgs), c.Messages)
	}
	for i, m := range msgs {
		if m.size > MaxUpdate {
			t.Fatalf("message %d: UPDATE of %d bytes", i, m.size)
		}
	}
	got := bmpRoutes(t, msgs)
	total, matched := 0, 0
	for _, n := range got {
		total += n
	}
	for k, n := range want {
		if got[k] != n {
			t.Fatalf("route %x: %d in the stream, %d in the RIB", k, got[k], n)
		}
		matched += n
	}
	if total != matched+noNH {
		t.Fatalf("%d routes in the stream, %d matched the RIB, %d with the quirk", total, matched, noNH)
	}
}

// TestUpdates converts BGP4MP update files: every UPDATE of the file, byte for byte and in
// the file's order, as Route Monitoring of the right peer.
func TestUpdates(t *testing.T) {
	dir := filepath.Join(testutil.TestdataDir(t), "mrt")
	for _, name := range []string{"CAIDA_libbgpstream/test-dumps__routeviews.route-views.jinx.updates.1401493500.bz2",
		"CAIDA_libbgpstream/test-dumps__ris.rrc06.updates.1401488100.gz"} {
		t.Run(filepath.Base(name), func(t *testing.T) {
			path := filepath.Join(dir, name)
			var out bytes.Buffer
			c, err := ConvertFile(path, &out, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if c.Kind != "updates" || c.Updates == 0 || c.Announced+c.Withdrawn == 0 {
				t.Fatalf("counts %+v", c)
			}
			// The UPDATEs of the file, read independently.
			type upd struct {
				peer netip.Addr
				raw  []byte
			}
			var want []upd
			r, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			sc := bufio.NewScanner(r)
			sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
			sc.Split(mrt.SplitMrt)
			for sc.Scan() {
				rec := sc.Bytes()
				h, _ := mrt.ParseHeader(rec)
				hl := mrt.MRT_COMMON_HEADER_LEN
				hh := *h
				if h.Type.HasExtendedTimestamp() {
					hl += 4
					hh.Len -= 4
				}
				m, err := mrt.ParseBody(rec[hl:], &hh)
				if err != nil {
					continue
				}
				b, ok := m.Body.(*mrt.BGP4MPMessage)
				if !ok || b.BGPMessage.Header.Type != bgp.BGP_MSG_UPDATE || mrt.MRTSubTypeBGP4MP(h.SubType) != mrt.MESSAGE_AS4 {
					continue
				}
				raw, err := b.BGPMessage.Serialize()
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, upd{b.PeerIpAddress.Unmap(), raw})
			}
			msgs := decodeStream(t, out.Bytes())
			var got []upd
			ups := map[netip.Addr]bool{}
			for i, m := range msgs {
				switch m.typ {
				case gobmp.BMP_MSG_PEER_UP_NOTIFICATION:
					ups[m.peer] = true
				case gobmp.BMP_MSG_PEER_DOWN_NOTIFICATION:
					ups[m.peer] = false
				case gobmp.BMP_MSG_ROUTE_MONITORING:
					if !ups[m.peer] {
						t.Fatalf("message %d: Route Monitoring of %s before its Peer Up", i, m.peer)
					}
					got = append(got, upd{m.peer, m.raw})
				}
			}
			if len(got) != len(want) || len(got) != c.Updates {
				t.Fatalf("%d UPDATEs in the stream (counts %d), %d in the file", len(got), c.Updates, len(want))
			}
			for i := range want {
				if got[i].peer != want[i].peer || !bytes.Equal(got[i].raw, want[i].raw) {
					t.Fatalf("UPDATE %d: peer %s (want %s), bytes equal %v", i, got[i].peer, want[i].peer, bytes.Equal(got[i].raw, want[i].raw))
				}
			}
		})
	}
}

func TestOpenCompressed(t *testing.T) {
	dir := t.TempDir()
	plain := []byte("not an MRT record at all")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	for name, data := range map[string][]byte{"plain": plain, "gz": gz.Bytes()} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(r)
		r.Close()
		if !bytes.Equal(b.Bytes(), plain) {
			t.Fatalf("%s: read %q", name, b.Bytes())
		}
	}
	if _, err := Convert(bytes.NewReader(nil), &bytes.Buffer{}, Options{}); err == nil {
		t.Fatal("empty input converted")
	}
}

// TestRIBQuaggaFullMPReach: Quagga writes IPv6 RIB entries with the whole MP_REACH_NLRI;
// their next hops come from it and every IPv6 route of the stream has one.
func TestRIBQuaggaFullMPReach(t *testing.T) {
	path := filepath.Join(testutil.TestdataDir(t), "mrt", "t2mune_mrtparse", "quagga_rib.mrt")
	var out bytes.Buffer
	c, err := ConvertFile(path, &out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Announced != 9 || c.Quirks["full MP_REACH_NLRI in a RIB entry (next hop taken from it)"] != 6 || len(c.Skipped) != 0 {
		t.Fatalf("counts %+v", c)
	}
	v6 := 0
	for _, m := range decodeStream(t, out.Bytes()) {
		if m.upd == nil {
			continue
		}
		for _, a := range m.upd.PathAttributes {
			if mp, ok := a.(*bgp.PathAttributeMpReachNLRI); ok {
				if !mp.Nexthop.Is6() || mp.Nexthop.IsUnspecified() {
					t.Fatalf("IPv6 UPDATE with next hop %s", mp.Nexthop)
				}
				v6 += len(mp.Value)
			}
		}
	}
	if v6 != 6 {
		t.Fatalf("%d IPv6 routes, want 6", v6)
	}
}
