package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/mrtbmp"
)

// Stream is a generated router stream.
type Stream struct {
	// Name says what the stream is ("synthetic", "realistic", "mrt:<file>").
	Name      string
	Prefixes  int // routes announced per session
	PerUpdate int // prefixes per UPDATE (0: varies, as in an MRT conversion)
	Data      []byte
	Messages  int // BMP messages
	// Records is what the collector must write per session: one per prefix, plus the
	// router init, peer up, peer down, End-of-RIB and router term records; Unicast how
	// many of them are unicast_prefix records.
	Records int64
	Unicast int64
}

// MakeStream generates a stream of prefixes prefixes, perUpdate per UPDATE, alternating
// IPv4 (classic NLRI) and IPv6 (MP_REACH_NLRI) UPDATEs.
func MakeStream(prefixes, perUpdate int) (*Stream, error) {
	var buf bytes.Buffer
	// Route Monitoring of one IPv4 prefix is ~130 bytes; each extra prefix adds ~5-9.
	buf.Grow(prefixes/perUpdate*140 + prefixes*10 + 4096)
	c, err := gen.WriteStream(&buf, gen.StreamSpec{Prefixes: prefixes, PerUpdate: perUpdate, IPv6: true, SysName: "bmpbench"})
	if err != nil {
		return nil, err
	}
	if c.V4+c.V6 != prefixes {
		return nil, fmt.Errorf("generator announced %d prefixes, want %d", c.V4+c.V6, prefixes)
	}
	return &Stream{Name: "synthetic", Prefixes: prefixes, PerUpdate: perUpdate, Data: buf.Bytes(), Messages: c.Messages,
		Records: int64(prefixes) + 4, Unicast: int64(prefixes)}, nil
}

// MakeRealistic generates a stream of prefixes prefixes, perUpdate per UPDATE, from peers
// peers with attributes that vary per UPDATE (gen.StreamSpec.Realistic).
func MakeRealistic(prefixes, perUpdate, peers int) (*Stream, error) {
	var buf bytes.Buffer
	buf.Grow(prefixes/perUpdate*170 + prefixes*10 + 4096)
	c, err := gen.WriteStream(&buf, gen.StreamSpec{Prefixes: prefixes, PerUpdate: perUpdate, IPv6: true,
		SysName: "bmpbench", Peers: peers, Realistic: true, Seed: 1})
	if err != nil {
		return nil, err
	}
	if c.V4+c.V6 != prefixes || c.PeerUps != peers {
		return nil, fmt.Errorf("generator announced %d prefixes from %d peers, want %d from %d", c.V4+c.V6, c.PeerUps, prefixes, peers)
	}
	return &Stream{Name: fmt.Sprintf("realistic, %d peers", peers), Prefixes: prefixes, PerUpdate: perUpdate,
		Data: buf.Bytes(), Messages: c.Messages, Records: int64(prefixes + 2 + c.PeerUps + c.PeerDowns),
		Unicast: int64(prefixes)}, nil
}

// MRTStream converts an MRT TABLE_DUMP_V2 RIB file into a stream (package mrtbmp).
func MRTStream(path string) (*Stream, error) {
	var buf bytes.Buffer
	c, err := mrtbmp.ConvertFile(path, &buf, mrtbmp.Options{SysName: "bmpbench"})
	if err != nil {
		return nil, err
	}
	if c.Kind != "rib" {
		return nil, fmt.Errorf("%s: a %s file; the benchmark needs a TABLE_DUMP_V2 RIB", path, c.Kind)
	}
	return &Stream{Name: "mrt:" + filepath.Base(path), Prefixes: c.Announced, Data: buf.Bytes(), Messages: c.Messages,
		Records: c.Records(), Unicast: int64(c.Unicast)}, nil
}

// Config is what every scenario shares.
type Config struct {
	// Collector is the collector binary; Extra are flags added to its command line.
	Collector string
	Extra     []string
	// TmpDir holds the output files (default: the system temporary directory).
	TmpDir string
	// Sessions is how many routers send the stream concurrently (default 1).
	Sessions int
	// Timeout bounds one scenario.
	Timeout time.Duration
	// Poll is how often the output file is checked for new lines at its end.
	Poll time.Duration
	// Keep leaves the output files in place.
	Keep bool
	// Log, when set, receives progress lines.
	Log io.Writer
	// Format is the file output's format in Throughput: "" (JSON Lines) or "proto"
	// (--dump-format=proto: length-delimited bmpstream.v1.Record messages, decoded and
	// verified like the JSON lines).
	Format string
}

func (c *Config) defaults() {
	c.Sessions = max(c.Sessions, 1)
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Minute
	}
	if c.Poll <= 0 {
		c.Poll = time.Millisecond
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
}

// Result is one end-to-end throughput measurement.
type Result struct {
	Stream     string `json:"stream"`
	Sink       string `json:"sink"`
	PerUpdate  int    `json:"per_update"`
	Sessions   int    `json:"sessions"`
	Prefixes   int64  `json:"prefixes"` // over all sessions
	Messages   int64  `json:"bmp_messages"`
	InputBytes int64  `json:"input_bytes"`
	Records    int64  `json:"records"`
	// OutputBytes is the size of the JSON Lines output, newlines included.
	OutputBytes int64 `json:"output_bytes"`
	// Elapsed runs from the first byte sent to the last record seen in the output;
	// SendElapsed to the last byte written to the socket.
	Elapsed     time.Duration `json:"elapsed_ns"`
	SendElapsed time.Duration `json:"send_elapsed_ns"`

	PrefixesPerSec float64 `json:"prefixes_per_sec"`
	MessagesPerSec float64 `json:"bmp_messages_per_sec"`
	InputMBPerSec  float64 `json:"input_mb_per_sec"` // MB = 10^6 bytes
	BytesPerRecord float64 `json:"json_bytes_per_record"`

	// PeakRSS is the collector's VmHWM when the last record was seen.
	PeakRSS int64 `json:"peak_rss_bytes"`
	// CPU is the collector's user + system time from the first byte to the last record,
	// SysCPU the system part of it; CPUCores is CPU / Elapsed.
	CPU          time.Duration `json:"cpu_ns"`
	SysCPU       time.Duration `json:"sys_cpu_ns"`
	CPUCores     float64       `json:"cpu_cores"`
	CPUPerPrefix time.Duration `json:"cpu_per_prefix_ns"`
	// IO is what the collector passed to read and write system calls over the same
	// interval (socket reads and output file writes).
	IO IO `json:"io"`

	// Verified says every expected record arrived exactly once (sequence numbers checked);
	// Error says what went wrong otherwise, ExitError how the collector exited if not
	// cleanly.
	Verified  bool   `json:"verified"`
	Error     string `json:"error,omitempty"`
	ExitError string `json:"exit_error,omitempty"`
	LoadAvg   string `json:"load_avg,omitempty"`
}

func (r *Result) derive() {
	s := r.Elapsed.Seconds()
	if s <= 0 {
		return
	}
	r.PrefixesPerSec = float64(r.Prefixes) / s
	r.MessagesPerSec = float64(r.Messages) / s
	r.InputMBPerSec = float64(r.InputBytes) / 1e6 / s
	if r.Records > 0 {
		r.BytesPerRecord = float64(r.OutputBytes) / float64(r.Records)
	}
	r.CPUCores = r.CPU.Seconds() / s
	if r.Prefixes > 0 {
		r.CPUPerPrefix = r.CPU / time.Duration(r.Prefixes)
	}
}

func mkTemp(cfg *Config) (string, func(), error) {
	dir, err := os.MkdirTemp(cfg.TmpDir, "bmpbench-")
	if err != nil {
		return "", nil, err
	}
	if cfg.Keep {
		fmt.Fprintf(cfg.Log, "keeping output in %s\n", dir)
		return dir, func() {}, nil
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// Throughput replays s on cfg.Sessions sessions to a fresh collector writing to a file
// (JSON Lines, or protobuf with cfg.Format "proto") and measures until every record is in
// the file; the file is then verified.
func Throughput(cfg Config, s *Stream) (res Result, err error) {
	cfg.defaults()
	k := int64(cfg.Sessions)
	sink, name, proto := "file", "records.jsonl", false
	switch cfg.Format {
	case "", "jsonl":
	case "proto":
		sink, name, proto = "file_proto", "records.pb", true
		cfg.Extra = append(append([]string{}, cfg.Extra...), "--dump-format=proto")
	default:
		return Result{}, fmt.Errorf("unknown output format %q", cfg.Format)
	}
	res = Result{Stream: s.Name, Sink: sink, PerUpdate: s.PerUpdate, Sessions: cfg.Sessions, Prefixes: int64(s.Prefixes) * k,
		Messages: int64(s.Messages) * k, InputBytes: int64(len(s.Data)) * k, Records: s.Records * k, LoadAvg: LoadAvg()}
	dir, cleanup, err := mkTemp(&cfg)
	if err != nil {
		return res, err
	}
	defer cleanup()
	out := filepath.Join(dir, name)
	c, err := StartCollector(cfg.Collector, out, cfg.Extra, 30*time.Second)
	if err != nil {
		return res, err
	}
	stopped := false
	defer func() {
		if !stopped {
			c.Kill()
		}
	}()
	f, err := os.Open(out)
	if err != nil {
		return res, err
	}
	defer f.Close()

	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	t := &Tally{Proto: proto}
	if err := measure(ctx, c, s, cfg.Sessions, &res, "output", func() (time.Time, error) {
		return Follow(f, t, res.Records, cfg.Poll, deadline)
	}); err != nil {
		return res, err
	}
	res.OutputBytes = t.Bytes
	res.derive()

	// Let the collector finish (and close the file) before reading it all again.
	stopped = true
	if xerr := c.Stop(30 * time.Second); xerr != nil {
		res.ExitError = xerr.Error()
	}
	v := &Tally{Verify: true, Order: Contiguous, Proto: proto}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return res, err
	}
	if _, err := io.Copy(v, f); err != nil {
		return res, err
	}
	if err := v.Check(s.Records, s.Unicast, cfg.Sessions); err != nil {
		res.Error = err.Error()
	} else {
		res.Verified = true
	}
	return res, nil
}

// BlockedResult is the blocked-output scenario's measurement.
type BlockedResult struct {
	Stream     string `json:"stream"`
	PerUpdate  int    `json:"per_update"`
	Sessions   int    `json:"sessions"`
	Prefixes   int64  `json:"prefixes"`
	Records    int64  `json:"records"`
	InputBytes int64  `json:"input_bytes"`
	// Stall is how long nobody read the pipe; SentDuringStall how many input bytes the
	// collector had accepted (read or left in socket buffers) by the end of the stall.
	Stall           time.Duration `json:"stall_ns"`
	SentDuringStall int64         `json:"sent_during_stall_bytes"`
	// StallHWM is VmHWM at the end of the stall (the peak so far: the process is fresh);
	// StallMaxRSS the largest VmRSS sampled during it; FinalHWM VmHWM after the drain.
	StallHWM    int64 `json:"stall_hwm_bytes"`
	StallMaxRSS int64 `json:"stall_max_rss_bytes"`
	FinalHWM    int64 `json:"final_hwm_bytes"`
	// Limit is the VmHWM target; Bounded says StallHWM <= Limit.
	Limit   int64 `json:"limit_bytes"`
	Bounded bool  `json:"bounded"`
	// Drain runs from the end of the stall to the last record read.
	Drain     time.Duration `json:"drain_ns"`
	Verified  bool          `json:"verified"`
	Error     string        `json:"error,omitempty"`
	ExitError string        `json:"exit_error,omitempty"`
}

// Blocked replays s to a fresh collector whose output is a named pipe that is not read for
// stall, samples its memory meanwhile, then drains the pipe and verifies every record.
func Blocked(cfg Config, s *Stream, stall time.Duration, limit int64) (res BlockedResult, err error) {
	cfg.defaults()
	k := int64(cfg.Sessions)
	res = BlockedResult{Stream: s.Name, PerUpdate: s.PerUpdate, Sessions: cfg.Sessions, Prefixes: int64(s.Prefixes) * k,
		Records: s.Records * k, InputBytes: int64(len(s.Data)) * k, Stall: stall, Limit: limit}
	dir, cleanup, err := mkTemp(&cfg)
	if err != nil {
		return res, err
	}
	defer cleanup()
	fifo := filepath.Join(dir, "records.pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		return res, fmt.Errorf("mkfifo %s: %w", fifo, err)
	}
	// Open the read end first (non-blocking, so this does not wait for a writer) so that
	// the collector's open for writing succeeds at once. Go polls the FIFO, so reads still
	// wait for data and honour deadlines.
	f, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return res, err
	}
	defer f.Close()
	c, err := StartCollector(cfg.Collector, fifo, cfg.Extra, 30*time.Second)
	if err != nil {
		return res, err
	}
	stopped := false
	defer func() {
		if !stopped {
			c.Kill()
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout+stall)
	defer cancel()
	var snd Sender
	sendErr := make(chan error, 1)
	go func() { sendErr <- snd.Send(ctx, c.Addr, s.Data, cfg.Sessions) }()

	// Sample VmRSS while the output is stalled.
	var maxRSS int64
	sampleStop := make(chan struct{})
	var sampling sync.WaitGroup
	sampling.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if m, err := c.Mem(); err == nil {
				maxRSS = max(maxRSS, m.RSS)
			}
			select {
			case <-sampleStop:
				return
			case <-tick.C:
			}
		}
	})
	fmt.Fprintf(cfg.Log, "blocked output: pipe not read for %s\n", stall)
	time.Sleep(stall)
	close(sampleStop)
	sampling.Wait()
	mem, err := c.Mem()
	if err != nil {
		return res, err
	}
	res.SentDuringStall, res.StallHWM, res.StallMaxRSS = snd.Sent.Load(), mem.HWM, max(maxRSS, mem.RSS)
	res.Bounded = limit <= 0 || res.StallHWM <= limit

	drainStart := time.Now()
	deadline, _ := ctx.Deadline()
	t := &Tally{Verify: true}
	end, ferr := Follow(f, t, res.Records, 0, deadline)
	res.Drain = end.Sub(drainStart)
	if ferr != nil {
		cancel()
		return res, errors.Join(fmt.Errorf("pipe: %w", ferr), <-sendErr, fmt.Errorf("collector log:\n%s", c.Log()))
	}
	if err := <-sendErr; err != nil {
		return res, err
	}
	if m, err := c.Mem(); err == nil {
		res.FinalHWM = m.HWM
	}
	// Stop the collector while still reading, so that whatever it writes on shutdown
	// (nothing, if the count was right) is seen, up to its closing the pipe.
	stopErr := make(chan error, 1)
	go func() { stopErr <- c.Stop(30 * time.Second) }()
	stopped = true
	var errs []error
	if _, err := Follow(f, t, math.MaxInt64, 0, time.Now().Add(40*time.Second)); !errors.Is(err, errStalled) {
		errs = append(errs, fmt.Errorf("reading the pipe to its end: %w", err))
	}
	if xerr := <-stopErr; xerr != nil {
		res.ExitError = xerr.Error()
	}
	if err := t.Check(s.Records, s.Unicast, cfg.Sessions); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		res.Error = err.Error()
	} else {
		res.Verified = true
	}
	return res, nil
}

// measure sends s to the collector over sessions connections while consume reads its
// output up to the last expected record, and fills res with the elapsed times and the
// collector's CPU, peak RSS and I/O over the run. what names the output in errors.
func measure(ctx context.Context, c *Collector, s *Stream, sessions int, res *Result, what string, consume func() (time.Time, error)) error {
	cpu0, err := c.CPU()
	if err != nil {
		return err
	}
	io0, err := c.IO()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var snd Sender
	sendErr := make(chan error, 1)
	go func() { sendErr <- snd.Send(ctx, c.Addr, s.Data, sessions) }()
	end, ferr := consume()
	cpu1, cerr := c.CPU()
	io1, ierr := c.IO()
	mem, merr := c.Mem()
	if ferr != nil {
		cancel()
		return errors.Join(fmt.Errorf("%s: %w", what, ferr), <-sendErr, fmt.Errorf("collector log:\n%s", c.Log()))
	}
	if err := errors.Join(<-sendErr, cerr, ierr, merr); err != nil {
		return err
	}
	res.Elapsed, res.SendElapsed = end.Sub(snd.Start), snd.Written.Sub(snd.Start)
	used := cpu1.Sub(cpu0)
	res.CPU, res.SysCPU, res.PeakRSS, res.IO = used.Total(), used.System, mem.HWM, io1.Sub(io0)
	return nil
}
