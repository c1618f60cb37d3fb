package loglimit

import (
	"testing"
	"time"
)

func TestBurstThenSuppressedCount(t *testing.T) {
	l := New(time.Minute, 3, 10)
	t0 := time.Unix(1000, 0)
	var passed int
	for i := 0; i < 10000; i++ {
		if _, ok := l.Allow("10.0.0.1 connected", t0.Add(time.Duration(i)*time.Millisecond)); ok {
			passed++
		}
	}
	if passed != 3 {
		t.Fatalf("%d lines passed within one interval, want 3", passed)
	}
	// Other keys are independent.
	if _, ok := l.Allow("10.0.0.2 connected", t0); !ok {
		t.Fatal("another key was held back")
	}
	// The next window's first line carries the count.
	suffix, ok := l.Allow("10.0.0.1 connected", t0.Add(2*time.Minute))
	if !ok || suffix != " suppressed=9997" {
		t.Fatalf("next window: %q %v", suffix, ok)
	}
	if suffix, ok := l.Allow("10.0.0.1 connected", t0.Add(2*time.Minute)); !ok || suffix != "" {
		t.Fatalf("count repeated: %q %v", suffix, ok)
	}
}

func TestOverflowKey(t *testing.T) {
	l := New(time.Minute, 1, 2)
	t0 := time.Unix(1000, 0)
	l.Allow("a", t0)
	l.Allow("b", t0)
	if _, ok := l.Allow("c", t0); !ok {
		t.Fatal("first overflow line held back")
	}
	if _, ok := l.Allow("d", t0); ok {
		t.Fatal("overflow entry not shared")
	}
	// Once a window passed, idle keys are forgotten and new keys get their own entry.
	if _, ok := l.Allow("e", t0.Add(2*time.Minute)); !ok {
		t.Fatal("new key after the interval held back")
	}
	if len(l.m) > 2 {
		t.Fatalf("%d keys kept, max 2", len(l.m))
	}
}
