package record

import (
	"net/netip"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// TestPEndLongMessage: a nested message of 128 bytes or more gets a longer length varint
// and its content moves, intact.
func TestPEndLongMessage(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 300, 20000} {
		b := []byte{0xAA}
		b, pos := pBegin(b, 5)
		for i := range n {
			b = append(b, byte(i))
		}
		b = pEnd(b, pos)
		num, typ, m := protowire.ConsumeTag(b[1:])
		v, k := protowire.ConsumeBytes(b[1+m:])
		if num != 5 || typ != protowire.BytesType || k < 0 || len(v) != n || 1+m+k != len(b) {
			t.Fatalf("n=%d: field %d type %d, %d bytes, consumed %d of %d", n, num, typ, len(v), 1+m+k, len(b))
		}
		for i := range v {
			if v[i] != byte(i) {
				t.Fatalf("n=%d: byte %d is %d", n, i, v[i])
			}
		}
	}
}

// TestProtoRoundTripUnicast: a record through AppendProto and UnmarshalProto encodes to
// the same JSON, and encoding does not allocate.
func TestProtoRoundTripUnicast(t *testing.T) {
	attrs := &BaseAttrs{Origin: "igp", ASPath: []uint32{65000, 4200000000}, BaseAttrHash: MD5{1, 2},
		Communities: []Community{65000<<16 | 1}, LargeCommunities: []LargeCommunity{{1, 2, 3}}}
	attrs.SetASPathCount(2)
	attrs.SetMED(0)
	u := &UnicastPrefix{Kind: TypeMulticastPrefix, Head: Head{Action: ActionAdd, Sequence: 7}, Hash: MD5{9},
		RouterFields: RouterFields{RouterHash: "r", RouterIP: netip.MustParseAddr("2001:db8::1")},
		PeerFields: PeerFields{PeerHash: "p", PeerIP: netip.MustParseAddr("192.0.2.2"), PeerASN: 65001,
			Timestamp: time.Unix(1700000000, 123456789), CollectorTimestamp: time.Unix(1700000001, 0)},
		BaseAttrs: attrs, Nexthop: netip.MustParseAddr("192.0.2.3"), IsNexthopIPv4: true, Labels: []uint32{16, 17}}
	u.SetPrefix(netip.MustParsePrefix("10.0.0.0/8"))
	u.SetPathID(0)
	pb := u.AppendProto(nil)
	var got UnicastPrefix
	if err := got.UnmarshalProto(pb); err != nil {
		t.Fatal(err)
	}
	if a, b := string(u.AppendJSON(nil)), string(got.AppendJSON(nil)); a != b {
		t.Fatalf("round trip:\n%s\nwant\n%s", b, a)
	}
	buf := make([]byte, 0, 4096)
	if n := testing.AllocsPerRun(100, func() { buf = u.AppendProto(buf[:0]) }); n != 0 {
		t.Fatalf("AppendProto: %v allocations", n)
	}
	env := AppendProtoRecord(nil, TypeMulticastPrefix, pb)
	typ, msg, ver, err := ParseProtoRecord(env)
	if err != nil || typ != TypeMulticastPrefix || string(msg) != string(pb) || ver != SchemaVersion {
		t.Fatalf("envelope: %v %v %v", typ, ver, err)
	}
}
