package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Report is everything one bmpbench invocation measured.
type Report struct {
	Machine   Machine         `json:"machine"`
	Collector string          `json:"collector"`
	Extra     []string        `json:"collector_flags,omitempty"`
	Results   []Result        `json:"results"`
	Blocked   []BlockedResult `json:"blocked,omitempty"`
	Idle      []IdleResult    `json:"idle,omitempty"`
	// Failures lists scenarios that could not be measured at all.
	Failures []string `json:"failures,omitempty"`
}

// OK says every scenario was measured, every output verified, and memory stayed bounded.
func (r *Report) OK() bool {
	if len(r.Failures) > 0 {
		return false
	}
	for _, x := range r.Results {
		if !x.Verified {
			return false
		}
	}
	for _, b := range r.Blocked {
		if !b.Verified || !b.Bounded {
			return false
		}
	}
	for _, x := range r.Idle {
		if !x.Verified {
			return false
		}
	}
	return true
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(r)
}

// WriteMarkdown writes the machine description and the results as Markdown tables.
func (r *Report) WriteMarkdown(w io.Writer) {
	m := r.Machine
	fmt.Fprintf(w, "## Machine\n\n")
	fmt.Fprintf(w, "- CPU: %s, %d logical cores (%s/%s, kernel %s)\n", m.CPUModel, m.Cores, m.OS, m.Arch, orDash(m.Kernel))
	fmt.Fprintf(w, "- Go: bmpbench %s, collector %s\n", m.GoVersion, orDash(m.CollectorGo))
	fmt.Fprintf(w, "- Load average at start: %s\n", orDash(m.LoadAvg))
	fmt.Fprintf(w, "- Collector: `%s`", r.Collector)
	if len(r.Extra) > 0 {
		fmt.Fprintf(w, " with `%s`", strings.Join(r.Extra, " "))
	}
	fmt.Fprintf(w, "\n\n")

	if len(r.Results) > 0 {
		fmt.Fprintf(w, "## End-to-end throughput (TCP in, JSON Lines or protobuf out to a file, or Kafka)\n\n")
		fmt.Fprintf(w, "| stream | sink | prefixes/UPDATE | sessions | prefixes | BMP msgs | input MB | elapsed | prefixes/s | BMP msgs/s | MB/s in | output B/record | peak RSS MiB | CPU s (sys) | cores used | CPU/prefix | load | verified |\n")
		fmt.Fprintf(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n")
		for _, x := range r.Results {
			fmt.Fprintf(w, "| %s | %s | %s | %d | %s | %s | %.1f | %s | %s | %s | %.1f | %.0f | %.1f | %.2f (%.2f) | %.2f | %s | %s | %s |\n",
				orDash(x.Stream), orDash(x.Sink), perUpdate(x.PerUpdate), x.Sessions, count(x.Prefixes), count(x.Messages), float64(x.InputBytes)/1e6,
				dur(x.Elapsed), count(int64(x.PrefixesPerSec)), count(int64(x.MessagesPerSec)), x.InputMBPerSec,
				x.BytesPerRecord, mb(x.PeakRSS), x.CPU.Seconds(), x.SysCPU.Seconds(), x.CPUCores, x.CPUPerPrefix.Round(10*time.Nanosecond),
				orDash(x.LoadAvg), verdict(x.Verified, x.Error, x.ExitError))
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "Collector I/O system calls over the same interval (/proc/PID/io):\n\n")
		fmt.Fprintf(w, "| stream | sink | prefixes/UPDATE | sessions | reads | bytes/read | writes | bytes/write | records/write |\n")
		fmt.Fprintf(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, x := range r.Results {
			fmt.Fprintf(w, "| %s | %s | %s | %d | %s | %s | %s | %s | %s |\n", orDash(x.Stream), orDash(x.Sink), perUpdate(x.PerUpdate), x.Sessions,
				count(x.IO.Reads), ratio(x.IO.ReadBytes, x.IO.Reads), count(x.IO.Writes),
				ratio(x.IO.WriteBytes, x.IO.Writes), ratio(x.Records, x.IO.Writes))
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "elapsed: first byte sent to last record in the file; MB = 10^6 bytes; peak RSS = VmHWM; CPU = collector utime+stime over the same interval (stime in parentheses).\n\n")
	}
	if len(r.Blocked) > 0 {
		fmt.Fprintf(w, "## Blocked output (named pipe not read)\n\n")
		fmt.Fprintf(w, "| stream | prefixes/UPDATE | sessions | prefixes | stall | input accepted during stall | VmHWM at end of stall | max VmRSS during stall | VmHWM target | bounded | drain | VmHWM after drain | verified |\n")
		fmt.Fprintf(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|\n")
		for _, b := range r.Blocked {
			fmt.Fprintf(w, "| %s | %s | %d | %s | %s | %.1f MB of %.1f MB | %.1f MiB | %.1f MiB | %.0f MiB | %s | %s | %.1f MiB | %s |\n",
				orDash(b.Stream), perUpdate(b.PerUpdate), b.Sessions, count(b.Prefixes), dur(b.Stall), float64(b.SentDuringStall)/1e6, float64(b.InputBytes)/1e6,
				mb(b.StallHWM), mb(b.StallMaxRSS), mb(b.Limit), yesNo(b.Bounded), dur(b.Drain), mb(b.FinalHWM),
				verdict(b.Verified, b.Error, b.ExitError))
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "input in MB (10^6 bytes).\n\n")
	}
	if len(r.Idle) > 0 {
		fmt.Fprintf(w, "## Idle router sessions (Initiation and Peer Up, then nothing)\n\n")
		fmt.Fprintf(w, "| sessions | VmRSS before | VmRSS after | RSS per session | goroutines per session | load | verified |\n")
		fmt.Fprintf(w, "|---:|---:|---:|---:|---:|---|---|\n")
		for _, x := range r.Idle {
			fmt.Fprintf(w, "| %s | %.1f MiB | %.1f MiB | %.1f KiB | %.2f | %s | %s |\n", count(int64(x.Sessions)), mb(x.BaseRSS), mb(x.RSS),
				float64(x.PerSession)/1024, x.GoroutinesPerSession, orDash(x.LoadAvg), verdict(x.Verified, x.Error, ""))
		}
		fmt.Fprintln(w)
	}
	if len(r.Failures) > 0 {
		fmt.Fprintf(w, "## Failures\n\n")
		for _, f := range r.Failures {
			fmt.Fprintf(w, "- %s\n", strings.ReplaceAll(f, "\n", "\n  "))
		}
		fmt.Fprintln(w)
	}
	for _, x := range r.Results {
		if x.Error != "" || x.ExitError != "" {
			fmt.Fprintf(w, "- %d/UPDATE: %s\n", x.PerUpdate, problems(x.Error, x.ExitError))
		}
	}
	for _, x := range r.Idle {
		if x.Error != "" {
			fmt.Fprintf(w, "- idle %d sessions: verification failed: %s\n", x.Sessions, x.Error)
		}
	}
	for _, b := range r.Blocked {
		if b.Error != "" || b.ExitError != "" {
			fmt.Fprintf(w, "- blocked %d/UPDATE: %s\n", b.PerUpdate, problems(b.Error, b.ExitError))
		}
	}
}

func perUpdate(n int) string {
	if n <= 0 {
		return "as in the RIB"
	}
	return fmt.Sprint(n)
}

// WriteBenchFormat writes the results in the Go benchmark format (one line per result,
// custom units), which benchstat compares: "benchstat old.txt new.txt".
func (r *Report) WriteBenchFormat(w io.Writer) {
	m := r.Machine
	fmt.Fprintf(w, "goos: %s\ngoarch: %s\npkg: github.com/bmpstream/bmpstream/cmd/bmpbench\ncpu: %s\n", m.OS, m.Arch, m.CPUModel)
	fmt.Fprintf(w, "# load average at start: %s\n", orDash(m.LoadAvg))
	for _, x := range r.Results {
		if !x.Verified {
			continue // a wrong result has no speed
		}
		fmt.Fprintf(w, "BenchmarkE2E/stream=%s/sink=%s/per-update=%s/sessions=%d 1 %d ns/op %.0f prefixes/s %.1f cpu-ns/prefix %.3f cores %d peak-RSS-B %.0f B/record\n",
			benchName(x.Stream), benchName(x.Sink), benchName(perUpdate(x.PerUpdate)), x.Sessions, x.Elapsed.Nanoseconds(),
			x.PrefixesPerSec, float64(x.CPUPerPrefix.Nanoseconds()), x.CPUCores, x.PeakRSS, x.BytesPerRecord)
	}
	for _, b := range r.Blocked {
		if !b.Verified {
			continue
		}
		fmt.Fprintf(w, "BenchmarkBlocked/stream=%s/per-update=%s/sessions=%d 1 %d ns/op %d stall-HWM-B %d final-HWM-B %d drain-ns\n",
			benchName(b.Stream), benchName(perUpdate(b.PerUpdate)), b.Sessions, b.Stall.Nanoseconds(), b.StallHWM, b.FinalHWM, b.Drain.Nanoseconds())
	}
	for _, x := range r.Idle {
		if !x.Verified {
			continue
		}
		fmt.Fprintf(w, "BenchmarkIdle/sessions=%d 1 %d RSS-B/session %.2f goroutines/session\n", x.Sessions, x.PerSession, x.GoroutinesPerSession)
	}
}

// benchName makes s usable in a benchmark name (no spaces, no slashes).
func benchName(s string) string {
	if s == "" {
		return "-"
	}
	return strings.NewReplacer(" ", "_", "/", "_", ",", "", ":", "-").Replace(s)
}

func problems(err, exit string) string {
	var p []string
	if err != "" {
		p = append(p, "verification failed: "+err)
	}
	if exit != "" {
		p = append(p, "collector exit: "+exit)
	}
	return strings.ReplaceAll(strings.Join(p, "; "), "\n", "; ")
}

func verdict(ok bool, err, exit string) string {
	switch {
	case !ok:
		return "**NO**"
	case exit != "":
		return "yes (unclean exit)"
	}
	return "yes"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "**NO**"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func ratio(a, b int64) string {
	if b == 0 {
		return "-"
	}
	return count((a + b/2) / b)
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

func dur(d time.Duration) string {
	if d >= 10*time.Second {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Millisecond).String()
}

// count renders n with thousands separators.
func count(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
