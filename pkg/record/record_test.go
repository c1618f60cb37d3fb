package record

import (
	"crypto/md5"
	"encoding/json"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestHashRecipesMatchGoBMP(t *testing.T) {
	rh := RouterHash(netip.MustParseAddr("192.0.2.1"))
	if got, want := rh.String(), "d0f88d6c87767262ba8e93d6acccd784"; got != want {
		t.Fatalf("router hash %s, want %s", got, want)
	}
	var addr [16]byte
	copy(addr[12:], []byte{192, 0, 2, 2})
	ph := PeerHash([8]byte{}, addr, 65002, [4]byte{192, 0, 2, 2})
	if got, want := ph.String(), "f12cfb7950a4c1a9c4e2f8fb50a0bbfb"; got != want {
		t.Fatalf("peer hash %s, want %s", got, want)
	}
	var p Parts
	peer := p.Reset().Str("peer").Hex(rh).Str("192.0.2.2").Str("192.0.2.2").Uint(65002).Uint(0).Str("0:0").Sum()
	if got, want := peer.String(), "4de694d9b8bcec33efd18fd048abced9"; got != want {
		t.Fatalf("peer event hash %s, want %s", got, want)
	}
	uni := p.Reset().Str("unicast").Hex(rh).Hex(ph).Str("198.51.100.0").Uint(24).Bool(true).Uint(0).Labels(nil).Sum()
	if got, want := uni.String(), "5f148289a7b65f01c4f6f88f69168ac4"; got != want {
		t.Fatalf("unicast hash %s, want %s", got, want)
	}
}

func TestTopic(t *testing.T) {
	cases := []struct {
		t     Type
		ipv4  bool
		split bool
		want  string
	}{
		{TypeUnicastPrefix, true, true, "gobmp.parsed.unicast_prefix_v4"},
		{TypeUnicastPrefix, false, true, "gobmp.parsed.unicast_prefix_v6"},
		{TypeUnicastPrefix, false, false, "gobmp.parsed.unicast_prefix"},
		{TypePeer, true, true, "gobmp.parsed.peer"},
		{TypeStatistics, true, true, "gobmp.parsed.statistics"},
		{TypeEVPN, true, true, "gobmp.parsed.evpn"},
		{TypeL3VPN, false, true, "gobmp.parsed.l3vpn_v6"},
		{TypeMulticastPrefix, true, false, "gobmp.parsed.multicast_prefix_v4"},
		{TypeRaw, true, true, "gobmp.raw"},
	}
	for _, c := range cases {
		if got := Topic("gobmp", c.t, c.ipv4, c.split); got != c.want {
			t.Errorf("Topic(%v,%v,%v) = %q, want %q", c.t, c.ipv4, c.split, got, c.want)
		}
	}
	for _, ty := range Types() {
		back, ok := ParseType(ty.String())
		if !ok || back != ty {
			t.Errorf("ParseType(%q) = %v, %v", ty.String(), back, ok)
		}
	}
}

func TestAppendStringEscapes(t *testing.T) {
	in := "a\"b\\c\n\t\x01\x7f\xff\u2028é"
	out := appendString(nil, in)
	if !json.Valid(out) {
		t.Fatalf("invalid JSON %q", out)
	}
	var back string
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if want := "a\"b\\c\n\t\x01\x7f\ufffd\u2028é"; back != want {
		t.Fatalf("round trip %q, want %q", back, want)
	}
}

func ts() time.Time { return time.Date(2026, 11, 22, 1, 2, 3, 456789000, time.UTC) }

func fullUnicast() *UnicastPrefix {
	a := &BaseAttrs{BaseAttrHash: MD5{0x88, 0xdb}, Origin: "igp", ASPath: []uint32{65002, 4200000001},
		ASPathSegments: []ASPathSegment{{Type: 2, ASNs: []uint32{65002, 4200000001}}},
		Nexthop:        netip.MustParseAddr("192.0.2.2"), IsAtomicAgg: true, Aggregator: "65002:192.0.2.2",
		Communities: []Community{65002<<16 | 100, 0xFFFFFF01}, WellKnown: []string{"NO_EXPORT"},
		OriginatorID: netip.MustParseAddr("10.0.0.1"), ClusterList: "10.0.0.2,10.0.0.3",
		ExtCommunities: []string{"rt=65000:1"}, AS4Path: []uint32{1, 2},
		AS4Aggregator: "4200000001:192.0.2.9", LargeCommunities: []LargeCommunity{{4200000001, 1, 2}},
		Unknown: []UnknownAttr{{Type: 99, Flags: 0xc0, Value: "0102"}}}
	a.SetASPathCount(2)
	a.SetAS4PathCount(2)
	a.SetMED(0)
	a.SetLocalPref(0)
	a.SetOTC(65001)
	u := &UnicastPrefix{Head: Head{Type: "unicast_prefix", Action: ActionAdd, Sequence: 7},
		Hash:         MD5{1, 2, 3},
		RouterFields: RouterFields{RouterHash: "d0f8", RouterIP: netip.MustParseAddr("192.0.2.1"), RouterName: "r1"},
		PeerFields: PeerFields{PeerHash: "f12c", PeerIP: netip.MustParseAddr("2001:db8::1"), PeerType: 1,
			PeerASN: 65002, PeerBGPID: netip.MustParseAddr("192.0.2.2"), PeerRD: "65000:1", Timestamp: ts(), CollectorTimestamp: ts().Add(time.Second)},
		BaseAttrs: a, IsIPv4: true, Nexthop: netip.MustParseAddr("192.0.2.2"), IsNexthopIPv4: true,
		Labels: []uint32{16, 17}, RIBFlags: RIBFlags{IsAdjRIBInPostPolicy: true, IsLocRIB: true, TableName: "global"}}
	u.SetPrefix(netip.MustParsePrefix("0.0.0.0/0"))
	u.SetPathID(0)
	u.SetOriginAS(4200000001)
	return u
}

// roundTrip encodes r with AppendJSON, checks the JSON is valid, decodes it with
// encoding/json into a new value of the same type and compares.
func roundTrip[T any, P interface {
	*T
	Encoder
}](t *testing.T, r P) {
	t.Helper()
	out := r.AppendJSON(nil)
	if !json.Valid(out) {
		t.Fatalf("invalid JSON: %s", out)
	}
	back := P(new(T))
	if err := json.Unmarshal(out, back); err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
	// Compare the JSON of both through encoding/json, which ignores unexported storage.
	// The "type" field is written from the Go type, not from Head.Type.
	reflect.ValueOf(r).Elem().FieldByName("Head").FieldByName("Type").SetString(reflect.ValueOf(back).Elem().FieldByName("Head").FieldByName("Type").String())
	a, _ := json.Marshal(r)
	b, _ := json.Marshal(back)
	if string(a) != string(b) {
		t.Fatalf("round trip differs:\n in  %s\n out %s\n wire %s", a, b, out)
	}
	// And the fast encoder must agree with itself after decoding.
	if again := back.AppendJSON(nil); string(again) != string(out) {
		t.Fatalf("re-encode differs:\n %s\n %s", out, again)
	}
}

func TestRoundTripUnicast(t *testing.T) {
	u := fullUnicast()
	roundTrip(t, u)
	out := string(u.AppendJSON(nil))
	for _, want := range []string{`"type":"unicast_prefix"`, `"prefix":"0.0.0.0","prefix_len":0`, `"med":0`, `"local_pref":0`, `"path_id":0`, `"sequence":7`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in %s", want, out)
		}
	}
	u.BaseAttrs.Encode()
	if cached := string(u.AppendJSON(nil)); cached != out {
		t.Fatalf("cached base_attrs encoding differs:\n%s\n%s", out, cached)
	}
	eor := &UnicastPrefix{Head: Head{Action: ActionDel, Sequence: 1}, EORFields: EORFields{IsEOR: true}, IsIPv4: false}
	roundTrip(t, eor)
	if s := string(eor.AppendJSON(nil)); strings.Contains(s, `"prefix":`) || !strings.Contains(s, `"is_eor":true`) {
		t.Fatalf("EoR record: %s", s)
	}
}

func TestRoundTripOthers(t *testing.T) {
	lp, rp := uint16(179), uint16(40000)
	las := uint32(65000)
	ht := uint16(90)
	up := &Peer{Head: Head{Action: ActionUp, Sequence: 2}, Hash: "abcd", RouterFields: RouterFields{RouterHash: "d0", RouterIP: netip.MustParseAddr("::1")},
		PeerHash: "f1", RemoteBGPID: netip.MustParseAddr("192.0.2.2"), RemoteIP: netip.MustParseAddr("192.0.2.2"), RemoteASN: 65002,
		PeerRD: "0:0", Timestamp: ts(), CollectorTimestamp: ts(), IsIPv4: true, LocalIP: netip.MustParseAddr("192.0.2.1"),
		LocalPort: &lp, RemotePort: &rp, LocalASN: &las, LocalBGPID: netip.MustParseAddr("192.0.2.1"), AdvHoldTime: &ht, RemoteHoldTime: &ht,
		AdvCap:  Capabilities{{Code: 65, Value: "0000fde8", Descr: "4-octet AS number"}, {Code: 1, Value: "00010001", Descr: "Multiprotocol"}, {Code: 1, Value: "00020001", Descr: "Multiprotocol"}},
		RecvCap: Capabilities{{Code: 2, Value: "", Descr: "Route Refresh"}}, InfoStrings: []string{"hello"}}
	roundTrip(t, up)
	if s := string(up.AppendJSON(nil)); !strings.Contains(s, `"adv_cap":{"1":[{"capability_value":"00010001","capability_descr":"Multiprotocol"},{"capability_value":"00020001","capability_descr":"Multiprotocol"}],"65":[`) {
		t.Fatalf("capabilities not grouped by code in order: %s", s)
	}
	r, c, sc := uint8(3), uint8(6), uint8(2)
	ev := uint16(0)
	down := &Peer{Head: Head{Action: ActionDown, Sequence: 3}, Hash: "abcd", PeerRD: "0:0", CollectorTimestamp: ts(),
		Reason: &r, ReasonText: "remote notification", ErrorCode: &c, ErrorSub: &sc, ErrorText: "Cease: Administrative Shutdown", FSMEvent: &ev, InfoData: "0306"}
	roundTrip(t, down)
	tr := uint16(0)
	rt := &Router{Head: Head{Action: ActionTerm, Sequence: 9}, RouterFields: RouterFields{RouterHash: "d0", RouterIP: netip.MustParseAddr("127.0.0.1")},
		RouterPort: 4000, BMPVersion: 3, CollectorTimestamp: ts(), SysName: "r1", SysDescr: "FRR", InfoStrings: []string{"x"},
		TermReason: &tr, TermReasonText: "administratively closed", OtherTLVs: []TLV{{Type: 65000, Value: "00"}}}
	roundTrip(t, rt)
	st := &Stats{Head: Head{Sequence: 4}, PeerFields: PeerFields{PeerHash: "f1", CollectorTimestamp: ts()},
		PerAFILocRIB: []AFICount{{AFI: 1, SAFI: 1, Count: 0}}, Unknown: []TLV{{Type: 65531, Value: "00000001"}}}
	st.SetCounter(0, 0)
	st.SetCounter(7, 1<<40)
	if st.SetCounter(9, 1) {
		t.Fatal("type 9 is per-AFI, not a scalar counter")
	}
	roundTrip(t, st)
	if s := string(st.AppendJSON(nil)); !strings.Contains(s, `"prefixes_rejected_inbound":0`) {
		t.Fatalf("zero counter dropped: %s", s)
	}
	m := &RouteMirror{Head: Head{Sequence: 5}, PeerFields: PeerFields{CollectorTimestamp: ts()},
		Messages: []MirroredMessage{{BGPType: 2, Data: "ffff"}}, InfoCodes: []uint16{1}}
	roundTrip(t, m)
	un := &UnknownNLRI{Head: Head{Action: ActionAdd, Sequence: 6}, PeerFields: PeerFields{CollectorTimestamp: ts()}, AFI: 99, SAFI: 7, NLRI: "0a0b"}
	roundTrip(t, un)
}

func TestBatch(t *testing.T) {
	b := NewBatch()
	u := fullUnicast()
	b.Add(u, Meta{Type: TypeUnicastPrefix, IPv4: true})
	b.Add(&Stats{Head: Head{Sequence: 8}}, Meta{Type: TypeStatistics})
	if b.Len() != 2 || !json.Valid(b.Record(0)) || !json.Valid(b.Record(1)) {
		t.Fatalf("batch records invalid: %q", b.Buf)
	}
	if lines := strings.Split(strings.TrimSuffix(string(b.Buf), "\n"), "\n"); len(lines) != 2 || lines[1] != string(b.Record(1)) {
		t.Fatalf("Buf is not JSON Lines of the records: %q", b.Buf)
	}
	b.Retain(1)
	b.Release()
	b.Release()
	defer func() {
		if recover() == nil {
			t.Fatal("over-release did not panic")
		}
	}()
	b.Release()
}

func TestAllocsUnicast(t *testing.T) {
	u := fullUnicast()
	u.BaseAttrs.Encode()
	buf := make([]byte, 0, 4096)
	n := testing.AllocsPerRun(100, func() { buf = u.AppendJSON(buf[:0]) })
	if n != 0 {
		t.Fatalf("AppendJSON allocates %.1f times per record", n)
	}
	_ = reflect.TypeOf(u)
}

func BenchmarkAppendUnicast(b *testing.B) {
	u := fullUnicast()
	u.BaseAttrs.Encode()
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf = u.AppendJSON(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}

// TestCachedFragments: records whose router/peer fields and RIB flags were cached encode
// exactly like records rendering them field by field.
func TestCachedFragments(t *testing.T) {
	plain := fullUnicast()
	want := string(plain.AppendJSON(nil))
	cached := fullUnicast()
	cached.RouterFields.Cache()
	cached.PeerFields.CacheInto(nil)
	cached.RIBFlags.CacheInto(nil)
	if got := string(cached.AppendJSON(nil)); got != want {
		t.Fatalf("cached encoding differs:\n%s\n%s", want, got)
	}
	// A copy carries the cache; clearing it goes back to rendering.
	cp := cached.PeerFields
	cp.PeerASN = 1
	cp.ClearCache()
	o := members(nil)
	cp.appendTo(&o)
	if !strings.Contains(string(o.b), `"peer_asn":1`) {
		t.Fatalf("ClearCache did not re-render: %s", o.b)
	}
	st := &Stats{Head: Head{Sequence: 1}, RouterFields: cached.RouterFields, PeerFields: cached.PeerFields}
	roundTrip(t, st)
}

func TestPrefixedMD5(t *testing.T) {
	var p PrefixedMD5
	var parts Parts
	for _, base := range []string{"", "short", strings.Repeat("x", 64), strings.Repeat("y", 74), strings.Repeat("z", 130)} {
		p.SetBase([]byte(base))
		for _, rest := range []string{"", "10.0.0.0\x0024\x00", strings.Repeat("r", 70)} {
			got := p.Sum([]byte(rest))
			exp := md5Sum([]byte(base + rest))
			if got != exp {
				t.Fatalf("base %d bytes, rest %d bytes: %x, want %x", len(base), len(rest), got, exp)
			}
		}
	}
	// The unicast recipe through PrefixedMD5 equals the one-shot recipe.
	rh, ph := "d0f88d6c87767262ba8e93d6acccd784", "f12cfb7950a4c1a9c4e2f8fb50a0bbfb"
	p.SetBase(parts.Reset().Str("unicast").Str(rh).Str(ph).Written())
	var rest Parts
	got := p.Sum(rest.Reset().Str("198.51.100.0").Uint(24).Bool(true).Uint(0).Labels(nil).Written())
	if got.String() != "5f148289a7b65f01c4f6f88f69168ac4" {
		t.Fatalf("unicast hash %s", got)
	}
	if n := testing.AllocsPerRun(100, func() { p.Sum([]byte("10.0.0.0\x0024\x00")) }); n != 0 {
		t.Fatalf("%v allocations per Sum", n)
	}
}

func md5Sum(b []byte) MD5 { return MD5(md5.Sum(b)) }

// TestTimeCacheMatchesRFC3339Nano: the cached formatter writes exactly what
// time.RFC3339Nano does, across seconds, fractions with trailing zeros and zones.
func TestTimeCacheMatchesRFC3339Nano(t *testing.T) {
	var c timeCache
	base := time.Date(2026, 11, 22, 23, 59, 58, 0, time.UTC)
	loc := time.FixedZone("x", 5*3600+1800)
	for i := 0; i < 5000; i++ {
		tm := base.Add(time.Duration(i) * 777777 * time.Microsecond / 7)
		if i%3 == 0 {
			tm = tm.Truncate(time.Millisecond)
		}
		if i%5 == 0 {
			tm = tm.In(loc)
		}
		got := string(c.appendTime(nil, tm))
		want := tm.UTC().Format(time.RFC3339Nano)
		if got != want {
			t.Fatalf("%v: %s, want %s", tm, got, want)
		}
	}
	for _, tm := range []time.Time{time.Unix(0, 0), time.Date(10000, 1, 1, 0, 0, 0, 5, time.UTC), time.Date(1999, 12, 31, 23, 59, 59, 999999999, time.UTC)} {
		if got, want := string(c.appendTime(nil, tm)), tm.UTC().Format(time.RFC3339Nano); got != want {
			t.Fatalf("%s, want %s", got, want)
		}
	}
}
