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
	for i := 0; i < 11; i++ {
		b = c.NextBackoff(b, 0)
		got = append(got, b)
	}
	want := []time.Duration{1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Fatalf("backoffs %v, want %v s", got, want)
		}
	}
	if b := c.NextBackoff(300*time.Second, 29*time.Second); b != 300*time.Second {
		t.Fatalf("short session: %s", b)
	}
	if b := c.NextBackoff(300*time.Second, 30*time.Second); b != time.Second {
		t.Fatalf("session up 30 s: %s, want reset to 1s", b)
	}
	if c.DialTimeout != 5*time.Second {
		t.Fatalf("dial timeout %s", c.DialTimeout)
	}
}
