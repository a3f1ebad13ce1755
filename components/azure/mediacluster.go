package azure

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	cs "github.com/pulumi/pulumi-azure-native-sdk/containerservice/v2/v20240801"
	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/operationalinsights/v2"
	"github.com/pulumi/pulumi-azure/sdk/v5/go/azure/authorization"
	"github.com/pulumi/pulumi-azure/sdk/v5/go/azure/core"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"github.com/livekit-infra/livekit-infra/components"
	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// Node pool names (AKS: lower-case alphanumerics, at most 12) and the label
// the LiveKit pods select their pool by.
const (
	SystemPool  = "system"
	LiveKitPool = "livekit"
	// PoolLabel is set by AKS on every node: the pool it belongs to.
	PoolLabel = "kubernetes.azure.com/agentpool"
	// LiveKitPoolSurge is the LiveKit pool's upgrade surge: one new node
	// at a time while the old one drains.
	LiveKitPoolSurge = 1
)

// Role definitions the cluster's control-plane identity needs on the
// resources it did not create, and the one the deploying identity holds on
// the cluster (Azure RBAC for Kubernetes authorization: no local account).
const (
	networkContributor  = "Network Contributor"
	aksRBACClusterAdmin = "Azure Kubernetes Service RBAC Cluster Admin"
)

// NodeIPPrefixLength is the public IP prefix of the LiveKit pool's node
// IPs when the API server has authorized ranges (/28, 16 addresses, the
// largest Azure offers).
const NodeIPPrefixLength = 28

// KubeloginLogin is the kubelogin login mode of the Kubernetes provider's
// kubeconfig: the Azure CLI's signed-in identity (`az login`, or
// azure/login in CI), non-interactive. AKS hands out devicecode, which
// would wait for a person in the middle of `pulumi up`.
const KubeloginLogin = "azurecli"

// MediaClusterArgs adds the AKS specifics to the contract.
type MediaClusterArgs struct {
	components.MediaClusterArgs

	Location          string
	ResourceGroupName pulumi.StringInput
	// VnetID is the cluster's VNet; NodeSubnetID holds both pools and
	// scopes the cluster identity's network role (subnet join); MediaASGID
	// is joined by the LiveKit pool.
	VnetID, NodeSubnetID, MediaASGID pulumi.StringInput
	// NodeSubnetCIDR is the node subnet's range: the host-network LiveKit
	// pods' addresses, which Traefik's NetworkPolicy lets it reach.
	NodeSubnetCIDR string
	// IngressIP is the static public IP the signaling load balancer uses.
	IngressIPID, IngressIPName, IngressIPAddress pulumi.StringInput
	// IngressResourceGroupName is the group of the ingress IP (its own).
	IngressResourceGroupName pulumi.StringInput
	Zones                    []string

	KubernetesVersion string
	// Tier is the AKS pricing tier (Free, Standard, Premium).
	Tier         string
	SystemVMSize string
	SystemNodes  int
	VMSize       string
	MaxPods      int
	// ServiceCIDR and DNSServiceIP are the cluster-internal service range;
	// PodCIDR the Azure CNI Overlay pod range.
	ServiceCIDR, DNSServiceIP, PodCIDR string
	// APIAuthorizedIPRanges limits who reaches the API server (the LiveKit
	// pool's node IP prefix is added). Empty only with AllowPublicAPI:
	// anyone may then try (Entra ID still authenticates).
	APIAuthorizedIPRanges []string
	AllowPublicAPI        bool

	// LiveKit workload: chart version and the pod's requests.
	ChartVersion      string
	PodCPU, PodMemory string
	CertManagerChart  string
	TraefikChart      string
	ACMEServer        string
	ACMEEmail         string
	// DNSProvider is the explicit AWS provider for Route 53 (and the IAM
	// role cert-manager assumes to answer DNS-01 challenges).
	DNSProvider pulumi.ProviderResource
	// Metrics turns on the AKS metrics add-on (Azure Monitor managed
	// Prometheus) and its scrape of LiveKit's metrics port, with this
	// region's labels; nil leaves it off.
	Metrics *observability.Region
}

// MediaCluster is AKS with the shared LiveKit workload and its signaling
// ingress.
type MediaCluster struct {
	pulumi.ResourceState
	components.MediaClusterOutputs

	ClusterName pulumi.StringOutput
	ClusterID   pulumi.StringOutput
	// NodeResourceGroup is AKS's own resource group (MC_...), which holds
	// the cluster's load balancer ("kubernetes").
	NodeResourceGroup pulumi.StringOutput
	// Kubeconfig is the cluster-user kubeconfig: Entra ID through kubelogin
	// (KubeloginLogin), no credential inside (a secret all the same).
	Kubeconfig    pulumi.StringOutput
	WorkspaceID   pulumi.StringOutput
	OIDCIssuerURL pulumi.StringOutput
	// OIDCProviderARN is the AWS IAM OIDC provider of OIDCIssuerURL (in
	// the DNS provider's account), which cert-manager's Route 53 role
	// trusts; the central metrics view trusts it too (IAM keeps one per URL).
	OIDCProviderARN  pulumi.StringOutput
	CertificateNames pulumi.StringArrayOutput
	// KubeletObjectID is the principal of the nodes' kubelet identity,
	// which pulls images (AcrPull on the registry mirror).
	KubeletObjectID pulumi.StringOutput
	// Provider is the cluster's Kubernetes provider (Egress joins it).
	Provider pulumi.ProviderResource
}

var (
	poolVMSizeRe = regexp.MustCompile(`^Standard_[A-Za-z0-9_]+$`)
	k8sVersionRe = regexp.MustCompile(`^1\.[0-9]{2}(\.[0-9]{1,3})?$`)
)

// check runs the contract's checks, then the cloud's.
func (a *MediaClusterArgs) check(e *components.ArgErrors) {
	a.MediaClusterArgs.Check(e)
	add := e.Add
	if a.Location == "" || a.ResourceGroupName == nil || a.VnetID == nil || a.NodeSubnetID == nil || a.MediaASGID == nil {
		add("Location, ResourceGroupName, VnetID, NodeSubnetID and MediaASGID are required")
	}
	if a.IngressIPID == nil || a.IngressIPName == nil || a.IngressIPAddress == nil || a.IngressResourceGroupName == nil {
		add("IngressIPID, IngressIPName, IngressIPAddress and IngressResourceGroupName are required: signaling needs a static IP")
	}
	if a.DNSProvider == nil {
		add("DNSProvider is required: the regional record lives in Route 53")
	}
	if !k8sVersionRe.MatchString(a.KubernetesVersion) {
		add("KubernetesVersion %q must be pinned as 1.MINOR or 1.MINOR.PATCH", a.KubernetesVersion)
	}
	if !poolVMSizeRe.MatchString(a.VMSize) || !poolVMSizeRe.MatchString(a.SystemVMSize) {
		add("VMSize %q and SystemVMSize %q must be Azure VM sizes", a.VMSize, a.SystemVMSize)
	}
	if a.SystemNodes < 1 {
		add("SystemNodes %d must be at least 1", a.SystemNodes)
	}
	if a.MaxPods < 10 || a.MaxPods > 250 {
		add("MaxPods %d must be 10-250", a.MaxPods)
	}
	if a.Scaling.Max > 1000 {
		add("Scaling.Max %d exceeds the AKS node pool limit of 1000", a.Scaling.Max)
	}
	if a.ServiceCIDR == "" || a.DNSServiceIP == "" || a.PodCIDR == "" || a.NodeSubnetCIDR == "" {
		add("ServiceCIDR, DNSServiceIP, PodCIDR and NodeSubnetCIDR are required")
	}
	switch {
	case len(a.APIAuthorizedIPRanges) == 0 && !a.AllowPublicAPI:
		add("APIAuthorizedIPRanges is empty: list who may reach the API server, or set AllowPublicAPI explicitly")
	case len(a.APIAuthorizedIPRanges) > 0 && a.AllowPublicAPI:
		add("AllowPublicAPI contradicts APIAuthorizedIPRanges %v", a.APIAuthorizedIPRanges)
	case len(a.APIAuthorizedIPRanges) > 0 && a.Scaling.Max+1 > 1<<(32-NodeIPPrefixLength):
		add("Scaling.Max %d: with authorized ranges the LiveKit nodes (and one surge node) take their IPs from one /%d prefix", a.Scaling.Max, NodeIPPrefixLength)
	}
}

// NewMediaCluster declares the Log Analytics workspace, the cluster's
// identity and its network roles, the AKS cluster (system pool inline,
// LiveKit pool as its own resource), then on the cluster: cert-manager,
// Traefik and the shared LiveKit workload, and the regional DNS record.
func NewMediaCluster(ctx *pulumi.Context, name string, args *MediaClusterArgs, opts ...pulumi.ResourceOption) (*MediaCluster, error) {
	m := &MediaCluster{}
	parent, err := components.Register(ctx, components.MediaClusterType, name, m, args, (*MediaClusterArgs).check, opts...)
	if err != nil {
		return nil, err
	}
	loc := pulumi.String(args.Location)

	workspace, err := operationalinsights.NewWorkspace(ctx, name, &operationalinsights.WorkspaceArgs{
		ResourceGroupName: args.ResourceGroupName,
		Location:          loc,
		Sku:               &operationalinsights.WorkspaceSkuArgs{Name: pulumi.String("PerGB2018")},
		RetentionInDays:   pulumi.Int(args.LogRetentionDays),
	}, parent)
	if err != nil {
		return nil, err
	}

	// A user-assigned identity exists before the cluster, so its roles on
	// the subnet, the ingress IP and the media ASG are in place when AKS
	// first needs them (a system-assigned one would race them).
	identity, err := managedidentity.NewUserAssignedIdentity(ctx, name, &managedidentity.UserAssignedIdentityArgs{
		ResourceGroupName: args.ResourceGroupName,
		Location:          loc,
	}, parent)
	if err != nil {
		return nil, err
	}
	// With authorized ranges, the LiveKit pool's node public IPs come from
	// a prefix that the API server admits: a node's kubelet reaches the API
	// server from its own public IP, and AKS requires node public IPs to
	// come from a prefix listed as an authorized range
	// (learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges,
	// "Limitations and considerations"). The system pool leaves through the
	// cluster's load balancer outbound IP.
	var nodeIPs *network.PublicIPPrefix
	authorized := pulumi.ToStringArray(args.APIAuthorizedIPRanges).ToStringArrayOutput()
	if len(args.APIAuthorizedIPRanges) > 0 {
		nodeIPs, err = network.NewPublicIPPrefix(ctx, name+"-media-ips", &network.PublicIPPrefixArgs{
			ResourceGroupName:      args.ResourceGroupName,
			Location:               loc,
			PrefixLength:           pulumi.Int(NodeIPPrefixLength),
			PublicIPAddressVersion: pulumi.String("IPv4"),
			Sku:                    &network.PublicIPPrefixSkuArgs{Name: pulumi.String("Standard"), Tier: pulumi.String("Regional")},
			Zones:                  zones(args.Zones),
		}, parent)
		if err != nil {
			return nil, err
		}
		authorized = pulumi.All(authorized, nodeIPs.IpPrefix).ApplyT(func(v []any) []string {
			return append(append([]string{}, v[0].([]string)...), v[1].(string))
		}).(pulumi.StringArrayOutput)
	}

	var roles []pulumi.Resource
	for _, scope := range []struct {
		id  string
		ref pulumi.StringInput
	}{
		// Join the node subnet: the subnet, not its VNet
		// (learn.microsoft.com/azure/aks/aks-service-permissions: a custom
		// VNet needs subnets/join/action on the subnet the nodes use).
		{"node-subnet", args.NodeSubnetID},
		// Put the signaling LB on our static IP. The Azure cloud provider
		// looks the IP up in the group named by the Service's
		// azure-load-balancer-resource-group annotation, which needs read on
		// the group: "Use a static public IP address and DNS label with the
		// AKS load balancer" (learn.microsoft.com/azure/aks/static-ip) grants
		// Network Contributor on the resource group, not on the IP.
		{"ingress-rg", resourceGroupOf(args.IngressIPID)},
		{"media-asg", args.MediaASGID}, // add LiveKit nodes to the media ASG
	} {
		ra, err := authorization.NewAssignment(ctx, name+"-"+scope.id, &authorization.AssignmentArgs{
			Scope:                        scope.ref,
			RoleDefinitionName:           pulumi.String(networkContributor),
			PrincipalId:                  identity.PrincipalId,
			PrincipalType:                pulumi.String("ServicePrincipal"),
			SkipServicePrincipalAadCheck: pulumi.Bool(true),
		}, parent)
		if err != nil {
			return nil, err
		}
		roles = append(roles, ra)
	}

	// The cluster holds the region's running state: protected like the
	// other stateful resources (protect config), beside the resource
	// group's CanNotDelete lock (network.go).
	cluster, err := cs.NewManagedCluster(ctx, name, clusterArgs(name, args, identity.ID().ToStringOutput(), workspace.ID().ToStringOutput(), authorized),
		parent, pulumi.DependsOn(roles), pulumi.Protect(args.Protect))
	if err != nil {
		return nil, err
	}
	var prefixID pulumi.StringInput
	if nodeIPs != nil {
		prefixID = nodeIPs.ID().ToStringOutput()
	}
	pool, err := cs.NewAgentPool(ctx, name+"-media", livekitPoolArgs(args, cluster.Name, prefixID), parent,
		// The cluster autoscaler owns the node count after creation.
		pulumi.IgnoreChanges([]string{"count"}))
	if err != nil {
		return nil, err
	}

	// No local accounts: Kubernetes authorization is Azure RBAC, so the
	// identity running `pulumi up` needs a role on the cluster to declare
	// the workload. It gets cluster admin on this cluster only. The first
	// deployer keeps it (principalId is ignored afterwards), so a preview
	// or drift run under another, read-only identity does not plan to move
	// it (docs/ci.md).
	deployer := core.GetClientConfigOutput(ctx, parent)
	admin, err := authorization.NewAssignment(ctx, name+"-deployer", &authorization.AssignmentArgs{
		Scope:              cluster.ID().ToStringOutput(),
		RoleDefinitionName: pulumi.String(aksRBACClusterAdmin),
		PrincipalId:        deployer.ObjectId(),
	}, parent, pulumi.IgnoreChanges([]string{"principalId"}))
	if err != nil {
		return nil, err
	}

	// The cluster-user kubeconfig in exec format: kubelogin gets an Entra
	// ID token (learn.microsoft.com/azure/aks/kubelogin-authentication;
	// AKS answers "Getting static credential is not allowed" for the
	// admin credentials once local accounts are off). AKS's exec block asks
	// for devicecode, an interactive sign-in (pulumi/pulumi-azure-native#2399,
	// #2579): the login mode is set to KubeloginLogin. kubelogin must be on
	// the PATH of the machine running pulumi (docs/azure.md, "API server access").
	creds := cs.ListManagedClusterUserCredentialsOutput(ctx, cs.ListManagedClusterUserCredentialsOutputArgs{
		ResourceGroupName: args.ResourceGroupName,
		ResourceName:      cluster.Name,
		Format:            pulumi.String("exec"),
	}, parent)
	kubeconfig := pulumi.ToSecret(creds.Kubeconfigs().Index(pulumi.Int(0)).Value().ApplyT(func(enc string) (string, error) {
		b, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			return "", fmt.Errorf("AKS kubeconfig is not base64: %w", err)
		}
		return KubeloginKubeconfig(string(b), KubeloginLogin)
	})).(pulumi.StringOutput)
	provider, err := lkk8s.NewProvider(ctx, name, kubeconfig, []pulumi.Resource{pool, admin}, parent)
	if err != nil {
		return nil, err
	}

	issuer := cluster.OidcIssuerProfile.IssuerURL().Elem()
	sig, err := signaling(ctx, name, args, provider, issuer, parent)
	if err != nil {
		return nil, err
	}

	// The LiveKit pool has public node IPs and the media ASG; the system
	// pool has neither, so LiveKit must never land there.
	workload, err := lkk8s.NewLiveKitWorkload(ctx, name, lkk8s.LiveKitWorkloadOf(provider, args.ChartVersion, args.MediaClusterArgs,
		lkk8s.Resources{CPU: args.PodCPU, Memory: args.PodMemory}, map[string]string{PoolLabel: LiveKitPool}), parent, pulumi.DependsOn([]pulumi.Resource{pool}))
	if err != nil {
		return nil, err
	}
	if err := sig.route(ctx, name, workload, parent); err != nil {
		return nil, err
	}
	if err := sig.turn(ctx, name, workload, parent); err != nil {
		return nil, err
	}
	if args.Metrics != nil {
		if err := managedPrometheusScrape(ctx, name, *args.Metrics, parent, pulumi.Provider(provider)); err != nil {
			return nil, err
		}
	}

	m.MediaClusterOutputs = components.NewMediaClusterOutputs(args.Hostname, args.IngressIPAddress.ToStringOutput())
	m.ClusterName = cluster.Name
	m.ClusterID = cluster.ID().ToStringOutput()
	m.NodeResourceGroup = cluster.NodeResourceGroup.Elem().ToStringOutput()
	m.KubeletObjectID = cluster.IdentityProfile.MapIndex(pulumi.String("kubeletidentity")).ObjectId().Elem().ToStringOutput()
	m.Kubeconfig = kubeconfig
	m.Provider = provider
	m.WorkspaceID = workspace.ID().ToStringOutput()
	m.OIDCIssuerURL = issuer
	m.OIDCProviderARN = sig.oidcProvider
	m.CertificateNames = pulumi.ToStringArray(args.Names()).ToStringArrayOutput()
	if err := ctx.RegisterResourceOutputs(m, m.MediaClusterOutputs.Map(pulumi.Map{
		"clusterName": m.ClusterName, "clusterId": m.ClusterID, "kubeconfig": m.Kubeconfig,
		"workspaceId": m.WorkspaceID, "oidcIssuerUrl": m.OIDCIssuerURL, "oidcProviderArn": m.OIDCProviderARN, "certificateNames": m.CertificateNames,
	})); err != nil {
		return nil, err
	}
	return m, nil
}

// resourceGroupOf is the ARM ID of the resource group that holds the
// resource with ARM ID id (/subscriptions/S/resourceGroups/G/providers/...).
func resourceGroupOf(id pulumi.StringInput) pulumi.StringOutput {
	return id.ToStringOutput().ApplyT(func(id string) (string, error) {
		rg, _, ok := strings.Cut(id, "/providers/")
		if !ok || !strings.Contains(strings.ToLower(rg), "/resourcegroups/") {
			return "", fmt.Errorf("%q is not the ARM ID of a resource in a resource group", id)
		}
		return rg, nil
	}).(pulumi.StringOutput)
}

func zones(z []string) pulumi.StringArrayInput {
	if len(z) == 0 {
		return nil
	}
	return pulumi.ToStringArray(z)
}

// clusterArgs is the AKS cluster: Azure CNI in our node subnet, user-assigned
// identity, autoscaler tuned for draining media nodes, Container Insights
// into the workspace, OIDC issuer (cert-manager's AWS web identity), and a
// small system pool. The LiveKit pool is a separate AgentPool resource so its
// bounds and size stay updatable (AKS ignores agentPoolProfiles updates).
func azureMonitorProfile(on bool) *cs.ManagedClusterAzureMonitorProfileArgs {
	if !on {
		return nil
	}
	return &cs.ManagedClusterAzureMonitorProfileArgs{
		Metrics: &cs.ManagedClusterAzureMonitorProfileMetricsArgs{Enabled: pulumi.Bool(true)},
	}
}

func clusterArgs(name string, args *MediaClusterArgs, identityID, workspaceID pulumi.StringOutput, authorized pulumi.StringArrayOutput) *cs.ManagedClusterArgs {
	drain := strconv.Itoa(args.DrainSeconds)
	var api *cs.ManagedClusterAPIServerAccessProfileArgs
	if len(args.APIAuthorizedIPRanges) > 0 {
		api = &cs.ManagedClusterAPIServerAccessProfileArgs{AuthorizedIPRanges: authorized}
	}
	return &cs.ManagedClusterArgs{
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
		DnsPrefix:         pulumi.String(name),
		KubernetesVersion: pulumi.String(args.KubernetesVersion),
		Sku:               &cs.ManagedClusterSKUArgs{Name: pulumi.String("Base"), Tier: pulumi.String(args.Tier)},
		Identity: &cs.ManagedClusterIdentityArgs{
			Type:                   cs.ResourceIdentityTypeUserAssigned,
			UserAssignedIdentities: pulumi.StringArray{identityID},
		},
		EnableRBAC: pulumi.Bool(true),
		// Entra ID authenticates, Azure RBAC authorizes, and no static
		// credential exists: local accounts off, so listClusterAdminCredential
		// and the certificate-based clusterUser are refused
		// (learn.microsoft.com/azure/aks/manage-local-accounts-managed-azure-ad;
		// Azure RBAC: learn.microsoft.com/azure/aks/manage-azure-rbac).
		AadProfile: &cs.ManagedClusterAADProfileArgs{
			Managed:         pulumi.Bool(true),
			EnableAzureRBAC: pulumi.Bool(true),
		},
		DisableLocalAccounts: pulumi.Bool(true),
		// Patches arrive automatically; minor versions only when the pinned
		// config changes.
		AutoUpgradeProfile: &cs.ManagedClusterAutoUpgradeProfileArgs{
			UpgradeChannel:       pulumi.String("patch"),
			NodeOSUpgradeChannel: pulumi.String("NodeImage"),
		},
		NetworkProfile: &cs.ContainerServiceNetworkProfileArgs{
			// Azure CNI Overlay, stated in full: the SDK fills a nil podCidr
			// with 10.244.0.0/16, and AKS accepts a pod CIDR only with
			// kubenet or overlay (Azure/azure-rest-api-specs#23987,
			// Azure/azure-cli#26237). LiveKit runs with host networking, so
			// it keeps its node's VNet and public IPs; pod traffic to the
			// VNet leaves with the node's address, so Redis's private
			// endpoint NSG tells pools apart by their nodes (the media ASG).
			// Azure Network Policy Manager (networkPolicy azure) enforces
			// cert-manager's and Traefik's NetworkPolicies
			// (networkpolicy.go); it is supported on Linux nodes until
			// 30 September 2028, Cilium (networkDataplane cilium) being its
			// successor, where ipBlock cannot name node addresses and
			// Traefik's way to LiveKit needs another rule
			// (learn.microsoft.com/azure/aks/use-network-policies,
			// azure-cni-powered-by-cilium, Limitations).
			NetworkPlugin:     pulumi.String("azure"),
			NetworkPluginMode: pulumi.String("overlay"),
			PodCidr:           pulumi.String(args.PodCIDR),
			NetworkPolicy:     pulumi.String("azure"),
			LoadBalancerSku:   pulumi.String("standard"),
			OutboundType:      pulumi.String("loadBalancer"),
			ServiceCidr:       pulumi.String(args.ServiceCIDR),
			DnsServiceIP:      pulumi.String(args.DNSServiceIP),
		},
		AgentPoolProfiles: cs.ManagedClusterAgentPoolProfileArray{&cs.ManagedClusterAgentPoolProfileArgs{
			Name:                pulumi.String(SystemPool),
			Mode:                pulumi.String("System"),
			Type:                pulumi.String("VirtualMachineScaleSets"),
			OsType:              pulumi.String("Linux"),
			VmSize:              pulumi.String(args.SystemVMSize),
			Count:               pulumi.Int(args.SystemNodes),
			EnableAutoScaling:   pulumi.Bool(false),
			EnableNodePublicIP:  pulumi.Bool(false),
			MaxPods:             pulumi.Int(args.MaxPods),
			VnetSubnetID:        args.NodeSubnetID,
			AvailabilityZones:   zones(args.Zones),
			OrchestratorVersion: pulumi.String(args.KubernetesVersion),
			UpgradeSettings:     &cs.AgentPoolUpgradeSettingsArgs{MaxSurge: pulumi.String("33%")},
		}},
		AutoScalerProfile: &cs.ManagedClusterPropertiesAutoScalerProfileArgs{
			// A node leaving takes its rooms with it: give LiveKit the whole
			// drain period, and do not shrink right after a scale-out.
			MaxGracefulTerminationSec: pulumi.String(drain),
			ScaleDownDelayAfterAdd:    pulumi.String("10m"),
			ScaleDownUnneededTime:     pulumi.String("10m"),
			Expander:                  pulumi.String("least-waste"),
			BalanceSimilarNodeGroups:  pulumi.String("true"),
			SkipNodesWithSystemPods:   pulumi.String("true"),
		},
		AddonProfiles: cs.ManagedClusterAddonProfileMap{
			// Container Insights: node, pod and LiveKit logs in Log Analytics.
			"omsagent": &cs.ManagedClusterAddonProfileArgs{
				Enabled: pulumi.Bool(true),
				Config: pulumi.StringMap{
					"logAnalyticsWorkspaceResourceID": workspaceID,
					"useAADAuth":                      pulumi.String("true"),
				},
			},
		},
		// Azure Monitor managed Prometheus: the ama-metrics collectors;
		// where they send is the data collection rule (monitoring.go).
		AzureMonitorProfile: azureMonitorProfile(args.Metrics != nil),
		OidcIssuerProfile:   &cs.ManagedClusterOIDCIssuerProfileArgs{Enabled: pulumi.Bool(true)},
		SecurityProfile: &cs.ManagedClusterSecurityProfileArgs{
			WorkloadIdentity: &cs.ManagedClusterSecurityProfileWorkloadIdentityArgs{Enabled: pulumi.Bool(true)},
		},
		ApiServerAccessProfile: api,
		Tags:                   pulumi.StringMap{"app": pulumi.String("livekit")},
	}
}

// livekitPoolArgs is the LiveKit node pool: public IP per node (media goes
// straight to it), the media ports allowed on those IPs and the media ASG
// (the subnet NSG opens the ports to that ASG only), autoscaling bounds
// from config, and drains long enough for rooms to end.
func livekitPoolArgs(args *MediaClusterArgs, clusterName pulumi.StringOutput, nodeIPPrefixID pulumi.StringInput) *cs.AgentPoolArgs {
	ports := cs.PortRangeArray{
		&cs.PortRangeArgs{PortStart: pulumi.Int(args.Media.First()), PortEnd: pulumi.Int(args.Media.Last()), Protocol: pulumi.String("UDP")},
		&cs.PortRangeArgs{PortStart: pulumi.Int(livekit.RTCTCPPort), PortEnd: pulumi.Int(livekit.RTCTCPPort), Protocol: pulumi.String("TCP")},
	}
	if args.TURNUDPPort != 0 {
		ports = append(ports, &cs.PortRangeArgs{PortStart: pulumi.Int(args.TURNUDPPort), PortEnd: pulumi.Int(args.TURNUDPPort), Protocol: pulumi.String("UDP")})
	}
	// AKS waits at most this long for a node's pods to leave during an
	// upgrade (max 24 h).
	drainMinutes := min((args.DrainSeconds+59)/60+5, 1440)
	pool := nodePool{
		ResourceGroupName: args.ResourceGroupName, Cluster: clusterName, Name: LiveKitPool, Role: "media",
		VMSize: args.VMSize, KubernetesVersion: args.KubernetesVersion, Scaling: args.Scaling, MaxPods: args.MaxPods,
		SubnetID: args.NodeSubnetID, Zones: args.Zones, ASGID: args.MediaASGID, PublicIP: true, HostPorts: ports,
	}.args()
	// From the prefix the API server admits, when it has authorized ranges
	// (NewMediaCluster).
	pool.NodePublicIPPrefixID = nodeIPPrefixID
	pool.UpgradeSettings = &cs.AgentPoolUpgradeSettingsArgs{
		// One new node at a time; the old one drains its rooms.
		MaxSurge:              pulumi.String(strconv.Itoa(LiveKitPoolSurge)),
		DrainTimeoutInMinutes: pulumi.Int(drainMinutes),
	}
	pool.Tags = pulumi.StringMap{"app": pulumi.String("livekit")}
	return pool
}

// KubeloginKubeconfig rewrites the exec-format kubeconfig AKS returns
// (listClusterUserCredential?format=exec) to sign in non-interactively:
// every user's kubelogin get-token call keeps its Entra ID server (the AKS
// application) and environment, and takes login mode login instead of
// devicecode (kubelogin's get-token flags: azure.github.io/kubelogin). A
// kubeconfig with any other credential (a client certificate, a token, a
// password: local accounts) is refused.
func KubeloginKubeconfig(kubeconfig, login string) (string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(kubeconfig), &doc); err != nil || len(doc.Content) != 1 {
		return "", fmt.Errorf("AKS kubeconfig is not YAML: %v", err)
	}
	users := mapValue(doc.Content[0], "users")
	if users == nil || users.Kind != yaml.SequenceNode || len(users.Content) == 0 {
		return "", fmt.Errorf("AKS kubeconfig has no users")
	}
	for _, u := range users.Content {
		user := mapValue(u, "user")
		if user == nil {
			return "", fmt.Errorf("AKS kubeconfig user without credentials")
		}
		for _, static := range []string{"client-certificate-data", "client-key-data", "token", "password", "auth-provider"} {
			if mapValue(user, static) != nil {
				return "", fmt.Errorf("AKS kubeconfig carries %s: the cluster still has local accounts or the legacy azure auth provider; want Entra ID through kubelogin", static)
			}
		}
		exec := mapValue(user, "exec")
		if exec == nil || mapValue(exec, "command") == nil || mapValue(exec, "command").Value != "kubelogin" {
			return "", fmt.Errorf("AKS kubeconfig does not sign in with kubelogin")
		}
		argsNode := mapValue(exec, "args")
		if argsNode == nil || argsNode.Kind != yaml.SequenceNode {
			return "", fmt.Errorf("AKS kubeconfig's kubelogin call has no arguments")
		}
		var in []string
		for _, a := range argsNode.Content {
			in = append(in, a.Value)
		}
		flags := map[string]string{}
		for i := 0; i < len(in); i++ {
			if strings.HasPrefix(in[i], "--") && i+1 < len(in) && !strings.HasPrefix(in[i+1], "--") {
				flags[in[i]] = in[i+1]
				i++
			}
		}
		if len(in) == 0 || in[0] != "get-token" || flags["--server-id"] == "" {
			return "", fmt.Errorf("AKS kubeconfig's kubelogin call %v is not get-token with a --server-id", in)
		}
		// The azurecli mode uses the signed-in identity's tenant and
		// client: client and tenant ids of the devicecode call are dropped.
		out := []string{"get-token"}
		if env := flags["--environment"]; env != "" {
			out = append(out, "--environment", env)
		}
		out = append(out, "--server-id", flags["--server-id"], "--login", login)
		argsNode.Content = nil
		for _, a := range out {
			argsNode.Content = append(argsNode.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: a})
		}
	}
	b, err := yaml.Marshal(&doc)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// mapValue is the value of key in the YAML mapping m (nil when absent).
func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
