package aws

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	awsc "github.com/livekit-infra/livekit-infra/components/aws"
	"github.com/livekit-infra/livekit-infra/components/aws/ekscluster"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
)

// eksCluster declares the region's LiveKit on EKS (awsPlatform eks): the
// same network, Redis, recordings and logs as on Fargate, LiveKit from the
// shared Kubernetes workload.
func eksCluster(ctx *pulumi.Context, s *stackconfig.Stack, name string, network *awsc.Network, config pulumi.StringOutput, image, pullArns string, albLogs pulumi.StringInput, deps *eksEgressDeps) (platformCluster, *ekscluster.MediaCluster, error) {
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
	if s.Region.Egress.Enabled {
		eg, err := eksEgress(ctx, name, s, cluster, network, deps)
		if err != nil {
			return platformCluster{}, nil, err
		}
		extra["egressNodeGroup"] = eg.NodeGroup
	}
	if s.Region.TURNTLS {
		extra["turnNlbDnsName"] = cluster.TURNLoadBalancer
	}
	return platformCluster{
		URL: cluster.URL, HealthURL: cluster.HealthURL, LoadBalancer: cluster.LoadBalancer, CertificateArn: cluster.CertificateArn,
		DrainSeconds: e.DrainSeconds, Image: image,
		Extra: extra,
	}, cluster, nil
}

// eksEgressDeps are the region's parts the EKS Egress reads.
type eksEgressDeps struct {
	creds      *components.Credentials
	redis      *awsc.RedisCache
	recordings *awsc.Recordings
	mirror     *components.RegistryMirrorOutputs
}

// eksEgress declares the region's Egress on EKS (egress on): its own node
// group in the private subnets, the official chart, S3 through EKS Pod
// Identity.
func eksEgress(ctx *pulumi.Context, name string, s *stackconfig.Stack, cluster *ekscluster.MediaCluster, network *awsc.Network, d *eksEgressDeps) (*ekscluster.Egress, error) {
	r, a, k := s.Region, s.AWS, s.Region.Egress.K8s
	// ElastiCache: TLS with Amazon's public CA, AUTH token; S3 through the
	// Pod Identity role (no key in the config), like the Fargate tasks.
	config := regional.RenderEgressConfig(s, d.creds, cluster.URL, d.redis.Address, d.redis.Password, livekit.Redis{},
		d.recordings.Bucket, pulumi.String("").ToStringOutput(), func(bucket, _ string) livekit.EgressStorage {
			return livekit.EgressStorage{S3Bucket: bucket, S3Region: a.Region}
		})
	egressArgs := regional.EgressArgs(s, config, k.CPU, k.MemoryGiB)
	var err error
	// Nodes pull the Egress image through the region's mirror, by digest.
	if egressArgs.Image, err = regional.Image(d.mirror, r.Egress.ImageRef); err != nil {
		return nil, err
	}
	return ekscluster.NewEgress(ctx, name+"-egress", &ekscluster.EgressArgs{
		EgressArgs:       egressArgs,
		Cluster:          cluster,
		PrivateSubnetIDs: network.PrivateSubnetIDs,
		SecurityGroupID:  network.EgressSecurityGroupID,
		InstanceType:     k.NodeSize,
		PodCPU:           k.PodCPU,
		PodMemory:        k.PodMemory,
		ChartVersion:     k.ChartVersion,
		BucketArn:        d.recordings.BucketArn,
	})
}
