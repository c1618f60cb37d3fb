package nats

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"

	"github.com/bmpstream/bmpstream/internal/testutil"
)

// TestUnreachableLogged: a server that cannot be reached is logged at start and then at
// most once per UnreachableLogInterval, with the number of failed attempts; the attempts
// in between are counted, not logged. Once the server is there, the sink connects.
func TestUnreachableLogged(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	ln.Close() // connection refused from now on
	var mu sync.Mutex
	var lines []string
	prev := logUnreachable
	logUnreachable = func(l string) { mu.Lock(); lines = append(lines, l); mu.Unlock() }
	defer func() { logUnreachable = prev }()

	url := "nats://" + addr.String()
	s, err := New(Options{URLs: url, UnreachableLogInterval: time.Hour,
		Extra: []natsgo.Option{natsgo.ReconnectWait(5 * time.Millisecond), natsgo.ReconnectJitter(0, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.nc.Close()
	testutil.WaitFor(t, "failed attempts", func() bool { return s.Stats().ConnectFailures.Load() >= 5 })
	mu.Lock()
	got := append([]string(nil), lines...)
	mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("%d lines for %d failed attempts with a 1 h interval, want 1: %q", len(got), s.Stats().ConnectFailures.Load(), got)
	}
	for _, want := range []string{"event=unreachable", `servers="` + url + `"`, "failed_attempts=1", "no server reachable at start"} {
		if !strings.Contains(got[0], want) {
			t.Errorf("line %q lacks %q", got[0], want)
		}
	}
	if s.Ready() == nil {
		t.Fatal("ready without a server")
	}
	// With a short interval the next line comes, counting the suppressed attempts.
	s.unreachMu.Lock()
	s.opts.UnreachableLogInterval = time.Millisecond
	s.unreachMu.Unlock()
	time.Sleep(2 * time.Millisecond) // let the interval pass (not a timing assertion)
	testutil.WaitFor(t, "a second line", func() bool { mu.Lock(); defer mu.Unlock(); return len(lines) >= 2 })
	mu.Lock()
	second := lines[1]
	mu.Unlock()
	if !strings.Contains(second, "suppressed=") || strings.Contains(second, "failed_attempts=1 ") {
		t.Fatalf("second line %q: want the suppressed count and a later attempt number", second)
	}
}
