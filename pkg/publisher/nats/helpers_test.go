package nats

import (
	"bytes"
	"context"
	"encoding/hex"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	natsgo "github.com/nats-io/nats.go"

	"github.com/bmpstream/bmpstream/internal/gen"
	bmpserver "github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/bmp"
	"github.com/bmpstream/bmpstream/pkg/openbmp"
	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// startNATS runs an embedded nats-server with JetStream on 127.0.0.1 (port 0: random).
func startNATS(t testing.TB, storeDir string, port int) *natsserver.Server {
	t.Helper()
	if port == 0 {
		port = natsserver.RANDOM_PORT
	}
	s, err := natsserver.NewServer(&natsserver.Options{
		Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: storeDir,
		NoSigs: true, NoLog: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	if !s.ReadyForConnections(20 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s
}

// rawEncoder is the OpenBMP framing used by the tests (hash recipe of OpenBMP v2).
func rawFunc(t testing.TB) func([]byte, netip.AddrPort, []byte, time.Time) []byte {
	enc, err := openbmp.NewEncoder("test-collector")
	if err != nil {
		t.Fatal(err)
	}
	return func(dst []byte, router netip.AddrPort, msg []byte, recv time.Time) []byte {
		ip := router.Addr().Unmap()
		return enc.AppendRaw(dst, openbmp.RouterHashOpenBMP(ip), ip, "", recv, msg)
	}
}

// collector is bmpstream's pipeline in front of the NATS sink: one BMP listener on
// 127.0.0.1 and one on [::1] (two router addresses), a queue and the sink.
type collector struct {
	sink *Sink
	q    *publisher.Queue
	srvs []*bmpserver.Server
	cfg  session.Config
}

func startCollector(t *testing.T, opts Options, raw bool) *collector {
	t.Helper()
	sink, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{sink: sink, q: publisher.NewQueue(sink, 8, publisher.Block)}
	c.cfg = session.Config{MaxBatchRecords: 256}
	if raw {
		c.cfg.Raw = rawFunc(t)
	}
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0"} {
		srv := bmpserver.New(bmpserver.Config{Listen: addr, Publisher: c.q, Session: c.cfg})
		if err := srv.Listen(); err != nil {
			t.Fatal(err)
		}
		go srv.Serve()
		c.srvs = append(c.srvs, srv)
	}
	t.Cleanup(func() { c.stop() })
	return c
}

// stop shuts the listeners down and closes the queue (and so the sink).
func (c *collector) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, s := range c.srvs {
		s.Shutdown(ctx)
	}
	c.q.Close()
}

func (c *collector) ended() uint64 {
	var n uint64
	for _, s := range c.srvs {
		n += s.Stats.Ended(bmpserver.EndEOF)
	}
	return n
}

// ref is one expected record: subject, router hash header and normalised data.
type ref struct {
	subject, hash string
	data          []byte
}

var collectorTime = regexp.MustCompile(`"collector_timestamp":"[^"]*"`)

// normalise removes what depends on the receive time: the collector timestamp of JSON
// records and the OpenBMP timestamp of raw records.
func normalise(subject string, data []byte) []byte {
	d := bytes.Clone(data)
	if bytes.HasSuffix([]byte(subject), []byte(".raw")) {
		if len(d) >= 22 {
			clear(d[14:22])
		}
		return d
	}
	return collectorTime.ReplaceAll(d, nil)
}

// reference decodes data offline as the collector does for the router at remote.
func reference(t testing.TB, cfg session.Config, remote netip.AddrPort, data []byte, split bool) []ref {
	t.Helper()
	var out []ref
	sess := session.New(context.Background(), cfg, remote, func(_ context.Context, b *record.Batch) error {
		for i := range b.Recs {
			m := &b.Recs[i]
			subj := record.Topic("gobmp", m.Type, m.IPv4, split)
			out = append(out, ref{subj, hex.EncodeToString(m.RouterHash[:]), normalise(subj, b.Record(i))})
		}
		b.Release()
		return nil
	})
	r := bmp.NewReader(bytes.NewReader(data), 1<<20)
	for {
		_, msg, err := r.Next()
		if err != nil {
			break
		}
		if err := sess.Handle(msg, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	sess.End(session.EndEOF, time.Now()) // the router closes its connection after the stream
	if err := sess.Flush(); err != nil {
		t.Fatal(err)
	}
	return out
}

// router connects to the collector listener for its address family, computes the
// records the stream must produce and sends it.
func (c *collector) router(t *testing.T, v6 bool, data []byte, split bool) []ref {
	t.Helper()
	srv := c.srvs[0]
	if v6 {
		srv = c.srvs[1]
	}
	conn, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	refs := reference(t, c.cfg, conn.LocalAddr().(*net.TCPAddr).AddrPort(), data, split)
	go func() {
		defer conn.Close()
		if _, err := conn.Write(data); err != nil {
			t.Error(err)
		}
	}()
	return refs
}

func genStream(t testing.TB, spec gen.StreamSpec) []byte {
	var buf bytes.Buffer
	if _, err := gen.WriteStream(&buf, spec); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readCapture(t testing.TB, rel string) []byte {
	b, err := os.ReadFile(filepath.Join(testutil.TestdataDir(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// got is one received message.
type got struct {
	subject, hash, peerHash, id string
	data                        []byte
}

type inbox struct {
	mu   sync.Mutex
	msgs []got
}

func (in *inbox) add(g got) {
	in.mu.Lock()
	in.msgs = append(in.msgs, g)
	in.mu.Unlock()
}

// snapshot returns the messages received so far.
func (in *inbox) snapshot() []got {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]got(nil), in.msgs...)
}

// drain waits until the subscriber has handled every message the server sent before a
// round trip made now.
func (in *inbox) drain(t testing.TB, nc *natsgo.Conn, s *natsgo.Subscription) []got {
	t.Helper()
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, "the subscriber's handler", func() bool {
		n, _, _ := s.Pending()
		d, _ := s.Delivered()
		return n == 0 && uint64(in.len()) == uint64(d)
	})
	return in.snapshot()
}

func (in *inbox) len() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.msgs)
}

// compare checks that received holds exactly the expected records of each router (by
// router hash), in order, on the right subjects, with the right data.
func compare(t *testing.T, received []got, want map[string][]ref) {
	t.Helper()
	byHash := map[string][]got{}
	total := 0
	for _, g := range received {
		byHash[g.hash] = append(byHash[g.hash], g)
	}
	for hash, refs := range want {
		gs := byHash[hash]
		total += len(refs)
		if len(gs) != len(refs) {
			t.Fatalf("router %s: %d messages, want %d", hash, len(gs), len(refs))
		}
		for i, r := range refs {
			g := gs[i]
			if g.subject != r.subject {
				t.Fatalf("router %s record %d: subject %q, want %q", hash, i, g.subject, r.subject)
			}
			if nd := normalise(g.subject, g.data); !bytes.Equal(nd, r.data) {
				t.Fatalf("router %s record %d (%s): data differs:\n got %.300q\nwant %.300q", hash, i, g.subject, nd, r.data)
			}
		}
	}
	if len(received) != total {
		t.Fatalf("%d messages received, %d expected (unknown router hashes?)", len(received), total)
	}
}
