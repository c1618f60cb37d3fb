// Command manifests renders deployment/kubernetes/ from the Helm chart's default values
// (`make manifests`), after copying the alert rules into the chart.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/bmpstream/bmpstream/deployment/internal/chart"
)

func main() {
	chartDir := flag.String("chart", "helm/bmpstream", "chart directory")
	alerts := flag.String("alerts", "prometheus/alerts.yml", "alert rules copied into the chart's files/alerts.yml")
	out := flag.String("out", "kubernetes", "output directory")
	flag.Parse()
	if err := run(*chartDir, *alerts, *out); err != nil {
		fmt.Fprintln(os.Stderr, "manifests:", err)
		os.Exit(1)
	}
}

func run(chartDir, alerts, out string) error {
	if err := chart.SyncAlerts(chartDir, alerts); err != nil {
		return err
	}
	files, err := chart.Manifests(chartDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(out, n)
		if err := os.WriteFile(p, []byte(files[n]), 0o644); err != nil {
			return err
		}
		fmt.Println("wrote", p)
	}
	return nil
}
