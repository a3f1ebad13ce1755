// Package azure_test evaluates the real Pulumi.azure-asia.yaml under the
// plan mocks and asserts the properties the Azure region promises: the
// network security rules, AKS, Azure Cache for Redis, recordings storage,
// the signaling certificate and DNS, the LiveKit workload values, the
// rendered LiveKit config and that secrets stay secret.
//
// It imports only stacks/azure (azure-native, the classic azure provider,
// kubernetes and aws for Route 53), never the root stacks package.
package azure_test

import (
	"testing"

	"github.com/livekit-infra/livekit-infra/components"
	azurestack "github.com/livekit-infra/livekit-infra/stacks/azure"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
)

// Resource type tokens used by the tests (the components' own are
// components.XType).
const (
	tWorkload = "livekit-infra:index:LiveKitWorkload"
	tMedia    = components.MediaClusterType

	tRG          = "azure-native:resources:ResourceGroup"
	tVnet        = "azure-native:network:VirtualNetwork"
	tSubnet      = "azure-native:network:Subnet"
	tNSG         = "azure-native:network:NetworkSecurityGroup"
	tASG         = "azure-native:network:ApplicationSecurityGroup"
	tPIP         = "azure-native:network:PublicIPAddress"
	tIPPrefix    = "azure-native:network:PublicIPPrefix"
	tLock        = "azure:management/lock:Lock"
	tPE          = "azure-native:network:PrivateEndpoint"
	tPrivZone    = "azure-native:network:PrivateZone"
	tZoneLink    = "azure-native:network:VirtualNetworkLink"
	tZoneGroup   = "azure-native:network:PrivateDnsZoneGroup"
	tCluster     = "azure-native:containerservice/v20240801:ManagedCluster"
	tPool        = "azure-native:containerservice/v20240801:AgentPool"
	tIdentity    = "azure-native:managedidentity:UserAssignedIdentity"
	tWorkspace   = "azure-native:operationalinsights:Workspace"
	tAccount     = "azure-native:storage:StorageAccount"
	tBlobSvc     = "azure-native:storage:BlobServiceProperties"
	tContainer   = "azure-native:storage:BlobContainer"
	tMgmtPolicy  = "azure-native:storage:ManagementPolicy"
	tRedis       = "azure:redis/cache:Cache"
	tAssignment  = "azure:authorization/assignment:Assignment"
	tAFDProfile  = "azure:cdn/frontdoorProfile:FrontdoorProfile"
	tAFDEndpoint = "azure:cdn/frontdoorEndpoint:FrontdoorEndpoint"
	tAFDOrigin   = "azure:cdn/frontdoorOrigin:FrontdoorOrigin"
	tAFDDomain   = "azure:cdn/frontdoorCustomDomain:FrontdoorCustomDomain"
	tAFDRoute    = "azure:cdn/frontdoorRoute:FrontdoorRoute"
	tRecord      = "aws:route53/record:Record"
	tOIDC        = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
	tRole        = "aws:iam/role:Role"
	tRolePolicy  = "aws:iam/rolePolicy:RolePolicy"
	tAWSProvider = "pulumi:providers:aws"
	tK8sProvider = "pulumi:providers:kubernetes"
	tChart       = "kubernetes:helm.sh/v4:Chart"
	tNamespace   = "kubernetes:core/v1:Namespace"
	tSecret      = "kubernetes:core/v1:Secret"
	tService     = "kubernetes:core/v1:Service"
	tSA          = "kubernetes:core/v1:ServiceAccount"
	tK8sRole     = "kubernetes:rbac.authorization.k8s.io/v1:Role"
	tK8sBinding  = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"
	tIngress     = "kubernetes:networking.k8s.io/v1:Ingress"
	tIssuer      = "kubernetes:cert-manager.io/v1:ClusterIssuer"
	tCertificate = "kubernetes:cert-manager.io/v1:Certificate"
)

// Facts of Pulumi.azure-asia.yaml (and the settings defaults) the tests check
// against. A change to the stack file that breaks one of these is a product
// change and must be made here on purpose.
const (
	asiaLocation  = "southeastasia"
	asiaHostname  = "azure-asia.example.com"
	asiaGlobal    = "livekit.example.com"
	asiaZoneID    = "Z0123456789EXAMPLE"
	asiaVnet      = "10.20.0.0/16"
	asiaNodes     = "10.20.0.0/17"
	asiaEndpoints = "10.20.128.0/20"
	asiaK8s       = "1.36"
	asiaVMSize    = "Standard_D4s_v3"
	asiaMedia     = "50000-60000"
)

// asiaStack is Pulumi.azure-asia.yaml, evaluated once per test binary.
var asiaStack = &planq.Stack{Dir: "../..", Name: "azure-asia", Program: azurestack.Program, Variants: variants}

// TestMain evaluates the real azure-asia stack once for the whole binary.
func TestMain(m *testing.M) { planq.Main(m, asiaStack) }

// asia is the plan of Pulumi.azure-asia.yaml as committed.
var asia = asiaStack.Plan

// variant is azure-asia with some bare livekit-infra keys changed.
type variant = planq.Variant

// User-supplied secrets, distinctive so a leak is easy to spot.
const (
	userAPIKey    = "APIuserSuppliedAzureKey"
	userAPISecret = "userSuppliedAzureApiSecret0123456789abcdef"
)

var variants = map[string]variant{
	"turn": {Set: map[string]string{"turnUdpPort": "3478"}},
	"mux":  {Set: map[string]string{"mediaUdpPorts": "7882"}},
	// Without Front Door the account cannot be closed to the internet
	// (readers' SAS URLs go to its public endpoint).
	"noCdn":       {Set: map[string]string{"recordingsCdn": "false", "azureRecordingsPrivateLink": "false"}},
	"noZones":     {Set: map[string]string{"azureAvailabilityZones": "[]"}},
	"unprotected": {Set: map[string]string{"protect": "false"}},
	// The first step of a Redis key rotation without an outage.
	"secondaryKey": {Set: map[string]string{"azureRedisAccessKey": "secondary"}},
	// Identity-only recordings account: egress auto leaves Egress off
	// (it uploads with the account key only; azure.md, egress.md).
	"noSharedKey": {Set: map[string]string{"azureRecordingsSharedKey": "false"}},
	// The recordings account on its public endpoint behind Front Door
	// Standard (the opt-out of Private Link).
	"publicRecordings": {Set: map[string]string{"azureRecordingsPrivateLink": "false"}},
	"sizing": {Set: map[string]string{
		"minNodes": "2", "maxNodes": "40", "azureVmSize": "Standard_F8s_v2", "azureKubernetesVersion": "1.35.4",
		"azureRedisSku": "Premium", "azureRedisFamily": "P", "azureRedisCapacity": "2", "azureDrainSeconds": "3600",
		// 40 nodes do not fit the /28 node IP prefix that authorized
		// ranges need: this region opts in to a public API server.
		"azureApiAuthorizedIpRanges": `[]`, "azureAllowPublicApi": "true", "azureAcmeEmail": "ops@example.com",
	}},
	// More LiveKit nodes than an ASG may hold behind a private endpoint's
	// NSG (public API server: 60 nodes do not fit the node IP prefix).
	"bigPool": {Set: map[string]string{"maxNodes": "60", "azureApiAuthorizedIpRanges": `[]`, "azureAllowPublicApi": "true"}},
	"alertWebhook": {
		Set:    map[string]string{"alertWebhookUrl": "https://hooks.example.com/T0123/webhook-token"},
		Secret: []string{"alertWebhookUrl"},
	},
	"userSecrets": {
		// The region's own key instead of the credentials stack's set.
		Set:    map[string]string{"credentialsStack": "", "apiKey": userAPIKey, "apiSecret": userAPISecret},
		Secret: []string{"apiKey", "apiSecret"},
	},
}

// variantPlan evaluates (once per binary) the named variant of azure-asia;
// variantConfig is azure-asia's config with a variant applied. Inputs are
// read masked; within reports whether a resource sits (at any depth) below
// the component of a type.
var (
	variantPlan   = asiaStack.Named
	variantConfig = asiaStack.ConfigOf
	key           = planq.Key
	one           = planq.One
	only          = planq.Only
	within        = planq.Within
	names         = planq.Names
	byID          = planq.ByID
	str           = planq.Masked.Str
	num           = planq.Masked.Num
	boolean       = planq.Masked.Bool
	list          = planq.Masked.List
	toFloat       = planq.Number
)

func strs(v []any) []string {
	out := make([]string, 0, len(v))
	for _, e := range v {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}
