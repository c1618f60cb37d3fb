// Command mkimage writes the bmpstream container image as a tarball without a container
// engine (`make image`); `docker load -i FILE` loads it. See deployment/internal/image.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bmpstream/bmpstream/deployment/internal/image"
)

func main() {
	var s image.Spec
	var out, tag string
	flag.StringVar(&s.Binary, "binary", "", "static bmpstream binary (CGO_ENABLED=0)")
	flag.StringVar(&s.Config, "config", "docker/bmpstream.yaml", "default configuration file baked into the image")
	flag.StringVar(&s.CABundle, "ca-bundle", "/etc/ssl/certs/ca-certificates.crt", "PEM CA certificates to include")
	flag.StringVar(&s.Version, "version", "dev", "version label")
	flag.StringVar(&s.Revision, "revision", "", "source revision label")
	flag.StringVar(&s.Arch, "arch", "", "architecture of the binary (default: this machine's)")
	flag.StringVar(&out, "out", "bmpstream-image.tar", "output tarball")
	flag.StringVar(&tag, "tag", "", "image name:tag (default bmpstream:VERSION, plus bmpstream:latest, the Helm chart's default)")
	flag.Parse()
	if s.Binary == "" {
		fmt.Fprintln(os.Stderr, "mkimage: --binary is required")
		os.Exit(2)
	}
	tags := []string{tag}
	if tag == "" {
		tags = []string{"bmpstream:" + s.Version, "bmpstream:latest"}
	}
	// Reproducible: file and image times come from SOURCE_DATE_EPOCH (default 0).
	epoch, _ := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64)
	s.Created = time.Unix(epoch, 0).UTC()
	if err := run(s, out, tags); err != nil {
		fmt.Fprintln(os.Stderr, "mkimage:", err)
		os.Exit(1)
	}
}

func run(s image.Spec, out string, tags []string) error {
	img, err := image.Build(s)
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := image.WriteTarball(w, img, tags...); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	d, err := img.Digest()
	if err != nil {
		return err
	}
	fmt.Printf("wrote %s: %s %s (docker load -i %s)\n", out, strings.Join(tags, " "), d, out)
	return nil
}
