package azure_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
)

func TestOutputs(t *testing.T) {
	p := asia(t)
	// The outputs every region shares: TestSharedOutputs (regionout).
	want := map[string]any{
		"region":              asiaLocation,
		"globalHostname":      asiaGlobal,
		"livekitVersion":      "v1.13.5",
		"minNodes":            3,
		"maxNodes":            10,
		"mediaUdpPorts":       asiaMedia,
		"recordingsContainer": "recordings",
		"kubernetesVersion":   asiaK8s,
		"drainTimeoutSeconds": 18000,
	}
	for k, v := range want {
		if got := p.Outputs[k]; got != v {
			t.Errorf("output %s = %v, want %v", k, got, v)
		}
	}
	for _, k := range []string{"ingressIp", "redisHost", "redisEndpoint", "recordingsAccount", "aksCluster", "resourceGroup"} {
		if s, _ := p.Outputs[k].(string); s == "" || p.OutputIsSecret(k) {
			t.Errorf("output %s = %v (secret %v), want a plain value", k, p.Outputs[k], p.OutputIsSecret(k))
		}
	}
	if !strings.HasSuffix(p.Outputs["redisEndpoint"].(string), ":6380") {
		t.Errorf("redisEndpoint %v, want the TLS port", p.Outputs["redisEndpoint"])
	}
	// Token servers read Key Vault, operators use az aks get-credentials:
	// no secret (API key, kubeconfig) is a stack output.
	if got := p.SecretOutputs; len(got) != 0 {
		t.Errorf("secret outputs %v, want none", got)
	}
}

// No secret value (API secret, Redis key, kubeconfig) appears anywhere in
// the plan's plain view, and user-supplied secrets stay secret too.
func TestSecretsStaySecret(t *testing.T) {
	for _, name := range []string{"", "userSecrets"} {
		t.Run(fmt.Sprintf("variant=%q", name), func(t *testing.T) {
			p := asia(t)
			if name != "" {
				p = variantPlan(t, name)
			}
			secrets := map[string]string{}
			for _, k := range p.SecretOutputs {
				if s, ok := p.RawOutputs[k].(string); ok && len(s) > 8 {
					secrets["output "+k] = s
				}
			}
			body, _ := livekitConfig(t, p)
			secrets["rendered config"] = body
			secrets["redis password"] = lkcheck.ParseConfig(t, body).Redis.Password
			if name == "userSecrets" {
				secrets["user api secret"] = userAPISecret
				if !strings.Contains(body, userAPIKey+": "+userAPISecret) {
					t.Errorf("user-supplied key not in the rendered config")
				}
			}
			planq.NoPlainSecrets(t, p, secrets)
		})
	}
}

// The Azure keys' errors name the key, the value and what is allowed, all
// at once.
func TestAzureConfigErrors(t *testing.T) {
	bad := variant{Set: map[string]string{
		"azureVnetCidr":          "10.20.0.0/24",
		"azureServiceCidr":       "8.8.0.0/16",
		"azureKubernetesVersion": "latest",
		"azureRedisSku":          "Premium",
		"azureRedisFamily":       "C",
		"azureAvailabilityZones": `["1","4"]`,
		"azureDrainSeconds":      "30",
		"azurePodCpu":            "three",
		"logRetentionDays":       "7",
		"azureVmSize":            "D4s_v3",
	}}
	sc := variantConfig(bad)
	sc.Config["azure-native:location"] = "South East Asia"
	_, err := stackconfig.Parse("azure-asia", stackconfig.Raw{Values: sc.Config, Secret: map[string]bool{}})
	var se *stackconfig.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v, want *stackconfig.Error", err)
	}
	wantKeys := []string{
		"livekit-infra:azureVnetCidr", "livekit-infra:azureServiceCidr", "livekit-infra:azureKubernetesVersion",
		"livekit-infra:azureRedisFamily", "livekit-infra:azureAvailabilityZones", "livekit-infra:azureDrainSeconds",
		"livekit-infra:azurePodCpu", "livekit-infra:logRetentionDays", "livekit-infra:azureVmSize", "azure-native:location",
	}
	got := map[string]string{}
	for _, pr := range se.Problems {
		got[pr.Key] += pr.Value + ": " + pr.Allowed + "; "
	}
	for _, k := range wantKeys {
		if got[k] == "" {
			t.Errorf("no problem reported for %s; problems: %v", k, se.Problems)
		}
	}
	if !strings.Contains(got["azure-native:location"], `"South East Asia"`) || !strings.Contains(got["livekit-infra:azureRedisFamily"], "P for azureRedisSku Premium") {
		t.Errorf("messages do not name the value and the fix: %v", got)
	}

	// The service range must not overlap the VNet.
	overlap := variantConfig(variant{Set: map[string]string{"azureServiceCidr": "10.20.128.0/20"}})
	_, err = stackconfig.Parse("azure-asia", stackconfig.Raw{Values: overlap.Config})
	if !errors.As(err, &se) || len(se.Problems) != 1 || se.Problems[0].Key != "livekit-infra:azureServiceCidr" ||
		!strings.Contains(se.Problems[0].Allowed, "must not overlap azureVnetCidr 10.20.0.0/16") {
		t.Errorf("an overlapping service CIDR: %v", err)
	}

	// With Azure CNI Overlay every node takes a /24 of the pod CIDR
	// (learn.microsoft.com/azure/aks/azure-cni-overlay, "IP address
	// planning"): a /20 holds 16 nodes, fewer than 20 LiveKit nodes plus the
	// system pool and the upgrade surge.
	small := variantConfig(variant{Set: map[string]string{"azurePodCidr": "10.244.0.0/20", "maxNodes": "20", "azureApiAuthorizedIpRanges": "[]", "azureAllowPublicApi": "true"}})
	_, err = stackconfig.Parse("azure-asia", stackconfig.Raw{Values: small.Config})
	if !errors.As(err, &se) || len(se.Problems) != 1 || se.Problems[0].Key != "livekit-infra:azurePodCidr" ||
		!strings.Contains(se.Problems[0].Allowed, "holds 16 node /24s but 24 nodes") {
		t.Errorf("a /20 pod CIDR for 20 nodes: %v", err)
	}
	if _, err := stackconfig.Parse("azure-asia", stackconfig.Raw{Values: variantConfig(variant{Set: map[string]string{"azureVnetCidr": "10.20.0.0/20", "maxNodes": "100", "azureApiAuthorizedIpRanges": "[]", "azureAllowPublicApi": "true"}}).Config}); err != nil {
		t.Errorf("a /20 VNet holds 100 nodes (pods are not in the VNet): %v", err)
	}

	// The committed stack file parses, with the documented defaults.
	s, err := stackconfig.Parse("azure-asia", stackconfig.Raw{Values: asiaStack.Config(nil).Config})
	if err != nil {
		t.Fatal(err)
	}
	a := s.Azure
	if a.Location != asiaLocation || a.NodeSubnet().String() != asiaNodes || a.EndpointSubnet().String() != asiaEndpoints ||
		a.DNSServiceIP().String() != "172.20.0.10" || a.Redis != (stackconfig.AzureRedis{SKU: "Standard", Family: "C", Capacity: 1, AccessKey: "primary"}) ||
		a.VMSize != asiaVMSize || a.KubernetesVersion != asiaK8s || a.DrainSeconds != 18000 || a.SystemNodes != 2 {
		t.Errorf("azure-asia settings %+v", a)
	}
}
