package components

import (
	"net/netip"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// NetworkArgs is what every cloud's Network accepts.
type NetworkArgs struct {
	// CIDR is the network's IPv4 range.
	CIDR netip.Prefix
	// Zones spreads subnets over these zones; empty picks the region's first
	// three.
	Zones []string
	// NATGateways is perAz, single or none (egress for private subnets).
	NATGateways string
	// Media is the UDP media plan; the media firewall opens it, 7881/tcp and
	// TURNUDPPort (when non-zero) to the internet, on LiveKit nodes only.
	Media       livekit.MediaPorts
	TURNUDPPort int
	// TURNTLSPort (0: off) is opened to the TURN/TLS load balancer only,
	// never to the internet: clients reach it on 443 through the balancer.
	TURNTLSPort int
	// Egress declares the firewall of the region's Egress workers: out to
	// signaling (443), LiveKit's media ports, 7881/tcp and Redis; nothing in
	// from the internet.
	Egress bool
}

// Validate rejects contradictory or incomplete args.
func (a *NetworkArgs) Validate(name string) error {
	return Validate("Network", name, a, (*NetworkArgs).Check)
}

// Check adds the contract's problems to e; each cloud adds its own after.
func (a *NetworkArgs) Check(e *ArgErrors) {
	if !a.CIDR.IsValid() || !a.CIDR.Addr().Is4() {
		e.Add("CIDR %q must be an IPv4 prefix", a.CIDR)
	} else if a.CIDR.Bits() > 24 {
		e.Add("CIDR %s is too small for 6 subnets: use /24 or larger", a.CIDR)
	}
	switch a.NATGateways {
	case "perAz", "single", "none":
	default:
		e.Add("NATGateways %q must be perAz, single or none", a.NATGateways)
	}
	if len(a.Zones) != 0 && len(a.Zones) != 3 {
		e.Add("Zones must list 3 zones or none, got %d", len(a.Zones))
	}
	if err := a.Media.Validate(); err != nil {
		e.Add("Media: %w", err)
	}
}

// NetworkOutputs is the outputs every cloud's Network returns.
// Each cloud's component embeds it beside pulumi.ResourceState (the SDK
// hangs when ResourceState is embedded two levels deep).
type NetworkOutputs struct {
	// NetworkID is the VPC / VPC network / VNet.
	NetworkID pulumi.StringOutput
	// PublicSubnetIDs host LiveKit nodes: media must reach each node at its
	// own public IP, so nodes never sit in private subnets.
	PublicSubnetIDs pulumi.StringArrayOutput
	// PrivateSubnetIDs host Redis and other private services.
	PrivateSubnetIDs pulumi.StringArrayOutput
	// MediaFirewallID identifies the rule set applied to LiveKit nodes
	// (security group, network tag, NSG).
	MediaFirewallID pulumi.StringOutput
}
