package observability

import (
	"fmt"
	"regexp"
	"strings"
)

// ADOTImage is the AWS Distro for OpenTelemetry collector that scrapes an
// ECS Fargate task's LiveKit over localhost and remote-writes to Amazon
// Managed Service for Prometheus. AWS publishes the same image (same index
// digest) on Docker Hub and on ECR Public; the Docker Hub one goes through
// the region's existing Docker Hub pull-through cache (registryMirror), so
// no second (ECR Public) cache rule is needed.
const ADOTImage = "amazon/aws-otel-collector:v0.46.0@sha256:371d3c8b9b97d0ebd0c56eb6b1e4f3d2ba4980c255f67d02695158e5851c2b31"

// The collector sidecar's reservation inside the Fargate task: ADOT's
// documented ECS sidecar size. The task's awsTaskCpu/awsTaskMemory must
// leave LiveKit at least as much again.
const (
	CollectorCPU       = 256 // CPU units
	CollectorMemoryMiB = 512
	// CollectorScrapeInterval: AMP bills per ingested sample; LiveKit's
	// gauges and the rules' 5-minute rates need no more than 30 s.
	CollectorScrapeInterval = "30s"
)

// CollectorKeep is the metric names a collector forwards: LiveKit's own
// series and the process collector's (the rules' CPU rate). Go runtime
// series are dropped at the scrape: nothing reads them and each costs
// samples.
const CollectorKeep = `livekit_.*|process_.*`

// RemoteWriteTarget is one Prometheus remote-write destination of a
// region's collector, signed with SigV4 (Amazon Managed Service for
// Prometheus). The region's own workspace is the first; the global stack's
// central view appends its own.
type RemoteWriteTarget struct {
	// Name tells the exporters apart: lowercase letters, digits and '-'.
	Name string
	// URL is the workspace's remote_write endpoint (https).
	URL string
	// Region is the SigV4 signing region of URL's workspace.
	Region string
	// AssumeRoleARN, when set, is the role the collector assumes (with its
	// own credentials, through STS in Region) to sign for this target: the
	// central view's writer role, in the global stack's account.
	AssumeRoleARN string
}

var remoteNameRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$`)

// ADOTConfig is an ADOT collector's configuration: a Prometheus receiver
// running scrape (as rendered by ScrapeConfigs), the task's ECS identity as
// the series' instance, and one SigV4-signed prometheusremotewrite exporter
// per target.
type ADOTConfig struct {
	Extensions map[string]any `yaml:"extensions"`
	Receivers  map[string]any `yaml:"receivers"`
	Processors map[string]any `yaml:"processors"`
	Exporters  map[string]any `yaml:"exporters"`
	Service    ADOTService    `yaml:"service"`
}

// ADOTService is the collector's service block.
type ADOTService struct {
	Extensions []string                `yaml:"extensions"`
	Pipelines  map[string]ADOTPipeline `yaml:"pipelines"`
}

// ADOTPipeline is one pipeline.
type ADOTPipeline struct {
	Receivers  []string `yaml:"receivers"`
	Processors []string `yaml:"processors"`
	Exporters  []string `yaml:"exporters"`
}

// SidecarScrape is the livekit job of a collector in the LiveKit task
// itself: localhost:port (the task's own prometheus.port, reached inside
// the task's network namespace, so no security group opens the port), every 30 s,
// LiveKit's and the process collector's series only, the region's labels
// on every series.
func (r Region) SidecarScrape(port int) (ScrapeConfig, error) {
	return r.sidecarScrape(JobLiveKit, port)
}

// EgressSidecarScrape is the same job for a collector in an Egress task:
// the worker's prometheus_port on localhost, as job livekit-egress (the
// Egress rules' selector).
func (r Region) EgressSidecarScrape(port int) (ScrapeConfig, error) {
	return r.sidecarScrape(JobEgress, port)
}

func (r Region) sidecarScrape(job string, port int) (ScrapeConfig, error) {
	if err := r.Validate(); err != nil {
		return ScrapeConfig{}, err
	}
	if port < 1 || port > 65535 {
		return ScrapeConfig{}, fmt.Errorf("observability: metrics port %d is not a port", port)
	}
	return ScrapeConfig{
		JobName:              job,
		ScrapeInterval:       CollectorScrapeInterval,
		StaticConfigs:        []StaticConfig{{Targets: []string{fmt.Sprintf("localhost:%d", port)}, Labels: r.Labels()}},
		MetricRelabelConfigs: []RelabelConfig{{SourceLabels: []string{"__name__"}, Regex: CollectorKeep, Action: "keep"}},
	}, nil
}

// ValidateRemoteWrite reports every unusable target at once.
func ValidateRemoteWrite(targets []RemoteWriteTarget) error {
	if len(targets) == 0 {
		return fmt.Errorf("observability: the collector needs at least one remote-write target")
	}
	var problems []string
	seen := map[string]bool{}
	for i, t := range targets {
		switch {
		case !remoteNameRe.MatchString(t.Name):
			problems = append(problems, fmt.Sprintf("RemoteWrite[%d] name %q: use 1-32 lowercase letters, digits and '-'", i, t.Name))
		case seen[t.Name]:
			problems = append(problems, fmt.Sprintf("RemoteWrite[%d] name %q is used twice", i, t.Name))
		}
		seen[t.Name] = true
		if t.Region == "" {
			problems = append(problems, fmt.Sprintf("RemoteWrite[%d] %q: Region (the SigV4 signing region) is required", i, t.Name))
		}
		if t.AssumeRoleARN != "" && !IsRoleARN(t.AssumeRoleARN) {
			problems = append(problems, fmt.Sprintf("RemoteWrite[%d] %q: AssumeRoleARN %q is not an IAM role ARN", i, t.Name, t.AssumeRoleARN))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("observability: %s", strings.Join(problems, "; "))
	}
	return nil
}

// ADOTCollector renders the sidecar's configuration. URLs must be https
// (SigV4 signs, it does not encrypt).
func ADOTCollector(scrape ScrapeConfig, targets []RemoteWriteTarget) (ADOTConfig, error) {
	if err := ValidateRemoteWrite(targets); err != nil {
		return ADOTConfig{}, err
	}
	for _, t := range targets {
		if !strings.HasPrefix(t.URL, "https://") {
			return ADOTConfig{}, fmt.Errorf("observability: remote-write target %q URL %q must be https://", t.Name, t.URL)
		}
	}
	c := ADOTConfig{
		Extensions: map[string]any{},
		Receivers: map[string]any{"prometheus": map[string]any{"config": PrometheusConfig{
			Global:        GlobalConfig{ScrapeInterval: scrape.ScrapeInterval, EvaluationInterval: EvaluationInterval},
			ScrapeConfigs: []ScrapeConfig{scrape},
		}}},
		Processors: map[string]any{
			// Every task scrapes localhost:6789: the task's ECS identity
			// (task ARN, cluster, zone) tells the nodes apart, and the task
			// id becomes the instance label.
			"resourcedetection/ecs": map[string]any{"detectors": []string{"env", "ecs"}, "timeout": "5s", "override": false},
			"resource/instance": map[string]any{"attributes": []map[string]any{
				{"key": "service.instance.id", "from_attribute": "aws.ecs.task.id", "action": "upsert"},
			}},
			"batch": map[string]any{},
		},
		Exporters: map[string]any{},
		Service: ADOTService{Pipelines: map[string]ADOTPipeline{"metrics": {
			Receivers:  []string{"prometheus"},
			Processors: []string{"resourcedetection/ecs", "resource/instance", "batch"},
		}}},
	}
	for _, t := range targets {
		auth, exp := "sigv4auth/"+t.Name, "prometheusremotewrite/"+t.Name
		ext := map[string]any{"region": t.Region, "service": "aps"}
		if t.AssumeRoleARN != "" {
			ext["assume_role"] = map[string]any{"arn": t.AssumeRoleARN, "sts_region": t.Region}
		}
		c.Extensions[auth] = ext
		c.Exporters[exp] = map[string]any{
			"endpoint":                         t.URL,
			"auth":                             map[string]any{"authenticator": auth},
			"resource_to_telemetry_conversion": map[string]any{"enabled": true},
		}
		c.Service.Extensions = append(c.Service.Extensions, auth)
		p := c.Service.Pipelines["metrics"]
		p.Exporters = append(p.Exporters, exp)
		c.Service.Pipelines["metrics"] = p
	}
	return c, nil
}

// AlertManagerConfig is Alertmanager's routing: every alert of the region to
// one receiver.
type AlertManagerConfig struct {
	Route     AlertRoute      `yaml:"route"`
	Receivers []AlertReceiver `yaml:"receivers"`
}

// AlertRoute is the root route. Alerts are grouped per alert name so one
// incident is one notification, repeated every 4 h while it lasts.
type AlertRoute struct {
	Receiver       string   `yaml:"receiver"`
	GroupBy        []string `yaml:"group_by"`
	GroupWait      string   `yaml:"group_wait"`
	GroupInterval  string   `yaml:"group_interval"`
	RepeatInterval string   `yaml:"repeat_interval"`
}

// AlertReceiver is one receiver; SNS is the only one AMP's Alertmanager
// reaches.
type AlertReceiver struct {
	Name       string      `yaml:"name"`
	SNSConfigs []SNSConfig `yaml:"sns_configs"`
}

// SNSConfig publishes to a topic, signed with the workspace's SigV4.
type SNSConfig struct {
	TopicARN string            `yaml:"topic_arn"`
	SigV4    map[string]string `yaml:"sigv4"`
	Subject  string            `yaml:"subject,omitempty"`
}

// AlertReceiverName is the region's one Alertmanager receiver.
const AlertReceiverName = "region-alarm-topic"

// AMPAlertManagerDefinition is an Amazon Managed Service for Prometheus
// alert manager definition: the Alertmanager config as a string under
// alertmanager_config, routing every alert to the region's SNS topic.
func AMPAlertManagerDefinition(topicARN, region string) (string, error) {
	if !strings.HasPrefix(topicARN, "arn:") || region == "" {
		return "", fmt.Errorf("observability: the alert manager needs an SNS topic ARN and its region (got %q, %q)", topicARN, region)
	}
	inner, err := MarshalYAML(AlertManagerConfig{
		Route: AlertRoute{Receiver: AlertReceiverName, GroupBy: []string{"alertname", "stack"},
			GroupWait: "30s", GroupInterval: "5m", RepeatInterval: "4h"},
		Receivers: []AlertReceiver{{Name: AlertReceiverName, SNSConfigs: []SNSConfig{{
			TopicARN: topicARN, SigV4: map[string]string{"region": region},
			Subject: `{{ .CommonLabels.alertname }} ({{ .CommonLabels.stack }})`,
		}}}},
	})
	if err != nil {
		return "", err
	}
	return MarshalYAML(map[string]string{"alertmanager_config": inner})
}
