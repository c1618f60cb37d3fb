package tests

import (
	"testing"

	"gopkg.in/yaml.v3"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
)

// TestChartLint runs Helm's linter (`helm lint`) on the chart with each value set: no
// warning or error.
func TestChartLint(t *testing.T) {
	for _, vs := range valueSets {
		var values map[string]any
		if err := yaml.Unmarshal([]byte(vs.values), &values); err != nil {
			t.Fatal(err)
		}
		l := lint.RunAll(chartDir(t), values, "bmp")
		for _, m := range l.Messages {
			if m.Severity >= support.WarningSev {
				t.Errorf("%s: %v", vs.name, m)
			} else {
				t.Logf("%s: %v", vs.name, m)
			}
		}
	}
}
