package metrics

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestEndpoints: /healthz is always 200; /readyz follows the readiness function, with
// its reason in the body; /metrics serves the text exposition.
func TestEndpoints(t *testing.T) {
	m := New(Options{Version: "v9"})
	var notReady atomic.Pointer[error]
	ready := func() error {
		if e := notReady.Load(); e != nil {
			return *e
		}
		return nil
	}
	ts := httptest.NewServer(Handler(m.Registry(), ready))
	defer ts.Close()
	starting := errors.New("BMP listener not started yet")
	notReady.Store(&starting)

	for _, tc := range []struct {
		path string
		code int
		body string
	}{
		{PathHealth, 200, "ok\n"},
		{PathReady, 503, "not ready: BMP listener not started yet\n"},
	} {
		if code, body := get(t, ts.URL+tc.path); code != tc.code || body != tc.body {
			t.Errorf("GET %s = %d %q, want %d %q", tc.path, code, body, tc.code, tc.body)
		}
	}
	notReady.Store(nil)
	if code, body := get(t, ts.URL+PathReady); code != 200 || body != "ok\n" {
		t.Errorf("ready: %d %q", code, body)
	}
	stopping := errors.New("shutting down")
	notReady.Store(&stopping)
	if code, body := get(t, ts.URL+PathReady); code != 503 || body != "not ready: shutting down\n" {
		t.Errorf("stopping: %d %q", code, body)
	}
	if code, _ := get(t, ts.URL+PathHealth); code != 200 {
		t.Errorf("healthz while stopping: %d", code)
	}
	code, body := get(t, ts.URL+PathMetrics)
	if code != 200 {
		t.Fatalf("metrics: %d", code)
	}
	for _, want := range []string{
		"# TYPE bmpstream_build_info gauge\n",
		`bmpstream_build_info{go_version="` + goVersion() + `",version="v9"} 1` + "\n",
		`bmpstream_records_total{type="unicast_prefix"} 0` + "\n",
		"# TYPE go_goroutines gauge\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if code, _ := get(t, ts.URL+"/debug/pprof/"); code != 404 {
		t.Errorf("pprof on the metrics listener: %d", code)
	}
}
