package app

import (
	"context"

	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/internal/session"
)

func init() { Register(func() Feature { return &bounds{maxPeers: session.DefaultMaxPeers} }) }

// bounds holds the limits that keep one router from taking the memory of all sessions
// (docs/security.md lists every limit).
type bounds struct {
	maxPeers int
}

func (b *bounds) Name() string { return "bounds" }

func (b *bounds) AddFlags(fs *pflag.FlagSet) {
	fs.IntVar(&b.maxPeers, "max-peers-per-router", b.maxPeers, "most monitored peers one router session may announce; the session naming one more is ended (reason too_many_peers)")
}

// Validate checks the limits.
func (b *bounds) Validate(*Options) error {
	if b.maxPeers <= 0 {
		return optErr("max-peers-per-router", "%d: must be positive", b.maxPeers)
	}
	return nil
}

func (b *bounds) Start(_ context.Context, rt *Runtime) error {
	if err := b.Validate(rt.Options); err != nil {
		return err
	}
	rt.Server.Session.MaxPeers = b.maxPeers
	return nil
}

func (b *bounds) Stop(context.Context) error { return nil }
