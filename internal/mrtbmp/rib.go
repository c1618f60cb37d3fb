package mrtbmp

import (
	"fmt"
	"net/netip"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/packet/mrt"

	"github.com/bmpstream/bmpstream/internal/gen"
)

// ribState collects a TABLE_DUMP_V2 dump: the routes are grouped per peer, family and
// attribute set while reading, and written when the file ends.
type ribState struct {
	collector netip.Addr
	peers     []*ribPeer
	fams      []family // families seen, in order of first appearance
	famSeen   map[family]bool
}

type ribPeer struct {
	hdr    gen.Peer
	groups []*ribGroup
	index  map[string]int // family + attributes + next hop → groups index
}

// ribGroup is the routes of one peer and family sharing one attribute set.
type ribGroup struct {
	fam   family
	attrs []byte // path attributes without MP_REACH_NLRI
	nh    []byte // MP_REACH_NLRI next hop (MP families)
	nlri  []byte // encoded prefixes
	count int
}

var mrtOpt = &bgp.MarshallingOption{MRT: true}

func (c *converter) ribRecord(h *mrt.MRTHeader, body []byte) error {
	var fam family
	switch mrt.MRTSubTypeTableDumpv2(h.SubType) {
	case mrt.PEER_INDEX_TABLE:
		return c.peerIndex(h, body)
	case mrt.RIB_IPV4_UNICAST:
		fam = famV4
	case mrt.RIB_IPV6_UNICAST:
		fam = famV6
	case mrt.RIB_IPV4_MULTICAST:
		fam = famV4M
	case mrt.RIB_IPV6_MULTICAST:
		fam = famV6M
	default:
		c.n.skip(fmt.Sprintf("table_dump_v2 subtype %d", h.SubType))
		return nil
	}
	if c.rib == nil {
		return fmt.Errorf("RIB record before the PEER_INDEX_TABLE")
	}
	m, err := mrt.ParseBody(body, h)
	if err != nil {
		c.n.skip("undecodable rib record")
		return nil
	}
	rib, ok := m.Body.(*mrt.Rib)
	if !ok {
		return fmt.Errorf("subtype %d decoded as %T", h.SubType, m.Body)
	}
	pfx, ok := nlriPrefix(rib.Prefix)
	if !ok {
		c.n.skip("non-IP prefix")
		return nil
	}
	s := c.rib
	if !s.famSeen[fam] {
		s.famSeen[fam] = true
		s.fams = append(s.fams, fam)
	}
	var key, attrs, nh []byte
	var fullMP [][]byte // next hops of full-format MP_REACH_NLRI attributes, by entry (lazily)
	for ei, e := range rib.Entries {
		if int(e.PeerIndex) >= len(s.peers) {
			c.n.skip("rib entry of an unknown peer")
			continue
		}
		p := s.peers[e.PeerIndex]
		if p == nil {
			continue // beyond MaxPeers
		}
		attrs, nh = attrs[:0], nh[:0]
		bad := false
		for _, a := range e.PathAttributes {
			if mp, ok := a.(*bgp.PathAttributeMpReachNLRI); ok {
				if fam.afi == 1 {
					continue // IPv4 routes take the NEXT_HOP attribute
				}
				nh = append(nh, mp.Nexthop.AsSlice()...)
				if mp.LinkLocalNexthop.IsValid() {
					nh = append(nh, mp.LinkLocalNexthop.AsSlice()...)
				}
				continue
			}
			b, err := a.Serialize()
			if err != nil {
				bad = true
				break
			}
			attrs = append(attrs, b...)
		}
		if bad {
			c.n.skip("unserialisable attribute")
			continue
		}
		if fam.afi == 2 && len(nh) == 0 {
			// Some dumpers (Quagga) write the whole MP_REACH_NLRI (AFI, SAFI, next hop,
			// NLRI) instead of RFC 6396's next hop only; GoBGP then finds no next hop.
			if fullMP == nil {
				fullMP = fullMPNextHops(body, len(rib.Entries))
			}
			if ei < len(fullMP) {
				nh = append(nh, fullMP[ei]...)
			}
			if len(nh) == 0 {
				c.n.skip("ipv6 route without next hop")
				continue
			}
			c.n.quirk("full MP_REACH_NLRI in a RIB entry (next hop taken from it)")
		}
		key = append(key[:0], byte(fam.afi), fam.safi, byte(len(nh)))
		key = append(key, nh...)
		key = append(key, attrs...)
		gi, ok := p.index[string(key)]
		if !ok {
			gi = len(p.groups)
			p.index[string(key)] = gi
			p.groups = append(p.groups, &ribGroup{fam: fam, attrs: append([]byte(nil), attrs...), nh: append([]byte(nil), nh...)})
		}
		g := p.groups[gi]
		g.nlri = appendPrefix(g.nlri, pfx)
		g.count++
	}
	return nil
}

func (c *converter) peerIndex(h *mrt.MRTHeader, body []byte) error {
	if c.rib != nil {
		return fmt.Errorf("a second PEER_INDEX_TABLE")
	}
	m, err := mrt.ParseBody(body, h)
	if err != nil {
		return fmt.Errorf("PEER_INDEX_TABLE: %w", err)
	}
	t, ok := m.Body.(*mrt.PeerIndexTable)
	if !ok {
		return fmt.Errorf("PEER_INDEX_TABLE decoded as %T", m.Body)
	}
	s := &ribState{collector: t.CollectorBgpId, famSeen: make(map[family]bool)}
	for i, p := range t.Peers {
		if c.opt.MaxPeers > 0 && i >= c.opt.MaxPeers {
			s.peers = append(s.peers, nil)
			continue
		}
		s.peers = append(s.peers, &ribPeer{hdr: peerHeader(p.IpAddress, p.AS, p.BgpId, false, h.GetTime()),
			index: make(map[string]int)})
	}
	c.rib = s
	return nil
}

// ribFinish writes the stream: Initiation, the Peer Ups, each peer's routes and
// End-of-RIBs, then (unless NoTermination) the Peer Downs and a Termination.
func (c *converter) ribFinish() {
	s := c.rib
	if s == nil {
		c.err = fmt.Errorf("no PEER_INDEX_TABLE")
		return
	}
	if len(s.fams) == 0 {
		s.fams = []family{famV4, famV6}
	}
	c.write(gen.Initiation(c.opt.SysName, "bmpstream mrt conversion of a TABLE_DUMP_V2 RIB"))
	c.n.Initiation++
	local := s.collector
	if !local.IsValid() {
		local = netip.AddrFrom4([4]byte{192, 0, 2, 1})
	}
	for _, p := range s.peers {
		if p != nil {
			c.n.Peers++
			c.peerUp(p.hdr, local, false, s.fams)
		}
	}
	buf := make([]byte, 0, MaxUpdate+64)
	for _, p := range s.peers {
		if p == nil {
			continue
		}
		for _, f := range s.fams {
			for _, g := range p.groups {
				if g.fam == f {
					c.writeGroup(p, g, &buf)
				}
			}
		}
		for _, f := range s.fams {
			var u []byte
			if f == famV4 {
				u = gen.Update(nil, nil, nil)
			} else {
				u = gen.Update(nil, gen.MPUnreach(f.afi, f.safi, nil), nil)
			}
			c.write(gen.RouteMonitoring(p.hdr, u))
			c.n.EndOfRIBs++
			if f.safi == 1 {
				c.n.Unicast++ // an End-of-RIB is a unicast_prefix record too
			}
		}
		p.groups, p.index = nil, nil // free as we go
	}
	if c.opt.NoTermination {
		return
	}
	for _, p := range s.peers {
		if p != nil {
			c.write(gen.PeerDown(p.hdr, 2, []byte{0, 0})) // local close, no notification; FSM event 0
			c.n.PeerDowns++
		}
	}
	c.write(gen.Termination(0))
	c.n.Terminated++
}

// writeGroup writes the routes of g in as few UPDATEs of at most MaxUpdate bytes as fit.
func (c *converter) writeGroup(p *ribPeer, g *ribGroup, buf *[]byte) {
	mp := g.fam != famV4
	// Fixed part: BGP header 19, withdrawn length 2, attributes length 2, attributes, and
	// for MP families the MP_REACH_NLRI header: flags, type, 2-byte length, AFI, SAFI,
	// next hop length, next hop, reserved.
	fixed := 19 + 2 + 2 + len(g.attrs)
	if mp {
		fixed += 4 + 3 + 1 + len(g.nh) + 1
	}
	room := MaxUpdate - fixed
	for nlri := g.nlri; len(nlri) > 0; {
		// Take whole prefixes while they fit.
		n, k := 0, 0
		for n < len(nlri) {
			l := 1 + (int(nlri[n])+7)/8
			if n+l > room && k > 0 {
				break
			}
			n += l
			k++
		}
		if n > room {
			c.n.skip("route too large for a 4096-byte UPDATE")
			nlri = nlri[n:]
			continue
		}
		var u []byte
		if mp {
			u = update(buf, g.attrs, mpReach(g.fam, g.nh, nlri[:n]), nil)
		} else {
			u = update(buf, g.attrs, nil, nlri[:n])
		}
		c.write(gen.RouteMonitoring(p.hdr, u))
		c.n.Updates++
		c.n.Announced += k
		if g.fam.safi == 1 {
			c.n.Unicast += k
		} else {
			c.n.Multicast += k
		}
		nlri = nlri[n:]
	}
}

// mpReach returns MP_REACH_NLRI (always with the extended length) for f.
func mpReach(f family, nh, nlri []byte) []byte {
	v := make([]byte, 0, 8+len(nh)+len(nlri))
	v = append(v, 0x90, 14) // optional, extended length
	v = u16(v, uint16(5+len(nh)+len(nlri)))
	v = u16(v, f.afi)
	v = append(v, f.safi, uint8(len(nh)))
	v = append(v, nh...)
	v = append(v, 0)
	return append(v, nlri...)
}

// update builds an UPDATE without withdrawn routes into *buf.
func update(buf *[]byte, attrs, mp, nlri []byte) []byte {
	n := 19 + 4 + len(attrs) + len(mp) + len(nlri)
	b := (*buf)[:0]
	for range 16 {
		b = append(b, 0xff)
	}
	b = u16(b, uint16(n))
	b = append(b, 2, 0, 0)
	b = u16(b, uint16(len(attrs)+len(mp)))
	b = append(b, attrs...)
	b = append(b, mp...)
	b = append(b, nlri...)
	*buf = b
	return b
}

// fullMPNextHops walks a RIB record (RFC 6396 §4.3.2: sequence number, prefix, entry count,
// entries) and returns, per entry, the next hop of an MP_REACH_NLRI attribute written in
// the full UPDATE format (AFI 2, SAFI 1 or 2, next hop length, next hop, ...), or nil for
// an entry without one. A record that does not walk cleanly gives what was found so far.
func fullMPNextHops(body []byte, entries int) [][]byte {
	out := make([][]byte, 0, entries)
	if len(body) < 5 {
		return out
	}
	i := 4
	i += 1 + (int(body[i])+7)/8 // prefix length and bytes
	if i+2 > len(body) {
		return out
	}
	i += 2 // entry count
	for range entries {
		if i+8 > len(body) {
			return out
		}
		alen := int(body[i+6])<<8 | int(body[i+7])
		i += 8
		if i+alen > len(body) {
			return out
		}
		out = append(out, mpNextHop(body[i:i+alen]))
		i += alen
	}
	return out
}

// mpNextHop finds a full-format IPv6 MP_REACH_NLRI in attrs and returns its next hop.
func mpNextHop(attrs []byte) []byte {
	for i := 0; i+3 <= len(attrs); {
		flags, typ := attrs[i], attrs[i+1]
		hl, n := 3, int(attrs[i+2])
		if flags&0x10 != 0 {
			if i+4 > len(attrs) {
				return nil
			}
			hl, n = 4, int(attrs[i+2])<<8|int(attrs[i+3])
		}
		if i+hl+n > len(attrs) {
			return nil
		}
		v := attrs[i+hl : i+hl+n]
		if typ == 14 && len(v) >= 4 && v[0] == 0 && v[1] == 2 && (v[2] == 1 || v[2] == 2) {
			l := int(v[3])
			if (l == 16 || l == 32) && 4+l <= len(v) {
				return v[4 : 4+l]
			}
			return nil
		}
		i += hl + n
	}
	return nil
}
