package record

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// TestAppendAddrMatchesNetip compares appendAddr with netip on every pattern of zero
// groups (256) with random non-zero values, small values (1-4 hex digits), and the
// addresses netip formats its own way (IPv4, mapped, zoned, invalid).
func TestAppendAddrMatchesNetip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(a netip.Addr) {
		t.Helper()
		if got, want := string(appendAddr([]byte("x"), a)), "x"+string(a.AppendTo(nil)); got != want {
			t.Fatalf("%s: got %q, want %q", a, got, want)
		}
	}
	for mask := range 256 {
		for range 20 {
			var x [16]byte
			for i := range 8 {
				if mask&(1<<i) == 0 {
					v := uint16(rng.IntN(0x10000))
					switch rng.IntN(4) { // all widths
					case 0:
						v &= 0xf
					case 1:
						v &= 0xff
					case 2:
						v &= 0xfff
					}
					if v == 0 {
						v = 1
					}
					binary.BigEndian.PutUint16(x[2*i:], v)
				}
			}
			check(netip.AddrFrom16(x))
		}
	}
	for _, s := range []string{"::", "::1", "1::", "2001:db8::2", "fe80::1%eth0", "::ffff:192.0.2.1", "192.0.2.1",
		"0.0.0.0", "1:0:0:1:0:0:0:1", "1:0:0:0:1:0:0:1", "2001:db8:0:0:1:0:0:1"} {
		check(netip.MustParseAddr(s))
	}
	check(netip.Addr{})
}

func FuzzAppendAddr(f *testing.F) {
	f.Add(make([]byte, 16))
	f.Add([]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) != 16 {
			return
		}
		a := netip.AddrFrom16([16]byte(raw))
		if got, want := string(appendAddr(nil, a)), a.String(); got != want {
			t.Fatalf("%x: got %q, want %q", raw, got, want)
		}
	})
}

func BenchmarkAppendAddr(b *testing.B) {
	a := netip.MustParseAddr("2001:db8:1234:5600::")
	buf := make([]byte, 0, 64)
	b.Run("netip", func(b *testing.B) {
		for range b.N {
			buf = a.AppendTo(buf[:0])
		}
	})
	b.Run("appendAddr", func(b *testing.B) {
		for range b.N {
			buf = appendAddr(buf[:0], a)
		}
	})
}
