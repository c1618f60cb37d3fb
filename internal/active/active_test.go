package active

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/guard"
	"github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/internal/testutil/sinktest"
	"github.com/bmpstream/bmpstream/pkg/publisher"
)

// TestReconnect: a passive router accepts, sends a whole BMP session and closes, then
// accepts again and sends another: both sessions' records arrive, in order, each from a
// new connection.
func TestReconnect(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var streams [][]byte
	var counts []int
	for _, name := range []string{"first", "second"} {
		var buf bytes.Buffer
		c, err := gen.WriteStream(&buf, gen.StreamSpec{Prefixes: 500, PerUpdate: 5, SysName: name})
		if err != nil {
			t.Fatal(err)
		}
		streams = append(streams, buf.Bytes())
		counts = append(counts, c.V4+c.V6+4)
	}
	accepted := make(chan string, 4)
	go func() {
		for i := 0; ; i++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c.RemoteAddr().String()
			if i < len(streams) {
				c.Write(streams[i])
			}
			c.Close()
		}
	}()

	sink := sinktest.New()
	q := publisher.NewQueue(sink, 8, publisher.Block)
	// The guard refuses every accepted connection: dialled ones must not be subject to it.
	g := guard.New(guard.Config{Allowed: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, MaxConnections: 1})
	srv := server.New(server.Config{Publisher: q, Admit: g.Admit})
	cfg := Config{Routers: []string{ln.Addr().String()}, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}
	d := Start(context.Background(), cfg, srv.ServeConn)
	testutil.WaitFor(t, "two sessions", func() bool { return srv.Stats.Ended(server.EndEOF) >= 2 })
	d.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	q.Close()
	first, second := <-accepted, <-accepted
	if first == second {
		t.Fatalf("both sessions from %s: no reconnection", first)
	}
	lines := sink.Lines(0, -1)
	if len(lines) < counts[0]+counts[1] {
		t.Fatalf("%d records, want ≥ %d", len(lines), counts[0]+counts[1])
	}
	// The first two sessions are complete and in order: init r1 … term, init r2 … term.
	var names []string
	for _, l := range lines[:counts[0]+counts[1]] {
		var r map[string]any
		if err := json.Unmarshal(l, &r); err != nil {
			t.Fatal(err)
		}
		if r["type"] == "router" && r["action"] == "init" {
			names = append(names, r["sys_name"].(string))
		}
	}
	if len(names) != 2 || names[0] != "first" || names[1] != "second" {
		t.Fatalf("sessions %v, want [first second]", names)
	}
	if g.Open() != 0 || srv.Stats.Refused(server.RefuseNotAllowed) != 0 || srv.Stats.Refused(server.RefuseMaxConnections) != 0 {
		t.Fatalf("dialled connections went through the allow list or the connection limits")
	}
}

// TestDialFailureRetries: nothing listens at first; once a listener appears, the dialler
// connects. Stop ends the dialling while it waits.
func TestDialFailureRetries(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // connection refused from now on
	var mu sync.Mutex
	var served []net.Conn
	d := Start(context.Background(), Config{Routers: []string{addr}, MinBackoff: 20 * time.Millisecond, MaxBackoff: 40 * time.Millisecond},
		func(c net.Conn) { mu.Lock(); served = append(served, c); mu.Unlock() })
	time.Sleep(100 * time.Millisecond) // let a few attempts fail
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port %s taken meanwhile: %v", addr, err)
	}
	defer ln.Close()
	testutil.WaitFor(t, "connection", func() bool { mu.Lock(); defer mu.Unlock(); return len(served) == 1 })
	d.Stop()
	mu.Lock()
	defer mu.Unlock()
	if _, ok := served[0].(interface{ Dialled() bool }); !ok {
		t.Fatal("served connection does not say it was dialled")
	}
	served[0].Close()
}

func TestNextBackoff(t *testing.T) {
	c := Config{}
	c.defaults()
	var got []time.Duration
	b := time.Duration(0)
	for i := 0; i < 8; i++ {
		b = c.NextBackoff(b, false)
		got = append(got, b)
	}
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30, 30}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Fatalf("backoffs %v, want %v s (capped at the 30 s default)", got, want)
		}
	}
	if b := c.NextBackoff(30*time.Second, true); b != time.Second {
		t.Fatalf("after an Initiation: %s, want reset to 1s", b)
	}
	if c.DialTimeout != 5*time.Second || c.MaxBackoff != DefaultMaxBackoff || DefaultMaxBackoff > 30*time.Second {
		t.Fatalf("defaults %+v", c)
	}
	c = Config{MinBackoff: time.Minute, MaxBackoff: time.Second}
	c.defaults()
	if c.MaxBackoff != time.Minute {
		t.Fatalf("max below min: %s", c.MaxBackoff)
	}
}

// TestConnWatchesInitiation: Initiated turns true once a whole Initiation has been read,
// however the bytes are split across reads; any other first message (or a BMP version
// other than 3 and 4) leaves it false.
func TestConnWatchesInitiation(t *testing.T) {
	init := gen.Initiation("r", "descr")
	for _, tc := range []struct {
		name   string
		stream []byte
		want   bool
	}{
		{"initiation", init, true},
		{"initiation then more", append(append([]byte{}, init...), gen.Termination(0)...), true},
		{"torn initiation", init[:len(init)-1], false},
		{"termination first", append(gen.Termination(0), init...), false},
		{"version 1", append([]byte{1}, init[1:]...), false},
		{"bmpv4", append([]byte{4}, init[1:]...), true},
	} {
		for _, chunk := range []int{1, 3, 6, 7, 1 << 10} {
			a, b := net.Pipe()
			c := &Conn{Conn: a, done: make(chan struct{})}
			go func() {
				for s := tc.stream; len(s) > 0; {
					n := min(chunk, len(s))
					b.Write(s[:n])
					s = s[n:]
				}
				b.Close()
			}()
			buf := make([]byte, 5)
			for {
				if _, err := c.Read(buf); err != nil {
					break
				}
			}
			c.Close()
			if c.Initiated() != tc.want {
				t.Errorf("%s, %d-byte writes: initiated %t, want %t", tc.name, chunk, c.Initiated(), tc.want)
			}
		}
	}
}

// TestBackoffResetOnInitiation: a router that accepts and closes without sending anything
// makes the delay double; once a session delivers its Initiation, the next delay is the
// minimum again — at once, not after a minimum uptime.
func TestBackoffResetOnInitiation(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const silent = 3 // sessions closed before any Initiation, then one with an Initiation
	go func() {
		for i := 0; ; i++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if i == silent {
				c.Write(append(gen.Initiation("r", "x"), gen.Termination(0)...))
			}
			c.Close()
		}
	}()
	type retry struct {
		delay     time.Duration
		initiated bool
	}
	var mu sync.Mutex
	var retries []retry
	srv := server.New(server.Config{Publisher: publisher.NewQueue(sinktest.New(), 8, publisher.Block)})
	min := 2 * time.Millisecond
	cfg := Config{Routers: []string{ln.Addr().String()}, MinBackoff: min, MaxBackoff: time.Hour,
		Retry: func(_ string, d time.Duration, initiated bool) {
			mu.Lock()
			retries = append(retries, retry{d, initiated})
			mu.Unlock()
		}}
	d := Start(context.Background(), cfg, srv.ServeConn)
	testutil.WaitFor(t, "five attempts", func() bool { mu.Lock(); defer mu.Unlock(); return len(retries) >= silent+2 })
	d.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	mu.Lock()
	defer mu.Unlock()
	want := []retry{{min, false}, {2 * min, false}, {4 * min, false}, {min, true}, {2 * min, false}}
	for i, w := range want {
		if retries[i] != w {
			t.Fatalf("retries %v, want %v", retries[:len(want)], want)
		}
	}
}
