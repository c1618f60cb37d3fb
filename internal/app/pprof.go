package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"time"

	"github.com/golang/glog"
	"github.com/spf13/pflag"
)

func init() { Register(func() Feature { return &pprofFeature{host: "127.0.0.1"} }) }

// pprofFeature serves Go's profiling endpoints (/debug/pprof/) on --performance-port,
// goBMP's flag; off unless the port is set.
type pprofFeature struct {
	port int
	host string
	srv  *http.Server
	done chan struct{}
}

func (f *pprofFeature) Name() string { return "pprof" }

func (f *pprofFeature) AddFlags(fs *pflag.FlagSet) {
	fs.IntVar(&f.port, "performance-port", 0, "serve Go profiling (/debug/pprof/) on this port (0: off)")
	fs.StringVar(&f.host, "performance-address", f.host, "address the --performance-port listener binds to")
}

func (f *pprofFeature) Start(_ context.Context, _ *Runtime) error {
	if f.port == 0 {
		return nil
	}
	if f.port < 0 || f.port > 65535 {
		return fmt.Errorf("--performance-port %d out of range 1-65535", f.port)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(f.host, strconv.Itoa(f.port)))
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	f.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	f.done = make(chan struct{})
	glog.Infof("event=pprof_listening address=%s path=/debug/pprof/", ln.Addr())
	go func() {
		defer close(f.done)
		if err := f.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			glog.Errorf("event=pprof_failed err=%q", err)
		}
	}()
	return nil
}

func (f *pprofFeature) Stop(ctx context.Context) error {
	if f.srv == nil {
		return nil
	}
	// Profiles can take their "seconds" parameter to finish: do not wait for them.
	err := f.srv.Close()
	<-f.done
	return err
}
