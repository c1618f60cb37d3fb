package app

import (
	"context"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/internal/server"
)

func startFeature(t *testing.T, f Feature, args ...string) (*Runtime, error) {
	t.Helper()
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	o := defaultOptions()
	rt := &Runtime{Options: &o, Server: &server.Config{Listen: ":5000"}}
	return rt, f.Start(context.Background(), rt)
}

func newIntercept() *interceptFeature {
	return &interceptFeature{address: "127.0.0.1", port: 5050, buffer: 8 << 20, closeTimeout: 100 * time.Millisecond}
}

func TestInterceptFeature(t *testing.T) {
	rt, err := startFeature(t, newIntercept())
	if err != nil || len(rt.Server.Taps) != 0 {
		t.Fatalf("disabled: err=%v taps=%d", err, len(rt.Server.Taps))
	}
	f := newIntercept()
	rt, err = startFeature(t, f, "--intercept", "--destination-port=5051")
	if err != nil || len(rt.Server.Taps) != 1 || InterceptStats() == nil {
		t.Fatalf("enabled: err=%v taps=%d", err, len(rt.Server.Taps))
	}
	// A tap per session; closing it with nothing listening ends its writer.
	tap := rt.Server.Taps[0](netip.MustParseAddrPort("192.0.2.1:179"))
	tap.Message([]byte{3, 0, 0, 0, 6, 4})
	tap.Close()
	if err := f.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := InterceptStats(); st.ForwardedMessages.Load()+st.DroppedMessages.Load() != 1 || st.Sessions.Load() != 0 {
		t.Fatalf("forwarded %d dropped %d sessions %d", st.ForwardedMessages.Load(), st.DroppedMessages.Load(), st.Sessions.Load())
	}
	for _, args := range [][]string{
		{"--intercept", "--destination-port=0"},
		{"--intercept", "--destination-address="},
		{"--intercept", "--forward-buffer=100"},
		{"--intercept", "--destination-port=5000"},
		{"--intercept", "--destination-address=::1", "--destination-port=5000"},
	} {
		if _, err := startFeature(t, newIntercept(), args...); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

func TestSameAddr(t *testing.T) {
	cases := []struct {
		listen, dest string
		same         bool
	}{
		{":5000", "127.0.0.1:5000", true},
		{"0.0.0.0:5000", "[::1]:5000", true},
		{"127.0.0.1:5000", "127.0.0.1:5000", true},
		{"127.0.0.1:5000", "127.0.0.1:5050", false},
		{"192.0.2.1:5000", "127.0.0.1:5000", false},
		{":5000", "192.0.2.9:5000", false},
	}
	for _, c := range cases {
		if got := sameAddr(c.listen, c.dest); got != c.same {
			t.Errorf("sameAddr(%q, %q) = %v", c.listen, c.dest, got)
		}
	}
}

func TestNATSFeatureFlags(t *testing.T) {
	if rt, err := startFeature(t, &natsFeature{onFull: "block"}); err != nil || len(rt.sinks) != 0 {
		t.Fatalf("disabled: %v", err)
	}
	if _, err := startFeature(t, &natsFeature{onFull: "block"}, "--nats-server=nats://127.0.0.1:1", "--nats-on-full=spill"); err == nil {
		t.Fatal("bad --nats-on-full accepted")
	}
}
