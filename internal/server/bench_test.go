package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// discardSink counts records and throws them away; wait blocks until it has seen n.
type discardSink struct {
	mu      sync.Mutex
	cond    *sync.Cond
	records int
}

func newDiscardSink() *discardSink {
	d := &discardSink{}
	d.cond = sync.NewCond(&d.mu)
	return d
}

func (d *discardSink) Name() string { return "discard" }
func (d *discardSink) Write(b *record.Batch) error {
	d.mu.Lock()
	d.records += b.Len()
	d.mu.Unlock()
	d.cond.Broadcast()
	return nil
}
func (d *discardSink) Flush() error { return nil }
func (d *discardSink) Close() error { return nil }

func (d *discardSink) wait(n int) {
	d.mu.Lock()
	for d.records < n {
		d.cond.Wait()
	}
	d.mu.Unlock()
}

// benchServerPrefixes is the size of one operation: one router session announcing this
// many prefixes.
const benchServerPrefixes = 20_000

// BenchmarkServerEndToEnd sends one generated router session per operation over loopback
// TCP to a server publishing through a Block queue into a sink that discards the records;
// an operation ends when the sink has received the session's last record.
func BenchmarkServerEndToEnd(b *testing.B) {
	for _, per := range []int{1, 10} {
		b.Run(fmt.Sprintf("per-update=%d", per), func(b *testing.B) {
			var stream bytes.Buffer
			if _, err := gen.WriteStream(&stream, gen.StreamSpec{Prefixes: benchServerPrefixes, PerUpdate: per, IPv6: true}); err != nil {
				b.Fatal(err)
			}
			sink := newDiscardSink()
			q := publisher.NewQueue(sink, 64, publisher.Block)
			srv := New(Config{Listen: "127.0.0.1:0", Publisher: q, Session: session.Config{Counters: &session.Counters{}}})
			if err := srv.Listen(); err != nil {
				b.Fatal(err)
			}
			serveErr := make(chan error, 1)
			go func() { serveErr <- srv.Serve() }()
			addr := srv.Addr().String()
			data := stream.Bytes()

			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			for i := range b.N {
				conn, err := net.Dial("tcp", addr)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := conn.Write(data); err != nil {
					b.Fatal(err)
				}
				if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
					b.Fatal(err)
				}
				// The server closes the connection once it has read and published everything.
				if _, err := io.Copy(io.Discard, conn); err != nil {
					b.Fatal(err)
				}
				conn.Close()
				sink.wait((i + 1) * (benchServerPrefixes + 4))
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N*benchServerPrefixes)/b.Elapsed().Seconds(), "prefixes/s")

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				b.Fatal(err)
			}
			if err := <-serveErr; err != nil {
				b.Fatal(err)
			}
			if err := q.Close(); err != nil {
				b.Fatal(err)
			}
			if want := b.N * (benchServerPrefixes + 4); sink.records != want {
				b.Fatalf("sink saw %d records, want %d", sink.records, want)
			}
			if n := q.Stats.Dropped.Load() + q.Stats.Failed.Load(); n != 0 {
				b.Fatalf("%d records dropped or failed", n)
			}
		})
	}
}
