package bench

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Collector is a running collector child process.
type Collector struct {
	cmd *exec.Cmd
	// Addr is the host:port it accepts BMP sessions on, MetricsAddr that of /metrics
	// (both as logged; set before StartCollector returns).
	Addr, MetricsAddr string

	listening chan struct{}
	exited    chan struct{}
	waitErr   error

	mu   sync.Mutex
	tail []string // last lines of its log (stderr)

	onLine func(string)
}

// logTail is how many lines of the collector's log are kept for error reports.
const logTail = 40

// StartCollector runs the collector binary at path on a free 127.0.0.1 port with
// --dump=file --msg-file=out plus extra flags, and waits until it logs that it listens.
func StartCollector(path, out string, extra []string, timeout time.Duration) (*Collector, error) {
	return startCollector(path, append([]string{"--dump=file", "--msg-file=" + out}, extra...), timeout)
}

// startCollector runs the collector binary at path with the given flags, its BMP and
// metrics listeners on ports the kernel picks (--source-port=0,
// --metrics-address=127.0.0.1:0: no fixed port, no race between picking a free port and
// binding it), and waits until it logs that it listens; Addr and MetricsAddr are then the
// addresses it logged. A later --metrics-address in flags wins.
func startCollector(path string, flags []string, timeout time.Duration) (*Collector, error) {
	return StartCollectorFunc(path, flags, timeout, nil)
}

// StartCollectorFunc is startCollector with onLine, when set, called with every line the
// collector logs (from one goroutine).
func StartCollectorFunc(path string, flags []string, timeout time.Duration, onLine func(string)) (*Collector, error) {
	args := append([]string{"--source-port=0", "--bind-address=127.0.0.1", "--metrics-address=127.0.0.1:0"}, flags...)
	c := &Collector{cmd: exec.Command(path, args...), listening: make(chan struct{}), exited: make(chan struct{}), onLine: onLine}
	c.cmd.Stdout = io.Discard
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	logDone := make(chan struct{})
	go c.readLog(stderr, logDone)
	go func() {
		<-logDone // Wait closes the pipe: read it to its end first
		c.waitErr = c.cmd.Wait()
		close(c.exited)
	}()
	select {
	case <-c.listening:
		return c, nil
	case <-c.exited:
		return nil, fmt.Errorf("collector exited before listening: %v\n%s", c.waitErr, c.Log())
	case <-time.After(timeout):
		c.Kill()
		return nil, fmt.Errorf("collector not listening after %s:\n%s", timeout, c.Log())
	}
}

func (c *Collector) readLog(r io.Reader, done chan<- struct{}) {
	defer close(done)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	seen := false
	for sc.Scan() {
		line := sc.Text()
		if c.onLine != nil {
			c.onLine(line)
		}
		c.mu.Lock()
		if len(c.tail) == logTail {
			c.tail = append(c.tail[:0], c.tail[1:]...)
		}
		c.tail = append(c.tail, line)
		c.mu.Unlock()
		if c.MetricsAddr == "" && strings.Contains(line, "event=metrics_listening") {
			c.MetricsAddr = logAddress(line)
		}
		if !seen && strings.Contains(line, "event=listening") {
			seen = true
			c.Addr = logAddress(line)
			close(c.listening)
		}
	}
	io.Copy(io.Discard, r)
}

// logAddress returns the value of the address= field of a log line.
func logAddress(line string) string {
	_, v, ok := strings.Cut(line, " address=")
	if !ok {
		return ""
	}
	v, _, _ = strings.Cut(v, " ")
	return v
}

// Log returns the last lines the collector logged.
func (c *Collector) Log() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.tail) == 0 {
		return "(the collector logged nothing)"
	}
	return strings.Join(c.tail, "\n")
}

// lastLines returns the last n log lines joined by " | ".
func (c *Collector) lastLines(n int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.tail[max(0, len(c.tail)-n):], " | ")
}

// PID is the child's process id.
func (c *Collector) PID() int { return c.cmd.Process.Pid }

// Mem reads the child's VmHWM and VmRSS.
func (c *Collector) Mem() (Mem, error) { return ReadMem(c.PID()) }

// CPU reads the child's CPU time.
func (c *Collector) CPU() (CPU, error) { return ReadCPU(c.PID()) }

// IO reads the child's I/O counters.
func (c *Collector) IO() (IO, error) { return ReadIO(c.PID()) }

// Stop sends SIGTERM and waits up to timeout for the child to exit (then kills it). The
// error is the child's exit status: a clean shutdown returns nil.
func (c *Collector) Stop(timeout time.Duration) error {
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-c.exited:
		if c.waitErr != nil {
			return fmt.Errorf("%w; last log lines: %s", c.waitErr, c.lastLines(3))
		}
		return nil
	case <-time.After(timeout):
		c.Kill()
		return fmt.Errorf("collector still running %s after SIGTERM: killed", timeout)
	}
}

// Kill kills the child and waits for it.
func (c *Collector) Kill() {
	_ = c.cmd.Process.Kill()
	<-c.exited
}

// Exited is closed when the child has exited.
func (c *Collector) Exited() <-chan struct{} { return c.exited }
