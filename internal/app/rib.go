package app

import (
	"context"
	"fmt"

	"github.com/golang/glog"
	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/internal/rib"
	"github.com/bmpstream/bmpstream/pkg/publisher"
)

// ribFeature is --rib: the route table (internal/rib), fed as a sink, and its query API
// and looking glass on --api-address.
type ribFeature struct {
	enabled   bool
	maxRoutes int
	api       apiOptions

	table *rib.Table
	sink  *rib.Sink
	srv   *apiServer
}

func init() {
	Register(func() Feature {
		return &ribFeature{maxRoutes: 10_000_000, api: defaultAPIOptions()}
	})
}

func (f *ribFeature) Name() string { return "rib" }

func (f *ribFeature) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&f.enabled, "rib", f.enabled, "keep a route table (per router, peer, RIB view and family) and serve it on --api-address")
	fs.IntVar(&f.maxRoutes, "rib-max-routes-per-router", f.maxRoutes, "paths kept per router; beyond, new routes are dropped (counted, logged) and the router's table is marked incomplete")
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
	f.table = rib.New(rib.Config{MaxRoutesPerRouter: f.maxRoutes, Logf: glog.Warningf})
	f.sink = &rib.Sink{T: f.table, Logf: glog.Errorf}
	// The table must see every record in order: it never drops.
	rt.AddSink(f.sink, 0, publisher.Block)
	glog.Infof("feature=rib event=enabled max_routes_per_router=%d", f.maxRoutes)
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
	glog.Infof("feature=rib event=stopped paths=%d attr_sets=%d attr_bytes=%d applied=%d dropped=%d removed=%d decode_errors=%d",
		f.table.Paths(), n, bytes, st.Applied.Load(), st.Dropped.Load(), st.Removed.Load(), f.sink.DecodeErrors.Load())
	if f.srv != nil {
		return f.srv.close(ctx)
	}
	return nil
}
