// Package browser tests the looking glass in a real browser: headless Debian chromium
// driven through the DevTools protocol (github.com/chromedp/chromedp), against the
// bmpstream binary fed a real capture over TCP. It is a module of its own so that the
// chromedp dependency stays out of the collector's module.
package browser

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bmpstream/bmpstream/internal/rib"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// chromium returns the browser binary, failing when BMP_BROWSER_REQUIRED is set (CI)
// and skipping loudly otherwise.
func chromium(t *testing.T) string {
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("BMP_BROWSER_REQUIRED") != "" {
		t.Fatal("no chromium in PATH and BMP_BROWSER_REQUIRED is set")
	}
	t.Skip("SKIPPING: no chromium in PATH (apt-get install chromium)")
	return ""
}

// scenario replays msgs through a session and a table in process, and finds the first
// message (index w) that withdraws an IPv4 unicast path the table holds.
func scenario(t *testing.T, msgs [][]byte) (w int, pfx netip.Prefix, before, after int) {
	tb := rib.New(rib.Config{})
	watch := tb.Watch(rib.WatchFilter{}, 1<<20)
	defer watch.Close()
	out := func(_ context.Context, b *record.Batch) error {
		for i := range b.Recs {
			if v := b.Value(i); v != nil {
				tb.Apply(v)
			}
		}
		b.Release()
		return nil
	}
	s := session.New(context.Background(), session.Config{Counters: &session.Counters{}, Encodings: record.EncTyped},
		netip.MustParseAddrPort("127.0.0.1:40000"), out)
	for i, m := range msgs {
		_ = s.Handle(m, time.Now())
		_ = s.Flush()
		for len(watch.C) > 0 {
			c := <-watch.C
			if c.Del && !c.Synthesized && c.Family == rib.IPv4Unicast {
				n, _ := tb.Count(rib.Query{Prefix: c.Prefix, Match: rib.MatchExact})
				return i, c.Prefix, n + 1, n
			}
		}
	}
	t.Fatal("no IPv4 unicast withdrawal in the capture")
	return
}

// collector runs the bmpstream binary and returns its BMP and API addresses.
func collector(t *testing.T) (bmpAddr, apiAddr string) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bmpstream")
	build := exec.Command("go", "build", "-o", bin, "./cmd/bmpstream")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--source-port=0", "--bind-address=127.0.0.1", "--metrics-address=127.0.0.1:0", "--rib", "--api-address=127.0.0.1:0")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var mu sync.Mutex
	var logs []string
	found := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		re1 := regexp.MustCompile(`event=listening address=(\S+)`)
		re2 := regexp.MustCompile(`event=api_listening address=(\S+)`)
		for sc.Scan() {
			mu.Lock()
			logs = append(logs, sc.Text())
			if m := re1.FindStringSubmatch(sc.Text()); m != nil {
				bmpAddr = m[1]
			}
			if m := re2.FindStringSubmatch(sc.Text()); m != nil {
				apiAddr = m[1]
			}
			if bmpAddr != "" && apiAddr != "" && found != nil {
				close(found)
				found = nil
			}
			mu.Unlock()
		}
	}()
	select {
	case <-found:
	case <-time.After(time.Minute):
		t.Fatalf("collector did not log its addresses: %v", logs)
	}
	mu.Lock()
	defer mu.Unlock()
	return bmpAddr, apiAddr
}

func count(t *testing.T, api string, p netip.Prefix) int {
	body := fmt.Sprintf(`{"filter":{"prefix":%q,"match":"exact"}}`, p)
	res, err := http.Post("http://"+api+"/bmpstream.rib.v1.RIBService/CountRoutes", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var c struct {
		Count string `json:"count"`
	}
	json.NewDecoder(res.Body).Decode(&c)
	var n int
	fmt.Sscan(c.Count, &n)
	return n
}

// TestLookingGlass: the page loads, a search for a prefix of the capture shows one row
// per path the table holds, and a withdrawal sent after the page subscribed shows up live
// (in the changes list, and the answer shrinks).
func TestLookingGlass(t *testing.T) {
	browser := chromium(t)
	stream, err := os.ReadFile(filepath.Join(testutil.TestdataDir(t), "lab", "frr84-mixed.bmp"))
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := testutil.SplitBMP(stream)
	w, pfx, before, after := scenario(t, msgs)
	if before < 1 || after != before-1 {
		t.Fatalf("scenario: message %d withdraws %s: %d paths before, %d after", w, pfx, before, after)
	}
	t.Logf("message %d withdraws %s (%d paths before, %d after)", w, pfx, before, after)

	bmpAddr, api := collector(t)
	conn, err := net.Dial("tcp", bmpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, m := range msgs[:w] {
		if _, err := conn.Write(m); err != nil {
			t.Fatal(err)
		}
	}
	testutil.WaitFor(t, "the collector's table holds the prefix", func() bool { return count(t, api, pfx) == before })

	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0],
		chromedp.ExecPath(browser), chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.WindowSize(1400, 900),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()

	err = chromedp.Do(ctx,
		chromedp.Navigate("http://"+api+"/"),
		chromedp.WaitVisible(`#q`),
		chromedp.SendKeys(`#q`, pfx.String()),
		chromedp.SetValue(`#match`, "exact"),
		chromedp.Click(`#go`),
		chromedp.WaitVisible(`#routes tbody tr`),
		chromedp.Query(`body[data-live="ready"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#routes tbody tr").length`))
	if err != nil {
		t.Fatal(err)
	}
	cells, err := chromedp.Run(ctx, chromedp.Text(`#routes tbody`))
	if err != nil {
		t.Fatal(err)
	}
	if title != "bmpstream looking glass" || rows != before || strings.Count(cells, pfx.String()) != before || !strings.Contains(cells, "frr-dut") || !strings.Contains(cells, "adj-in-post") {
		t.Fatalf("title %q, %d rows (want %d): %s", title, rows, before, cells)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(`#peers tbody tr`)); err != nil {
		t.Fatal(err)
	}
	peers, err := chromedp.Run(ctx, chromedp.Text(`#peers tbody`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(peers, "up") || !strings.Contains(peers, "ipv4-unicast") {
		t.Errorf("peers table: %s", peers)
	}
	if shot := os.Getenv("LG_SCREENSHOT"); shot != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(shot, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// the live withdrawal
	if _, err := conn.Write(msgs[w]); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(`#changes li.del`)); err != nil {
		t.Fatal(err)
	}
	change, err := chromedp.Run(ctx, chromedp.Text(`#changes li.del`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`document.querySelectorAll("#routes tbody tr").length === %d`, after),
		chromedp.WithPollingTimeout(time.Minute))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(change, "del "+pfx.String()+" from ") {
		t.Errorf("change line %q", change)
	}
}
