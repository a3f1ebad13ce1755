// Package kube is what the Kubernetes regions (the gcp kind's GKE, the
// azure kind's AKS) declare alike on their cluster. It links the
// Kubernetes SDK, which stacks/regional must not.
package kube

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
)

// MetricsAgent declares the region's metrics agent on its cluster
// (provider) once the region has its writer role (regional.MetricsAgentFor),
// nothing before: the cluster's managed Prometheus (GMP, Azure Monitor)
// cannot write out, so the agent writes LiveKit's series to the central
// view.
func MetricsAgent(ctx *pulumi.Context, name string, s *stackconfig.Stack, mirror *components.RegistryMirrorOutputs, provider pulumi.ProviderResource) error {
	agent, err := regional.MetricsAgentFor(s, mirror, lkk8s.DefaultNamespace, lkk8s.SelectorLabels())
	if err != nil || agent == nil {
		return err
	}
	_, err = lkk8s.NewMetricsAgent(ctx, name+"-metrics-agent", &lkk8s.MetricsAgentArgs{
		Provider: provider, Image: agent.Image, Config: agent.Config, WriterRoleARN: agent.WriterRoleARN,
	})
	return err
}
