package tests

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/strvals"

	"github.com/bmpstream/bmpstream/deployment/internal/chart"
)

// readmeDeploy returns the README's "Deploy" section with shell continuation lines joined.
func readmeDeploy(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i := strings.Index(s, "\n## Deploy\n")
	if i < 0 {
		t.Fatal(`README has no "## Deploy" section`)
	}
	s = s[i+1:]
	if j := strings.Index(s[3:], "\n## "); j >= 0 {
		s = s[:j+3]
	}
	return strings.ReplaceAll(s, "\\\n", " ")
}

// TestReadmeQuickStarts: the README's deploy commands are the ones the tests exercise —
// the helm install line's --set values render and pass the pod checks, and the image,
// manifest and compose commands name the paths and values the tests use.
func TestReadmeQuickStarts(t *testing.T) {
	s := readmeDeploy(t)
	var helmLine string
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "helm install bmpstream deployment/helm/bmpstream") {
			helmLine = line
		}
	}
	if helmLine == "" {
		t.Fatal("no helm install command in the README")
	}
	values := map[string]any{}
	for _, m := range regexp.MustCompile(`--set\s+('[^']*'|\S+)`).FindAllStringSubmatch(helmLine, -1) {
		if err := strvals.ParseInto(strings.Trim(m[1], "'"), values); err != nil {
			t.Fatalf("--set %s: %v", m[1], err)
		}
	}
	docs, err := chart.Render(chartDir(t), values, chart.Release{Name: "bmpstream", Namespace: "default"})
	if err != nil {
		t.Fatalf("README's helm values: %v", err)
	}
	r := decodeDocs(t, docs)
	secret := regexp.MustCompile(`kubectl create secret generic (\S+) --from-literal=(\w+)=`).FindStringSubmatch(s)
	if secret == nil {
		t.Fatal("README does not create the SASL password Secret")
	}
	vs := valueSet{name: "readme", secrets: map[string]map[string]string{secret[1]: {secret[2]: "pw"}}}
	eff := checkPod(t, r, vs)
	if eff["kafka-server"] == "" || eff["kafka-sasl-mechanism"] == "" || r.serviceMonitor == nil {
		t.Errorf("README's helm install: kafka %v sasl %v serviceMonitor %v", eff["kafka-server"], eff["kafka-sasl-mechanism"], r.serviceMonitor != nil)
	}

	mk, err := os.ReadFile(filepath.Join(root(t), "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"make image", "docker load -i bin/bmpstream-image.tar", "kubectl apply -k deployment/kubernetes",
		"cd deployment/compose && docker compose up", "POSTGRES_DSN='" + pgDSN + "'", "--check-config", "make manifests"} {
		if !strings.Contains(s, want) {
			t.Errorf("README Deploy lacks %q", want)
		}
	}
	if !regexp.MustCompile(`(?m)^BIN\s+:= bin$`).Match(mk) || !regexp.MustCompile(`(?m)^IMAGE_TAR\s+\?= \$\(BIN\)/bmpstream-image.tar$`).Match(mk) {
		t.Errorf("make image does not write bin/bmpstream-image.tar as the README says")
	}
}
