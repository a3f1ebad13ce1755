package stackconfig

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"

	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// The azure kind's platforms: AKS (the default) or Azure Container
// Instances.
const (
	AzurePlatformAKS = "aks"
	AzurePlatformACI = "aci"
)

var (
	aksOnly = []string{AzurePlatformAKS}
	aciOnly = []string{AzurePlatformACI}
)

// ACI's per-container-group limits for Linux groups in a virtual network
// (standard SKU, no GPU): 4 vCPU and 16 GB
// (learn.microsoft.com/azure/container-instances/container-instances-resource-and-quota-limits;
// its 2025 revision lists 31 vCPU / 240 GB as the hard maximum but warns
// that groups above 4 vCPU / 16 GB fail without regional capacity granted
// by quota request, so plans stay within 4 / 16).
const (
	ACIMaxCPU      = 4
	ACIMaxMemoryGB = 16
	// ACIMaxGroups bounds azureAciGroups: each group takes two DNAT rules
	// (its UDP mux port and its ICE/TCP port) on the region's firewall.
	ACIMaxGroups = 50
)

var azureACIKeys = []Key{
	{Name: "azurePlatform", Type: "string", Default: AzurePlatformAKS, Kinds: []Kind{KindAzure},
		Description: "Where LiveKit runs: aks (AKS, autoscaled, drains for azureDrainSeconds) or aci (a fixed number of Azure Container Instances groups, azureAciGroups; no autoscaling)."},
	{Name: "azureAciGroups", Type: "integer", Default: 2, Kinds: []Kind{KindAzure}, Platforms: aciOnly,
		Description: "Number of LiveKit container groups (one LiveKit node each), 1-50: the region's fixed capacity (ACI has no autoscaling); change it and pulumi up to scale."},
	{Name: "azureAciCpu", Type: "integer", Default: 4, Kinds: []Kind{KindAzure}, Platforms: aciOnly,
		Description: "vCPUs of each LiveKit container group, 1-4 (ACI's limit for a Linux group in a VNet)."},
	{Name: "azureAciMemoryGb", Type: "integer", Default: 8, Kinds: []Kind{KindAzure}, Platforms: aciOnly,
		Description: "Memory (GB) of each LiveKit container group, 1-16 (ACI's limit for a Linux group in a VNet)."},
	{Name: "azureAciTcpPortBase", Type: "integer", Default: livekit.RTCTCPPort, Kinds: []Kind{KindAzure}, Platforms: aciOnly,
		Description: "ICE/TCP port of the first container group; group i listens (and the firewall forwards) on this port + i. Its UDP mux port is mediaUdpPorts + i."},
	{Name: "azureAciCertificateSecretId", Type: "string", Default: "", Kinds: []Kind{KindAzure}, Platforms: aciOnly,
		Description: "Resource ID of the Key Vault secret behind the signaling certificate (/subscriptions/…/providers/Microsoft.KeyVault/vaults/<vault>/secrets/<name>, an RBAC vault); Application Gateway reads it, versionless, so renewals apply by themselves. Required on aci."},
}

func init() {
	Keys = append(Keys, azureACIKeys...)
	platformKeys[KindAzure] = "azurePlatform"
}

// AzureACI holds the settings of an azure stack on Container Instances.
type AzureACI struct {
	Groups      int
	CPU         int
	MemoryGB    int
	TCPPortBase int
	// CertificateSecretID is the Key Vault secret's resource ID;
	// CertificateVault and CertificateName its vault and secret names.
	CertificateSecretID string
	CertificateVault    string
	CertificateName     string
}

// GroupPorts are the ports of container group i: its UDP mux port and its
// ICE/TCP port, both forwarded 1:1 from the firewall's public IP.
func (a *AzureACI) GroupPorts(media livekit.MediaPorts, i int) (udp, tcp int) {
	return media.Mux + i, a.TCPPortBase + i
}

// GatewaySubnet (Application Gateway) and FirewallSubnet (Azure Firewall,
// named AzureFirewallSubnet) follow the endpoint subnet: a sixteenth of the
// VNet each (/20 of a /16, /24 of a /20; the firewall needs /26 or more).
func (a *Azure) GatewaySubnet() netip.Prefix  { return subnetOf(a.VnetCIDR, 4, 9) }
func (a *Azure) FirewallSubnet() netip.Prefix { return subnetOf(a.VnetCIDR, 4, 10) }

// CertificateSecretURI is the versionless Key Vault URI Application
// Gateway polls for the certificate.
func (a *AzureACI) CertificateSecretURI() string {
	return "https://" + a.CertificateVault + ".vault.azure.net/secrets/" + a.CertificateName
}

var kvSecretIDRe = regexp.MustCompile(`^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\w.()]{1,90}/providers/Microsoft\.KeyVault/vaults/([a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9])/secrets/([a-zA-Z0-9-]{1,127})$`)

// aciUnread are the shared regional keys an ACI stack does not read: no
// autoscaling, the group count is azureAciGroups.
var aciUnread = []string{"minNodes", "maxNodes", "cpuTarget"}

// azureACI reads the ACI settings and holds the region's shared settings to
// what ACI can do: a fixed group count, one muxed UDP port per group, no
// TURN (it would need ports per group and a TLS listener ACI lacks).
func (p *parser) azureACI(s *Stack) *AzureACI {
	a := &AzureACI{
		Groups:      p.integer("azureAciGroups", 1, ACIMaxGroups),
		CPU:         p.integer("azureAciCpu", 1, ACIMaxCPU),
		MemoryGB:    p.integer("azureAciMemoryGb", 1, ACIMaxMemoryGB),
		TCPPortBase: p.integer("azureAciTcpPortBase", 1024, 65535-ACIMaxGroups),
	}
	id := p.str("azureAciCertificateSecretId")
	switch m := kvSecretIDRe.FindStringSubmatch(id); {
	case id == "":
		p.fail(spec("azureAciCertificateSecretId").Full(), "(not set)", "required for azurePlatform aci: the resource ID of the Key Vault secret holding the signaling certificate (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<vault>/secrets/<name>); docs/azure.md, \"Container Instances\"")
	case m == nil:
		p.fail(spec("azureAciCertificateSecretId").Full(), quote(id), "must be a Key Vault secret's resource ID: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<vault>/secrets/<name> (no version)")
	default:
		a.CertificateSecretID, a.CertificateVault, a.CertificateName = id, m[1], m[2]
	}
	r := s.Region
	if r == nil {
		return a
	}
	for _, name := range aciUnread {
		k := spec(name)
		if v, ok := p.raw.Values[k.Full()]; ok && !isDefault(k, v) {
			p.fail(k.Full(), quote(v), "is not read on livekit-infra:azurePlatform aci (Container Instances do not autoscale): remove it and size the region with livekit-infra:azureAciGroups")
		}
	}
	// The fixed capacity, as the contract's scaling bounds.
	r.Scaling.Min, r.Scaling.Max = a.Groups, a.Groups
	if r.Media.Mux == 0 && !p.failed("mediaUdpPorts") {
		p.fail(spec("mediaUdpPorts").Full(), quote(r.Media.String()), "must be one muxed UDP port on livekit-infra:azurePlatform aci (e.g. 50000): group i takes mediaUdpPorts + i, forwarded 1:1 by the firewall (a port range per group would need thousands of DNAT rules)")
	}
	if r.Media.Mux != 0 && !p.failed("azureAciGroups") {
		if last := r.Media.Mux + a.Groups - 1; last > 65535 {
			p.fail(spec("mediaUdpPorts").Full(), strconv.Itoa(r.Media.Mux), fmt.Sprintf("leaves no room for %d groups (the last would take UDP %d)", a.Groups, last))
		}
	}
	if !p.failed("azureAciTcpPortBase") && !p.failed("azureAciGroups") {
		lo, hi := a.TCPPortBase, a.TCPPortBase+a.Groups-1
		for _, used := range []struct {
			port int
			what string
		}{{livekit.SignalPort, "signaling"}, {livekit.PrometheusPort, "metrics"}} {
			if used.port >= lo && used.port <= hi {
				p.fail(spec("azureAciTcpPortBase").Full(), strconv.Itoa(a.TCPPortBase), fmt.Sprintf("gives the groups ICE/TCP ports %d-%d, which take %d (%s); pick a base such as %d", lo, hi, used.port, used.what, livekit.RTCTCPPort))
			}
		}
	}
	if r.TURNUDPPort != 0 {
		p.fail(spec("turnUdpPort").Full(), strconv.Itoa(r.TURNUDPPort), "must be 0 on livekit-infra:azurePlatform aci: TURN is not offered there (clients behind UDP-blocking firewalls use each group's ICE/TCP port)")
	}
	// TURN/TLS needs a TLS listener on 443 in front of every node; ACI's
	// firewall forwards one port to one group. Off on ACI (turnTls's
	// default true is Pulumi.yaml's, not the user's).
	r.TURNTLS = false
	return a
}
