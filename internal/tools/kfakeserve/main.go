// Command kfakeserve runs franz-go's kfake, an in-memory Kafka-protocol broker, on
// 127.0.0.1 until SIGINT or SIGTERM. It is a test helper for scripts/ci-kcat.sh (no Kafka
// distribution is available in CI), not part of bmpstream. With --data-dir the log
// survives a restart.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	port := flag.Int("port", 19092, "TCP port on 127.0.0.1")
	dataDir := flag.String("data-dir", "", "persist the log in this directory")
	seed := flag.String("seed", "", "topics to create at start: name:partitions[,name:partitions...]")
	flag.Parse()

	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.Ports(*port)}
	if *dataDir != "" {
		opts = append(opts, kfake.DataDir(*dataDir))
	}
	if *seed != "" {
		for _, s := range strings.Split(*seed, ",") {
			name, n, ok := strings.Cut(s, ":")
			p, err := strconv.Atoi(n)
			if !ok || err != nil || p < 1 || name == "" {
				fmt.Fprintf(os.Stderr, "kfakeserve: bad --seed entry %q (want name:partitions)\n", s)
				os.Exit(2)
			}
			opts = append(opts, kfake.SeedTopics(int32(p), name))
		}
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kfakeserve:", err)
		os.Exit(1)
	}
	fmt.Println("kfakeserve: listening on", strings.Join(c.ListenAddrs(), ","))
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	c.Close()
}
