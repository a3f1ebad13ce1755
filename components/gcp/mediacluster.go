package gcp

import (
	"net/netip"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/compute"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/container"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/globalzone"
	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// NodeRoles are the only project roles of the LiveKit nodes' service
// account: GKE's documented minimum for a node (logs, metrics, metadata).
// LiveKit pods need no Google API at all.
var NodeRoles = []string{
	"roles/logging.logWriter",
	"roles/monitoring.metricWriter",
	"roles/monitoring.viewer",
	"roles/stackdriver.resourceMetadata.writer",
}

// NodeOAuthScopes are GKE's default node scopes, without the broad
// cloud-platform scope.
var NodeOAuthScopes = []string{
	"https://www.googleapis.com/auth/devstorage.read_only",
	"https://www.googleapis.com/auth/logging.write",
	"https://www.googleapis.com/auth/monitoring",
	"https://www.googleapis.com/auth/service.management.readonly",
	"https://www.googleapis.com/auth/servicecontrol",
	"https://www.googleapis.com/auth/trace.append",
}

// Signaling front door constants.
const (
	// GatewayClass is GKE's global external Application Load Balancer.
	GatewayClass = "gke-l7-global-external-managed"
	// SSLProfile is the signaling (and CDN) edges' SSL policy profile.
	// RESTRICTED with TLS 1.2 keeps only ECDHE with AES-GCM or
	// ChaCha20-Poly1305 on TLS 1.2 (MODERN adds the CBC-SHA suites); TLS 1.3
	// is unaffected. Every LiveKit SDK's TLS stack offers those: browsers,
	// Apple's URLSession/Network (ATS requires ECDHE + AES-GCM), Android's
	// OkHttp (MODERN_TLS spec), Go's crypto/tls, Rust's rustls (AEAD suites
	// only), Flutter and Unity on the platform stacks. Docs:
	// https://cloud.google.com/load-balancing/docs/ssl-policies-concepts#defining_an_ssl_policy
	SSLProfile = "RESTRICTED"
	// GatewayName names the Gateway and its HTTPRoute.
	GatewayName = "livekit"
	// BackendTimeoutSec bounds a signaling WebSocket's lifetime on Google's
	// load balancer (the backend timeout is a total, not an idle, timeout).
	// Ten hours, as LiveKit's chart uses; clients reconnect after it.
	BackendTimeoutSec = 36000
	// NodeRoleLabel marks LiveKit nodes; the workload's node selector uses it.
	NodeRoleLabel = "livekit-infra/role"
)

// LoggingComponents are the cluster's components whose logs GKE sends to
// Cloud Logging: its default (system components and workloads), plus the
// control plane's with controlPlane (LoggingComponentConfig's components).
// Docs: https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters
func LoggingComponents(controlPlane bool) []string {
	c := []string{"SYSTEM_COMPONENTS", "WORKLOADS"}
	if controlPlane {
		c = append(c, "APISERVER", "SCHEDULER", "CONTROLLER_MANAGER")
	}
	return c
}

// MediaClusterArgs adds the GKE specifics to the contract.
type MediaClusterArgs struct {
	components.MediaClusterArgs

	Project, Region string
	NetworkID       pulumi.StringInput
	SubnetID        pulumi.StringInput
	// MediaTag is the network tag the firewall rules target.
	MediaTag string
	// MachineType, DiskSizeGB: one LiveKit pod per node.
	MachineType string
	DiskSizeGB  int
	// PodCPU and PodMemory are the LiveKit container's requests.
	PodCPU, PodMemory string
	ReleaseChannel    string
	// KubernetesVersion is the minimum control-plane version ("" follows the
	// release channel).
	KubernetesVersion string
	// MasterAuthorizedNetworks are the only sources the control plane's
	// public endpoint accepts; empty only with AllowPublicAPI, the explicit
	// opt-in to an endpoint open to any address (IAM still authenticates).
	MasterAuthorizedNetworks []netip.Prefix
	AllowPublicAPI           bool
	ChartVersion             string
	// RedisCACert is Memorystore's CA bundle, mounted at
	// kubernetes.FilePath(RedisCAFile); Config must point there.
	RedisCACert pulumi.StringInput
	// DNSProvider is the AWS provider used for Route 53 records only.
	DNSProvider pulumi.ProviderResource
	// ControlPlaneLogs adds the control plane's components (API server,
	// scheduler, controller manager) to the cluster's Cloud Logging logs.
	ControlPlaneLogs bool
	// AlertRules are deployed as a Managed Service for Prometheus Rules
	// object next to the PodMonitoring (nil: none).
	AlertRules *observability.RuleFile
}

// MediaCluster is a regional GKE cluster with a LiveKit node pool, LiveKit
// from the official chart, and a GKE Gateway with a Certificate Manager
// certificate for signaling.
type MediaCluster struct {
	pulumi.ResourceState
	components.MediaClusterOutputs

	ClusterName pulumi.StringOutput
	// Kubeconfig authenticates with gke-gcloud-auth-plugin; it holds no
	// credentials.
	Kubeconfig pulumi.StringOutput
	// IngressIP is the global static IP of the signaling load balancer.
	IngressIP          pulumi.StringOutput
	CertificateMap     pulumi.StringOutput
	NodeServiceAccount pulumi.StringOutput
	// ClusterID and Provider let other node pools and workloads (Egress)
	// join the cluster.
	ClusterID pulumi.StringOutput
	Provider  pulumi.ProviderResource
	// TURNAddress is the TURN/TLS proxy's global IP (TURN/TLS on).
	TURNAddress pulumi.StringOutput
	// OIDCIssuerURL is the issuer of the cluster's service account tokens
	// (GKE's, for every cluster with Workload Identity): AWS STS fetches
	// its keys from <issuer>/.well-known/openid-configuration.
	OIDCIssuerURL pulumi.StringOutput
}

// check runs the contract's checks, then the cloud's, reporting every problem at once.
func (a *MediaClusterArgs) check(e *components.ArgErrors) {
	a.MediaClusterArgs.Check(e)
	e.Require(components.Field{Name: "Project", Missing: a.Project == ""}, components.Field{Name: "Region", Missing: a.Region == ""},
		components.Field{Name: "NetworkID", Missing: a.NetworkID == nil}, components.Field{Name: "SubnetID", Missing: a.SubnetID == nil},
		components.Field{Name: "MediaTag", Missing: a.MediaTag == ""}, components.Field{Name: "MachineType", Missing: a.MachineType == ""},
		components.Field{Name: "ReleaseChannel", Missing: a.ReleaseChannel == ""}, components.Field{Name: "RedisCACert", Missing: a.RedisCACert == nil},
		components.Field{Name: "DNSProvider", Missing: a.DNSProvider == nil})
	if (len(a.MasterAuthorizedNetworks) == 0) != a.AllowPublicAPI {
		e.Add("MasterAuthorizedNetworks %v with AllowPublicAPI %t: list who may reach the control plane, or (with none) opt in to a public endpoint explicitly", a.MasterAuthorizedNetworks, a.AllowPublicAPI)
	}
}

// NewMediaCluster declares the node service account, the cluster and node
// pool, the LiveKit workload, and the signaling load balancer with its
// certificate and DNS record.
func NewMediaCluster(ctx *pulumi.Context, name string, args *MediaClusterArgs, opts ...pulumi.ResourceOption) (*MediaCluster, error) {

	m := &MediaCluster{}
	parent, err := components.Register(ctx, components.MediaClusterType, name, m, args, (*MediaClusterArgs).check, opts...)
	if err != nil {
		return nil, err
	}
	protect := pulumi.Protect(args.Protect)

	// A dedicated node identity with only the node roles: the default
	// compute service account has Editor on the project.
	sa, err := serviceaccount.NewAccount(ctx, name+"-nodes", &serviceaccount.AccountArgs{
		Project:     pulumi.String(args.Project),
		AccountId:   pulumi.String(name + "-nodes"),
		DisplayName: pulumi.String("LiveKit GKE nodes"),
		Description: pulumi.String("Least-privilege identity of the LiveKit node pool"),
	}, parent)
	if err != nil {
		return nil, err
	}
	var grants []pulumi.Resource
	for _, role := range NodeRoles {
		g, err := projects.NewIAMMember(ctx, name+"-nodes-"+shortRole(role), &projects.IAMMemberArgs{
			Project: pulumi.String(args.Project),
			Role:    pulumi.String(role),
			Member:  pulumi.Sprintf("serviceAccount:%s", sa.Email),
		}, parent)
		if err != nil {
			return nil, err
		}
		grants = append(grants, g)
	}

	var authorized *container.ClusterMasterAuthorizedNetworksConfigArgs
	if len(args.MasterAuthorizedNetworks) > 0 {
		blocks := container.ClusterMasterAuthorizedNetworksConfigCidrBlockArray{}
		for _, p := range args.MasterAuthorizedNetworks {
			blocks = append(blocks, &container.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs{CidrBlock: pulumi.String(p.String())})
		}
		authorized = &container.ClusterMasterAuthorizedNetworksConfigArgs{CidrBlocks: blocks}
	}
	var minVersion pulumi.StringPtrInput
	if args.KubernetesVersion != "" {
		minVersion = pulumi.String(args.KubernetesVersion)
	}
	shielded := &container.ClusterNodeConfigShieldedInstanceConfigArgs{EnableSecureBoot: pulumi.Bool(true), EnableIntegrityMonitoring: pulumi.Bool(true)}
	cluster, err := container.NewCluster(ctx, name, &container.ClusterArgs{
		// Regional: the control plane and nodes span the region's zones.
		Location:       pulumi.String(args.Region),
		Network:        args.NetworkID,
		Subnetwork:     args.SubnetID,
		NetworkingMode: pulumi.String("VPC_NATIVE"),
		IpAllocationPolicy: &container.ClusterIpAllocationPolicyArgs{
			ClusterSecondaryRangeName:  pulumi.String(PodsRangeName),
			ServicesSecondaryRangeName: pulumi.String(ServicesRangeName),
		},
		ReleaseChannel:         &container.ClusterReleaseChannelArgs{Channel: pulumi.String(args.ReleaseChannel)},
		MinMasterVersion:       minVersion,
		WorkloadIdentityConfig: &container.ClusterWorkloadIdentityConfigArgs{WorkloadPool: pulumi.String(args.Project + ".svc.id.goog")},
		EnableShieldedNodes:    pulumi.Bool(true),
		// The Gateway API (GKE's Gateway controller) carries signaling: it is
		// the GKE front door that takes Certificate Manager certificates.
		GatewayApiConfig: &container.ClusterGatewayApiConfigArgs{Channel: pulumi.String("CHANNEL_STANDARD")},
		AddonsConfig: &container.ClusterAddonsConfigArgs{
			HttpLoadBalancing:        &container.ClusterAddonsConfigHttpLoadBalancingArgs{Disabled: pulumi.Bool(false)},
			HorizontalPodAutoscaling: &container.ClusterAddonsConfigHorizontalPodAutoscalingArgs{Disabled: pulumi.Bool(false)},
		},
		LoggingConfig: &container.ClusterLoggingConfigArgs{EnableComponents: pulumi.ToStringArray(LoggingComponents(args.ControlPlaneLogs))},
		MonitoringConfig: &container.ClusterMonitoringConfigArgs{
			EnableComponents:  pulumi.ToStringArray([]string{"SYSTEM_COMPONENTS"}),
			ManagedPrometheus: &container.ClusterMonitoringConfigManagedPrometheusArgs{Enabled: pulumi.Bool(true)},
		},
		MasterAuth: &container.ClusterMasterAuthArgs{
			ClientCertificateConfig: &container.ClusterMasterAuthClientCertificateConfigArgs{IssueClientCertificate: pulumi.Bool(false)},
		},
		MasterAuthorizedNetworksConfig: authorized,
		// Node pools are managed separately; the bootstrap pool still runs
		// briefly, so it gets the same identity and shielded boot.
		RemoveDefaultNodePool: pulumi.Bool(true),
		InitialNodeCount:      pulumi.Int(1),
		NodeConfig: &container.ClusterNodeConfigArgs{
			ServiceAccount:         sa.Email,
			OauthScopes:            pulumi.ToStringArray(NodeOAuthScopes),
			ShieldedInstanceConfig: shielded,
			WorkloadMetadataConfig: &container.ClusterNodeConfigWorkloadMetadataConfigArgs{Mode: pulumi.String("GKE_METADATA")},
		},
		// Deletion protection stays on with protect (the default): GKE then
		// refuses to delete the cluster, whoever asks (#17 item 14).
		DeletionProtection: pulumi.Bool(args.Protect),
		ResourceLabels:     pulumi.StringMap{"app": pulumi.String("livekit")},
	}, parent, protect, pulumi.DependsOn(grants), pulumi.IgnoreChanges([]string{"nodeConfig", "initialNodeCount"}))
	if err != nil {
		return nil, err
	}

	// Media must reach every node at its own public IP: no private nodes.
	poolArgs, node := nodePool{
		Cluster: cluster.ID(), Region: args.Region, Scaling: args.Scaling, MachineType: args.MachineType, DiskSizeGB: args.DiskSizeGB,
		ServiceAccount: sa.Email, Tag: args.MediaTag, Role: "media",
	}.args()
	// gVNIC: higher packet rates for media.
	node.Gvnic = &container.NodePoolNodeConfigGvnicArgs{Enabled: pulumi.Bool(true)}
	pool, err := container.NewNodePool(ctx, name+"-media", poolArgs, parent, pulumi.IgnoreChanges([]string{"initialNodeCount"}))
	if err != nil {
		return nil, err
	}

	kubeconfig := pulumi.All(cluster.Endpoint, cluster.MasterAuth.ClusterCaCertificate().Elem(), cluster.Name).ApplyT(
		func(v []any) (string, error) { return Kubeconfig(v[2].(string), v[0].(string), v[1].(string)) }).(pulumi.StringOutput)
	provider, err := lkk8s.NewProvider(ctx, name, kubeconfig, []pulumi.Resource{pool}, parent)
	if err != nil {
		return nil, err
	}

	wargs := lkk8s.LiveKitWorkloadOf(provider, args.ChartVersion, args.MediaClusterArgs,
		lkk8s.Resources{CPU: args.PodCPU, Memory: args.PodMemory}, map[string]string{NodeRoleLabel: "media"})
	wargs.Files = map[string]pulumi.StringInput{RedisCAFile: args.RedisCACert}
	// GKE's TURN/TLS proxy targets the node pool's instance groups, not a
	// Service (turn.go).
	wargs.TURNService = false
	workload, err := lkk8s.NewLiveKitWorkload(ctx, name, wargs, parent)
	if err != nil {
		return nil, err
	}

	// Signaling: a global static IP, a Certificate Manager certificate for
	// the regional and global names, and the GKE Gateway.
	ip, err := compute.NewGlobalAddress(ctx, name+"-signal", &compute.GlobalAddressArgs{
		AddressType: pulumi.String("EXTERNAL"),
		IpVersion:   pulumi.String("IPV4"),
		Description: pulumi.String("LiveKit signaling " + args.Hostname),
	}, parent, protect)
	if err != nil {
		return nil, err
	}
	cmap, _, err := certificateMap(ctx, name+"-signal", args.Names(), args.ZoneID, args.DNSProvider, parent)
	if err != nil {
		return nil, err
	}
	sslPolicy, err := compute.NewSSLPolicy(ctx, name+"-signal", &compute.SSLPolicyArgs{
		Description:   pulumi.String("TLS 1.2+ with AEAD suites only for LiveKit signaling"),
		MinTlsVersion: pulumi.String("TLS_1_2"),
		Profile:       pulumi.String(SSLProfile),
	}, parent)
	if err != nil {
		return nil, err
	}
	if err := signalingGateway(ctx, name, args, workload, provider, ip.Name, cmap.Name, sslPolicy.Name, parent); err != nil {
		return nil, err
	}

	if args.TURNTLSPort != 0 {
		if m.TURNAddress, err = turnTLS(ctx, name, args, pool, sslPolicy, parent, protect); err != nil {
			return nil, err
		}
	}

	if err := globalzone.NewRecord(ctx, name+"-dns", args.ZoneID, args.Hostname, "A", components.FrontDoorRecordTTL, ip.Address,
		parent, pulumi.Provider(args.DNSProvider)); err != nil {
		return nil, err
	}

	m.MediaClusterOutputs = components.NewMediaClusterOutputs(args.Hostname, ip.Address)
	m.IngressIP = ip.Address
	m.ClusterName = cluster.Name
	m.Kubeconfig = kubeconfig
	m.CertificateMap = cmap.Name
	m.NodeServiceAccount = sa.Email
	m.ClusterID = cluster.ID().ToStringOutput()
	m.Provider = provider
	// The issuer whose discovery document GKE serves at
	// container.googleapis.com/v1/projects/*/locations/*/clusters/*/.well-known/openid-configuration
	// (GKE REST reference, projects.locations.clusters.well-known); OIDC
	// Discovery makes that prefix the tokens' iss.
	m.OIDCIssuerURL = pulumi.Sprintf("https://container.googleapis.com/v1/projects/%s/locations/%s/clusters/%s", args.Project, args.Region, cluster.Name)
	if err := ctx.RegisterResourceOutputs(m, m.MediaClusterOutputs.Map(pulumi.Map{
		"ingressIp": m.IngressIP, "clusterName": m.ClusterName, "turnAddress": m.TURNAddress,
	})); err != nil {
		return nil, err
	}
	return m, nil
}

// Kubeconfig returns a kubeconfig for a GKE cluster that authenticates with
// gke-gcloud-auth-plugin (the credentials of whoever runs Pulumi).
func Kubeconfig(clusterName, endpoint, caCert string) (string, error) {
	return lkk8s.ExecKubeconfig(clusterName, "https://"+endpoint, caCert, map[string]any{
		"apiVersion":         "client.authentication.k8s.io/v1beta1",
		"command":            "gke-gcloud-auth-plugin",
		"provideClusterInfo": true,
		"installHint":        "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
	})
}

func shortRole(role string) string {
	r := role
	if i := len("roles/"); len(r) > i {
		r = r[i:]
	}
	out := make([]rune, 0, len(r))
	for _, c := range r {
		if c == '.' {
			c = '-'
		}
		out = append(out, c)
	}
	return string(out)
}
