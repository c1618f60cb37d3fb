package bench

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// PGConfig configures the PostgreSQL sink benchmark.
type PGConfig struct {
	Collector string   // collector binary
	DSN       string   // PostgreSQL server; the run uses a schema of its own, dropped after
	Extra     []string // extra collector flags (e.g. --postgres-batch-size=50000)
	Timeout   time.Duration
	Log       io.Writer
}

// PGResult is one end-to-end run: a router sends the stream, the collector (PostgreSQL
// sink only) stores every route record in ip_rib_log and ip_rib; the run ends when the
// collector, stopped after the session ended, has committed everything and exited.
type PGResult struct {
	Prefixes  int           `json:"prefixes"`
	PerUpdate int           `json:"per_update"`
	Elapsed   time.Duration `json:"elapsed_ns"`
	// RecordsPerSec is route records (one ip_rib_log row and one ip_rib upsert each) per
	// second, from the first byte sent to the collector's exit.
	RecordsPerSec float64 `json:"records_per_sec"`
	// CollectorCPU is the collector process's CPU time (user+system) over the run, and
	// CPUPerRecord that divided by the records; ServerCPU is the PostgreSQL server
	// processes' CPU time over the run (same machine).
	CollectorCPU time.Duration `json:"collector_cpu_ns"`
	CPUPerRecord time.Duration `json:"cpu_per_record_ns"`
	ServerCPU    time.Duration `json:"server_cpu_ns"`
	// LogRows and RIBRows are the rows found afterwards.
	LogRows int64 `json:"ip_rib_log_rows"`
	RIBRows int64 `json:"ip_rib_rows"`
}

// RunPostgres runs one end-to-end PostgreSQL sink measurement of s.
func RunPostgres(ctx context.Context, cfg PGConfig, s *Stream) (PGResult, error) {
	res := PGResult{Prefixes: s.Prefixes, PerUpdate: s.PerUpdate}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Minute
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	conn, err := pgx.Connect(ctx, cfg.DSN)
	if err != nil {
		return res, err
	}
	defer conn.Close(context.Background())
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	schema := "bmpbench_" + hex.EncodeToString(rnd[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return res, err
	}
	defer conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE") //nolint:errcheck

	// Ports the kernel picks: the BMP address is read from the listening log line; the
	// metrics endpoint must not take the default 127.0.0.1:10790 (another collector may).
	args := append([]string{"--source-port=0", "--bind-address=127.0.0.1", "--metrics-address=127.0.0.1:0",
		"--postgres-dsn=" + cfg.DSN, "--postgres-schema=" + schema, "--shutdown-timeout=" + cfg.Timeout.String()}, cfg.Extra...)
	cmd := exec.Command(cfg.Collector, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return res, err
	}
	if err := cmd.Start(); err != nil {
		return res, err
	}
	events := make(chan string, 16)
	var bmpAddr string // set before "event=listening" is sent on events
	var (
		mu      sync.Mutex
		logTail []string
	)
	tail := func() string { mu.Lock(); defer mu.Unlock(); return strings.Join(logTail, "\n") }
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			l := sc.Text()
			if strings.Contains(l, "feature=postgres event=stopped") || strings.Contains(l, "event=disconnected") || strings.Contains(l, "event=stopped") {
				fmt.Fprintln(cfg.Log, l)
			}
			mu.Lock()
			if len(logTail) < 200 {
				logTail = append(logTail, l)
			}
			mu.Unlock()
			for _, ev := range []string{"event=listening", "event=disconnected", "event=fatal"} {
				if strings.Contains(l, ev) {
					if ev == "event=listening" && bmpAddr == "" {
						bmpAddr = logAddress(l)
					}
					events <- ev
				}
			}
		}
		close(events)
	}()
	wait := func(ev string) error {
		timer := time.NewTimer(cfg.Timeout)
		defer timer.Stop()
		for {
			select {
			case e, ok := <-events:
				if !ok || e == "event=fatal" {
					return fmt.Errorf("collector exited before %s", ev)
				}
				if e == ev {
					return nil
				}
			case <-timer.C:
				return fmt.Errorf("no %s after %s", ev, cfg.Timeout)
			}
		}
	}
	if err := wait("event=listening"); err != nil {
		cmd.Process.Kill() //nolint:errcheck
		cmd.Wait()         //nolint:errcheck
		return res, fmt.Errorf("%w: %s", err, tail())
	}
	sampler := startCPUSampler()
	start := time.Now()
	c, err := net.Dial("tcp", bmpAddr)
	if err != nil {
		cmd.Process.Kill() //nolint:errcheck
		cmd.Wait()         //nolint:errcheck
		return res, err
	}
	if _, err := c.Write(s.Data); err != nil {
		c.Close()
		cmd.Process.Kill() //nolint:errcheck
		cmd.Wait()         //nolint:errcheck
		return res, err
	}
	c.Close()
	fmt.Fprintf(cfg.Log, "postgres: stream sent in %s, waiting for the collector\n", time.Since(start).Round(time.Millisecond))
	if err := wait("event=disconnected"); err != nil {
		cmd.Process.Kill() //nolint:errcheck
		cmd.Wait()         //nolint:errcheck
		return res, err
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return res, err
	}
	if err := cmd.Wait(); err != nil {
		return res, fmt.Errorf("collector: %v: %s", err, tail())
	}
	res.Elapsed = time.Since(start)
	res.ServerCPU = sampler.total()
	res.CollectorCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	res.RecordsPerSec = float64(s.Prefixes) / res.Elapsed.Seconds()
	res.CPUPerRecord = res.CollectorCPU / time.Duration(s.Prefixes)
	for tbl, dst := range map[string]*int64{"ip_rib_log": &res.LogRows, "ip_rib": &res.RIBRows} {
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+schema+"."+tbl).Scan(dst); err != nil {
			return res, err
		}
	}
	if res.LogRows != int64(s.Prefixes) || res.RIBRows != int64(s.Prefixes) {
		return res, fmt.Errorf("stored %d ip_rib_log and %d ip_rib rows, want %d each", res.LogRows, res.RIBRows, s.Prefixes)
	}
	return res, nil
}

// serverCPUs returns the CPU time of each process named "postgres" (the local server's
// postmaster and backends).
func serverCPUs() map[int]time.Duration {
	out := map[int]time.Duration{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil || !strings.Contains(string(b), "(postgres)") {
			continue
		}
		if c, err := ParseStat(b); err == nil {
			out[pid] = c.Total()
		}
	}
	return out
}

// cpuSampler follows the PostgreSQL server's processes during a run, so that backends
// that exit before its end (the collector's connection) are counted.
type cpuSampler struct {
	before, last map[int]time.Duration
	stop         chan struct{}
	done         chan struct{}
}

func startCPUSampler() *cpuSampler {
	s := &cpuSampler{before: serverCPUs(), last: map[int]time.Duration{}, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			for pid, c := range serverCPUs() {
				s.last[pid] = c
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// total stops sampling and returns the CPU time the server used since the start.
func (s *cpuSampler) total() time.Duration {
	close(s.stop)
	<-s.done
	for pid, c := range serverCPUs() {
		s.last[pid] = c
	}
	var d time.Duration
	for pid, c := range s.last {
		d += c - s.before[pid]
	}
	return d
}

// PGMarkdown renders results as a Markdown table.
func PGMarkdown(m Machine, rs []PGResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## PostgreSQL sink, end to end\n\nMachine: %s, %d cores, %s/%s, load %s.\n\n", m.CPUModel, m.Cores, m.OS, m.Arch, m.LoadAvg)
	b.WriteString("| prefixes | per UPDATE | elapsed | route records/s | collector CPU | CPU per record | PostgreSQL CPU |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "| %d | %d | %s | %.0f | %s | %s | %s |\n", r.Prefixes, r.PerUpdate, r.Elapsed.Round(time.Millisecond),
			r.RecordsPerSec, r.CollectorCPU.Round(time.Millisecond), r.CPUPerRecord, r.ServerCPU.Round(time.Millisecond))
	}
	return b.String()
}
