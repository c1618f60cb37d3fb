package metrics

import (
	"net/netip"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/pkg/bmp"
)

// numMsgTypes is the number of message type label values: the seven RFC 7854 types and
// "other".
const numMsgTypes = 8

// msgTypeNames are the values of the type label of bmpstream_bmp_messages_total, indexed
// by BMP message type (index 7 for every other type).
var msgTypeNames = [numMsgTypes]string{
	bmp.MsgRouteMonitoring:  "route_monitoring",
	bmp.MsgStatisticsReport: "statistics_report",
	bmp.MsgPeerDown:         "peer_down",
	bmp.MsgPeerUp:           "peer_up",
	bmp.MsgInitiation:       "initiation",
	bmp.MsgTermination:      "termination",
	bmp.MsgRouteMirroring:   "route_mirroring",
	7:                       "other",
}

// maxSysNameLen bounds the sys_name label value.
const maxSysNameLen = 128

// routerStats are the counters of one router address. open changes only under
// Metrics.mu; the others are updated by the router's taps and read at scrape time.
type routerStats struct {
	addr    netip.Addr
	label   string
	open    atomic.Int64
	total   atomic.Uint64
	msgs    [numMsgTypes]atomic.Uint64
	bytes   atomic.Uint64
	peersUp atomic.Int64
	sysName atomic.Pointer[string]
	idleSeq uint64 // when it last became idle (under Metrics.mu)
}

// acquire returns the counters of addr with one more open connection.
func (m *Metrics) acquire(addr netip.Addr) *routerStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.routers[addr]
	if r == nil {
		r = &routerStats{addr: addr, label: addr.String()}
		m.routers[addr] = r
	} else if r.open.Load() == 0 {
		m.idle--
	}
	r.open.Add(1)
	r.total.Add(1)
	return r
}

// release ends one connection of r; a router left without connections becomes idle and
// the longest idle routers beyond MaxIdleRouters are forgotten.
func (m *Metrics) release(r *routerStats) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r.open.Add(-1) > 0 {
		return
	}
	m.idleSeq++
	r.idleSeq = m.idleSeq
	m.idle++
	for m.idle > max(m.opts.MaxIdleRouters, 0) {
		var oldest *routerStats
		for _, x := range m.routers {
			if x.open.Load() == 0 && (oldest == nil || x.idleSeq < oldest.idleSeq) {
				oldest = x
			}
		}
		if oldest == nil {
			break
		}
		delete(m.routers, oldest.addr)
		m.idle--
		m.forgotten++
	}
}

// routerTap counts one connection's messages. Its methods run on the session's reader.
type routerTap struct {
	m *Metrics
	r *routerStats
	// peers are the peers up on this connection (a repeated Peer Up or Peer Down
	// changes nothing).
	peers session.PeerSet
}

func (t *routerTap) Message(msg []byte) {
	if len(msg) < bmp.CommonHeaderLen {
		return
	}
	typ := msg[5]
	if typ >= numMsgTypes-1 {
		typ = numMsgTypes - 1
	}
	t.r.msgs[typ].Add(1)
	t.r.bytes.Add(uint64(len(msg)))
	switch typ {
	case bmp.MsgPeerUp, bmp.MsgPeerDown:
		if d := t.peers.Message(msg); d != 0 {
			t.r.peersUp.Add(int64(d))
		}
	case bmp.MsgInitiation:
		if name, ok := sysName(msg); ok {
			t.r.sysName.Store(&name)
		}
	}
}

// Close removes the connection's peers from the router's count and releases the router.
func (t *routerTap) Close() {
	t.r.peersUp.Add(-int64(t.peers.Len()))
	t.peers = session.PeerSet{}
	t.m.release(t.r)
}

// sysName returns the sysName TLV of an Initiation message, made fit for a label value.
func sysName(msg []byte) (string, bool) {
	var m bmp.Message
	if err := m.Decode(msg); err != nil || m.Header.Type != bmp.MsgInitiation {
		return "", false
	}
	v, ok := bmp.LookupTLV(m.Initiation.TLVs, bmp.InfoSysName)
	if !ok {
		return "", false
	}
	s := strings.ToValidUTF8(string(v), "\uFFFD")
	if len(s) > maxSysNameLen {
		cut := maxSysNameLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s, true
}
