package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/golang/glog"
	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/internal/rib"
	"github.com/bmpstream/bmpstream/internal/rib/ribkafka"
)

func init() {
	RegisterCommand(Command{Name: "rib", Synopsis: "--kafka-server=HOST:PORT",
		Summary: "route table, query API and looking glass fed from Kafka", Run: ribMain})
}

// ribMain is `bmpstream rib`: the route table, its API and looking glass, fed from the
// <prefix>.parsed.* Kafka topics of any number of collectors instead of BMP sessions.
func ribMain(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("bmpstream rib", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	brokers := fs.String("kafka-server", "", "Kafka bootstrap brokers, comma-separated host:port (required)")
	prefix := fs.String("kafka-topic-prefix", "gobmp", "read <prefix>.parsed.{router,peer,unicast_prefix,multicast_prefix,l3vpn,evpn}[_v4|_v6]")
	maxRoutes := fs.Int("rib-max-routes-per-router", 10_000_000, "paths kept per router; beyond, new routes are dropped (counted, logged) and the router's table is marked incomplete")
	api := apiOptions{address: "127.0.0.1:8080"}
	api.addFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(stdout, "Usage: bmpstream rib --kafka-server HOST:PORT [flags]\n\nBuilds the route table from the parsed topics of one or more collectors (JSON or\nbmpstream's protobuf) and serves the query API and looking glass on --api-address.\n\nFlags:\n")
		fmt.Fprint(stdout, fs.FlagUsages())
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "bmpstream rib: %v\n", err)
		return 2
	}
	var bs []string
	for _, b := range strings.Split(*brokers, ",") {
		if b = strings.TrimSpace(b); b != "" {
			bs = append(bs, b)
		}
	}
	if len(bs) == 0 || api.address == "" || *maxRoutes < 1 || *prefix == "" {
		fmt.Fprintln(stderr, "bmpstream rib: --kafka-server, --api-address and --kafka-topic-prefix are required, --rib-max-routes-per-router at least 1")
		return 2
	}
	if f := flag.CommandLine.Lookup("logtostderr"); f != nil {
		_ = f.Value.Set("true")
	}
	t := rib.New(rib.Config{MaxRoutesPerRouter: *maxRoutes, Logf: glog.Warningf})
	srv, err := startAPI(t, &api)
	if err != nil {
		fmt.Fprintf(stderr, "bmpstream rib: %v\n", err)
		return 1
	}
	feeder := ribkafka.New(t, ribkafka.Config{Brokers: bs, Prefix: *prefix, Logf: glog.Warningf})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- feeder.Run(ctx) }()
	glog.Infof("event=rib_feeding brokers=%s topics=%s", strings.Join(bs, ","), strings.Join(feeder.Topics(), ","))
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case s := <-sig:
		glog.Infof("event=shutdown signal=%s", s)
	case err = <-done:
	}
	cancel()
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	srv.close(sctx)
	st := &feeder.Stats
	n, bytes := t.AttrSets()
	glog.Infof("event=stopped messages=%d decode_errors=%d late=%d partitions=%d paths=%d attr_sets=%d attr_bytes=%d",
		st.Messages.Load(), st.DecodeErrors.Load(), st.Late.Load(), st.Partitions.Load(), t.Paths(), n, bytes)
	glog.Flush()
	if err != nil {
		fmt.Fprintf(stderr, "bmpstream rib: %v\n", err)
		return 1
	}
	return 0
}
