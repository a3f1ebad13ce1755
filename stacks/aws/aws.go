// Package aws is the aws stack kind: one LiveKit region on ECS Fargate with
// ElastiCache, an HTTPS ALB for signaling and S3/CloudFront recordings.
package aws

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	awsc "github.com/livekit-infra/livekit-infra/components/aws"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/kinds"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
)

// Program reads and validates the stack config, then declares the region.
var Program = kinds.Program(stackconfig.KindAWS, Stack)

// Stack declares one AWS LiveKit region from validated settings.
func Stack(ctx *pulumi.Context, s *stackconfig.Stack) (pulumi.Map, error) {
	r, a := s.Region, s.AWS
	name := "livekit"
	if err := regional.TagEveryResource(ctx, "Tags", regional.CostTags(s, s.AWS.Region)); err != nil {
		return nil, err
	}

	creds, err := regional.Credentials(ctx, s, name, &a.Redis.Password, true)
	if err != nil {
		return nil, err
	}

	network, err := awsc.NewNetwork(ctx, name, &components.NetworkArgs{
		CIDR:        a.VpcCIDR,
		Zones:       a.AvailabilityZones,
		NATGateways: a.NATGateways,
		Media:       r.Media,
		TURNUDPPort: r.TURNUDPPort,
		TURNTLSPort: regional.TURNTLSPort(r),
		Egress:      r.Egress.Enabled,
	})
	if err != nil {
		return nil, err
	}

	redis, err := awsc.NewRedisCache(ctx, name+"-redis", &awsc.RedisCacheArgs{
		RedisCacheArgs: components.RedisCacheArgs{
			EngineVersion: a.Redis.EngineVersion,
			Protect:       s.Protect,
		},
		AuthToken:             creds.RedisPassword,
		VpcID:                 network.NetworkID,
		SubnetIDs:             network.PrivateSubnetIDs,
		ClientSecurityGroupID: network.MediaFirewallID,
		EgressSecurityGroupID: egressSG(r, network),
		NodeType:              a.Redis.NodeType,
		Nodes:                 a.Redis.Nodes,
		MaintenanceWindow:     a.Redis.MaintenanceWindow,
		SnapshotWindow:        a.Redis.SnapshotWindow,
		SnapshotRetentionDays: a.Redis.SnapshotRetentionDays,
	})
	if err != nil {
		return nil, err
	}

	// One private bucket receives the region's flow, ALB and CloudFront
	// logs, each class behind its switch, all kept logRetentionDays.
	logs, err := awsc.NewAuditLogs(ctx, name+"-logs", &awsc.AuditLogsArgs{
		Region:        a.Region,
		VpcID:         network.NetworkID,
		RetentionDays: r.LogRetentionDays,
		Flow:          r.Logs.Flow,
		ALBAccess:     r.Logs.ALBAccess,
		CDN:           r.Logs.CDN && r.Recordings.CDN,
		Protect:       s.Protect,
	})
	if err != nil {
		return nil, err
	}
	var albLogs, cdnLogs pulumi.StringInput
	if r.Logs.ALBAccess {
		albLogs = logs.Bucket
	}
	if r.Logs.CDN {
		cdnLogs = logs.BucketArn
	}

	recordings, err := awsc.NewRecordings(ctx, name+"-recordings", &awsc.RecordingsArgs{
		RecordingsArgs: regional.RecordingsArgs(s),
		PriceClass:     a.CDNPriceClass,
		LogBucketArn:   cdnLogs,
	})
	if err != nil {
		return nil, err
	}

	// ElastiCache in-transit encryption uses Amazon's public CA: TLS, no CA file.
	config := regional.RenderConfig(s, a.Region, creds, redis.Address, redis.Password, livekit.Redis{})

	// Tasks pull through the region's ECR pull-through cache, by digest.
	var mirrorOut *components.RegistryMirrorOutputs
	var pullArns string
	if r.Mirror.On {
		var token pulumi.StringInput
		if r.Mirror.DockerHubToken.IsSet() {
			token = r.Mirror.DockerHubToken.Output()
		}
		mirror, err := awsc.NewRegistryMirror(ctx, name+"-mirror", &awsc.RegistryMirrorArgs{
			RegistryMirrorArgs: components.RegistryMirrorArgs{Images: regional.MirrorImages(s)},
			Region:             a.Region,
			RepositoryPrefix:   awsc.RepositoryPrefix(ctx.Stack()),
			DockerHubUsername:  r.Mirror.DockerHubUsername,
			DockerHubToken:     token,
		})
		if err != nil {
			return nil, err
		}
		mirrorOut, pullArns = &mirror.RegistryMirrorOutputs, mirror.RepositoryArnPattern
	}
	if err := budget(ctx, name, s); err != nil {
		return nil, err
	}
	clusterArgs := regional.MediaClusterArgs(s, config, a.DrainSeconds)
	if clusterArgs.Image, err = regional.Image(mirrorOut, r.ImageRef); err != nil {
		return nil, err
	}

	if a.Platform == stackconfig.AWSPlatformEKS {
		cluster, eks, err := eksCluster(ctx, s, name, network, config, clusterArgs.Image, pullArns, albLogs,
			&eksEgressDeps{creds: creds, redis: redis, recordings: recordings, mirror: mirrorOut})
		if err != nil {
			return nil, err
		}
		prom, err := eksPrometheus(ctx, s, name, network, eks)
		if err != nil {
			return nil, err
		}
		monitoring, err := regionMonitoring(ctx, s, name, redis, eks.LoadBalancerArnSuffix, eks.TargetGroupArnSuffix, prom)
		if err != nil {
			return nil, err
		}
		cluster.Extra["alarmTopicArn"] = monitoring.AlarmTopic
		dashboard, err := regionDashboard(ctx, s, name, redis, prom, awsc.DashboardScope{
			LoadBalancerArnSuffix: eks.LoadBalancerArnSuffix, TargetGroupArnSuffix: eks.TargetGroupArnSuffix,
			NodeGroupASG: eks.MediaNodeGroupASG,
		})
		if err != nil {
			return nil, err
		}
		cluster.Extra["dashboard"] = dashboard.DashboardID
		cluster.Extra = prometheusOutputs(prom, cluster.Extra)
		cluster.Extra[components.OutputMetricsWriter] = metricsWriter(prom.CentralSourceRoleArn)
		return outputs(ctx, s, name, creds, redis, recordings, logs, cluster)
	}
	// LiveKit's metrics: an ADOT sidecar in each task scrapes localhost
	// and remote-writes to the region's AMP workspace (metrics.go).
	prom, obs, err := managedPrometheus(ctx, s, name)
	if err != nil {
		return nil, err
	}
	collector := &awsc.Collector{RemoteWrite: remoteWrite(s, prom)}
	if collector.Scrape, err = obs.SidecarScrape(livekit.PrometheusPort); err != nil {
		return nil, err
	}
	if collector.Image, err = regional.Image(mirrorOut, regional.CollectorImage); err != nil {
		return nil, err
	}
	cluster, err := awsc.NewMediaCluster(ctx, name, &awsc.MediaClusterArgs{
		MediaClusterArgs:                clusterArgs,
		Collector:                       collector,
		PullRepositoryArnPattern:        pullArns,
		Region:                          a.Region,
		VpcID:                           network.NetworkID,
		PublicSubnetIDs:                 network.PublicSubnetIDs,
		MediaSecurityGroupID:            network.MediaFirewallID,
		LoadBalancerSecurityGroupID:     network.LoadBalancerSecurityGroupID,
		TURNLoadBalancerSecurityGroupID: network.TURNLoadBalancerSecurityGroupID,
		TaskCPU:                         a.TaskCPU,
		TaskMemory:                      a.TaskMemory,
		Cooldowns:                       cooldowns(a),
		ContainerInsights:               a.ContainerInsights,
		ALBIdleTimeout:                  a.ALBIdleTimeout,
		ALBSSLPolicy:                    a.ALBSSLPolicy,
		RedisOutageTolerance:            a.RedisOutageTolerance,
		AccessLogsBucket:                albLogs,
		Spot:                            fargateSpot(a.Spot),
	})
	if err != nil {
		return nil, err
	}

	monitoring, err := regionMonitoring(ctx, s, name, redis, cluster.LoadBalancerArnSuffix, cluster.TargetGroupArnSuffix, prom)
	if err != nil {
		return nil, err
	}
	dashboard, err := regionDashboard(ctx, s, name, redis, prom, awsc.DashboardScope{
		LoadBalancerArnSuffix: cluster.LoadBalancerArnSuffix, TargetGroupArnSuffix: cluster.TargetGroupArnSuffix,
		ECSClusterName: cluster.ClusterName, ECSServiceName: cluster.ServiceName, ContainerInsights: a.ContainerInsights,
	})
	if err != nil {
		return nil, err
	}
	egressMetrics, err := egressCollector(s, obs, prom, collector.Image)
	if err != nil {
		return nil, err
	}
	egress, err := egressWorkers(ctx, name, s, creds, cluster, redis, network, recordings, mirrorOut, pullArns, egressMetrics)
	if err != nil {
		return nil, err
	}
	extra := prometheusOutputs(prom, pulumi.Map{
		"egressService":   egress,
		"configSecretArn": cluster.ConfigSecretArn,
		"ecsCluster":      cluster.ClusterName,
		"ecsService":      cluster.ServiceName,
		"alarmTopicArn":   monitoring.AlarmTopic,
		"dashboard":       dashboard.DashboardID,
		// The ADOT sidecar runs as the task role.
		components.OutputMetricsWriter: metricsWriter(cluster.TaskRoleArn),
	})
	if r.TURNTLS {
		extra["turnNlbDnsName"] = cluster.TURNLoadBalancer
	}
	return outputs(ctx, s, name, creds, redis, recordings, logs, platformCluster{
		URL: cluster.URL, HealthURL: cluster.HealthURL, LoadBalancer: cluster.LoadBalancer, CertificateArn: cluster.CertificateArn,
		DrainSeconds: a.DrainSeconds, Image: clusterArgs.Image,
		Extra: extra,
	})
}

// platformCluster is what the region's outputs need from its LiveKit
// cluster, on either platform.
type platformCluster struct {
	URL, HealthURL, LoadBalancer, CertificateArn pulumi.StringOutput
	DrainSeconds                                 int
	Image                                        string
	Extra                                        pulumi.Map
}

func outputs(ctx *pulumi.Context, s *stackconfig.Stack, name string, creds *components.Credentials, redis *awsc.RedisCache, recordings *awsc.Recordings, logs *awsc.AuditLogs, cluster platformCluster) (pulumi.Map, error) {
	r, a := s.Region, s.AWS
	// The CDN serves signed URLs only; token servers sign with this key.
	var cdnKey pulumi.StringMap
	if r.Recordings.CDN {
		cdnKey = pulumi.StringMap{"recordingsCdnKeyId": recordings.CDNKeyID, "recordingsCdnKey": recordings.CDNSigningKey}
	}
	apiCreds, err := apiCredentialsSecret(ctx, name, creds, cluster.URL, cdnKey, s.Protect)
	if err != nil {
		return nil, err
	}

	return regional.Outputs(s, regional.Shared{
		Cloud: "aws", Region: a.Region, URL: cluster.URL, HealthURL: cluster.HealthURL,
		RedisEndpoint: redis.Address, RecordingsCDN: recordings.CDNDomain,
		Fingerprint: creds.Fingerprint, DrainSeconds: cluster.DrainSeconds, Image: cluster.Image,
	}, mergeMaps(pulumi.Map{
		"albDnsName":         cluster.LoadBalancer,
		"recordingsBucket":   recordings.Bucket,
		"recordingsCdnKeyId": recordings.CDNKeyID,
		"logBucket":          logs.Bucket,
		"apiKeySecretArn":    apiCreds,
		"certificateArn":     cluster.CertificateArn,
	}, cluster.Extra)), nil
}

func mergeMaps(a, b pulumi.Map) pulumi.Map {
	for k, v := range b {
		a[k] = v
	}
	return a
}

// cooldowns are the region's, for both Fargate services: Egress workers
// step with LiveKit's nodes.
func cooldowns(a *stackconfig.AWS) awsc.Cooldowns {
	return awsc.Cooldowns{ScaleOut: a.ScaleOutCooldown, ScaleIn: a.ScaleInCooldown}
}

func fargateSpot(s *stackconfig.FargateSpot) *awsc.FargateSpot {
	if s == nil {
		return nil
	}
	return &awsc.FargateSpot{OnDemandBase: s.OnDemandBase, OnDemandWeight: s.OnDemandWeight, SpotWeight: s.SpotWeight}
}

func egressSG(r *stackconfig.Region, n *awsc.Network) pulumi.StringInput {
	if !r.Egress.Enabled {
		return nil
	}
	return n.EgressSecurityGroupID
}

// egressWorkers declares the region's Egress service (egress on): workers in
// the public subnets, writing the recordings bucket with their task role.
// It returns the ECS service name, "" without Egress.
func egressWorkers(ctx *pulumi.Context, name string, s *stackconfig.Stack, creds *components.Credentials, cluster *awsc.MediaCluster,
	redis *awsc.RedisCache, network *awsc.Network, recordings *awsc.Recordings, mirror *components.RegistryMirrorOutputs, pullArns string, metrics *awsc.Collector) (pulumi.StringOutput, error) {
	r, a := s.Region, s.AWS
	if !r.Egress.Enabled {
		return pulumi.String("").ToStringOutput(), nil
	}
	// ElastiCache: TLS with Amazon's public CA, AUTH token; S3 through the
	// task role (no key in the config).
	config := regional.RenderEgressConfig(s, creds, cluster.URL, redis.Address, redis.Password, livekit.Redis{},
		recordings.Bucket, pulumi.String("").ToStringOutput(), func(bucket, _ string) livekit.EgressStorage {
			return livekit.EgressStorage{S3Bucket: bucket, S3Region: a.Region}
		})
	egressArgs := regional.EgressArgs(s, config, float64(a.EgressTaskCPU)/1024, float64(a.EgressTaskMemory)/1024)
	var err error
	// Tasks pull the Egress image through the region's mirror, by digest.
	if egressArgs.Image, err = regional.Image(mirror, r.Egress.ImageRef); err != nil {
		return pulumi.StringOutput{}, err
	}
	eg, err := awsc.NewEgress(ctx, name+"-egress", &awsc.EgressArgs{
		EgressArgs:               egressArgs,
		Collector:                metrics,
		PullRepositoryArnPattern: pullArns,
		Region:                   a.Region,
		SubnetIDs:                network.PublicSubnetIDs,
		SecurityGroupID:          network.EgressSecurityGroupID,
		TaskCPU:                  a.EgressTaskCPU,
		TaskMemory:               a.EgressTaskMemory,
		Cooldowns:                cooldowns(a),
		BucketArn:                recordings.BucketArn,
		ContainerInsights:        a.ContainerInsights,
		Protect:                  s.Protect,
	})
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return eg.ServiceName, nil
}

// regionMonitoring declares the alarms on what ElastiCache and the ALB
// publish to CloudWatch, to one topic per region (alertEmails,
// alertWebhookUrl), where the workspace's alert manager also publishes.
func regionMonitoring(ctx *pulumi.Context, s *stackconfig.Stack, name string, redis *awsc.RedisCache, lbSuffix, tgSuffix pulumi.StringInput, prom *awsc.ManagedPrometheus) (*awsc.Monitoring, error) {
	a := s.AWS
	return awsc.NewMonitoring(ctx, name+"-monitoring", &awsc.MonitoringArgs{
		MonitoringArgs:          regional.MonitoringArgs(s),
		Region:                  a.Region,
		RedisReplicationGroupID: redis.ReplicationGroupID,
		RedisNodes:              a.Redis.Nodes,
		LoadBalancerArnSuffix:   lbSuffix,
		TargetGroupArnSuffix:    tgSuffix,
		AlarmThresholds:         regional.AlarmThresholds(s),
		Prometheus:              &awsc.MonitoringPrometheus{WorkspaceID: prom.WorkspaceID, WorkspaceArn: prom.WorkspaceArn},
	})
}
