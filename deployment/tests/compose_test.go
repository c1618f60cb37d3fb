package tests

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"
)

const pgDSN = "postgres://bmpstream:bmpstream@postgres:5432/bmpstream?sslmode=disable"

func loadCompose(t *testing.T, env map[string]string, profiles ...string) *types.Project {
	t.Helper()
	dir := filepath.Join(deploymentDir(t), "compose")
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, "docker-compose.yml")}},
		Environment: env,
	}, func(o *loader.Options) {
		o.SetProjectName("bmpstream", true)
		o.Profiles = profiles
		o.ResolvePaths = true
	})
	if err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return p
}

// published maps a service's container ports to their host ports.
func published(s types.ServiceConfig) map[uint32]string {
	m := map[uint32]string{}
	for _, p := range s.Ports {
		m[p.Target] = p.Published
	}
	return m
}

// bindSource returns the host path bound to target in service s.
func bindSource(t *testing.T, s types.ServiceConfig, target string) string {
	t.Helper()
	for _, v := range s.Volumes {
		if v.Target == target {
			if v.Type != types.VolumeTypeBind {
				t.Fatalf("%s: %s is not a bind mount", s.Name, target)
			}
			return v.Source
		}
	}
	t.Fatalf("%s mounts nothing on %s", s.Name, target)
	return ""
}

// TestCompose parses the compose stack with compose-spec's loader and checks it against
// the collector: its config is accepted with the stack's environment, the published ports
// are the ones it listens on, Kafka, the consumer, Prometheus and Grafana point at each
// other, and every file it references exists.
func TestCompose(t *testing.T) {
	base := loadCompose(t, nil)
	if names := base.ServiceNames(); !slices.Equal(sortedKeys(base.Services), []string{"bmpstream", "consumer", "kafka", "prometheus"}) {
		t.Fatalf("default services %v", names)
	}
	full := loadCompose(t, map[string]string{"POSTGRES_DSN": pgDSN}, "full")
	if got := sortedKeys(full.Services); !slices.Equal(got, []string{"bmpstream", "consumer", "grafana", "kafka", "postgres", "prometheus"}) {
		t.Fatalf("full profile services %v", got)
	}

	// Every bind mount and the build context exist.
	for _, p := range []*types.Project{full} {
		for _, s := range p.Services {
			for _, v := range s.Volumes {
				if v.Type != types.VolumeTypeBind {
					continue
				}
				if _, err := os.Stat(v.Source); err != nil {
					t.Errorf("%s mounts %s: %v", s.Name, v.Source, err)
				}
			}
			if s.Build != nil {
				if _, err := os.Stat(filepath.Join(s.Build.Context, s.Build.Dockerfile)); err != nil {
					t.Errorf("%s builds from %s: %v", s.Name, s.Build.Context, err)
				}
			}
		}
	}

	// Kafka: single node in KRaft mode; its advertised listener is what the clients use.
	kafka := base.Services["kafka"]
	if kafka.Environment["KAFKA_PROCESS_ROLES"] == nil || *kafka.Environment["KAFKA_PROCESS_ROLES"] != "broker,controller" {
		t.Errorf("kafka is not a KRaft broker+controller")
	}
	adv := *kafka.Environment["KAFKA_ADVERTISED_LISTENERS"]
	broker := strings.TrimPrefix(adv, "PLAINTEXT://")

	// The collector, with the config file the stack mounts over the image's default and the
	// stack's environment (with and without the full profile's DSN).
	bmp := base.Services["bmpstream"]
	if bmp.Build == nil || bmp.Build.Context != root(t) || bmp.Build.Dockerfile != "Dockerfile" {
		t.Errorf("bmpstream is not built from the repository's Dockerfile: %+v", bmp.Build)
	}
	conf := bindSource(t, bmp, "/etc/bmpstream/bmpstream.yaml")
	for _, p := range []*types.Project{base, full} {
		s := p.Services["bmpstream"]
		env := []string{"BMPSTREAM_CONFIG=" + conf}
		for k, v := range s.Environment {
			if v != nil {
				env = append(env, k+"="+*v)
			}
		}
		code, out, errs := runCollector(t, env, append(s.Command, "--print-config", "--check-config")...)
		if code != 0 {
			t.Fatalf("the stack's configuration is rejected (env %v): %s", env, errs)
		}
		var eff map[string]any
		if err := yaml.Unmarshal([]byte(out[:strings.LastIndex(out, "bmpstream: configuration OK")]), &eff); err != nil {
			t.Fatal(err)
		}
		if eff["kafka-server"] != broker {
			t.Errorf("kafka-server %v, the broker advertises %s", eff["kafka-server"], broker)
		}
		ports := published(s)
		if ports[uint32(eff["source-port"].(int))] != "5000" {
			t.Errorf("source-port %v published as %v, want host port 5000 (the README's)", eff["source-port"], ports)
		}
		mhost, mport, _ := net.SplitHostPort(eff["metrics-address"].(string))
		if mhost != "0.0.0.0" || ports[uint32(atoiT(t, mport))] == "" {
			t.Errorf("metrics-address %v, published %v", eff["metrics-address"], ports)
		}
		if p == full && eff["postgres-dsn"] != pgDSN {
			t.Errorf("full profile: postgres-dsn %v", eff["postgres-dsn"])
		}
		if p == base && eff["postgres-dsn"] != "" {
			t.Errorf("default: postgres-dsn %v, want the PostgreSQL output off", eff["postgres-dsn"])
		}
		// The consumer reads a topic the collector writes, from the same broker.
		cons := p.Services["consumer"]
		cmd := strings.Join(cons.Command, " ")
		if !strings.Contains(cmd, "--bootstrap-server="+broker) || !strings.Contains(cmd, "--topic="+eff["kafka-topic-prefix"].(string)+".parsed.peer") {
			t.Errorf("consumer %q does not read %s.parsed.peer from %s", cmd, eff["kafka-topic-prefix"], broker)
		}
		// Prometheus scrapes the metrics port and loads the alert rules.
		checkPrometheusConfig(t, p.Services["prometheus"], "bmpstream:"+mport)
	}

	// PostgreSQL: the DSN of the README names the service's user, database and port.
	pg := full.Services["postgres"]
	for k, want := range map[string]string{"POSTGRES_USER": "bmpstream", "POSTGRES_DB": "bmpstream"} {
		if pg.Environment[k] == nil || *pg.Environment[k] != want || !strings.Contains(pgDSN, want) {
			t.Errorf("postgres %s", k)
		}
	}
	// Grafana: the provisioned data source is the Prometheus service; the dashboard file
	// is mounted where the provider looks.
	g := full.Services["grafana"]
	var ds struct {
		Datasources []struct{ Type, URL string } `yaml:"datasources"`
	}
	readYAML(t, bindSource(t, g, "/etc/grafana/provisioning/datasources/prometheus.yml"), &ds)
	if len(ds.Datasources) != 1 || ds.Datasources[0].Type != "prometheus" || ds.Datasources[0].URL != "http://prometheus:9090" {
		t.Errorf("grafana data sources %+v", ds)
	}
	var prov struct {
		Providers []struct {
			Options struct{ Path string } `yaml:"options"`
		} `yaml:"providers"`
	}
	readYAML(t, bindSource(t, g, "/etc/grafana/provisioning/dashboards/bmpstream.yml"), &prov)
	if len(prov.Providers) != 1 {
		t.Fatalf("grafana dashboard providers %+v", prov)
	}
	dash := bindSource(t, g, prov.Providers[0].Options.Path+"/bmpstream.json")
	if dash != filepath.Join(deploymentDir(t), "grafana", "bmpstream.json") {
		t.Errorf("grafana dashboard from %s", dash)
	}
}

func checkPrometheusConfig(t *testing.T, s types.ServiceConfig, target string) {
	t.Helper()
	conf := bindSource(t, s, "/etc/prometheus/prometheus.yml")
	var pc struct {
		RuleFiles     []string `yaml:"rule_files"`
		ScrapeConfigs []struct {
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	readYAML(t, conf, &pc)
	if len(pc.ScrapeConfigs) != 1 || !slices.Equal(pc.ScrapeConfigs[0].StaticConfigs[0].Targets, []string{target}) {
		t.Errorf("prometheus scrapes %+v, want %s", pc.ScrapeConfigs, target)
	}
	if len(pc.RuleFiles) != 1 || bindSource(t, s, pc.RuleFiles[0]) != filepath.Join(deploymentDir(t), "prometheus", "alerts.yml") {
		t.Errorf("prometheus rule_files %v: want deployment/prometheus/alerts.yml mounted", pc.RuleFiles)
	}
	// promtool accepts the configuration, with the rule file at its mounted source.
	pt, err := exec.LookPath("promtool")
	if err != nil {
		return // TestAlertRules reports a missing promtool
	}
	data, _ := os.ReadFile(conf)
	tmp := filepath.Join(t.TempDir(), "prometheus.yml")
	fixed := strings.ReplaceAll(string(data), pc.RuleFiles[0], bindSource(t, s, pc.RuleFiles[0]))
	if err := os.WriteFile(tmp, []byte(fixed), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(pt, "check", "config", tmp).CombinedOutput(); err != nil {
		t.Errorf("promtool check config: %v\n%s", err, out)
	}
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func atoiT(t *testing.T, s string) int {
	t.Helper()
	var n int
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("not a port: %q", s)
		}
		n = n*10 + int(c-'0')
	}
	return n
}
