package observability

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// ScrapeConfig is one Prometheus scrape_configs entry, the subset this
// program renders. A collector that embeds Prometheus' scrape config (ADOT's
// prometheus receiver) takes the same entries.
type ScrapeConfig struct {
	JobName        string              `yaml:"job_name"`
	ScrapeInterval string              `yaml:"scrape_interval,omitempty"`
	MetricsPath    string              `yaml:"metrics_path,omitempty"`
	HonorLabels    bool                `yaml:"honor_labels,omitempty"`
	Params         map[string][]string `yaml:"params,omitempty"`
	StaticConfigs  []StaticConfig      `yaml:"static_configs,omitempty"`
	// KubernetesSDConfigs discover targets in a cluster (a managed
	// collector running in it, e.g. AKS's metrics add-on).
	KubernetesSDConfigs []KubernetesSDConfig `yaml:"kubernetes_sd_configs,omitempty"`
	RelabelConfigs      []RelabelConfig      `yaml:"relabel_configs,omitempty"`
	// MetricRelabelConfigs filter what a scrape keeps (a collector billed
	// per sample forwards only the series the rules and dashboards read).
	MetricRelabelConfigs []RelabelConfig `yaml:"metric_relabel_configs,omitempty"`
}

// KubernetesSDConfig discovers one role's objects, optionally in some
// namespaces only.
type KubernetesSDConfig struct {
	Role       string          `yaml:"role"`
	Namespaces *NamespaceNames `yaml:"namespaces,omitempty"`
}

// NamespaceNames limits discovery to these namespaces.
type NamespaceNames struct {
	Names []string `yaml:"names"`
}

// StaticConfig is a fixed target list.
type StaticConfig struct {
	Targets []string          `yaml:"targets"`
	Labels  map[string]string `yaml:"labels,omitempty"`
}

// RelabelConfig is one relabelling step.
type RelabelConfig struct {
	SourceLabels []string `yaml:"source_labels,omitempty"`
	Separator    string   `yaml:"separator,omitempty"`
	Regex        string   `yaml:"regex,omitempty"`
	TargetLabel  string   `yaml:"target_label,omitempty"`
	Replacement  string   `yaml:"replacement,omitempty"`
	Action       string   `yaml:"action,omitempty"`
}

// Targets is where one region's scraper finds its nodes: host:port pairs as
// the scraper reaches them (an ECS sidecar reaches its own task on
// localhost; a test, loopback ports).
type Targets struct {
	// Metrics are the nodes' prometheus.port endpoints.
	Metrics []string
	// Health are the nodes' signaling endpoints; the blackbox exporter
	// probes GET / on each.
	Health []string
	// Blackbox is the blackbox exporter's host:port.
	Blackbox string
	// Extra jobs join the region's scrape (e.g. another LiveKit service's
	// metrics); their job names must not clash with the LiveKit jobs.
	Extra []ScrapeConfig
}

// HealthModule is the blackbox exporter module that probes LiveKit's GET /.
const HealthModule = "livekit_health"

// ScrapeConfigs renders the region's scrape jobs.
func ScrapeConfigs(t Targets) ([]ScrapeConfig, error) {
	if len(t.Metrics) == 0 {
		return nil, fmt.Errorf("observability: no LiveKit metrics target to scrape")
	}
	jobs := []ScrapeConfig{{
		JobName:       JobLiveKit,
		StaticConfigs: []StaticConfig{{Targets: t.Metrics}},
	}}
	if len(t.Health) > 0 {
		if t.Blackbox == "" {
			return nil, fmt.Errorf("observability: health targets need the blackbox exporter's address")
		}
		urls := make([]string, len(t.Health))
		for i, h := range t.Health {
			urls[i] = "http://" + h + "/"
		}
		jobs = append(jobs, ScrapeConfig{
			JobName:       JobHealth,
			MetricsPath:   "/probe",
			Params:        map[string][]string{"module": {HealthModule}},
			StaticConfigs: []StaticConfig{{Targets: urls}},
			// The blackbox exporter's documented pattern: the probed URL
			// becomes the target parameter and the instance label.
			RelabelConfigs: []RelabelConfig{
				{SourceLabels: []string{"__address__"}, TargetLabel: "__param_target"},
				{SourceLabels: []string{"__param_target"}, TargetLabel: "instance"},
				{TargetLabel: "__address__", Replacement: t.Blackbox},
			},
		})
	}
	seen := map[string]bool{}
	for _, j := range jobs {
		seen[j.JobName] = true
	}
	for _, j := range t.Extra {
		if seen[j.JobName] {
			return nil, fmt.Errorf("observability: extra scrape job %q clashes with a job of the same name", j.JobName)
		}
		seen[j.JobName] = true
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// PrometheusConfig is a Prometheus server's configuration file.
type PrometheusConfig struct {
	Global        GlobalConfig   `yaml:"global"`
	RuleFiles     []string       `yaml:"rule_files,omitempty"`
	ScrapeConfigs []ScrapeConfig `yaml:"scrape_configs"`
	RemoteWrite   []RemoteWrite  `yaml:"remote_write,omitempty"`
}

// GlobalConfig is the global block.
type GlobalConfig struct {
	ScrapeInterval     string            `yaml:"scrape_interval"`
	EvaluationInterval string            `yaml:"evaluation_interval,omitempty"`
	ExternalLabels     map[string]string `yaml:"external_labels,omitempty"`
}

// RegionalPrometheus is the configuration of a Prometheus that scrapes one
// region and evaluates its rules (ruleFile); its external labels name the
// region in every series it hands on (remote write).
func (r Region) RegionalPrometheus(t Targets, ruleFile string) (PrometheusConfig, error) {
	if err := r.Validate(); err != nil {
		return PrometheusConfig{}, err
	}
	jobs, err := ScrapeConfigs(t)
	if err != nil {
		return PrometheusConfig{}, err
	}
	c := PrometheusConfig{
		Global: GlobalConfig{
			ScrapeInterval:     ScrapeInterval,
			EvaluationInterval: EvaluationInterval,
			ExternalLabels:     r.Labels(),
		},
		ScrapeConfigs: jobs,
	}
	if ruleFile != "" {
		c.RuleFiles = []string{ruleFile}
	}
	return c, nil
}

// BlackboxConfig is the blackbox exporter's module file: GET / must answer
// 200 (LiveKit's 406 fails the probe and is kept as the status code).
type BlackboxConfig struct {
	Modules map[string]BlackboxModule `yaml:"modules"`
}

// BlackboxModule is one prober.
type BlackboxModule struct {
	Prober  string            `yaml:"prober"`
	Timeout string            `yaml:"timeout"`
	HTTP    BlackboxHTTPProbe `yaml:"http"`
}

// BlackboxHTTPProbe is the http prober's settings.
type BlackboxHTTPProbe struct {
	Method              string `yaml:"method"`
	ValidStatusCodes    []int  `yaml:"valid_status_codes"`
	FollowRedirects     bool   `yaml:"follow_redirects"`
	PreferredIPProtocol string `yaml:"preferred_ip_protocol"`
}

// Blackbox renders the health probe's module.
func Blackbox() BlackboxConfig {
	return BlackboxConfig{Modules: map[string]BlackboxModule{
		HealthModule: {
			Prober:  "http",
			Timeout: "5s",
			HTTP: BlackboxHTTPProbe{
				Method:              "GET",
				ValidStatusCodes:    []int{200},
				FollowRedirects:     false,
				PreferredIPProtocol: "ip4",
			},
		},
	}}
}

// MarshalYAML renders any of this package's documents.
func MarshalYAML(v any) (string, error) {
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("observability: encoding %T: %w", v, err)
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return b.String(), nil
}

// PodScrapeConfig is the livekit job of a collector running in the cluster:
// the pods of namespace whose labels match selector, scraped at their pod IP
// on port (LiveKit runs on the host network, so that is the node's address
// and the port never needs a Service or a public rule), with the region's
// labels added to every series (a managed collector has no
// external_labels).
func (r Region) PodScrapeConfig(namespace string, selector map[string]string, port int, metricsPath, interval string) (ScrapeConfig, error) {
	return r.podScrape(JobLiveKit, namespace, selector, port, metricsPath, interval)
}

// EgressPodScrapeConfig is the same job for the Egress pods (not on the
// host network: their pod IP is the pod's own), as job livekit-egress.
func (r Region) EgressPodScrapeConfig(namespace string, selector map[string]string, port int, metricsPath, interval string) (ScrapeConfig, error) {
	return r.podScrape(JobEgress, namespace, selector, port, metricsPath, interval)
}

func (r Region) podScrape(job, namespace string, selector map[string]string, port int, metricsPath, interval string) (ScrapeConfig, error) {
	if err := r.Validate(); err != nil {
		return ScrapeConfig{}, err
	}
	if namespace == "" || len(selector) == 0 || port < 1 || port > 65535 {
		return ScrapeConfig{}, fmt.Errorf("observability: a pod scrape needs a namespace, a selector and a port (got %q, %v, %d)", namespace, selector, port)
	}
	var relabel []RelabelConfig
	for _, k := range sortedKeys(selector) {
		relabel = append(relabel, RelabelConfig{
			SourceLabels: []string{"__meta_kubernetes_pod_label_" + labelName(k)},
			Regex:        regexpQuote(selector[k]), Action: "keep",
		})
	}
	relabel = append(relabel,
		RelabelConfig{SourceLabels: []string{"__meta_kubernetes_pod_ip"}, Regex: "(.+)",
			TargetLabel: "__address__", Replacement: fmt.Sprintf("${1}:%d", port)},
		RelabelConfig{SourceLabels: []string{"__meta_kubernetes_pod_node_name"}, TargetLabel: "node"},
		RelabelConfig{SourceLabels: []string{"__meta_kubernetes_pod_name"}, TargetLabel: "pod"},
	)
	labels := r.Labels()
	for _, k := range sortedKeys(labels) {
		relabel = append(relabel, RelabelConfig{TargetLabel: k, Replacement: labels[k]})
	}
	return ScrapeConfig{
		JobName:             job,
		ScrapeInterval:      interval,
		MetricsPath:         metricsPath,
		KubernetesSDConfigs: []KubernetesSDConfig{{Role: "pod", Namespaces: &NamespaceNames{Names: []string{namespace}}}},
		RelabelConfigs:      relabel,
	}, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// labelName is Kubernetes SD's form of a label key in meta labels.
func labelName(k string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, k)
}

func regexpQuote(s string) string { return regexp.QuoteMeta(s) }
