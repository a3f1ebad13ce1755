// Package azure is the azure stack kind: one LiveKit region on AKS with
// Azure Cache for Redis behind a private endpoint, a Traefik ingress with a
// cert-manager certificate for signaling, and Blob Storage/Front Door
// recordings. DNS lives in the shared Route 53 zone.
package azure

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	azurec "github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/kinds"
	"github.com/livekit-infra/livekit-infra/stacks/kube"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
)

// DNSRegion is the region of the AWS provider used only for Route 53 (and
// the IAM role cert-manager assumes); both services are global.
const DNSRegion = "us-east-1"

// Program reads and validates the stack config, then declares the region.
var Program = kinds.Program(stackconfig.KindAzure, Stack)

// Stack declares one Azure LiveKit region from validated settings.
func Stack(ctx *pulumi.Context, s *stackconfig.Stack) (pulumi.Map, error) {
	if s.Azure == nil || s.Region == nil {
		return nil, fmt.Errorf("stack %q: kind azure needs the azure and region settings", s.Name)
	}
	r, a := s.Region, s.Azure
	name := "livekit"
	if err := regional.TagEveryResource(ctx, "Tags", regional.CostTags(s, s.Azure.Location)); err != nil {
		return nil, err
	}
	values := map[string]string{
		stackconfig.Namespace + ":kind":                       string(s.Kind),
		stackconfig.Namespace + ":azureAllowPublicApi":        fmt.Sprint(a.AllowPublicAPI),
		stackconfig.Namespace + ":egress":                     r.Egress.Mode,
		stackconfig.Namespace + ":azureRecordingsSharedKey":   fmt.Sprint(a.RecordingsSharedKey),
		stackconfig.Namespace + ":azureRecordingsPrivateLink": fmt.Sprint(a.RecordingsPrivateLink),
		stackconfig.Namespace + ":recordingsCdn":              fmt.Sprint(r.Recordings.CDN),
	}
	for _, w := range append(stackconfig.ExposureWarnings(values), stackconfig.RecordingsWarnings(values)...) {
		_ = ctx.Log.Warn(w.String(), nil)
	}

	// Azure generates the Redis access key; only LiveKit's keys are ours.
	creds, err := regional.Credentials(ctx, s, name, nil, false)
	if err != nil {
		return nil, err
	}

	// Every record lives in the one Route 53 zone, written through an
	// explicit provider so no ambient AWS region or profile is assumed.
	dns, err := aws.NewProvider(ctx, name+"-dns", &aws.ProviderArgs{Region: pulumi.String(DNSRegion)})
	if err != nil {
		return nil, err
	}
	if a.Platform == stackconfig.AzurePlatformACI {
		return aciStack(ctx, s, name, creds, dns)
	}

	network, err := azurec.NewNetwork(ctx, name, &azurec.NetworkArgs{
		NetworkArgs: components.NetworkArgs{
			CIDR:        a.VnetCIDR,
			Zones:       a.AvailabilityZones,
			NATGateways: stackconfig.NATNone, // egress through the AKS load balancer and node IPs
			Media:       r.Media,
			TURNUDPPort: r.TURNUDPPort,
			Egress:      r.Egress.Enabled,
		},
		Location:       a.Location,
		NodeSubnet:     a.NodeSubnet(),
		EndpointSubnet: a.EndpointSubnet(),
		Protect:        s.Protect,
		MaxMediaNodes:  r.Scaling.Max + azurec.LiveKitPoolSurge,
		MaxEgressNodes: r.Egress.Max + 1, // + the pool's upgrade surge
		BlobEndpoint:   a.RecordingsPrivateLink,
	})
	if err != nil {
		return nil, err
	}

	redis, recordings, err := stores(ctx, name, s, network, dns)
	if err != nil {
		return nil, err
	}

	// Azure Cache for Redis serves TLS on 6380 with a certificate from a
	// public CA: TLS on, no CA file.
	config := regional.RenderConfig(s, a.Location, creds, redis.Address, redis.Password, livekit.Redis{})

	mirror, mirrorOut, clusterArgs, err := mirrorImage(ctx, s, name, network.ResourceGroupName, regional.MediaClusterArgs(s, config, a.DrainSeconds))
	if err != nil {
		return nil, err
	}

	// Azure Monitor managed Prometheus scrapes pods: the ingress's health
	// check takes a node answering 406 out.
	obs, alertRules, err := regional.ManagedRules(s)
	if err != nil {
		return nil, err
	}

	cluster, err := azurec.NewMediaCluster(ctx, name, &azurec.MediaClusterArgs{
		MediaClusterArgs:         clusterArgs,
		Location:                 a.Location,
		ResourceGroupName:        network.ResourceGroupName,
		VnetID:                   network.NetworkID,
		NodeSubnetID:             network.NodeSubnetID,
		NodeSubnetCIDR:           a.NodeSubnet().String(),
		MediaASGID:               network.MediaASGID,
		IngressIPID:              network.IngressIPID,
		IngressIPName:            network.IngressIPName,
		IngressResourceGroupName: network.IngressResourceGroupName,
		IngressIPAddress:         network.IngressIPAddress,
		Zones:                    a.AvailabilityZones,
		KubernetesVersion:        a.KubernetesVersion,
		Tier:                     a.AKSTier,
		SystemVMSize:             a.SystemVMSize,
		SystemNodes:              a.SystemNodes,
		VMSize:                   a.VMSize,
		MaxPods:                  a.MaxPods,
		ServiceCIDR:              a.ServiceCIDR.String(),
		DNSServiceIP:             a.DNSServiceIP().String(),
		PodCIDR:                  a.PodCIDR.String(),
		APIAuthorizedIPRanges:    a.APIAuthorizedIPs,
		AllowPublicAPI:           a.AllowPublicAPI,
		ChartVersion:             a.ChartVersion,
		PodCPU:                   a.PodCPU,
		PodMemory:                a.PodMemory,
		CertManagerChart:         a.CertManagerChart,
		TraefikChart:             a.TraefikChart,
		ACMEServer:               a.ACMEServer,
		ACMEEmail:                a.ACMEEmail,
		DNSProvider:              dns,
		Metrics:                  &obs,
	})
	if err != nil {
		return nil, err
	}

	// The kubelet identity (AKS's, per cluster) pulls the LiveKit image.
	if mirror != nil {
		if _, err := mirror.AllowPull("kubelet", cluster.KubeletObjectID); err != nil {
			return nil, err
		}
	}

	if err := kube.MetricsAgent(ctx, name, s, mirrorOut, cluster.Provider); err != nil {
		return nil, err
	}

	if err := egressWorkers(ctx, name, s, creds, cluster, redis, network, recordings, mirrorOut); err != nil {
		return nil, err
	}

	// VNet flow logs (a storage account of their own, kept logRetentionDays
	// by their retention policy) and the kube-audit-admin and Front Door
	// access logs (Log Analytics, kept logRetentionDays).
	logs, err := azurec.NewAuditLogs(ctx, name+"-logs", &azurec.AuditLogsArgs{
		ResourceGroupName: network.ResourceGroupName,
		Location:          a.Location,
		RetentionDays:     r.LogRetentionDays,
		WorkspaceID:       cluster.WorkspaceID,
		Flow:              r.Logs.Flow,
		VNetID:            network.NetworkID,
		ControlPlane:      r.Logs.ControlPlane,
		ClusterID:         cluster.ClusterID,
		CDN:               r.Logs.CDN && r.Recordings.CDN,
		CDNProfileID:      recordings.CDNProfileID,
		Protect:           s.Protect,
	})
	if err != nil {
		return nil, err
	}

	// Every alert of the region goes to one action group (alertEmails,
	// alertWebhookUrl).
	// The AKS load balancer (in front of Traefik) of the cluster's node
	// resource group, and the recordings' Front Door when there is a CDN.
	lbID := pulumi.All(cluster.ClusterID, cluster.NodeResourceGroup).ApplyT(func(v []any) (string, error) {
		return azurec.LoadBalancerID(v[0].(string), v[1].(string))
	}).(pulumi.StringOutput)
	var frontDoor pulumi.StringInput
	if r.Recordings.CDN {
		frontDoor = recordings.CDNProfileID
	}
	monitoring, err := azurec.NewMonitoring(ctx, name+"-monitoring", &azurec.MonitoringArgs{
		MonitoringArgs:    regional.MonitoringArgs(s),
		ResourceGroupName: network.ResourceGroupName,
		Prometheus: &azurec.PrometheusArgs{
			Location: a.Location, ClusterID: cluster.ClusterID, ClusterName: cluster.ClusterName, Rules: alertRules,
		},
		Native: &azurec.NativeAlarms{
			AlarmThresholds: regional.AlarmThresholds(s), RedisCacheID: redis.CacheID, LoadBalancerID: lbID, FrontDoorProfileID: frontDoor,
		},
	})
	if err != nil {
		return nil, err
	}

	board, err := regional.Dashboard(s)
	if err != nil {
		return nil, err
	}
	dashboard, err := azurec.NewDashboard(ctx, name+"-dashboard", &azurec.DashboardArgs{
		DashboardArgs: components.DashboardArgs{Dashboard: board},
		Stack:         s.Name, Location: a.Location, ResourceGroupName: network.ResourceGroupName,
		Scope: azurec.WorkbookScope{
			WorkspaceID: monitoring.WorkspaceID, RedisCacheID: redis.CacheID, LoadBalancerID: lbID,
			ClusterID: cluster.ClusterID, FrontDoorProfileID: frontDoor,
		},
	})
	if err != nil {
		return nil, err
	}

	tokens, err := apiCredentialsVault(ctx, name, s, network, cluster, creds, recordings)
	if err != nil {
		return nil, err
	}

	if err := budget(ctx, name, s, network.ResourceGroupID); err != nil {
		return nil, err
	}
	extra := pulumi.Map{
		"ingressIp":           network.IngressIPAddress,
		"redisHost":           redis.Host,
		"recordingsAccount":   recordings.Account,
		"recordingsContainer": recordings.Container,
		// With Private Link: the one manual step after the first up.
		"recordingsPrivateLinkApproval": recordings.PrivateLinkApproval,
		"flowLogAccount":                logs.FlowLogAccount,
		"resourceGroup":                 network.ResourceGroupName,
		"aksCluster":                    cluster.ClusterName,
		"kubernetesVersion":             pulumi.String(a.KubernetesVersion),
		"logAnalyticsWorkspace":         cluster.WorkspaceID,
		"alarmActionGroup":              monitoring.AlarmTopic,
		"dashboard":                     dashboard.DashboardID,
		"prometheusQueryUrl":            monitoring.QueryEndpoint,
		// Token servers read their credentials from Key Vault as the
		// token-server workload identity; no secret is a stack output.
		"apiCredentialsVault":  tokens.VaultURI,
		"apiCredentialsSecret": tokens.SecretName,
		"tokenServerClientId":  tokens.IdentityClientID,
		// The central view's writer: the metrics agent's service account
		// of the cluster's OIDC issuer.
		components.OutputMetricsWriter: regional.KubernetesMetricsWriter(cluster.OIDCIssuerURL),
		// That issuer's IAM OIDC provider (cert-manager's): the global
		// stack trusts it rather than declaring a second for the same URL.
		components.OutputOIDCProvider: cluster.OIDCProviderARN,
	}
	if r.TURNTLS {
		extra["turnIp"] = network.IngressIPAddress
	}
	return regional.Outputs(s, regional.Shared{
		Cloud: "azure", Region: a.Location, URL: cluster.URL, HealthURL: cluster.HealthURL,
		RedisEndpoint: redis.Address, RecordingsCDN: recordings.CDNDomain,
		Fingerprint: creds.Fingerprint, DrainSeconds: a.DrainSeconds, Image: clusterArgs.Image,
	}, extra), nil
}
