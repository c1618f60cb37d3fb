package session

import (
	"fmt"
	"net/netip"
	"reflect"
	"testing"

	"github.com/bmpstream/bmpstream/internal/gen"
)

// TestAttrCacheInterleaved sends UPDATEs of seven attribute sets interleaved (more than
// the cache holds, so entries are replaced and converted again) on IPv4 and IPv6, and
// checks every record's base_attrs against a fresh session given that UPDATE alone.
func TestAttrCacheInterleaved(t *testing.T) {
	sets := make([][]byte, 7)
	for i := range sets {
		sets[i] = gen.Cat(gen.Origin(uint8(i%3)), gen.ASPath(true, 65002, uint32(65100+i), 4200000001),
			gen.MED(uint32(i)), gen.Communities(65002<<16|uint32(i)))
	}
	nh4 := gen.NextHop(netip.MustParseAddr("192.0.2.2"))
	nh6 := []netip.Addr{netip.MustParseAddr("2001:db8::2")}
	order := []int{0, 1, 0, 2, 3, 4, 5, 0, 6, 6, 1, 2, 0, 3, 5, 4, 1, 0, 0, 2}
	head := [][]byte{gen.Initiation("r1", "test router"), gen.PeerUp(peer, local, 179, 40000, sentOpn, recvOpn)}
	msgs := append([][]byte{}, head...)
	var updates [][]byte
	for k, i := range order {
		var u []byte
		if k%2 == 0 {
			u = gen.Update(nil, gen.Cat(sets[i], nh4), gen.Prefixes(pfx(fmt.Sprintf("10.%d.%d.0/24", i, k)), nil))
		} else {
			u = gen.Update(nil, gen.Cat(sets[i], gen.MPReach(2, 1, nh6, gen.Prefixes(pfx(fmt.Sprintf("2001:db8:%x::/48", k)), nil))), nil)
		}
		updates = append(updates, u)
		msgs = append(msgs, gen.RouteMonitoring(peer, u))
	}
	got, _ := run(t, Config{}, msgs...)
	got = got[len(head):]
	if len(got) != len(order) {
		t.Fatalf("%d route records, want %d", len(got), len(order))
	}
	for k, u := range updates {
		alone, _ := run(t, Config{}, append(append([][]byte{}, head...), gen.RouteMonitoring(peer, u))...)
		want := alone[len(head)]
		if !reflect.DeepEqual(got[k]["base_attrs"], want["base_attrs"]) || got[k]["prefix"] != want["prefix"] {
			t.Fatalf("UPDATE %d (attribute set %d): base_attrs\n got %v\nwant %v", k, order[k], got[k]["base_attrs"], want["base_attrs"])
		}
	}
}
