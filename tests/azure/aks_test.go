package azure_test

import (
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	azurec "github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

func cluster(t *testing.T, p *plan.Plan) *plan.Resource {
	t.Helper()
	return one(t, p, tCluster, "livekit")
}

func livekitPool(t *testing.T, p *plan.Plan) *plan.Resource {
	t.Helper()
	return one(t, p, tPool, "livekit-media")
}

// The cluster runs as a user-assigned identity that holds Network
// Contributor on exactly the node subnet (not its whole VNet: #17 item 13),
// the resource group of the ingress IP and
// the media ASG, and the cluster waits for those roles. The group, not the
// IP: the Azure cloud provider lists the group's public IPs to find the one
// the Traefik Service names, and "Use a static public IP address and DNS
// label with the AKS load balancer" (learn.microsoft.com/azure/aks/static-ip)
// grants the role on the resource group. With the role on the IP only, the
// Service stays Pending.
func TestAKSIdentity(t *testing.T) {
	p := asia(t)
	c := cluster(t, p)
	if got := str(t, c, "identity.type"); got != "UserAssigned" {
		t.Fatalf("identity type %s, want UserAssigned", got)
	}
	ids := strs(list(t, c, "identity.userAssignedIdentities"))
	id := one(t, p, tIdentity, "livekit")
	if len(ids) != 1 || ids[0] != id.ID {
		t.Errorf("cluster identities %v, want [%s]", ids, id.ID)
	}
	scopes := map[string]bool{}
	for _, ra := range p.ByType(tAssignment) {
		if strings.HasPrefix(ra.Name, "livekit-token-server") || ra.Name == "livekit-deployer" || ra.Name == "livekit-mirror-kubelet" {
			continue // not the cluster's identity: TestTokenServerKeyVault, TestRecordingsIdentityAccess, TestAKSEntraAccess, TestKubeletPullsFromMirror
		}
		if str(t, &ra, "roleDefinitionName") != "Network Contributor" {
			t.Errorf("role assignment %s grants %s", ra.Name, str(t, &ra, "roleDefinitionName"))
		}
		if got := str(t, &ra, "principalId"); !strings.Contains(got, "-") || got == "" {
			t.Errorf("role assignment %s principal %q", ra.Name, got)
		}
		target, ok := byID(p, str(t, &ra, "scope"))
		if !ok {
			t.Errorf("role assignment %s scope %s is not a resource of the stack", ra.Name, str(t, &ra, "scope"))
			continue
		}
		scopes[target.Type+"/"+target.Name] = true
		if !slices.Contains(c.Dependencies, ra.URN) {
			t.Errorf("cluster does not wait for role assignment %s", ra.Name)
		}
	}
	// The group of the ingress IP holds the IP alone (#17 item 13): the
	// group-level grant Microsoft's static-IP guide asks for reaches
	// nothing else.
	want := []string{tSubnet + "/livekit-nodes", tRG + "/livekit-ingress", tASG + "/livekit-media"}
	if len(scopes) != len(want) {
		t.Errorf("role assignment scopes %v, want %v", scopes, want)
	}
	for _, w := range want {
		if !scopes[w] {
			t.Errorf("no Network Contributor on %s", w)
		}
	}
}

func TestAKSVersionAndNetwork(t *testing.T) {
	p := asia(t)
	c := cluster(t, p)
	if got := str(t, c, "kubernetesVersion"); got != asiaK8s {
		t.Errorf("kubernetesVersion %q, want the pinned %s", got, asiaK8s)
	}
	if got := str(t, livekitPool(t, p), "orchestratorVersion"); got != asiaK8s {
		t.Errorf("LiveKit pool version %q, want %s", got, asiaK8s)
	}
	if got := str(t, c, "autoUpgradeProfile.upgradeChannel"); got != "patch" {
		t.Errorf("upgrade channel %q, want patch (minor versions only through config)", got)
	}
	sizing := cluster(t, variantPlan(t, "sizing"))
	if got := str(t, sizing, "kubernetesVersion"); got != "1.35.4" {
		t.Errorf("azureKubernetesVersion 1.35.4 gave %q", got)
	}
	// The exact network profile: Azure CNI Overlay with an explicit pod
	// CIDR. The SDK fills a missing podCidr with 10.244.0.0/16, and AKS
	// takes a pod CIDR only with kubenet or overlay mode
	// (Azure/azure-rest-api-specs#23987; az aks create errors on
	// --pod-cidr with Azure CNI without overlay, Azure/azure-cli#26237).
	// Overlay supports Azure network policies
	// (learn.microsoft.com/azure/aks/azure-cni-overlay).
	wantProfile := map[string]any{
		"networkPlugin":     "azure",
		"networkPluginMode": "overlay",
		"podCidr":           "10.244.0.0/16",
		"networkPolicy":     "azure",
		"loadBalancerSku":   "standard",
		"outboundType":      "loadBalancer",
		"serviceCidr":       "172.20.0.0/16",
		"dnsServiceIP":      "172.20.0.10",
	}
	gotProfile, ok := c.Input("networkProfile")
	if !ok {
		t.Fatal("no networkProfile")
	}
	if !reflect.DeepEqual(gotProfile, wantProfile) {
		t.Errorf("networkProfile = %v\nwant exactly %v", gotProfile, wantProfile)
	}
	nodeSubnet := one(t, p, tSubnet, "livekit-nodes")
	for _, path := range []string{"agentPoolProfiles[0].vnetSubnetID"} {
		if got := str(t, c, path); got != nodeSubnet.ID {
			t.Errorf("%s = %s, want the node subnet %s", path, got, nodeSubnet.ID)
		}
	}
	if got := str(t, livekitPool(t, p), "vnetSubnetID"); got != nodeSubnet.ID {
		t.Errorf("LiveKit pool subnet %s, want %s", got, nodeSubnet.ID)
	}
	if !boolean(t, c, "oidcIssuerProfile.enabled") {
		t.Error("OIDC issuer off: cert-manager cannot federate to AWS")
	}
}

// Container Insights sends to the stack's Log Analytics workspace, which
// keeps logs for logRetentionDays.
func TestAKSMonitoring(t *testing.T) {
	p := asia(t)
	c := cluster(t, p)
	ws := one(t, p, tWorkspace, "livekit")
	if !boolean(t, c, "addonProfiles.omsagent.enabled") {
		t.Fatal("monitoring add-on (omsagent) is off")
	}
	if got := str(t, c, "addonProfiles.omsagent.config.logAnalyticsWorkspaceResourceID"); got != ws.ID || !strings.Contains(got, "/Microsoft.OperationalInsights/workspaces/") {
		t.Errorf("omsagent workspace %s, want %s", got, ws.ID)
	}
	if got := num(t, ws, "retentionInDays"); got != 30 {
		t.Errorf("workspace retention %d, want logRetentionDays 30", got)
	}
	if got := str(t, ws, "sku.name"); got != "PerGB2018" {
		t.Errorf("workspace SKU %s", got)
	}
}

// The system pool is small and fixed; the LiveKit pool autoscales within
// the config bounds, on the configured VM size, with a public IP per node
// and the media ports allowed on it.
func TestAKSPools(t *testing.T) {
	p := asia(t)
	c := cluster(t, p)
	if n := len(list(t, c, "agentPoolProfiles")); n != 1 {
		t.Fatalf("cluster declares %d inline pools, want only the system pool", n)
	}
	sys := "agentPoolProfiles[0]."
	if str(t, c, sys+"mode") != "System" || str(t, c, sys+"name") != "system" {
		t.Errorf("inline pool is %s/%s, want system/System", str(t, c, sys+"name"), str(t, c, sys+"mode"))
	}
	if boolean(t, c, sys+"enableNodePublicIP") {
		t.Error("system nodes have public IPs; only media nodes need them")
	}
	if got := num(t, c, sys+"count"); got != 2 {
		t.Errorf("system pool count %d, want 2", got)
	}

	lk := livekitPool(t, p)
	if str(t, lk, "mode") != "User" || str(t, lk, "agentPoolName") != "livekit" {
		t.Errorf("LiveKit pool %s/%s", str(t, lk, "agentPoolName"), str(t, lk, "mode"))
	}
	if got := str(t, lk, "resourceName"); got != "livekit" {
		t.Errorf("LiveKit pool belongs to cluster %q", got)
	}
	if !boolean(t, lk, "enableNodePublicIP") {
		t.Error("LiveKit nodes need their own public IPs: media goes straight to the node")
	}
	if !boolean(t, lk, "enableAutoScaling") || num(t, lk, "minCount") != 3 || num(t, lk, "maxCount") != 10 {
		t.Errorf("autoscaling %v %d-%d, want on 3-10", boolean(t, lk, "enableAutoScaling"), num(t, lk, "minCount"), num(t, lk, "maxCount"))
	}
	if got := str(t, lk, "vmSize"); got != asiaVMSize {
		t.Errorf("VM size %s, want %s", got, asiaVMSize)
	}
	if !slices.Contains(lk.IgnoreChanges, "count") {
		t.Errorf("pool ignoreChanges %v: the autoscaler owns count", lk.IgnoreChanges)
	}
	if got := strs(list(t, lk, "availabilityZones")); strings.Join(got, ",") != "1,2,3" {
		t.Errorf("LiveKit pool zones %v", got)
	}

	type port struct {
		start, end int
		proto      string
	}
	var ports []port
	for i := range list(t, lk, "networkProfile.allowedHostPorts") {
		at := "networkProfile.allowedHostPorts[" + itoa(i) + "]."
		ports = append(ports, port{num(t, lk, at+"portStart"), num(t, lk, at+"portEnd"), str(t, lk, at+"protocol")})
	}
	if want := []port{{50000, 60000, "UDP"}, {7881, 7881, "TCP"}}; !slices.Equal(ports, want) {
		t.Errorf("allowed host ports %v, want %v", ports, want)
	}
	asg := one(t, p, tASG, "livekit-media")
	if got := strs(list(t, lk, "networkProfile.applicationSecurityGroups")); len(got) != 1 || got[0] != asg.ID {
		t.Errorf("LiveKit pool ASGs %v, want [%s] (the NSG opens media to it)", got, asg.ID)
	}

	s := variantPlan(t, "sizing")
	slk := livekitPool(t, s)
	if num(t, slk, "minCount") != 2 || num(t, slk, "maxCount") != 40 || str(t, slk, "vmSize") != "Standard_F8s_v2" {
		t.Errorf("sizing variant: pool %d-%d %s", num(t, slk, "minCount"), num(t, slk, "maxCount"), str(t, slk, "vmSize"))
	}
	if _, ok := livekitPool(t, variantPlan(t, "noZones")).Input("availabilityZones"); ok {
		t.Error("noZones variant still pins zones")
	}
}

// Scale-in and upgrades give LiveKit the whole drain period.
func TestAKSDrain(t *testing.T) {
	for name, want := range map[string]struct{ grace, minutes int }{"": {18000, 305}, "sizing": {3600, 65}} {
		p := asia(t)
		if name != "" {
			p = variantPlan(t, name)
		}
		c, lk := cluster(t, p), livekitPool(t, p)
		if got := str(t, c, "autoScalerProfile.maxGracefulTerminationSec"); got != itoa(want.grace) {
			t.Errorf("%s: autoscaler maxGracefulTerminationSec %s, want %d", name, got, want.grace)
		}
		if got := num(t, lk, "upgradeSettings.drainTimeoutInMinutes"); got != want.minutes {
			t.Errorf("%s: upgrade drain timeout %d min, want %d", name, got, want.minutes)
		}
		if got := str(t, lk, "upgradeSettings.maxSurge"); got != "1" {
			t.Errorf("%s: maxSurge %s, want 1", name, got)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// #17 item 6: no static admin. Entra ID authenticates and Azure RBAC
// authorizes (aadProfile managed + enableAzureRBAC), local accounts are
// off, the deploying identity holds the AKS RBAC Cluster Admin role on this
// cluster only, and the Kubernetes provider signs in through kubelogin
// (azurecli, non-interactive) with no credential in its kubeconfig.
func TestAKSEntraAccess(t *testing.T) {
	p := asia(t)
	c := cluster(t, p)
	if !boolean(t, c, "aadProfile.managed") || !boolean(t, c, "aadProfile.enableAzureRBAC") {
		t.Errorf("aadProfile %v, want managed Entra ID with Azure RBAC", c.Inputs["aadProfile"])
	}
	if !boolean(t, c, "disableLocalAccounts") {
		t.Error("local accounts on: listClusterAdminCredential hands out a static cluster admin")
	}

	admin := one(t, p, tAssignment, "livekit-deployer")
	if got := str(t, admin, "roleDefinitionName"); got != "Azure Kubernetes Service RBAC Cluster Admin" {
		t.Errorf("deployer role %q", got)
	}
	if got := str(t, admin, "scope"); got != c.ID {
		t.Errorf("deployer role scope %s, want the cluster %s only", got, c.ID)
	}
	if got := str(t, admin, "principalId"); got == "" || !slices.Contains(p.Invokes, "azure:core/getClientConfig:getClientConfig") {
		t.Errorf("deployer principal %q not read from the client config (%v)", got, p.Invokes)
	}

	prov := one(t, p, tK8sProvider, "livekit")
	if !slices.Contains(prov.Dependencies, admin.URN) {
		t.Error("the Kubernetes provider does not wait for the deployer's cluster role")
	}
	raw, _ := prov.RawInput("kubeconfig")
	kc, _ := raw.(string)
	var doc struct {
		Users []struct {
			User map[string]any `yaml:"user"`
		} `yaml:"users"`
	}
	if err := yaml.Unmarshal([]byte(kc), &doc); err != nil || len(doc.Users) != 1 {
		t.Fatalf("provider kubeconfig users: %v\n%s", err, kc)
	}
	user := doc.Users[0].User
	for _, static := range []string{"client-certificate-data", "client-key-data", "token", "password", "auth-provider"} {
		if _, ok := user[static]; ok {
			t.Errorf("provider kubeconfig carries %s", static)
		}
	}
	exec, _ := user["exec"].(map[string]any)
	var args []string
	for _, a := range exec["args"].([]any) {
		args = append(args, a.(string))
	}
	want := []string{"get-token", "--environment", "AzurePublicCloud", "--server-id", plan.AKSServerID, "--login", "azurecli"}
	if exec["command"] != "kubelogin" || !slices.Equal(args, want) {
		t.Errorf("provider kubeconfig signs in with %v %v, want kubelogin %v (non-interactive)", exec["command"], args, want)
	}
}

// #17 item 6: the API server accepts only configured CIDRs. azure-asia
// lists the documentation range; the LiveKit nodes' public IPs come from a
// /28 prefix that is an authorized range too (AKS requires it for node
// public IPs, or kubelets cannot reach the API server). Opting in to a
// public API server drops the profile and the prefix.
func TestAKSAPIServerAccess(t *testing.T) {
	p := asia(t)
	c := cluster(t, p)
	prefix := one(t, p, tIPPrefix, "livekit-media-ips")
	if got := num(t, prefix, "prefixLength"); got != 28 {
		t.Errorf("node IP prefix /%d, want /28", got)
	}
	// The configured range, then the prefix's range (the mock's answer for
	// the prefix, a /28 of Azure's public space).
	got := strs(list(t, c, "apiServerAccessProfile.authorizedIPRanges"))
	if len(got) != 2 || got[0] != "203.0.113.0/24" || !strings.HasPrefix(got[1], "20.") || !strings.HasSuffix(got[1], "/28") {
		t.Errorf("authorized IP ranges %v, want [203.0.113.0/24 <node IP prefix>/28]", got)
	}
	if got := str(t, livekitPool(t, p), "nodePublicIPPrefixID"); got != prefix.ID {
		t.Errorf("LiveKit pool node IPs from %q, want the prefix %s", got, prefix.ID)
	}

	open := variantPlan(t, "sizing") // azureAllowPublicApi: true
	if _, ok := cluster(t, open).Input("apiServerAccessProfile"); ok {
		t.Error("public opt-in still sets authorized ranges")
	}
	if _, ok := open.Find(tIPPrefix, "livekit-media-ips"); ok {
		t.Error("public opt-in still creates the node IP prefix")
	}
	if _, ok := livekitPool(t, open).Input("nodePublicIPPrefixID"); ok {
		t.Error("public opt-in still takes node IPs from a prefix")
	}
}

// #17 item 14: the cluster and the resource group are protected, and the
// group carries a CanNotDelete lock (which covers every resource in it);
// protect: false drops all three.
func TestAzureDeletionSafety(t *testing.T) {
	p := asia(t)
	rg := one(t, p, tRG, "livekit")
	for _, r := range []*plan.Resource{cluster(t, p), rg} {
		if !r.Protect {
			t.Errorf("%s %s is not protected", r.Type, r.Name)
		}
	}
	lock := one(t, p, tLock, "livekit-nodelete")
	if got := str(t, lock, "lockLevel"); got != "CanNotDelete" {
		t.Errorf("lock level %q", got)
	}
	if got := str(t, lock, "scope"); got != rg.ID {
		t.Errorf("lock scope %s, want the resource group %s", got, rg.ID)
	}

	u := variantPlan(t, "unprotected")
	if cluster(t, u).Protect || one(t, u, tRG, "livekit").Protect {
		t.Error("protect: false still protects the cluster or the group")
	}
	if _, ok := u.Find(tLock, "livekit-nodelete"); ok {
		t.Error("protect: false keeps the lock")
	}
}

// The API server's allow-list is required: an empty list only with the
// explicit opt-in (then `lkinfra plan` warns), never both, never
// 0.0.0.0/0, and with a list at most 15 LiveKit nodes (the /28 node IP
// prefix, one address kept for the upgrade surge). Every problem names the
// key, the value and the fix.
func TestAKSAPIAccessConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  map[string]string
		key  string
		want []string
	}{
		{"empty without opt-in", map[string]string{"azureApiAuthorizedIpRanges": "[]"},
			"livekit-infra:azureApiAuthorizedIpRanges", []string{"[]", "must list the CIDRs", "livekit-infra:azureAllowPublicApi: true"}},
		{"list and opt-in", map[string]string{"azureAllowPublicApi": "true"},
			"livekit-infra:azureAllowPublicApi", []string{"true", "contradicts livekit-infra:azureApiAuthorizedIpRanges (203.0.113.0/24)"}},
		{"everywhere", map[string]string{"azureApiAuthorizedIpRanges": `["0.0.0.0/0"]`},
			"livekit-infra:azureApiAuthorizedIpRanges", []string{`"0.0.0.0/0"`, "admits every address", "azureAllowPublicApi: true"}},
		{"not a CIDR", map[string]string{"azureApiAuthorizedIpRanges": `["203.0.113.7/24"]`},
			"livekit-infra:azureApiAuthorizedIpRanges", []string{`"203.0.113.7/24"`, "without host bits"}},
		{"too many nodes for the prefix", map[string]string{"maxNodes": "16"},
			"livekit-infra:maxNodes", []string{"16", "at most 15", "/28 public IP prefix"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := stackconfig.Parse("azure-asia", stackconfig.Raw{Values: variantConfig(variant{Set: tc.set}).Config})
			var se *stackconfig.Error
			if !errors.As(err, &se) || len(se.Problems) != 1 || se.Problems[0].Key != tc.key {
				t.Fatalf("want one problem on %s, got %v", tc.key, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(se.Problems[0].String(), w) {
					t.Errorf("%q lacks %q", se.Problems[0], w)
				}
			}
		})
	}
	if _, err := stackconfig.Parse("azure-asia", stackconfig.Raw{Values: variantConfig(variant{Set: map[string]string{
		"azureApiAuthorizedIpRanges": "[]", "azureAllowPublicApi": "true", "maxNodes": "40"}}).Config}); err != nil {
		t.Errorf("the explicit opt-in: %v", err)
	}
	if w := stackconfig.ExposureWarnings(variantConfig(variants["sizing"]).Config); len(w) != 1 || w[0].Key != "livekit-infra:azureAllowPublicApi" ||
		!strings.Contains(w[0].Text, "AKS API server accepts connections from any address") {
		t.Errorf("opt-in warnings %v", w)
	}
	if w := stackconfig.ExposureWarnings(asiaStack.Config(nil).Config); len(w) != 0 {
		t.Errorf("azure-asia warns %v", w)
	}
}

// The Kubernetes provider's kubeconfig refuses static credentials: AKS's
// certificate kubeconfig of local accounts is an error, not a fallback.
func TestKubeloginKubeconfigRefusesStatic(t *testing.T) {
	static := `apiVersion: v1
kind: Config
users:
- name: clusterUser_livekit
  user:
    client-certificate-data: cGxhbi1jZXJ0
    client-key-data: cGxhbi1rZXk=
    token: t0ken
`
	if _, err := azurec.KubeloginKubeconfig(static, azurec.KubeloginLogin); err == nil || !strings.Contains(err.Error(), "local accounts") {
		t.Errorf("static kubeconfig: %v", err)
	}
	devicecode := `users:
- name: u
  user:
    exec:
      command: kubelogin
      args: [get-token, --server-id, abc, --client-id, def, --tenant-id, ghi, --login, devicecode]
`
	out, err := azurec.KubeloginKubeconfig(devicecode, "azurecli")
	if err != nil || !strings.Contains(out, "get-token, --server-id, abc, --login, azurecli") || strings.Contains(out, "devicecode") || strings.Contains(out, "def") {
		t.Errorf("rewritten: %v\n%s", err, out)
	}
}
