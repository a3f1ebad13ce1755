// Package gcp is the gcp stack kind: one LiveKit region on GKE with
// Memorystore, a GKE Gateway for signaling and Cloud Storage/CDN
// recordings. DNS records go into the product's Route 53 zone through an AWS
// provider used for DNS only.
package gcp

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	gcpc "github.com/livekit-infra/livekit-infra/components/gcp"
	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/kinds"
	"github.com/livekit-infra/livekit-infra/stacks/kube"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
)

// Program reads and validates the stack config, then declares the stack.
var Program = kinds.Program(stackconfig.KindGCP, Stack)

// Stack declares one GCP LiveKit region from validated settings.
func Stack(ctx *pulumi.Context, s *stackconfig.Stack) (pulumi.Map, error) {
	r, g := s.Region, s.GCP
	name := "livekit"
	if err := regional.TagEveryResource(ctx, "Labels", regional.CostTags(s, s.GCP.Region)); err != nil {
		return nil, err
	}
	for _, w := range stackconfig.ExposureWarnings(map[string]string{
		stackconfig.Namespace + ":kind":              string(s.Kind),
		stackconfig.Namespace + ":gcpAllowPublicApi": fmt.Sprint(g.AllowPublicAPI),
	}) {
		_ = ctx.Log.Warn(w.String(), nil)
	}

	// Route 53 is global; the region only picks the API endpoint. This
	// provider is used for the zone's records and nothing else.
	dns, err := aws.NewProvider(ctx, "dns", &aws.ProviderArgs{Region: pulumi.String(g.DNSAWSRegion)})
	if err != nil {
		return nil, err
	}

	// Memorystore generates its own AUTH string: no Redis password here.
	creds, err := regional.Credentials(ctx, s, name, nil, false)
	if err != nil {
		return nil, err
	}

	network, err := gcpc.NewNetwork(ctx, name, &gcpc.NetworkArgs{
		NetworkArgs: components.NetworkArgs{
			CIDR:        g.NetworkCIDR,
			NATGateways: stackconfig.NATSingle, // Cloud NAT is regional
			Media:       r.Media,
			TURNUDPPort: r.TURNUDPPort,
			Egress:      r.Egress.Enabled,
		},
		Region:             g.Region,
		PodsCIDR:           g.PodsCIDR,
		ServicesCIDR:       g.ServicesCIDR,
		PrivateServiceCIDR: g.PrivateServiceCIDR,
		FlowLogs:           r.Logs.Flow,
	})
	if err != nil {
		return nil, err
	}

	redis, err := gcpc.NewRedisCache(ctx, name+"-redis", &gcpc.RedisCacheArgs{
		RedisCacheArgs:           components.RedisCacheArgs{EngineVersion: g.RedisVersion, Protect: s.Protect},
		Region:                   g.Region,
		NetworkID:                network.NetworkID,
		PrivateServiceRange:      network.PrivateServiceRange,
		PrivateServiceConnection: network.PrivateServiceConnection,
		MemoryGB:                 g.RedisMemoryGB,
	})
	if err != nil {
		return nil, err
	}

	recordings, err := gcpc.NewRecordings(ctx, name+"-recordings", &gcpc.RecordingsArgs{
		RecordingsArgs: regional.RecordingsArgs(s),
		Project:        g.Project,
		Location:       g.Region,
		DNSProvider:    dns,
	})
	if err != nil {
		return nil, err
	}

	// Memorystore's in-transit encryption uses its own CA: LiveKit must be
	// given it (mounted from the config Secret); system roots do not verify it.
	config := regional.RenderConfig(s, g.Region, creds, redis.Address, redis.Password, livekit.Redis{CACertFile: lkk8s.FilePath(gcpc.RedisCAFile)})

	// GMP scrapes pods: the Gateway's health check takes a node answering
	// 406 out.
	_, alertRules, err := regional.ManagedRules(s)
	if err != nil {
		return nil, err
	}
	// GMP evaluates a Rules object over its own namespace's series: the
	// Egress group goes to the Egress namespace.
	egressRules, livekitRules := alertRules.Split(observability.EgressGroup(s.Name))

	// Nodes pull through an Artifact Registry remote repository of Docker
	// Hub in the region, by digest.
	var mirror *gcpc.RegistryMirror
	var mirrorOut *components.RegistryMirrorOutputs
	if r.Mirror.On {
		mirror, err = gcpc.NewRegistryMirror(ctx, name+"-mirror", &gcpc.RegistryMirrorArgs{
			RegistryMirrorArgs: components.RegistryMirrorArgs{Images: regional.MirrorImages(s)},
			Project:            g.Project,
			Region:             g.Region,
			RepositoryID:       gcpc.RepositoryID(ctx.Stack()),
		})
		if err != nil {
			return nil, err
		}
		mirrorOut = &mirror.RegistryMirrorOutputs
	}
	clusterArgs := regional.MediaClusterArgs(s, config, g.DrainSeconds)
	if clusterArgs.Image, err = regional.Image(mirrorOut, r.ImageRef); err != nil {
		return nil, err
	}

	cluster, err := gcpc.NewMediaCluster(ctx, name, &gcpc.MediaClusterArgs{
		MediaClusterArgs:         clusterArgs,
		Project:                  g.Project,
		Region:                   g.Region,
		NetworkID:                network.NetworkID,
		SubnetID:                 network.SubnetID,
		MediaTag:                 network.MediaTag,
		MachineType:              g.MachineType,
		DiskSizeGB:               g.DiskSizeGB,
		PodCPU:                   g.PodCPU,
		PodMemory:                g.PodMemory,
		ReleaseChannel:           g.ReleaseChannel,
		KubernetesVersion:        g.KubernetesVersion,
		MasterAuthorizedNetworks: g.MasterAuthorizedNetworks,
		AllowPublicAPI:           g.AllowPublicAPI,
		ChartVersion:             g.ChartVersion,
		RedisCACert:              redis.CACert,
		DNSProvider:              dns,
		ControlPlaneLogs:         r.Logs.ControlPlane,
		AlertRules:               &livekitRules,
	})
	if err != nil {
		return nil, err
	}

	// The rendered rules as Cloud Monitoring PromQL alert policies, to the
	// region's channels (alertEmails, alertWebhookUrl).
	monitoring, err := gcpc.NewMonitoring(ctx, name+"-monitoring", &gcpc.MonitoringArgs{
		MonitoringArgs: regional.MonitoringArgs(s),
		Project:        g.Project,
		Rules:          alertRules,
		Native:         &gcpc.NativeAlarms{AlarmThresholds: regional.AlarmThresholds(s), RedisInstanceID: redis.InstanceID},
	})
	if err != nil {
		return nil, err
	}

	// The region's dashboard: LiveKit's series through GMP, Memorystore's,
	// the Gateway's and GKE's from Cloud Monitoring.
	board, err := regional.Dashboard(s)
	if err != nil {
		return nil, err
	}
	dashboard, err := gcpc.NewDashboard(ctx, name+"-dashboard", &gcpc.DashboardArgs{
		DashboardArgs: components.DashboardArgs{Dashboard: board},
		Project:       g.Project,
		Scope:         gcpc.NativeScope{RedisInstanceID: redis.InstanceID, ClusterName: cluster.ClusterName, Region: g.Region},
	})
	if err != nil {
		return nil, err
	}

	if mirror != nil {
		if err := mirror.AllowPull("nodes", cluster.NodeServiceAccount); err != nil {
			return nil, err
		}
	}

	if err := kube.MetricsAgent(ctx, name, s, mirrorOut, cluster.Provider); err != nil {
		return nil, err
	}

	egress, err := egressWorkers(ctx, name, s, creds, cluster, redis, network, recordings, mirrorOut, egressRules)
	if err != nil {
		return nil, err
	}

	// The subnet's flows and the control plane's logs, kept logRetentionDays
	// in a log bucket of the region.
	logs, err := gcpc.NewAuditLogs(ctx, name+"-logs", &gcpc.AuditLogsArgs{
		Project:       g.Project,
		Region:        g.Region,
		RetentionDays: r.LogRetentionDays,
		Flow:          r.Logs.Flow,
		SubnetName:    network.SubnetName,
		ControlPlane:  r.Logs.ControlPlane,
		ClusterName:   cluster.ClusterName,
	})
	if err != nil {
		return nil, err
	}

	var cdnKey pulumi.StringMap
	if r.Recordings.CDN {
		cdnKey = pulumi.StringMap{"recordingsCdnKeyName": recordings.SigningKeyName, "recordingsCdnKey": recordings.SigningKey}
	}
	tokens, err := apiCredentialsSecret(ctx, name, s, creds, cluster.URL, cdnKey)
	if err != nil {
		return nil, err
	}

	if err := budget(ctx, name, s); err != nil {
		return nil, err
	}
	extra := pulumi.Map{
		"project":              pulumi.String(g.Project),
		"logBucket":            logs.Bucket,
		"ingressIp":            cluster.IngressIP,
		"redisHost":            redis.Host,
		"recordingsBucket":     recordings.Bucket,
		"recordingsBucketUrl":  recordings.BucketURL,
		"recordingsCdnKeyName": recordings.SigningKeyName,
		"livekitChartVersion":  pulumi.String(g.ChartVersion),
		"egressServiceAccount": egress,
		"gkeCluster":           cluster.ClusterName,
		"certificateMap":       cluster.CertificateMap,
		"alarmChannels":        monitoring.Channels,
		"dashboard":            dashboard.DashboardID,
		// Token servers read their credentials from Secret Manager as the
		// token-server service account; no secret is a stack output.
		"apiCredentialsSecret":         tokens.SecretID,
		"tokenServerServiceAccount":    tokens.ServiceAccount,
		components.OutputMetricsWriter: regional.KubernetesMetricsWriter(cluster.OIDCIssuerURL),
	}
	if r.TURNTLS {
		extra["turnIp"] = cluster.TURNAddress
	}
	return regional.Outputs(s, regional.Shared{
		Cloud: "gcp", Region: g.Region, URL: cluster.URL, HealthURL: cluster.HealthURL,
		RedisEndpoint: redis.Address, RecordingsCDN: recordings.CDNDomain,
		Fingerprint: creds.Fingerprint, DrainSeconds: g.DrainSeconds, Image: clusterArgs.Image,
	}, extra), nil
}

// egressWorkers declares the region's Egress (egress on): its own node pool,
// Workload Identity writing the recordings bucket, Memorystore with its CA.
// It returns the Egress service account's email, "" without Egress.
func egressWorkers(ctx *pulumi.Context, name string, s *stackconfig.Stack, creds *components.Credentials, cluster *gcpc.MediaCluster,
	redis *gcpc.RedisCache, network *gcpc.Network, recordings *gcpc.Recordings, mirror *components.RegistryMirrorOutputs, rules observability.RuleFile) (pulumi.StringOutput, error) {
	r, g := s.Region, s.GCP
	if !r.Egress.Enabled {
		return pulumi.String("").ToStringOutput(), nil
	}
	k := r.Egress.K8s
	// GCS without credentials_json: the client's application default
	// credentials are the pod's Workload Identity.
	config := regional.RenderEgressConfig(s, creds, cluster.URL, redis.Address, redis.Password,
		livekit.Redis{CACertFile: lkk8s.EgressFilePath(gcpc.RedisCAFile)},
		recordings.Bucket, pulumi.String("").ToStringOutput(), func(bucket, _ string) livekit.EgressStorage {
			return livekit.EgressStorage{GCSBucket: bucket}
		})
	args := regional.EgressArgs(s, config, k.CPU, k.MemoryGiB)
	var err error
	if args.Image, err = regional.Image(mirror, r.Egress.ImageRef); err != nil {
		return pulumi.StringOutput{}, err
	}
	eg, err := gcpc.NewEgress(ctx, name+"-egress", &gcpc.EgressArgs{
		EgressArgs:         args,
		Project:            g.Project,
		Region:             g.Region,
		ClusterID:          cluster.ClusterID,
		Provider:           cluster.Provider,
		NodeServiceAccount: cluster.NodeServiceAccount,
		EgressTag:          network.EgressTag,
		MachineType:        k.NodeSize,
		DiskSizeGB:         g.DiskSizeGB,
		PodCPU:             k.PodCPU,
		PodMemory:          k.PodMemory,
		ChartVersion:       k.ChartVersion,
		Bucket:             recordings.Bucket,
		RedisCACert:        redis.CACert,
		AlertRules:         rules,
	})
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return eg.ServiceAccount, nil
}
