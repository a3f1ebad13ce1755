// Package gcp_test evaluates the real Pulumi.gcp-eu.yaml under Pulumi's mocks
// and asserts the properties of the GCP region: firewall sources and ports,
// GKE, Memorystore, the LiveKit chart values, signaling, certificates, DNS,
// recordings and secrets.
//
// It imports stacks/gcp only, so it compiles the gcp, kubernetes and (for
// Route 53) aws SDKs but never azure-native or the all-clouds stacks package.
package gcp_test

import (
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	gcpstack "github.com/livekit-infra/livekit-infra/stacks/gcp"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
)

// Resource type tokens used by the tests.
const (
	tNetwork      = "gcp:compute/network:Network"
	tSubnet       = "gcp:compute/subnetwork:Subnetwork"
	tRouter       = "gcp:compute/router:Router"
	tNat          = "gcp:compute/routerNat:RouterNat"
	tFirewall     = "gcp:compute/firewall:Firewall"
	tGlobalAddr   = "gcp:compute/globalAddress:GlobalAddress"
	tPSA          = "gcp:servicenetworking/connection:Connection"
	tRedis        = "gcp:redis/instance:Instance"
	tCluster      = "gcp:container/cluster:Cluster"
	tNodePool     = "gcp:container/nodePool:NodePool"
	tSA           = "gcp:serviceaccount/account:Account"
	tIAMMember    = "gcp:projects/iAMMember:IAMMember"
	tDNSAuth      = "gcp:certificatemanager/dnsAuthorization:DnsAuthorization"
	tCert         = "gcp:certificatemanager/certificate:Certificate"
	tCertMap      = "gcp:certificatemanager/certificateMap:CertificateMap"
	tCertMapEntry = "gcp:certificatemanager/certificateMapEntry:CertificateMapEntry"
	tSSLPolicy    = "gcp:compute/sSLPolicy:SSLPolicy"
	tBucket       = "gcp:storage/bucket:Bucket"
	tBucketIAM    = "gcp:storage/bucketIAMMember:BucketIAMMember"
	tBackendBkt   = "gcp:compute/backendBucket:BackendBucket"
	tSignedKey    = "gcp:compute/backendBucketSignedUrlKey:BackendBucketSignedUrlKey"
	tURLMap       = "gcp:compute/uRLMap:URLMap"
	tHTTPSProxy   = "gcp:compute/targetHttpsProxy:TargetHttpsProxy"
	tFwdRule      = "gcp:compute/globalForwardingRule:GlobalForwardingRule"
	tRecord       = "aws:route53/record:Record"
	tAWSProvider  = "pulumi:providers:aws"
	tK8sProvider  = "pulumi:providers:kubernetes"
	tChart        = "kubernetes:helm.sh/v4:Chart"
	tK8sSecret    = "kubernetes:core/v1:Secret"
	tK8sService   = "kubernetes:core/v1:Service"
	tK8sNamespace = "kubernetes:core/v1:Namespace"
	tPDB          = "kubernetes:policy/v1:PodDisruptionBudget"
	tGateway      = "kubernetes:gateway.networking.k8s.io/v1:Gateway"
	tHTTPRoute    = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"
	tBackendPol   = "kubernetes:networking.gke.io/v1:GCPBackendPolicy"
	tHealthPol    = "kubernetes:networking.gke.io/v1:HealthCheckPolicy"
	tGatewayPol   = "kubernetes:networking.gke.io/v1:GCPGatewayPolicy"
	tPodMonitor   = "kubernetes:monitoring.googleapis.com/v1:PodMonitoring"
	tWorkload     = "livekit-infra:index:LiveKitWorkload"
	tMedia        = "livekit-infra:index:MediaCluster"
)

// Facts of Pulumi.gcp-eu.yaml (and Pulumi.yaml's defaults) the tests check
// against. A change to the stack file that breaks one of these is a product
// change and must be made here on purpose.
const (
	euHostname = "gcp-eu.example.com"
	euGlobal   = "livekit.example.com"
	euZoneID   = "Z0123456789EXAMPLE"
	euProject  = "my-livekit-project"
	euRegion   = "europe-west1"
)

// euStack is Pulumi.gcp-eu.yaml, evaluated once per test binary.
var euStack = &planq.Stack{Dir: "../..", Name: "gcp-eu", Program: gcpstack.Program}

// stackPlan evaluates Pulumi.gcp-eu.yaml once.
func stackPlan(t *testing.T) *plan.Plan {
	t.Helper()
	p := euStack.Plan(t)
	if path := os.Getenv("GCP_PLAN_DUMP"); path != "" {
		b, _ := p.JSON()
		_ = os.WriteFile(path, b, 0o644)
	}
	return p
}

// only is the single resource of a type; one the one of a type and name
// (the names tests/azure gives them); input the (masked) input at a path,
// failing the test when it is unset.
var (
	only    = planq.Only
	one     = planq.One
	input   = planq.Masked.Get
	toFloat = planq.Number
)

// expect checks each input path of want.
func expect(t *testing.T, r *plan.Resource, want map[string]any) {
	t.Helper()
	for _, path := range slices.Sorted(maps.Keys(want)) {
		planq.Masked.Expect(t, r, path, want[path])
	}
}

func strs(v any) []string {
	a, _ := v.([]any)
	out := make([]string, 0, len(a))
	for _, e := range a {
		s, _ := e.(string)
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func contains(ss []string, s string) bool { return slices.Contains(ss, s) }

// providerURN strips the "::id" from a resource's provider reference.
func providerURN(ref string) string {
	if i := strings.LastIndex(ref, "::"); i > 0 {
		return ref[:i]
	}
	return ref
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	return planq.JSONOf(t, v)
}

// descendantOf reports whether r sits below a resource of type typ.
func descendantOf(p *plan.Plan, r *plan.Resource, typ string) bool { return planq.Within(p, r, typ) }
