package app

import (
	"context"
	"fmt"
	"time"

	"github.com/golang/glog"
	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/internal/rib"
	"github.com/bmpstream/bmpstream/pkg/publisher"
)

// ribFeature is --rib: the route table (internal/rib), fed as a sink, and its query API
// and looking glass on --api-address.
type ribFeature struct {
	enabled      bool
	maxRoutes    int
	synthesize   bool
	suppress     bool
	staleTimeout time.Duration
	api          apiOptions

	table *rib.Table
	sink  *rib.Sink
	stage *rib.Stage
	srv   *apiServer
}

func init() {
	Register(func() Feature {
		return &ribFeature{maxRoutes: 10_000_000, staleTimeout: 5 * time.Minute, api: defaultAPIOptions()}
	})
}

func (f *ribFeature) Name() string { return "rib" }

func (f *ribFeature) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&f.enabled, "rib", f.enabled, "keep a route table (per router, peer, RIB view and family) and serve it on --api-address")
	fs.IntVar(&f.maxRoutes, "rib-max-routes-per-router", f.maxRoutes, "paths kept per router; beyond, new routes are dropped (counted, logged) and the router's table is marked incomplete")
	fs.BoolVar(&f.synthesize, "synthesize-withdrawals", f.synthesize, "with --rib: publish a synthesized del record (synthesized: true) for every route a Peer Down or the end of a router session removes")
	fs.BoolVar(&f.suppress, "rib-suppress-duplicates", f.suppress, "with --rib: keep a peer's routes (stale) across Peer Down and reconnects, publish only announcements that differ from the table, and withdraw (synthesized del) the routes not announced again by the peer's End-of-RIB or --rib-stale-timeout")
	fs.DurationVar(&f.staleTimeout, "rib-stale-timeout", f.staleTimeout, "with --rib-suppress-duplicates: how long stale routes wait for an End-of-RIB before they are withdrawn")
	f.api.addFlags(fs)
}

func (f *ribFeature) Start(_ context.Context, rt *Runtime) error {
	if !f.enabled {
		if f.api.address != "" {
			return fmt.Errorf("--api-address needs --rib")
		}
		return nil
	}
	if f.maxRoutes < 1 {
		return fmt.Errorf("--rib-max-routes-per-router %d: at least 1", f.maxRoutes)
	}
	if f.staleTimeout <= 0 {
		return fmt.Errorf("--rib-stale-timeout %s: must be positive", f.staleTimeout)
	}
	f.table = rib.New(rib.Config{MaxRoutesPerRouter: f.maxRoutes, Logf: glog.Warningf, SuppressDuplicates: f.suppress, StaleTimeout: f.staleTimeout})
	// the table's memory counts toward --memory-limit (route_table component)
	rt.Memory.SetRouteTable(f.table.MemoryBytes)
	if f.synthesize || f.suppress {
		// The table decides what the sinks get: it runs in front of them, in each
		// session's goroutine and order.
		rt.WrapPublisher(func(next publisher.Publisher) publisher.Publisher {
			f.stage = &rib.Stage{T: f.table, Next: next, Synthesize: f.synthesize}
			if f.suppress {
				f.stage.StartSweeper(max(time.Second, min(f.staleTimeout/10, 30*time.Second)))
			}
			return f.stage
		})
	} else {
		f.sink = &rib.Sink{T: f.table, Logf: glog.Errorf}
		// The table must see every record in order: it never drops. Its queue is short:
		// it blocks anyway, and queued batches of typed records are memory.
		rt.AddSink(f.sink, 8, publisher.Block)
	}
	glog.Infof("feature=rib event=enabled max_routes_per_router=%d synthesize_withdrawals=%v suppress_duplicates=%v stale_timeout=%s",
		f.maxRoutes, f.synthesize, f.suppress, f.staleTimeout)
	if f.api.address == "" {
		return nil
	}
	srv, err := startAPI(f.table, &f.api)
	if err != nil {
		return err
	}
	f.srv = srv
	return nil
}

func (f *ribFeature) Stop(ctx context.Context) error {
	if f.table == nil {
		return nil
	}
	st := &f.table.Stats
	n, bytes := f.table.AttrSets()
	var decodeErrs, suppressed, synthesized uint64
	if f.sink != nil {
		decodeErrs = f.sink.DecodeErrors.Load()
	}
	if f.stage != nil {
		suppressed, synthesized = f.stage.Suppressed.Load(), f.stage.Synthesized.Load()
	}
	glog.Infof("feature=rib event=stopped paths=%d attr_sets=%d attr_bytes=%d applied=%d dropped=%d removed=%d swept=%d suppressed=%d synthesized=%d decode_errors=%d",
		f.table.Paths(), n, bytes, st.Applied.Load(), st.Dropped.Load(), st.Removed.Load(), st.Swept.Load(), suppressed, synthesized, decodeErrs)
	if f.srv != nil {
		return f.srv.close(ctx)
	}
	return nil
}
