package kubernetes

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	helmv4 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v4"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/kubernetes/objects"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// The metrics agent: Prometheus in agent mode (the prometheus-community
// chart) that scrapes the LiveKit pods and remote-writes them to the global
// stack's central view, for GKE and AKS, whose managed Prometheus services
// cannot write out. It signs SigV4 as the region's writer role through
// AssumeRoleWithWebIdentity with a token of its one service account for
// audience sts.amazonaws.com (no AWS key anywhere).
const (
	AgentChartRepo = "https://prometheus-community.github.io/helm-charts"
	AgentChart     = "prometheus"
	// AgentChartVersion is pinned exactly (chart 29.27.0 ships Prometheus
	// 3.14; the image below is ours, by digest).
	AgentChartVersion   = "29.27.0"
	AgentNamespace      = components.MetricsAgentNamespace
	AgentServiceAccount = components.MetricsAgentServiceAccount
	AgentReleaseName    = "livekit-metrics-agent"
	// agentConfigName is the chart's configMapOverrideName: it mounts the
	// ConfigMap <release>-<name>, which this component writes.
	agentConfigName = "agent-config"
	// AgentTokenDir holds the projected token AWS STS accepts.
	AgentTokenDir  = "/var/run/secrets/" + components.MetricsWriterAudience + "/serviceaccount"
	agentConfigKey = "prometheus.yml"
	agentMemoryMax = "512Mi"
)

// MetricsAgentArgs configure the agent.
type MetricsAgentArgs struct {
	// Provider is the cluster's Kubernetes provider.
	Provider pulumi.ProviderResource
	// Image is observability.AgentImage through the region's mirror.
	Image string
	// Config is the agent's Prometheus configuration
	// (observability.Region.AgentPrometheus): scrape jobs and the central
	// remote write, signed with the web identity (no role_arn).
	Config observability.PrometheusConfig
	// WriterRoleARN is the region's writer role (AWS_ROLE_ARN).
	WriterRoleARN string
	// ScrapeNamespace is the only namespace whose pods the agent may list
	// (default DefaultNamespace, LiveKit's).
	ScrapeNamespace string
	// ChartVersion defaults to AgentChartVersion.
	ChartVersion string
}

// MetricsAgent is the agent in its namespace.
type MetricsAgent struct {
	pulumi.ResourceState

	Namespace pulumi.StringOutput
	// Subject is the agent's service account as its tokens name it.
	Subject pulumi.StringOutput
}

func (a *MetricsAgentArgs) provider() pulumi.ProviderResource { return a.Provider }

func (a *MetricsAgentArgs) check(e *components.ArgErrors) {
	e.Require(components.Field{Name: "Provider", Missing: a.Provider == nil})
	if _, digest, ok := strings.Cut(a.Image, "@"); !ok || !digestRe.MatchString(digest) {
		e.Add("Image %q must be pinned by digest (observability.AgentImage through the mirror)", a.Image)
	} else if _, _, err := splitImage(a.Image); err != nil {
		e.Add("Image: %v", err)
	}
	if !observability.IsRoleARN(a.WriterRoleARN) {
		e.Add("WriterRoleARN %q is not an IAM role ARN", a.WriterRoleARN)
	}
	if len(a.Config.ScrapeConfigs) == 0 || len(a.Config.RuleFiles) > 0 {
		e.Add("Config must scrape and evaluate no rules (observability.Region.AgentPrometheus)")
	}
	if len(a.Config.RemoteWrite) != 1 || a.Config.RemoteWrite[0].SigV4 == nil || a.Config.RemoteWrite[0].SigV4.RoleARN != "" {
		e.Add("Config must remote-write once, SigV4-signed with the web identity (observability.Central without AssumeRole)")
	}
}

// NewMetricsAgent declares the namespace, the agent's configuration, its
// read access to the LiveKit pods and the chart.
func NewMetricsAgent(ctx *pulumi.Context, name string, args *MetricsAgentArgs, opts ...pulumi.ResourceOption) (*MetricsAgent, error) {
	m := &MetricsAgent{}
	parent, err := components.RegisterOn(ctx, components.MetricsAgentType, name, m, args, (*MetricsAgentArgs).check, (*MetricsAgentArgs).provider, opts...)
	if err != nil {
		return nil, err
	}
	provider := pulumi.Provider(args.Provider)
	body, err := observability.MarshalYAML(args.Config)
	if err != nil {
		return nil, err
	}
	_, digest, _ := strings.Cut(args.Image, "@")
	repo, _, _ := splitImage(args.Image) // checked
	version := args.ChartVersion
	if version == "" {
		version = AgentChartVersion
	}
	scrapeNS := args.ScrapeNamespace
	if scrapeNS == "" {
		scrapeNS = DefaultNamespace
	}
	// The token is exchanged where the workspace is (SigV4's region).
	stsRegion := args.Config.RemoteWrite[0].SigV4.Region

	// Nothing in the namespace needs host access.
	ns, err := objects.NewNamespace(ctx, name, AgentNamespace, RestrictedNamespaceLabels(), parent, provider)
	if err != nil {
		return nil, err
	}
	cm, err := objects.NewConfigMap(ctx, name+"-config", AgentReleaseName+"-"+agentConfigName, ns.Name,
		map[string]string{agentConfigKey: body}, parent, provider)
	if err != nil {
		return nil, err
	}
	// Discovery of the LiveKit pods only: no ClusterRole (rbac.create off).
	reader, err := objects.NewPodReader(ctx, name+"-pods", &objects.PodReaderArgs{
		Name: AgentServiceAccount + "-pods", Namespace: pulumi.String(scrapeNS),
		ServiceAccount: AgentServiceAccount, ServiceAccountNamespace: AgentNamespace,
	}, parent, provider, pulumi.DependsOn([]pulumi.Resource{ns.Resource}))
	if err != nil {
		return nil, err
	}

	sum := sha256.Sum256([]byte(body))
	values := AgentValues(repo, digest, args.WriterRoleARN, stsRegion, hex.EncodeToString(sum[:]))
	chart, err := helmv4.NewChart(ctx, name, &helmv4.ChartArgs{
		Chart:          pulumi.String(AgentChart),
		Version:        pulumi.String(version),
		RepositoryOpts: &helmv4.RepositoryOptsArgs{Repo: pulumi.String(AgentChartRepo)},
		Name:           pulumi.String(AgentReleaseName),
		Namespace:      ns.Name,
		Values:         ToInput(values).(pulumi.Map),
	}, parent, provider, pulumi.DependsOn([]pulumi.Resource{cm.Resource, reader}))
	if err != nil {
		return nil, err
	}

	m.Namespace = ns.Name
	m.Subject = pulumi.String(components.MetricsAgentSubject()).ToStringOutput()
	if err := ctx.RegisterResourceOutputs(m, pulumi.Map{"namespace": m.Namespace, "subject": m.Subject, "chart": chart.URN()}); err != nil {
		return nil, err
	}
	return m, nil
}

// AgentValues are the chart's values: the server alone (no Alertmanager,
// node exporter, kube-state-metrics, pushgateway or config reloader: a
// config change rolls the pod through configHash), in agent mode on an
// emptyDir (agent mode keeps only its write-ahead log), with the projected
// STS token and the AWS SDK's web-identity variables, non-root under the
// restricted Pod Security Standard, and no Service (nothing queries an
// agent).
func AgentValues(repo, digest, roleARN, stsRegion, configHash string) map[string]any {
	return map[string]any{
		"rbac":                     map[string]any{"create": false},
		"serviceAccounts":          map[string]any{"server": map[string]any{"create": true, "name": AgentServiceAccount}},
		"alertmanager":             map[string]any{"enabled": false},
		"kube-state-metrics":       map[string]any{"enabled": false},
		"prometheus-node-exporter": map[string]any{"enabled": false},
		"prometheus-pushgateway":   map[string]any{"enabled": false},
		"configmapReload":          map[string]any{"prometheus": map[string]any{"enabled": false}},
		"server": map[string]any{
			"image": map[string]any{"repository": repo, "digest": digest},
			"defaultFlagsOverride": []any{
				"--agent",
				"--config.file=/etc/config/" + agentConfigKey,
				"--storage.agent.path=/data",
			},
			"configMapOverrideName": agentConfigName,
			"persistentVolume":      map[string]any{"enabled": false},
			"service":               map[string]any{"enabled": false},
			"podAnnotations":        map[string]any{"livekit-infra/config-hash": configHash},
			"env": []any{
				map[string]any{"name": "AWS_ROLE_ARN", "value": roleARN},
				map[string]any{"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": AgentTokenDir + "/token"},
				map[string]any{"name": "AWS_REGION", "value": stsRegion},
				map[string]any{"name": "AWS_STS_REGIONAL_ENDPOINTS", "value": "regional"},
			},
			"extraVolumes": []any{map[string]any{
				"name": "aws-token",
				"projected": map[string]any{"sources": []any{map[string]any{"serviceAccountToken": map[string]any{
					"audience": components.MetricsWriterAudience, "expirationSeconds": 3600, "path": "token",
				}}}},
			}},
			"extraVolumeMounts": []any{map[string]any{"name": "aws-token", "mountPath": AgentTokenDir, "readOnly": true}},
			"resources": map[string]any{
				"requests": map[string]any{"cpu": observability.AgentCPU, "memory": observability.AgentMemory},
				"limits":   map[string]any{"memory": agentMemoryMax},
			},
			"securityContext": map[string]any{
				"runAsUser": 65534, "runAsGroup": 65534, "fsGroup": 65534, "runAsNonRoot": true,
				"seccompProfile": map[string]any{"type": "RuntimeDefault"},
			},
			"containerSecurityContext": map[string]any{
				"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
				"capabilities": map[string]any{"drop": []any{"ALL"}},
			},
		},
	}
}
