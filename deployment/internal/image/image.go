// Package image builds the bmpstream container image without a container engine: one
// layer holding the static binary, the default configuration, CA certificates and the
// non-root user, on an empty base. The result is written as a tarball in the layout
// `docker save` produces since Docker 25: an OCI image layout (oci-layout, index.json,
// blobs/sha256/…) plus Docker's manifest.json, so both `docker load` and OCI tools read it.
//
// The settings (Spec) mirror the runtime stage of the repository's Dockerfile; a test
// checks that the two agree.
package image

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"runtime"
	"sort"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image's fixed settings, the same as the Dockerfile's runtime stage.
const (
	BinaryPath  = "/usr/local/bin/bmpstream"
	ConfigPath  = "/etc/bmpstream/bmpstream.yaml"
	DataDir     = "/var/lib/bmpstream"
	HomeDir     = "/home/nonroot"
	UID         = 65532
	User        = "65532:65532"
	BMPPort     = 5000
	MetricsPort = 10790
	Source      = "https://github.com/bmpstream/bmpstream"
	// License is the SPDX expression of the licence label; the repository declares no
	// licence yet, so the label says so explicitly.
	License = "NOASSERTION"
)

// Spec is what varies between builds.
type Spec struct {
	Binary   string    // the static bmpstream binary (CGO_ENABLED=0)
	Config   string    // the default configuration file (deployment/docker/bmpstream.yaml)
	CABundle string    // PEM CA certificates (e.g. /etc/ssl/certs/ca-certificates.crt)
	Version  string    // image version label and tag
	Revision string    // source revision label (optional)
	Created  time.Time // creation time and file times (reproducible builds: fixed)
	Arch     string    // GOARCH of the binary (default: runtime.GOARCH)
}

// Entrypoint and Env as in the Dockerfile: the binary takes flags as arguments; the
// default configuration is found through BMPSTREAM_CONFIG, so `docker run IMAGE --flag…`
// keeps it, and a --config flag replaces it.
var (
	Entrypoint = []string{BinaryPath}
	Env        = []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
		"BMPSTREAM_CONFIG=" + ConfigPath,
	}
)

// Labels returns the OCI annotations used as image labels.
func Labels(version, revision string) map[string]string {
	l := map[string]string{
		"org.opencontainers.image.title":       "bmpstream",
		"org.opencontainers.image.description": "BMP (RFC 7854) collector publishing JSON records to Kafka, NATS or files",
		"org.opencontainers.image.source":      Source,
		"org.opencontainers.image.url":         Source,
		"org.opencontainers.image.version":     version,
		"org.opencontainers.image.licenses":    License,
		"org.opencontainers.image.revision":    revision,
	}
	return l
}

// ExposedPorts are the BMP and metrics ports.
func ExposedPorts() map[string]struct{} {
	return map[string]struct{}{fmt.Sprintf("%d/tcp", BMPPort): {}, fmt.Sprintf("%d/tcp", MetricsPort): {}}
}

// Build assembles the image.
func Build(s Spec) (v1.Image, error) {
	if s.Arch == "" {
		s.Arch = runtime.GOARCH
	}
	layerTar, err := rootfs(s)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{Layer: layer, History: v1.History{
		Created: v1.Time{Time: s.Created}, CreatedBy: "bmpstream deployment/cmd/mkimage (make image)",
	}})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Created = "linux", s.Arch, v1.Time{Time: s.Created}
	cf.Config = v1.Config{
		Entrypoint:   Entrypoint,
		Env:          Env,
		User:         User,
		WorkingDir:   DataDir,
		ExposedPorts: ExposedPorts(),
		Volumes:      map[string]struct{}{DataDir: {}},
		Labels:       Labels(s.Version, s.Revision),
		StopSignal:   "SIGTERM",
	}
	return mutate.ConfigFile(img, cf)
}

type entry struct {
	name string
	mode int64
	uid  int
	body []byte // nil: directory
}

// rootfs is the layer: a read-only-friendly tree owned by root, except the data
// directory and the home directory of the non-root user.
func rootfs(s Spec) ([]byte, error) {
	bin, err := os.ReadFile(s.Binary)
	if err != nil {
		return nil, err
	}
	conf, err := os.ReadFile(s.Config)
	if err != nil {
		return nil, err
	}
	ca, err := os.ReadFile(s.CABundle)
	if err != nil {
		return nil, fmt.Errorf("CA certificates: %w", err)
	}
	files := []entry{
		{name: "etc/passwd", mode: 0o644, body: []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")},
		{name: "etc/group", mode: 0o644, body: []byte("root:x:0:\nnonroot:x:65532:\n")},
		{name: "etc/ssl/certs/ca-certificates.crt", mode: 0o644, body: ca},
		{name: ConfigPath[1:], mode: 0o644, body: conf},
		{name: BinaryPath[1:], mode: 0o755, body: bin},
		{name: DataDir[1:], mode: 0o755, uid: UID},
		{name: HomeDir[1:], mode: 0o700, uid: UID},
		{name: "tmp", mode: 0o1777},
	}
	// Parent directories, root-owned.
	dirs := map[string]bool{}
	for _, f := range files {
		for d := path.Dir(f.name); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	for _, f := range files {
		delete(dirs, f.name)
	}
	for d := range dirs {
		files = append(files, entry{name: d, mode: 0o755})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: f.mode, Uid: f.uid, Gid: f.uid, ModTime: s.Created, Format: tar.FormatPAX}
		if f.body == nil {
			h.Typeflag, h.Name = tar.TypeDir, f.name+"/"
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(f.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteTarball writes img under tags (e.g. bmpstream:v1.2.3, bmpstream:latest) to w: an
// OCI image layout with Docker's manifest.json beside it.
func WriteTarball(w io.Writer, img v1.Image, tags ...string) error {
	rawManifest, err := img.RawManifest()
	if err != nil {
		return err
	}
	manifestDigest, err := img.Digest()
	if err != nil {
		return err
	}
	rawConfig, err := img.RawConfigFile()
	if err != nil {
		return err
	}
	configName, err := img.ConfigName()
	if err != nil {
		return err
	}
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	tw := tar.NewWriter(w)
	add := func(name string, body []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
			return err
		}
		_, err := tw.Write(body)
		return err
	}
	blob := func(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }
	for _, d := range []string{"blobs/", "blobs/sha256/"} {
		if err := tw.WriteHeader(&tar.Header{Name: d, Mode: 0o755, Typeflag: tar.TypeDir, Format: tar.FormatPAX}); err != nil {
			return err
		}
	}
	var layerNames []string
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return err
		}
		rc, err := l.Compressed()
		if err != nil {
			return err
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		if err := add(blob(d), body); err != nil {
			return err
		}
		layerNames = append(layerNames, blob(d))
	}
	if err := add(blob(configName), rawConfig); err != nil {
		return err
	}
	if err := add(blob(manifestDigest), rawManifest); err != nil {
		return err
	}
	var manifests []map[string]any
	for _, tag := range tags {
		manifests = append(manifests, map[string]any{
			"mediaType": types.OCIManifestSchema1,
			"digest":    manifestDigest.String(),
			"size":      len(rawManifest),
			"annotations": map[string]string{
				"io.containerd.image.name":          "docker.io/library/" + tag,
				"org.opencontainers.image.ref.name": refName(tag),
			},
		})
	}
	index, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     types.OCIImageIndex,
		"manifests":     manifests,
	})
	if err != nil {
		return err
	}
	if err := add("index.json", index); err != nil {
		return err
	}
	if err := add("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
		return err
	}
	docker, err := json.Marshal([]map[string]any{{
		"Config":   blob(configName),
		"RepoTags": tags,
		"Layers":   layerNames,
	}})
	if err != nil {
		return err
	}
	if err := add("manifest.json", docker); err != nil {
		return err
	}
	return tw.Close()
}

// refName is the tag part of name:tag.
func refName(tag string) string {
	for i := len(tag) - 1; i >= 0 && tag[i] != '/'; i-- {
		if tag[i] == ':' {
			return tag[i+1:]
		}
	}
	return "latest"
}
