package azure_test

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/stacks/plan"
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
// Contributor on exactly the VNet, the resource group of the ingress IP and
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
		if ra.Name == "livekit-token-server" {
			continue // the token server's identity, not the cluster's: TestTokenServerKeyVault
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
	want := []string{tVnet + "/livekit", tRG + "/livekit", tASG + "/livekit-media"}
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
	if _, ok := c.Input("apiServerAccessProfile"); ok {
		t.Error("azure-asia sets no authorized IP ranges, yet the API server profile is set")
	}
	if got := strs(list(t, cluster(t, variantPlan(t, "sizing")), "apiServerAccessProfile.authorizedIPRanges")); len(got) != 1 || got[0] != "203.0.113.0/24" {
		t.Errorf("authorized IP ranges %v", got)
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
