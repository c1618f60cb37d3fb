package tests

import (
	"archive/tar"
	"debug/elf"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"gopkg.in/yaml.v3"

	"github.com/bmpstream/bmpstream/deployment/internal/image"
)

const testVersion = "v0.0.0-imagetest"

// buildImage runs `make image` (the README's command) into a temporary directory.
func buildImage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	tarPath := filepath.Join(dir, "bmpstream-image.tar")
	c := exec.Command("make", "--no-print-directory", "image", "VERSION="+testVersion,
		"IMAGE_TAR="+tarPath, "IMAGE_BINDIR="+filepath.Join(dir, "bin"))
	c.Dir = root(t)
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("make image: %v\n%s", err, out)
	}
	return tarPath
}

// untar extracts a tar stream into dir and returns each entry's header by name.
func untar(t *testing.T, r io.Reader, dir string) map[string]*tar.Header {
	t.Helper()
	hdrs := map[string]*tar.Header{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return hdrs
		}
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(h.Name, "/")
		if strings.Contains(name, "..") || strings.HasPrefix(name, "/") {
			t.Fatalf("unsafe path %q in tar", h.Name)
		}
		hdrs[name] = h
		dst := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dst, body, 0o700); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestImage builds the image with `make image` and checks what `docker load` and a
// container runtime would see: the Docker manifest and the OCI layout name the same image,
// the config (entrypoint, user, ports, labels, environment), and the layer's files; then it
// runs the binary taken from the layer.
func TestImage(t *testing.T) {
	tarPath := buildImage(t)

	// Docker's view (manifest.json + RepoTags), as `docker load` reads it.
	tag := "bmpstream:" + testVersion
	img, err := tarball.ImageFromPath(tarPath, nil)
	if err != nil {
		t.Fatalf("not a docker-loadable tarball: %v", err)
	}
	f, err := os.Open(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	outer := t.TempDir()
	top := untar(t, f, outer)
	f.Close()
	for _, name := range []string{"manifest.json", "index.json", "oci-layout"} {
		if top[name] == nil {
			t.Errorf("tarball lacks %s", name)
		}
	}
	var dm []struct{ RepoTags []string }
	readJSON(t, filepath.Join(outer, "manifest.json"), &dm)
	if len(dm) != 1 || !slices.Equal(dm[0].RepoTags, []string{tag, "bmpstream:latest"}) {
		t.Fatalf("manifest.json %+v, want one image tagged %s and bmpstream:latest", dm, tag)
	}
	// The OCI layout's view: the same manifest digest, named by its tag.
	idx, err := layout.ImageIndexFromPath(outer)
	if err != nil {
		t.Fatalf("not an OCI layout: %v", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 2 || im.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != testVersion ||
		im.Manifests[1].Annotations["org.opencontainers.image.ref.name"] != "latest" || im.Manifests[0].Digest != im.Manifests[1].Digest {
		t.Fatalf("index.json %+v, want one manifest named %s and latest", im.Manifests, testVersion)
	}
	ociImg, err := idx.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	// Both views name the same config and layers (docker load reads manifest.json).
	dockerCfg, _ := img.ConfigName()
	ociCfg, _ := ociImg.ConfigName()
	dockerLayers, _ := img.Layers()
	ociLayers, _ := ociImg.Layers()
	if dockerCfg != ociCfg || len(dockerLayers) != 1 || len(ociLayers) != 1 {
		t.Fatalf("docker config %s, %d layers; OCI config %s, %d layers", dockerCfg, len(dockerLayers), ociCfg, len(ociLayers))
	}
	dl, _ := dockerLayers[0].Digest()
	ol, _ := ociLayers[0].Digest()
	if dl != ol {
		t.Fatalf("layer %s (docker) != %s (OCI)", dl, ol)
	}
	if mt, _ := ociImg.MediaType(); mt != "application/vnd.oci.image.manifest.v1+json" {
		t.Errorf("manifest media type %s", mt)
	}

	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if cf.OS != "linux" || cf.Architecture != runtime.GOARCH {
		t.Errorf("platform %s/%s", cf.OS, cf.Architecture)
	}
	if !slices.Equal(c.Entrypoint, []string{"/usr/local/bin/bmpstream"}) || len(c.Cmd) != 0 {
		t.Errorf("entrypoint %q cmd %q: want the binary taking flags as arguments", c.Entrypoint, c.Cmd)
	}
	if c.User != "65532:65532" {
		t.Errorf("user %q, want non-root 65532:65532", c.User)
	}
	if got := sortedKeys(c.ExposedPorts); !slices.Equal(got, []string{"10790/tcp", "5000/tcp"}) {
		t.Errorf("exposed ports %v", got)
	}
	wantLabels := map[string]string{
		"org.opencontainers.image.version":  testVersion,
		"org.opencontainers.image.source":   "https://github.com/bmpstream/bmpstream",
		"org.opencontainers.image.licenses": "NOASSERTION",
		"org.opencontainers.image.title":    "bmpstream",
	}
	for k, v := range wantLabels {
		if c.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, c.Labels[k], v)
		}
	}
	if !slices.Contains(c.Env, "BMPSTREAM_CONFIG=/etc/bmpstream/bmpstream.yaml") {
		t.Errorf("env %q lacks BMPSTREAM_CONFIG", c.Env)
	}
	if sortedKeys(c.Volumes)[0] != "/var/lib/bmpstream" || c.WorkingDir != "/var/lib/bmpstream" {
		t.Errorf("volumes %v workdir %q", c.Volumes, c.WorkingDir)
	}

	// The layer: root-owned read-only tree, a data directory for the non-root user.
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("%d layers (%v), want one on an empty base", len(layers), err)
	}
	fs := t.TempDir()
	rc := mutate.Extract(img)
	hdrs := untar(t, rc, fs)
	rc.Close()
	checks := []struct {
		name string
		mode int64
		uid  int
	}{
		{"usr/local/bin/bmpstream", 0o755, 0},
		{"etc/bmpstream/bmpstream.yaml", 0o644, 0},
		{"etc/ssl/certs/ca-certificates.crt", 0o644, 0},
		{"etc/passwd", 0o644, 0},
		{"var/lib/bmpstream", 0o755, 65532},
		{"home/nonroot", 0o700, 65532},
	}
	for _, ck := range checks {
		h := hdrs[ck.name]
		if h == nil {
			t.Errorf("layer lacks %s", ck.name)
			continue
		}
		if h.Mode&0o7777 != ck.mode || h.Uid != ck.uid {
			t.Errorf("%s: mode %o uid %d, want %o uid %d", ck.name, h.Mode, h.Uid, ck.mode, ck.uid)
		}
	}
	passwd, _ := os.ReadFile(filepath.Join(fs, "etc/passwd"))
	if !strings.Contains(string(passwd), "nonroot:x:65532:65532:") {
		t.Errorf("etc/passwd %q lacks the non-root user", passwd)
	}

	// The binary from the layer: static, runs, knows its version.
	bin := filepath.Join(fs, "usr/local/bin/bmpstream")
	ef, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("binary has an ELF interpreter: not static")
		}
	}
	if libs, _ := ef.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("binary needs %v: not static", libs)
	}
	ef.Close()
	out, err := exec.Command(bin, "--version").Output()
	if err != nil || string(out) != "bmpstream "+testVersion+"\n" {
		t.Fatalf("--version: %q %v", out, err)
	}
	// Its default configuration (as the container reads it through BMPSTREAM_CONFIG) is
	// valid and listens on the exposed ports, the metrics on every interface.
	conf := filepath.Join(fs, "etc/bmpstream/bmpstream.yaml")
	cmd := exec.Command(bin, "--print-config", "--check-config")
	cmd.Env = append(cleanEnv(), "BMPSTREAM_CONFIG="+conf)
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("image config rejected: %v\n%s", err, out)
	}
	var eff map[string]any
	if err := yaml.Unmarshal(out[:strings.LastIndex(string(out), "bmpstream: configuration OK")], &eff); err != nil {
		t.Fatal(err)
	}
	if eff["source-port"] != 5000 || eff["metrics-address"] != "0.0.0.0:10790" {
		t.Errorf("image config: source-port %v metrics-address %v, want 5000 and 0.0.0.0:10790", eff["source-port"], eff["metrics-address"])
	}
}

// TestDockerfileMatchesImage: the Dockerfile's runtime stage and `make image` produce the
// same container settings, and both build the binary the same way.
func TestDockerfileMatchesImage(t *testing.T) {
	d := readDockerfile(t)
	if !strings.HasPrefix(d.from, "gcr.io/distroless/static") || !strings.Contains(d.from, "nonroot") {
		t.Errorf("runtime base %q: want distroless static, nonroot", d.from)
	}
	if d.user != image.User {
		t.Errorf("USER %q, image %q", d.user, image.User)
	}
	if !slices.Equal(d.entrypoint, image.Entrypoint) || len(d.cmd) != 0 {
		t.Errorf("ENTRYPOINT %q CMD %q, image %q and no CMD", d.entrypoint, d.cmd, image.Entrypoint)
	}
	if !reflect.DeepEqual(d.exposed, image.ExposedPorts()) {
		t.Errorf("EXPOSE %v, image %v", sortedKeys(d.exposed), sortedKeys(image.ExposedPorts()))
	}
	if !slices.Equal(d.volumes, []string{image.DataDir}) || d.workdir != image.DataDir {
		t.Errorf("VOLUME %q WORKDIR %q, image %q", d.volumes, d.workdir, image.DataDir)
	}
	if d.stopSignal != "SIGTERM" {
		t.Errorf("STOPSIGNAL %q", d.stopSignal)
	}
	for k, v := range d.env {
		if !slices.Contains(image.Env, k+"="+v) {
			t.Errorf("ENV %s=%s not in the image's %q", k, v, image.Env)
		}
	}
	if d.env["BMPSTREAM_CONFIG"] != image.ConfigPath {
		t.Errorf("ENV BMPSTREAM_CONFIG %q", d.env["BMPSTREAM_CONFIG"])
	}
	labels := image.Labels("${VERSION}", "${REVISION}")
	if !reflect.DeepEqual(d.labels, labels) {
		t.Errorf("LABEL %v\nimage    %v", d.labels, labels)
	}
	if src := d.copies[image.ConfigPath]; src != "deployment/docker/bmpstream.yaml" {
		t.Errorf("config copied from %q, the image uses deployment/docker/bmpstream.yaml", src)
	}
	if _, ok := d.copies[image.BinaryPath]; !ok {
		t.Errorf("no COPY to %s", image.BinaryPath)
	}
	if _, ok := d.copies[image.DataDir]; !ok {
		t.Errorf("no COPY creating %s", image.DataDir)
	}
	// The same static build: CGO off, embedded tzdata, trimmed paths, version ldflag.
	mk, err := os.ReadFile(filepath.Join(root(t), "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-tags timetzdata", "-s -w", "github.com/bmpstream/bmpstream/internal/app.Version="} {
		if !strings.Contains(d.buildRun, want) {
			t.Errorf("Dockerfile's go build lacks %q: %s", want, d.buildRun)
		}
		if want != "github.com/bmpstream/bmpstream/internal/app.Version=" && !strings.Contains(string(mk), want) {
			t.Errorf("Makefile's image build lacks %q", want)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
