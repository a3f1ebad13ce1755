package azure_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/tests/internal/apirules"
)

// azureRules are Azure API constraints the mocks let through (docs/tests.md,
// "What the offline tests catch").
var azureRules = []apirules.Rule{
	{
		// The Azure cloud provider finds the Service's static IP by listing
		// the public IPs of the group named by
		// azure-load-balancer-resource-group; the doc grants Network
		// Contributor on that resource group.
		Name:   "the cluster identity may use the ingress IP's resource group",
		Source: "learn.microsoft.com/azure/aks/static-ip, \"Use a static public IP address and DNS label with the AKS load balancer\"",
		Check: func(p *plan.Plan) error {
			for _, ip := range p.ByType(tPIP) {
				rg, _, _ := strings.Cut(ip.ID, "/providers/")
				found := false
				for _, ra := range p.ByType(tAssignment) {
					if ra.InputString("scope") == rg && ra.InputString("roleDefinitionName") == "Network Contributor" {
						found = true
					}
				}
				if !found {
					return fmt.Errorf("no Network Contributor on %s, the resource group of public IP %s", rg, ip.Name)
				}
			}
			return nil
		},
		Break: func(p *plan.Plan) *plan.Plan {
			ipID := p.ByType(tPIP)[0].ID
			rg, _, _ := strings.Cut(ipID, "/providers/")
			return apirules.Edit(p, tAssignment, func(r *plan.Resource) {
				if r.InputString("scope") == rg {
					apirules.SetInput(r, "scope", ipID, false) // the role on the IP only
				}
			})
		},
	},
	{
		Name:   "a pod CIDR only with kubenet or Azure CNI Overlay",
		Source: "Azure/azure-rest-api-specs#23987 (podCidr applies to kubenet and to azure in overlay mode); Azure/azure-cli#26237",
		Check: func(p *plan.Plan) error {
			for _, c := range p.ByType(tCluster) {
				pod := c.InputString("networkProfile.podCidr")
				plugin, mode := c.InputString("networkProfile.networkPlugin"), c.InputString("networkProfile.networkPluginMode")
				if pod != "" && plugin != "kubenet" && !(plugin == "azure" && mode == "overlay") {
					return fmt.Errorf("cluster %s: podCidr %s with networkPlugin %q, networkPluginMode %q", c.Name, pod, plugin, mode)
				}
			}
			return nil
		},
		Break: func(p *plan.Plan) *plan.Plan {
			return apirules.Edit(p, tCluster, func(r *plan.Resource) { apirules.SetInput(r, "networkProfile.networkPluginMode", nil, true) })
		},
		BrokenConfig: map[string]string{"azurePodCidr": "10.20.0.0/16"}, // overlaps the VNet
		WantKey:      "azurePodCidr",
	},
	{
		// AKS creates clusters only on versions in its support window
		// (platform support N-3 excludes cluster creation).
		Name:   "AKS creates clusters only on a supported Kubernetes version",
		Source: "learn.microsoft.com/azure/aks/supported-kubernetes-versions (release calendar; platform support: cluster creation not supported)",
		Check: func(p *plan.Plan) error {
			for _, c := range p.ByType(tCluster) {
				v := c.InputString("kubernetesVersion")
				for _, w := range stackconfig.SupportWarnings(map[string]string{"livekit-infra:kind": "azure", "livekit-infra:azureKubernetesVersion": v}, time.Now()) {
					if w.Key == "livekit-infra:azureKubernetesVersion" && (strings.Contains(w.Text, "ended on") || strings.Contains(w.Text, "no support dates")) {
						return fmt.Errorf("cluster %s: %s", c.Name, w)
					}
				}
			}
			return nil
		},
		Break: func(p *plan.Plan) *plan.Plan {
			return apirules.Edit(p, tCluster, func(r *plan.Resource) { apirules.SetInput(r, "kubernetesVersion", "1.33", false) })
		},
	},
	{
		Name:         "the LiveKit pod fits the node after AKS's reservations and DaemonSets",
		Source:       "learn.microsoft.com/azure/aks/node-resource-reservations",
		BrokenConfig: map[string]string{"azurePodCpu": "3500m"},
		WantKey:      "azurePodCpu",
	},
}

func TestCloudAPIRules(t *testing.T) {
	apirules.Run(t, azureRules, asiaStack)
}
