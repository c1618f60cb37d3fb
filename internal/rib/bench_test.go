package rib

import (
	"math/rand/v2"
	"net/netip"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// fullTable generates n IPv4 routes of one peer in the shape of a full table: /24 mostly,
// some shorter, UPDATEs of ~4 prefixes sharing one attribute set, about n/8 distinct
// attribute sets (AS paths of 2-7 ASNs, communities, MED on some).
func fullTable(n int, peer string) []*record.UnicastPrefix {
	rng := rand.New(rand.NewPCG(7, uint64(len(peer))))
	out := make([]*record.UnicastPrefix, 0, n)
	seen := map[netip.Prefix]bool{}
	var ba *record.BaseAttrs
	ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for len(out) < n {
		if len(out)%4 == 0 {
			ba = &record.BaseAttrs{Origin: "igp"}
			for i := 0; i < 2+rng.IntN(6); i++ {
				ba.ASPath = append(ba.ASPath, uint32(1+rng.IntN(n/8)))
			}
			ba.SetASPathCount(len(ba.ASPath))
			for i := 0; i < rng.IntN(4); i++ {
				ba.Communities = append(ba.Communities, record.Community(rng.Uint32()))
			}
			if rng.IntN(3) == 0 {
				ba.SetMED(uint32(rng.IntN(100)))
			}
			ba.Encode()
		}
		bits := 24
		if r := rng.IntN(10); r < 2 {
			bits = 16 + rng.IntN(8)
		}
		a := netip.AddrFrom4([4]byte{byte(1 + rng.IntN(222)), byte(rng.IntN(256)), byte(rng.IntN(256)), 0})
		p := netip.PrefixFrom(a, bits).Masked()
		if seen[p] {
			continue
		}
		seen[p] = true
		u := &record.UnicastPrefix{Head: record.Head{Action: record.ActionAdd},
			RouterFields: record.RouterFields{RouterHash: "r1", RouterIP: netip.MustParseAddr("127.0.0.1")},
			PeerFields:   record.PeerFields{PeerHash: peer, PeerIP: netip.MustParseAddr("10.0.0.1"), CollectorTimestamp: ts},
			IsIPv4:       true, BaseAttrs: ba, Nexthop: netip.MustParseAddr("192.0.2.1")}
		u.SetPrefix(p)
		out = append(out, u)
	}
	return out
}

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkApplyFullTable applies a 500,000-route table of one peer (b.N times, each into
// a fresh table) and reports ns/route, the heap per route beyond the interned attribute
// sets (route-bytes/route), and the attribute sets' own bytes.
func BenchmarkApplyFullTable(b *testing.B) {
	const n = 500_000
	routes := fullTable(n, "p1")
	b.ResetTimer()
	var perRoute, attrBytes float64
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		before := heap()
		tb := New(Config{})
		c0 := cpuTime()
		b.StartTimer()
		for _, u := range routes {
			tb.Apply(u)
		}
		b.StopTimer()
		cpu += cpuTime() - c0
		after := heap()
		sets, setBytes := tb.AttrSets()
		perRoute = (float64(after-before) - float64(setBytes)) / float64(tb.Paths())
		attrBytes = float64(setBytes)
		if tb.Paths() != n || sets == 0 {
			b.Fatalf("%d paths, %d sets", tb.Paths(), sets)
		}
		runtime.KeepAlive(tb)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/route")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*n), "cpu-ns/route")
	b.ReportMetric(perRoute, "route-bytes/route")
	b.ReportMetric(attrBytes/float64(n), "attr-bytes/route")
}

// BenchmarkQueryDuringIngest measures longest-prefix queries while another goroutine
// replaces routes of the same peer.
func BenchmarkLongestMatch(b *testing.B) {
	routes := fullTable(200_000, "p1")
	tb := New(Config{})
	for _, u := range routes {
		tb.Apply(u)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a := netip.AddrFrom4([4]byte{byte(1 + rng.IntN(222)), byte(rng.IntN(256)), byte(rng.IntN(256)), 1})
		if _, _, err := tb.Routes(Query{Prefix: netip.PrefixFrom(a, 32), Match: MatchLongest}); err != nil {
			b.Fatal(err)
		}
	}
}

// cpuTime is the process's user and system CPU time (wall time is meaningless on a
// shared, loaded machine).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
