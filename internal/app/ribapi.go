package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/golang/glog"
	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/internal/rib"
	"github.com/bmpstream/bmpstream/internal/rib/ribhttp"
)

// apiOptions are the flags of the route table's query API and looking glass (shared by
// --rib and the rib subcommand).
type apiOptions struct {
	address   string
	tokenFile string
	certFile  string
	keyFile   string
}

func defaultAPIOptions() apiOptions { return apiOptions{} }

func (o *apiOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.address, "api-address", o.address, "serve the route table's query API (gRPC, Connect HTTP/JSON) and looking glass on this address, e.g. 127.0.0.1:8080 (empty: off)")
	fs.StringVar(&o.tokenFile, "api-token-file", o.tokenFile, "file holding a bearer token every API call must present (Authorization: Bearer …)")
	fs.StringVar(&o.certFile, "api-tls-cert-file", o.certFile, "serve the API over TLS with this certificate (PEM)")
	fs.StringVar(&o.keyFile, "api-tls-key-file", o.keyFile, "private key (PEM) of --api-tls-cert-file")
}

// apiServer is the running API listener.
type apiServer struct {
	srv  *http.Server
	addr net.Addr
	done chan struct{}
}

func startAPI(t *rib.Table, o *apiOptions) (*apiServer, error) {
	if (o.certFile == "") != (o.keyFile == "") {
		return nil, fmt.Errorf("--api-tls-cert-file and --api-tls-key-file go together")
	}
	var token string
	if o.tokenFile != "" {
		b, err := os.ReadFile(o.tokenFile)
		if err != nil {
			return nil, fmt.Errorf("--api-token-file: %w", err)
		}
		if token = strings.TrimSpace(string(b)); token == "" {
			return nil, fmt.Errorf("--api-token-file %s is empty", o.tokenFile)
		}
	}
	host, _, err := net.SplitHostPort(o.address)
	if err != nil {
		return nil, fmt.Errorf("--api-address %q: %w", o.address, err)
	}
	if ip := net.ParseIP(host); (ip == nil || !ip.IsLoopback()) && host != "localhost" && token == "" {
		glog.Warningf("feature=rib event=api_exposed address=%s: the API is reachable beyond loopback without --api-token-file", o.address)
	}
	ln, err := net.Listen("tcp", o.address)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: ribhttp.Handler(t, ribhttp.Options{Token: token}), ReadHeaderTimeout: 10 * time.Second}
	// gRPC needs HTTP/2: over TLS it is negotiated, in clear text it is h2c.
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetHTTP2(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
	s := &apiServer{srv: srv, addr: ln.Addr(), done: make(chan struct{})}
	glog.Infof("feature=rib event=api_listening address=%s tls=%v token=%v", ln.Addr(), o.certFile != "", token != "")
	go func() {
		defer close(s.done)
		var err error
		if o.certFile != "" {
			err = srv.ServeTLS(ln, o.certFile, o.keyFile)
		} else {
			err = srv.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			glog.Errorf("feature=rib event=api_failed err=%q", err)
		}
	}()
	return s, nil
}

func (s *apiServer) close(ctx context.Context) error {
	// watch streams never end by themselves: close rather than wait for them
	err := s.srv.Close()
	<-s.done
	return err
}
