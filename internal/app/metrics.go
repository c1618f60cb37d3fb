package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/golang/glog"
	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/internal/metrics"
	"github.com/bmpstream/bmpstream/internal/server"
)

// DefaultMetricsAddress is where /metrics, /healthz and /readyz are served by default:
// loopback only, on a port outside the Prometheus exporter range 9100-9999 (fully
// allocated on the Prometheus "default port allocations" list) and outside the usual
// ephemeral port ranges. docs/operations.md explains the choice.
const DefaultMetricsAddress = "127.0.0.1:10790"

func init() { Register(func() Feature { return &metricsFeature{addr: DefaultMetricsAddress} }) }

// metricsFeature serves Prometheus metrics and the health endpoints (--metrics-address).
type metricsFeature struct {
	addr string
	srv  *http.Server
	done chan struct{}
}

func (f *metricsFeature) Name() string { return "metrics" }

func (f *metricsFeature) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&f.addr, "metrics-address", f.addr, `host:port serving Prometheus /metrics, /healthz and /readyz ("" disables them)`)
}

func (f *metricsFeature) Start(_ context.Context, rt *Runtime) error {
	if f.addr == "" {
		return nil
	}
	m := metrics.New(metrics.Options{Counters: rt.Counters, Version: Version})
	rt.Server.Taps = append(rt.Server.Taps, m.Tap)
	rt.AfterServer(func(srv *server.Server) {
		m.SetServer(srv)
		m.SetQueues(rt.Queues) // every sink exists once the server does
		m.SetMemory(rt.Memory)
		m.SetForward(InterceptStats())
	})
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("--metrics-address %s: %w (is another bmpstream running? choose a free address with --metrics-address=HOST:PORT, or disable the endpoint with --metrics-address=\"\")", f.addr, err)
	}
	f.srv = &http.Server{Handler: metrics.Handler(m.Registry(), rt.Ready), ReadHeaderTimeout: 10 * time.Second}
	f.done = make(chan struct{})
	glog.Infof("event=metrics_listening address=%s paths=%s,%s,%s", ln.Addr(), metrics.PathMetrics, metrics.PathHealth, metrics.PathReady)
	go func() {
		defer close(f.done)
		if err := f.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			glog.Errorf("event=metrics_failed err=%q", err)
		}
	}()
	return nil
}

// Stop runs after the sinks were closed, so the final values could be scraped during the
// drain.
func (f *metricsFeature) Stop(ctx context.Context) error {
	if f.srv == nil {
		return nil
	}
	err := f.srv.Shutdown(ctx)
	if err != nil {
		f.srv.Close()
	}
	<-f.done
	return err
}
