package azure

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components/kubernetes/objects"
	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// NetworkPolicies of the pods that do not run on the host network:
// cert-manager and Traefik (LiveKit runs with host networking, which
// NetworkPolicy does not cover). Each namespace denies all traffic in
// both directions, then allows what its pods need. Azure Network Policy
// Manager enforces them (clusterArgs: networkPolicy azure). Traffic
// between a pod and its own node (kubelet probes) always passes
// ("Network Policies", kubernetes.io/docs/concepts/services-networking/
// network-policies).
const (
	// DefaultDenyPolicy isolates every pod of its namespace.
	DefaultDenyPolicy = "default-deny"
	// ClusterEgressPolicy lets every pod of its namespace resolve names
	// through CoreDNS and reach HTTPS endpoints.
	ClusterEgressPolicy = "dns-and-https"
	// WebhookPolicy admits the API server's calls to cert-manager's webhook.
	WebhookPolicy = "webhook-from-api-server"
	// DNS01Policy lets cert-manager's controller ask the zone's
	// authoritative nameservers.
	DNS01Policy = "controller-dns01-check"
	// WebsecurePolicy admits signaling clients to Traefik.
	WebsecurePolicy = "websecure-from-anywhere"
	// LiveKitPolicy lets Traefik reach LiveKit's signaling port (and, with
	// TURN/TLS, its TURN port).
	LiveKitPolicy = "to-livekit-signaling"

	// ComponentLabel is the label cert-manager's chart gives each
	// component's pods (controller, webhook, cainjector, startupapicheck).
	ComponentLabel = "app.kubernetes.io/component"
	// WebhookPortName and WebsecurePortName are the container port names
	// of cert-manager's webhook (securePort, 10250) and of Traefik's
	// websecure entry point (8443 behind the Service's 443): the policies
	// follow the charts' port numbers.
	WebhookPortName   = "https"
	WebsecurePortName = "websecure"
)

// kubeDNS is AKS's CoreDNS (kube-system, k8s-app: kube-dns).
var kubeDNS = objects.NetworkPolicyPeer{
	NamespaceLabels: map[string]string{"kubernetes.io/metadata.name": "kube-system"},
	PodLabels:       map[string]string{"k8s-app": "kube-dns"},
}

func tcp(port int) objects.NetworkPolicyPort {
	return objects.NetworkPolicyPort{Protocol: "TCP", Number: port}
}

var dnsPorts = []objects.NetworkPolicyPort{{Protocol: "UDP", Number: 53}, {Protocol: "TCP", Number: 53}}

// namespaceBaseline is the default deny of a namespace and its one common
// allowance: DNS through CoreDNS, and TCP 443 to any address. 443 carries
// the Kubernetes API (AKS's API server listens on 443 behind the
// kubernetes Service; its address is the control plane's, unknown before
// the cluster exists and not a pod a policy could select), ACME and AWS
// (Route 53, STS) for cert-manager. Nothing else leaves: no Redis, no
// kubelet, no other port of the VNet.
func namespaceBaseline(ctx *pulumi.Context, name string, namespace pulumi.StringInput, opts ...pulumi.ResourceOption) error {
	if _, err := objects.NewNetworkPolicy(ctx, name+"-default-deny", &objects.NetworkPolicyArgs{
		Name: DefaultDenyPolicy, Namespace: namespace, Isolating: []string{"Ingress", "Egress"},
	}, opts...); err != nil {
		return err
	}
	_, err := objects.NewNetworkPolicy(ctx, name+"-dns-and-https", &objects.NetworkPolicyArgs{
		Name: ClusterEgressPolicy, Namespace: namespace, Isolating: []string{"Egress"},
		Egress: []objects.NetworkPolicyRule{
			{Peers: []objects.NetworkPolicyPeer{kubeDNS}, Ports: dnsPorts},
			{Ports: []objects.NetworkPolicyPort{tcp(HTTPSPort)}},
		},
	}, opts...)
	return err
}

// certManagerPolicies: the baseline, the webhook's port open to the API
// server, and the controller's DNS-01 self check. The API server calls the
// webhook from the control plane (through AKS's tunnel to the nodes), an
// address no policy can name, so the webhook's port admits any source;
// it serves admission reviews over TLS only. The self check asks the
// zone's authoritative nameservers directly, not CoreDNS
// (cert-manager.io/docs/configuration/acme/dns01/#setting-nameservers-for-dns01-self-check).
func certManagerPolicies(ctx *pulumi.Context, name string, namespace pulumi.StringInput, opts ...pulumi.ResourceOption) error {
	if err := namespaceBaseline(ctx, name, namespace, opts...); err != nil {
		return err
	}
	if _, err := objects.NewNetworkPolicy(ctx, name+"-webhook", &objects.NetworkPolicyArgs{
		Name: WebhookPolicy, Namespace: namespace, Isolating: []string{"Ingress"},
		PodLabels: map[string]string{ComponentLabel: "webhook"},
		Ingress:   []objects.NetworkPolicyRule{{Ports: []objects.NetworkPolicyPort{{Protocol: "TCP", Name: WebhookPortName}}}},
	}, opts...); err != nil {
		return err
	}
	_, err := objects.NewNetworkPolicy(ctx, name+"-dns01", &objects.NetworkPolicyArgs{
		Name: DNS01Policy, Namespace: namespace, Isolating: []string{"Egress"},
		PodLabels: map[string]string{ComponentLabel: "controller"},
		Egress:    []objects.NetworkPolicyRule{{Ports: dnsPorts}},
	}, opts...)
	return err
}

// traefikPolicies: the baseline, websecure from anywhere (Traefik is the
// signaling ingress; the load balancer keeps the client's address,
// externalTrafficPolicy Local), and signaling to LiveKit. LiveKit's pods
// use their nodes' addresses (host networking), so the destination is the
// node subnet on 7880; Azure NPM filters after the Service's DNAT, so it
// sees the node address, not the ClusterIP. With TURN/TLS (turnPort not 0)
// Traefik also forwards the TURN stream to that port of the nodes.
func traefikPolicies(ctx *pulumi.Context, name string, namespace pulumi.StringInput, nodeSubnet string, turnPort int, opts ...pulumi.ResourceOption) error {
	if err := namespaceBaseline(ctx, name, namespace, opts...); err != nil {
		return err
	}
	if _, err := objects.NewNetworkPolicy(ctx, name+"-websecure", &objects.NetworkPolicyArgs{
		Name: WebsecurePolicy, Namespace: namespace, Isolating: []string{"Ingress"},
		Ingress: []objects.NetworkPolicyRule{{Ports: []objects.NetworkPolicyPort{{Protocol: "TCP", Name: WebsecurePortName}}}},
	}, opts...); err != nil {
		return err
	}
	ports := []objects.NetworkPolicyPort{tcp(livekit.SignalPort)}
	if turnPort != 0 {
		ports = append(ports, tcp(turnPort))
	}
	_, err := objects.NewNetworkPolicy(ctx, name+"-to-livekit", &objects.NetworkPolicyArgs{
		Name: LiveKitPolicy, Namespace: namespace, Isolating: []string{"Egress"},
		Egress: []objects.NetworkPolicyRule{{
			Peers: []objects.NetworkPolicyPeer{{CIDR: nodeSubnet}},
			Ports: ports,
		}},
	}, opts...)
	return err
}

// Egress namespace policies (egress on).
const (
	// EgressOutPolicy lets the Egress pods reach Redis and the LiveKit
	// nodes' media ports.
	EgressOutPolicy = "egress-redis-and-media"
	// EgressScrapePolicy admits the add-on's collector to the metrics port
	// and in-cluster probes to the health port.
	EgressScrapePolicy = "egress-health-and-metrics"
)

// egressPolicies: the baseline (DNS; 443 for signaling, Blob Storage and
// the API), Redis's TLS port on the private endpoint subnet only, the
// media ports of the LiveKit nodes (Egress subscribes like any client:
// ICE to each node's public IP on the UDP range and 7881/tcp), the
// health port from inside the cluster only (pods and nodes) and the
// metrics port from the metrics add-on's collector only.
func egressPolicies(ctx *pulumi.Context, name string, namespace pulumi.StringInput, args *EgressArgs, opts ...pulumi.ResourceOption) error {
	if err := namespaceBaseline(ctx, name, namespace, opts...); err != nil {
		return err
	}
	if _, err := objects.NewNetworkPolicy(ctx, name+"-redis-and-media", &objects.NetworkPolicyArgs{
		Name: EgressOutPolicy, Namespace: namespace, Isolating: []string{"Egress"},
		Egress: []objects.NetworkPolicyRule{
			{Peers: []objects.NetworkPolicyPeer{{CIDR: args.RedisSubnet}}, Ports: []objects.NetworkPolicyPort{tcp(args.RedisPort)}},
			{Ports: []objects.NetworkPolicyPort{
				{Protocol: "UDP", Number: args.Media.First(), EndPort: args.Media.Last()},
				tcp(livekit.RTCTCPPort),
			}},
		},
	}, opts...); err != nil {
		return err
	}
	var peers []objects.NetworkPolicyPeer
	for _, c := range args.ClusterCIDRs {
		peers = append(peers, objects.NetworkPolicyPeer{CIDR: c})
	}
	// The metrics port from the add-on's collector only (ScrapeConfigYAML's
	// livekit-egress job runs in the ama-metrics replica set); the health
	// port from inside the cluster (the kubelet's probes).
	_, err := objects.NewNetworkPolicy(ctx, name+"-health-and-metrics", &objects.NetworkPolicyArgs{
		Name: EgressScrapePolicy, Namespace: namespace, Isolating: []string{"Ingress"},
		Ingress: []objects.NetworkPolicyRule{
			{Peers: peers, Ports: []objects.NetworkPolicyPort{tcp(livekit.EgressHealthPort)}},
			{Peers: []objects.NetworkPolicyPeer{AddonCollector}, Ports: []objects.NetworkPolicyPort{tcp(livekit.EgressPrometheusPort)}},
		},
	}, opts...)
	return err
}

// AddonCollector is the AKS metrics add-on's cluster-wide collector (the
// ama-metrics replica set in kube-system), which runs the custom scrape
// jobs of ScrapeConfigMap. Its pods carry rsName: ama-metrics and use the
// pod network, so a pod selector admits them (github.com/Azure/
// prometheus-collector, otelcollector/deploy/addon-chart/
// azure-monitor-metrics-addon/templates/ama-metrics-deployment.yaml; the
// node DaemonSet is labelled dsName instead).
var AddonCollector = objects.NetworkPolicyPeer{
	NamespaceLabels: map[string]string{"kubernetes.io/metadata.name": AddonNamespace},
	PodLabels:       map[string]string{"rsName": "ama-metrics"},
}
