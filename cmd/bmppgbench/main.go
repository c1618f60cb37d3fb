// Command bmppgbench measures the PostgreSQL sink end to end: it runs the collector with
// --postgres-dsn only, sends it a generated stream of N prefixes over TCP (one router
// session) and reports route records per second until everything is committed, the
// collector's CPU time per record and the PostgreSQL server's CPU time. See
// internal/bench.RunPostgres; "make bench" runs it.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/internal/bench"
)

func main() {
	fs := pflag.NewFlagSet("bmppgbench", pflag.ExitOnError)
	collector := fs.String("collector", "bin/bmpstream", "collector binary")
	dsn := fs.String("postgres-dsn", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL server (a schema of its own is created and dropped)")
	prefixes := fs.Int("prefixes", 1_000_000, "prefixes announced")
	perUpdate := fs.IntSlice("per-update", []int{10}, "prefixes per UPDATE, one run each")
	extra := fs.StringArray("collector-flag", nil, "extra collector flag (repeatable)")
	timeout := fs.Duration("timeout", 10*time.Minute, "time limit of one run")
	jsonOut := fs.String("json-out", "", "also write the results as JSON to this file")
	_ = fs.Parse(os.Args[1:])

	var rs []bench.PGResult
	for _, pu := range *perUpdate {
		s, err := bench.MakeStream(*prefixes, pu)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bmppgbench:", err)
			os.Exit(1)
		}
		r, err := bench.RunPostgres(context.Background(), bench.PGConfig{Collector: *collector, DSN: *dsn,
			Extra: *extra, Timeout: *timeout, Log: os.Stderr}, s)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bmppgbench:", err)
			os.Exit(1)
		}
		rs = append(rs, r)
	}
	fmt.Print(bench.PGMarkdown(bench.ReadMachine(*collector), rs))
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(rs, "", "  ")
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "bmppgbench:", err)
			os.Exit(1)
		}
	}
}
