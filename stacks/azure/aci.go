package azure

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	azurec "github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
)

// aciStack declares an Azure region on Container Instances
// (azurePlatform aci): a fixed number of VNet-injected container groups
// behind Azure Firewall (media, DNAT per group) and Application Gateway
// (signaling TLS), with the same Redis, recordings, mirror and budget as
// an AKS region, its own watch (acimonitoring.go): a Prometheus agent
// beside LiveKit in every group writing to the region's Azure Monitor
// workspace, the rules there, metric alerts and audit logs, and Egress as
// a fixed number of container groups of its own (egress on), each with
// the same agent. TURN needs the cluster and is not built here.
func aciStack(ctx *pulumi.Context, s *stackconfig.Stack, name string, creds *components.Credentials, dns *aws.Provider) (pulumi.Map, error) {
	r, a := s.Region, s.Azure
	ports := make([]azurec.ACIGroupPorts, a.ACI.Groups)
	for i := range ports {
		ports[i].UDP, ports[i].TCP = a.ACI.GroupPorts(r.Media, i)
	}
	netArgs := &azurec.NetworkArgs{
		NetworkArgs: components.NetworkArgs{
			CIDR:        a.VnetCIDR,
			Zones:       a.AvailabilityZones,
			NATGateways: stackconfig.NATNone,
			Media:       r.Media,
		},
		Location:       a.Location,
		NodeSubnet:     a.NodeSubnet(),
		EndpointSubnet: a.EndpointSubnet(),
		Protect:        s.Protect,
		MaxMediaNodes:  a.ACI.Groups,
		BlobEndpoint:   a.RecordingsPrivateLink,
		ACI: &azurec.ACINetworkArgs{
			GatewaySubnet:  a.GatewaySubnet(),
			FirewallSubnet: a.FirewallSubnet(),
			Groups:         ports,
		},
	}
	if r.Egress.Enabled {
		netArgs.ACI.EgressSubnet = a.EgressSubnet()
	}
	network, err := azurec.NewNetwork(ctx, name, netArgs)
	if err != nil {
		return nil, err
	}
	redis, recordings, err := stores(ctx, name, s, network, dns)
	if err != nil {
		return nil, err
	}

	groups := make([]azurec.ACIGroup, len(ports))
	for i, p := range ports {
		groups[i] = azurec.ACIGroup{
			Config: regional.RenderACIGroupConfig(s, a.Location, creds, redis.Address, redis.Password, network.ACI.MediaIPAddress, p.UDP, p.TCP),
			Ports:  p,
		}
	}
	mirror, mirrorOut, clusterArgs, err := mirrorImage(ctx, s, name, network.ResourceGroupName, regional.MediaClusterArgs(s, groups[0].Config, 0), aciMirrorImages(s)...)
	if err != nil {
		return nil, err
	}
	monitoring, metrics, err := aciMonitoring(ctx, name, s, network.ResourceGroupName, mirrorOut)
	if err != nil {
		return nil, err
	}
	cluster, err := azurec.NewACICluster(ctx, name, &azurec.ACIClusterArgs{
		MediaClusterArgs:     clusterArgs,
		Location:             a.Location,
		ResourceGroupName:    network.ResourceGroupName,
		SubnetID:             network.NodeSubnetID,
		GatewaySubnetID:      network.ACI.GatewaySubnetID,
		FirewallSubnetID:     network.ACI.FirewallSubnetID,
		IngressIPID:          network.IngressIPID,
		IngressIPAddress:     network.IngressIPAddress,
		MediaIPID:            network.ACI.MediaIPID,
		MediaIPAddress:       network.ACI.MediaIPAddress,
		Zones:                a.AvailabilityZones,
		Groups:               groups,
		CPU:                  a.ACI.CPU,
		MemoryGB:             a.ACI.MemoryGB,
		Registry:             mirror,
		CertificateSecretID:  a.ACI.CertificateSecretID,
		CertificateSecretURI: a.ACI.CertificateSecretURI(),
		DNSProvider:          dns,
		Metrics:              metrics,
	})
	if err != nil {
		return nil, err
	}
	logs, err := aciWatch(ctx, name, s, monitoring, cluster, redis, recordings, network)
	if err != nil {
		return nil, err
	}
	dashboard, err := aciDashboard(ctx, name, s, monitoring, cluster, redis, recordings, network)
	if err != nil {
		return nil, err
	}
	// Egress's agents write to the region's workspace only: the central
	// view takes the LiveKit groups' series, as on GKE and AKS.
	egressMetrics := *metrics
	egressMetrics.Central = nil
	egress, err := aciEgressWorkers(ctx, name, s, creds, cluster.URL, redis, network, recordings, mirror, mirrorOut, &egressMetrics)
	if err != nil {
		return nil, err
	}
	if err := budget(ctx, name, s, network.ResourceGroupID); err != nil {
		return nil, err
	}
	extra := pulumi.Map{
		"platform":              pulumi.String(stackconfig.AzurePlatformACI),
		"ingressIp":             network.IngressIPAddress,
		"mediaIp":               network.ACI.MediaIPAddress,
		"containerGroups":       pulumi.Int(a.ACI.Groups),
		"containerGroupIps":     cluster.GroupIPs,
		"redisHost":             redis.Host,
		"recordingsAccount":     recordings.Account,
		"recordingsContainer":   recordings.Container,
		"resourceGroup":         network.ResourceGroupName,
		"alarmActionGroup":      monitoring.AlarmTopic,
		"prometheusQueryUrl":    monitoring.QueryEndpoint,
		"dashboard":             dashboard.DashboardID,
		"logAnalyticsWorkspace": logs.WorkspaceID,
		"flowLogAccount":        logs.FlowLogAccount,
		// The central view's writer: the groups' managed identity, whose
		// Entra ID token the global stack's writer role trusts.
		components.OutputMetricsWriter: cluster.CentralWriter,
	}
	if egress != nil {
		// Health (GET /) and metrics of each Egress worker, inside the VNet.
		extra["egressGroups"] = pulumi.Int(r.Egress.ACI.Groups)
		extra["egressGroupIps"] = egress.GroupIPs
	}
	return regional.Outputs(s, regional.Shared{
		Cloud: "azure", Region: a.Location, URL: cluster.URL, HealthURL: cluster.HealthURL,
		RedisEndpoint: redis.Address, RecordingsCDN: recordings.CDNDomain,
		Fingerprint: creds.Fingerprint, DrainSeconds: 0, Image: clusterArgs.Image,
	}, extra), nil
}
