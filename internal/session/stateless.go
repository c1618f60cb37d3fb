package session

import (
	"encoding/binary"

	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/bmp"
)

// BMPv4 "stateless parsing" (draft-ietf-grow-bmp-tlv): a Route Monitoring message may
// carry a Stateless Parsing TLV whose value is a list of BGP capabilities (code, length,
// value) that tell how to parse its UPDATE without the Peer Up OPENs. bmpstream reads the
// ADD-PATH capability (code 69) from it: for each family listed, the message's NLRI carry
// path identifiers when the monitored router's mode covers the message's direction
// (Adj-RIB-In: Receive, 1 or 3; Adj-RIB-Out: Send, 2 or 3; Loc-RIB: any). Families the TLV
// does not list keep the Peer Up setting. A value that is not a clean capability list is
// ignored. (Seen in NetGauze's BMPv4 captures: "45 04 0001 80 03" = ADD-PATH, VPNv4,
// send/receive; a stream without any Peer Up relies on it.)

// statelessAddPath returns the ADD-PATH families of the current Route Monitoring message:
// base (from the Peer Up) adjusted by its Stateless Parsing TLV, if any.
func (s *Session) statelessAddPath(h *bmp.PeerHeader, base []bgp.Family) []bgp.Family {
	v, ok := bmp.LookupTLV(s.msg.RouteMonitoring.TLVs, bmp.RMTLVStatelessParsing)
	if !ok || !validCapabilities(v) {
		return base
	}
	out := append(s.apScratch[:0], base...)
	for i := 0; i < len(v); i += 2 + int(v[i+1]) {
		if v[i] != bgp.CapAddPath {
			continue
		}
		val := v[i+2 : i+2+int(v[i+1])]
		for j := 0; j+4 <= len(val); j += 4 {
			f := bgp.Family{AFI: binary.BigEndian.Uint16(val[j:]), SAFI: val[j+2]}
			mode := val[j+3]
			var on bool
			switch {
			case h.Type == bmp.PeerTypeLocRIB:
				on = mode != 0
			case h.IsAdjRIBOut():
				on = mode&bgp.AddPathSend != 0
			default:
				on = mode&bgp.AddPathReceive != 0
			}
			out = setFamily(out, f, on)
		}
	}
	s.apScratch = out
	return out
}

// validCapabilities reports whether v is exactly a sequence of capabilities.
func validCapabilities(v []byte) bool {
	i := 0
	for i+2 <= len(v) {
		i += 2 + int(v[i+1])
	}
	return i == len(v)
}

// setFamily adds f to fs (on) or removes it (off).
func setFamily(fs []bgp.Family, f bgp.Family, on bool) []bgp.Family {
	for i, x := range fs {
		if x == f {
			if on {
				return fs
			}
			return append(fs[:i], fs[i+1:]...)
		}
	}
	if on {
		fs = append(fs, f)
	}
	return fs
}
