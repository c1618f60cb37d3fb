package ribhttp

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/bmpstream/bmpstream/internal/rib"
	"github.com/bmpstream/bmpstream/pkg/record"
	ribapiv1 "github.com/bmpstream/bmpstream/pkg/ribapi/v1"
	"github.com/bmpstream/bmpstream/pkg/ribapi/v1/ribapiv1connect"
)

func announce(peer string, pfx string, asPath []uint32, del bool) *record.UnicastPrefix {
	p := netip.MustParsePrefix(pfx)
	u := &record.UnicastPrefix{
		RouterFields: record.RouterFields{RouterHash: "rh1", RouterIP: netip.MustParseAddr("127.0.0.1")},
		PeerFields: record.PeerFields{PeerHash: "ph" + peer, PeerIP: netip.MustParseAddr("10.0.0." + peer), PeerASN: 65000,
			CollectorTimestamp: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		IsIPv4: p.Addr().Is4(),
	}
	u.SetPrefix(p)
	if del {
		u.Action = record.ActionDel
		return u
	}
	u.Action = record.ActionAdd
	ba := &record.BaseAttrs{Origin: "igp", ASPath: asPath, Communities: []record.Community{65000<<16 | 1}}
	ba.SetASPathCount(len(asPath))
	ba.SetLocalPref(100)
	u.BaseAttrs = ba
	u.Nexthop = netip.MustParseAddr("192.0.2.254")
	return u
}

func newServer(t *testing.T, token string) (*rib.Table, *httptest.Server) {
	tb := rib.New(rib.Config{})
	for _, r := range []*record.UnicastPrefix{
		announce("1", "192.0.2.0/24", []uint32{65001, 64500}, false),
		announce("1", "192.0.2.128/25", []uint32{65001, 64501}, false),
		announce("2", "192.0.2.0/24", []uint32{65002, 64500}, false),
		announce("2", "192.0.0.0/16", []uint32{65002}, false),
		announce("2", "2001:db8::/32", []uint32{65002, 64502}, false),
	} {
		tb.Apply(r)
	}
	s := httptest.NewUnstartedServer(Handler(tb, Options{Token: token}))
	s.EnableHTTP2 = true
	s.StartTLS()
	t.Cleanup(s.Close)
	return tb, s
}

func prefixes(rs []*ribapiv1.Route) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.PeerIp+" "+r.Prefix)
	}
	return out
}

// TestRPCMatches queries over gRPC and the Connect protocol and compares with the table.
func TestRPCMatches(t *testing.T) {
	tb, s := newServer(t, "")
	for _, opts := range [][]connect.ClientOption{{connect.WithGRPC()}, {connect.WithProtoJSON()}, {connect.WithGRPCWeb()}} {
		c := ribapiv1connect.NewRIBServiceClient(s.Client(), s.URL, opts...)
		for _, tc := range []struct {
			prefix, match string
			want          []string
		}{
			{"192.0.2.0/24", "exact", []string{"10.0.0.1 192.0.2.0/24", "10.0.0.2 192.0.2.0/24"}},
			{"192.0.2.200", "", []string{"10.0.0.1 192.0.2.128/25", "10.0.0.2 192.0.2.0/24"}},
			{"192.0.2.0/24", "more-specific", []string{"10.0.0.1 192.0.2.0/24", "10.0.0.1 192.0.2.128/25", "10.0.0.2 192.0.2.0/24"}},
			{"192.0.2.0/24", "less-specific", []string{"10.0.0.1 192.0.2.0/24", "10.0.0.2 192.0.0.0/16", "10.0.0.2 192.0.2.0/24"}},
			{"2001:db8:1::/48", "longest", []string{"10.0.0.2 2001:db8::/32"}},
		} {
			res, err := c.ListRoutes(context.Background(), connect.NewRequest(&ribapiv1.ListRoutesRequest{Filter: &ribapiv1.RouteFilter{Prefix: tc.prefix, Match: tc.match}}))
			if err != nil {
				t.Fatal(err)
			}
			got := prefixes(res.Msg.Routes)
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("%v %s %s: %v, want %v", opts, tc.prefix, tc.match, got, tc.want)
			}
		}
		r, err := c.ListRoutes(context.Background(), connect.NewRequest(&ribapiv1.ListRoutesRequest{Filter: &ribapiv1.RouteFilter{Prefix: "192.0.2.128/25"}}))
		if err != nil || len(r.Msg.Routes) != 1 {
			t.Fatal(r, err)
		}
		rt := r.Msg.Routes[0]
		if rt.Nexthop != "192.0.2.254" || !slices.Equal(rt.AsPath, []uint32{65001, 64501}) || rt.OriginAs != 64501 || rt.GetLocalPref() != 100 ||
			!slices.Equal(rt.Communities, []string{"65000:1"}) || rt.View != "adj-in-pre" || rt.Family != "ipv4-unicast" || rt.Since.AsTime().Year() != 2026 {
			t.Errorf("route %v", rt)
		}
		n, err := c.CountRoutes(context.Background(), connect.NewRequest(&ribapiv1.CountRoutesRequest{Filter: &ribapiv1.RouteFilter{OriginAs: 64500}}))
		if err != nil || n.Msg.Count != 2 {
			t.Errorf("count origin 64500: %v %v", n, err)
		}
		peers, err := c.ListPeers(context.Background(), connect.NewRequest(&ribapiv1.ListPeersRequest{Router: "127.0.0.1"}))
		if err != nil || len(peers.Msg.Peers) != 2 || peers.Msg.Peers[1].Counts[0].Paths != 2 || peers.Msg.Peers[1].Counts[1].Family != "ipv6-unicast" {
			t.Errorf("peers %v %v", peers, err)
		}
		// pagination: pages of 2 give the whole answer once
		var all []string
		tok := ""
		for i := 0; ; i++ {
			res, err := c.ListRoutes(context.Background(), connect.NewRequest(&ribapiv1.ListRoutesRequest{PageSize: 2, PageToken: tok}))
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, prefixes(res.Msg.Routes)...)
			if tok = res.Msg.NextPageToken; tok == "" {
				break
			}
		}
		if n, _ := tb.Count(rib.Query{}); len(all) != n || n != 5 {
			t.Errorf("paged %v, table has %d", all, n)
		}
	}
}

func post(t *testing.T, s *httptest.Server, method, body, token string) (int, string) {
	req, _ := http.NewRequest("POST", s.URL+"/bmpstream.rib.v1.RIBService/"+method, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestHTTPJSON: plain JSON POSTs (what curl sends), bad queries are 400 with a message,
// and the token is enforced.
func TestHTTPJSON(t *testing.T) {
	_, s := newServer(t, "s3cret")
	if code, _ := post(t, s, "ListRoutes", `{}`, ""); code != 401 {
		t.Errorf("without token: %d", code)
	}
	if code, _ := post(t, s, "ListRoutes", `{}`, "wrong"); code != 401 {
		t.Errorf("wrong token: %d", code)
	}
	code, body := post(t, s, "ListRoutes", `{"filter":{"prefix":"192.0.2.0/24","match":"more-specific","views":["adj-in-pre"]},"pageSize":10}`, "s3cret")
	var res struct {
		Routes []struct {
			Prefix string   `json:"prefix"`
			AsPath []uint32 `json:"asPath"`
		} `json:"routes"`
	}
	if err := json.Unmarshal([]byte(body), &res); code != 200 || err != nil || len(res.Routes) != 3 {
		t.Fatalf("%d %s", code, body)
	}
	for _, tc := range []struct{ body, want string }{
		{`{"filter":{"prefix":"192.0.2.300/24"}}`, "neither a prefix nor an address"},
		{`{"filter":{"views":["adj-rib-sideways"]}}`, "unknown view"},
		{`{"pageSize":10001}`, "over the limit"},
		{`{"filter":{"match":"longest"}}`, "needs a prefix"},
		{`{"filter":{"match":"nearest","prefix":"10.0.0.0/8"}}`, "want exact"},
		{`{"filter":{"community":"1:2:3:4"}}`, "community"},
		{`{"pageToken":"zzz"}`, "page_token"},
	} {
		code, body := post(t, s, "ListRoutes", tc.body, "s3cret")
		if code != 400 || !strings.Contains(body, tc.want) || !strings.Contains(body, "invalid_argument") {
			t.Errorf("%s: %d %s", tc.body, code, body)
		}
	}
}

// TestWatch: the gRPC stream and the SSE stream both see an announcement and a
// withdrawal of the watched prefix, and nothing else.
func TestWatch(t *testing.T) {
	tb, s := newServer(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := ribapiv1connect.NewRIBServiceClient(s.Client(), s.URL, connect.WithGRPC())
	st, err := c.Watch(ctx, connect.NewRequest(&ribapiv1.WatchRequest{Prefix: "192.0.2.0/24"}))
	if err != nil {
		t.Fatal(err)
	}
	if !st.Receive() || st.Msg().Action != "" { // subscribed
		t.Fatal(st.Err())
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/api/watch?prefix=192.0.2.0/24", nil)
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(res.Body)
	next := func() string {
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "event: ") {
				sc.Scan()
				return strings.TrimPrefix(l, "event: ") + " " + strings.TrimPrefix(sc.Text(), "data: ")
			}
		}
		return "EOF"
	}
	if e := next(); e != "ready {}" {
		t.Fatal(e)
	}
	tb.Apply(announce("1", "198.51.100.0/24", []uint32{1}, false)) // not watched
	tb.Apply(announce("1", "192.0.2.64/26", []uint32{65001, 64999}, false))
	tb.Apply(announce("1", "192.0.2.64/26", nil, true))
	var got []string
	for i := 0; i < 2 && st.Receive(); i++ {
		got = append(got, st.Msg().Action+" "+st.Msg().Route.Prefix+" "+fmt.Sprint(st.Msg().Route.AsPath))
	}
	if !slices.Equal(got, []string{"add 192.0.2.64/26 [65001 64999]", "del 192.0.2.64/26 [65001 64999]"}) {
		t.Errorf("grpc watch: %v", got)
	}
	for _, want := range []string{`"action":"add"`, `"action":"del"`} {
		if e := next(); !strings.HasPrefix(e, "change ") || !strings.Contains(e, want) || !strings.Contains(e, `"prefix":"192.0.2.64/26"`) {
			t.Errorf("sse: %s, want %s", e, want)
		}
	}
	if code, _ := func() (int, error) {
		r, err := s.Client().Get(s.URL + "/api/watch?prefix=nope")
		if err != nil {
			return 0, err
		}
		r.Body.Close()
		return r.StatusCode, nil
	}(); code != 400 {
		t.Errorf("bad watch prefix: %d", code)
	}
}
