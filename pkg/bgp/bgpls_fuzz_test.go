package bgp

import (
	"testing"

	g "github.com/bmpstream/bmpstream/internal/gen"
)

func bgplsSeeds() [][]byte {
	rd := []byte{0, 1, 192, 0, 2, 1, 0, 7}
	return [][]byte{
		g.LSNLRI(LSNLRINode, nil, LSProtoISISL2, 1, isisLocal),
		g.LSNLRI(LSNLRILink, nil, LSProtoOSPFv2, 0, ospfLocal, ospfRemote, g.LSTLV(258, g.U32(1), g.U32(2)), g.LSTLV(259, g.IP("10.1.1.1")), g.LSTLV(263, g.U16(2))),
		g.LSNLRI(LSNLRIIPv4Prefix, rd, LSProtoOSPFv2, 0, ospfLocal, g.LSTLV(264, []byte{1}), g.LSTLV(265, []byte{24, 10, 0, 0})),
		g.LSNLRI(LSNLRIIPv6Prefix, nil, LSProtoISISL1, 0, isisLocal, g.LSTLV(265, []byte{64, 0x20, 1, 0xd, 0xb8, 0, 0, 0, 1})),
		g.LSNLRI(LSNLRISRv6SID, nil, LSProtoISISL2, 0, isisLocal, g.LSTLV(518, g.IP("fc00::1"))),
		g.LSNLRI(LSNLRITEPolicy, nil, LSProtoSR, 0, epeLocal, g.LSTLV(554, []byte{1})),
		g.WithPathID(3, g.LSNLRI(LSNLRILink, nil, LSProtoBGP, 0, epeLocal, epeRemote)),
	}
}

// FuzzBGPLSNLRI: any input decodes or fails with an *Error, never panics; decoded routes
// tile the input exactly.
func FuzzBGPLSNLRI(f *testing.F) {
	for i, s := range bgplsSeeds() {
		f.Add(s, i == 6, i == 2)
	}
	f.Fuzz(func(t *testing.T, b []byte, addPath, vpn bool) {
		rs, err := DecodeBGPLS(b, addPath, vpn, nil)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		n := 0
		for i := range rs {
			n += len(rs[i].Raw)
			if addPath {
				n += 4
			}
			if rs[i].HasRD != vpn || rs[i].HasPathID != addPath {
				t.Fatalf("route %d: RD %v path ID %v", i, rs[i].HasRD, rs[i].HasPathID)
			}
		}
		if n != len(b) {
			t.Fatalf("routes cover %d of %d bytes", n, len(b))
		}
	})
}

// FuzzBGPLSAttr: any attribute value decodes without panicking; a nil error means no
// malformed TLV.
func FuzzBGPLSAttr(f *testing.F) {
	f.Add(g.Cat(g.LSTLV(1026, []byte("r1")), g.LSTLV(1034, []byte{0x80, 0}, []byte{0, 0xfa, 0}, sidTLV([]byte{1, 0x86, 0xa0})), g.LSTLV(1035, []byte{0, 1})))
	f.Add(g.Cat(g.LSTLV(1095, g.U16(10)), g.LSTLV(1099, []byte{0x30, 0, 0, 0}, []byte{0, 0x5d, 0xc1}), g.LSTLV(1115, g.U32(1), g.U32(2))))
	f.Add(g.LSTLV(1122, []byte{4, 4, 0, 0}, g.U32(0x80000000), g.U32(1), g.LSTLV(1092, g.U32(15))))
	f.Add(g.LSTLV(1106, g.U16(0x39), []byte{0x80, 0, 5, 0}, g.IP("fc00::"), g.LSTLV(1252, []byte{32, 16, 16, 0})))
	f.Add(g.LSTLV(1039, []byte{128, 1, 0, 200}, g.LSTLV(1040, g.U32(1)), g.LSTLV(1043, []byte{0x80})))
	f.Add(g.Cat(g.LSTLV(1158, []byte{0x40, 0, 0, 0}, g.U32(1)), g.LSTLV(1162, []byte{0, 0, 0, 0}, g.U32(1)), g.LSTLV(1251, make([]byte, 12))))
	f.Fuzz(func(t *testing.T, v []byte) {
		var a LSAttr
		err := DecodeBGPLSAttr(v, &a)
		if (err == nil) != (a.Malformed == 0) {
			t.Fatalf("error %v with %d malformed TLVs", err, a.Malformed)
		}
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T %v", err, err)
			}
		}
	})
}
