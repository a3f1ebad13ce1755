package gcp

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/compute"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/container"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/globalzone"
)

// TURN over TLS on GKE: a global external proxy Network Load Balancer (a
// target SSL proxy) ends TLS on 443 with a Certificate Manager certificate
// for the TURN name and sends the plain TURN stream to the LiveKit nodes'
// turnTlsPort (external_tls), like AWS's NLB with a TLS listener. GKE's
// Gateway is an L7 (HTTP) load balancer and cannot carry TURN.
//
// The backends are the LiveKit node pool's instance groups (host
// networking: LiveKit listens on the node's port). A proxy load balancer
// finds the port on an instance group through a named port, which GKE does
// not set for this port; InstanceGroupNamedPort adds one to a GKE-generated
// group without managing the group (the resource's documented purpose).
const (
	// TURNPortName is the instance groups' named port of turnTlsPort.
	TURNPortName = "livekit-turn"
	// PoolZones: GKE spreads a regional node pool over three of the
	// region's zones (its default node locations), one instance group each.
	PoolZones = 3
	// TURNIdleTimeoutSec is the proxy's idle timeout for a TURN connection
	// (a proxy load balancer's backend timeout; 30 s by default): a relay
	// whose media pauses must outlive its TURN refresh interval.
	TURNIdleTimeoutSec = 3600
)

// GoogleProxyRanges are the sources of Google's proxy load balancers'
// connections and health checks (GFEs): the only sources the TURN port
// admits.
var GoogleProxyRanges = []string{"130.211.0.0/22", "35.191.0.0/16"}

// zoneOfGroup is the zone in an instance group URL
// (.../zones/<zone>/instanceGroups/<name>).
func zoneOfGroup(url string) (string, error) {
	_, rest, ok := strings.Cut(url, "/zones/")
	zone, _, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || zone == "" {
		return "", fmt.Errorf("instance group URL %q names no zone", url)
	}
	return zone, nil
}

// turnTLS declares the named ports, the TCP health check, the backend
// service on the pool's groups, the target SSL proxy (TLS 1.2+, the TURN
// name's certificate map), the global address and forwarding rule on 443,
// the firewall rule from Google's proxies to the TURN port, and the TURN
// name's DNS record. It returns the TURN address.
func turnTLS(ctx *pulumi.Context, name string, args *MediaClusterArgs, pool *container.NodePool, sslPolicy *compute.SSLPolicy, parent, protect pulumi.ResourceOption) (pulumi.StringOutput, error) {
	none := pulumi.StringOutput{}
	groups := pool.ManagedInstanceGroupUrls.ApplyT(func(urls []string) ([]string, error) {
		if len(urls) != PoolZones {
			return nil, fmt.Errorf("node pool %s has %d instance groups, want one in each of %d zones", name, len(urls), PoolZones)
		}
		return urls, nil
	}).(pulumi.StringArrayOutput)
	var named []pulumi.Resource
	for i := 0; i < PoolZones; i++ {
		group := groups.Index(pulumi.Int(i))
		np, err := compute.NewInstanceGroupNamedPort(ctx, fmt.Sprintf("%s-turn-port-%d", name, i), &compute.InstanceGroupNamedPortArgs{
			Group: group,
			Zone:  group.ApplyT(zoneOfGroup).(pulumi.StringOutput),
			Name:  pulumi.String(TURNPortName),
			Port:  pulumi.Int(args.TURNTLSPort),
		}, parent)
		if err != nil {
			return none, err
		}
		named = append(named, np)
	}
	// TURN needs no Redis: the check is the TURN port itself, not GET /.
	hc, err := compute.NewHealthCheck(ctx, name+"-turn", &compute.HealthCheckArgs{
		Description:        pulumi.String("LiveKit TURN/TLS: the nodes' TURN port"),
		CheckIntervalSec:   pulumi.Int(10),
		TimeoutSec:         pulumi.Int(5),
		HealthyThreshold:   pulumi.Int(2),
		UnhealthyThreshold: pulumi.Int(2),
		TcpHealthCheck:     &compute.HealthCheckTcpHealthCheckArgs{Port: pulumi.Int(args.TURNTLSPort)},
	}, parent)
	if err != nil {
		return none, err
	}
	backends := groups.ApplyT(func(urls []string) []compute.BackendServiceBackend {
		out := make([]compute.BackendServiceBackend, len(urls))
		for i, u := range urls {
			mode, scaler := "UTILIZATION", 1.0
			out[i] = compute.BackendServiceBackend{Group: u, BalancingMode: &mode, CapacityScaler: &scaler}
		}
		return out
	}).(compute.BackendServiceBackendArrayOutput)
	bs, err := compute.NewBackendService(ctx, name+"-turn", &compute.BackendServiceArgs{
		Description:         pulumi.String("LiveKit TURN/TLS: the LiveKit nodes' TURN port"),
		LoadBalancingScheme: pulumi.String("EXTERNAL_MANAGED"),
		Protocol:            pulumi.String("TCP"),
		PortName:            pulumi.String(TURNPortName),
		TimeoutSec:          pulumi.Int(TURNIdleTimeoutSec),
		HealthChecks:        hc.ID(),
		Backends:            backends,
	}, parent, pulumi.DependsOn(named))
	if err != nil {
		return none, err
	}
	cmap, _, err := certificateMap(ctx, name+"-turn", []string{args.TURNHostname}, args.ZoneID, args.DNSProvider, parent)
	if err != nil {
		return none, err
	}
	proxy, err := compute.NewTargetSSLProxy(ctx, name+"-turn", &compute.TargetSSLProxyArgs{
		Description:    pulumi.String("LiveKit TURN/TLS " + args.TURNHostname),
		BackendService: bs.ID(),
		CertificateMap: pulumi.Sprintf("//certificatemanager.googleapis.com/%s", cmap.ID()),
		SslPolicy:      sslPolicy.ID(),
	}, parent)
	if err != nil {
		return none, err
	}
	ip, err := compute.NewGlobalAddress(ctx, name+"-turn", &compute.GlobalAddressArgs{
		AddressType: pulumi.String("EXTERNAL"),
		IpVersion:   pulumi.String("IPV4"),
		Description: pulumi.String("LiveKit TURN/TLS " + args.TURNHostname),
	}, parent, protect)
	if err != nil {
		return none, err
	}
	if _, err := compute.NewGlobalForwardingRule(ctx, name+"-turn", &compute.GlobalForwardingRuleArgs{
		Description:         pulumi.String("LiveKit TURN/TLS on 443"),
		IpAddress:           ip.Address,
		IpProtocol:          pulumi.String("TCP"),
		PortRange:           pulumi.String("443"),
		LoadBalancingScheme: pulumi.String("EXTERNAL_MANAGED"),
		Target:              proxy.ID(),
	}, parent); err != nil {
		return none, err
	}
	// The proxies (traffic and health checks) are the only sources of the
	// TURN port: clients reach it through 443 on the proxy, never directly.
	if _, err := compute.NewFirewall(ctx, name+"-turn-from-proxies", &compute.FirewallArgs{
		Network:      args.NetworkID,
		Description:  pulumi.String("TURN/TLS: Google's proxy load balancer and health checks to the LiveKit nodes' TURN port"),
		Direction:    pulumi.String("INGRESS"),
		SourceRanges: pulumi.ToStringArray(GoogleProxyRanges),
		TargetTags:   pulumi.ToStringArray([]string{args.MediaTag}),
		Allows: compute.FirewallAllowArray{&compute.FirewallAllowArgs{
			Protocol: pulumi.String("tcp"), Ports: pulumi.ToStringArray([]string{strconv.Itoa(args.TURNTLSPort)}),
		}},
	}, parent); err != nil {
		return none, err
	}
	if err := globalzone.NewRecord(ctx, name+"-turn-dns", args.ZoneID, args.TURNHostname, "A", components.FrontDoorRecordTTL, ip.Address,
		parent, pulumi.Provider(args.DNSProvider)); err != nil {
		return none, err
	}
	return ip.Address, nil
}
