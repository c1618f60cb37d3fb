package metrics

import (
	"net/netip"
	"testing"

	"github.com/bmpstream/bmpstream/internal/gen"
)

// BenchmarkTap is the per-message cost the metrics add to a session's reader.
func BenchmarkTap(b *testing.B) {
	m := New(Options{})
	tap := m.Tap(netip.MustParseAddrPort("192.0.2.1:40000"))
	defer tap.Close()
	data, _ := genStream(b, "bench")
	msg := data[len(gen.Initiation("bench", "bmpstream synthetic stream")):] // a Peer Up, then RMs
	msg = msg[:int(msg[1])<<24|int(msg[2])<<16|int(msg[3])<<8|int(msg[4])]
	b.ReportAllocs()
	for b.Loop() {
		tap.Message(msg)
	}
}

// BenchmarkScrape gathers the registry with 1,000 routers known.
func BenchmarkScrape(b *testing.B) {
	m := New(Options{})
	for i := 0; i < 1000; i++ {
		tap := m.Tap(netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), 179))
		tap.Message(gen.Initiation("r", ""))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Registry().Gather(); err != nil {
			b.Fatal(err)
		}
	}
}
