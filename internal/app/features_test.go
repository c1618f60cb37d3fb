package app

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/internal/session"
)

func newRuntime() *Runtime {
	o := defaultOptions()
	return &Runtime{Options: &o, Counters: &session.Counters{}, Server: &server.Config{}}
}

func parseFeature(t *testing.T, f Feature, args ...string) {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	f.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
}

// TestReadyPhases: not ready before the listener is up and once shutting down; in
// between, the registered checks decide, in order.
func TestReadyPhases(t *testing.T) {
	rt := newRuntime()
	var sinkErr error
	rt.AddReadiness(func() error { return sinkErr })
	for _, tc := range []struct {
		phase int32
		sink  error
		want  string
	}{
		{phaseStarting, nil, "BMP listener not started yet"},
		{phaseServing, nil, ""},
		{phaseServing, errors.New("kafka: no broker reachable"), "kafka: no broker reachable"},
		{phaseStopping, nil, "shutting down"},
	} {
		rt.phase.Store(tc.phase)
		sinkErr = tc.sink
		got := ""
		if err := rt.Ready(); err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("phase %d, check %v: Ready() = %q, want %q", tc.phase, tc.sink, got, tc.want)
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestPprofOffByDefault: without --performance-port nothing listens.
func TestPprofOffByDefault(t *testing.T) {
	f := &pprofFeature{host: "127.0.0.1"}
	parseFeature(t, f)
	if err := f.Start(context.Background(), newRuntime()); err != nil {
		t.Fatal(err)
	}
	if f.srv != nil || f.port != 0 || f.host != "127.0.0.1" {
		t.Fatalf("pprof started by default: port %d host %q", f.port, f.host)
	}
	if err := f.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--performance-port=-1"}, {"--performance-port=70000"}} {
		f := &pprofFeature{host: "127.0.0.1"}
		parseFeature(t, f, args...)
		if err := f.Start(context.Background(), newRuntime()); err == nil {
			f.Stop(context.Background())
			t.Errorf("%v accepted", args)
		}
	}
}

// TestPprofOn: --performance-port serves /debug/pprof/ on 127.0.0.1 until Stop.
func TestPprofOn(t *testing.T) {
	port := freePort(t)
	f := &pprofFeature{host: "127.0.0.1"}
	parseFeature(t, f, "--performance-port="+strconv.Itoa(port))
	if err := f.Start(context.Background(), newRuntime()); err != nil {
		t.Fatal(err)
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/goroutine?debug=1"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s = %d", path, resp.StatusCode)
		}
	}
	if err := f.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(base + "/debug/pprof/"); err == nil {
		t.Error("pprof still served after Stop")
	}
}

// TestMetricsDisabled: --metrics-address="" starts no listener and adds no tap.
func TestMetricsDisabled(t *testing.T) {
	f := &metricsFeature{addr: DefaultMetricsAddress}
	parseFeature(t, f, "--metrics-address=")
	rt := newRuntime()
	if err := f.Start(context.Background(), rt); err != nil {
		t.Fatal(err)
	}
	if f.srv != nil || len(rt.Server.Taps) != 0 || len(rt.afterServer) != 0 {
		t.Fatalf("metrics enabled: srv %v, %d taps", f.srv, len(rt.Server.Taps))
	}
	if err := f.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestMetricsBindError: an address in use is a start-up error, not a silent loss of
// metrics, and the error names the flag that changes it (a second bmpstream on the machine
// finds the default address taken).
func TestMetricsBindError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f := &metricsFeature{}
	parseFeature(t, f, "--metrics-address="+ln.Addr().String())
	err = f.Start(context.Background(), newRuntime())
	if err == nil {
		f.Stop(context.Background())
		t.Fatal("started on an address in use")
	}
	for _, want := range []string{"--metrics-address", ln.Addr().String(), "address already in use", `--metrics-address=""`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}
