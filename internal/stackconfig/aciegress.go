package stackconfig

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"

	"github.com/livekit-infra/livekit-infra/components/observability"
)

// aciEgressKeys size the Egress container groups of an azurePlatform aci
// region (#22). Container Instances do not autoscale: the count is fixed,
// like azureAciGroups.
var aciEgressKeys = []Key{
	{Name: "azureAciEgressGroups", Type: "integer", Default: 1, Kinds: []Kind{KindAzure}, Platforms: aciOnly,
		Description: fmt.Sprintf("Number of LiveKit Egress container groups (one Egress worker each), 1-%d: a fixed count, since Container Instances do not autoscale (egressMinInstances, egressMaxInstances and egressCpuTarget are AKS keys); change it and pulumi up to add or remove workers.", ACIMaxEgressGroups)},
	{Name: "azureAciEgressCpu", Type: "integer", Default: ACIMaxCPU, Kinds: []Kind{KindAzure}, Platforms: aciOnly,
		Description: fmt.Sprintf("vCPUs of each Egress container group: at least %d (LiveKit recommends 4 CPUs per Egress instance) and at most %d (ACI's limit for a Linux group in a VNet).", int(minEgressCPU), ACIMaxCPU)},
	{Name: "azureAciEgressMemoryGb", Type: "integer", Default: 8, Kinds: []Kind{KindAzure}, Platforms: aciOnly,
		Description: fmt.Sprintf("Memory (GB) of each Egress container group, %d-%d (LiveKit recommends 4 GB per Egress instance, and the group's metrics agent takes %v GB; ACI's limit for a Linux group in a VNet is %d GB).", minACIEgressMemoryGB, ACIMaxMemoryGB, observability.ACIAgentMemoryGB, ACIMaxMemoryGB)},
}

// minACIEgressMemoryGB is the smallest whole-GB group that leaves Egress
// the 4 GB LiveKit recommends beside the metrics agent.
var minACIEgressMemoryGB = int(math.Ceil(minEgressMemGiB + observability.ACIAgentMemoryGB))

// ACIMaxEgressGroups bounds azureAciEgressGroups: each group is a 4-vCPU
// Egress worker billed every hour it exists, and the subscription's
// default ACI quota is 100 standard cores per region, LiveKit's groups
// included.
const ACIMaxEgressGroups = 20

func init() { Keys = append(Keys, aciEgressKeys...) }

// ACIEgress is the Egress container groups of an ACI region.
type ACIEgress struct {
	Groups, CPU, MemoryGB int
}

// aciEgress reads the Egress groups' count and size and holds the
// region's Egress bounds to that count (no autoscaling).
func (p *parser) aciEgress(e *Egress) *ACIEgress {
	a := &ACIEgress{
		Groups:   p.integer("azureAciEgressGroups", 1, ACIMaxEgressGroups),
		CPU:      p.integer("azureAciEgressCpu", 1, 64),
		MemoryGB: p.integer("azureAciEgressMemoryGb", 1, 1024),
	}
	e.Min, e.Max = a.Groups, a.Groups
	if !e.Enabled {
		return a
	}
	const aciLimit = "ACI gives a Linux container group in a VNet at most %d vCPU and %d GB (larger groups need regional capacity Microsoft grants by quota request only)"
	switch {
	case p.failed("azureAciEgressCpu"):
	case a.CPU < minEgressCPU:
		p.fail(spec("azureAciEgressCpu").Full(), strconv.Itoa(a.CPU), fmt.Sprintf(
			"must be %d: LiveKit recommends at least 4 CPUs per Egress instance (a room composite reserves 4 cores), and "+aciLimit, ACIMaxCPU, ACIMaxCPU, ACIMaxMemoryGB))
	case a.CPU > ACIMaxCPU:
		p.fail(spec("azureAciEgressCpu").Full(), strconv.Itoa(a.CPU), fmt.Sprintf("must be %d: "+aciLimit, ACIMaxCPU, ACIMaxCPU, ACIMaxMemoryGB))
	}
	switch {
	case p.failed("azureAciEgressMemoryGb"):
	case a.MemoryGB < minACIEgressMemoryGB:
		p.fail(spec("azureAciEgressMemoryGb").Full(), strconv.Itoa(a.MemoryGB), fmt.Sprintf(
			"must be %d-%d: LiveKit recommends at least 4 GB per Egress instance, and the group's metrics agent takes %v GB of it", minACIEgressMemoryGB, ACIMaxMemoryGB, observability.ACIAgentMemoryGB))
	case a.MemoryGB > ACIMaxMemoryGB:
		p.fail(spec("azureAciEgressMemoryGb").Full(), strconv.Itoa(a.MemoryGB), fmt.Sprintf("must be %d-%d: "+aciLimit, minACIEgressMemoryGB, ACIMaxMemoryGB, ACIMaxCPU, ACIMaxMemoryGB))
	}
	return a
}

// EgressSubnet holds the Egress container groups on azurePlatform aci: the
// sixteenth after the firewall's (/20 of a /16).
func (a *Azure) EgressSubnet() netip.Prefix { return subnetOf(a.VnetCIDR, 4, 11) }
