package tests

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"gopkg.in/yaml.v3"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/bmpstream/bmpstream/deployment/internal/chart"
)

func chartDir(t *testing.T) string { return filepath.Join(deploymentDir(t), "helm", "bmpstream") }

// rendered is a chart rendered and decoded into the Kubernetes API types.
type rendered struct {
	deployment      *appsv1.Deployment
	configMap       *corev1.ConfigMap
	services        map[string]*corev1.Service // by name
	pdb             *policyv1.PodDisruptionBudget
	netpol          *networkingv1.NetworkPolicy
	serviceMonitor  *monitoringv1.ServiceMonitor
	prometheusRule  *monitoringv1.PrometheusRule
	serviceAccounts int
	kinds           []string
}

// strictDecode converts a YAML document to JSON and decodes it into v, failing on any field
// the API type does not have (as `kubectl apply --validate=strict` would).
func strictDecode(t *testing.T, doc string, v any) {
	t.Helper()
	j, err := sigsyaml.YAMLToJSON([]byte(doc))
	if err != nil {
		t.Fatalf("YAML: %v\n%s", err, doc)
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("strict decoding into %T: %v\n%s", v, err, doc)
	}
}

func decodeDocs(t *testing.T, docs []chart.Doc) *rendered {
	t.Helper()
	r := &rendered{services: map[string]*corev1.Service{}}
	for _, d := range docs {
		var head struct {
			APIVersion string `yaml:"apiVersion"`
			Kind       string `yaml:"kind"`
		}
		if err := yaml.Unmarshal([]byte(d.YAML), &head); err != nil {
			t.Fatalf("%s: %v", d.Template, err)
		}
		r.kinds = append(r.kinds, head.Kind)
		switch head.APIVersion + " " + head.Kind {
		case "apps/v1 Deployment":
			r.deployment = &appsv1.Deployment{}
			strictDecode(t, d.YAML, r.deployment)
		case "v1 ConfigMap":
			r.configMap = &corev1.ConfigMap{}
			strictDecode(t, d.YAML, r.configMap)
		case "v1 Service":
			s := &corev1.Service{}
			strictDecode(t, d.YAML, s)
			r.services[s.Name] = s
		case "v1 ServiceAccount":
			strictDecode(t, d.YAML, &corev1.ServiceAccount{})
			r.serviceAccounts++
		case "policy/v1 PodDisruptionBudget":
			r.pdb = &policyv1.PodDisruptionBudget{}
			strictDecode(t, d.YAML, r.pdb)
		case "networking.k8s.io/v1 NetworkPolicy":
			r.netpol = &networkingv1.NetworkPolicy{}
			strictDecode(t, d.YAML, r.netpol)
		case "monitoring.coreos.com/v1 ServiceMonitor":
			r.serviceMonitor = &monitoringv1.ServiceMonitor{}
			strictDecode(t, d.YAML, r.serviceMonitor)
		case "monitoring.coreos.com/v1 PrometheusRule":
			r.prometheusRule = &monitoringv1.PrometheusRule{}
			strictDecode(t, d.YAML, r.prometheusRule)
		default:
			t.Fatalf("%s: unexpected object %s %s (a Secret in the chart would inline credentials)", d.Template, head.APIVersion, head.Kind)
		}
	}
	if r.deployment == nil || r.configMap == nil {
		t.Fatalf("rendered kinds %v: no Deployment or ConfigMap", r.kinds)
	}
	return r
}

// valueSet is one way of installing the chart, with the Secrets the operator created.
type valueSet struct {
	name    string
	values  string
	secrets map[string]map[string]string // Secret name → key → content ("CERT", "KEY", "CA" are generated)
	check   func(t *testing.T, r *rendered, eff map[string]any)
}

const saslPassword = "s3cr3t-sasl-password"

var valueSets = []valueSet{
	{name: "default", values: ``, check: func(t *testing.T, r *rendered, eff map[string]any) {
		bmp := r.services["bmpstream"]
		if bmp.Spec.Type != corev1.ServiceTypeLoadBalancer || bmp.Spec.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyLocal {
			t.Errorf("BMP Service type %s externalTrafficPolicy %s, want LoadBalancer/Local (router source address kept)", bmp.Spec.Type, bmp.Spec.ExternalTrafficPolicy)
		}
		if r.pdb == nil || r.pdb.Spec.MaxUnavailable.IntValue() != 1 {
			t.Errorf("PodDisruptionBudget %+v", r.pdb)
		}
		if r.serviceMonitor != nil || r.prometheusRule != nil || r.netpol != nil {
			t.Errorf("optional objects rendered by default: %v", r.kinds)
		}
		if _, ok := eff["kafka-server"]; ok && eff["kafka-server"] != "" {
			t.Errorf("kafka enabled by default")
		}
	}},
	{name: "kafka-sasl-tls", values: `
kafka:
  servers: kafka-0.kafka:9093,kafka-1.kafka:9093
  topicPrefix: bmp
  tls: {enabled: true, secretName: kafka-client-tls, mutual: true}
  sasl:
    mechanism: SCRAM-SHA-512
    username: bmpstream
    passwordSecret: {name: kafka-sasl, key: password}
config:
  kafka-compression: zstd
  queue-size: 128
`, secrets: map[string]map[string]string{
		"kafka-sasl":       {"password": saslPassword},
		"kafka-client-tls": {"ca.crt": "CA", "tls.crt": "CERT", "tls.key": "KEY"},
	}, check: func(t *testing.T, r *rendered, eff map[string]any) {
		want := map[string]any{"kafka-server": "kafka-0.kafka:9093,kafka-1.kafka:9093", "kafka-topic-prefix": "bmp",
			"kafka-sasl-mechanism": "SCRAM-SHA-512", "kafka-sasl-username": "bmpstream", "kafka-tls": true,
			"kafka-compression": "zstd", "queue-size": 128}
		for k, v := range want {
			if eff[k] != v {
				t.Errorf("%s = %v, want %v", k, eff[k], v)
			}
		}
		env := r.deployment.Spec.Template.Spec.Containers[0].Env
		if len(env) != 1 || env[0].Name != "BMPSTREAM_KAFKA_SASL_PASSWORD" || env[0].ValueFrom == nil ||
			env[0].ValueFrom.SecretKeyRef == nil || env[0].ValueFrom.SecretKeyRef.Name != "kafka-sasl" || env[0].ValueFrom.SecretKeyRef.Key != "password" {
			t.Errorf("env %+v: want the SASL password from Secret kafka-sasl key password", env)
		}
	}},
	{name: "bmp-tls-only", values: `
bmp:
  allowedRouters: [192.0.2.0/24, 2001:db8::1]
  tls: {enabled: true, port: 5443, secretName: bmp-tls, clientCA: true, plainListener: false}
networkPolicy:
  enabled: true
`, secrets: map[string]map[string]string{
		"bmp-tls": {"ca.crt": "CA", "tls.crt": "CERT", "tls.key": "KEY"},
	}, check: func(t *testing.T, r *rendered, eff map[string]any) {
		if eff["plain-listener"] != false || eff["tls-port"] != 5443 {
			t.Errorf("plain-listener %v tls-port %v", eff["plain-listener"], eff["tls-port"])
		}
		bmp := r.services["bmpstream"]
		if len(bmp.Spec.Ports) != 1 || bmp.Spec.Ports[0].Port != 5443 {
			t.Errorf("BMP Service ports %+v, want only 5443", bmp.Spec.Ports)
		}
		if !reflect.DeepEqual(bmp.Spec.LoadBalancerSourceRanges, []string{"192.0.2.0/24", "2001:db8::1/128"}) {
			t.Errorf("loadBalancerSourceRanges %v", bmp.Spec.LoadBalancerSourceRanges)
		}
		if r.netpol == nil || len(r.netpol.Spec.Ingress) != 2 || len(r.netpol.Spec.Ingress[0].From) != 2 ||
			r.netpol.Spec.Ingress[0].From[1].IPBlock.CIDR != "2001:db8::1/128" || r.netpol.Spec.Ingress[0].Ports[0].Port.String() != "bmp-tls" {
			t.Errorf("NetworkPolicy %+v", r.netpol)
		}
	}},
	{name: "monitoring-nats", values: `
metrics:
  port: 9464
  serviceMonitor: {enabled: true, labels: {release: prometheus}}
  prometheusRule: {enabled: true}
bmp:
  port: 1790
  service: {type: NodePort, nodePort: 31790}
nats:
  urlSecret: {name: nats-url, key: url}
  jetstream: true
replicaCount: 3
shutdownTimeoutSeconds: 60
`, secrets: map[string]map[string]string{
		"nats-url": {"url": "nats://bmp:" + saslPassword + "@nats.nats:4222"},
	}, check: func(t *testing.T, r *rendered, eff map[string]any) {
		sm := r.serviceMonitor
		if sm == nil || r.prometheusRule == nil {
			t.Fatalf("ServiceMonitor/PrometheusRule not rendered: %v", r.kinds)
		}
		metrics := r.services["bmpstream-metrics"]
		sel := labels.SelectorFromSet(sm.Spec.Selector.MatchLabels)
		if !sel.Matches(labels.Set(metrics.Labels)) || sel.Matches(labels.Set(r.services["bmpstream"].Labels)) {
			t.Errorf("ServiceMonitor selector %v must select only the metrics Service", sm.Spec.Selector.MatchLabels)
		}
		if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != metrics.Spec.Ports[0].Name || sm.Spec.Endpoints[0].Path != "/metrics" {
			t.Errorf("ServiceMonitor endpoints %+v", sm.Spec.Endpoints)
		}
		if sm.Labels["release"] != "prometheus" {
			t.Errorf("ServiceMonitor labels %v", sm.Labels)
		}
		if eff["nats-server"] != "nats://bmp:"+saslPassword+"@nats.nats:4222" || eff["nats-jetstream"] != true {
			t.Errorf("nats-server %v jetstream %v (the URL comes from the Secret via BMPSTREAM_NATS_SERVER)", eff["nats-server"], eff["nats-jetstream"])
		}
		bmp := r.services["bmpstream"]
		if bmp.Spec.Type != corev1.ServiceTypeNodePort || bmp.Spec.Ports[0].NodePort != 31790 || bmp.Spec.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyLocal {
			t.Errorf("BMP Service %+v", bmp.Spec)
		}
		if *r.deployment.Spec.Replicas != 3 {
			t.Errorf("replicas %d", *r.deployment.Spec.Replicas)
		}
		checkRulesMatchAlertsFile(t, r.prometheusRule)
	}},
}

// TestChart renders the chart with each value set using the Helm library, decodes every
// object strictly into the Kubernetes API types and checks what breaks deployments.
func TestChart(t *testing.T) {
	for _, vs := range valueSets {
		t.Run(vs.name, func(t *testing.T) {
			var values map[string]any
			if err := yaml.Unmarshal([]byte(vs.values), &values); err != nil {
				t.Fatal(err)
			}
			docs, err := chart.Render(chartDir(t), values, chart.Release{Name: "bmpstream", Namespace: "bmp"})
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			r := decodeDocs(t, docs)
			for _, d := range docs {
				if strings.Contains(d.YAML, saslPassword) {
					t.Errorf("%s inlines a secret value", d.Template)
				}
			}
			eff := checkPod(t, r, vs)
			vs.check(t, r, eff)
		})
	}
}

// checkPod checks the Deployment against the Services, the PDB and the collector itself,
// and returns the collector's effective configuration in that pod.
func checkPod(t *testing.T, r *rendered, vs valueSet) map[string]any {
	t.Helper()
	d := r.deployment
	pod := d.Spec.Template
	podLabels := labels.Set(pod.Labels)
	// Labels and selectors.
	if !labels.SelectorFromSet(d.Spec.Selector.MatchLabels).Matches(podLabels) {
		t.Errorf("Deployment selector %v does not match its pods %v", d.Spec.Selector.MatchLabels, pod.Labels)
	}
	for name, s := range r.services {
		if len(s.Spec.Selector) == 0 || !labels.SelectorFromSet(s.Spec.Selector).Matches(podLabels) {
			t.Errorf("Service %s selector %v does not match the pods %v", name, s.Spec.Selector, pod.Labels)
		}
	}
	if r.pdb != nil && !labels.SelectorFromSet(r.pdb.Spec.Selector.MatchLabels).Matches(podLabels) {
		t.Errorf("PDB selector does not match the pods")
	}
	if r.netpol != nil && !labels.SelectorFromSet(r.netpol.Spec.PodSelector.MatchLabels).Matches(podLabels) {
		t.Errorf("NetworkPolicy podSelector does not match the pods")
	}
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]
	ports := map[string]corev1.ContainerPort{}
	for _, p := range c.Ports {
		ports[p.Name] = p
	}
	// Every Service port targets a named container port with the same number.
	for name, s := range r.services {
		for _, sp := range s.Spec.Ports {
			cp, ok := ports[sp.TargetPort.String()]
			if sp.TargetPort.Type != intstr.String || !ok {
				t.Errorf("Service %s port %s targets %v: no such container port", name, sp.Name, sp.TargetPort.String())
				continue
			}
			if cp.ContainerPort != sp.Port {
				t.Errorf("Service %s port %d, container port %s %d", name, sp.Port, cp.Name, cp.ContainerPort)
			}
		}
	}
	if r.netpol != nil {
		for _, rule := range r.netpol.Spec.Ingress {
			for _, p := range rule.Ports {
				if _, ok := ports[p.Port.String()]; !ok {
					t.Errorf("NetworkPolicy port %s: no such container port", p.Port.String())
				}
			}
		}
	}
	// Security context: non-root, read-only root, no privilege escalation, no capabilities.
	psc, sc := pod.Spec.SecurityContext, c.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		t.Errorf("pod securityContext %+v: want non-root", psc)
	}
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.Capabilities == nil || !reflect.DeepEqual(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("container securityContext %+v", sc)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("resources %+v", c.Resources)
	}
	// Probes target the metrics port on the paths the collector serves.
	probes := map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe}
	wantPath := map[string]string{"liveness": "/healthz", "readiness": "/readyz"}
	for kind, p := range probes {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != wantPath[kind] || p.HTTPGet.Port.String() != "metrics" {
			t.Errorf("%s probe %+v: want GET %s on port metrics", kind, p, wantPath[kind])
		}
	}
	// Secrets only by reference.
	for _, e := range c.Env {
		if e.Value != "" && (strings.Contains(e.Name, "PASSWORD") || strings.Contains(e.Name, "NATS_SERVER")) {
			t.Errorf("env %s has an inline value", e.Name)
		}
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			if _, ok := vs.secrets[e.ValueFrom.SecretKeyRef.Name][e.ValueFrom.SecretKeyRef.Key]; !ok {
				t.Errorf("env %s references Secret %s key %s the value set does not provide", e.Name, e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key)
			}
		}
	}
	file := r.configMap.Data["bmpstream.yaml"]
	var cfg map[string]any
	if err := yaml.Unmarshal([]byte(file), &cfg); err != nil {
		t.Fatalf("ConfigMap bmpstream.yaml: %v", err)
	}
	for k := range cfg {
		for _, w := range []string{"password", "secret", "token", "credential"} {
			if strings.Contains(k, w) {
				t.Errorf("config file sets %s: secrets belong in a Secret", k)
			}
		}
	}
	if strings.Contains(file, "PRIVATE KEY") {
		t.Errorf("config file inlines key material:\n%s", file)
	}

	// Run the collector as the pod would: the ConfigMap and the Secrets mounted (in a
	// temporary directory standing for the container's filesystem), the env resolved.
	eff := podConfig(t, r, vs)
	bmpPort := eff["source-port"]
	if eff["plain-listener"] != false {
		if p, ok := ports["bmp"]; !ok || bmpPort != int(p.ContainerPort) {
			t.Errorf("source-port %v, container port bmp %+v", bmpPort, ports["bmp"])
		}
	} else if _, ok := ports["bmp"]; ok {
		t.Errorf("container port bmp declared with the plain listener off")
	}
	if tp, ok := eff["tls-port"]; ok && tp != 0 {
		if p, ok := ports["bmp-tls"]; !ok || tp != int(p.ContainerPort) {
			t.Errorf("tls-port %v, container port bmp-tls %+v", tp, ports["bmp-tls"])
		}
	}
	host, port, err := net.SplitHostPort(fmt.Sprint(eff["metrics-address"]))
	if err != nil || host != "0.0.0.0" || port != strconv.Itoa(int(ports["metrics"].ContainerPort)) {
		t.Errorf("metrics-address %v, container port metrics %d: want 0.0.0.0 and the same port", eff["metrics-address"], ports["metrics"].ContainerPort)
	}
	shutdown, err := time.ParseDuration(fmt.Sprint(eff["shutdown-timeout"]))
	if err != nil || pod.Spec.TerminationGracePeriodSeconds == nil || time.Duration(*pod.Spec.TerminationGracePeriodSeconds)*time.Second <= shutdown {
		t.Errorf("terminationGracePeriodSeconds %v must exceed --shutdown-timeout %v", pod.Spec.TerminationGracePeriodSeconds, eff["shutdown-timeout"])
	}
	return eff
}

// podConfig materialises the pod's mounts under a temporary root, runs
// `bmpstream ARGS --check-config --print-config` with the pod's arguments and environment
// and returns the effective configuration.
func podConfig(t *testing.T, r *rendered, vs valueSet) map[string]any {
	t.Helper()
	pod := r.deployment.Spec.Template.Spec
	c := pod.Containers[0]
	fsRoot := t.TempDir()
	cert, key, ca := testCert(t)
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
	}
	for _, m := range c.VolumeMounts {
		v, ok := volumes[m.Name]
		if !ok {
			t.Fatalf("volumeMount %s has no volume", m.Name)
		}
		dir := filepath.Join(fsRoot, m.MountPath)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		files := map[string]string{}
		switch {
		case v.ConfigMap != nil:
			if v.ConfigMap.Name != r.configMap.Name {
				t.Fatalf("volume %s mounts ConfigMap %s, the chart's is %s", m.Name, v.ConfigMap.Name, r.configMap.Name)
			}
			files = r.configMap.Data
		case v.Secret != nil:
			s, ok := vs.secrets[v.Secret.SecretName]
			if !ok {
				t.Fatalf("volume %s mounts Secret %s the value set does not provide", m.Name, v.Secret.SecretName)
			}
			for k, content := range s {
				files[k] = map[string]string{"CERT": cert, "KEY": key, "CA": ca}[content]
			}
		}
		for name, content := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Paths in the arguments and the config file point into the temporary root.
	var pairs []string
	for _, m := range c.VolumeMounts {
		pairs = append(pairs, m.MountPath+"/", filepath.Join(fsRoot, m.MountPath)+"/")
	}
	rebase := strings.NewReplacer(pairs...).Replace
	for _, m := range c.VolumeMounts {
		if v := volumes[m.Name]; v.ConfigMap != nil {
			p := filepath.Join(fsRoot, m.MountPath, "bmpstream.yaml")
			data, _ := os.ReadFile(p)
			if err := os.WriteFile(p, []byte(rebase(string(data))), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	var args []string
	for _, a := range c.Args {
		args = append(args, rebase(a))
	}
	var env []string
	for _, e := range c.Env {
		val := e.Value
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			val = vs.secrets[e.ValueFrom.SecretKeyRef.Name][e.ValueFrom.SecretKeyRef.Key]
		}
		env = append(env, e.Name+"="+val)
	}
	code, out, errs := runCollector(t, env, append(args, "--print-config", "--check-config")...)
	if code != 0 {
		t.Fatalf("the ConfigMap's config is rejected: exit %d\n%s\nconfig:\n%s", code, errs, r.configMap.Data["bmpstream.yaml"])
	}
	i := strings.LastIndex(out, "bmpstream: configuration OK")
	if i < 0 {
		t.Fatalf("no verdict in %q", out)
	}
	var eff map[string]any
	if err := yaml.Unmarshal([]byte(out[:i]), &eff); err != nil {
		t.Fatal(err)
	}
	return eff
}

func checkRulesMatchAlertsFile(t *testing.T, pr *monitoringv1.PrometheusRule) {
	t.Helper()
	src := filepath.Join(deploymentDir(t), "prometheus", "alerts.yml")
	want, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	copied, err := os.ReadFile(filepath.Join(chartDir(t), "files", "alerts.yml"))
	if err != nil || !bytes.Equal(copied, want) {
		t.Fatalf("helm/bmpstream/files/alerts.yml differs from prometheus/alerts.yml: run `make manifests`")
	}
	var file struct {
		Groups []struct {
			Name  string
			Rules []map[string]any
		}
	}
	if err := yaml.Unmarshal(want, &file); err != nil {
		t.Fatal(err)
	}
	if len(pr.Spec.Groups) != len(file.Groups) {
		t.Fatalf("PrometheusRule has %d groups, alerts.yml %d", len(pr.Spec.Groups), len(file.Groups))
	}
	for i, g := range file.Groups {
		pg := pr.Spec.Groups[i]
		if pg.Name != g.Name || len(pg.Rules) != len(g.Rules) {
			t.Errorf("group %d: %s with %d rules, alerts.yml %s with %d", i, pg.Name, len(pg.Rules), g.Name, len(g.Rules))
			continue
		}
		for j, rule := range g.Rules {
			if pg.Rules[j].Alert != rule["alert"] || strings.TrimSpace(pg.Rules[j].Expr.String()) != strings.TrimSpace(fmt.Sprint(rule["expr"])) {
				t.Errorf("rule %s: %s / %q, alerts.yml %v / %q", g.Name, pg.Rules[j].Alert, pg.Rules[j].Expr.String(), rule["alert"], rule["expr"])
			}
		}
	}
}

// TestChartRefusesUnsafeValues: the chart fails to render rather than producing a pod
// whose ports disagree with the collector or a ConfigMap holding a password.
func TestChartRefusesUnsafeValues(t *testing.T) {
	cases := map[string]string{
		"port in config":     "config: {source-port: 6000}",
		"metrics in config":  "config: {metrics-address: 127.0.0.1:1}",
		"password in config": "config: {kafka-sasl-password: x}",
		"sasl no secret":     "kafka: {servers: k:9092, sasl: {mechanism: PLAIN, username: u}}",
		"tls no secret":      "bmp: {tls: {enabled: true}}",
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			var values map[string]any
			if err := yaml.Unmarshal([]byte(v), &values); err != nil {
				t.Fatal(err)
			}
			if _, err := chart.Render(chartDir(t), values, chart.Release{Name: "bmpstream", Namespace: "bmp"}); err == nil {
				t.Fatalf("values %s rendered", v)
			}
		})
	}
}

// TestChartProbesServed: the probe paths and the metrics path the chart uses are served by
// a running collector (200), on the metrics listener.
func TestChartProbesServed(t *testing.T) {
	docs, err := chart.Render(chartDir(t), nil, chart.Release{Name: "bmpstream", Namespace: "bmp"})
	if err != nil {
		t.Fatal(err)
	}
	r := decodeDocs(t, docs)
	c := r.deployment.Spec.Template.Spec.Containers[0]
	col := startCollector(t, nil, "--dump=file", "--msg-file="+filepath.Join(t.TempDir(), "out.jsonl"))
	for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
		col.waitStatus(t, p.HTTPGet.Path, 200)
	}
	if code, body := col.get(t, "/metrics"); code != 200 || !strings.Contains(body, "bmpstream_build_info") {
		t.Fatalf("/metrics: %d", code)
	}
}

// testCert returns a self-signed certificate, its key and the CA (itself), PEM encoded.
func testCert(t *testing.T) (cert, key, ca string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bmpstream"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"bmpstream"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	c := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	return c, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd})), c
}
