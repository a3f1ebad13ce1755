package azure

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components/globalzone"
	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
	"github.com/livekit-infra/livekit-infra/components/kubernetes/objects"
)

// TURN over TLS on AKS: Traefik, already on 443 at the static ingress IP
// for signaling, also ends TLS for the TURN name. A TCP router matching
// HostSNI(<TURN name>) on the websecure entry point takes those
// connections (Traefik applies TCP routers before HTTP routers on a shared
// entry point, and hands a connection whose SNI no TCP router matches to
// the HTTP routers: doc.traefik.io/traefik/routing/routers/#general-1), ends
// TLS with a cert-manager certificate for the TURN name (default TLS
// options: TLS 1.2+, strict SNI) and forwards the plain TURN stream to the
// LiveKit pods' turnTlsPort (external_tls). Same IP and NSG rule as
// signaling: no second load balancer or public IP, and the TURN port stays
// closed to the internet (it is not among the pool's allowed host ports).
const (
	TURNCertificateName = "livekit-turn"
	TURNTLSSecretName   = "livekit-turn-tls"
	TURNRouteName       = "livekit-turn"
)

// certificateNames are the names cert-manager proves for this region: the
// signaling names and, with TURN/TLS, the TURN name.
func certificateNames(args *MediaClusterArgs) []string {
	names := args.Names()
	if args.TURNTLSPort != 0 {
		names = append(names, args.TURNHostname)
	}
	return names
}

// turn declares the TURN name's certificate, the IngressRouteTCP and the
// TURN name's DNS record (the ingress IP, like the signaling name).
func (s *signalingLB) turn(ctx *pulumi.Context, name string, workload *lkk8s.LiveKitWorkload, parent pulumi.ResourceOption) error {
	a := s.args
	if a.TURNTLSPort == 0 {
		return nil
	}
	k := pulumi.Provider(s.provider)
	cert, err := objects.NewObject(ctx, name+"-turn-certificate", &objects.ObjectArgs{
		APIVersion: "cert-manager.io/v1", Kind: "Certificate", Name: TURNCertificateName, Namespace: workload.Namespace,
		Spec: toMap(map[string]any{
			"secretName": TURNTLSSecretName,
			"dnsNames":   []any{a.TURNHostname},
			"issuerRef":  map[string]any{"kind": "ClusterIssuer", "name": ClusterIssuerName, "group": "cert-manager.io"},
			"privateKey": map[string]any{"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
		}),
	}, parent, k, pulumi.DependsOn([]pulumi.Resource{s.issuer}))
	if err != nil {
		return err
	}
	if _, err := objects.NewObject(ctx, name+"-turn-route", &objects.ObjectArgs{
		APIVersion: "traefik.io/v1alpha1", Kind: "IngressRouteTCP", Name: TURNRouteName, Namespace: workload.Namespace,
		Spec: pulumi.Map{
			"entryPoints": pulumi.ToStringArray([]string{"websecure"}),
			"routes": pulumi.Array{pulumi.Map{
				"match": pulumi.String(fmt.Sprintf("HostSNI(`%s`)", a.TURNHostname)),
				"services": pulumi.Array{pulumi.Map{
					"name": workload.TURNServiceName, "port": pulumi.Int(a.TURNTLSPort),
				}},
			}},
			"tls": pulumi.Map{"secretName": pulumi.String(TURNTLSSecretName)},
		},
	}, parent, k, pulumi.DependsOn([]pulumi.Resource{s.traefik, cert, workload})); err != nil {
		return err
	}
	return globalzone.NewRecord(ctx, name+"-turn-dns", a.ZoneID, a.TURNHostname, "A", signalingTTL, s.ingressIP,
		parent, pulumi.Provider(a.DNSProvider))
}
