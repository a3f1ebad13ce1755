// Package gcp_test evaluates the real Pulumi.gcp-eu.yaml under Pulumi's mocks
// and asserts the properties of the GCP region: firewall sources and ports,
// GKE, Memorystore, the LiveKit chart values, signaling, certificates, DNS,
// recordings and secrets.
//
// It imports stacks/gcp only, so it compiles the gcp, kubernetes and (for
// Route 53) aws SDKs but never azure-native or the all-clouds stacks package.
package gcp_test

import (
	"encoding/json"
	"maps"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	gcpstack "github.com/livekit-infra/livekit-infra/stacks/gcp"
	"github.com/livekit-infra/livekit-infra/stacks/plan"
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

var (
	baseOnce   sync.Once
	baseConfig *plan.StackConfig
	basePlan   *plan.Plan
	baseErr    error
)

// stackPlan evaluates Pulumi.gcp-eu.yaml once.
func stackPlan(t *testing.T) *plan.Plan {
	t.Helper()
	baseOnce.Do(func() {
		baseConfig, baseErr = plan.LoadStackConfig("../..", "gcp-eu")
		if baseErr != nil {
			return
		}
		basePlan, baseErr = plan.Evaluate(baseConfig, gcpstack.Program)
		if baseErr == nil && os.Getenv("GCP_PLAN_DUMP") != "" {
			b, _ := basePlan.JSON()
			_ = os.WriteFile(os.Getenv("GCP_PLAN_DUMP"), b, 0o644)
		}
	})
	if baseErr != nil {
		t.Fatalf("evaluating gcp-eu: %v", baseErr)
	}
	return basePlan
}

// planWith evaluates gcp-eu with some config keys changed ("" deletes).
func planWith(t *testing.T, overrides map[string]string) (*plan.Plan, error) {
	t.Helper()
	sc, err := plan.LoadStackConfig("../..", "gcp-eu")
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range overrides {
		if v == "" {
			delete(sc.Config, k)
		} else {
			sc.Config[k] = v
		}
	}
	return plan.Evaluate(sc, gcpstack.Program)
}

func one(t *testing.T, p *plan.Plan, typ string) *plan.Resource {
	t.Helper()
	rs := p.ByType(typ)
	if len(rs) != 1 {
		t.Fatalf("%d resources of type %s, want 1", len(rs), typ)
	}
	return &rs[0]
}

func find(t *testing.T, p *plan.Plan, typ, name string) *plan.Resource {
	t.Helper()
	r, ok := p.Find(typ, name)
	if !ok {
		var names []string
		for _, x := range p.ByType(typ) {
			names = append(names, x.Name)
		}
		t.Fatalf("no %s named %q (have %v)", typ, name, names)
	}
	return r
}

func input(t *testing.T, r *plan.Resource, path string) any {
	t.Helper()
	v, ok := r.Input(path)
	if !ok {
		t.Fatalf("%s %s: input %s is missing", r.Type, r.Name, path)
	}
	return v
}

func expect(t *testing.T, r *plan.Resource, want map[string]any) {
	t.Helper()
	for _, path := range slices.Sorted(maps.Keys(want)) {
		got, ok := r.Input(path)
		if !ok {
			t.Errorf("%s %s: input %s is missing, want %v", r.Type, r.Name, path, want[path])
			continue
		}
		if !reflect.DeepEqual(got, want[path]) {
			t.Errorf("%s %s: %s = %#v, want %#v", r.Type, r.Name, path, got, want[path])
		}
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
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// descendantOf reports whether r sits below a resource of type typ.
func descendantOf(p *plan.Plan, r *plan.Resource, typ string) bool {
	for cur := r.Parent; cur != ""; {
		pr, ok := p.ByURN(cur)
		if !ok {
			return false
		}
		if pr.Type == typ {
			return true
		}
		cur = pr.Parent
	}
	return false
}
