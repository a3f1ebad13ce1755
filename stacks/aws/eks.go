package aws

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	awsc "github.com/livekit-infra/livekit-infra/components/aws"
	"github.com/livekit-infra/livekit-infra/components/aws/ekscluster"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
)

// eksCluster declares the region's LiveKit on EKS (awsPlatform eks): the
// same network, Redis, recordings and logs as on Fargate, LiveKit from the
// shared Kubernetes workload.
func eksCluster(ctx *pulumi.Context, s *stackconfig.Stack, name string, network *awsc.Network, config pulumi.StringOutput, image, pullArns string, albLogs pulumi.StringInput) (platformCluster, *ekscluster.MediaCluster, error) {
	a, e := s.AWS, s.AWS.EKS
	clusterArgs := regional.MediaClusterArgs(s, config, e.DrainSeconds)
	clusterArgs.Image = image
	cluster, err := ekscluster.NewMediaCluster(ctx, name, &ekscluster.MediaClusterArgs{
		MediaClusterArgs:                clusterArgs,
		PullRepositoryArnPattern:        pullArns,
		Region:                          a.Region,
		VpcID:                           network.NetworkID,
		PublicSubnetIDs:                 network.PublicSubnetIDs,
		PrivateSubnetIDs:                network.PrivateSubnetIDs,
		MediaSecurityGroupID:            network.MediaFirewallID,
		LoadBalancerSecurityGroupID:     network.LoadBalancerSecurityGroupID,
		TURNLoadBalancerSecurityGroupID: network.TURNLoadBalancerSecurityGroupID,
		KubernetesVersion:               e.KubernetesVersion,
		PublicAccessCIDRs:               e.PublicAccessCIDRs,
		AllowPublicAPI:                  e.AllowPublicAPI,
		InstanceType:                    e.InstanceType,
		SystemInstanceType:              e.SystemInstanceType,
		SystemNodes:                     e.SystemNodes,
		PodCPU:                          e.PodCPU,
		PodMemory:                       e.PodMemory,
		ChartVersion:                    e.ChartVersion,
		LBCChartVersion:                 e.LBCChartVersion,
		CAChartVersion:                  e.CAChartVersion,
		ALBIdleTimeout:                  a.ALBIdleTimeout,
		ALBSSLPolicy:                    a.ALBSSLPolicy,
		AccessLogsBucket:                albLogs,
		ControlPlaneLogs:                s.Region.Logs.ControlPlane,
	})
	if err != nil {
		return platformCluster{}, nil, err
	}
	extra := pulumi.Map{"eksCluster": cluster.ClusterName}
	if s.Region.TURNTLS {
		extra["turnUrl"] = pulumi.String(regional.TURNURL(s.Region))
		extra["turnNlbDnsName"] = cluster.TURNLoadBalancer
	}
	return platformCluster{
		URL: cluster.URL, HealthURL: cluster.HealthURL, LoadBalancer: cluster.LoadBalancer, CertificateArn: cluster.CertificateArn,
		DrainSeconds: e.DrainSeconds, Image: image,
		Extra: extra,
	}, cluster, nil
}
