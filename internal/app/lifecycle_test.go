package app

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/capture"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/publisher/file"
)

// The tests in this file build the real binary and run it as an operator would: SIGTERM
// in the middle of a session that the sender keeps open.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds cmd/bmpstream once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bmpstream-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "bmpstream")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/bmpstream")
		cmd.Dir = testutil.RepoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// TestMain: glog to stderr, a loud notice when the shared captures are missing
// (testutil), and the test binary's build directory removed at the end.
func TestMain(m *testing.M) {
	testutil.Setup()
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	testutil.Report()
	os.Exit(code)
}

// proc is a running collector.
type proc struct {
	cmd     *exec.Cmd
	mu      sync.Mutex
	log     []string
	logDone chan struct{}
	exited  chan struct{}
	waitErr error
}

func startProc(t *testing.T, args ...string) *proc {
	t.Helper()
	// The collector's metrics on a free port unless args choose (a later flag wins): the
	// default 127.0.0.1:10790 may be taken by a collector running on the machine.
	// Subcommands (args[0] not a flag) have no metrics endpoint.
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		args = append([]string{"--metrics-address=127.0.0.1:0"}, args...)
	}
	p := &proc{cmd: exec.Command(binary(t), args...), logDone: make(chan struct{}), exited: make(chan struct{})}
	p.cmd.Stdout = io.Discard
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.logDone)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.log = append(p.log, sc.Text())
			p.mu.Unlock()
		}
	}()
	go func() {
		<-p.logDone
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("collector log:\n%s", p.logText())
		}
	})
	return p
}

func (p *proc) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.log, "\n")
}

// field waits for a log line with event=EVENT and returns the value of key in it.
func (p *proc) field(t *testing.T, event, key string) string {
	t.Helper()
	re := regexp.MustCompile(`\bevent=` + event + `\b.*\b` + key + `=(\S+)`)
	var v string
	testutil.WaitFor(t, "log event="+event, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, l := range p.log {
			if m := re.FindStringSubmatch(l); m != nil {
				v = m[1]
				return true
			}
		}
		select {
		case <-p.exited:
			t.Fatalf("collector exited (%v) before logging event=%s", p.waitErr, event)
		default:
		}
		return false
	})
	return v
}

// stop sends SIGTERM and returns the exit code.
func (p *proc) stop(t *testing.T) int {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(5 * time.Minute):
		t.Fatal("collector still running 5 minutes after SIGTERM")
	}
	var ee *exec.ExitError
	if errors.As(p.waitErr, &ee) {
		return ee.ExitCode()
	}
	if p.waitErr != nil {
		t.Fatal(p.waitErr)
	}
	return 0
}

// metricSum scrapes url and sums the samples of the metric name (any labels).
func metricSum(t *testing.T, url, name string) float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		l := sc.Text()
		if !strings.HasPrefix(l, name+"{") && !strings.HasPrefix(l, name+" ") {
			continue
		}
		v, err := strconv.ParseFloat(l[strings.LastIndexByte(l, ' ')+1:], 64)
		if err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		sum += v
	}
	return sum
}

func httpStatus(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// stoppedLine returns the key=value fields of the final event=stopped line.
func (p *proc) stoppedFields(t *testing.T) map[string]string {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(p.log) - 1; i >= 0; i-- {
		if strings.Contains(p.log[i], "event=stopped ") {
			return kv(p.log[i])
		}
	}
	t.Fatal("no event=stopped line")
	return nil
}

func (p *proc) eventFields(t *testing.T, event string) map[string]string {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.log {
		if strings.Contains(l, "event="+event+" ") {
			return kv(l)
		}
	}
	t.Fatalf("no event=%s line", event)
	return nil
}

func kv(line string) map[string]string {
	m := make(map[string]string)
	for _, f := range strings.Fields(line) {
		if k, v, ok := strings.Cut(f, "="); ok {
			m[k] = v
		}
	}
	return m
}

func atoi(t *testing.T, s string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}

// captureMessages returns the messages of the lab capture frr84-mixed.bmp.
func captureMessages(t *testing.T) [][]byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testutil.TestdataDir(t), "lab", "frr84-mixed.bmp"))
	if err != nil {
		t.Fatal(err)
	}
	msgs, rest := testutil.SplitBMP(data)
	if len(msgs) != 5774 || len(rest) != 0 {
		t.Fatalf("capture: %d messages + %d bytes", len(msgs), len(rest))
	}
	return msgs
}

// expectedRecords decodes msgs offline (the inspect path) and returns the record count.
func expectedRecords(t *testing.T, msgs [][]byte) int {
	t.Helper()
	path := filepath.Join(t.TempDir(), "part.bmp")
	if err := os.WriteFile(path, bytes.Join(msgs, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Inspect(path, io.Discard, file.JSONL, capture.Options{}, 0)
	if err != nil || len(res) != 1 || res[0].Err != nil || res[0].Messages != len(msgs) {
		t.Fatalf("inspect: %v %+v", err, res)
	}
	return res[0].Records
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

// TestShutdownDrains: a router sends N complete messages and half of the next one, then
// keeps its connection open; once the collector has read the N messages (its metrics say
// so), SIGTERM. The collector exits 0 and the output file holds exactly the records of
// the N messages, as the offline decoder produces them.
func TestShutdownDrains(t *testing.T) {
	msgs := captureMessages(t)
	const n = 3000
	out := filepath.Join(t.TempDir(), "records.jsonl")
	p := startProc(t, "--source-port=0", "--bind-address=127.0.0.1", "--metrics-address=127.0.0.1:0",
		"--dump=file", "--msg-file="+out, "--queue-size=2", "--shutdown-timeout=5m")
	bmpAddr := p.field(t, "listening", "address")
	base := "http://" + p.field(t, "metrics_listening", "address")
	if code := httpStatus(t, base+"/readyz"); code != 200 {
		t.Fatalf("/readyz = %d while serving", code)
	}
	if code := httpStatus(t, base+"/healthz"); code != 200 {
		t.Fatalf("/healthz = %d", code)
	}

	conn, err := net.Dial("tcp", bmpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	payload := bytes.Join(msgs[:n], nil)
	half := msgs[n][:len(msgs[n])/2]
	if _, err := conn.Write(append(payload, half...)); err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, "the collector to read the messages", func() bool {
		return metricSum(t, base+"/metrics", "bmpstream_bmp_messages_total") == n
	})
	if got := metricSum(t, base+"/metrics", "bmpstream_received_bytes_total"); got != float64(len(payload)) {
		t.Errorf("received bytes %v, want %d", got, len(payload))
	}

	if code := p.stop(t); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	want := expectedRecords(t, msgs[:n])
	f := p.stoppedFields(t)
	if atoi(t, f["messages"]) != n || atoi(t, f["records"]) != uint64(want) || f["records_undelivered"] != "0" {
		t.Errorf("event=stopped %v; want messages=%d records=%d records_undelivered=0", f, n, want)
	}
	if got := countLines(t, out); got != want {
		t.Errorf("output file has %d records, want %d (the records of the %d messages read)", got, want, n)
	}
	d := p.eventFields(t, "disconnected")
	if d["reason"] != "shutdown" || d["messages"] != strconv.Itoa(n) {
		t.Errorf("session end %v, want reason=shutdown messages=%d", d, n)
	}
	if strings.Contains(p.logText(), "event=pprof_listening") {
		t.Error("pprof listening without --performance-port")
	}
}

// TestShutdownBlockedSink: the output is a pipe nobody reads, so the sink blocks for
// good. SIGTERM: the collector gives up at --shutdown-timeout (or at a second signal),
// exits non-zero and reports how many records it could not deliver, and the accounting
// adds up.
func TestShutdownBlockedSink(t *testing.T) {
	t.Run("deadline", func(t *testing.T) { blockedSink(t, "2s", 1) })
	// With a deadline far beyond the test's patience, only the second signal ends it.
	t.Run("second_signal", func(t *testing.T) { blockedSink(t, "1h", 2) })
}

func blockedSink(t *testing.T, timeout string, signals int) {
	msgs := captureMessages(t)
	fifo := filepath.Join(t.TempDir(), "out.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// Open the read end without reading, so that the collector's open for writing does
	// not block and its writes fill the pipe.
	rd, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	p := startProc(t, "--source-port=0", "--bind-address=127.0.0.1", "--metrics-address=127.0.0.1:0",
		"--dump=file", "--msg-file="+fifo, "--queue-size=1", "--shutdown-timeout="+timeout)
	bmpAddr := p.field(t, "listening", "address")
	base := "http://" + p.field(t, "metrics_listening", "address")
	conn, err := net.Dial("tcp", bmpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go conn.Write(bytes.Join(msgs, nil)) // blocks once the collector stops reading
	// The sink is stuck and the one-batch queue is full: sessions wait for room.
	testutil.WaitFor(t, "the queue to fill", func() bool {
		return metricSum(t, base+"/metrics", "bmpstream_queue_depth_batches") == 1 &&
			metricSum(t, base+"/metrics", "bmpstream_sink_records_pending") > 0
	})

	if signals > 1 {
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		p.field(t, "shutdown", "signal") // the drain has begun: the next signal forces
	}
	if code := p.stop(t); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	if forced := strings.Contains(p.logText(), "event=shutdown_forced"); forced != (signals > 1) {
		t.Errorf("shutdown_forced logged: %v, signals %d", forced, signals)
	}
	f := p.stoppedFields(t)
	s := p.eventFields(t, "sink_abandoned")
	undelivered := atoi(t, f["records_undelivered"])
	written, dropped, pending := atoi(t, s["records_written"]), atoi(t, s["records_dropped"]), atoi(t, s["records_pending"])
	if undelivered == 0 || undelivered != dropped+pending || s["records_failed"] != "0" {
		t.Errorf("undelivered %d, sink %v", undelivered, s)
	}
	// Every record produced is written, dropped or still queued: none unaccounted for.
	if records := atoi(t, f["records"]); written+dropped+pending != records {
		t.Errorf("records %d != written %d + dropped %d + pending %d", records, written, dropped, pending)
	}
	if !strings.Contains(p.logText(), fmt.Sprintf("%d records not delivered", undelivered)) {
		t.Errorf("no error line reporting %d undelivered records", undelivered)
	}
	// What reached the pipe is at most what the sink accepted.
	var got bytes.Buffer
	io.Copy(&got, rd)
	if lines := uint64(bytes.Count(got.Bytes(), []byte("\n"))); lines > written {
		t.Errorf("%d lines in the pipe, more than the %d records written", lines, written)
	}
}
