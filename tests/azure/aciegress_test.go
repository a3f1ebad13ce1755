package azure_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	azurec "github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/egresskeys"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
)

const (
	tNATGateway = "azure-native:network:NatGateway"
	// The Egress groups' config variable (Egress's EGRESS_CONFIG_BODY).
	aciEgressConfig = `containers[0].secureEnvironmentVariables["EGRESS_CONFIG_BODY"]`
)

// aciEgressGroups are the Egress component's container groups.
func aciEgressGroups(t *testing.T, p *plan.Plan) []plan.Resource {
	t.Helper()
	var out []plan.Resource
	for _, g := range p.ByType(tACIGroup) {
		if within(p, &g, tEgress) {
			out = append(out, g)
		}
	}
	return out
}

// #22 on Container Instances: azure-aci runs Egress by default (egress
// auto), as one fixed 4-vCPU/8-GB container group (azureAciEgressGroups;
// ACI does not autoscale): VNet-injected in its own subnet with a private
// IP only, no DNS label, the image pulled from the ACR mirror by digest as
// its own identity, health its only port (the metrics agent beside it
// scrapes over the group's loopback: TestACIEgressMetricsAgent), no probe
// (ACI has none for a VNet group).
func TestACIEgressGroups(t *testing.T) {
	p := aci(t)
	if n := len(p.ByType(tEgress)); n != 1 {
		t.Fatalf("azure-aci declares %d Egress, want 1 (egress auto)", n)
	}
	groups := aciEgressGroups(t, p)
	if len(groups) != 1 || groups[0].Name != "livekit-egress-0" {
		t.Fatalf("Egress groups %v, want livekit-egress-0 (azureAciEgressGroups 1)", names(groups))
	}
	subnet := one(t, p, tSubnet, "livekit-egress")
	pull := one(t, p, tIdentity, "livekit-egress-pull")
	login := acrMirror(t, p)
	g := &groups[0]
	for path, want := range map[string]any{
		"ipAddressType": "Private", "osType": "Linux", "sku": "Standard", "restartPolicy": "Always",
		"subnetIds": subnet.ID, "identity.type": "UserAssigned",
		// Egress's request is the group's 4 vCPU / 8 GB less the metrics
		// agent's share; its CPU limit is the whole group.
		"containers[0].cpu": 4 - azurec.ACIAgentCPU, "containers[0].cpuLimit": 4, "containers[0].memory": 8 - azurec.ACIAgentMemoryGB,
		"imageRegistryCredentials[0].server": login, "imageRegistryCredentials[0].userAssignedIdentityId": pull.ID,
		"zones[0]": "1",
	} {
		planq.Masked.Expect(t, g, path, want)
	}
	if ids := strs(list(t, g, "identity.identityIds")); !slices.Equal(ids, []string{pull.ID, one(t, p, tIdentity, "livekit-egress-metrics").ID}) {
		t.Errorf("Egress group identities %v, want its own pull and metrics identities only", ids)
	}
	for _, field := range []string{"dnsNameLabel", "imageRegistryCredentials[0].password", "containers[0].environmentVariables", "containers[0].commands"} {
		if _, ok := g.Input(field); ok {
			t.Errorf("Egress group sets %s (public name, registry password, plain env or a replaced entrypoint)", field)
		}
	}
	img := str(t, g, "containers[0].image")
	if want := "/livekit/egress:" + livekit.EgressVersion + "@" + livekit.EgressImageDigest; !strings.HasPrefix(img, login+"/") || !strings.HasSuffix(img, want) {
		t.Errorf("Egress image %s, want %s%s (the mirror, by digest)", img, login, want)
	}
	want := []string{fmt.Sprintf("%d/TCP", livekit.EgressHealthPort)}
	for _, field := range []string{"containers[0].ports", "exposedPorts"} {
		var got []string
		for j := range list(t, g, field) {
			got = append(got, fmt.Sprintf("%d/%s", num(t, g, fmt.Sprintf("%s[%d].port", field, j)), str(t, g, fmt.Sprintf("%s[%d].protocol", field, j))))
		}
		if !slices.Equal(got, want) {
			t.Errorf("Egress %s = %v, want health only %v", field, got, want)
		}
	}
	// ACI refuses probes on a VNet group: the health port is for a scraper.
	for _, probe := range []string{"containers[0].livenessProbe", "containers[0].readinessProbe"} {
		if _, ok := g.Input(probe); ok {
			t.Errorf("Egress group sets %s, which ACI refuses in a virtual network", probe)
		}
	}
	// AcrPull on the mirror, for the Egress identity.
	grant := one(t, p, tAssignment, "livekit-mirror-aci-egress")
	if grant.InputString("roleDefinitionName") != "AcrPull" || grant.InputString("scope") != one(t, p, tRegistry, "livekit-mirror").ID || !slices.Contains(grant.Dependencies, pull.URN) {
		t.Errorf("Egress pull grant %s on %s (depends on %v), want AcrPull on the mirror for livekit-egress-pull",
			grant.InputString("roleDefinitionName"), grant.InputString("scope"), grant.Dependencies)
	}
	if ips := planq.AsStrings(t, "egressGroupIps", p.Outputs["egressGroupIps"]); len(ips) != 1 || fmt.Sprint(p.Outputs["egressGroups"]) != "1" {
		t.Errorf("outputs egressGroups %v, egressGroupIps %v", p.Outputs["egressGroups"], ips)
	}
}

// The config is a Pulumi secret in a secure environment variable (never a
// plain one), rendered by the renderer every cloud uses, whose keys all
// belong to Egress v1.14.1: the region's Redis through its private
// endpoint over TLS with its key, the region's URL, Azure Blob with the
// recordings account's key and container; and the account accepts shared
// keys because Egress runs.
func TestACIEgressConfigSecret(t *testing.T) {
	p := aci(t)
	g := &aciEgressGroups(t, p)[0]
	body := lkcheck.SecretInput(t, g, aciEgressConfig)
	c := egresskeys.Read(t, body)
	redisHost, _ := p.Outputs["redisHost"].(string)
	if c.WSURL != "wss://azure-aci.example.com" || c.Redis.Address != redisHost+":6380" || c.Redis.Password == "" {
		t.Errorf("ws_url %q, redis %q: want the region's URL and its Azure Cache for Redis (%s) on the TLS port with its key", c.WSURL, c.Redis.Address, redisHost)
	}
	if !c.Redis.TLS.Enabled || c.Redis.TLS.CACertFile != "" {
		t.Errorf("redis.tls = %v, want enabled with the system roots", c.Redis.TLS)
	}
	if c.HealthPort != livekit.EgressHealthPort || c.PrometheusPort != livekit.EgressPrometheusPort {
		t.Errorf("health_port %d, prometheus_port %d: the ports the group exposes", c.HealthPort, c.PrometheusPort)
	}
	acct := one(t, p, tAccount, "livekit-recordings")
	az := c.Storage["azure"]
	if len(c.Storage) != 1 || az["account_name"] != str(t, acct, "accountName") || az["account_key"] != plan.FakeStorageAccountKey || az["container_name"] != "recordings" {
		t.Errorf("storage = %v, want exactly the recordings account %s, its key and container", c.Storage, str(t, acct, "accountName"))
	}
	if !boolean(t, acct, "allowSharedKeyAccess") {
		t.Error("Egress runs but the account refuses shared keys: it cannot upload")
	}
	for _, s := range []string{plan.FakeStorageAccountKey, c.Redis.Password} {
		if strings.Contains(planq.JSONOf(t, p.Outputs), s) {
			t.Error("a stack output carries the storage account key or the Redis key")
		}
	}
}

// Egress reaches Redis and the blob endpoint and nothing reaches Egress
// from the internet: its subnet (delegated to container groups, out
// through the NAT gateway it shares with the LiveKit groups' subnet:
// TestACIOutbound) admits only the health port from inside the
// VNet; no DNAT rule or gateway pool leads to an Egress group.
func TestACIEgressNetwork(t *testing.T) {
	p := aci(t)
	sub := one(t, p, tSubnet, "livekit-egress")
	nat := one(t, p, tNATGateway, "livekit-nat")
	nsg := one(t, p, tNSG, "livekit-egress")
	for path, want := range map[string]any{
		"addressPrefix": aciEgressSubnet, "delegations[0].serviceName": "Microsoft.ContainerInstance/containerGroups",
		"natGateway.id": nat.ID, "networkSecurityGroup.id": nsg.ID,
	} {
		planq.Masked.Expect(t, sub, path, want)
	}
	planq.Masked.Expect(t, nat, "publicIpAddresses[0].id", one(t, p, tPIP, "livekit-nat").ID)
	var got []string
	for _, r := range rules(t, p, nsg) {
		got = append(got, r.String())
	}
	want := []string{
		"100 allow-egress-health-from-vnet Allow Tcp from 10.21.0.0/16 to " + aciEgressSubnet + ":8080",
		"4000 deny-vnet-inbound Deny * from VirtualNetwork to *:*",
		"4096 deny-internet-inbound Deny * from Internet to *:*",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Egress subnet rules:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	// Redis and the blob endpoint admit the Egress subnet (TestACINetworkRules
	// holds the endpoint subnet's whole list).
	var endpointRules []string
	for _, r := range rules(t, p, one(t, p, tNSG, "livekit-endpoints")) {
		if r.source == aciEgressSubnet && r.access == "Allow" {
			endpointRules = append(endpointRules, r.ports)
		}
	}
	if !slices.Equal(endpointRules, []string{"6380", "443"}) {
		t.Errorf("the endpoint subnet admits the Egress subnet on %v, want Redis's TLS port and the blob endpoint's 443", endpointRules)
	}
	ips := planq.AsStrings(t, "egressGroupIps", p.Outputs["egressGroupIps"])
	rcg := one(t, p, tFWRules, "livekit-media")
	for j := range list(t, rcg, "natRuleCollections[0].rules") {
		if dst := str(t, rcg, fmt.Sprintf("natRuleCollections[0].rules[%d].translatedAddress", j)); slices.Contains(ips, dst) {
			t.Errorf("DNAT rule %d forwards the internet to an Egress group (%s)", j, dst)
		}
	}
	for _, ip := range strs(list(t, one(t, p, tAppGateway, "livekit-signaling"), "backendAddressPools[0].ipAddresses")) {
		if slices.Contains(ips, ip) {
			t.Errorf("the signaling gateway sends traffic to an Egress group (%s)", ip)
		}
	}
}

// egress false: no Egress groups or subnet (the NAT gateway stays for the
// LiveKit groups: TestACIOutboundWithoutEgress), and the account refuses
// shared keys again (they serve Egress only).
func TestACIEgressOff(t *testing.T) {
	p, err := aciStack.With(map[string]string{"egress": "false"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(p.ByType(tEgress)) + len(aciEgressGroups(t, p)); n != 0 {
		t.Errorf("egress false still declares %d Egress resources", n)
	}
	for _, s := range p.ByType(tSubnet) {
		if s.Name == "livekit-egress" {
			t.Error("egress false still declares the Egress subnet")
		}
	}
	if boolean(t, one(t, p, tAccount, "livekit-recordings"), "allowSharedKeyAccess") {
		t.Error("egress false leaves shared keys on")
	}
	if _, ok := p.Outputs["egressGroupIps"]; ok {
		t.Error("egress false still outputs Egress group IPs")
	}
}

// Two groups: two workers, round robin over the zones; bad sizes are
// refused naming the key.
func TestACIEgressCountAndSizes(t *testing.T) {
	p, err := aciStack.With(map[string]string{"azureAciEgressGroups": "2", "azureAciEgressMemoryGb": "16"})
	if err != nil {
		t.Fatal(err)
	}
	groups := aciEgressGroups(t, p)
	if len(groups) != 2 {
		t.Fatalf("azureAciEgressGroups 2 declares %v", names(groups))
	}
	for i, g := range groups {
		planq.Masked.Expect(t, &g, "zones[0]", fmt.Sprint(i%3+1))
		planq.Masked.Expect(t, &g, "containers[0].memory", 16-azurec.ACIAgentMemoryGB)
	}
	for k, v := range map[string]string{"azureAciEgressCpu": "2", "azureAciEgressMemoryGb": "32"} {
		_, err := aciStack.With(map[string]string{k: v})
		if err == nil || !strings.Contains(err.Error(), planq.Key(k)) {
			t.Errorf("%s %s accepted or not named: %v", k, v, err)
		}
	}
}
