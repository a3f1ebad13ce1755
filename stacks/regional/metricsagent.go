package regional

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/imageref"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// AgentImage is the metrics agent of a GKE or AKS region
// (observability.AgentImage), mirrored once the region writes centrally.
var AgentImage, _ = imageref.Parse(observability.AgentImage)

// runsAgent: a Kubernetes region (GKE, AKS) pointed at the central view.
func runsAgent(s *stackconfig.Stack) bool {
	k8s := s.GCP != nil || (s.Azure != nil && s.Azure.Platform != stackconfig.AzurePlatformACI)
	return k8s && s.Region.CentralMetrics.On()
}

// MetricsAgent is what a GKE or AKS region's metrics agent runs.
type MetricsAgent struct {
	// Config scrapes the LiveKit pods and writes to the central view.
	Config observability.PrometheusConfig
	// Image is AgentImage as the nodes pull it (the mirror's, by digest).
	Image string
	// WriterRoleARN is the role its web identity is for.
	WriterRoleARN string
}

// MetricsAgentFor is the metrics agent of a GKE or AKS region once it
// writes to the central view (centralMetricsRemoteWriteUrl set), nil
// before: the LiveKit pods of namespace (selected by selector) on
// prometheus.port every 30 s, LiveKit's and the process series only, and
// the central remote write signed with the agent's web identity for the
// region's writer role.
func MetricsAgentFor(s *stackconfig.Stack, mirror *components.RegistryMirrorOutputs, namespace string, selector map[string]string) (*MetricsAgent, error) {
	if !runsAgent(s) {
		return nil, nil
	}
	obs := Observability(s)
	job, err := obs.PodScrapeConfig(namespace, selector, livekit.PrometheusPort, "/metrics", observability.CollectorScrapeInterval)
	if err != nil {
		return nil, err
	}
	job.MetricRelabelConfigs = []observability.RelabelConfig{{SourceLabels: []string{"__name__"}, Regex: observability.CollectorKeep, Action: "keep"}}
	c := s.Region.CentralMetrics
	cfg, err := obs.AgentPrometheus([]observability.ScrapeConfig{job}, observability.Central{URL: c.RemoteWriteURL, RoleARN: c.WriterRoleARN})
	if err != nil {
		return nil, err
	}
	image, err := Image(mirror, AgentImage)
	if err != nil {
		return nil, err
	}
	return &MetricsAgent{Config: cfg, Image: image, WriterRoleARN: c.WriterRoleARN}, nil
}

// KubernetesMetricsWriter is a GKE or AKS region's metricsWriter: its
// cluster's OIDC issuer and the agent's service account. It is exported
// before the agent exists: the global stack creates the writer role from
// it, and the agent follows once the region has the role's ARN.
func KubernetesMetricsWriter(issuer pulumi.StringOutput) pulumi.StringMap {
	return pulumi.StringMap{
		components.MetricsWriterIssuer:  issuer,
		components.MetricsWriterSubject: pulumi.String(components.MetricsAgentSubject()),
	}
}
