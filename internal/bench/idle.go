package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bmpstream/bmpstream/internal/gen"
)

// IdleResult is the memory of a collector holding idle router sessions.
type IdleResult struct {
	Sessions int `json:"sessions"`
	// BaseRSS is VmRSS before the sessions connected, RSS once they all sent their
	// Initiation and Peer Up and the collector wrote the records (after a settling pause);
	// PerSession = (RSS - BaseRSS) / Sessions.
	BaseRSS    int64 `json:"base_rss_bytes"`
	RSS        int64 `json:"rss_bytes"`
	PerSession int64 `json:"rss_per_session_bytes"`
	// Goroutines before and after (the collector's go_goroutines metric), and per session.
	BaseGoroutines       int     `json:"base_goroutines"`
	Goroutines           int     `json:"goroutines"`
	GoroutinesPerSession float64 `json:"goroutines_per_session"`
	Verified             bool    `json:"verified"`
	Error                string  `json:"error,omitempty"`
	LoadAvg              string  `json:"load_avg,omitempty"`
}

// Idle connects sessions routers (from 127.0.0.1, 127.0.0.2, …) that each send an
// Initiation and a Peer Up and then stay connected without sending anything, and measures
// the collector's resident memory and goroutines per session.
func Idle(cfg Config, sessions int) (res IdleResult, err error) {
	cfg.defaults()
	res = IdleResult{Sessions: sessions, LoadAvg: LoadAvg()}
	dir, cleanup, err := mkTemp(&cfg)
	if err != nil {
		return res, err
	}
	defer cleanup()
	out := filepath.Join(dir, "records.jsonl")
	c, err := StartCollector(cfg.Collector, out, cfg.Extra, 30*time.Second)
	if err != nil {
		return res, err
	}
	maddr := c.MetricsAddr
	defer c.Kill()
	f, err := os.Open(out)
	if err != nil {
		return res, err
	}
	defer f.Close()
	time.Sleep(500 * time.Millisecond) // let the start-up allocations settle
	m0, err := c.Mem()
	if err != nil {
		return res, err
	}
	res.BaseRSS = m0.RSS
	res.BaseGoroutines, _ = goroutines(maddr)

	p := gen.DefaultPeer()
	caps := [][]byte{gen.CapMP(1, 1), gen.CapMP(2, 1), gen.CapAS4(65002)}
	sent := gen.Open(65001, 90, p.BGPID, caps...)
	hello := append(gen.Initiation("idle", "bmpbench idle router"),
		gen.PeerUp(p, p.Addr, 179, 40000, sent, gen.Open(65002, 90, p.BGPID, caps...))...)
	conns := make([]net.Conn, 0, sessions)
	defer func() {
		for _, cn := range conns {
			cn.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
	defer cancel()
	for i := range sessions {
		d := net.Dialer{LocalAddr: SessionAddr(i)}
		cn, err := d.DialContext(ctx, "tcp", c.Addr)
		if err != nil {
			return res, fmt.Errorf("session %d: %w", i+1, err)
		}
		conns = append(conns, cn)
		if _, err := cn.Write(hello); err != nil {
			return res, fmt.Errorf("session %d: %w", i+1, err)
		}
	}
	deadline, _ := ctx.Deadline()
	t := &Tally{Verify: true, Order: Contiguous}
	if _, err := Follow(f, t, int64(2*sessions), 5*time.Millisecond, deadline); err != nil {
		return res, errors.Join(err, fmt.Errorf("collector log:\n%s", c.Log()))
	}
	time.Sleep(time.Second)
	m1, err := c.Mem()
	if err != nil {
		return res, err
	}
	res.RSS = m1.RSS
	res.PerSession = (m1.RSS - m0.RSS) / int64(max(sessions, 1))
	res.Goroutines, _ = goroutines(maddr)
	res.GoroutinesPerSession = float64(res.Goroutines-res.BaseGoroutines) / float64(max(sessions, 1))
	if err := t.Check(2, 0, sessions); err != nil {
		res.Error = err.Error()
	} else {
		res.Verified = true
	}
	return res, nil
}

// goroutines reads go_goroutines from the collector's /metrics.
func goroutines(addr string) (int, error) {
	cl := http.Client{Timeout: 5 * time.Second}
	r, err := cl.Get("http://" + addr + "/metrics")
	if err != nil {
		return 0, err
	}
	defer r.Body.Close()
	sc := bufio.NewScanner(r.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		l := sc.Bytes()
		if bytes.HasPrefix(l, []byte("go_goroutines ")) {
			return strconv.Atoi(strings.TrimSpace(string(l[len("go_goroutines "):])))
		}
	}
	return 0, errors.New("no go_goroutines metric")
}
