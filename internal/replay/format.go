package replay

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// String is the one-line summary printed at the end of a replay, e.g.
// "replayed 3 sessions, 13,491 messages, 1.93 MB in 0.41 s (32,905 msg/s, 4.7 MB/s)".
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "replayed %s, %s, %s in %.2f s (%s msg/s, %s)",
		plural(s.Sessions, "session"), plural64(s.Messages, "message"), FormatBytes(s.Bytes),
		s.Elapsed.Seconds(), Thousands(uint64(perSecond(float64(s.Messages), s.Elapsed)+0.5)),
		formatRate(perSecond(float64(s.Bytes), s.Elapsed)))
	if s.TornMessages > 0 {
		fmt.Fprintf(&b, ", %s", plural(s.TornMessages, "torn message"))
	}
	if s.Failed > 0 {
		fmt.Fprintf(&b, ", %d failed", s.Failed)
	}
	return b.String()
}

func perSecond(v float64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return v / d.Seconds()
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return Thousands(uint64(max(n, 0))) + " " + word + "s"
}

func plural64(n uint64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return Thousands(n) + " " + word + "s"
}

// Thousands formats n with comma thousands separators: 13491 → "13,491".
func Thousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// FormatBytes formats a byte count with decimal units: 999 B, 20.79 kB, 1.93 MB, 2.10 GB.
func FormatBytes(n uint64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.2f kB", float64(n)/1e3)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%.2f MB", float64(n)/1e6)
	default:
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	}
}

// formatRate formats bytes per second: "4.7 MB/s", "812.3 kB/s", "12 B/s".
func formatRate(bps float64) string {
	switch {
	case bps < 1000:
		return fmt.Sprintf("%.0f B/s", bps)
	case bps < 1e6:
		return fmt.Sprintf("%.1f kB/s", bps/1e3)
	case bps < 1e9:
		return fmt.Sprintf("%.1f MB/s", bps/1e6)
	default:
		return fmt.Sprintf("%.1f GB/s", bps/1e9)
	}
}

// progressLine renders the live counters.
func progressLine(msgs, bytes uint64, active int64, elapsed time.Duration) string {
	return fmt.Sprintf("sent %s msgs, %s, %s msg/s, %s, %.1f s elapsed, %d active",
		Thousands(msgs), FormatBytes(bytes), Thousands(uint64(perSecond(float64(msgs), elapsed)+0.5)),
		formatRate(perSecond(float64(bytes), elapsed)), elapsed.Seconds(), active)
}

// startProgress prints progress lines until the returned function is called. In redraw
// mode the line is rewritten in place and cleared at the end, so that the summary line
// printed afterwards replaces it.
func startProgress(c *counters, opts Options, start time.Time) (stop func()) {
	w := opts.Progress
	if w == nil {
		return func() {}
	}
	every := opts.ProgressInterval
	if every <= 0 {
		every = 200 * time.Millisecond
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		width := 0
		for {
			select {
			case <-done:
				if opts.ProgressRedraw && width > 0 {
					io.WriteString(w, "\r"+strings.Repeat(" ", width)+"\r")
				}
				return
			case <-t.C:
				line := progressLine(c.msgs.Load(), c.bytes.Load(), c.active.Load(), time.Since(start))
				if opts.ProgressRedraw {
					pad := ""
					if len(line) < width {
						pad = strings.Repeat(" ", width-len(line))
					}
					width = max(width, len(line))
					io.WriteString(w, "\r"+line+pad)
				} else {
					io.WriteString(w, line+"\n")
				}
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}
