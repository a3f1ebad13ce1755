package azure

import (
	"encoding/base64"
	"strconv"

	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi-azure/sdk/v5/go/azure/authorization"
	"github.com/pulumi/pulumi-azure/sdk/v5/go/azure/containerservice"
	classicnet "github.com/pulumi/pulumi-azure/sdk/v5/go/azure/network"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/globalzone"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// ACI limits this component checks (learn.microsoft.com/azure/
// container-instances/container-instances-resource-and-quota-limits: a
// Linux container group in a virtual network takes at most 4 vCPU and
// 16 GB).
const (
	ACIMaxCPU      = 4
	ACIMaxMemoryGB = 16
)

// GatewaySSLPolicy is Application Gateway's predefined TLS policy: TLS 1.2
// minimum with ECDHE/AES-GCM suites
// (learn.microsoft.com/azure/application-gateway/application-gateway-ssl-policy-overview).
const GatewaySSLPolicy = "AppGwSslPolicy20220101S"

// ACIConfigPath is where a group's LiveKit config is mounted (a secret
// volume, never an environment variable).
const (
	aciConfigDir  = "/etc/livekit"
	aciConfigFile = "config.yaml"
	ACIConfigPath = aciConfigDir + "/" + aciConfigFile
)

// Key Vault Secrets User reads secret values, and nothing else, on its scope.
const kvSecretsUser = "Key Vault Secrets User"

// ACIGroup is one LiveKit container group: its rendered config (a secret;
// it differs from the others' by rtc.udp_port and rtc.tcp_port) and ports.
type ACIGroup struct {
	Config pulumi.StringInput
	Ports  ACIGroupPorts
}

// ACIClusterArgs adds the Container Instances placement to the contract.
// The contract's Config is group 0's; Groups carries every group's.
type ACIClusterArgs struct {
	components.MediaClusterArgs

	Location          string
	ResourceGroupName pulumi.StringInput
	// SubnetID is the subnet delegated to container groups;
	// GatewaySubnetID Application Gateway's; FirewallSubnetID Azure
	// Firewall's.
	SubnetID, GatewaySubnetID, FirewallSubnetID pulumi.StringInput
	// IngressIPID is the signaling IP (Application Gateway's frontend),
	// IngressIPAddress its address for DNS.
	IngressIPID      pulumi.StringInput
	IngressIPAddress pulumi.StringOutput
	// MediaIPID and MediaIPAddress are the firewall's public IP: every
	// group's rtc.node_ip.
	MediaIPID      pulumi.StringInput
	MediaIPAddress pulumi.StringOutput
	Zones          []string
	Groups         []ACIGroup
	CPU, MemoryGB  int
	// Registry is the region's ACR mirror (nil: Docker Hub, anonymously).
	Registry *RegistryMirror
	// CertificateSecretID is the Key Vault secret's resource ID (the role
	// assignment's scope), CertificateSecretURI its versionless URI.
	CertificateSecretID, CertificateSecretURI string
	DNSProvider                               pulumi.ProviderResource
	// Metrics, when set, runs a Prometheus agent beside LiveKit in every
	// group (acimetrics.go).
	Metrics *ACIMetricsArgs
}

// ACICluster is LiveKit on Azure Container Instances: N VNet-injected
// container groups, Azure Firewall DNAT for media, Application Gateway for
// signaling.
type ACICluster struct {
	pulumi.ResourceState
	components.MediaClusterOutputs

	// GroupIPs are the groups' private addresses, group i at index i.
	GroupIPs pulumi.StringArrayOutput
	// GroupIDs are the groups' resource IDs, group i at index i.
	GroupIDs pulumi.StringArrayOutput
	// PullIdentityPrincipalID is the identity that pulls the image.
	PullIdentityPrincipalID pulumi.StringOutput
	GatewayName             pulumi.StringOutput
	FirewallName            pulumi.StringOutput
	// GatewayID and FirewallID are the front doors' resource IDs (their
	// alarms and diagnostic settings).
	GatewayID, FirewallID pulumi.StringOutput
	// CentralWriter is the groups' writer identity for the central view
	// (ACIMetricsWriter), nil without Metrics.
	CentralWriter pulumi.StringMap
}

// check runs the contract's checks, then Container Instances'.
func (a *ACIClusterArgs) check(e *components.ArgErrors) {
	a.MediaClusterArgs.Check(e)
	if len(a.Groups) < 1 {
		e.Add("Groups is empty: at least one container group (azureAciGroups)")
	}
	if a.Scaling.Min != len(a.Groups) || a.Scaling.Max != len(a.Groups) {
		e.Add("Scaling %d-%d must be exactly the %d groups: ACI does not autoscale", a.Scaling.Min, a.Scaling.Max, len(a.Groups))
	}
	seen := map[string]int{}
	for i, g := range a.Groups {
		if g.Config == nil {
			e.Add("Groups[%d].Config is required: render it with components/livekit", i)
		}
		for _, p := range []struct {
			proto string
			port  int
		}{{"udp", g.Ports.UDP}, {"tcp", g.Ports.TCP}} {
			if p.port < 1024 || p.port > 65535 {
				e.Add("Groups[%d] %s port %d is outside 1024-65535", i, p.proto, p.port)
			}
			k := p.proto + strconv.Itoa(p.port)
			if j, dup := seen[k]; dup {
				e.Add("Groups[%d] %s port %d is also group %d's: each group needs its own, forwarded 1:1", i, p.proto, p.port, j)
			}
			seen[k] = i
		}
		if g.Ports.TCP == livekit.SignalPort {
			e.Add("Groups[%d] TCP port %d is the signaling port", i, g.Ports.TCP)
		}
	}
	if a.CPU < 1 || a.CPU > ACIMaxCPU {
		e.Add("CPU %d must be 1-%d (ACI's limit for a Linux group in a VNet)", a.CPU, ACIMaxCPU)
	}
	if a.MemoryGB < 1 || a.MemoryGB > ACIMaxMemoryGB {
		e.Add("MemoryGB %d must be 1-%d (ACI's limit for a Linux group in a VNet)", a.MemoryGB, ACIMaxMemoryGB)
	}
	if a.TURNTLSPort != 0 || a.TURNUDPPort != 0 {
		e.Add("TURN is not offered on ACI: set TURNTLSPort and TURNUDPPort to 0")
	}
	e.Require(
		components.Field{Name: "Location", Missing: a.Location == ""},
		components.Field{Name: "ResourceGroupName", Missing: a.ResourceGroupName == nil},
		components.Field{Name: "SubnetID", Missing: a.SubnetID == nil},
		components.Field{Name: "GatewaySubnetID", Missing: a.GatewaySubnetID == nil},
		components.Field{Name: "FirewallSubnetID", Missing: a.FirewallSubnetID == nil},
		components.Field{Name: "IngressIPID", Missing: a.IngressIPID == nil},
		components.Field{Name: "MediaIPID", Missing: a.MediaIPID == nil},
		components.Field{Name: "CertificateSecretID", Missing: a.CertificateSecretID == ""},
		components.Field{Name: "CertificateSecretURI", Missing: a.CertificateSecretURI == ""},
		components.Field{Name: "DNSProvider", Missing: a.DNSProvider == nil},
	)
	if a.Metrics != nil {
		a.Metrics.check(e)
	}
}

// NewACICluster declares the container groups and their front doors.
func NewACICluster(ctx *pulumi.Context, name string, args *ACIClusterArgs, opts ...pulumi.ResourceOption) (*ACICluster, error) {
	c := &ACICluster{}
	parent, err := components.Register(ctx, components.MediaClusterType, name, c, args, (*ACIClusterArgs).check, opts...)
	if err != nil {
		return nil, err
	}
	loc := pulumi.String(args.Location)
	var zones pulumi.StringArrayInput
	if len(args.Zones) > 0 {
		zones = pulumi.ToStringArray(args.Zones)
	}

	runAs, err := newACIRunAs(ctx, name, "aci", args.ResourceGroupName, args.Location, args.Registry, args.Metrics, parent)
	if err != nil {
		return nil, err
	}

	var writer *managedidentity.UserAssignedIdentity
	if args.Metrics != nil {
		if writer, err = aciCentralWriter(ctx, name, args.ResourceGroupName, args.Location, parent); err != nil {
			return nil, err
		}
		c.CentralWriter = ACIMetricsWriter(writer)
		if args.Metrics.Central != nil {
			runAs.identities = append(runAs.identities, writer.ID().ToStringOutput())
		}
	}

	groups := make([]*containerservice.Group, len(args.Groups))
	ips := make(pulumi.StringArray, len(args.Groups))
	ids := make(pulumi.StringArray, len(args.Groups))
	for i, g := range args.Groups {
		containers := containerservice.GroupContainerArray{aciContainer(args, g)}
		if m := args.Metrics; m != nil {
			agent := aciAgentContainer(m, runAs.agentClientID, aciAgentListen, func(url, clientID string) (observability.PrometheusConfig, error) {
				if m.Central != nil {
					return ACIAgentConfigCentral(m.Region, i, url, clientID, m.Central.Central)
				}
				return ACIAgentConfig(m.Region, i, url, clientID)
			})
			containers = append(containers, agent)
			if m.Central != nil {
				containers = append(containers, aciRefresherContainer(m.Central, writer.ClientId))
				withCentral(agent, m.Central)
			}
		}
		// The firewall and the gateway reach a group at its private IP.
		// Nearly every field of a container group forces a replacement.
		// Auto-named, the new group is created before the old one is
		// deleted, and the firewall and gateway move to its IP in the same
		// update; the old group's rooms end then (ACI offers no stop grace
		// to configure: docs/azure.md, "Container Instances").
		grp, err := runAs.newGroup(ctx, name, i, args.ResourceGroupName, args.Location, args.SubnetID, args.Zones, containerservice.GroupExposedPortArray{
			&containerservice.GroupExposedPortArgs{Port: pulumi.Int(livekit.SignalPort), Protocol: pulumi.String("TCP")},
			&containerservice.GroupExposedPortArgs{Port: pulumi.Int(g.Ports.UDP), Protocol: pulumi.String("UDP")},
			&containerservice.GroupExposedPortArgs{Port: pulumi.Int(g.Ports.TCP), Protocol: pulumi.String("TCP")},
		}, containers, parent)
		if err != nil {
			return nil, err
		}
		groups[i] = grp
		ips[i] = grp.IpAddress
		ids[i] = grp.ID().ToStringOutput()
	}
	c.GroupIPs, c.GroupIDs = ips.ToStringArrayOutput(), ids.ToStringArrayOutput()

	fw, err := aciFirewall(ctx, name, args, groups, loc, zones, parent)
	if err != nil {
		return nil, err
	}
	gw, err := aciGateway(ctx, name, args, ips, loc, zones, parent)
	if err != nil {
		return nil, err
	}
	gwName := gw.Name

	names := args.Names()
	if err := globalzone.NewRecord(ctx, name+"-dns", args.ZoneID, names[0], "A", signalingTTL, args.IngressIPAddress,
		parent, pulumi.Provider(args.DNSProvider)); err != nil {
		return nil, err
	}

	c.MediaClusterOutputs = components.NewMediaClusterOutputs(args.Hostname, args.IngressIPAddress)
	c.PullIdentityPrincipalID = runAs.pull.PrincipalId
	c.GatewayName = gwName
	c.GatewayID, c.FirewallID = gw.ID().ToStringOutput(), fw.ID().ToStringOutput()
	outs := pulumi.Map{"groupIps": c.GroupIPs, "mediaIp": args.MediaIPAddress, "gateway": gwName}
	if c.CentralWriter != nil {
		outs["centralWriter"] = c.CentralWriter
	}
	if err := ctx.RegisterResourceOutputs(c, c.MediaClusterOutputs.Map(outs)); err != nil {
		return nil, err
	}
	return c, nil
}

// aciContainer is a group's one container: LiveKit reading its config from
// a secret volume. No liveness or readiness probe: ACI refuses both on a
// container group in a virtual network (learn.microsoft.com/azure/
// container-instances/container-instances-liveness-probe; docs/azure.md,
// "Container Instances"). Application Gateway's probe (GET /, 200 only)
// takes a node that lost Redis (406) out of signaling, and RestartPolicy
// Always restarts a process that exits.
func aciContainer(args *ACIClusterArgs, g ACIGroup) *containerservice.GroupContainerArgs {
	// ACI takes secret volume values base64-encoded; the config stays a
	// Pulumi secret through the apply.
	encoded := g.Config.ToStringOutput().ApplyT(func(s string) string {
		return base64.StdEncoding.EncodeToString([]byte(s))
	}).(pulumi.StringOutput)
	cpu, memory := float64(args.CPU), float64(args.MemoryGB)
	if args.Metrics != nil {
		cpu, memory = cpu-ACIAgentCPU, memory-ACIAgentMemoryGB
		if args.Metrics.Central != nil {
			cpu, memory = cpu-observability.ACIRefresherCPU, memory-observability.ACIRefresherMemoryGB
		}
	}
	return &containerservice.GroupContainerArgs{
		Name:   pulumi.String(observability.ACILiveKitContainer),
		Image:  pulumi.String(args.Image),
		Cpu:    pulumi.Float64(cpu),
		Memory: pulumi.Float64(memory),
		// The image's entrypoint, with the mounted config.
		Commands: pulumi.ToStringArray([]string{"/livekit-server", "--config", ACIConfigPath}),
		Ports: containerservice.GroupContainerPortArray{
			&containerservice.GroupContainerPortArgs{Port: pulumi.Int(livekit.SignalPort), Protocol: pulumi.String("TCP")},
			&containerservice.GroupContainerPortArgs{Port: pulumi.Int(g.Ports.UDP), Protocol: pulumi.String("UDP")},
			&containerservice.GroupContainerPortArgs{Port: pulumi.Int(g.Ports.TCP), Protocol: pulumi.String("TCP")},
		},
		Volumes: containerservice.GroupContainerVolumeArray{&containerservice.GroupContainerVolumeArgs{
			Name:      pulumi.String("config"),
			MountPath: pulumi.String(aciConfigDir),
			ReadOnly:  pulumi.Bool(true),
			Secret:    pulumi.StringMap{aciConfigFile: pulumi.ToSecret(encoded).(pulumi.StringOutput)},
		}},
	}
}

// aciFirewall is the media path: Azure Firewall's DNAT forwards each
// group's UDP mux port and ICE/TCP port 1:1 from the media IP (Microsoft
// documents a load balancer in front of VNet container groups as
// unsupported; Azure Firewall DNAT is the documented inbound path).
func aciFirewall(ctx *pulumi.Context, name string, args *ACIClusterArgs, groups []*containerservice.Group, loc pulumi.StringInput, zones pulumi.StringArrayInput, parent pulumi.ResourceOption) (*classicnet.Firewall, error) {
	policy, err := classicnet.NewFirewallPolicy(ctx, name+"-media", &classicnet.FirewallPolicyArgs{
		ResourceGroupName:      args.ResourceGroupName,
		Location:               loc,
		Sku:                    pulumi.String("Standard"),
		ThreatIntelligenceMode: pulumi.String("Alert"),
	}, parent)
	if err != nil {
		return nil, err
	}
	var rules classicnet.FirewallPolicyRuleCollectionGroupNatRuleCollectionRuleArray
	for i, g := range args.Groups {
		for _, p := range []struct {
			proto string
			port  int
		}{{"UDP", g.Ports.UDP}, {"TCP", g.Ports.TCP}} {
			rules = append(rules, &classicnet.FirewallPolicyRuleCollectionGroupNatRuleCollectionRuleArgs{
				Name:               pulumi.Sprintf("group-%d-%s", i, p.proto),
				Description:        pulumi.Sprintf("WebRTC %s to container group %d", p.proto, i),
				Protocols:          pulumi.StringArray{pulumi.String(p.proto)},
				SourceAddresses:    pulumi.StringArray{pulumi.String("*")},
				DestinationAddress: args.MediaIPAddress,
				DestinationPorts:   pulumi.String(strconv.Itoa(p.port)),
				TranslatedAddress:  groups[i].IpAddress,
				TranslatedPort:     pulumi.Int(p.port),
			})
		}
	}
	rcg, err := classicnet.NewFirewallPolicyRuleCollectionGroup(ctx, name+"-media", &classicnet.FirewallPolicyRuleCollectionGroupArgs{
		FirewallPolicyId: policy.ID(),
		Priority:         pulumi.Int(100),
		NatRuleCollections: classicnet.FirewallPolicyRuleCollectionGroupNatRuleCollectionArray{
			&classicnet.FirewallPolicyRuleCollectionGroupNatRuleCollectionArgs{
				Name: pulumi.String("media"), Priority: pulumi.Int(100), Action: pulumi.String("Dnat"), Rules: rules,
			},
		},
	}, parent)
	if err != nil {
		return nil, err
	}
	return classicnet.NewFirewall(ctx, name+"-media", &classicnet.FirewallArgs{
		ResourceGroupName: args.ResourceGroupName,
		Location:          loc,
		SkuName:           pulumi.String("AZFW_VNet"),
		SkuTier:           pulumi.String("Standard"),
		FirewallPolicyId:  policy.ID(),
		IpConfigurations: classicnet.FirewallIpConfigurationArray{&classicnet.FirewallIpConfigurationArgs{
			Name: pulumi.String("media"), SubnetId: args.FirewallSubnetID, PublicIpAddressId: args.MediaIPID,
		}},
		Zones: zones,
	}, parent, pulumi.DependsOn([]pulumi.Resource{rcg}))
}

// aciGateway is the signaling front door: Application Gateway v2 ends TLS
// (1.2+, GatewaySSLPolicy) with the certificate it reads from Key Vault,
// and sends HTTP and WebSocket traffic to every group's 7880, probing
// GET / for 200.
func aciGateway(ctx *pulumi.Context, name string, args *ACIClusterArgs, ips pulumi.StringArray, loc pulumi.StringInput, zones pulumi.StringArrayInput, parent pulumi.ResourceOption) (*classicnet.ApplicationGateway, error) {
	id, err := managedidentity.NewUserAssignedIdentity(ctx, name+"-gateway", &managedidentity.UserAssignedIdentityArgs{
		ResourceGroupName: args.ResourceGroupName,
		Location:          loc,
	}, parent)
	if err != nil {
		return nil, err
	}
	// Read access to the certificate's secret alone, not the vault.
	grant, err := authorization.NewAssignment(ctx, name+"-gateway-certificate", &authorization.AssignmentArgs{
		Scope:                        pulumi.String(args.CertificateSecretID),
		RoleDefinitionName:           pulumi.String(kvSecretsUser),
		PrincipalId:                  id.PrincipalId,
		PrincipalType:                pulumi.String("ServicePrincipal"),
		SkipServicePrincipalAadCheck: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, err
	}
	const (
		fe, port, cert, listener, pool, settings, probe, routing = "signaling", "https", "signaling", "https", "livekit", "livekit", "livekit-health", "livekit"
	)
	gw, err := classicnet.NewApplicationGateway(ctx, name+"-signaling", &classicnet.ApplicationGatewayArgs{
		ResourceGroupName: args.ResourceGroupName,
		Location:          loc,
		Sku:               &classicnet.ApplicationGatewaySkuArgs{Name: pulumi.String("Standard_v2"), Tier: pulumi.String("Standard_v2")},
		AutoscaleConfiguration: &classicnet.ApplicationGatewayAutoscaleConfigurationArgs{
			MinCapacity: pulumi.Int(1), MaxCapacity: pulumi.Int(10),
		},
		Zones: zones,
		Identity: &classicnet.ApplicationGatewayIdentityArgs{
			Type: pulumi.String("UserAssigned"), IdentityIds: pulumi.StringArray{id.ID().ToStringOutput()},
		},
		GatewayIpConfigurations: classicnet.ApplicationGatewayGatewayIpConfigurationArray{&classicnet.ApplicationGatewayGatewayIpConfigurationArgs{
			Name: pulumi.String("gateway"), SubnetId: args.GatewaySubnetID,
		}},
		FrontendIpConfigurations: classicnet.ApplicationGatewayFrontendIpConfigurationArray{&classicnet.ApplicationGatewayFrontendIpConfigurationArgs{
			Name: pulumi.String(fe), PublicIpAddressId: args.IngressIPID,
		}},
		FrontendPorts: classicnet.ApplicationGatewayFrontendPortArray{&classicnet.ApplicationGatewayFrontendPortArgs{
			Name: pulumi.String(port), Port: pulumi.Int(HTTPSPort),
		}},
		SslPolicy: &classicnet.ApplicationGatewaySslPolicyArgs{
			PolicyType: pulumi.String("Predefined"), PolicyName: pulumi.String(GatewaySSLPolicy),
		},
		// Versionless: the gateway polls Key Vault and picks up renewals.
		SslCertificates: classicnet.ApplicationGatewaySslCertificateArray{&classicnet.ApplicationGatewaySslCertificateArgs{
			Name: pulumi.String(cert), KeyVaultSecretId: pulumi.String(args.CertificateSecretURI),
		}},
		HttpListeners: classicnet.ApplicationGatewayHttpListenerArray{&classicnet.ApplicationGatewayHttpListenerArgs{
			Name: pulumi.String(listener), FrontendIpConfigurationName: pulumi.String(fe), FrontendPortName: pulumi.String(port),
			Protocol: pulumi.String("Https"), SslCertificateName: pulumi.String(cert), HostNames: pulumi.ToStringArray(args.Names()),
			RequireSni: pulumi.Bool(true),
		}},
		BackendAddressPools: classicnet.ApplicationGatewayBackendAddressPoolArray{&classicnet.ApplicationGatewayBackendAddressPoolArgs{
			Name: pulumi.String(pool), IpAddresses: ips,
		}},
		Probes: classicnet.ApplicationGatewayProbeArray{&classicnet.ApplicationGatewayProbeArgs{
			Name: pulumi.String(probe), Protocol: pulumi.String("Http"), Path: pulumi.String(livekit.HealthPath),
			Host: pulumi.String(args.Hostname), Port: pulumi.Int(livekit.SignalPort),
			Interval: pulumi.Int(10), Timeout: pulumi.Int(5), UnhealthyThreshold: pulumi.Int(3),
			// 200 only: a node that lost Redis answers 406 and leaves.
			Match: &classicnet.ApplicationGatewayProbeMatchArgs{StatusCodes: pulumi.StringArray{pulumi.String("200")}},
		}},
		BackendHttpSettings: classicnet.ApplicationGatewayBackendHttpSettingArray{&classicnet.ApplicationGatewayBackendHttpSettingArgs{
			Name: pulumi.String(settings), Port: pulumi.Int(livekit.SignalPort), Protocol: pulumi.String("Http"),
			CookieBasedAffinity: pulumi.String("Disabled"), ProbeName: pulumi.String(probe),
			// Signaling WebSockets live as long as a session.
			RequestTimeout: pulumi.Int(86400),
			// A group leaving the pool keeps its open signaling
			// connections this long (the gateway's maximum).
			ConnectionDraining: &classicnet.ApplicationGatewayBackendHttpSettingConnectionDrainingArgs{
				Enabled: pulumi.Bool(true), DrainTimeoutSec: pulumi.Int(3600),
			},
		}},
		RequestRoutingRules: classicnet.ApplicationGatewayRequestRoutingRuleArray{&classicnet.ApplicationGatewayRequestRoutingRuleArgs{
			Name: pulumi.String(routing), RuleType: pulumi.String("Basic"), Priority: pulumi.Int(100),
			HttpListenerName: pulumi.String(listener), BackendAddressPoolName: pulumi.String(pool), BackendHttpSettingsName: pulumi.String(settings),
		}},
	}, parent, pulumi.DependsOn([]pulumi.Resource{grant}))
	return gw, err
}
