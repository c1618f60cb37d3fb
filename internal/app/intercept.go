package app

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/golang/glog"
	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/internal/forward"
	"github.com/bmpstream/bmpstream/internal/server"
)

// interceptFeature is --intercept: every router session is also forwarded, verbatim, to
// a downstream collector on a connection of its own (goBMP's former intercept mode).
type interceptFeature struct {
	enabled      bool
	address      string
	port         int
	buffer       int
	closeTimeout time.Duration
	fw           *forward.Forwarder
}

var interceptStats atomic.Pointer[forward.Stats]

// InterceptStats returns the forwarding counters, or nil when --intercept is off.
func InterceptStats() *forward.Stats { return interceptStats.Load() }

func init() {
	Register(func() Feature {
		return &interceptFeature{address: "127.0.0.1", port: 5050, buffer: 8 << 20, closeTimeout: 5 * time.Second}
	})
}

func (f *interceptFeature) Name() string { return "intercept" }

func (f *interceptFeature) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&f.enabled, "intercept", f.enabled, "also forward every router's BMP stream, verbatim, to a downstream collector (one connection per router session)")
	fs.StringVar(&f.address, "destination-address", f.address, "downstream collector address for --intercept")
	fs.IntVar(&f.port, "destination-port", f.port, "downstream collector port for --intercept")
	fs.IntVar(&f.buffer, "forward-buffer", f.buffer, "bytes of BMP messages buffered per router for the downstream; when full, new messages are dropped (counted)")
	fs.DurationVar(&f.closeTimeout, "forward-close-timeout", f.closeTimeout, "after a router disconnects, how long buffered messages may take to reach the downstream")
}

func (f *interceptFeature) Start(_ context.Context, rt *Runtime) error {
	if !f.enabled {
		return nil
	}
	if f.port < 1 || f.port > 65535 {
		return fmt.Errorf("--destination-port %d out of range 1-65535", f.port)
	}
	if f.address == "" {
		return fmt.Errorf("--destination-address is empty")
	}
	if f.buffer < 1<<16 {
		return fmt.Errorf("--forward-buffer %d: at least 65536 bytes", f.buffer)
	}
	addr := net.JoinHostPort(f.address, strconv.Itoa(f.port))
	if listen := rt.Server.Listen; sameAddr(listen, addr) {
		return fmt.Errorf("--intercept destination %s is bmpstream's own listener", addr)
	}
	f.fw = forward.New(forward.Config{Addr: addr, BufferBytes: f.buffer, CloseTimeout: f.closeTimeout})
	interceptStats.Store(&f.fw.Stats)
	rt.Server.Taps = append(rt.Server.Taps, func(router netip.AddrPort) server.MessageTap { return f.fw.Tap(router) })
	glog.Infof("feature=intercept event=enabled destination=%s buffer_bytes=%d", addr, f.buffer)
	return nil
}

// sameAddr reports a destination equal to the listen address (a forwarding loop).
func sameAddr(listen, dest string) bool {
	lh, lp, err1 := net.SplitHostPort(listen)
	dh, dp, err2 := net.SplitHostPort(dest)
	if err1 != nil || err2 != nil || lp != dp {
		return false
	}
	if lh == dh {
		return true
	}
	la, err := netip.ParseAddr(lh)
	da, err2 := netip.ParseAddr(dh)
	if lh == "" || (err == nil && la.IsUnspecified()) {
		return err2 == nil && (da.IsLoopback() || da.IsUnspecified())
	}
	return false
}

func (f *interceptFeature) Stop(ctx context.Context) error {
	if f.fw == nil {
		return nil
	}
	err := f.fw.Close(ctx)
	st := &f.fw.Stats
	glog.Infof("feature=intercept event=stopped forwarded_messages=%d forwarded_bytes=%d dropped_messages=%d dropped_bytes=%d reconnects=%d",
		st.ForwardedMessages.Load(), st.ForwardedBytes.Load(), st.DroppedMessages.Load(), st.DroppedBytes.Load(), st.Reconnects.Load())
	return err
}
