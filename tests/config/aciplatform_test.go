package config

import (
	"maps"
	"net/netip"
	"slices"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
)

// committedRaw is a committed stack's config as lkinfra loads it (with
// Pulumi.yaml's defaults), with set applied.
func committedRaw(t *testing.T, stack string, set map[string]string) stackconfig.Raw {
	t.Helper()
	_, raw := lkcheck.StackRaw(t, "../..", stack)
	values := maps.Clone(raw.Values)
	maps.Copy(values, set)
	raw.Values = values
	return raw
}

// azurePlatform aci: the committed example parses into a fixed capacity,
// and bad input is refused before any resource, naming the key.
func TestACIPlatformConfig(t *testing.T) {
	t.Run("azure-aci parses", func(t *testing.T) {
		s, err := stackconfig.Parse("azure-aci", committedRaw(t, "azure-aci", nil))
		if err != nil {
			t.Fatal(err)
		}
		a, r := s.Azure, s.Region
		if a.Platform != stackconfig.AzurePlatformACI || a.ACI == nil || a.ACI.Groups != 3 || a.ACI.CPU != 4 || a.ACI.MemoryGB != 8 {
			t.Fatalf("ACI settings = %+v (platform %q)", a.ACI, a.Platform)
		}
		if r.Scaling.Min != 3 || r.Scaling.Max != 3 {
			t.Errorf("scaling %d-%d, want the fixed 3 groups", r.Scaling.Min, r.Scaling.Max)
		}
		if r.TURNTLS || r.TURNUDPPort != 0 {
			t.Errorf("TURN/TLS %t, TURN/UDP %d: neither is built on ACI", r.TURNTLS, r.TURNUDPPort)
		}
		// Egress on by default, a fixed count of 4-vCPU groups in a subnet
		// of its own.
		if e := r.Egress; !e.Enabled || e.ACI == nil || e.ACI.Groups != 1 || e.ACI.CPU != 4 || e.ACI.MemoryGB != 8 || e.Min != 1 || e.Max != 1 || !a.SharedKeyAccess(e) {
			t.Errorf("Egress %+v (ACI %+v): want on, one 4-vCPU/8-GB group, shared keys on", e, e.ACI)
		}
		for _, o := range []netip.Prefix{a.NodeSubnet(), a.EndpointSubnet(), a.GatewaySubnet(), a.FirewallSubnet()} {
			if a.EgressSubnet().Overlaps(o) || !a.VnetCIDR.Contains(a.EgressSubnet().Addr()) {
				t.Errorf("Egress subnet %s overlaps %s or leaves the VNet %s", a.EgressSubnet(), o, a.VnetCIDR)
			}
		}
		for i, want := range [][2]int{{50000, 7881}, {50001, 7882}, {50002, 7883}} {
			if udp, tcp := a.ACI.GroupPorts(r.Media, i); udp != want[0] || tcp != want[1] {
				t.Errorf("group %d ports udp %d tcp %d, want %v", i, udp, tcp, want)
			}
		}
		if got, want := a.ACI.CertificateSecretURI(), "https://lk-certs-example.vault.azure.net/secrets/azure-aci-example-com"; got != want {
			t.Errorf("certificate URI %s, want %s", got, want)
		}
		if a.FirewallSubnet().Bits() > 26 || a.GatewaySubnet().Overlaps(a.FirewallSubnet()) || a.GatewaySubnet().Overlaps(a.EndpointSubnet()) ||
			a.FirewallSubnet().Overlaps(a.NodeSubnet()) {
			t.Errorf("subnets overlap or the firewall's is below /26: nodes %s endpoints %s gateway %s firewall %s",
				a.NodeSubnet(), a.EndpointSubnet(), a.GatewaySubnet(), a.FirewallSubnet())
		}
	})
	for _, tc := range []struct {
		name, stack string
		set         map[string]string
		key         string
		want        []string
	}{
		{"zero groups", "azure-aci", map[string]string{ns + "azureAciGroups": "0"},
			ns + "azureAciGroups", []string{`"0"`, "from 1 to 50"}},
		{"cpu above ACI's group limit", "azure-aci", map[string]string{ns + "azureAciCpu": "8"},
			ns + "azureAciCpu", []string{`"8"`, "from 1 to 4"}},
		{"memory above ACI's group limit", "azure-aci", map[string]string{ns + "azureAciMemoryGb": "32"},
			ns + "azureAciMemoryGb", []string{`"32"`, "from 1 to 16"}},
		{"certificate not a Key Vault secret", "azure-aci", map[string]string{ns + "azureAciCertificateSecretId": "https://kv.vault.azure.net/secrets/x"},
			ns + "azureAciCertificateSecretId", []string{"Key Vault secret's resource ID"}},
		{"certificate missing", "azure-aci", map[string]string{ns + "azureAciCertificateSecretId": ""},
			ns + "azureAciCertificateSecretId", []string{"(not set)", "required for azurePlatform aci"}},
		{"a port range on aci", "azure-aci", map[string]string{ns + "mediaUdpPorts": "50000-60000"},
			ns + "mediaUdpPorts", []string{`"50000-60000"`, "one muxed UDP port"}},
		{"ICE/TCP ports over signaling", "azure-aci", map[string]string{ns + "azureAciTcpPortBase": "7879"},
			ns + "azureAciTcpPortBase", []string{"7879-7881", "7880 (signaling)"}},
		{"autoscaling bounds on aci", "azure-aci", map[string]string{ns + "maxNodes": "20"},
			ns + "maxNodes", []string{`"20"`, "azureAciGroups"}},
		{"TURN on aci", "azure-aci", map[string]string{ns + "turnUdpPort": "3478"},
			ns + "turnUdpPort", []string{"3478", "must be 0"}},
		{"egress cpu below LiveKit's recommendation", "azure-aci", map[string]string{ns + "azureAciEgressCpu": "2"},
			ns + "azureAciEgressCpu", []string{"2", "LiveKit recommends at least 4 CPUs"}},
		{"egress cpu above ACI's group limit", "azure-aci", map[string]string{ns + "azureAciEgressCpu": "8"},
			ns + "azureAciEgressCpu", []string{"8", "at most 4 vCPU and 16 GB"}},
		{"egress memory below LiveKit's recommendation", "azure-aci", map[string]string{ns + "azureAciEgressMemoryGb": "2"},
			ns + "azureAciEgressMemoryGb", []string{"2", "at least 4 GB"}},
		{"egress memory that leaves Egress under 4 GB beside the metrics agent", "azure-aci", map[string]string{ns + "azureAciEgressMemoryGb": "4"},
			ns + "azureAciEgressMemoryGb", []string{"= 4", "must be 5-16", "metrics agent takes 0.5 GB"}},
		{"egress memory above ACI's group limit", "azure-aci", map[string]string{ns + "azureAciEgressMemoryGb": "32"},
			ns + "azureAciEgressMemoryGb", []string{"32", "at most 4 vCPU and 16 GB"}},
		{"no egress group", "azure-aci", map[string]string{ns + "azureAciEgressGroups": "0"},
			ns + "azureAciEgressGroups", []string{`"0"`, "from 1 to 20"}},
		{"more egress groups than the bound", "azure-aci", map[string]string{ns + "azureAciEgressGroups": "21"},
			ns + "azureAciEgressGroups", []string{`"21"`, "from 1 to 20"}},
		{"egress autoscaling bounds on aci", "azure-aci", map[string]string{ns + "egressMaxInstances": "8"},
			ns + "egressMaxInstances", []string{`"8"`, "livekit-infra:azurePlatform aks stacks", "this livekit-infra:azurePlatform aci stack"}},
		{"an AKS Egress key on an aci stack", "azure-aci", map[string]string{ns + "egressPodCpu": "8"},
			ns + "egressPodCpu", []string{`"8"`, "livekit-infra:azurePlatform aks stacks"}},
		{"an ACI Egress key on an aks stack", "azure-asia", map[string]string{ns + "azureAciEgressGroups": "2"},
			ns + "azureAciEgressGroups", []string{`"2"`, "livekit-infra:azurePlatform aci stacks"}},
		{"egress without a writable bucket on aci", "azure-aci", map[string]string{ns + "egress": "true", ns + "azureRecordingsSharedKey": "false"},
			ns + "egress", []string{"azureRecordingsSharedKey", "account key"}},
		{"a bad digest", "azure-aci", map[string]string{ns + "image": "livekit/livekit-server:v1.13.5@sha256:1234"},
			ns + "image", []string{"sha256"}},
		{"an AKS key on an aci stack", "azure-aci", map[string]string{ns + "azureVmSize": "Standard_D8s_v3"},
			ns + "azureVmSize", []string{`"Standard_D8s_v3"`, "livekit-infra:azurePlatform aks stacks", "this livekit-infra:azurePlatform aci stack"}},
		{"an ACI key on an aks stack", "azure-asia", map[string]string{ns + "azureAciGroups": "4"},
			ns + "azureAciGroups", []string{`"4"`, "livekit-infra:azurePlatform aci stacks", "this livekit-infra:azurePlatform aks stack"}},
		{"unknown platform", "azure-asia", map[string]string{ns + "azurePlatform": "functions"},
			ns + "azurePlatform", []string{`"functions"`, "aks, aci"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := stackconfig.Parse(tc.stack, committedRaw(t, tc.stack, tc.set))
			wantOneProblem(t, err, tc.key, tc.want)
		})
	}
}

// Every bad ACI Egress key at once: one problem per key, each naming it
// (no early return after the first), and none when Egress is off (the
// sizes then size nothing).
func TestACIEgressKeysAllAtOnce(t *testing.T) {
	const ns = "livekit-infra:"
	bad := map[string]string{ns + "azureAciEgressGroups": "0", ns + "azureAciEgressCpu": "2", ns + "azureAciEgressMemoryGb": "3",
		ns + "egress": "true", ns + "azureRecordingsSharedKey": "false"}
	_, err := stackconfig.Parse("azure-aci", committedRaw(t, "azure-aci", bad))
	if err == nil {
		t.Fatal("accepted")
	}
	var keys []string
	for _, p := range problems(t, err) {
		keys = append(keys, p.Key)
	}
	slices.Sort(keys)
	want := []string{ns + "azureAciEgressCpu", ns + "azureAciEgressGroups", ns + "azureAciEgressMemoryGb", ns + "egress"}
	if !slices.Equal(keys, want) {
		t.Errorf("problems name %v, want one for each of %v:\n%v", keys, want, err)
	}
	off := map[string]string{ns + "egress": "false", ns + "azureAciEgressCpu": "2", ns + "azureAciEgressMemoryGb": "3"}
	if _, err := stackconfig.Parse("azure-aci", committedRaw(t, "azure-aci", off)); err != nil {
		t.Errorf("small Egress sizes refused with egress false: %v", err)
	}
}
