package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"gopkg.in/yaml.v3"
)

type alertRule struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type ruleFile struct {
	Groups []struct {
		Name  string      `yaml:"name"`
		Rules []alertRule `yaml:"rules"`
	} `yaml:"groups"`
}

func readAlerts(t *testing.T) []alertRule {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(deploymentDir(t), "prometheus", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var f ruleFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	var rules []alertRule
	for _, g := range f.Groups {
		rules = append(rules, g.Rules...)
	}
	return rules
}

func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("promtool is not installed (.ci/run installs Debian's prometheus package)")
		}
		t.Skip("promtool not installed (apt-get install prometheus)")
	}
	return p
}

var labelRef = regexp.MustCompile(`\{\{\s*\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}`)

// TestAlertRules checks alerts.yml with `promtool check rules` and runs the unit tests of
// alerts_test.yml with `promtool test rules`, each expected alert completed with its
// annotations rendered from alerts.yml. Every alert must have a test where it fires and
// one where it stays silent.
func TestAlertRules(t *testing.T) {
	pt := promtool(t)
	dir := filepath.Join(deploymentDir(t), "prometheus")
	if out, err := exec.Command(pt, "check", "rules", filepath.Join(dir, "alerts.yml")).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	rules := map[string]alertRule{}
	for _, r := range readAlerts(t) {
		if r.Alert == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" || len(r.Annotations["runbook"]) < 100 {
			t.Errorf("rule %q: want an alert with a severity, a summary and runbook text", r.Alert)
		}
		if regexp.MustCompile(`\$value`).MatchString(r.Annotations["summary"] + r.Annotations["runbook"]) {
			t.Errorf("rule %s: annotations must not use $value (the unit tests state them)", r.Alert)
		}
		rules[r.Alert] = r
	}

	data, err := os.ReadFile(filepath.Join(dir, "alerts_test.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	fires, silent := map[string]int{}, map[string]int{}
	tests, _ := doc["tests"].([]any)
	for _, tc := range tests {
		for _, at := range tc.(map[string]any)["alert_rule_test"].([]any) {
			at := at.(map[string]any)
			name := at["alertname"].(string)
			rule, ok := rules[name]
			if !ok {
				t.Fatalf("alerts_test.yml tests unknown alert %s", name)
			}
			exp, _ := at["exp_alerts"].([]any)
			if len(exp) == 0 {
				silent[name]++
			}
			for _, e := range exp {
				e := e.(map[string]any)
				fires[name]++
				lbls := map[string]string{}
				for k, v := range e["exp_labels"].(map[string]any) {
					lbls[k] = v.(string)
				}
				ann := map[string]string{}
				for k, v := range rule.Annotations {
					ann[k] = labelRef.ReplaceAllStringFunc(v, func(m string) string {
						return lbls[labelRef.FindStringSubmatch(m)[1]]
					})
				}
				e["exp_annotations"] = ann
			}
		}
	}
	for name := range rules {
		if fires[name] == 0 || silent[name] == 0 {
			t.Errorf("alert %s: %d firing and %d silent test cases, want both", name, fires[name], silent[name])
		}
	}
	out := t.TempDir()
	full, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	alerts, _ := os.ReadFile(filepath.Join(dir, "alerts.yml"))
	if err := os.WriteFile(filepath.Join(out, "alerts.yml"), alerts, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "alerts_test.yml"), full, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(pt, "test", "rules", "alerts_test.yml")
	cmd.Dir = out
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, b)
	}
}
