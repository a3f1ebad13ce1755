package kubernetes_test

import (
	"fmt"

	k8s "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components/kubernetes"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// The LiveKitWorkload and EgressWorkload need a cluster: their runnable
// examples are the committed GKE, AKS and EKS stacks (lkinfra plan --stack
// gcp-eu, azure-asia, aws-eks).

// A GKE or AKS region's metrics agent: Prometheus in agent mode scraping
// the LiveKit pods and remote-writing to the global stack's central view,
// signed as the agent's own web identity (no static AWS key).
func ExampleNewMetricsAgent() {
	region := observability.Region{Stack: "dev", Cloud: "gcp", Region: "europe-west1",
		MaxNodes: 10, CPUTargetPercent: 70, SysloadLimitPercent: 90, NodeVCPUs: 3}
	job, err := region.PodScrapeConfig("livekit", map[string]string{"app.kubernetes.io/name": "livekit-server"}, 6789, "/metrics", "30s")
	if err != nil {
		panic(err)
	}
	cfg, err := region.AgentPrometheus([]observability.ScrapeConfig{job}, observability.Central{
		URL:     "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-example/api/v1/remote_write",
		RoleARN: "arn:aws:iam::123456789012:role/livekit-metrics-write-dev",
	})
	if err != nil {
		panic(err)
	}
	p, err := plan.Evaluate(&plan.StackConfig{Project: "example", Stack: "dev"}, func(ctx *pulumi.Context) (pulumi.Map, error) {
		provider, err := k8s.NewProvider(ctx, "cluster", &k8s.ProviderArgs{})
		if err != nil {
			return nil, err
		}
		agent, err := kubernetes.NewMetricsAgent(ctx, "livekit-metrics", &kubernetes.MetricsAgentArgs{
			Provider:      provider,
			Image:         observability.AgentImage,
			Config:        cfg,
			WriterRoleARN: "arn:aws:iam::123456789012:role/livekit-metrics-write-dev",
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"subject": agent.Subject}, nil
	})
	if err != nil {
		panic(err)
	}
	role, _ := p.Find("kubernetes:rbac.authorization.k8s.io/v1:Role", "livekit-metrics-pods")
	ns, _ := role.Input("metadata.namespace")
	verbs, _ := role.Input("rules[0].verbs")
	chart, _ := p.Find("kubernetes:helm.sh/v4:Chart", "livekit-metrics")
	name, _ := chart.Input("chart")
	fmt.Println("chart:", name)
	fmt.Println("may", verbs, "pods in namespace", ns, "only")
	fmt.Println("signs as:", p.Outputs["subject"])
	// Output:
	// chart: prometheus
	// may [get list watch] pods in namespace livekit only
	// signs as: system:serviceaccount:livekit-metrics:prometheus-agent
}
