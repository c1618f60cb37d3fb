// Package metrics exposes the collector's counters to Prometheus. Nothing is counted twice:
// a prometheus.Collector reads, at scrape time, the atomic counters the collector keeps
// anyway (session.Counters, server.Stats, publisher.QueueStats). The only counting done
// here is per router: a server.MessageTap per connection adds each BMP message to its
// router's counters (two atomic additions per message, none per record).
//
// Label cardinality is bounded: the router label is the router's IP address (all
// connections from one address are one router); every other label takes its values
// from a fixed list (message, record and error types, end reasons, sink names) or from
// the refusal reasons of the connection admission hook. A router's series stay after
// its last connection closes, so that its counters keep counting across reconnects;
// the MaxIdleRouters routers that have been disconnected the longest are forgotten
// first when more are disconnected (bmpstream_routers_forgotten_total counts them).
package metrics

import (
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/bmpstream/bmpstream/internal/memory"
	"github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/pkg/publisher"
)

// DefaultMaxIdleRouters is how many disconnected routers keep their series by default.
const DefaultMaxIdleRouters = 1000

// Options configure Metrics.
type Options struct {
	// Counters are the sessions' shared counters (required).
	Counters *session.Counters
	// Version is reported by bmpstream_build_info.
	Version string
	// MaxIdleRouters bounds the routers without an open connection whose series are
	// kept (DefaultMaxIdleRouters when 0; negative keeps none).
	MaxIdleRouters int
}

// Metrics holds the collector's Prometheus registry and the per-router counters.
type Metrics struct {
	opts Options
	reg  *prometheus.Registry

	mu        sync.Mutex
	srv       *server.Server
	mem       *memory.Budget
	queues    []*publisher.Queue
	sinks     []string // label value of each queue
	routers   map[netip.Addr]*routerStats
	idle      int    // routers with no open connection
	idleSeq   uint64 // orders routers by the time they became idle
	forgotten uint64
}

// New returns Metrics with a fresh registry holding the bmpstream collector, the Go
// runtime collector and the process collector.
func New(opts Options) *Metrics {
	if opts.Counters == nil {
		opts.Counters = &session.Counters{}
	}
	if opts.MaxIdleRouters == 0 {
		opts.MaxIdleRouters = DefaultMaxIdleRouters
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	m := &Metrics{opts: opts, reg: prometheus.NewRegistry(), routers: make(map[netip.Addr]*routerStats)}
	m.reg.MustRegister((*collector)(m), collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is the registry to serve.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// SetServer makes the server's connection and session counters visible.
func (m *Metrics) SetServer(srv *server.Server) {
	m.mu.Lock()
	m.srv = srv
	m.mu.Unlock()
}

// SetMemory makes the memory budget's accounting visible.
func (m *Metrics) SetMemory(b *memory.Budget) {
	m.mu.Lock()
	m.mem = b
	m.mu.Unlock()
}

// SetQueues makes the sinks' queues visible. Each queue is labelled with its sink's name;
// a name used by several sinks gets a suffix (_2, _3, …) from the second on.
func (m *Metrics) SetQueues(qs []*publisher.Queue) {
	names := make([]string, len(qs))
	seen := make(map[string]int)
	for i, q := range qs {
		name := q.Sink().Name()
		seen[name]++
		if n := seen[name]; n > 1 {
			name += "_" + strconv.Itoa(n)
		}
		names[i] = name
	}
	m.mu.Lock()
	m.queues = append([]*publisher.Queue(nil), qs...)
	m.sinks = names
	m.mu.Unlock()
}

// Tap is a server.Config.Taps constructor: it counts the messages of one connection
// towards its router.
func (m *Metrics) Tap(remote netip.AddrPort) server.MessageTap {
	return &routerTap{m: m, r: m.acquire(remote.Addr().Unmap())}
}

// goVersion is runtime.Version without surprises in a label.
func goVersion() string { return strings.TrimSpace(runtime.Version()) }
