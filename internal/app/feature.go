package app

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/golang/glog"
	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/internal/memory"
	"github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/pkg/publisher"
)

// Feature is an optional part of the collector — a sink (Kafka, NATS), an endpoint
// (metrics), a listener option (TLS, ACL), forwarding — that brings its own flags and, when
// enabled, plugs into the running collector. Each lives in its own file and registers
// itself with Register from an init function, so features do not edit each other's code.
type Feature interface {
	Name() string
	// AddFlags registers the feature's flags.
	AddFlags(fs *pflag.FlagSet)
	// Start runs after flag parsing, before the server is created. It returns quickly
	// (and does nothing) when the feature's flags leave it disabled.
	Start(ctx context.Context, rt *Runtime) error
	// Stop runs at shutdown, after the server drained and the sinks were closed.
	Stop(ctx context.Context) error
}

var registry []func() Feature

// Register adds a feature constructor; call it from init.
func Register(f func() Feature) { registry = append(registry, f) }

// Runtime is what features can change or use.
type Runtime struct {
	Options  *Options
	Counters *session.Counters
	// Server is the server configuration: features may set Admit, append Taps and set
	// Session.Raw before the server is created.
	Server *server.Config
	// Queues are the sinks' queues (for metrics).
	Queues []*publisher.Queue
	// Memory is the memory budget (--memory-limit; set by the bounds feature).
	Memory *memory.Budget

	sinks       []publisher.Publisher
	wrappers    []func(publisher.Publisher) publisher.Publisher
	afterServer []func(*server.Server)
	readiness   []func() error
	phase       atomic.Int32 // phaseStarting, phaseServing or phaseStopping
	shutdown    []func(deadline time.Time)
	reopen      []reopener
}

// reopener is an output file to reopen on SIGHUP.
type reopener struct {
	what string
	f    func() error
}

// OnReopen registers f to run on SIGHUP (log rotation: reopen an output file at its
// path). what names it in the log. Without any, SIGHUP keeps its default action.
func (rt *Runtime) OnReopen(what string, f func() error) {
	rt.reopen = append(rt.reopen, reopener{what, f})
}

// handleReopen runs the reopeners on every SIGHUP until the returned stop function is
// called. Without reopeners it does nothing (SIGHUP then ends the process as usual, e.g.
// when the terminal of a console collector closes).
func (rt *Runtime) handleReopen() (stop func()) {
	if len(rt.reopen) == 0 {
		return func() {}
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		for {
			select {
			case <-hup:
				for _, r := range rt.reopen {
					if err := r.f(); err != nil {
						glog.Errorf("event=reopen_failed output=%q err=%q", r.what, err)
						continue
					}
					glog.Infof("event=reopened output=%q signal=SIGHUP", r.what)
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(hup)
		close(done)
		<-exited
	}
}

// Life cycle phases of the collector, for readiness.
const (
	phaseStarting int32 = iota
	phaseServing
	phaseStopping
)

// AddSink puts a sink behind its own bounded queue; every record goes to every sink.
func (rt *Runtime) AddSink(s publisher.Sink, queueSize int, policy publisher.Policy) *publisher.Queue {
	if queueSize <= 0 {
		queueSize = rt.Options.QueueSize
	}
	q := publisher.NewQueue(s, queueSize, policy)
	rt.Queues = append(rt.Queues, q)
	rt.sinks = append(rt.sinks, q)
	return q
}

// WrapPublisher puts a stage in front of the sinks: every batch goes through the
// publisher w returns (which passes it on to next, changed or not) before the sinks get it.
func (rt *Runtime) WrapPublisher(w func(next publisher.Publisher) publisher.Publisher) {
	rt.wrappers = append(rt.wrappers, w)
}

// AfterServer registers f to run once the server exists and listens (e.g. to read its
// stats, or to dial routers in active mode and hand connections to srv.ServeConn).
func (rt *Runtime) AfterServer(f func(srv *server.Server)) {
	rt.afterServer = append(rt.afterServer, f)
}

// AddReadiness registers a check for /readyz: nil when the component is ready.
func (rt *Runtime) AddReadiness(check func() error) { rt.readiness = append(rt.readiness, check) }

// Ready is nil when the BMP listener accepts connections and every readiness check
// passes; otherwise it says why not.
func (rt *Runtime) Ready() error {
	switch rt.phase.Load() {
	case phaseStarting:
		return errors.New("BMP listener not started yet")
	case phaseStopping:
		return errors.New("shutting down")
	}
	for _, c := range rt.readiness {
		if err := c(); err != nil {
			return err
		}
	}
	return nil
}

// OnShutdown registers f to run as soon as shutdown begins (signal, or the server
// failing), with the time by which sessions and sinks must have drained
// (--shutdown-timeout): a sink that retries forever gives up then.
func (rt *Runtime) OnShutdown(f func(deadline time.Time)) { rt.shutdown = append(rt.shutdown, f) }

func (rt *Runtime) beginShutdown(deadline time.Time) {
	for _, f := range rt.shutdown {
		f(deadline)
	}
}
