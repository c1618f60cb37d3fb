package replay

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSummaryString(t *testing.T) {
	cases := []struct {
		s    Summary
		want string
	}{
		{Summary{Sessions: 3, Messages: 13491, Bytes: 1930000, Elapsed: 410 * time.Millisecond},
			"replayed 3 sessions, 13,491 messages, 1.93 MB in 0.41 s (32,905 msg/s, 4.7 MB/s)"},
		{Summary{Sessions: 1, Messages: 1, Bytes: 999, Elapsed: 2 * time.Second},
			"replayed 1 session, 1 message, 999 B in 2.00 s (1 msg/s, 500 B/s)"},
		{Summary{Sessions: 2, Failed: 4, Messages: 107, Bytes: 20791, TornMessages: 2, Elapsed: time.Second},
			"replayed 2 sessions, 107 messages, 20.79 kB in 1.00 s (107 msg/s, 20.8 kB/s), 2 torn messages, 4 failed"},
		{Summary{}, "replayed 0 sessions, 0 messages, 0 B in 0.00 s (0 msg/s, 0 B/s)"},
		{Summary{Sessions: 1, Messages: 1234567, Bytes: 2_100_000_000, TornMessages: 1, Elapsed: 100 * time.Second},
			"replayed 1 session, 1,234,567 messages, 2.10 GB in 100.00 s (12,346 msg/s, 21.0 MB/s), 1 torn message"},
	}
	for _, c := range cases {
		if got := c.s.String(); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}
}

func TestThousands(t *testing.T) {
	for in, want := range map[uint64]string{0: "0", 999: "999", 1000: "1,000", 13491: "13,491",
		100000: "100,000", 1234567: "1,234,567", 18446744073709551615: "18,446,744,073,709,551,615"} {
		if got := Thousands(in); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	for in, want := range map[uint64]string{0: "0 B", 999: "999 B", 1000: "1.00 kB", 20791: "20.79 kB",
		1927913: "1.93 MB", 3_500_000_000: "3.50 GB"} {
		if got := FormatBytes(in); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", in, got, want)
		}
	}
}

// notifyWriter records writes and signals the first one.
type notifyWriter struct {
	mu    sync.Mutex
	b     strings.Builder
	first chan struct{}
	once  sync.Once
}

func (w *notifyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	w.once.Do(func() { close(w.first) })
	return len(p), nil
}

func (w *notifyWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// gateLimiter holds the first message until the progress printer has written a line.
type gateLimiter struct{ gate chan struct{} }

func (l *gateLimiter) WaitN(ctx context.Context, n int) error {
	select {
	case <-l.gate:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func TestProgress(t *testing.T) {
	for _, redraw := range []bool{true, false} {
		s := newSink(t)
		w := &notifyWriter{first: make(chan struct{})}
		opts := Options{Addr: s.addr(), Progress: w, ProgressInterval: time.Millisecond, ProgressRedraw: redraw,
			Limiter: &gateLimiter{gate: w.first}}
		if _, err := Run(context.Background(), testStreams()[:2], opts); err != nil {
			t.Fatal(err)
		}
		s.collect(t, 2)
		out := w.String()
		if !strings.Contains(out, "sent 0 msgs, 0 B, 0 msg/s, 0 B/s, ") || !strings.Contains(out, " s elapsed, 2 active") {
			t.Errorf("redraw=%v: first progress line missing in %q", redraw, out)
		}
		if redraw {
			// Lines are redrawn in place and the last one is blanked out at the end.
			if !strings.HasPrefix(out, "\rsent ") || strings.Contains(out, "\n") || !strings.HasSuffix(out, " \r") {
				t.Errorf("redraw output %q", out)
			}
		} else if !strings.HasSuffix(out, " active\n") || strings.Contains(out, "\r") {
			t.Errorf("line output %q", out)
		}
	}
}

func TestProgressLine(t *testing.T) {
	got := progressLine(13491, 1930000, 3, 410*time.Millisecond)
	want := "sent 13,491 msgs, 1.93 MB, 32,905 msg/s, 4.7 MB/s, 0.4 s elapsed, 3 active"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
