package server

import (
	"context"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/internal/testutil/sinktest"
	"github.com/bmpstream/bmpstream/pkg/publisher"
)

// outq is the number of bytes c sent that the peer has not acknowledged (SIOCOUTQ).
func outq(t *testing.T, c *net.TCPConn) int {
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var ierr error
	if err := rc.Control(func(fd uintptr) { n, ierr = unix.IoctlGetInt(int(fd), unix.SIOCOUTQ) }); err != nil || ierr != nil {
		t.Fatal(err, ierr)
	}
	return n
}

// TestShutdownDrainsKernelBuffer: the sink stalls, so the session stops reading while the
// router's bytes wait in the socket's receive queue (TCP acknowledged them). Shutdown
// still turns every message the kernel received into records, then ends the session
// although the router keeps its connection open.
func TestShutdownDrainsKernelBuffer(t *testing.T) {
	sink := sinktest.New()
	sink.Gate = make(chan struct{})
	q := publisher.NewQueue(sink, 1, publisher.Block)
	srv := New(Config{Listen: "127.0.0.1:0", Publisher: q, Session: session.Config{MaxBatchRecords: 8}})
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	data, c := stream(t, gen.StreamSpec{Prefixes: 700, PerUpdate: 1}) // ≈ 90 KB
	data = data[:len(data)-len(gen.Termination(0))]                   // the session stays open
	conn, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(data); err != nil {
		t.Fatal(err)
	}
	<-sink.FirstWrite()
	// Every byte reached the collector's host, and part of it is still in the kernel.
	testutil.WaitFor(t, "all bytes acknowledged", func() bool { return outq(t, conn.(*net.TCPConn)) == 0 })
	unread := 0
	srv.mu.Lock()
	for sc := range srv.conns {
		unread, _ = unreadBytes(sc.(*net.TCPConn))
	}
	srv.mu.Unlock()
	if unread == 0 {
		t.Fatal("nothing left in the socket's receive queue: the test does not test the drain")
	}
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		done <- srv.Shutdown(ctx)
	}()
	testutil.WaitFor(t, "shutdown to begin", srv.stopping.Load)
	close(sink.Gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	q.Close()
	if srv.Stats.Ended(EndShutdown) != 1 {
		t.Fatalf("end reason: shutdown=%d eof=%d", srv.Stats.Ended(EndShutdown), srv.Stats.Ended(EndEOF))
	}
	lastIsSynthesizedTerm(t, sink, session.EndShutdown)
	if got, want := sink.Len(), c.V4+4; got != want { // + the synthesized router term
		t.Fatalf("%d records, want %d (%d bytes were in the receive queue)", got, want, unread)
	}
	if q.Stats.Dropped.Load() != 0 {
		t.Fatalf("%d records dropped", q.Stats.Dropped.Load())
	}
}
