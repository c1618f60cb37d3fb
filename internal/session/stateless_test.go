package session

import (
	"encoding/binary"
	"net/netip"
	"reflect"
	"testing"

	"github.com/bmpstream/bmpstream/internal/gen"
)

// bmpv4RM builds a BMPv4 Route Monitoring message: per-peer header, then indexed TLVs
// (type, length, index 0, value): the Stateless Parsing TLV (type 1) when caps is not
// nil, and the BGP PDU (type 4), the assignment of NetGauze's captures.
func bmpv4RM(p gen.Peer, caps, update []byte) []byte {
	itlv := func(typ uint16, v []byte) []byte {
		b := binary.BigEndian.AppendUint16(nil, typ)
		b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
		return append(append(b, 0, 0), v...)
	}
	var tlvs []byte
	if caps != nil {
		tlvs = itlv(1, caps)
	}
	return gen.BMPv(4, 0, p.Header(), tlvs, itlv(4, update))
}

// TestStatelessParsingAddPath: without any Peer Up, the ADD-PATH capability of a BMPv4
// Stateless Parsing TLV decides whether the NLRI carry path identifiers, by direction.
func TestStatelessParsingAddPath(t *testing.T) {
	capAP := func(afi uint16, safi, mode uint8) []byte {
		return gen.CapAddPath(gen.AddPathEntry{AFI: afi, SAFI: safi, Mode: mode})
	}
	nh := []netip.Addr{netip.MustParseAddr("192.0.2.2")}
	withID := gen.Update(nil, gen.Cat(gen.Origin(0), gen.MPReach(1, 128, nh, vpnNLRI(pid(3), "102.0.0.1/32", vpnRD0, lbl(48001)))), nil)
	noID := gen.Update(nil, gen.Cat(gen.Origin(0), gen.MPReach(1, 128, nh, vpnNLRI(nil, "102.0.0.2/32", vpnRD0, lbl(48002)))), nil)
	v4ID := gen.Update(nil, gen.Cat(gen.Origin(0), gen.NextHop(nh[0])), gen.Prefixes(pfx("10.0.0.0/8"), []uint32{0}))
	out := peer
	out.Flags = 0x10 // Adj-RIB-Out
	loc := gen.Peer{Type: 3, AS: 65001, BGPID: local}
	rs, c := run(t, Config{},
		bmpv4RM(peer, capAP(1, 128, 3), withID),                         // Adj-RIB-In, send/receive: path IDs
		bmpv4RM(peer, capAP(1, 128, 1), withID),                         // Adj-RIB-In, receive: path IDs
		bmpv4RM(out, capAP(1, 128, 1), noID),                            // Adj-RIB-Out, receive only: none
		bmpv4RM(out, capAP(1, 128, 2), withID),                          // Adj-RIB-Out, send: path IDs
		bmpv4RM(loc, nil, noID),                                         // no TLV, no Peer Up: none
		bmpv4RM(peer, gen.Cat(gen.CapAS4(65002), capAP(1, 1, 3)), v4ID), // IPv4 unicast, other caps around
		bmpv4RM(peer, []byte{69, 4, 0, 1, 128}, noID),                   // malformed capability list: ignored
	)
	want := []string{"l3vpn:add:102.0.0.1/32", "l3vpn:add:102.0.0.1/32", "l3vpn:add:102.0.0.2/32", "l3vpn:add:102.0.0.1/32",
		"l3vpn:add:102.0.0.2/32", "unicast_prefix:add:10.0.0.0/8", "l3vpn:add:102.0.0.2/32"}
	if got := summary(rs); !reflect.DeepEqual(got, want) {
		t.Fatalf("records:\n got  %q\n want %q", got, want)
	}
	for i, id := range []any{3.0, 3.0, nil, 3.0, nil, 0.0, nil} {
		checkFields(t, rs[i], map[string]any{"path_id": id})
	}
	if n := c.AddPathMismatches.Load(); n != 0 {
		t.Fatalf("%d ADD-PATH mismatches, want 0", n)
	}
}
