// Package bench measures the bmpstream collector end to end: it runs the collector binary
// as a child process, replays synthetic BMP streams to it over loopback TCP, follows its
// JSON Lines output until every expected record has arrived, and samples the child's
// memory and CPU time from /proc. It also runs the "blocked output" scenario, in which the
// collector writes to a named pipe nobody reads, to check that its memory stays bounded
// while the sink is stalled. Command bmpbench is its front end.
package bench

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat. It is 100 on
// every Linux architecture Go supports (sysconf(_SC_CLK_TCK) needs cgo to ask).
const clockTicks = 100

// Mem is a process's memory use from /proc/PID/status, in bytes.
type Mem struct {
	// HWM is VmHWM, the peak resident set size since the process started.
	HWM int64
	// RSS is VmRSS, the current resident set size.
	RSS int64
}

// ReadMem reads VmHWM and VmRSS of pid.
func ReadMem(pid int) (Mem, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Mem{}, err
	}
	return ParseStatus(b)
}

// ParseStatus extracts VmHWM and VmRSS from the text of /proc/PID/status.
func ParseStatus(b []byte) (Mem, error) {
	var m Mem
	var haveHWM, haveRSS bool
	for line := range bytes.Lines(b) {
		var dst *int64
		switch {
		case bytes.HasPrefix(line, []byte("VmHWM:")):
			dst, haveHWM = &m.HWM, true
		case bytes.HasPrefix(line, []byte("VmRSS:")):
			dst, haveRSS = &m.RSS, true
		default:
			continue
		}
		v, err := parseKB(line)
		if err != nil {
			return Mem{}, err
		}
		*dst = v
	}
	if !haveHWM || !haveRSS {
		return Mem{}, fmt.Errorf("proc status: VmHWM or VmRSS missing (HWM %v, RSS %v)", haveHWM, haveRSS)
	}
	return m, nil
}

// parseKB parses "VmXXX:\t  1234 kB" into bytes.
func parseKB(line []byte) (int64, error) {
	colon := bytes.IndexByte(line, ':')
	f := bytes.Fields(line[colon+1:])
	if len(f) != 2 || string(f[1]) != "kB" {
		return 0, fmt.Errorf("proc status: want %q, got %q", "<name>: <n> kB", bytes.TrimSpace(line))
	}
	v, err := strconv.ParseInt(string(f[0]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("proc status: %q: %w", bytes.TrimSpace(line), err)
	}
	return v << 10, nil
}

// CPU is the CPU time a process has used so far.
type CPU struct {
	User, System time.Duration
}

// Total is user + system time.
func (c CPU) Total() time.Duration { return c.User + c.System }

// Sub returns the CPU time used between d and c.
func (c CPU) Sub(d CPU) CPU { return CPU{User: c.User - d.User, System: c.System - d.System} }

// ReadCPU returns the CPU time pid has used so far.
func ReadCPU(pid int) (CPU, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return CPU{}, err
	}
	return ParseStat(b)
}

// ParseStat extracts utime and stime (fields 14 and 15) from the text of /proc/PID/stat.
// The command name (field 2) is parenthesised and may hold spaces and parentheses, so the
// fields are counted from the last ')'.
func ParseStat(b []byte) (CPU, error) {
	end := bytes.LastIndexByte(b, ')')
	if end < 0 {
		return CPU{}, fmt.Errorf("proc stat: no ')' closing the command name in %d bytes", len(b))
	}
	// After ") " come fields 3 (state), 4, …: utime is field 14, i.e. index 11 here.
	f := bytes.Fields(b[end+1:])
	if len(f) < 13 {
		return CPU{}, fmt.Errorf("proc stat: %d fields after the command name at offset %d, want at least 13", len(f), end+1)
	}
	var t [2]time.Duration
	for i, name := range []string{"utime", "stime"} {
		v, err := strconv.ParseInt(string(f[11+i]), 10, 64)
		if err != nil {
			return CPU{}, fmt.Errorf("proc stat: %s (field %d) %q: %w", name, 14+i, f[11+i], err)
		}
		t[i] = time.Duration(v) * time.Second / clockTicks
	}
	return CPU{User: t[0], System: t[1]}, nil
}

// IO is a process's I/O counters from /proc/PID/io.
type IO struct {
	// ReadBytes and WriteBytes are rchar and wchar: bytes passed to read and write
	// system calls (sockets, pipes and files alike); Reads and Writes (syscr, syscw) count
	// those calls.
	ReadBytes  int64 `json:"read_bytes"`
	WriteBytes int64 `json:"write_bytes"`
	Reads      int64 `json:"reads"`
	Writes     int64 `json:"writes"`
}

// Sub returns the I/O done between d and i.
func (i IO) Sub(d IO) IO {
	return IO{i.ReadBytes - d.ReadBytes, i.WriteBytes - d.WriteBytes, i.Reads - d.Reads, i.Writes - d.Writes}
}

// ReadIO reads the I/O counters of pid.
func ReadIO(pid int) (IO, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return IO{}, err
	}
	return ParseIO(b)
}

// ParseIO extracts rchar, wchar, syscr and syscw from the text of /proc/PID/io.
func ParseIO(b []byte) (IO, error) {
	var io IO
	fields := map[string]*int64{"rchar": &io.ReadBytes, "wchar": &io.WriteBytes, "syscr": &io.Reads, "syscw": &io.Writes}
	for line := range bytes.Lines(b) {
		k, v, ok := bytes.Cut(bytes.TrimSpace(line), []byte(": "))
		dst := fields[string(k)]
		if !ok || dst == nil {
			continue
		}
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return IO{}, fmt.Errorf("proc io: %q: %w", bytes.TrimSpace(line), err)
		}
		*dst = n
		delete(fields, string(k))
	}
	if len(fields) > 0 {
		return IO{}, fmt.Errorf("proc io: %d of rchar, wchar, syscr, syscw missing", len(fields))
	}
	return io, nil
}
