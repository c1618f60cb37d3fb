// Package guard decides which router connections the collector serves, as the server's
// Config.Admit hook: an allow list of prefixes, limits on concurrent connections (in total
// and per router address), a bound on the kernel receive buffer of each connection, and
// the TLS handshake (with a timeout) of connections accepted on a TLS listener. Refused
// connections are counted by the server under the returned reason and logged here, at
// most once per router address and reason per LogInterval.
package guard

import (
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/golang/glog"

	"github.com/bmpstream/bmpstream/internal/server"
)

// Config configures a Guard. The zero value admits everything and changes nothing.
type Config struct {
	// Allowed lists the prefixes routers may connect from; empty: any address.
	Allowed []netip.Prefix
	// MaxConnections bounds the accepted connections open at once; 0: no limit.
	MaxConnections int
	// MaxPerIP bounds the accepted connections open at once from one address; 0: no limit.
	MaxPerIP int
	// ReceiveBuffer bounds the kernel receive buffer of each connection, in bytes (as the
	// kernel accounts it, bookkeeping included); 0: leave the kernel's autotuning alone.
	ReceiveBuffer int
	// HandshakeTimeout bounds the TLS handshake of a TLS connection (default 10 s).
	HandshakeTimeout time.Duration
	// LogInterval is the least time between two log lines for the same router address
	// and refusal reason (default 1 min); the lines in between are counted as suppressed.
	LogInterval time.Duration
}

// Dialled is implemented by connections the collector dialled itself (active mode): the
// allow list and the connection limits, which protect the listeners, do not apply to them.
type Dialled interface{ Dialled() bool }

// Guard admits or refuses connections; it is safe for concurrent use.
type Guard struct {
	cfg    Config
	rcvbuf int // SO_RCVBUF to set (0: none)
	log    *logLimiter

	mu    sync.Mutex
	total int
	perIP map[netip.Addr]int
}

// New returns a Guard for cfg.
func New(cfg Config) *Guard {
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = 10 * time.Second
	}
	if cfg.LogInterval <= 0 {
		cfg.LogInterval = time.Minute
	}
	g := &Guard{cfg: cfg, perIP: make(map[netip.Addr]int), log: newLogLimiter(cfg.LogInterval, 4096)}
	g.rcvbuf = receiveBufferSetting(cfg.ReceiveBuffer, autotuneMax())
	return g
}

// Admit is a server.Config.Admit hook. Checks run cheapest first: allow list, connection
// limits, then the TLS handshake of a *tls.Conn.
func (g *Guard) Admit(conn net.Conn) (net.Conn, string) {
	ip := RemoteIP(conn)
	d, dialled := conn.(Dialled)
	dialled = dialled && d.Dialled()
	if !dialled && !g.Allowed(ip) {
		g.refused(ip, server.RefuseNotAllowed, "")
		return nil, server.RefuseNotAllowed
	}
	counted := false
	if !dialled && (g.cfg.MaxConnections > 0 || g.cfg.MaxPerIP > 0) {
		if reason := g.acquire(ip); reason != "" {
			g.refused(ip, reason, "")
			return nil, reason
		}
		counted = true
	}
	if g.rcvbuf > 0 {
		if err := setReceiveBuffer(conn, g.rcvbuf); err != nil {
			glog.Warningf("router=%s event=receive_buffer_not_set err=%q", ip, err)
		}
	}
	if tc, ok := conn.(*tls.Conn); ok {
		ctx, cancel := context.WithTimeout(context.Background(), g.cfg.HandshakeTimeout)
		err := tc.HandshakeContext(ctx)
		cancel()
		if err != nil {
			if counted {
				g.release(ip)
			}
			g.refused(ip, server.RefuseTLSHandshake, err.Error())
			return nil, server.RefuseTLSHandshake
		}
		st := tc.ConnectionState()
		client := ""
		if len(st.PeerCertificates) > 0 {
			client = st.PeerCertificates[0].Subject.String()
		}
		glog.Infof("router=%s event=tls_established version=%q cipher=%s client=%q",
			ip, tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite), client)
	}
	if counted {
		return &countedConn{Conn: conn, release: func() { g.release(ip) }}, ""
	}
	return conn, ""
}

// Allowed tells whether ip may connect.
func (g *Guard) Allowed(ip netip.Addr) bool {
	if len(g.cfg.Allowed) == 0 {
		return true
	}
	for _, p := range g.cfg.Allowed {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Open returns the number of accepted connections currently counted against the limits.
func (g *Guard) Open() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.total
}

func (g *Guard) acquire(ip netip.Addr) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cfg.MaxConnections > 0 && g.total >= g.cfg.MaxConnections {
		return server.RefuseMaxConnections
	}
	if g.cfg.MaxPerIP > 0 && g.perIP[ip] >= g.cfg.MaxPerIP {
		return server.RefuseMaxPerIP
	}
	g.total++
	g.perIP[ip]++
	return ""
}

func (g *Guard) release(ip netip.Addr) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.total--
	if g.perIP[ip]--; g.perIP[ip] <= 0 {
		delete(g.perIP, ip)
	}
}

func (g *Guard) refused(ip netip.Addr, reason, detail string) {
	line, ok := g.log.allow(ip.String()+" "+reason, time.Now())
	if !ok {
		return
	}
	if detail != "" {
		glog.Warningf("router=%s event=refused reason=%s%s err=%q", ip, reason, line, detail)
	} else {
		glog.Warningf("router=%s event=refused reason=%s%s", ip, reason, line)
	}
}

// countedConn releases its connection-limit slot when closed (the server closes the
// admitted connection when the session ends).
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

// NetConn returns the wrapped connection.
func (c *countedConn) NetConn() net.Conn { return c.Conn }

// RemoteIP is the connection's remote address, IPv4-mapped IPv6 addresses unmapped.
func RemoteIP(c net.Conn) netip.Addr {
	if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return ta.AddrPort().Addr().Unmap()
	}
	ap, _ := netip.ParseAddrPort(c.RemoteAddr().String())
	return ap.Addr().Unmap()
}

// tcpConn finds the *net.TCPConn under wrappers that expose NetConn (tls.Conn and ours).
func tcpConn(c net.Conn) *net.TCPConn {
	for i := 0; i < 8 && c != nil; i++ {
		if tc, ok := c.(*net.TCPConn); ok {
			return tc
		}
		u, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			return nil
		}
		c = u.NetConn()
	}
	return nil
}

// setReceiveBuffer sets SO_RCVBUF of the TCP socket under c.
func setReceiveBuffer(c net.Conn, n int) error {
	tc := tcpConn(c)
	if tc == nil {
		return nil
	}
	return tc.SetReadBuffer(n)
}

// receiveBufferSetting returns the SO_RCVBUF value that bounds the kernel receive buffer
// to limit bytes, or 0 when nothing needs to be set: Linux doubles the value it is given
// (bookkeeping) and stops autotuning once it is set, so it is set — to limit/2 — only
// when autotuning could grow the buffer beyond limit (autotune = net.ipv4.tcp_rmem's
// maximum, 0 when unknown).
func receiveBufferSetting(limit, autotune int) int {
	if limit <= 0 || (autotune > 0 && limit >= autotune) {
		return 0
	}
	return max(limit/2, 1)
}

// autotuneMax reads the largest receive buffer TCP autotuning grows to (Linux).
func autotuneMax() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/tcp_rmem")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) != 3 {
		return 0
	}
	n, err := strconv.Atoi(f[2])
	if err != nil {
		return 0
	}
	return n
}

// ReceiveBuffer returns the kernel receive buffer size (SO_RCVBUF) of the socket under c.
func ReceiveBuffer(c net.Conn) (int, error) {
	tc := tcpConn(c)
	if tc == nil {
		return 0, syscall.EINVAL
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return 0, err
	}
	var n int
	var serr error
	if err := rc.Control(func(fd uintptr) {
		n, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
	}); err != nil {
		return 0, err
	}
	return n, serr
}
