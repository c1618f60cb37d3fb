package app

import (
	"context"
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/golang/glog"
	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/internal/memory"
	"github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/internal/session"
)

func init() {
	Register(func() Feature {
		return &bounds{maxPeers: session.DefaultMaxPeers, messageTimeout: DefaultMessageTimeout, memLimit: "auto"}
	})
}

// DefaultMessageTimeout is the default of --message-timeout.
const DefaultMessageTimeout = 30 * time.Second

// reclaimInterval is how often the free heap is checked and returned to the system.
const reclaimInterval = 10 * time.Second

// bounds holds the limits that keep one router from taking the memory of all sessions
// (docs/security.md lists every limit).
type bounds struct {
	maxPeers       int
	messageTimeout time.Duration
	memLimit       string

	limit  int64 // parsed --memory-limit
	source string
	budget *memory.Budget
	cancel context.CancelFunc
}

func (b *bounds) Name() string { return "bounds" }

func (b *bounds) AddFlags(fs *pflag.FlagSet) {
	fs.IntVar(&b.maxPeers, "max-peers-per-router", b.maxPeers, "most monitored peers one router session may announce; the session naming one more is ended (reason too_many_peers)")
	fs.DurationVar(&b.messageTimeout, "message-timeout", b.messageTimeout, "time a router has to complete a BMP message once its first bytes arrived (time spent waiting for it; a slow drip ends with reason message_timeout); 0: none")
	fs.StringVar(&b.memLimit, "memory-limit", b.memLimit, `memory budget of the connections' buffers, the sessions' batches and peer state and the queued output (bytes, or with KiB/MiB/GiB): over it, reading from routers pauses and new connections are refused; "auto": 3/4 of GOMEMLIMIT or of the cgroup's limit when there is one, else none; 0: none`)
}

// parseBytes parses a byte count with an optional KiB, MiB, GiB (or KB, MB, GB: the same
// powers of 1024) suffix.
func parseBytes(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("not a byte count (like 2GiB, 512MiB or 1073741824)")
	}
	return n * mult, nil
}

// Validate checks the limits.
func (b *bounds) Validate(*Options) error {
	if b.maxPeers <= 0 {
		return optErr("max-peers-per-router", "%d: must be positive", b.maxPeers)
	}
	if b.messageTimeout < 0 {
		return optErr("message-timeout", "%s: must be 0 (none) or positive", b.messageTimeout)
	}
	if strings.TrimSpace(b.memLimit) == "auto" {
		b.limit, b.source = memory.DefaultLimit()
		return nil
	}
	n, err := parseBytes(b.memLimit)
	if err != nil {
		return optErr("memory-limit", "%q: %v", b.memLimit, err)
	}
	if n != 0 && n < 16<<20 {
		return optErr("memory-limit", "%q is below 16 MiB: too small to serve a router", b.memLimit)
	}
	b.limit, b.source = n, "flag"
	return nil
}

func (b *bounds) Start(ctx context.Context, rt *Runtime) error {
	if err := b.Validate(rt.Options); err != nil {
		return err
	}
	rt.Server.Session.MaxPeers = b.maxPeers
	rt.Server.MessageTimeout = b.messageTimeout
	b.budget = memory.New(b.limit)
	rt.Server.Memory = b.budget
	rt.Memory = b.budget
	if b.limit > 0 && debug.SetMemoryLimit(-1) == math.MaxInt64 {
		// No GOMEMLIMIT: let the garbage collector work to stay near the budget too (the
		// budget is 3/4 of the limit the runtime gets).
		debug.SetMemoryLimit(b.limit / 3 * 4)
	}
	rt.AfterServer(func(*server.Server) {
		// Every queue exists once the server does.
		qs := rt.Queues
		b.budget.SetQueued(func() int64 {
			var n int64
			for _, q := range qs {
				n += q.Stats.PendingBytes()
			}
			return n
		})
	})
	rctx, cancel := context.WithCancel(ctx)
	b.cancel = cancel
	go memory.Reclaim(rctx, reclaimInterval, b.budget)
	if b.limit > 0 {
		glog.Infof("feature=bounds event=memory_limit bytes=%d source=%s", b.limit, b.source)
	}
	return nil
}

func (b *bounds) Stop(context.Context) error {
	if b.cancel != nil {
		b.cancel()
	}
	return nil
}
