// Package ribhttp serves a rib.Table over HTTP: the RIBService of schemas/ribapi (gRPC,
// gRPC-Web and Connect HTTP/JSON from one connectrpc handler), a Server-Sent Events watch
// stream for browsers, and the embedded looking-glass page, behind an optional bearer
// token.
package ribhttp

import (
	"context"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/bmpstream/bmpstream/internal/rib"
	"github.com/bmpstream/bmpstream/pkg/record"
	ribapiv1 "github.com/bmpstream/bmpstream/pkg/ribapi/v1"
	"github.com/bmpstream/bmpstream/pkg/ribapi/v1/ribapiv1connect"
)

//go:embed web
var web embed.FS

// Options configure the handler.
type Options struct {
	// Token, when not empty, is required as "Authorization: Bearer <token>" (or, for the
	// browser's EventSource, an access_token query parameter) on every API call.
	Token string
	// WatchBuffer is the number of changes a watcher may lag behind before its stream is
	// ended (default 4096).
	WatchBuffer int
}

type service struct {
	t    *rib.Table
	opts Options
}

// Handler returns the HTTP handler of the API, the watch stream and the page.
func Handler(t *rib.Table, opts Options) http.Handler {
	if opts.WatchBuffer <= 0 {
		opts.WatchBuffer = 4096
	}
	s := &service{t: t, opts: opts}
	mux := http.NewServeMux()
	path, h := ribapiv1connect.NewRIBServiceHandler(s, connect.WithCompressMinBytes(1024))
	mux.Handle(path, s.auth(h))
	mux.Handle("/api/watch", s.auth(http.HandlerFunc(s.sse)))
	sub, _ := fs.Sub(web, "web")
	mux.Handle("/", http.FileServer(http.FS(sub)))
	return mux
}

func (s *service) auth(h http.Handler) http.Handler {
	if s.opts.Token == "" {
		return h
	}
	want := []byte(s.opts.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if got == "" {
			got = r.URL.Query().Get("access_token")
		}
		if subtle.ConstantTimeCompare([]byte(got), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="bmpstream"`)
			http.Error(w, "missing or wrong bearer token", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func bad(format string, args ...any) error {
	return connect.NewError(connect.CodeInvalidArgument, fmt.Errorf(format, args...))
}

func (s *service) ListRouters(_ context.Context, _ *connect.Request[ribapiv1.ListRoutersRequest]) (*connect.Response[ribapiv1.ListRoutersResponse], error) {
	out := &ribapiv1.ListRoutersResponse{}
	for _, r := range s.t.Routers() {
		pr := &ribapiv1.Router{Hash: r.Hash, Ip: r.IP.String(), Name: r.Name, Up: r.Up, Peers: uint32(r.Peers),
			Paths: uint64(r.Paths), Incomplete: r.Incomplete, Dropped: r.Dropped}
		if !r.Since.IsZero() {
			pr.Since = timestamppb.New(r.Since)
		}
		out.Routers = append(out.Routers, pr)
	}
	return connect.NewResponse(out), nil
}

func (s *service) ListPeers(_ context.Context, req *connect.Request[ribapiv1.ListPeersRequest]) (*connect.Response[ribapiv1.ListPeersResponse], error) {
	out := &ribapiv1.ListPeersResponse{}
	for _, p := range s.t.Peers(req.Msg.Router) {
		pp := &ribapiv1.Peer{RouterHash: p.RouterHash, RouterIp: p.RouterIP.String(), Hash: p.Hash, Ip: addr(p.IP), Asn: p.ASN,
			BgpId: addr(p.BGPID), Rd: p.RD, Type: uint32(p.Type), State: p.State.String()}
		if !p.Since.IsZero() {
			pp.Since = timestamppb.New(p.Since)
		}
		for _, c := range p.Counts {
			pp.Counts = append(pp.Counts, &ribapiv1.TableCount{View: c.View.String(), TableName: c.Table, Family: c.Family.String(),
				Paths: uint64(c.Paths), EndOfRib: c.EOR})
		}
		out.Peers = append(out.Peers, pp)
	}
	return connect.NewResponse(out), nil
}

func addr(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// query converts a filter; errors are INVALID_ARGUMENT (HTTP 400).
func query(f *ribapiv1.RouteFilter) (rib.Query, error) {
	var q rib.Query
	if f == nil {
		return q, nil
	}
	q.Router, q.Peer, q.OriginAS, q.ASInPath = f.Router, f.Peer, f.OriginAs, f.AsInPath
	addrOnly := false
	if f.Prefix != "" {
		p, err := netip.ParsePrefix(f.Prefix)
		if err != nil {
			a, err2 := netip.ParseAddr(f.Prefix)
			if err2 != nil {
				return q, bad("prefix %q is neither a prefix nor an address", f.Prefix)
			}
			p, addrOnly = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), true
		}
		q.Prefix = p.Masked()
	}
	switch {
	case f.Match != "":
		m, ok := rib.ParseMatch(f.Match)
		if !ok || m == rib.MatchAll {
			return q, bad("match %q: want exact, longest, more-specific or less-specific", f.Match)
		}
		if !q.Prefix.IsValid() {
			return q, bad("match %q needs a prefix", f.Match)
		}
		q.Match = m
	case addrOnly:
		q.Match = rib.MatchLongest
	case q.Prefix.IsValid():
		q.Match = rib.MatchExact
	}
	for _, v := range f.Views {
		view, ok := rib.ParseView(v)
		if !ok {
			return q, bad("unknown view %q: want adj-in-pre, adj-in-post, adj-out-pre, adj-out-post or loc-rib", v)
		}
		q.Views = append(q.Views, view)
	}
	for _, fa := range f.Families {
		fam, ok := rib.ParseFamily(fa)
		if !ok {
			return q, bad("unknown family %q", fa)
		}
		q.Families = append(q.Families, fam)
	}
	if f.Community != "" {
		var c record.Community
		if err := c.UnmarshalText([]byte(f.Community)); err != nil || strings.Count(f.Community, ":") != 1 {
			return q, bad("community %q: want <asn>:<value>", f.Community)
		}
		q.Community = &c
	}
	if f.LargeCommunity != "" {
		var c record.LargeCommunity
		if err := c.UnmarshalText([]byte(f.LargeCommunity)); err != nil || strings.Count(f.LargeCommunity, ":") != 2 {
			return q, bad("large community %q: want <global>:<local1>:<local2>", f.LargeCommunity)
		}
		q.Large = &c
	}
	return q, nil
}

func (s *service) ListRoutes(_ context.Context, req *connect.Request[ribapiv1.ListRoutesRequest]) (*connect.Response[ribapiv1.ListRoutesResponse], error) {
	q, err := query(req.Msg.Filter)
	if err != nil {
		return nil, err
	}
	if req.Msg.PageSize > rib.MaxLimit {
		return nil, bad("page_size %d over the limit %d", req.Msg.PageSize, rib.MaxLimit)
	}
	q.Limit = int(req.Msg.PageSize)
	if tok := req.Msg.PageToken; tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "o"))
		if err != nil || err2 != nil || n < 0 || !strings.HasPrefix(string(b), "o") {
			return nil, bad("page_token %q is not one this server gave", tok)
		}
		q.Offset = n
	}
	routes, more, err := s.t.Routes(q)
	if err != nil {
		return nil, connectErr(err)
	}
	out := &ribapiv1.ListRoutesResponse{Routes: make([]*ribapiv1.Route, 0, len(routes))}
	for i := range routes {
		out.Routes = append(out.Routes, convRoute(&routes[i]))
	}
	if more {
		out.NextPageToken = base64.RawURLEncoding.EncodeToString([]byte("o" + strconv.Itoa(q.Offset+len(routes))))
	}
	return connect.NewResponse(out), nil
}

func connectErr(err error) error {
	if errors.Is(err, rib.ErrBadQuery) {
		return connect.NewError(connect.CodeInvalidArgument, err)
	}
	return connect.NewError(connect.CodeInternal, err)
}

func (s *service) CountRoutes(_ context.Context, req *connect.Request[ribapiv1.CountRoutesRequest]) (*connect.Response[ribapiv1.CountRoutesResponse], error) {
	q, err := query(req.Msg.Filter)
	if err != nil {
		return nil, err
	}
	n, err := s.t.Count(q)
	if err != nil {
		return nil, connectErr(err)
	}
	return connect.NewResponse(&ribapiv1.CountRoutesResponse{Count: uint64(n)}), nil
}

func convRoute(r *rib.Route) *ribapiv1.Route {
	a := r.Attrs
	out := &ribapiv1.Route{RouterHash: r.RouterHash, RouterIp: r.RouterIP.String(), RouterName: r.RouterName, PeerHash: r.Peer.Hash,
		PeerIp: addr(r.Peer.IP), PeerAsn: r.Peer.ASN, View: r.View.String(), TableName: r.Table, Family: r.Family.String(), Rd: r.RD,
		Evpn: r.EVPN, PathId: r.PathID, Nexthop: addr(a.Nexthop), AsPath: a.ASPath, OriginAs: a.OriginAS, Attributes: a.JSON,
		LocalPref: a.LocalPref, Med: a.MED, Best: r.View == rib.LocRIB}
	if r.Prefix.IsValid() {
		out.Prefix = r.Prefix.String()
	}
	if !r.Since.IsZero() {
		out.Since = timestamppb.New(r.Since)
	}
	for _, c := range a.Communities {
		b, _ := c.MarshalText()
		out.Communities = append(out.Communities, string(b))
	}
	for _, c := range a.Large {
		b, _ := c.MarshalText()
		out.LargeCommunities = append(out.LargeCommunities, string(b))
	}
	return out
}

func convChange(c *rib.Change) *ribapiv1.RouteChange {
	r := rib.Route{RouterHash: c.RouterHash, RouterIP: c.RouterIP, View: c.View, Table: c.Table, Family: c.Family, RD: c.RD,
		Prefix: c.Prefix, EVPN: c.EVPN, PathID: c.PathID, Attrs: c.Attrs, Since: c.Time}
	r.Peer.Hash, r.Peer.IP, r.Peer.ASN = c.Peer.Hash, c.Peer.IP, c.Peer.ASN
	action := record.ActionAdd
	if c.Del {
		action = record.ActionDel
	}
	return &ribapiv1.RouteChange{Action: action, Synthesized: c.Synthesized, Route: convRoute(&r)}
}

func watchFilter(prefix, router, peer string) (rib.WatchFilter, error) {
	f := rib.WatchFilter{RouterHash: router, PeerHash: peer}
	if prefix != "" {
		p, err := netip.ParsePrefix(prefix)
		if err != nil {
			a, err2 := netip.ParseAddr(prefix)
			if err2 != nil {
				return f, bad("prefix %q is neither a prefix nor an address", prefix)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		f.Prefix = p.Masked()
	}
	return f, nil
}

func (s *service) Watch(ctx context.Context, req *connect.Request[ribapiv1.WatchRequest], st *connect.ServerStream[ribapiv1.RouteChange]) error {
	f, err := watchFilter(req.Msg.Prefix, req.Msg.Router, req.Msg.Peer)
	if err != nil {
		return err
	}
	w := s.t.Watch(f, s.opts.WatchBuffer)
	defer w.Close()
	// an empty message tells the client the subscription is in place
	if err := st.Send(&ribapiv1.RouteChange{}); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case c, ok := <-w.C:
			if !ok {
				return connect.NewError(connect.CodeResourceExhausted, errors.New("watcher fell behind; resubscribe and re-read the table"))
			}
			if err := st.Send(convChange(&c)); err != nil {
				return err
			}
		}
	}
}

// sse serves /api/watch?prefix=…&router=…&peer=… as Server-Sent Events: one "change"
// event per change (the RouteChange as JSON), a "ready" event once subscribed, and a
// "lagged" event before closing a stream that fell behind.
func (s *service) sse(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := watchFilter(q.Get("prefix"), q.Get("router"), q.Get("peer"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	sub := s.t.Watch(f, s.opts.WatchBuffer)
	defer sub.Close()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprint(w, "event: ready\ndata: {}\n\n")
	fl.Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case c, ok := <-sub.C:
			if !ok {
				fmt.Fprint(w, "event: lagged\ndata: {}\n\n")
				fl.Flush()
				return
			}
			b, _ := protojson.Marshal(convChange(&c))
			fmt.Fprintf(w, "event: change\ndata: %s\n\n", b)
			fl.Flush()
		}
	}
}
