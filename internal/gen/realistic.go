package gen

import (
	"encoding/binary"
	"io"
	"math/rand/v2"
	"net/netip"
)

// transitASNs are well-known transit networks used to build plausible AS paths.
var transitASNs = []uint32{3356, 174, 1299, 2914, 6939, 3257, 6453, 6762, 7018, 3491, 6461, 5511, 1273, 4637, 9002, 12956}

// writeRealistic writes a stream with several peers and per-UPDATE attributes that vary as
// in a real table: AS paths of 2 to 8 hops ending in a random origin (a quarter of them
// 4-byte), 0 to 6 communities, sometimes a large community and a MED, IPv4 prefixes of
// /16 to /24 (mostly /24) and IPv6 prefixes of /29 to /48. UPDATEs go to the peers in
// turn. The pseudo-random choices come from spec.Seed: the same spec gives the same bytes.
func writeRealistic(w io.Writer, spec StreamSpec) (StreamCounts, error) {
	var c StreamCounts
	rng := rand.New(rand.NewPCG(spec.Seed, 0x626d7073))
	npeers := max(spec.Peers, 1)
	peers := make([]Peer, npeers)
	nh6 := make([]netip.Addr, npeers)
	for i := range peers {
		v4 := netip.AddrFrom4([4]byte{192, 0, 2, byte(10 + i%200)})
		if i >= 200 {
			v4 = netip.AddrFrom4([4]byte{198, 51, byte(i / 200), byte(i % 200)})
		}
		peers[i] = Peer{Addr: v4, AS: transitASNs[i%len(transitASNs)], BGPID: v4, Time: DefaultPeer().Time}
		var a [16]byte
		a[0], a[1], a[2], a[3] = 0x20, 0x01, 0x0d, 0xb8
		binary.BigEndian.PutUint32(a[12:], uint32(i+1))
		nh6[i] = netip.AddrFrom16(a)
	}
	write := func(b []byte) error { c.Messages++; _, err := w.Write(b); return err }
	if err := write(Initiation(spec.SysName, "bmpstream synthetic stream (realistic attributes)")); err != nil {
		return c, err
	}
	local := netip.MustParseAddr("192.0.2.1")
	for _, p := range peers {
		caps := [][]byte{CapMP(1, 1), CapMP(2, 1)}
		sent := Open(64512, 90, local, append(caps[:2:2], CapAS4(64512))...)
		recv := Open(uint16(p.AS), 90, p.BGPID, append(caps[:2:2], CapAS4(p.AS))...)
		if err := write(PeerUp(p, local, 179, 40000, sent, recv)); err != nil {
			return c, err
		}
		c.PeerUps++
	}
	v4 := make([]netip.Prefix, 0, spec.PerUpdate)
	v6 := make([]netip.Prefix, 0, spec.PerUpdate)
	buf := make([]byte, 0, 4096)
	var attrs []byte
	for i, upd := 0, 0; i < spec.Prefixes; upd++ {
		n := min(spec.PerUpdate, spec.Prefixes-i)
		pi := upd % npeers
		p := peers[pi]
		six := spec.IPv6 && (upd/npeers)%2 == 1
		v4, v6 = v4[:0], v6[:0]
		for range n {
			if six {
				bits := 29 + rng.IntN(20)
				var a [16]byte
				a[0], a[1] = 0x2a, byte(rng.IntN(16))
				binary.BigEndian.PutUint64(a[2:], rng.Uint64())
				v6 = append(v6, netip.PrefixFrom(netip.AddrFrom16(a), bits).Masked())
			} else {
				bits := 24
				switch r := rng.IntN(10); {
				case r < 2:
					bits = 16 + rng.IntN(6)
				case r < 4:
					bits = 22 + rng.IntN(2)
				}
				var a [4]byte
				binary.BigEndian.PutUint32(a[:], uint32(1+rng.IntN(222))<<24|rng.Uint32()&0xffffff)
				v4 = append(v4, netip.PrefixFrom(netip.AddrFrom4(a), bits).Masked())
			}
		}
		attrs = randomAttrs(attrs[:0], rng, p.AS, six)
		var u []byte
		if six {
			u = Update(nil, Cat(attrs, MPReach(2, 1, nh6[pi:pi+1], Prefixes(v6, nil))), nil)
			c.V6 += n
		} else {
			u = Update(nil, Cat(attrs, NextHop(p.Addr)), Prefixes(v4, nil))
			c.V4 += n
		}
		buf = append(buf[:0], RouteMonitoring(p, u)...)
		if err := write(buf); err != nil {
			return c, err
		}
		i += n
	}
	for _, p := range peers {
		if err := write(PeerDown(p, 4, nil)); err != nil {
			return c, err
		}
		c.PeerDowns++
	}
	return c, write(Termination(0))
}

// randomAttrs appends ORIGIN, AS_PATH, MED (sometimes), COMMUNITIES (sometimes) and
// LARGE_COMMUNITIES (sometimes) for a route learnt from peerAS.
func randomAttrs(b []byte, rng *rand.Rand, peerAS uint32, six bool) []byte {
	b = append(b, Origin(uint8(rng.IntN(3)))...)
	hops := 1 + rng.IntN(7)
	path := make([]uint32, 0, hops+1)
	path = append(path, peerAS)
	for range hops - 1 {
		path = append(path, transitASNs[rng.IntN(len(transitASNs))])
	}
	origin := uint32(1 + rng.IntN(64000))
	if rng.IntN(4) == 0 {
		origin = 131072 + uint32(rng.IntN(270000))
	}
	if rng.IntN(8) == 0 { // prepending
		path = append(path, origin, origin)
	}
	path = append(path, origin)
	b = append(b, ASPath(true, path...)...)
	if rng.IntN(3) == 0 {
		b = append(b, MED(uint32(rng.IntN(1000)))...)
	}
	if k := rng.IntN(7); k > 0 {
		cs := make([]uint32, k)
		for j := range cs {
			cs[j] = peerAS<<16 | uint32(rng.IntN(4000))
		}
		b = append(b, Communities(cs...)...)
	}
	if rng.IntN(5) == 0 {
		b = append(b, LargeCommunities([3]uint32{peerAS, uint32(rng.IntN(100)), uint32(rng.IntN(1000))})...)
	}
	return b
}
