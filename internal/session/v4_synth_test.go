package session

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/bmp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// Captured code points (bmp.CapturedRMTLVCodes).
const (
	tlvSP, tlvGroup, tlvVRF, tlvPDU, tlvPS = 1, 2, 3, 4, 5
)

func u16p(v uint16) *uint16 { return &v }

// v4Test is a fake family for the family-handler path: its NLRI are 4-byte items (8
// with ADD-PATH: a path identifier first). A section whose length is not a multiple of
// the item size is a decode error.
var v4TestFamily = bgp.Family{AFI: 0xfff0, SAFI: 0xf0}

func init() { RegisterFamily(Family{Decode: v4TestHandler}, v4TestFamily) }

type v4TestRec struct {
	record.Head
	Item    string
	AddPath bool
	record.V4Fields
}

func (r *v4TestRec) AppendJSON(dst []byte) []byte {
	v4, _ := json.Marshal(r.V4Fields)
	dst = fmt.Appendf(dst, `{"type":"unknown_nlri","v4test":true,"action":%q,"sequence":%d,"prefix":%q,"prefix_len":%q,"add_path":%t`,
		r.Action, r.Sequence, r.Item, "item", r.AddPath)
	if len(v4) > 2 {
		dst = append(dst, ',')
		dst = append(dst, v4[1:]...)
		return dst
	}
	return append(dst, '}')
}

func v4TestHandler(c *Ctx, sec *Section) error {
	size := 4
	if sec.AddPath {
		size = 8
	}
	if len(sec.NLRI)%size != 0 {
		return fmt.Errorf("%d bytes of %d-byte items", len(sec.NLRI), size)
	}
	action := record.ActionDel
	if sec.Announce {
		action = record.ActionAdd
	}
	for i := 0; i*size < len(sec.NLRI); i++ {
		item := sec.NLRI[i*size : (i+1)*size]
		r := &v4TestRec{Head: record.Head{Action: action, Sequence: c.Sequence()}, Item: fmt.Sprintf("%x", item[size-4:]),
			AddPath: sec.AddPath, V4Fields: c.V4Fields(sec, i)}
		c.Emit(r, record.TypeUnknownNLRI, true)
	}
	return nil
}

func routeViewsAll(rs []rec) []string {
	var out []string
	for _, r := range rs {
		switch {
		case r["v4test"] == true:
			out = append(out, fmt.Sprintf("test:%v %v add_path=%v", r["action"], v4view(r), r["add_path"]))
		case r["type"] == "unknown_nlri":
			out = append(out, fmt.Sprintf("unknown_nlri:%v %v/%v", r["action"], r["afi"], r["safi"]))
		case r["type"] == "unicast_prefix":
			out = append(out, fmt.Sprintf("unicast_prefix:%v %s", r["action"], v4view(r)))
		}
	}
	return out
}

var v6nh = []netip.Addr{netip.MustParseAddr("2001:db8::2")}

// TestV4IndexResolution: NLRI are counted in wire order over the whole UPDATE (withdrawn
// routes 1, MP_REACH 2-3, MP_UNREACH 4, NLRI 5-8) although the records come out in the
// session's order (withdrawn, MP_UNREACH, MP_REACH, NLRI); direct indexes beat groups,
// which beat index 0; the first of two TLVs for one index wins; other TLVs follow the
// NLRI they name.
func TestV4IndexResolution(t *testing.T) {
	update := gen.Update(gen.Prefixes(pfx("198.51.100.0/24"), nil),
		gen.Cat(attrs,
			gen.MPReach(2, 1, v6nh, gen.Prefixes(pfx("2001:db8:1::/48", "2001:db8:2::/48"), nil)),
			gen.MPUnreach(2, 1, gen.Prefixes(pfx("2001:db8:9::/48"), nil))),
		gen.Prefixes(pfx("203.0.113.0/24", "203.0.114.0/24", "203.0.115.0/24", "203.0.116.0/24"), nil))
	msg := gen.RouteMonitoringV4(peer,
		gen.IndexedTLV(tlvGroup, 0x8001, gen.GroupValue(3, 6)),
		gen.IndexedTLV(tlvGroup, 0x8002, gen.GroupValue(4, 8)),
		gen.IndexedTLV(tlvVRF, 0, []byte("vrf-a")),
		gen.IndexedTLV(tlvPS, 0, gen.PathStatusValue(bmp.PathStatusBackup, nil)),
		gen.IndexedTLV(tlvPS, 2, gen.PathStatusValue(bmp.PathStatusBest, u16p(0))),
		gen.IndexedTLV(tlvPS, 0x8001, gen.PathStatusValue(bmp.PathStatusNonSelected, u16p(bmp.PathReasonNotPreferredMED))),
		gen.IndexedTLV(tlvPS, 6, gen.PathStatusValue(bmp.PathStatusBest|bmp.PathStatusPrimary, nil)),
		gen.IndexedTLV(tlvPS, 6, gen.PathStatusValue(bmp.PathStatusInvalid, u16p(1))),
		gen.IndexedTLV(tlvPS, 99, gen.PathStatusValue(bmp.PathStatusInvalid, nil)), // out of range: ignored
		gen.IndexedTLV(9, 7, []byte{1, 2}),
		gen.IndexedTLV(0x8009, 0x8002, gen.EnterpriseValue(2925, []byte{0xff})),
		gen.IndexedTLV(tlvPDU, 0, update),
		gen.IndexedTLV(10, 0, nil),
	)
	rs, c := run(t, Config{}, gen.PeerUp(peer, local, 179, 40000, sentOpn, recvOpn), msg)
	ent := "32777@32770/pen2925:ff"
	want := []string{
		"unicast_prefix:del 198.51.100.0/24 status=backup(16) tlvs=10@0: table=vrf-a",
		"unicast_prefix:del 2001:db8:9::/48 status=backup(16) tlvs=" + ent + ",10@0: table=vrf-a",
		"unicast_prefix:add 2001:db8:1::/48 status=best(2) tlvs=10@0: table=vrf-a",
		"unicast_prefix:add 2001:db8:2::/48 status=non_selected(4) reason=not_preferred_med(6) tlvs=10@0: table=vrf-a",
		"unicast_prefix:add 203.0.113.0/24 status=backup(16) tlvs=10@0: table=vrf-a",
		"unicast_prefix:add 203.0.114.0/24 status=best,primary(10) tlvs=10@0: table=vrf-a",
		"unicast_prefix:add 203.0.115.0/24 status=backup(16) tlvs=9@7:0102,10@0: table=vrf-a",
		"unicast_prefix:add 203.0.116.0/24 status=backup(16) tlvs=" + ent + ",10@0: table=vrf-a",
	}
	if got := routeViewsAll(rs); !reflect.DeepEqual(got, want) {
		t.Fatalf("records:\n got  %q\n want %q", got, want)
	}
	if n := c.DecodeErrors[ErrUpdate].Load() + c.DecodeErrors[ErrBMP].Load(); n != 0 {
		t.Fatalf("%d decode errors", n)
	}
}

// TestV4IndexZeroOnly: TLVs with index 0 only reach every NLRI; End-of-RIB records get
// the table name but no route TLVs; a BMPv4 message without TLVs and a BMPv3 message
// get nothing.
func TestV4IndexZeroOnly(t *testing.T) {
	upd := gen.Update(nil, attrs, gen.Prefixes(pfx("203.0.113.0/24", "203.0.114.0/24"), nil))
	rs, _ := run(t, Config{},
		gen.RouteMonitoringV4(peer, gen.IndexedTLV(tlvVRF, 0, []byte("red")),
			gen.IndexedTLV(tlvPS, 0, gen.PathStatusValue(bmp.PathStatusInvalid, u16p(bmp.PathReasonInvalidASLoop))),
			gen.IndexedTLV(tlvPDU, 0, upd)),
		gen.RouteMonitoringV4(peer, gen.IndexedTLV(tlvVRF, 0, []byte("red")), gen.IndexedTLV(tlvPDU, 0, gen.Update(nil, nil, nil))),
		gen.RouteMonitoringV4(peer, gen.IndexedTLV(tlvPDU, 0, upd)),
		gen.RouteMonitoring(peer, upd))
	want := []string{
		"unicast_prefix:add 203.0.113.0/24 status=invalid(1) reason=invalid_as_loop(1) table=red",
		"unicast_prefix:add 203.0.114.0/24 status=invalid(1) reason=invalid_as_loop(1) table=red",
		"unicast_prefix:add eor table=red",
		"unicast_prefix:add 203.0.113.0/24",
		"unicast_prefix:add 203.0.114.0/24",
		"unicast_prefix:add 203.0.113.0/24",
		"unicast_prefix:add 203.0.114.0/24",
	}
	if got := routeViewsAll(rs); !reflect.DeepEqual(got, want) {
		t.Fatalf("records:\n got  %q\n want %q", got, want)
	}
}

// TestV4FamilyHandlerIndexes: the NLRI of a family decoded by a handler are counted as
// the handler emits them; a section that cannot be counted (decode error, no handler)
// leaves the sections after it with the index-0 TLVs only.
func TestV4FamilyHandlerIndexes(t *testing.T) {
	items := func(ids []uint32, vs ...uint32) []byte {
		var b []byte
		for i, v := range vs {
			if ids != nil {
				b = binary32(b, ids[i])
			}
			b = binary32(b, v)
		}
		return b
	}
	nlri := gen.Prefixes(pfx("203.0.113.0/24", "203.0.114.0/24"), nil)
	tlvs := func(upd []byte, extra ...[]byte) []byte {
		return gen.Cat(append(extra,
			gen.IndexedTLV(tlvPS, 2, gen.PathStatusValue(bmp.PathStatusBest, nil)),
			gen.IndexedTLV(tlvPS, 4, gen.PathStatusValue(bmp.PathStatusPrimary, nil)),
			gen.IndexedTLV(10, 0, []byte{7}),
			gen.IndexedTLV(tlvPDU, 0, upd))...)
	}
	ok := gen.Update(nil, gen.Cat(attrs, gen.MPReach(0xfff0, 0xf0, v6nh, items(nil, 0xa1, 0xa2, 0xa3))), nlri)
	bad := gen.Update(nil, gen.Cat(attrs, gen.MPReach(0xfff0, 0xf0, v6nh, []byte{1, 2, 3})), nlri)
	unknown := gen.Update(nil, gen.Cat(attrs, gen.MPReach(0xfff1, 0xf1, v6nh, []byte{1, 2, 3})), nlri)
	// With a Stateless Parsing TLV giving ADD-PATH to the test family: 8-byte items.
	sp := gen.IndexedTLV(tlvSP, 0, gen.CapAddPath(gen.AddPathEntry{AFI: 0xfff0, SAFI: 0xf0, Mode: 1}))
	addPath := gen.Update(nil, gen.Cat(attrs, gen.MPReach(0xfff0, 0xf0, v6nh, items([]uint32{1, 2}, 0xb1, 0xb2))), nlri)
	rs, c := run(t, Config{},
		gen.RouteMonitoringV4(peer, tlvs(ok)),
		gen.RouteMonitoringV4(peer, tlvs(bad)),
		gen.RouteMonitoringV4(peer, tlvs(unknown)),
		gen.RouteMonitoringV4(peer, tlvs(addPath, sp)))
	want := []string{
		"test:add 000000a1/item tlvs=10@0:07 add_path=false",
		"test:add 000000a2/item status=best(2) tlvs=10@0:07 add_path=false",
		"test:add 000000a3/item tlvs=10@0:07 add_path=false",
		"unicast_prefix:add 203.0.113.0/24 status=primary(8) tlvs=10@0:07",
		"unicast_prefix:add 203.0.114.0/24 tlvs=10@0:07",
		// Decode error: the section is one unknown_nlri record; the NLRI field's index is
		// unknown.
		"unknown_nlri:add 65520/240",
		"unicast_prefix:add 203.0.113.0/24 tlvs=10@0:07",
		"unicast_prefix:add 203.0.114.0/24 tlvs=10@0:07",
		// No handler: likewise.
		"unknown_nlri:add 65521/241",
		"unicast_prefix:add 203.0.113.0/24 tlvs=10@0:07",
		"unicast_prefix:add 203.0.114.0/24 tlvs=10@0:07",
		// ADD-PATH from the Stateless Parsing TLV: two items, the NLRI field starts at 3.
		"test:add 000000b1/item tlvs=10@0:07 add_path=true",
		"test:add 000000b2/item status=best(2) tlvs=10@0:07 add_path=true",
		"unicast_prefix:add 203.0.113.0/24 tlvs=10@0:07",
		"unicast_prefix:add 203.0.114.0/24 status=primary(8) tlvs=10@0:07",
	}
	if got := routeViewsAll(rs); !reflect.DeepEqual(got, want) {
		t.Fatalf("records:\n got  %q\n want %q", got, want)
	}
	if n := c.DecodeErrors[ErrUpdate].Load(); n != 1 {
		t.Fatalf("%d UPDATE decode errors, want the test family's 1", n)
	}
}

func binary32(b []byte, v uint32) []byte {
	return append(b, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// TestV4StatelessParsing: the Stateless Parsing TLV's ADD-PATH entry is the monitored
// router's capability (Adj-RIB-In: receive, Adj-RIB-Out: send, Loc-RIB: any), it
// overrides the Peer Up state for its message only, and a 4-octet AS capability makes
// AS_PATH 4-byte despite the A flag.
func TestV4StatelessParsing(t *testing.T) {
	withIDs := gen.Update(nil, attrs, gen.Prefixes(pfx("10.0.0.0/8"), []uint32{7}))
	noIDs := gen.Update(nil, attrs, gen.Prefixes(pfx("10.1.0.0/16"), nil))
	sp := func(mode uint8) []byte {
		return gen.IndexedTLV(tlvSP, 0, gen.CapAddPath(gen.AddPathEntry{AFI: 1, SAFI: 1, Mode: mode}))
	}
	out := peer
	out.Flags = 0x10 // O: Adj-RIB-Out
	loc := gen.Peer{Type: 3, AS: 65001, BGPID: local}
	ap := gen.CapAddPath(gen.AddPathEntry{AFI: 1, SAFI: 1, Mode: 3})
	sentAP := gen.Open(65001, 90, local, append(v4caps[:3:3], ap)...)
	recvAP := gen.Open(65002, 90, netip.MustParseAddr("192.0.2.2"), gen.CapMP(1, 1), gen.CapAS4(65002), ap)
	rs, c := run(t, Config{},
		gen.RouteMonitoringV4(peer, sp(1), gen.IndexedTLV(tlvPDU, 0, withIDs)), // no Peer Up: fills in
		gen.RouteMonitoringV4(out, sp(1), gen.IndexedTLV(tlvPDU, 0, noIDs)),
		gen.RouteMonitoringV4(out, sp(2), gen.IndexedTLV(tlvPDU, 0, withIDs)),
		gen.RouteMonitoringV4(peer, sp(2), gen.IndexedTLV(tlvPDU, 0, noIDs)),
		gen.RouteMonitoringV4(loc, sp(1), gen.IndexedTLV(tlvPDU, 0, withIDs)),
		gen.PeerUp(peer, local, 179, 40000, sentAP, recvAP),                  // ADD-PATH both ways
		gen.RouteMonitoringV4(peer, sp(2), gen.IndexedTLV(tlvPDU, 0, noIDs)), // the TLV wins
		gen.RouteMonitoringV4(peer, gen.IndexedTLV(tlvPDU, 0, withIDs)),      // Peer Up state again
	)
	var got []string
	for _, r := range rs {
		if r["type"] == "unicast_prefix" {
			got = append(got, fmt.Sprintf("%v/%v path_id=%v", r["prefix"], r["prefix_len"], r["path_id"]))
		}
	}
	want := []string{"10.0.0.0/8 path_id=7", "10.1.0.0/16 path_id=<nil>", "10.0.0.0/8 path_id=7", "10.1.0.0/16 path_id=<nil>",
		"10.0.0.0/8 path_id=7", "10.1.0.0/16 path_id=<nil>", "10.0.0.0/8 path_id=7"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("records:\n got  %q\n want %q", got, want)
	}
	if n := c.AddPathMismatches.Load(); n != 0 {
		t.Fatalf("%d ADD-PATH mismatches", n)
	}

	// AS4: the A flag says 2-byte AS_PATH; the TLV's 4-octet AS capability says 4-byte.
	as2 := peer
	as2.Flags = 0x20
	upd4 := gen.Update(nil, gen.Cat(gen.Origin(0), gen.ASPath(true, 65002, 4200000001), gen.NextHop(peer.Addr)),
		gen.Prefixes(pfx("10.2.0.0/16"), nil))
	rs, c = run(t, Config{}, gen.RouteMonitoringV4(as2, gen.IndexedTLV(tlvSP, 0, gen.CapAS4(65002)), gen.IndexedTLV(tlvPDU, 0, upd4)))
	if p := rs[0]["base_attrs"].(map[string]any)["as_path"]; !reflect.DeepEqual(p, []any{65002.0, 4200000001.0}) ||
		c.ASWidthMismatches.Load() != 0 {
		t.Fatalf("as_path %v, %d AS width mismatches", p, c.ASWidthMismatches.Load())
	}
	// Without the TLV the same message needs the AS-width fallback.
	_, c = run(t, Config{}, gen.RouteMonitoringV4(as2, gen.IndexedTLV(tlvPDU, 0, upd4)))
	if c.ASWidthMismatches.Load() != 1 {
		t.Fatalf("%d AS width mismatches without the TLV", c.ASWidthMismatches.Load())
	}
}

// TestV4MalformedTLVs: malformed Path Status and Group TLVs are kept raw in bmp_tlvs, a
// malformed Stateless Parsing TLV is ignored; the routes decode.
func TestV4MalformedTLVs(t *testing.T) {
	upd := gen.Update(nil, attrs, gen.Prefixes(pfx("203.0.113.0/24", "203.0.114.0/24"), nil))
	rs, c := run(t, Config{}, gen.RouteMonitoringV4(peer,
		gen.IndexedTLV(tlvSP, 0, []byte{69, 5, 0, 1}),
		gen.IndexedTLV(tlvPS, 1, []byte{0, 0, 0, 2, 0}),
		gen.IndexedTLV(tlvGroup, 2, gen.GroupValue(1)),
		gen.IndexedTLV(tlvGroup, 0x8003, nil),
		gen.IndexedTLV(tlvVRF, 0, nil),
		gen.IndexedTLV(tlvPDU, 0, upd)))
	want := []string{
		"unicast_prefix:add 203.0.113.0/24 tlvs=5@1:0000000200,3@0:",
		"unicast_prefix:add 203.0.114.0/24 tlvs=2@2:0001,3@0:",
	}
	if got := routeViewsAll(rs); !reflect.DeepEqual(got, want) {
		t.Fatalf("records:\n got  %q\n want %q", got, want)
	}
	if n := c.DecodeErrors[ErrUpdate].Load() + c.DecodeErrors[ErrBMP].Load(); n != 0 {
		t.Fatalf("%d decode errors", n)
	}
}

// TestV4CodePoints: with draft-ietf-grow-bmp-tlv-20's code points, VRF 5 and Stateless
// Parsing 6 are understood and type 1 is an unknown TLV.
func TestV4CodePoints(t *testing.T) {
	upd := gen.Update(nil, attrs, gen.Prefixes(pfx("10.0.0.0/8"), []uint32{9}))
	msg := gen.RouteMonitoringV4(peer,
		gen.IndexedTLV(1, 0, []byte{0xaa}),
		gen.IndexedTLV(4, 0x8001, gen.GroupValue(1)),
		gen.IndexedTLV(5, 0, []byte("blue")),
		gen.IndexedTLV(6, 0, gen.CapAddPath(gen.AddPathEntry{AFI: 1, SAFI: 1, Mode: 3})),
		gen.IndexedTLV(7, 0, upd))
	rs, c := run(t, Config{RMTLVCodes: bmp.Draft20RMTLVCodes()}, msg)
	if got := routeViewsAll(rs); !reflect.DeepEqual(got, []string{"unicast_prefix:add 10.0.0.0/8 tlvs=1@0:aa table=blue"}) ||
		rs[0]["path_id"] != 9.0 || c.AddPathMismatches.Load() != 0 {
		t.Fatalf("draft-20 codes: %q %v", got, rs[0])
	}
}

// TestV4PeerTLVs: BMPv4 Peer Up and Peer Down TLVs without a field of their own go to
// bmp_tlvs (E-bit TLVs with their PEN); BMPv3 ones do not.
func TestV4PeerTLVs(t *testing.T) {
	up := gen.PeerUp(peer, local, 179, 40000, sentOpn, recvOpn, gen.TLV(0, []byte("hi")), gen.TLV(3, []byte("red")),
		gen.TLV(2, []byte("r9")), gen.TLV(0x8001, gen.EnterpriseValue(9, []byte{1})))
	down := gen.PeerDown(peer, 2, gen.Cat([]byte{0, 5}, gen.TLV(3, []byte("red")), gen.TLV(65, []byte{0xee})))
	v4 := func(m []byte) []byte { m = append([]byte(nil), m...); m[0] = 4; return m }
	rs, _ := run(t, Config{}, v4(up), v4(down), up, gen.PeerDown(peer, 4, nil))
	var got []string
	for _, r := range rs {
		got = append(got, fmt.Sprintf("%v table=%v tlvs=%v", r["action"], r["table_name"], r["bmp_tlvs"]))
	}
	want := []string{
		"up table=red tlvs=[map[type:2 value:7239] map[pen:9 type:32769 value:01]]",
		"down table=red tlvs=[map[type:65 value:ee]]",
		"up table=red tlvs=<nil>",
		"down table=red tlvs=<nil>",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("peer records:\n got  %q\n want %q", got, want)
	}
	if rs[0]["info_strings"].([]any)[0] != "hi" {
		t.Fatalf("info string: %v", rs[0])
	}
}

// TestV4Allocations: a BMPv4 message with per-NLRI TLVs costs no more allocations, once
// the session's storage has grown, than the same UPDATE in BMPv3.
func TestV4Allocations(t *testing.T) {
	var ps []netip.Prefix
	for i := range 64 {
		ps = append(ps, netip.MustParsePrefix("10."+strconv.Itoa(i)+".0.0/16"))
	}
	upd := gen.Update(nil, attrs, gen.Prefixes(ps, nil))
	v4 := gen.RouteMonitoringV4(peer,
		gen.IndexedTLV(tlvGroup, 0x8001, gen.GroupValue(1, 2, 3, 40)),
		gen.IndexedTLV(tlvVRF, 0, []byte("global")),
		gen.IndexedTLV(tlvPS, 0x8001, gen.PathStatusValue(bmp.PathStatusBest, nil)),
		gen.IndexedTLV(tlvPS, 5, gen.PathStatusValue(bmp.PathStatusBackup, u16p(3))),
		gen.IndexedTLV(9, 7, []byte{1}),
		gen.IndexedTLV(tlvPDU, 0, upd))
	v3 := gen.RouteMonitoring(peer, upd)
	allocs := func(msg []byte) float64 {
		s := New(context.Background(), Config{MaxBatchRecords: 1 << 20, MaxBatchBytes: 1 << 30}, netip.MustParseAddrPort("192.0.2.1:1"),
			func(context.Context, *record.Batch) error { return nil })
		recv := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
		for range 3 { // grow the session's storage
			if err := s.Handle(msg, recv); err != nil {
				t.Fatal(err)
			}
		}
		return testing.AllocsPerRun(20, func() {
			if err := s.Handle(msg, recv); err != nil {
				t.Fatal(err)
			}
		})
	}
	a3, a4 := allocs(v3), allocs(v4)
	if a4 > a3 {
		t.Fatalf("BMPv4 message: %.1f allocations, BMPv3: %.1f", a4, a3)
	}
	t.Logf("allocations per message: BMPv3 %.1f, BMPv4 %.1f", a3, a4)
}

// FuzzV4RouteMonitoring feeds arbitrary BMPv4 Route Monitoring bodies (TLVs) through a
// session: no panic, and every record is valid JSON (run checks it).
func FuzzV4RouteMonitoring(f *testing.F) {
	upd := gen.Update(gen.Prefixes(pfx("198.51.100.0/24"), nil),
		gen.Cat(attrs, gen.MPReach(2, 1, v6nh, gen.Prefixes(pfx("2001:db8:1::/48"), nil)),
			gen.MPReach(0xfff0, 0xf0, v6nh, []byte{0, 0, 0, 1, 0, 0, 0, 2})),
		gen.Prefixes(pfx("203.0.113.0/24", "203.0.114.0/24"), nil))
	f.Add(gen.Cat(gen.IndexedTLV(tlvGroup, 0x8001, gen.GroupValue(1, 4)),
		gen.IndexedTLV(tlvPS, 0x8001, gen.PathStatusValue(bmp.PathStatusBest, u16p(2))),
		gen.IndexedTLV(tlvPS, 3, gen.PathStatusValue(bmp.PathStatusBackup, nil)),
		gen.IndexedTLV(9, 5, []byte{1}), gen.IndexedTLV(tlvVRF, 0, []byte("x")),
		gen.IndexedTLV(tlvSP, 0, gen.CapAddPath(gen.AddPathEntry{AFI: 1, SAFI: 1, Mode: 1})),
		gen.IndexedTLV(tlvPDU, 0, upd)))
	f.Add(gen.IndexedTLV(tlvPDU, 0, upd))
	f.Fuzz(func(t *testing.T, body []byte) {
		run(t, Config{}, gen.RouteMonitoringV4(peer, body))
	})
}

// TestV4PathStatusOnFamilyRecords: the path status of an NLRI index lands on the family
// record of that NLRI (here two VPNv4 routes, statuses on the second).
func TestV4PathStatusOnFamilyRecords(t *testing.T) {
	vpn := func(p byte) []byte { return []byte{0x60, 0, 0x3e, 0x81, 0, 0, 0xfd, 0xe8, 0, 0, 0, 1, p} }
	upd := gen.Update(nil, gen.Cat(gen.Origin(0), gen.ASPath(true, 65002),
		gen.MPReach(1, 128, []netip.Addr{netip.MustParseAddr("192.0.2.2")}, gen.Cat(vpn(10), vpn(11)))), nil)
	rs, c := run(t, Config{}, gen.RouteMonitoringV4(peer,
		gen.IndexedTLV(tlvPS, 2, gen.PathStatusValue(bmp.PathStatusBest, nil)),
		gen.IndexedTLV(tlvPDU, 0, upd)))
	if c.DecodeErrors[ErrUpdate].Load() != 0 || len(rs) != 2 || rs[0]["type"] != "l3vpn" {
		t.Fatalf("records %v", summary(rs))
	}
	if rs[0]["path_status"] != nil || !reflect.DeepEqual(rs[1]["path_status"], []any{"best"}) || rs[1]["prefix"] != "11.0.0.0" {
		t.Fatalf("path status: %v / %v", rs[0], rs[1])
	}
}
