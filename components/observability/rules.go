package observability

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// Scrape job names. Managed collectors keep them as the job label (GMP
// names it after the PodMonitoring), so the rules select on them.
const (
	// JobLiveKit scrapes each node's prometheus.port.
	JobLiveKit = "livekit"
	// JobHealth probes each node's GET / through the blackbox exporter:
	// LiveKit exports nothing that tells it lost Redis, its health answer
	// (406) is the only signal.
	JobHealth = "livekit-health"
	// JobEgress scrapes each Egress worker's prometheus_port (GMP: the
	// Egress PodMonitoring's name).
	JobEgress = "livekit-egress"
)

// EgressCPUWarnRatio: a worker warns when its CPU load stays at this share
// of max_cpu_utilization, the point above which Egress admits no new job
// and starts stopping the hungriest one (stopped_cpu, killed_cpu).
const EgressCPUWarnRatio = 0.95

// ParticipantsPerVCPU is the planning figure behind the capacity alerts: how
// many participants of a typical small video room one vCPU forwards. It is a
// conservative reading of LiveKit's published benchmarks, not a limit
// LiveKit enforces; the alerts warn at 80 % of it.
const ParticipantsPerVCPU = 25

// CapacityWarnRatio is the share of the capacity figure the alerts fire at.
const CapacityWarnRatio = 0.8

// SysloadWarnRatio: a node warns at this share of sysloadLimitPercent, before
// LiveKit itself stops placing new rooms on it.
const SysloadWarnRatio = 0.9

// Region is what one region's rules are rendered from.
type Region struct {
	Stack  string // e.g. aws-prod
	Cloud  string // aws, gcp, azure
	Region string // the cloud's region, e.g. us-west-2
	// MaxNodes and CPUTargetPercent are the autoscaling bounds
	// (maxNodes, cpuTarget).
	MaxNodes         int
	CPUTargetPercent int
	// SysloadLimitPercent is LiveKit's node_selector sysload_limit
	// (sysloadLimitPercent).
	SysloadLimitPercent int
	// NodeVCPUs is the CPU one LiveKit node may use: the Fargate task's CPU
	// units / 1024, the pod's CPU request on GKE, AKS and EKS, or a
	// Container Instances group's CPU less its sidecars'.
	NodeVCPUs float64
	// NoHealthProbe: the region's managed Prometheus runs no blackbox probe
	// of GET / (GMP and Azure's add-on scrape pods, they cannot probe a
	// URL), so the 406 rules are left out rather than firing on a job that
	// never exists; the load balancer's health check sees a 406 there.
	NoHealthProbe bool
	// Egress is the region's Egress workers; nil in a region without
	// Egress, which then renders no Egress rule (they would alert on a job
	// that never exists).
	Egress *EgressWorkers
}

// EgressWorkers is what the Egress rules are rendered from.
type EgressWorkers struct {
	// MaxWorkers is the autoscaling upper bound (egressMaxInstances).
	MaxWorkers int
	// MaxCPUUtilization is the workers' cpu_cost.max_cpu_utilization
	// (0-1]: Egress admits no new job above it.
	MaxCPUUtilization float64
}

// Validate reports every contradictory or missing value at once.
func (r Region) Validate() error {
	var errs []error
	if r.Stack == "" || r.Cloud == "" || r.Region == "" {
		errs = append(errs, fmt.Errorf("observability: Stack, Cloud and Region are required (got %q, %q, %q)", r.Stack, r.Cloud, r.Region))
	}
	if r.MaxNodes < 1 {
		errs = append(errs, fmt.Errorf("observability: MaxNodes is %d, must be at least 1", r.MaxNodes))
	}
	if r.CPUTargetPercent < 1 || r.CPUTargetPercent > 100 {
		errs = append(errs, fmt.Errorf("observability: CPUTargetPercent is %d, must be 1-100", r.CPUTargetPercent))
	}
	if r.SysloadLimitPercent < 1 || r.SysloadLimitPercent > 100 {
		errs = append(errs, fmt.Errorf("observability: SysloadLimitPercent is %d, must be 1-100", r.SysloadLimitPercent))
	}
	if !(r.NodeVCPUs > 0) || math.IsInf(r.NodeVCPUs, 0) {
		errs = append(errs, fmt.Errorf("observability: NodeVCPUs is %v, must be positive (task CPU units / 1024, or the pod's CPU request)", r.NodeVCPUs))
	}
	if e := r.Egress; e != nil {
		if e.MaxWorkers < 1 {
			errs = append(errs, fmt.Errorf("observability: Egress.MaxWorkers is %d, must be at least 1", e.MaxWorkers))
		}
		if !(e.MaxCPUUtilization > 0 && e.MaxCPUUtilization <= 1) {
			errs = append(errs, fmt.Errorf("observability: Egress.MaxCPUUtilization is %v, must be in (0, 1] (cpu_cost.max_cpu_utilization)", e.MaxCPUUtilization))
		}
	}
	return errors.Join(errs...)
}

// NodeCapacity is the participant figure of one node.
func (r Region) NodeCapacity() int {
	return int(math.Floor(r.NodeVCPUs * ParticipantsPerVCPU))
}

// Labels are the series labels a region's scraper adds (Prometheus
// external_labels, a collector's resource labels): they tell the regions
// apart in the central view.
func (r Region) Labels() map[string]string {
	return map[string]string{"stack": r.Stack, "cloud": r.Cloud, "region": r.Region}
}

// RuleFile is a Prometheus rule file (rule_files, promtool, AMP rule groups
// namespaces, Azure PrometheusRuleGroups and GMP Rules share its groups).
type RuleFile struct {
	Groups []RuleGroup `yaml:"groups"`
}

// RuleGroup is one evaluated group.
type RuleGroup struct {
	Name     string `yaml:"name"`
	Interval string `yaml:"interval,omitempty"`
	Rules    []Rule `yaml:"rules"`
}

// Rule is one alerting rule.
type Rule struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

// Alert names: one definition for every cloud.
const (
	AlertNoNodeScraped             = "LiveKitNoNodeScraped"
	AlertNodeLostRedis             = "LiveKitNodeLostRedis"
	AlertNoHealthyNode             = "LiveKitNoHealthyNode"
	AlertAtMaxNodes                = "LiveKitAtMaxNodes"
	AlertNodeNearSysloadLimit      = "LiveKitNodeNearSysloadLimit"
	AlertNodeNearCapacity          = "LiveKitNodeNearCapacity"
	AlertRegionNearCapacity        = "LiveKitRegionNearCapacity"
	AlertEgressStartFailing        = "LiveKitEgressStartFailing"
	AlertNoEgressScraped           = "EgressNoWorkerScraped"
	AlertEgressNoCapacity          = "EgressNoCapacity"
	AlertEgressWorkerCPUHigh       = "EgressWorkerCPUHigh"
	AlertEgressFailures            = "EgressFailures"
	AlertEgressUploadFailures      = "EgressUploadFailures"
	EvaluationInterval             = "30s"
	ScrapeInterval                 = "15s"
	severityCritical, severityWarn = "critical", "warning"
)

// num renders a threshold for PromQL without float noise.
func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// Rules renders the region's alert rules.
func (r Region) Rules() (RuleFile, error) {
	if err := r.Validate(); err != nil {
		return RuleFile{}, err
	}
	up := fmt.Sprintf(`%s{job=%q}`, MetricUp, JobLiveKit)
	cpu := fmt.Sprintf(`rate(%s{job=%q}[5m]) / %s * 100`, MetricCPUSeconds, JobLiveKit, num(r.NodeVCPUs))
	participants := fmt.Sprintf(`%s{job=%q}`, MetricParticipants, JobLiveKit)
	sysloadWarn := math.Round(float64(r.SysloadLimitPercent)*SysloadWarnRatio*100) / 100
	nodeCap := r.NodeCapacity()
	nodeWarn := math.Floor(float64(nodeCap) * CapacityWarnRatio)
	regionWarn := math.Floor(float64(nodeCap*r.MaxNodes) * CapacityWarnRatio)

	rule := func(alert, expr, forDur, severity, summary, runbook string) Rule {
		return Rule{
			Alert:  alert,
			Expr:   expr,
			For:    forDur,
			Labels: map[string]string{"severity": severity},
			Annotations: map[string]string{
				"summary": summary,
				"runbook": runbook,
			},
		}
	}
	var probeRules []Rule
	if !r.NoHealthProbe {
		probeRules = []Rule{
			rule(AlertNodeLostRedis,
				fmt.Sprintf(`%s{job=%q} == 406`, MetricProbeStatusCode, JobHealth), "1m", severityCritical,
				"LiveKit node {{ $labels.instance }} answers 406 on GET /: it lost Redis.",
				Runbooks[AlertNodeLostRedis]),
			rule(AlertNoHealthyNode,
				fmt.Sprintf(`(sum(%s{job=%q}) or vector(0)) == 0`, MetricProbeSuccess, JobHealth), "1m", severityCritical,
				"No LiveKit node of "+r.Stack+" answers 200 on GET /.",
				Runbooks[AlertNoHealthyNode]),
		}
	}
	rules := []Rule{
		rule(AlertNoNodeScraped,
			fmt.Sprintf(`absent(%s == 1)`, up), "5m", severityCritical,
			"No LiveKit node of "+r.Stack+" has been scraped for 5 minutes.",
			Runbooks[AlertNoNodeScraped]),
		rule(AlertAtMaxNodes,
			fmt.Sprintf(`count(%s == 1) >= %d and on() avg(%s) > %d`, up, r.MaxNodes, cpu, r.CPUTargetPercent), "15m", severityWarn,
			fmt.Sprintf("%s runs maxNodes (%d) nodes and their CPU stays above the %d %% target.", r.Stack, r.MaxNodes, r.CPUTargetPercent),
			Runbooks[AlertAtMaxNodes]),
		rule(AlertNodeNearSysloadLimit,
			fmt.Sprintf(`%s > %s`, cpu, num(sysloadWarn)), "10m", severityWarn,
			fmt.Sprintf("LiveKit node {{ $labels.instance }} uses over %s %% of its %s vCPUs (sysloadLimitPercent %d).", num(sysloadWarn), num(r.NodeVCPUs), r.SysloadLimitPercent),
			Runbooks[AlertNodeNearSysloadLimit]),
		rule(AlertNodeNearCapacity,
			fmt.Sprintf(`%s > %s`, participants, num(nodeWarn)), "5m", severityWarn,
			fmt.Sprintf("LiveKit node {{ $labels.instance }} hosts over %s participants (80 %% of %d for %s vCPUs).", num(nodeWarn), nodeCap, num(r.NodeVCPUs)),
			Runbooks[AlertNodeNearCapacity]),
		rule(AlertRegionNearCapacity,
			fmt.Sprintf(`sum(%s) > %s`, participants, num(regionWarn)), "5m", severityWarn,
			fmt.Sprintf("%s hosts over %s participants (80 %% of %d nodes × %d).", r.Stack, num(regionWarn), r.MaxNodes, nodeCap),
			Runbooks[AlertRegionNearCapacity]),
	}
	rules = append(rules[:1], append(probeRules, rules[1:]...)...)
	f := RuleFile{Groups: []RuleGroup{{Name: LiveKitGroup(r.Stack), Interval: EvaluationInterval, Rules: rules}}}
	if r.Egress != nil {
		// The servers' side of Egress: it reads the livekit job, so it stays
		// in the LiveKit group (GMP evaluates a group over its own
		// namespace's series).
		f.Groups[0].Rules = append(f.Groups[0].Rules, rule(AlertEgressStartFailing,
			fmt.Sprintf(`sum(increase(%s{job=%q,service="Egress",status="5xx"}[15m])) > 0`, MetricTwirpRequests, JobLiveKit), "1m", severityWarn,
			"LiveKit nodes of "+r.Stack+" answered Egress API requests with 5xx in the last 15 minutes.",
			Runbooks[AlertEgressStartFailing]))
		f.Groups = append(f.Groups, r.egressGroup(rule))
	}
	return f, nil
}

// LiveKitGroup and EgressGroup name a region's rule groups.
func LiveKitGroup(stack string) string { return "livekit-" + stack }

// EgressGroup is the group of the rules over the Egress workers' series.
func EgressGroup(stack string) string { return "egress-" + stack }

// egressGroup renders the Egress workers' rules.
func (r Region) egressGroup(rule func(alert, expr, forDur, severity, summary, runbook string) Rule) RuleGroup {
	e := r.Egress
	sel := fmt.Sprintf(`{job=%q}`, JobEgress)
	cpuWarn := math.Round(e.MaxCPUUtilization*EgressCPUWarnRatio*1000) / 1000
	return RuleGroup{Name: EgressGroup(r.Stack), Interval: EvaluationInterval, Rules: []Rule{
		rule(AlertNoEgressScraped,
			fmt.Sprintf(`absent(%s%s == 1)`, MetricUp, sel), "5m", severityCritical,
			"No Egress worker of "+r.Stack+" has been scraped for 5 minutes: recordings cannot start.",
			Runbooks[AlertNoEgressScraped]),
		rule(AlertEgressNoCapacity,
			fmt.Sprintf(`max(%s%s) == 0`, MetricEgressCanAccept, sel), "10m", severityCritical,
			fmt.Sprintf("No Egress worker of %s can take a new recording (egressMaxInstances %d).", r.Stack, e.MaxWorkers),
			Runbooks[AlertEgressNoCapacity]),
		rule(AlertEgressWorkerCPUHigh,
			fmt.Sprintf(`%s{job=%q,node_type=%q} > %s`, MetricEgressCPULoad, JobEgress, EgressNodeType, num(cpuWarn)), "10m", severityWarn,
			fmt.Sprintf("Egress worker {{ $labels.instance }} runs above %s of its cores (max_cpu_utilization %s).", num(cpuWarn), num(e.MaxCPUUtilization)),
			Runbooks[AlertEgressWorkerCPUHigh]),
		rule(AlertEgressFailures,
			fmt.Sprintf(`sum by (result) (increase(%s{job=%q,result!=%q}[15m])) > 0`, MetricEgressResults, JobEgress, EgressResultCompleted), "1m", severityWarn,
			"Egress handlers of "+r.Stack+" ended {{ $labels.result }} in the last 15 minutes.",
			Runbooks[AlertEgressFailures]),
		rule(AlertEgressUploadFailures,
			fmt.Sprintf(`sum by (status) (increase(%s{job=%q,status!=%q}[15m])) > 0`, MetricEgressUploads, JobEgress, EgressUploadSuccess), "1m", severityWarn,
			"Egress uploads of "+r.Stack+" failed ({{ $labels.status }}) in the last 15 minutes.",
			Runbooks[AlertEgressUploadFailures]),
	}}
}

// Split returns the named group alone and the file without it (GMP
// evaluates a namespaced Rules object over its namespace's series only: the
// Egress group goes to the Egress namespace).
func (f RuleFile) Split(group string) (named, rest RuleFile) {
	for _, g := range f.Groups {
		if g.Name == group {
			named.Groups = append(named.Groups, g)
		} else {
			rest.Groups = append(rest.Groups, g)
		}
	}
	return named, rest
}

// AllRules lists the rules of every group.
func (f RuleFile) AllRules() []Rule {
	var rules []Rule
	for _, g := range f.Groups {
		rules = append(rules, g.Rules...)
	}
	return rules
}

// Runbooks is the one line an operator reads when an alert fires; docs/
// observability.md repeats each (a test keeps them in step).
var Runbooks = map[string]string{
	AlertNoNodeScraped:        "The scraper reaches no node: check the service's running count (ECS service / Deployment), the collector's logs, and that the metrics port (" + strconv.Itoa(livekit.PrometheusPort) + ") is open to the scraper only.",
	AlertNodeLostRedis:        "The node's stats stopped reaching Redis: check the region's Redis (status, failover, CPU, memory, connection errors) and the node's log for redis errors; the load balancer stops sending it new signaling meanwhile.",
	AlertNoHealthyNode:        "The region serves no new rooms and GeoDNS fails it over: look for a Redis outage first (every node answers 406), then for crashed nodes.",
	AlertAtMaxNodes:           "Autoscaling is at maxNodes and still above cpuTarget: raise maxNodes (and the quota behind it) or move traffic to another region.",
	AlertNodeNearSysloadLimit: "LiveKit will stop placing new rooms on this node at sysloadLimitPercent: check for a hot room; if every node is hot, scale out or raise the node size.",
	AlertNodeNearCapacity:     "The node nears the participant figure of its size: expect CPU pressure; check that autoscaling follows, or raise the node size.",
	AlertRegionNearCapacity:   "The region nears what maxNodes nodes can host: raise maxNodes or the node size before joins start failing.",
	AlertEgressStartFailing:   "The servers could not hand Egress requests to a worker (or Egress failed them): check EgressNoWorkerScraped/EgressNoCapacity, the Egress workers' logs, and that servers and workers share the region's Redis.",
	AlertNoEgressScraped:      "No Egress worker answers on its metrics port (9090): check the Egress workers' running count (ECS service, Deployment and its node pool, or ACI container groups), their logs (Redis, config), and the scraper (collector sidecar, PodMonitoring, ama-metrics job, or the group's agent container).",
	AlertEgressNoCapacity:     "Every Egress worker refuses new recordings (CPU or memory admission): check that autoscaling follows; if it sits at egressMaxInstances, raise it, or the worker size.",
	AlertEgressWorkerCPUHigh:  "The worker runs near max_cpu_utilization: Egress takes no new job there and may stop the hungriest (stopped_cpu); look for oversized room composites, scale out or raise the worker size.",
	AlertEgressFailures:       "Recordings ended without completing (result label: aborted, *_cpu, killed_oom, killed_shutdown, process_error): read the Egress logs for the egress IDs; killed_oom wants more memory, *_cpu more CPU, killed_shutdown a longer drain.",
	AlertEgressUploadFailures: "Egress could not upload to the recordings bucket (status 4xx: permissions or bucket policy, 5xx/internal: the storage service or network): check the workers' storage identity and the bucket.",
}

// YAML renders a rule file.
func (f RuleFile) YAML() (string, error) { return MarshalYAML(f) }
