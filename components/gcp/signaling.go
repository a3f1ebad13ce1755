package gcp

// The signaling front door of the GCP region: a GKE Gateway on a global
// static IP, with a Certificate Manager certificate for the regional and
// global names. Media does not pass through it (WebRTC reaches each node's
// public IP).

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/certificatemanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
	"github.com/livekit-infra/livekit-infra/components/kubernetes/objects"
	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// DNSAuthorizationType gives every project its own validation record name
// (_acme-challenge_<id>.<domain>), so regions in several projects, and other
// clouds validating the same global hostname with _acme-challenge TXT
// records, do not fight over one CNAME.
const DNSAuthorizationType = "PER_PROJECT_RECORD"

// certificateMap issues one Google-managed certificate for hostnames
// through Certificate Manager with DNS authorization, and a certificate map
// serving it for each hostname. DNS authorization does not depend on where
// the names resolve: the global GeoDNS name may point at another region and
// the certificate still issues and renews. The authorization records go into
// the Route 53 zone through dnsProvider.
func certificateMap(ctx *pulumi.Context, name string, hostnames []string, zoneID string, dnsProvider pulumi.ProviderResource, parent pulumi.ResourceOption) (*certificatemanager.CertificateMapResource, *certificatemanager.Certificate, error) {
	if len(hostnames) == 0 {
		return nil, nil, fmt.Errorf("%s: no hostnames", name)
	}
	var authIDs pulumi.StringArray
	var records []pulumi.Resource
	for i, h := range hostnames {
		auth, err := certificatemanager.NewDnsAuthorization(ctx, fmt.Sprintf("%s-auth-%d", name, i), &certificatemanager.DnsAuthorizationArgs{
			Domain:      pulumi.String(h),
			Type:        pulumi.String(DNSAuthorizationType),
			Description: pulumi.String("DNS authorization for " + h),
		}, parent)
		if err != nil {
			return nil, nil, err
		}
		rec := auth.DnsResourceRecords.Index(pulumi.Int(0))
		r, err := route53.NewRecord(ctx, fmt.Sprintf("%s-auth-%d", name, i), &route53.RecordArgs{
			ZoneId:  pulumi.String(zoneID),
			Name:    rec.Name().Elem(),
			Type:    rec.Type().Elem(),
			Ttl:     pulumi.Int(components.StaticRecordTTL),
			Records: pulumi.StringArray{rec.Data().Elem()},
			// The record is Google's, keyed by project: re-creating the stack
			// in the same project produces the same one.
			AllowOverwrite: pulumi.Bool(true),
		}, parent, pulumi.Provider(dnsProvider))
		if err != nil {
			return nil, nil, err
		}
		authIDs = append(authIDs, auth.ID())
		records = append(records, r)
	}
	cert, err := certificatemanager.NewCertificate(ctx, name, &certificatemanager.CertificateArgs{
		Description: pulumi.String("LiveKit " + strings.Join(hostnames, ", ")),
		Scope:       pulumi.String("DEFAULT"),
		Managed: &certificatemanager.CertificateManagedArgs{
			Domains:           pulumi.ToStringArray(hostnames),
			DnsAuthorizations: authIDs,
		},
	}, parent, pulumi.DependsOn(records))
	if err != nil {
		return nil, nil, err
	}
	cmap, err := certificatemanager.NewCertificateMapResource(ctx, name, &certificatemanager.CertificateMapResourceArgs{
		Description: pulumi.String("LiveKit signaling certificates"),
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	for i, h := range hostnames {
		if _, err := certificatemanager.NewCertificateMapEntry(ctx, fmt.Sprintf("%s-%d", name, i), &certificatemanager.CertificateMapEntryArgs{
			Map:          cmap.Name,
			Hostname:     pulumi.String(h),
			Certificates: pulumi.StringArray{cert.ID()},
		}, parent); err != nil {
			return nil, nil, err
		}
	}
	return cmap, cert, nil
}

// signalingGateway declares the GKE Gateway API objects: the Gateway on the
// static IP with the certificate map and TLS policy, the HTTPRoute to the
// signaling Service, the backend policy (WebSocket timeout) and the health
// check (GET / on 7880), and Managed Prometheus' scrape and alert rules.
func signalingGateway(ctx *pulumi.Context, name string, args *MediaClusterArgs, w *lkk8s.LiveKitWorkload, provider pulumi.ProviderResource,
	ipName, certMap, sslPolicy pulumi.StringInput, parent pulumi.ResourceOption) error {
	opts := []pulumi.ResourceOption{parent, pulumi.Provider(provider), pulumi.DependsOn([]pulumi.Resource{w})}
	object := func(apiVersion, kind, n string, spec pulumi.Map) *objects.ObjectArgs {
		return &objects.ObjectArgs{APIVersion: apiVersion, Kind: kind, Name: n, Namespace: w.Namespace, Spec: spec}
	}
	svcRef := pulumi.Map{"group": pulumi.String(""), "kind": pulumi.String("Service"), "name": w.ServiceName}

	gateway := object("gateway.networking.k8s.io/v1", "Gateway", GatewayName, pulumi.Map{
		"gatewayClassName": pulumi.String(GatewayClass),
		// HTTPS only: there is no plain-HTTP listener to downgrade to.
		"listeners": pulumi.Array{pulumi.Map{
			"name": pulumi.String("https"), "protocol": pulumi.String("HTTPS"), "port": pulumi.Int(443),
			"allowedRoutes": pulumi.Map{"namespaces": pulumi.Map{"from": pulumi.String("Same")}},
		}},
		"addresses": pulumi.Array{pulumi.Map{"type": pulumi.String("NamedAddress"), "value": ipName}},
	})
	gateway.Annotations = map[string]pulumi.StringInput{"networking.gke.io/certmap": certMap}
	gw, err := objects.NewObject(ctx, name+"-gateway", gateway, opts...)
	if err != nil {
		return err
	}
	gwOpts := append(append([]pulumi.ResourceOption{}, opts...), pulumi.DependsOn([]pulumi.Resource{gw}))
	if _, err := objects.NewObject(ctx, name+"-route", object("gateway.networking.k8s.io/v1", "HTTPRoute", GatewayName, pulumi.Map{
		"parentRefs": pulumi.Array{pulumi.Map{"name": pulumi.String(GatewayName)}},
		"hostnames":  pulumi.ToStringArray(args.Names()),
		"rules": pulumi.Array{pulumi.Map{
			"backendRefs": pulumi.Array{pulumi.Map{"name": w.ServiceName, "port": pulumi.Int(livekit.SignalPort)}},
			// HSTS on every signaling answer: the Gateway API's
			// ResponseHeaderModifier, which the GKE Gateway controller
			// turns into the URL map's custom response headers. GKE's own
			// Gateway API conformance reports list it as supported for both
			// external managed classes from GKE 1.30.3-gke.1211000 on
			// (kubernetes-sigs/gateway-api conformance/reports/v1.1.0/
			// gke-gateway/standard-1.30.3-{gxlb,rxlb}-report.yaml,
			// HTTPRouteResponseHeaderModification); every GKE version in
			// support today is newer. Docs:
			// https://cloud.google.com/kubernetes-engine/docs/how-to/gatewayclass-capabilities
			"filters": pulumi.Array{pulumi.Map{
				"type": pulumi.String("ResponseHeaderModifier"),
				"responseHeaderModifier": pulumi.Map{"set": pulumi.Array{pulumi.Map{
					"name": pulumi.String("Strict-Transport-Security"), "value": pulumi.String(livekit.HSTSHeader),
				}}},
			}},
		}},
	}), gwOpts...); err != nil {
		return err
	}
	if _, err := objects.NewObject(ctx, name+"-tls-policy", object("networking.gke.io/v1", "GCPGatewayPolicy", GatewayName+"-tls", pulumi.Map{
		"default":   pulumi.Map{"sslPolicy": sslPolicy},
		"targetRef": pulumi.Map{"group": pulumi.String("gateway.networking.k8s.io"), "kind": pulumi.String("Gateway"), "name": pulumi.String(GatewayName)},
	}), gwOpts...); err != nil {
		return err
	}
	if _, err := objects.NewObject(ctx, name+"-backend-policy", object("networking.gke.io/v1", "GCPBackendPolicy", GatewayName+"-backend", pulumi.Map{
		"default": pulumi.Map{
			"timeoutSec": pulumi.Int(BackendTimeoutSec),
			// A node that stops being ready (drain, lost Redis) keeps its
			// open WebSockets for a minute while clients move.
			"connectionDraining": pulumi.Map{"drainingTimeoutSec": pulumi.Int(60)},
		},
		"targetRef": svcRef,
	}), opts...); err != nil {
		return err
	}
	if _, err := objects.NewObject(ctx, name+"-health-check", object("networking.gke.io/v1", "HealthCheckPolicy", GatewayName+"-health", pulumi.Map{
		"default": pulumi.Map{
			"checkIntervalSec":   pulumi.Int(5),
			"timeoutSec":         pulumi.Int(3),
			"healthyThreshold":   pulumi.Int(1),
			"unhealthyThreshold": pulumi.Int(2),
			// LiveKit answers GET / with 200, or 406 once it lost Redis.
			"config": pulumi.Map{
				"type": pulumi.String("HTTP"),
				"httpHealthCheck": pulumi.Map{
					"port":        pulumi.Int(livekit.SignalPort),
					"requestPath": pulumi.String(livekit.HealthPath),
				},
			},
		},
		"targetRef": svcRef,
	}), opts...); err != nil {
		return err
	}
	return managedPrometheus(ctx, name, gmpTarget{
		Namespace: w.Namespace, Selector: lkk8s.SelectorLabels(), Port: livekit.PrometheusPort, PodMonitoring: PodMonitoringName, Rules: RulesName,
	}, args.AlertRules, opts...)
}
