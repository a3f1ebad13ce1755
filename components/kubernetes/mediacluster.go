package kubernetes

import (
	k8s "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
)

// What every Kubernetes MediaCluster and Egress (GKE, AKS, EKS) declares the
// same way on its cluster.

// NewProvider is the cluster's provider, once deps (its node pools, its
// admin grant) exist. Server-side apply lets the controllers, cert-manager
// and Traefik own their fields of the objects declared here.
func NewProvider(ctx *pulumi.Context, name string, kubeconfig pulumi.StringInput, deps []pulumi.Resource, parent pulumi.ResourceOption) (*k8s.Provider, error) {
	return k8s.NewProvider(ctx, name, &k8s.ProviderArgs{
		Kubeconfig:            kubeconfig,
		EnableServerSideApply: pulumi.Bool(true),
	}, parent, pulumi.DependsOn(deps))
}

// LiveKitWorkloadOf is the LiveKitWorkload of a MediaCluster: the
// contract's image, config, ports (with the TURN Service when TURN/TLS is
// on), scaling and drain, on provider's cluster, with pod's requests, on
// the nodes nodeSelector picks.
func LiveKitWorkloadOf(provider pulumi.ProviderResource, chartVersion string, c components.MediaClusterArgs, pod Resources, nodeSelector map[string]string) *LiveKitWorkloadArgs {
	return &LiveKitWorkloadArgs{
		Provider:     provider,
		ChartVersion: chartVersion,
		Image:        c.Image,
		Config:       c.Config,
		Media:        c.Media,
		TURNUDPPort:  c.TURNUDPPort,
		TURNTLSPort:  c.TURNTLSPort,
		TURNService:  c.TURNTLSPort != 0,
		Resources:    pod,
		Scaling:      c.Scaling,
		DrainSeconds: c.DrainSeconds,
		NodeSelector: nodeSelector,
	}
}

// EgressWorkloadOf is the EgressWorkload of an Egress: the contract's image,
// config and scaling, on provider's cluster, with pod's requests, on the
// nodes nodeSelector picks.
func EgressWorkloadOf(provider pulumi.ProviderResource, chartVersion string, c components.EgressArgs, pod Resources, nodeSelector map[string]string) *EgressWorkloadArgs {
	return &EgressWorkloadArgs{
		Provider:     provider,
		ChartVersion: chartVersion,
		Image:        c.Image,
		Config:       c.Config,
		Resources:    pod,
		Scaling:      c.Scaling,
		NodeSelector: nodeSelector,
	}
}
