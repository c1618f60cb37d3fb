package gen

import (
	"encoding/binary"
	"io"
	"net/netip"
	"time"
)

// StreamSpec describes a synthetic router stream: one Initiation, one Peer Up, then
// Route Monitoring messages announcing Prefixes prefixes (PerUpdate per UPDATE;
// alternately IPv4 through classic NLRI and IPv6 through MP_REACH_NLRI when IPv6 is set),
// then a Peer Down and a Termination.
type StreamSpec struct {
	Prefixes  int
	PerUpdate int
	IPv6      bool
	Peer      Peer
	// SysName is the Initiation sysName (default "gen-router").
	SysName string
	// Peers > 1 or Realistic selects the realistic generator: that many peers (UPDATEs go
	// to them in turn) and attributes, prefixes and lengths that vary per UPDATE, drawn
	// from a pseudo-random sequence seeded by Seed. Peer is then ignored.
	Peers     int
	Realistic bool
	Seed      uint64
}

// StreamCounts are the records a collector must produce for a StreamSpec.
type StreamCounts struct {
	Messages, V4, V6 int
	// PeerUps and PeerDowns are set by the realistic generator (the plain one sends one
	// of each and leaves them 0).
	PeerUps, PeerDowns int
}

// DefaultPeer is the peer used by generated streams.
func DefaultPeer() Peer {
	return Peer{Addr: netip.MustParseAddr("192.0.2.2"), AS: 65002, BGPID: netip.MustParseAddr("192.0.2.2"),
		Time: time.Unix(1763770000, 123000)}
}

// WriteStream writes the stream to w and returns its counts.
func WriteStream(w io.Writer, spec StreamSpec) (StreamCounts, error) {
	var c StreamCounts
	if spec.PerUpdate < 1 {
		spec.PerUpdate = 1
	}
	if spec.SysName == "" {
		spec.SysName = "gen-router"
	}
	if spec.Peers > 1 || spec.Realistic {
		return writeRealistic(w, spec)
	}
	p := spec.Peer
	if !p.Addr.IsValid() {
		p = DefaultPeer()
	}
	caps := [][]byte{CapMP(1, 1), CapMP(2, 1), CapAS4(65002)}
	sent := Open(65001, 90, netip.MustParseAddr("192.0.2.1"), append(caps[:2:2], CapAS4(65001))...)
	recv := Open(65002, 90, netip.MustParseAddr("192.0.2.2"), caps...)
	write := func(b []byte) error { c.Messages++; _, err := w.Write(b); return err }
	if err := write(Initiation(spec.SysName, "bmpstream synthetic stream")); err != nil {
		return c, err
	}
	if err := write(PeerUp(p, netip.MustParseAddr("192.0.2.1"), 179, 40000, sent, recv)); err != nil {
		return c, err
	}
	attrs4 := Cat(Origin(0), ASPath(true, 65002, 65100, 4200000001), NextHop(netip.MustParseAddr("192.0.2.2")),
		MED(10), Communities(65002<<16|100, 0xFFFFFF01), LargeCommunities([3]uint32{65002, 1, 2}))
	base6 := Cat(Origin(0), ASPath(true, 65002, 65100, 4200000001), MED(10), Communities(65002<<16|100))
	nh6 := []netip.Addr{netip.MustParseAddr("2001:db8::2")}
	v4 := make([]netip.Prefix, 0, spec.PerUpdate)
	v6 := make([]netip.Prefix, 0, spec.PerUpdate)
	buf := make([]byte, 0, 4096)
	for i, upd := 0, 0; i < spec.Prefixes; upd++ {
		n := min(spec.PerUpdate, spec.Prefixes-i)
		six := spec.IPv6 && upd%2 == 1
		v4, v6 = v4[:0], v6[:0]
		for j := 0; j < n; j++ {
			k := uint32(i + j)
			if six {
				var a [16]byte
				a[0], a[1], a[2], a[3] = 0x20, 0x01, 0x0d, 0xb8
				binary.BigEndian.PutUint32(a[4:], k)
				v6 = append(v6, netip.PrefixFrom(netip.AddrFrom16(a), 64))
			} else {
				var a [4]byte
				binary.BigEndian.PutUint32(a[:], 0x0a000000+k<<8)
				v4 = append(v4, netip.PrefixFrom(netip.AddrFrom4(a), 24))
			}
		}
		var u []byte
		if six {
			u = Update(nil, Cat(base6, MPReach(2, 1, nh6, Prefixes(v6, nil))), nil)
			c.V6 += n
		} else {
			u = Update(nil, attrs4, Prefixes(v4, nil))
			c.V4 += n
		}
		buf = append(buf[:0], RouteMonitoring(p, u)...)
		if err := write(buf); err != nil {
			return c, err
		}
		i += n
	}
	if err := write(PeerDown(p, 4, nil)); err != nil {
		return c, err
	}
	return c, write(Termination(0))
}
