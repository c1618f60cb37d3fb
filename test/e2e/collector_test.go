package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// rec is one decoded output record.
type rec map[string]any

// str, num and flag read a field of a record ("" / -1 / false when absent or of another type).
func (r rec) str(k string) string {
	s, _ := r[k].(string)
	return s
}

func (r rec) num(k string) float64 {
	if v, ok := r[k].(float64); ok {
		return v
	}
	return -1
}

func (r rec) flag(k string) bool {
	b, _ := r[k].(bool)
	return b
}

func (r rec) has(k string) bool {
	_, ok := r[k]
	return ok
}

// view names the RIB view of a route record: "pre", "post" or "loc".
func (r rec) view() string {
	switch {
	case r.flag("is_loc_rib"):
		return "loc"
	case r.flag("is_adj_rib_in_post_policy"):
		return "post"
	}
	return "pre"
}

// key is "prefix/len" of a route record.
func (r rec) key() string { return fmt.Sprintf("%s/%v", r.str("prefix"), r["prefix_len"]) }

// String is a one-line summary for failure messages.
func (r rec) String() string {
	s := fmt.Sprintf("#%v %s:%s", r["sequence"], r.str("type"), r.str("action"))
	if r.str("type") == "unicast_prefix" {
		s += " " + r.view() + " " + r.key()
	}
	if r.str("type") == "peer" {
		s += fmt.Sprintf(" peer_type=%v remote=%s", r["peer_type"], r.str("remote_ip"))
	}
	return s
}

// memSink keeps every record, decoded as it arrives (publisher.Sink, called from the
// queue's single goroutine; read from the test goroutine under mu).
type memSink struct {
	mu   sync.Mutex
	raw  [][]byte
	recs []rec
	errs []error
}

func (m *memSink) Name() string { return "mem" }
func (m *memSink) Flush() error { return nil }
func (m *memSink) Close() error { return nil }

func (m *memSink) Write(b *record.Batch) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := 0; i < b.Len(); i++ {
		line := bytes.Clone(b.Record(i))
		var r rec
		if err := json.Unmarshal(line, &r); err != nil {
			m.errs = append(m.errs, fmt.Errorf("record %d is not JSON: %v: %s", len(m.raw), err, line))
		}
		m.raw = append(m.raw, line)
		m.recs = append(m.recs, r)
	}
	return nil
}

// collector runs bmpstream's BMP server in-process on a free loopback port.
type collector struct {
	srv      *server.Server
	queue    *publisher.Queue
	sink     *memSink
	counters *session.Counters
	// stop shuts the server down (draining its sessions) and closes the queue; idempotent.
	stop func()
}

func startCollector(t *testing.T, wrap func(publisher.Publisher) publisher.Publisher) *collector {
	t.Helper()
	c := &collector{sink: &memSink{}, counters: &session.Counters{}}
	c.queue = publisher.NewQueue(c.sink, 16, publisher.Block)
	var pub publisher.Publisher = c.queue
	if wrap != nil {
		pub = wrap(pub)
	}
	c.srv = server.New(server.Config{Listen: "127.0.0.1:0", Publisher: pub,
		Session: session.Config{Counters: c.counters, Encodings: publisher.Needs(pub)}})
	if err := c.srv.Listen(); err != nil {
		c.queue.Close()
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- c.srv.Serve() }()
	c.stop = sync.OnceFunc(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.srv.Shutdown(ctx); err != nil {
			t.Errorf("collector shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("collector Serve: %v", err)
		}
		if err := c.queue.Close(); err != nil {
			t.Errorf("collector queue close: %v", err)
		}
	})
	return c
}

// records returns a snapshot of the records received so far.
func (c *collector) records() []rec {
	c.sink.mu.Lock()
	defer c.sink.mu.Unlock()
	return append([]rec(nil), c.sink.recs...)
}

func (c *collector) count() int {
	c.sink.mu.Lock()
	defer c.sink.mu.Unlock()
	return len(c.sink.recs)
}

// has reports whether some record satisfies match.
func (c *collector) has(match func(rec) bool) bool { return len(filter(c.records(), match)) > 0 }

// dump writes the records as JSON Lines to $BMPSTREAM_E2E_DUMP (if set), for inspection.
func (c *collector) dump(t *testing.T) {
	path := os.Getenv("BMPSTREAM_E2E_DUMP")
	if path == "" {
		return
	}
	c.sink.mu.Lock()
	out := bytes.Join(c.sink.raw, []byte{'\n'})
	c.sink.mu.Unlock()
	if err := os.WriteFile(path, append(out, '\n'), 0o644); err != nil {
		t.Errorf("dump: %v", err)
	}
}

func filter(rs []rec, match func(rec) bool) []rec {
	var out []rec
	for _, r := range rs {
		if match(r) {
			out = append(out, r)
		}
	}
	return out
}

// Record predicates.
func isType(typ, action string) func(rec) bool {
	return func(r rec) bool { return r.str("type") == typ && (action == "" || r.str("action") == action) }
}

func isPeer(action string, peerType int, remote string) func(rec) bool {
	return func(r rec) bool {
		return isType("peer", action)(r) && r.num("peer_type") == float64(peerType) &&
			(remote == "" || r.str("remote_ip") == remote)
	}
}

func isRoute(view, action string) func(rec) bool {
	return func(r rec) bool {
		return isType("unicast_prefix", action)(r) && !r.flag("is_eor") && r.view() == view
	}
}

// summary renders records for failure messages (the last n at most).
func summary(rs []rec, n int) string {
	if len(rs) > n {
		rs = rs[len(rs)-n:]
	}
	var b strings.Builder
	for _, r := range rs {
		b.WriteString("\n  ")
		b.WriteString(r.String())
	}
	return b.String()
}

// waitFor polls cond every 10 ms until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool, detail func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			msg := ""
			if detail != nil {
				msg = detail()
			}
			t.Fatalf("timed out after %v waiting for %s%s", d, what, msg)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitQuiet waits until the collector has received no record for quiet (bounded by d).
func (c *collector) waitQuiet(t *testing.T, d, quiet time.Duration) {
	t.Helper()
	n, since := c.count(), time.Now()
	waitFor(t, d, "the BMP stream to go quiet", func() bool {
		if m := c.count(); m != n {
			n, since = m, time.Now()
		}
		return time.Since(since) >= quiet
	}, nil)
}

// latest returns a failure-message helper listing the latest records.
func (c *collector) latest() func() string {
	return func() string { return "; latest records:" + summary(c.records(), 15) }
}

// tap is a TCP relay between the BMP speaker and the collector that keeps a copy of the
// raw BMP stream, for an independent count of the messages and for BMPSTREAM_E2E_CAPTURE.
// It relays one connection; a half-close from the speaker is passed on as a half-close,
// so the collector still sees a clean EOF.
type tap struct {
	ln   net.Listener
	mu   sync.Mutex
	raw  bytes.Buffer
	conn []net.Conn
	wg   sync.WaitGroup
}

func startTap(t *testing.T, target string) *tap {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tp := &tap{ln: ln}
	tp.wg.Add(1)
	go func() {
		defer tp.wg.Done()
		in, err := ln.Accept()
		if err != nil {
			return // closed
		}
		out, err := net.Dial("tcp", target)
		if err != nil {
			in.Close()
			return
		}
		tp.mu.Lock()
		tp.conn = append(tp.conn, in, out)
		tp.mu.Unlock()
		tp.wg.Add(1)
		go func() { // the collector never writes; this ends when it closes
			defer tp.wg.Done()
			_, _ = io.Copy(io.Discard, out)
			in.Close()
		}()
		buf := make([]byte, 64<<10)
		for {
			n, err := in.Read(buf)
			if n > 0 {
				tp.mu.Lock()
				tp.raw.Write(buf[:n])
				tp.mu.Unlock()
				if _, werr := out.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		_ = out.(*net.TCPConn).CloseWrite()
	}()
	return tp
}

func (tp *tap) port() uint32 { return uint32(tp.ln.Addr().(*net.TCPAddr).Port) }

func (tp *tap) close() {
	tp.ln.Close()
	tp.mu.Lock()
	for _, c := range tp.conn {
		c.Close()
	}
	tp.mu.Unlock()
	tp.wg.Wait()
}

// bytes returns a copy of the stream relayed so far.
func (tp *tap) bytes() []byte {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return bytes.Clone(tp.raw.Bytes())
}

// bmpCounts counts the complete BMP messages of a raw stream from their headers alone:
// by message type ("type 0" … "type 6") and, for Route Monitoring, by view ("rm pre",
// "rm post", "rm loc": Loc-RIB peer type 3, else the L flag of the per-peer header).
func bmpCounts(b []byte) (map[string]int, error) {
	n := map[string]int{}
	for len(b) > 0 {
		if len(b) < 6 {
			return n, fmt.Errorf("%d trailing bytes", len(b))
		}
		l := int(binary.BigEndian.Uint32(b[1:5]))
		if b[0] != 3 || l < 6 || l > len(b) {
			return n, fmt.Errorf("bad common header % x", b[:6])
		}
		n[fmt.Sprintf("type %d", b[5])]++
		if b[5] == 0 && l >= 8 {
			switch {
			case b[6] == 3:
				n["rm loc"]++
			case b[7]&0x40 != 0:
				n["rm post"]++
			default:
				n["rm pre"]++
			}
		}
		b = b[l:]
	}
	return n, nil
}
