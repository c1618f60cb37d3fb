package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	gobgp "github.com/osrg/gobgp/v4/pkg/server"
)

// Addresses and identities of the lab. The DUT's BMP client reaches the collector from
// routerAddr. Over IPv4, the DUT listens for BGP on 127.0.0.1 and the injector dials it
// from 127.0.0.2 (every 127/8 address answers on Linux's lo); over IPv6 both use ::1.
const (
	routerAddr       = "127.0.0.1"
	dutAddr, injAddr = "127.0.0.1", "127.0.0.2"
	loopback6        = "::1"
	dutASN, injASN   = 65001, 65002
	dutID, injID     = "192.0.2.1", "192.0.2.2"
	nextHop6         = "2001:db8:ffff::2"
)

// startSpeaker starts a GoBGP server. GOBGP_LOG=1 sends its debug log to stderr (it
// logs to io.Discard by default). port -1 means no listener.
func startSpeaker(t *testing.T, asn uint32, id string, port int32, listen []string) *gobgp.BgpServer {
	t.Helper()
	var opts []gobgp.ServerOption
	if os.Getenv("GOBGP_LOG") != "" {
		lvl := new(slog.LevelVar)
		lvl.Set(slog.LevelDebug)
		h := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl})
		opts = append(opts, gobgp.LoggerOption(slog.New(h).With("router", id), lvl))
	}
	s := gobgp.NewBgpServer(opts...)
	go s.Serve()
	err := s.StartBgp(context.Background(), &api.StartBgpRequest{Global: &api.Global{
		Asn: asn, RouterId: id, ListenPort: port, ListenAddresses: listen}})
	if err != nil {
		s.Stop()
		t.Fatalf("StartBgp AS%d: %v", asn, err)
	}
	return s
}

// freePort returns a TCP port of addr that was free a moment ago: GoBGP's ListenPort 0
// means 179, so a port is borrowed from the kernel.
func freePort(t *testing.T, addr string) int32 {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return int32(l.Addr().(*net.TCPAddr).Port)
}

func apiFamily(f bgp.Family) *api.Family { return apiutil.ToApiFamily(f.Afi(), f.Safi()) }

// neighbor is a neighbour configuration for families fs. ConnectRetry 1 makes a refused
// first dial retry after about 2 s instead of GoBGP's default 120 s.
func neighbor(addr string, asn uint32, tr *api.Transport, fs ...bgp.Family) *api.Peer {
	p := &api.Peer{
		Conf:      &api.PeerConf{NeighborAddress: addr, PeerAsn: asn},
		Transport: tr,
		Timers:    &api.Timers{Config: &api.TimersConfig{ConnectRetry: 1}},
	}
	for _, f := range fs {
		p.AfiSafis = append(p.AfiSafis, &api.AfiSafi{Config: &api.AfiSafiConfig{Family: apiFamily(f), Enabled: true}})
	}
	return p
}

// established reports whether s's neighbour addr is Established as s's route propagation
// sees it (ListPeer reads the stored FSM state, which WatchEvent announces earlier).
func established(t *testing.T, s *gobgp.BgpServer, addr string) bool {
	t.Helper()
	up := false
	err := s.ListPeer(context.Background(), &api.ListPeerRequest{Address: addr}, func(p *api.Peer) {
		up = p.State.SessionState == api.PeerState_SESSION_STATE_ESTABLISHED
	})
	if err != nil {
		t.Fatal(err)
	}
	return up
}

// ribSize is the number of destinations of family f in s's global RIB.
func ribSize(t *testing.T, s *gobgp.BgpServer, f bgp.Family) int {
	t.Helper()
	r, err := s.GetTable(context.Background(), &api.GetTableRequest{
		TableType: api.TableType_TABLE_TYPE_GLOBAL, Family: apiFamily(f)})
	if err != nil {
		t.Fatal(err)
	}
	return int(r.NumDestination)
}

// sessionStates subscribes to the state changes of s's neighbours. The callback never
// blocks GoBGP's watcher goroutine; cancel the context to end the watcher.
func sessionStates(t *testing.T, ctx context.Context, s *gobgp.BgpServer) <-chan bgp.FSMState {
	t.Helper()
	ch := make(chan bgp.FSMState, 64)
	err := s.WatchEvent(ctx, gobgp.WatchEventMessageCallbacks{
		OnPeerUpdate: func(ev *apiutil.WatchEventMessage_PeerEvent, _ time.Time) {
			if ev.Type != apiutil.PEER_EVENT_STATE {
				return
			}
			select {
			case ch <- ev.Peer.State.SessionState:
			default:
			}
		}}, gobgp.WatchPeer())
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// waitState reads states until one satisfies ok, for at most d.
func waitState(t *testing.T, d time.Duration, states <-chan bgp.FSMState, what string, ok func(bgp.FSMState) bool) {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case s := <-states:
			if ok(s) {
				return
			}
		case <-timeout:
			t.Fatalf("timed out after %v waiting for the BGP session to be %s", d, what)
		}
	}
}

// route is one injected route and what the test expects the collector to report for it.
type route struct {
	family      bgp.Family
	prefix      netip.Prefix
	label       uint32 // labelled unicast only
	nexthop     netip.Addr
	origin      uint8
	med         uint32
	communities []uint32
	large       [3]uint32
	tagged      bool // matched by the DUT's import policy
	withdrawn   bool // withdrawn by the injector before the session goes down
}

// asPath is the AS_PATH of every injected route: a 2-byte and a 4-byte ASN, so the
// injector must send it as a 4-byte AS_PATH (both speakers negotiate 4-octet ASNs).
var asPath = []uint32{64500, 4200000001}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// path builds the GoBGP path of r. GoBGP wants the next hop as NEXT_HOP for IPv4 unicast
// and inside MP_REACH_NLRI for every other family.
func (r *route) path() *apiutil.Path {
	var nlri bgp.NLRI
	if r.family == bgp.RF_IPv4_MPLS {
		nlri = must(bgp.NewLabeledIPAddrPrefix(r.prefix, *bgp.NewMPLSLabelStack(r.label)))
	} else {
		nlri = must(bgp.NewIPAddrPrefix(r.prefix))
	}
	large := bgp.NewLargeCommunity(r.large[0], r.large[1], r.large[2])
	attrs := []bgp.PathAttributeInterface{
		bgp.NewPathAttributeOrigin(r.origin),
		bgp.NewPathAttributeAsPath([]bgp.AsPathParamInterface{bgp.NewAs4PathParam(bgp.BGP_ASPATH_ATTR_TYPE_SEQ, asPath)}),
		bgp.NewPathAttributeMultiExitDisc(r.med),
		bgp.NewPathAttributeCommunities(r.communities),
		bgp.NewPathAttributeLargeCommunities([]*bgp.LargeCommunity{large}),
	}
	if r.family == bgp.RF_IPv4_UC {
		attrs = append(attrs, must(bgp.NewPathAttributeNextHop(r.nexthop)))
	} else {
		attrs = append(attrs, must(bgp.NewPathAttributeMpReachNLRI(r.family, []bgp.PathNLRI{{NLRI: nlri}}, r.nexthop)))
	}
	return &apiutil.Path{Family: r.family, Nlri: nlri, Attrs: attrs, Age: time.Now().Unix()}
}

func (r *route) key() string { return fmt.Sprintf("%s/%d", r.prefix.Addr(), r.prefix.Bits()) }

func paths(rs []*route, match func(*route) bool) []*apiutil.Path {
	var out []*apiutil.Path
	for _, r := range rs {
		if match(r) {
			out = append(out, r.path())
		}
	}
	return out
}

func all(*route) bool { return true }
