package app

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/golang/glog"
	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/internal/active"
	"github.com/bmpstream/bmpstream/internal/guard"
	"github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/pkg/bmp"
)

func init() { Register(func() Feature { return &security{} }) }

// Defaults of --max-connections and --max-connections-per-ip: a collector started without
// flags bounds its connections, and one address can take a tenth of them at most.
const (
	DefaultMaxConnections      = 1000
	DefaultMaxConnectionsPerIP = 100
)

// DefaultMaxReceiveBuffer is the default of --max-receive-buffer.
const DefaultMaxReceiveBuffer = 10 << 20

// security is the listeners' protection and their alternatives: connection limits, the
// allow list, the TLS listener, per-session read timeout and rate limit, and active mode.
type security struct {
	plain               bool
	tlsPort             int
	tlsCert, tlsKey     string
	tlsClientCA         string
	tlsHandshakeTimeout time.Duration
	allowed             []string
	maxConns, maxPerIP  int
	maxReceiveBuffer    int
	readTimeout         time.Duration
	rateLimit           int
	activeRouters       []string
	activeMaxBackoff    time.Duration

	prefixes []netip.Prefix
	tlsCfg   *tls.Config
	ln       net.Listener
	dialer   *active.Dialer
}

func (s *security) Name() string { return "security" }

func (s *security) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&s.plain, "plain-listener", true, "accept plain-TCP BMP on --source-port; false with --tls-port (or --active-router) for TLS only")
	fs.IntVar(&s.tlsPort, "tls-port", 0, "TCP port of a BMP-over-TLS listener beside the plain one, on --bind-address (0: none); needs --tls-cert and --tls-key")
	fs.StringVar(&s.tlsCert, "tls-cert", "", "PEM file: the TLS listener's certificate (chain)")
	fs.StringVar(&s.tlsKey, "tls-key", "", "PEM file: the private key of --tls-cert")
	fs.StringVar(&s.tlsClientCA, "tls-client-ca", "", "PEM file of CA certificates: when set, routers must present a certificate issued by one of them (mutual TLS)")
	fs.DurationVar(&s.tlsHandshakeTimeout, "tls-handshake-timeout", 10*time.Second, "time a router has to complete the TLS handshake")
	fs.StringSliceVar(&s.allowed, "allowed-routers", nil, "comma-separated prefixes (CIDR) or addresses routers may connect from; others are refused (default: any)")
	fs.IntVar(&s.maxConns, "max-connections", DefaultMaxConnections, "most router connections accepted at once (0: no limit)")
	fs.IntVar(&s.maxPerIP, "max-connections-per-ip", DefaultMaxConnectionsPerIP, "most connections accepted at once from one address, so that one address cannot take every slot (0: no limit)")
	fs.IntVar(&s.maxReceiveBuffer, "max-receive-buffer", DefaultMaxReceiveBuffer, "bound, in bytes, of each connection's kernel receive buffer and of its user-space buffers (--max-message-size + 64 KiB must fit)")
	fs.DurationVar(&s.readTimeout, "read-timeout", 0, "disconnect a router that sent nothing for this long (reason idle_timeout); 0: never (BMP sessions may be quiet: use a multiple of the routers' statistics interval)")
	fs.IntVar(&s.rateLimit, "rate-limit", 0, "most BMP bytes per second read from one router (reading slows down, nothing is dropped); 0: no limit")
	fs.StringArrayVar(&s.activeRouters, "active-router", nil, "host:port of a router waiting for the collector (BMP active mode; repeatable, or comma-separated); reconnects with backoff")
	fs.DurationVar(&s.activeMaxBackoff, "active-max-backoff", active.DefaultMaxBackoff, "active mode: longest wait between two connection attempts (the wait doubles from 1s after each failure and is reset by every Initiation received)")
}

// Validate checks the settings and prepares the allow list and the TLS configuration.
func (s *security) Validate(o *Options) error {
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	if s.tlsPort < 0 || s.tlsPort > 65535 {
		add(optErr("tls-port", "%d is out of range 0-65535", s.tlsPort))
	}
	if s.tlsPort != 0 && s.plain && s.tlsPort == o.SourcePort {
		add(optErr("tls-port", "%d is also --source-port", s.tlsPort))
	}
	s.tlsCfg = nil
	files := []struct{ flag, path string }{{"tls-cert", s.tlsCert}, {"tls-key", s.tlsKey}, {"tls-client-ca", s.tlsClientCA}}
	if s.tlsPort == 0 {
		for _, f := range files {
			if f.path != "" {
				add(optErr(f.flag, "set, but --tls-port is 0: there is no TLS listener"))
			}
		}
	} else {
		ok := true
		for i, f := range files {
			switch _, err := os.Stat(f.path); {
			case f.path == "" && i < 2:
				add(optErr(f.flag, "required with --tls-port"))
				ok = false
			case f.path != "" && err != nil:
				add(optErr(f.flag, "%v", err))
				ok = false
			}
		}
		if ok {
			cfg, err := guard.ServerTLSConfig(guard.TLSFiles{Cert: s.tlsCert, Key: s.tlsKey, ClientCA: s.tlsClientCA})
			if err != nil {
				flag, msg, _ := strings.Cut(err.Error(), ": ")
				if flag == "tls-cert/tls-key" {
					flag = "tls-key"
				}
				add(optErr(flag, "%s", msg))
			}
			s.tlsCfg = cfg
		}
	}
	if s.tlsHandshakeTimeout <= 0 {
		add(optErr("tls-handshake-timeout", "%s: must be positive", s.tlsHandshakeTimeout))
	}
	s.prefixes = s.prefixes[:0]
	for _, a := range s.allowed {
		p, err := parsePrefix(a)
		if err != nil {
			add(optErr("allowed-routers", "%q is not an IP prefix (CIDR) or address", a))
			continue
		}
		s.prefixes = append(s.prefixes, p)
	}
	for _, x := range []struct {
		flag string
		n    int
	}{{"max-connections", s.maxConns}, {"max-connections-per-ip", s.maxPerIP}, {"rate-limit", s.rateLimit}} {
		if x.n < 0 {
			add(optErr(x.flag, "%d: must be 0 (no limit) or positive", x.n))
		}
	}
	if need := o.MaxMessageSize + bmp.ReaderBufferSize; s.maxReceiveBuffer < need {
		add(optErr("max-receive-buffer", "%d is below --max-message-size (%d) + the 64 KiB read buffer = %d", s.maxReceiveBuffer, o.MaxMessageSize, need))
	}
	if s.readTimeout < 0 {
		add(optErr("read-timeout", "%s: must be 0 (never) or positive", s.readTimeout))
	}
	for _, r := range s.routers() {
		if err := checkHostPort(r); err != nil {
			add(optErr("active-router", "%q: %v", r, err))
		}
	}
	if s.activeMaxBackoff < time.Second {
		add(optErr("active-max-backoff", "%s: must be at least 1s (the first wait)", s.activeMaxBackoff))
	}
	if !s.plain && s.tlsPort == 0 && len(s.routers()) == 0 {
		add(optErr("plain-listener", "false, but there is no --tls-port or --active-router: nothing would receive BMP"))
	}
	return errors.Join(errs...)
}

// activeConfig is the dialler's configuration for routers.
func (s *security) activeConfig(routers []string) active.Config {
	return active.Config{Routers: routers, MaxBackoff: s.activeMaxBackoff}
}

// routers returns --active-router's values, comma-separated ones split.
func (s *security) routers() []string {
	var out []string
	for _, v := range s.activeRouters {
		for _, r := range strings.Split(v, ",") {
			if r = strings.TrimSpace(r); r != "" {
				out = append(out, r)
			}
		}
	}
	return out
}

// parsePrefix accepts a CIDR prefix or a bare address (a host prefix).
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func checkHostPort(hp string) error {
	host, port, err := net.SplitHostPort(hp)
	if err != nil {
		return err
	}
	if host == "" {
		return errors.New("no host")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return errors.New("port " + strconv.Quote(port) + " is not in 1-65535")
	}
	return nil
}

func (s *security) Start(ctx context.Context, rt *Runtime) error {
	if err := s.Validate(rt.Options); err != nil {
		return err
	}
	g := guard.New(guard.Config{
		Allowed:          s.prefixes,
		MaxConnections:   s.maxConns,
		MaxPerIP:         s.maxPerIP,
		ReceiveBuffer:    s.maxReceiveBuffer,
		HandshakeTimeout: s.tlsHandshakeTimeout,
	})
	if prev := rt.Server.Admit; prev != nil {
		rt.Server.Admit = func(c net.Conn) (net.Conn, string) {
			c, reason := g.Admit(c)
			if reason != "" {
				return c, reason
			}
			next, reason := prev(c)
			if reason != "" {
				c.Close() // releases the connection-limit slot
			}
			return next, reason
		}
	} else {
		rt.Server.Admit = g.Admit
	}
	rt.Server.ReadTimeout = s.readTimeout
	rt.Server.RateLimit = s.rateLimit
	if !s.plain {
		rt.Server.Listen = "" // no plain listener
	}
	if s.tlsPort != 0 {
		ln, err := net.Listen("tcp", net.JoinHostPort(rt.Options.BindAddress, strconv.Itoa(s.tlsPort)))
		if err != nil {
			return err
		}
		s.ln = tls.NewListener(ln, s.tlsCfg)
		rt.AfterServer(func(srv *server.Server) {
			go func() {
				if err := srv.ServeListener(s.ln); err != nil {
					glog.Errorf("event=tls_listener_failed err=%q", err)
				}
			}()
		})
	}
	if routers := s.routers(); len(routers) > 0 {
		rt.AfterServer(func(srv *server.Server) {
			s.dialer = active.Start(ctx, s.activeConfig(routers), srv.ServeConn)
		})
	}
	return nil
}

func (s *security) Stop(ctx context.Context) error {
	if s.dialer != nil {
		s.dialer.Stop()
	}
	if s.ln != nil {
		s.ln.Close() // when the server never took it over
	}
	return nil
}
