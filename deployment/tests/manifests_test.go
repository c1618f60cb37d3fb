package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/bmpstream/bmpstream/deployment/internal/chart"
)

// TestManifestsUpToDate: deployment/kubernetes/ is what `make manifests` renders from the
// chart's defaults today, and every object in it decodes strictly and passes the pod checks.
func TestManifestsUpToDate(t *testing.T) {
	want, err := chart.Manifests(chartDir(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(deploymentDir(t), "kubernetes")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) {
		t.Errorf("deployment/kubernetes has %d files, make manifests writes %d", len(entries), len(want))
	}
	for name, content := range want {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != content {
			t.Errorf("deployment/kubernetes/%s is not up to date with the chart: run `make manifests` (%v)", name, err)
		}
	}
	docs, err := chart.Render(chartDir(t), nil, chart.Release{Name: "bmpstream", Namespace: "default", Service: "kubectl"})
	if err != nil {
		t.Fatal(err)
	}
	r := decodeDocs(t, docs)
	checkPod(t, r, valueSet{name: "manifests"})

	// kustomize (the library behind `kubectl apply -k`) builds the kustomization to the
	// same objects.
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resMap, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build: %v", err)
	}
	var kinds []string
	for _, res := range resMap.Resources() {
		kinds = append(kinds, res.GetKind())
	}
	if len(kinds) != len(r.kinds) {
		t.Fatalf("kustomize gives %v, the chart %v", kinds, r.kinds)
	}
	// And so does kubectl where it is installed.
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Log("kubectl not installed: kubectl kustomize not run")
		return
	}
	out, err := exec.Command(kubectl, "kustomize", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl kustomize: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "\nkind: ") + strings.Count(string(out)[:min(len(out), 6)], "kind: "); n != len(r.kinds) {
		t.Fatalf("kubectl kustomize gives %d objects, the chart %d", n, len(r.kinds))
	}
}
