package azure_test

import (
	"encoding/base64"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	azurestack "github.com/livekit-infra/livekit-infra/stacks/azure"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
)

// Resource types of the Container Instances platform.
const (
	tACIGroup    = "azure:containerservice/group:Group"
	tFirewall    = "azure:network/firewall:Firewall"
	tFWPolicy    = "azure:network/firewallPolicy:FirewallPolicy"
	tFWRules     = "azure:network/firewallPolicyRuleCollectionGroup:FirewallPolicyRuleCollectionGroup"
	tAppGateway  = "azure:network/applicationGateway:ApplicationGateway"
	aciGroups    = 3
	aciUDPBase   = 50000
	aciTCPBase   = 7881
	aciNodes     = "10.21.0.0/17"
	aciEndpoints = "10.21.128.0/20"
	aciGateway   = "10.21.144.0/20"
	aciFirewall  = "10.21.160.0/20"
	// aciEgressSubnet holds the Egress container groups (egress on).
	aciEgressSubnet = "10.21.176.0/20"
	aciCertID       = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/certificates/providers/Microsoft.KeyVault/vaults/lk-certs-example/secrets/azure-aci-example-com"
	aciCertURI      = "https://lk-certs-example.vault.azure.net/secrets/azure-aci-example-com"
)

// aciStack is Pulumi.azure-aci.yaml, evaluated once per test binary.
var aciStack = &planq.Stack{Dir: "../..", Name: "azure-aci", Program: azurestack.Program}

// aci is the plan of Pulumi.azure-aci.yaml as committed.
var aci = aciStack.Plan

// aciGroup returns container group i.
func aciGroup(t *testing.T, p *plan.Plan, i int) *plan.Resource {
	t.Helper()
	return one(t, p, tACIGroup, fmt.Sprintf("livekit-%d", i))
}

// groupIPs are the groups' private addresses, group i at index i.
func groupIPs(t *testing.T, p *plan.Plan) []string {
	t.Helper()
	ips := planq.AsStrings(t, "containerGroupIps", p.Outputs["containerGroupIps"])
	if len(ips) != aciGroups {
		t.Fatalf("containerGroupIps = %v, want %d", ips, aciGroups)
	}
	return ips
}

// The fixed capacity: N VNet-injected groups, nothing public, each pulling
// from the mirror by digest as the pull identity, sized from config.
func TestACIGroups(t *testing.T) {
	p := aci(t)
	var livekitGroups []string
	for _, g := range p.ByType(tACIGroup) {
		if within(p, &g, tMedia) {
			livekitGroups = append(livekitGroups, g.Name)
		}
	}
	if got := len(livekitGroups); got != aciGroups {
		t.Fatalf("%d LiveKit container groups (%v), want azureAciGroups = %d", got, livekitGroups, aciGroups)
	}
	if len(p.ByType(tCluster)) != 0 || len(p.ByType(tPool)) != 0 || len(p.ByType(tChart)) != 0 {
		t.Errorf("an ACI region declares AKS resources")
	}
	nodes := one(t, p, tSubnet, "livekit-nodes")
	pull := one(t, p, tIdentity, "livekit-pull")
	login := acrMirror(t, p)
	for i := 0; i < aciGroups; i++ {
		g := aciGroup(t, p, i)
		for path, want := range map[string]any{
			"ipAddressType": "Private", "osType": "Linux", "sku": "Standard", "restartPolicy": "Always",
			"subnetIds": nodes.ID, "identity.type": "UserAssigned",
			// LiveKit's share: the metrics agent takes the rest of the group.
			"containers[0].cpu": 3.75, "containers[0].memory": 7.5,
			"imageRegistryCredentials[0].server": login, "imageRegistryCredentials[0].userAssignedIdentityId": pull.ID,
		} {
			planq.Masked.Expect(t, g, path, want)
		}
		if _, ok := g.Input("dnsNameLabel"); ok {
			t.Errorf("group %d has a DNS name label: a VNet group cannot, and must not, be public", i)
		}
		if _, ok := g.Input("imageRegistryCredentials[0].password"); ok {
			t.Errorf("group %d pulls with a registry password; it must pull as its identity", i)
		}
		if ids := strs(list(t, g, "identity.identityIds")); !slices.Equal(ids, []string{pull.ID, one(t, p, tIdentity, "livekit-metrics").ID}) {
			t.Errorf("group %d identities %v, want only the pull and the metrics agent's identities", i, ids)
		}
		img := str(t, g, "containers[0].image")
		if !strings.HasPrefix(img, login+"/livekit/livekit-server:") || !strings.Contains(img, "@sha256:") {
			t.Errorf("group %d image %s, want the mirror (%s) by digest", i, img, login)
		}
		if z := strs(list(t, g, "zones")); !slices.Equal(z, []string{fmt.Sprint(i%3 + 1)}) {
			t.Errorf("group %d zones %v, want zone %d (round robin)", i, z, i%3+1)
		}
		// UDP mux port and ICE/TCP port per group, beside signaling.
		want := []string{"7880/TCP", fmt.Sprintf("%d/UDP", aciUDPBase+i), fmt.Sprintf("%d/TCP", aciTCPBase+i)}
		for _, field := range []string{"containers[0].ports", "exposedPorts"} {
			var got []string
			for j := range list(t, g, field) {
				got = append(got, fmt.Sprintf("%d/%s", num(t, g, fmt.Sprintf("%s[%d].port", field, j)), str(t, g, fmt.Sprintf("%s[%d].protocol", field, j))))
			}
			if !slices.Equal(got, want) {
				t.Errorf("group %d %s = %v, want %v", i, field, got, want)
			}
		}
		if _, ok := g.Input("containers[0].environmentVariables"); ok {
			t.Errorf("group %d sets plain environment variables; the config is a secret volume", i)
		}
	}
}

// Each group's config: a secret volume, rendered for that group (its own
// rtc.udp_port and rtc.tcp_port, node_ip the firewall's public IP, no
// STUN), and accepted by LiveKit's own parser.
func TestACIGroupConfigs(t *testing.T) {
	p := aci(t)
	mediaIP, _ := p.Outputs["mediaIp"].(string)
	if mediaIP == "" || mediaIP == p.Outputs["ingressIp"] {
		t.Fatalf("mediaIp %q must be set and differ from the signaling IP %v", mediaIP, p.Outputs["ingressIp"])
	}
	for i := 0; i < aciGroups; i++ {
		g := aciGroup(t, p, i)
		if str(t, g, "containers[0].volumes[0].mountPath") != "/etc/livekit" || !boolean(t, g, "containers[0].volumes[0].readOnly") {
			t.Errorf("group %d config volume not read-only at /etc/livekit", i)
		}
		if cmd := strs(list(t, g, "containers[0].commands")); !slices.Equal(cmd, []string{"/livekit-server", "--config", "/etc/livekit/config.yaml"}) {
			t.Errorf("group %d command %v", i, cmd)
		}
		enc := lkcheck.SecretInput(t, g, `containers[0].volumes[0].secret["config.yaml"]`)
		raw, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			t.Fatalf("group %d config is not base64 (ACI secret volumes take base64): %v", i, err)
		}
		doc := lkcheck.ParseConfig(t, string(raw))
		r := doc.RTC
		if r.UDPPort != aciUDPBase+i || r.TCPPort != aciTCPBase+i || r.NodeIP != mediaIP || r.UseExternalIP || r.PortRangeStart != 0 {
			t.Errorf("group %d rtc = %+v, want udp_port %d, tcp_port %d, node_ip %s, no STUN, no range", i, r, aciUDPBase+i, aciTCPBase+i, mediaIP)
		}
		if !strings.HasSuffix(doc.Redis.Address, ".redis.cache.windows.net:6380") || !doc.RedisTLS() {
			t.Errorf("group %d redis %s (TLS %t), want Azure Cache for Redis on 6380 over TLS", i, doc.Redis.Address, doc.RedisTLS())
		}
		checkACIGolden(t, i, string(raw))
	}
}

// Media: Azure Firewall DNATs each group's UDP mux port and ICE/TCP port,
// 1:1, from the media IP to that group; nothing else is forwarded.
func TestACIFirewallDNAT(t *testing.T) {
	p := aci(t)
	ips := groupIPs(t, p)
	mediaIP := p.Outputs["mediaIp"].(string)
	fw := one(t, p, tFirewall, "livekit-media")
	policy := one(t, p, tFWPolicy, "livekit-media")
	planq.Masked.Expect(t, fw, "skuTier", "Standard")
	planq.Masked.Expect(t, fw, "firewallPolicyId", policy.ID)
	planq.Masked.Expect(t, fw, "ipConfigurations[0].subnetId", one(t, p, tSubnet, "livekit-firewall").ID)
	planq.Masked.Expect(t, fw, "ipConfigurations[0].publicIpAddressId", one(t, p, tPIP, "livekit-media").ID)
	planq.Masked.Expect(t, one(t, p, tSubnet, "livekit-firewall"), "subnetName", "AzureFirewallSubnet")
	rcg := one(t, p, tFWRules, "livekit-media")
	planq.Masked.Expect(t, rcg, "firewallPolicyId", policy.ID)
	if n := len(list(t, rcg, "natRuleCollections")); n != 1 || str(t, rcg, "natRuleCollections[0].action") != "Dnat" {
		t.Fatalf("want one DNAT collection, got %d", n)
	}
	if _, ok := rcg.Input("networkRuleCollections"); ok {
		t.Errorf("network rules declared; only DNAT is intended")
	}
	var got []string
	for j := range list(t, rcg, "natRuleCollections[0].rules") {
		at := func(f string) string { return fmt.Sprintf("natRuleCollections[0].rules[%d].%s", j, f) }
		if dst := str(t, rcg, at("destinationAddress")); dst != mediaIP {
			t.Errorf("rule %d destination %s, want the media IP %s", j, dst, mediaIP)
		}
		if str(t, rcg, at("destinationPorts")) != fmt.Sprint(num(t, rcg, at("translatedPort"))) {
			t.Errorf("rule %d translates port %s to %d: ports must map 1:1 (LiveKit advertises its own)", j, str(t, rcg, at("destinationPorts")), num(t, rcg, at("translatedPort")))
		}
		got = append(got, fmt.Sprintf("%s %s -> %s:%d from %s", strings.Join(strs(list(t, rcg, at("protocols"))), ","),
			str(t, rcg, at("destinationPorts")), str(t, rcg, at("translatedAddress")), num(t, rcg, at("translatedPort")), strings.Join(strs(list(t, rcg, at("sourceAddresses"))), ",")))
	}
	var want []string
	for i, ip := range ips {
		want = append(want, fmt.Sprintf("UDP %d -> %s:%d from *", aciUDPBase+i, ip, aciUDPBase+i), fmt.Sprintf("TCP %d -> %s:%d from *", aciTCPBase+i, ip, aciTCPBase+i))
	}
	if !slices.Equal(got, want) {
		t.Errorf("DNAT rules:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// The subnets' rules: the groups admit only the firewall's subnet on their
// media ports and the gateway's on 7880; Redis admits only the groups'
// subnet; the gateway only 443 from the internet.
func TestACINetworkRules(t *testing.T) {
	p := aci(t)
	planq.Masked.Expect(t, one(t, p, tSubnet, "livekit-nodes"), "delegations[0].serviceName", "Microsoft.ContainerInstance/containerGroups")
	for sub, want := range map[string]string{"livekit-nodes": aciNodes, "livekit-endpoints": aciEndpoints, "livekit-gateway": aciGateway, "livekit-firewall": aciFirewall, "livekit-egress": aciEgressSubnet} {
		planq.Masked.Expect(t, one(t, p, tSubnet, sub), "addressPrefix", want)
	}
	if len(p.ByType(tASG)) != 0 {
		t.Errorf("an ACI network declares application security groups (container groups cannot join one)")
	}
	for nsg, want := range map[string][]string{
		"livekit-nodes": {
			"100 allow-media-udp-from-firewall Allow Udp from " + aciFirewall + " to " + aciNodes + ":50000-50002",
			"110 allow-ice-tcp-from-firewall Allow Tcp from " + aciFirewall + " to " + aciNodes + ":7881-7883",
			"130 allow-signaling-from-gateway Allow Tcp from " + aciGateway + " to " + aciNodes + ":7880",
			"4000 deny-vnet-inbound Deny * from VirtualNetwork to *:*",
			"4096 deny-internet-inbound Deny * from Internet to *:*",
		},
		"livekit-endpoints": {
			"100 allow-redis-tls-from-aci Allow Tcp from " + aciNodes + " to " + aciEndpoints + ":6380",
			// Egress takes its jobs over Redis (egress on).
			"101 allow-redis-tls-from-aci-egress Allow Tcp from " + aciEgressSubnet + " to " + aciEndpoints + ":6380",
			// Recordings over their private endpoint (recordingsPrivateLink).
			"110 allow-blob-https-from-nodes Allow Tcp from " + aciNodes + " to " + aciEndpoints + ":443",
			// Egress uploads through it.
			"111 allow-blob-https-from-aci-egress Allow Tcp from " + aciEgressSubnet + " to " + aciEndpoints + ":443",
			"4000 deny-vnet-inbound Deny * from VirtualNetwork to *:*",
			"4096 deny-internet-inbound Deny * from Internet to *:*",
		},
		"livekit-gateway": {
			"100 allow-gateway-manager Allow Tcp from GatewayManager to *:65200-65535",
			"110 allow-azure-load-balancer Allow * from AzureLoadBalancer to *:*",
			"130 allow-signaling-https Allow Tcp from Internet to " + aciGateway + ":443",
			"4096 deny-internet-inbound Deny * from Internet to *:*",
		},
	} {
		var got []string
		for _, r := range rules(t, p, one(t, p, tNSG, nsg)) {
			got = append(got, r.String())
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s rules:\n  %s\nwant:\n  %s", nsg, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	}
}

// Signaling: Application Gateway v2 on 443 only, TLS 1.2+ by a predefined
// policy, the certificate read from Key Vault (versionless) by an identity
// that may read that one secret, every group in the pool, probed GET /
// expecting 200 on 7880.
func TestACIGateway(t *testing.T) {
	p := aci(t)
	gw := one(t, p, tAppGateway, "livekit-signaling")
	gwID := one(t, p, tIdentity, "livekit-gateway")
	for path, want := range map[string]any{
		"sku.name": "Standard_v2", "sku.tier": "Standard_v2",
		"sslPolicy.policyType": "Predefined", "sslPolicy.policyName": "AppGwSslPolicy20220101S",
		"sslCertificates[0].keyVaultSecretId":           aciCertURI,
		"identity.type":                                 "UserAssigned",
		"gatewayIpConfigurations[0].subnetId":           one(t, p, tSubnet, "livekit-gateway").ID,
		"frontendIpConfigurations[0].publicIpAddressId": one(t, p, tPIP, "livekit-ingress").ID,
		"frontendPorts[0].port":                         443,
		"httpListeners[0].protocol":                     "Https",
		"probes[0].protocol":                            "Http", "probes[0].path": "/", "probes[0].port": 7880,
		"backendHttpSettings[0].port": 7880, "backendHttpSettings[0].protocol": "Http",
		"backendHttpSettings[0].probeName": "livekit-health",
	} {
		planq.Masked.Expect(t, gw, path, want)
	}
	if n := len(list(t, gw, "frontendPorts")); n != 1 {
		t.Errorf("%d frontend ports, want 443 only", n)
	}
	if _, ok := gw.Input("sslCertificates[0].data"); ok {
		t.Errorf("the certificate is inlined; it must come from Key Vault")
	}
	if codes := strs(list(t, gw, "probes[0].match.statusCodes")); !slices.Equal(codes, []string{"200"}) {
		t.Errorf("probe accepts %v, want 200 only (406: the node lost Redis)", codes)
	}
	if ids := strs(list(t, gw, "identity.identityIds")); !slices.Equal(ids, []string{gwID.ID}) {
		t.Errorf("gateway identities %v", ids)
	}
	if hosts := strs(list(t, gw, "httpListeners[0].hostNames")); !slices.Equal(hosts, []string{"azure-aci.example.com", "livekit.example.com"}) {
		t.Errorf("listener hosts %v", hosts)
	}
	if pool := strs(list(t, gw, "backendAddressPools[0].ipAddresses")); !slices.Equal(pool, groupIPs(t, p)) {
		t.Errorf("backend pool %v, want every group %v", pool, groupIPs(t, p))
	}
	grant := one(t, p, tAssignment, "livekit-gateway-certificate")
	if grant.InputString("scope") != aciCertID || grant.InputString("roleDefinitionName") != "Key Vault Secrets User" {
		t.Errorf("gateway grant %s on %s, want Key Vault Secrets User on the certificate's secret only", grant.InputString("roleDefinitionName"), grant.InputString("scope"))
	}
	if !slices.Contains(grant.Dependencies, gwID.URN) {
		t.Errorf("the certificate grant is not for the gateway identity (depends on %v)", grant.Dependencies)
	}
	dns := one(t, p, tRecord, "livekit-dns")
	if recs := strs(list(t, dns, "records")); str(t, dns, "name") != "azure-aci.example.com" || !slices.Equal(recs, []string{p.Outputs["ingressIp"].(string)}) {
		t.Errorf("signaling record %s -> %v, want azure-aci.example.com -> the gateway's IP", str(t, dns, "name"), recs)
	}
}

// The pull identity holds AcrPull on the mirror registry and nothing else.
func TestACIAcrPullScope(t *testing.T) {
	p := aci(t)
	reg := one(t, p, tRegistry, "livekit-mirror")
	pull := one(t, p, tIdentity, "livekit-pull")
	var grants []string
	for _, a := range p.ByType(tAssignment) {
		grants = append(grants, a.Name+": "+a.InputString("roleDefinitionName")+" on "+a.InputString("scope"))
		if a.Name == "livekit-mirror-aci" && !slices.Contains(a.Dependencies, pull.URN) {
			t.Errorf("AcrPull is not granted to the pull identity (depends on %v)", a.Dependencies)
		}
	}
	// Every role assignment of the region: AcrPull on the registry alone
	// (for the LiveKit groups and for the Egress groups, each their own
	// identity), the gateway's read of one Key Vault secret, and the
	// metrics agents' writes (beside LiveKit and beside Egress, each their
	// own identity) through the one data collection rule.
	want := []string{"livekit-mirror-aci: AcrPull on " + reg.ID, "livekit-mirror-aci-egress: AcrPull on " + reg.ID,
		"livekit-gateway-certificate: Key Vault Secrets User on " + aciCertID,
		"livekit-metrics-publisher: Monitoring Metrics Publisher on " + p.ByType(tDCR)[0].ID,
		"livekit-egress-metrics-publisher: Monitoring Metrics Publisher on " + p.ByType(tDCR)[0].ID}
	slices.Sort(grants)
	slices.Sort(want)
	if !slices.Equal(grants, want) {
		t.Errorf("role assignments %v, want %v", grants, want)
	}
}

// checkACIGolden compares group i's rendered config with its golden file
// (tests/config parses every one with LiveKit's parser and tests/e2e boots
// real nodes from them); -update-rendered rewrites it.
func checkACIGolden(t *testing.T, i int, body string) {
	t.Helper()
	path := filepath.Join("..", "config", "testdata", "rendered-aci", fmt.Sprintf("azure-aci.group-%d.yaml", i))
	lkcheck.Golden(t, path, body, "go test ./tests/azure -run ACIGroupConfigs -update-rendered")
}
