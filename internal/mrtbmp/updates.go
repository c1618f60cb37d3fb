package mrtbmp

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/packet/mrt"

	"github.com/bmpstream/bmpstream/internal/gen"
)

// updState follows the peers of a BGP4MP file.
type updState struct {
	peers map[netip.Addr]*updPeer
	order []*updPeer
}

type updPeer struct {
	hdr   gen.Peer
	local netip.Addr
	as2   bool // seen in BGP4MP_MESSAGE (2-byte AS numbers)
	up    bool
}

// BGP4MP state numbers (RFC 6396 §4.4.1).
const stateEstablished = 6

var updFams = []family{famV4, famV6}

func (c *converter) updateRecord(h *mrt.MRTHeader, body []byte) error {
	if c.upd == nil {
		c.upd = &updState{peers: make(map[netip.Addr]*updPeer)}
		c.write(gen.Initiation(c.opt.SysName, "bmpstream mrt conversion of BGP4MP updates"))
		c.n.Initiation++
	}
	sub := mrt.MRTSubTypeBGP4MP(h.SubType)
	var as4, addPath bool
	switch sub {
	case mrt.STATE_CHANGE, mrt.STATE_CHANGE_AS4:
	case mrt.MESSAGE:
	case mrt.MESSAGE_AS4:
		as4 = true
	case mrt.MESSAGE_ADDPATH, mrt.MESSAGE_AS4_ADDPATH:
		addPath = true
	default:
		c.n.skip(fmt.Sprintf("bgp4mp subtype %d", h.SubType))
		return nil
	}
	if addPath {
		c.n.skip("bgp4mp add-path message")
		return nil
	}
	// ParseBody checks the body against the header's length, which for BGP4MP_ET counts
	// the microseconds already taken off.
	hh := *h
	if h.Type.HasExtendedTimestamp() {
		hh.Len -= 4
	}
	m, err := mrt.ParseBody(body, &hh)
	if err != nil {
		c.n.skip("undecodable bgp4mp record")
		return nil
	}
	t := h.GetTime()
	switch b := m.Body.(type) {
	case *mrt.BGP4MPStateChange:
		p := c.updPeer(b.BGP4MPHeader, false, t)
		switch {
		case b.NewState == stateEstablished && !p.up:
			c.updUp(p)
		case b.NewState != stateEstablished && p.up:
			p.hdr.Time = t
			c.write(gen.PeerDown(p.hdr, 4, nil)) // remote closed, no data
			c.n.PeerDowns++
			p.up = false
		}
	case *mrt.BGP4MPMessage:
		if b.BGPMessage == nil || b.BGPMessage.Header.Type != bgp.BGP_MSG_UPDATE {
			c.n.skip("bgp4mp message other than UPDATE")
			return nil
		}
		// The raw BGP message: what follows the BGP4MP header (AS numbers, interface
		// index, address family, peer and local addresses).
		off := 4 + 4
		if as4 {
			off += 4
		}
		if b.AddressFamily == 2 {
			off += 32
		} else {
			off += 8
		}
		if off+19 > len(body) {
			c.n.skip("short bgp4mp message")
			return nil
		}
		raw := body[off:]
		if l := int(raw[16])<<8 | int(raw[17]); l <= len(raw) {
			raw = raw[:l]
		}
		p := c.updPeer(b.BGP4MPHeader, !as4, t)
		if p.as2 != !as4 {
			c.n.skip("peer seen with both 2- and 4-byte AS numbers")
			return nil
		}
		if !p.up {
			c.updUp(p)
		}
		p.hdr.Time = t
		c.write(gen.RouteMonitoring(p.hdr, raw))
		c.n.Updates++
		c.countUpdate(b.BGPMessage.Body.(*bgp.BGPUpdate))
	default:
		return fmt.Errorf("bgp4mp subtype %d decoded as %T", h.SubType, m.Body)
	}
	return nil
}

// updPeer returns the peer of a BGP4MP header, creating it on first sight.
func (c *converter) updPeer(h *mrt.BGP4MPHeader, as2 bool, t time.Time) *updPeer {
	s := c.upd
	a := h.PeerIpAddress.Unmap()
	if p, ok := s.peers[a]; ok {
		return p
	}
	id := netip.Addr{}
	if a.Is4() {
		id = a // no BGP identifier in BGP4MP: the address stands in
	}
	p := &updPeer{hdr: peerHeader(a, h.PeerAS, id, as2, t), local: h.LocalIpAddress.Unmap(), as2: as2}
	s.peers[a] = p
	s.order = append(s.order, p)
	c.n.Peers++
	return p
}

func (c *converter) updUp(p *updPeer) {
	local := p.local
	if !local.IsValid() {
		local = netip.AddrFrom4([4]byte{192, 0, 2, 1})
	}
	c.peerUp(p.hdr, local, p.as2, updFams)
	p.up = true
}

// countUpdate counts the IP routes of an UPDATE.
func (c *converter) countUpdate(u *bgp.BGPUpdate) {
	c.n.Withdrawn += len(u.WithdrawnRoutes)
	c.n.Announced += len(u.NLRI)
	c.n.Unicast += len(u.NLRI)
	for _, a := range u.PathAttributes {
		switch a := a.(type) {
		case *bgp.PathAttributeMpReachNLRI:
			if a.AFI <= 2 && a.SAFI <= 2 {
				c.n.Announced += len(a.Value)
				if a.SAFI == 1 {
					c.n.Unicast += len(a.Value)
				} else {
					c.n.Multicast += len(a.Value)
				}
			}
		case *bgp.PathAttributeMpUnreachNLRI:
			if a.AFI <= 2 && a.SAFI <= 2 {
				c.n.Withdrawn += len(a.Value)
			}
		}
	}
}

// updFinish ends a BGP4MP stream: Peer Downs for the peers still up and a Termination.
func (c *converter) updFinish() {
	if c.opt.NoTermination {
		return
	}
	for _, p := range c.upd.order {
		if p.up {
			c.write(gen.PeerDown(p.hdr, 2, []byte{0, 0}))
			c.n.PeerDowns++
		}
	}
	c.write(gen.Termination(0))
	c.n.Terminated++
}
