package app

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang/glog"
	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/pkg/openbmp"
)

// rawFeature is --bmp-raw: every BMP message is also published, untouched, behind an
// OpenBMP binary header (version 1.7, object BMP_RAW) as a raw record, to the topic or
// subject "<prefix>.raw". Raw and parsed records of a router travel in one ordered batch
// stream and share the router's key.
type rawFeature struct {
	enabled    bool
	adminID    string
	groups     []string
	hashRecipe string

	enc      *openbmp.Encoder
	hashOf   func(netip.Addr) [16]byte
	def      string
	prefixes []groupPrefix
	cache    sync.Map // netip.Addr → rawRouter
	cached   atomic.Int64
}

type groupPrefix struct {
	pfx  netip.Prefix
	name string
}

type rawRouter struct {
	hash  [16]byte
	group string
}

// maxRawCache bounds the per-router cache of hash and group.
const maxRawCache = 1 << 16

func init() { Register(func() Feature { return &rawFeature{hashRecipe: "openbmp"} }) }

func (f *rawFeature) Name() string { return "bmp-raw" }

func (f *rawFeature) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&f.enabled, "bmp-raw", false, `also publish every BMP message untouched, behind an OpenBMP v1.7 binary header, to "<prefix>.raw" (Kafka topic / NATS subject; not written by --dump)`)
	fs.StringVar(&f.adminID, "admin-id", "", "collector admin id in raw frames; its MD5 is the collector hash (default: the host name)")
	fs.StringArrayVar(&f.groups, "router-group", nil, "router group in raw frames: NAME for every router, or NAME=PREFIX[,PREFIX…] for routers in those prefixes (longest match wins; repeatable)")
	fs.StringVar(&f.hashRecipe, "bmp-raw-router-hash", f.hashRecipe, "router hash in raw frames: openbmp (OpenBMP v2 / RouteViews: MD5 of the address bytes before the first zero byte), gobmp (MD5 of the address text), or field (MD5 of the 16-byte address field)")
}

func (f *rawFeature) Start(_ context.Context, rt *Runtime) error {
	if !f.enabled {
		return nil
	}
	if err := f.configure(); err != nil {
		return err
	}
	rt.Server.Session.Raw = f.appendRaw
	glog.Infof("feature=bmp-raw event=enabled admin_id=%q router_hash=%s router_groups=%d", f.adminID, f.hashRecipe, len(f.groups))
	return nil
}

func (f *rawFeature) Stop(context.Context) error { return nil }

func (f *rawFeature) configure() error {
	if f.adminID == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("--admin-id not set and no host name: %w", err)
		}
		f.adminID = h
	}
	enc, err := openbmp.NewEncoder(f.adminID)
	if err != nil {
		return fmt.Errorf("--admin-id: %w", err)
	}
	f.enc = enc
	switch f.hashRecipe {
	case "openbmp":
		f.hashOf = openbmp.RouterHashOpenBMP
	case "gobmp":
		f.hashOf = openbmp.RouterHashText
	case "field":
		f.hashOf = openbmp.RouterHashField
	default:
		return fmt.Errorf("--bmp-raw-router-hash %q: want openbmp, gobmp or field", f.hashRecipe)
	}
	for _, g := range f.groups {
		name, list, hasPrefixes := strings.Cut(g, "=")
		if name == "" || len(name) > openbmp.MaxNameLen {
			return fmt.Errorf("--router-group %q: the name must be 1-%d bytes", g, openbmp.MaxNameLen)
		}
		if !hasPrefixes {
			if f.def != "" {
				return fmt.Errorf("--router-group %q: a default group (%q) is already set", g, f.def)
			}
			f.def = name
			continue
		}
		for _, s := range strings.Split(list, ",") {
			p, err := netip.ParsePrefix(strings.TrimSpace(s))
			if err != nil {
				return fmt.Errorf("--router-group %q: %w", g, err)
			}
			f.prefixes = append(f.prefixes, groupPrefix{p.Masked(), name})
		}
	}
	sort.SliceStable(f.prefixes, func(i, j int) bool { return f.prefixes[i].pfx.Bits() > f.prefixes[j].pfx.Bits() })
	return nil
}

// router returns the hash and group of the router at ip.
func (f *rawFeature) router(ip netip.Addr) rawRouter {
	if v, ok := f.cache.Load(ip); ok {
		return v.(rawRouter)
	}
	r := rawRouter{hash: f.hashOf(ip), group: f.def}
	for _, p := range f.prefixes {
		if p.pfx.Contains(ip) {
			r.group = p.name
			break
		}
	}
	if f.cached.Load() < maxRawCache {
		if _, loaded := f.cache.LoadOrStore(ip, r); !loaded {
			f.cached.Add(1)
		}
	}
	return r
}

// appendRaw is session.Config.Raw: the OpenBMP frame of one BMP message.
func (f *rawFeature) appendRaw(dst []byte, router netip.AddrPort, msg []byte, recv time.Time) []byte {
	ip := router.Addr().Unmap()
	r := f.router(ip)
	return f.enc.AppendRaw(dst, r.hash, ip, r.group, recv, msg)
}
