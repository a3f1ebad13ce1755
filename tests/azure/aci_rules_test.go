package azure_test

import (
	"fmt"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/apirules"
)

// aciRules are what Azure refuses or does not support for container groups
// in a virtual network, which the mocks let through. Each shaped the ACI
// design (docs/azure.md, "Container Instances").
var aciRules = []apirules.Rule{
	{
		Name: "a container group in a virtual network has no public IP or DNS label",
		Source: "learn.microsoft.com/azure/container-instances/container-instances-virtual-network-concepts, " +
			"\"Unsupported networking scenarios\": Public IP or DNS label",
		Check: func(p *plan.Plan) error {
			for _, g := range p.ByType(tACIGroup) {
				if g.InputString("subnetIds") == "" {
					return fmt.Errorf("group %s is not in the virtual network (no subnetIds): it could not reach Redis's private endpoint", g.Name)
				}
				if typ := g.InputString("ipAddressType"); typ != "Private" {
					return fmt.Errorf("group %s: ipAddressType %q in a virtual network", g.Name, typ)
				}
				if label := g.InputString("dnsNameLabel"); label != "" {
					return fmt.Errorf("group %s: DNS label %q in a virtual network", g.Name, label)
				}
			}
			return nil
		},
		Break: func(p *plan.Plan) *plan.Plan {
			return apirules.Edit(p, tACIGroup, func(r *plan.Resource) { apirules.SetInput(r, "ipAddressType", "Public", false) })
		},
	},
	{
		// Hence Application Gateway's probe (GET /, 200 only) is the
		// groups' only health check.
		Name: "a container group in a virtual network has no liveness or readiness probe",
		Source: "learn.microsoft.com/azure/container-instances/container-instances-liveness-probe " +
			"(\"Currently you cannot use a liveness probe in a container group deployed to a virtual network\"); " +
			"container-instances-virtual-network-concepts, \"Other limitations\" (MicrosoftDocs/azure-docs, liveness and readiness probes)",
		Check: func(p *plan.Plan) error {
			for _, g := range p.ByType(tACIGroup) {
				cs, _ := g.Input("containers")
				list, _ := cs.([]any)
				for i, c := range list {
					m, _ := c.(map[string]any)
					for _, probe := range []string{"livenessProbe", "readinessProbe"} {
						if _, ok := m[probe]; ok {
							return fmt.Errorf("group %s container %d sets a %s", g.Name, i, probe)
						}
					}
				}
			}
			return nil
		},
		Break: func(p *plan.Plan) *plan.Plan {
			return apirules.Edit(p, tACIGroup, func(r *plan.Resource) {
				for _, in := range []map[string]any{r.Inputs, r.RawInputs} {
					if cs, ok := in["containers"].([]any); ok && len(cs) > 0 {
						if m, ok := cs[0].(map[string]any); ok {
							m["livenessProbe"] = map[string]any{"httpGets": []any{map[string]any{"path": "/", "port": 7880}}}
						}
					}
				}
			})
		},
	},
	{
		// Hence Azure Firewall DNAT for media and Application Gateway for
		// signaling.
		Name: "no Azure Load Balancer in front of container groups in a virtual network",
		Source: "learn.microsoft.com/azure/container-instances/container-instances-virtual-network-concepts, " +
			"\"Unsupported networking scenarios\": Azure Load Balancer",
		Check: func(p *plan.Plan) error {
			for _, typ := range []string{"azure:lb/loadBalancer:LoadBalancer", "azure-native:network:LoadBalancer",
				"azure:lb/backendAddressPoolAddress:BackendAddressPoolAddress", "azure-native:network:LoadBalancerBackendAddressPool"} {
				if rs := p.ByType(typ); len(rs) > 0 {
					return fmt.Errorf("%d %s in an ACI region", len(rs), typ)
				}
			}
			return nil
		},
		Break: func(p *plan.Plan) *plan.Plan {
			c := apirules.Clone(p)
			c.Resources = append(c.Resources, plan.Resource{Type: "azure:lb/loadBalancer:LoadBalancer", Name: "livekit-media",
				Inputs: map[string]any{}, RawInputs: map[string]any{}})
			return c
		},
	},
}

func TestACICloudAPIRules(t *testing.T) {
	apirules.Run(t, aciRules, aciStack)
}
