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

// ReadCPU returns the CPU time (user + system) pid has used so far.
func ReadCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return ParseStat(b)
}

// ParseStat extracts utime + stime (fields 14 and 15) from the text of /proc/PID/stat.
// The command name (field 2) is parenthesised and may hold spaces and parentheses, so the
// fields are counted from the last ')'.
func ParseStat(b []byte) (time.Duration, error) {
	end := bytes.LastIndexByte(b, ')')
	if end < 0 {
		return 0, fmt.Errorf("proc stat: no ')' closing the command name in %d bytes", len(b))
	}
	// After ") " come fields 3 (state), 4, …: utime is field 14, i.e. index 11 here.
	f := bytes.Fields(b[end+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("proc stat: %d fields after the command name at offset %d, want at least 13", len(f), end+1)
	}
	var ticks int64
	for i, name := range []string{"utime", "stime"} {
		v, err := strconv.ParseInt(string(f[11+i]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("proc stat: %s (field %d) %q: %w", name, 14+i, f[11+i], err)
		}
		ticks += v
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}
