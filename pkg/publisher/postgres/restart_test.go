package postgres

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// pgBin is where Debian installs PostgreSQL 15's server programs.
var pgBin = "/usr/lib/postgresql/15/bin"

// ownServer is a throwaway PostgreSQL instance in a temporary directory on a free
// loopback port, so that a test can restart it without disturbing other tests.
type ownServer struct {
	dir  string
	port int
	user string // the OS user running it ("postgres" when the test runs as root)
}

func (o *ownServer) run(t testing.TB, args ...string) {
	t.Helper()
	var cmd *exec.Cmd
	if o.user != "" {
		cmd = exec.Command("runuser", append([]string{"-u", o.user, "--", filepath.Join(pgBin, args[0])}, args[1:]...)...)
	} else {
		cmd = exec.Command(filepath.Join(pgBin, args[0]), args[1:]...)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
}

func startOwnServer(t testing.TB) *ownServer {
	t.Helper()
	if _, err := os.Stat(filepath.Join(pgBin, "initdb")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("initdb not found in %s", pgBin)
		}
		t.Skipf("SKIPPED: PostgreSQL server programs not found in %s", pgBin)
	}
	o := &ownServer{dir: t.TempDir()}
	if os.Geteuid() == 0 { // initdb refuses to run as root
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skipf("SKIPPED: running as root without a postgres user: %v", err)
		}
		o.user = "postgres"
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		for _, d := range []string{o.dir, filepath.Dir(o.dir)} {
			if err := os.Chown(d, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	data := filepath.Join(o.dir, "data")
	o.run(t, "initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
	o.run(t, "pg_ctl", "-D", data, "-w", "-l", filepath.Join(o.dir, "log"), "-o", o.opts(), "start")
	t.Cleanup(func() {
		cmd := exec.Command(filepath.Join(pgBin, "pg_ctl"), "-D", data, "-m", "immediate", "stop")
		if o.user != "" {
			cmd = exec.Command("runuser", "-u", o.user, "--", filepath.Join(pgBin, "pg_ctl"), "-D", data, "-m", "immediate", "stop")
		}
		cmd.Run() //nolint:errcheck
	})
	return o
}

func (o *ownServer) opts() string {
	return fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", o.port, o.dir)
}

func (o *ownServer) dsn() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", o.port)
}

// restart stops the server at once (no shutdown checkpoint: crash recovery at start) and
// starts it again after pause.
func (o *ownServer) restart(t testing.TB, pause time.Duration) {
	data := filepath.Join(o.dir, "data")
	o.run(t, "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
	time.Sleep(pause)
	o.run(t, "pg_ctl", "-D", data, "-w", "-l", filepath.Join(o.dir, "log"), "-o", o.opts(), "start")
}

// TestServerRestart restarts PostgreSQL (immediate stop: in-flight transactions die)
// twice while a real capture is being stored: every table ends with exactly the capture's
// rows, none lost and none duplicated.
func TestServerRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the PostgreSQL restart test")
	}
	c := decodeCapture(t, readCapture(t, "lab/frr84-mixed.bmp"), "192.0.2.10:40000")
	srv := startOwnServer(t)
	s, conn := newTestSink(t, Options{DSN: srv.dsn(), BatchSize: 300, MaxDelay: 5 * time.Millisecond,
		BackoffMin: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond})
	conn.Close(context.Background())

	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range c.metas {
			s.Add(c.metas[i], c.vals[i])
			if i%100 == 99 {
				s.Flush() //nolint:errcheck // losses are checked below
			}
		}
	}()
	for _, at := range []uint64{1500, 4000} {
		deadline := time.Now().Add(time.Minute)
		for s.Stats().Records.Load() < at && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
		srv.restart(t, 300*time.Millisecond)
	}
	<-done
	syncSink(t, s)
	st := s.Stats()
	if st.Reconnects.Load() == 0 || st.Retries.Load() == 0 {
		t.Fatalf("no reconnect happened (retries %d, reconnects %d): the restarts missed the stream",
			st.Retries.Load(), st.Reconnects.Load())
	}
	conn = connect(t, srv.dsn(), "public")
	for tbl, n := range c.tableCounts() {
		if got := queryInt(t, conn, `SELECT count(*) FROM `+tbl); got != n {
			t.Errorf("%s: %d rows after the restarts, want %d", tbl, got, n)
		}
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM (SELECT session_id, seq FROM ip_rib_log GROUP BY 1, 2 HAVING count(*) > 1) d`); n != 0 {
		t.Errorf("%d duplicated ip_rib_log records", n)
	}
	if st.Rejected.Load() != 0 || st.Lost.Load() != 0 {
		t.Errorf("rejected %d, lost %d", st.Rejected.Load(), st.Lost.Load())
	}
	checkLogOrder(t, c, conn)
	checkRIB(t, c, conn)
	t.Logf("records %d, transactions %d, retries %d, reconnects %d, skipped (already stored) %d",
		st.Records.Load(), st.Transactions.Load(), st.Retries.Load(), st.Reconnects.Load(), st.Skipped.Load())
}

// TestDeadlineCountsLost: with the server gone, the sink retries; once the shutdown
// deadline passes, the records it could not store are counted lost (and reported to the
// queue), never dropped silently, and Pending says how many it holds until then.
func TestDeadlineCountsLost(t *testing.T) {
	srv := startOwnServer(t)
	s, conn := newTestSink(t, Options{DSN: srv.dsn(), MaxDelay: time.Millisecond,
		BackoffMin: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond})
	conn.Close(context.Background())
	c := decodeCapture(t, readCapture(t, "lab/frr84-mixed.bmp"), "192.0.2.10:40000")
	for i := range 100 {
		s.Add(c.metas[i], c.vals[i])
	}
	syncSink(t, s)
	if p := s.Pending(); p != 0 {
		t.Fatalf("Pending %d after Sync", p)
	}
	data := filepath.Join(srv.dir, "data")
	srv.run(t, "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
	for i := 100; i < 600; i++ {
		s.Add(c.metas[i], c.vals[i])
	}
	s.Flush() //nolint:errcheck
	deadline := time.Now().Add(300 * time.Millisecond)
	for s.Stats().Retries.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if p := s.Pending(); p != 500 {
		t.Errorf("Pending %d while the server is down, want 500", p)
	}
	s.SetDeadline(time.Now())
	if err := s.Close(); err == nil {
		t.Error("Close reported no loss")
	}
	st := s.Stats()
	if st.Lost.Load() != 500 || st.Records.Load() != 100 || s.Pending() != 0 {
		t.Errorf("lost %d, stored %d, pending %d; want 500, 100, 0", st.Lost.Load(), st.Records.Load(), s.Pending())
	}
	if err := s.reportLoss(); err == nil {
		t.Error("the lost records were not reported to the queue")
	}
}
