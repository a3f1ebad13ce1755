package azure

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	helmv4 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v4"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/globalzone"
	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
	"github.com/livekit-infra/livekit-infra/components/kubernetes/objects"
	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// Signaling front door: Traefik behind an Azure Standard load balancer on the
// static ingress IP, terminating TLS with a cert-manager certificate for the
// regional and the global hostname.
//
// Why cert-manager with DNS-01 against Route 53: the certificate must carry
// the global GeoDNS name too, and that name points at whichever region
// GeoDNS picks, so an HTTP-01 challenge for it would land in a random
// region. DNS-01 proves control of the zone instead. cert-manager reaches
// Route 53 without a stored AWS key: it presents a short-lived token of a
// Kubernetes service account, issued by the AKS OIDC issuer, to
// AssumeRoleWithWebIdentity for a role that may only write the two
// _acme-challenge TXT records.
const (
	CertManagerRepo      = "https://charts.jetstack.io"
	CertManagerNamespace = "cert-manager"
	// certManagerSA is the chart's controller service account
	// (fullnameOverride); dns01SA is the one whose tokens go to AWS.
	certManagerSA = "cert-manager"
	dns01SA       = "cert-manager-route53"
	// ClusterIssuerName issues the signaling certificate.
	ClusterIssuerName = "letsencrypt-route53"

	TraefikRepo      = "https://traefik.github.io/charts"
	TraefikNamespace = "traefik"
	// IngressClass is Traefik's ingress class.
	IngressClass = "traefik"

	// CertificateName and TLSSecretName live in the LiveKit namespace, next
	// to the Ingress that uses them.
	CertificateName = "livekit-signaling"
	TLSSecretName   = "livekit-signaling-tls"
	IngressName     = "livekit-signaling"
	// HSTSMiddleware is the Traefik Middleware (in the LiveKit namespace)
	// adding Strict-Transport-Security to every signaling answer.
	HSTSMiddleware = "livekit-hsts"

	// dnsRegion is the AWS provider's region for Route 53 and IAM (both
	// global); cert-manager needs one for its STS calls.
	dnsRegion    = "us-east-1"
	signalingTTL = components.FrontDoorRecordTTL
)

type signalingLB struct {
	provider  pulumi.ProviderResource
	args      *MediaClusterArgs
	issuer    pulumi.Resource
	traefik   pulumi.Resource
	roleArn   pulumi.StringOutput
	ingressIP pulumi.StringOutput
	// oidcProvider is the IAM OIDC provider of the cluster's issuer.
	oidcProvider pulumi.StringOutput
}

// signaling installs cert-manager (with its Route 53 web identity) and
// Traefik; route adds the certificate, the Ingress and the DNS record once
// the LiveKit workload exists.
func signaling(ctx *pulumi.Context, name string, args *MediaClusterArgs, provider pulumi.ProviderResource, oidcIssuer pulumi.StringOutput, parent pulumi.ResourceOption) (*signalingLB, error) {
	k := pulumi.Provider(provider)
	dns := pulumi.Provider(args.DNSProvider)

	// AWS trusts the AKS OIDC issuer for one service account's tokens.
	oidc, err := iam.NewOpenIdConnectProvider(ctx, name+"-aks-oidc", &iam.OpenIdConnectProviderArgs{
		Url:           oidcIssuer,
		ClientIdLists: pulumi.StringArray{pulumi.String(components.MetricsWriterAudience)},
	}, parent, dns)
	if err != nil {
		return nil, err
	}
	trust := oidc.Arn.ApplyT(func(arn string) (string, error) {
		// The condition key is the provider's URL as IAM stores it (the ARN
		// suffix, without https://).
		_, host, ok := strings.Cut(arn, ":oidc-provider/")
		if !ok {
			return "", fmt.Errorf("unexpected OIDC provider ARN %q", arn)
		}
		return policy([]map[string]any{{
			"Effect":    "Allow",
			"Action":    "sts:AssumeRoleWithWebIdentity",
			"Principal": map[string]any{"Federated": arn},
			"Condition": map[string]any{"StringEquals": map[string]any{
				host + ":sub": "system:serviceaccount:" + CertManagerNamespace + ":" + dns01SA,
			}},
		}})
	}).(pulumi.StringOutput)
	role, err := iam.NewRole(ctx, name+"-dns01", &iam.RoleArgs{
		Description:      pulumi.String("cert-manager on AKS answers ACME DNS-01 challenges for the LiveKit signaling names"),
		AssumeRolePolicy: trust,
	}, parent, dns)
	if err != nil {
		return nil, err
	}
	if _, err := iam.NewRolePolicy(ctx, name+"-dns01", &iam.RolePolicyArgs{
		Role:   role.Name,
		Policy: pulumi.String(dns01Policy(args.ZoneID, certificateNames(args))),
	}, parent, dns); err != nil {
		return nil, err
	}

	// cert-manager, its DNS-01 service account and the right to mint that
	// account's tokens.
	// cert-manager's pods (controller, webhook, cainjector, startupapicheck;
	// DNS-01, so no solver pods) run non-root, seccomp RuntimeDefault, no
	// capabilities, no privilege escalation by the chart's defaults
	// (deploy/charts/cert-manager/values.yaml, v1.21): restricted fits.
	cmNS, err := objects.NewNamespace(ctx, name+"-cert-manager", CertManagerNamespace, lkk8s.RestrictedNamespaceLabels(), parent, k)
	if err != nil {
		return nil, err
	}
	if err := certManagerPolicies(ctx, name+"-cert-manager", cmNS.Name, parent, k); err != nil {
		return nil, err
	}
	onSystemPool := map[string]any{PoolLabel: SystemPool}
	certManager, err := helmv4.NewChart(ctx, name+"-cert-manager", &helmv4.ChartArgs{
		Chart:          pulumi.String("cert-manager"),
		Version:        pulumi.String(args.CertManagerChart),
		RepositoryOpts: &helmv4.RepositoryOptsArgs{Repo: pulumi.String(CertManagerRepo)},
		Namespace:      cmNS.Name,
		Values: toMap(map[string]any{
			"fullnameOverride": certManagerSA,
			"crds":             map[string]any{"enabled": true, "keep": true},
			"global":           map[string]any{"leaderElection": map[string]any{"namespace": CertManagerNamespace}},
			"nodeSelector":     onSystemPool,
			"webhook":          map[string]any{"nodeSelector": onSystemPool},
			"cainjector":       map[string]any{"nodeSelector": onSystemPool},
			"startupapicheck":  map[string]any{"nodeSelector": onSystemPool},
		}),
	}, parent, k)
	if err != nil {
		return nil, err
	}
	binding, err := objects.NewTokenGrant(ctx, name+"-dns01", &objects.TokenGrantArgs{
		Namespace: cmNS.Name, ServiceAccount: dns01SA,
		Requester: certManagerSA, RequesterNamespace: CertManagerNamespace,
	}, parent, k)
	if err != nil {
		return nil, err
	}

	acme := map[string]any{
		"server":              args.ACMEServer,
		"privateKeySecretRef": map[string]any{"name": ClusterIssuerName + "-account"},
		"solvers": []any{map[string]any{
			"dns01": map[string]any{"route53": map[string]any{
				"region":       dnsRegion,
				"hostedZoneID": args.ZoneID,
				"role":         role.Arn,
				"auth":         map[string]any{"kubernetes": map[string]any{"serviceAccountRef": map[string]any{"name": dns01SA}}},
			}},
		}},
	}
	if args.ACMEEmail != "" {
		acme["email"] = args.ACMEEmail
	}
	issuer, err := objects.NewObject(ctx, name+"-issuer", &objects.ObjectArgs{
		APIVersion: "cert-manager.io/v1", Kind: "ClusterIssuer", Name: ClusterIssuerName,
		Spec: toMap(map[string]any{"acme": acme}),
	}, parent, k, pulumi.DependsOn([]pulumi.Resource{certManager, binding}))
	if err != nil {
		return nil, err
	}

	// Traefik on the static IP. Only 443 is exposed; the Azure load balancer
	// keeps client addresses (externalTrafficPolicy Local).
	// Traefik's chart (41.x values.yaml) runs as 65532, non-root, seccomp
	// RuntimeDefault, all capabilities dropped, read-only root, no host
	// network or ports (the Service exposes 443): restricted fits.
	trNS, err := objects.NewNamespace(ctx, name+"-traefik", TraefikNamespace, lkk8s.RestrictedNamespaceLabels(), parent, k)
	if err != nil {
		return nil, err
	}
	if err := traefikPolicies(ctx, name+"-traefik", trNS.Name, args.NodeSubnetCIDR, args.TURNTLSPort, parent, k); err != nil {
		return nil, err
	}
	traefik, err := helmv4.NewChart(ctx, name+"-traefik", &helmv4.ChartArgs{
		Chart:          pulumi.String("traefik"),
		Version:        pulumi.String(args.TraefikChart),
		RepositoryOpts: &helmv4.RepositoryOptsArgs{Repo: pulumi.String(TraefikRepo)},
		Namespace:      trNS.Name,
		Values:         traefikValues(args),
	}, parent, k)
	if err != nil {
		return nil, err
	}
	return &signalingLB{
		provider: provider, args: args, issuer: issuer, traefik: traefik, roleArn: role.Arn,
		ingressIP: args.IngressIPAddress.ToStringOutput(), oidcProvider: oidc.Arn,
	}, nil
}

// traefikValues are the Traefik chart values (chart 41.x names).
func traefikValues(args *MediaClusterArgs) pulumi.Map {
	return toMap(map[string]any{
		"deployment":          map[string]any{"replicas": 2},
		"podDisruptionBudget": map[string]any{"enabled": true, "maxUnavailable": 1},
		"ingressClass":        map[string]any{"enabled": true, "isDefaultClass": false, "name": IngressClass},
		"ingressRoute":        map[string]any{"dashboard": map[string]any{"enabled": false}},
		"ports": map[string]any{
			// No plain HTTP: clients use wss:// and https:// only.
			"web": map[string]any{"expose": map[string]any{"default": false}},
			"websecure": map[string]any{
				"expose": map[string]any{"default": true},
				"http":   map[string]any{"tls": map[string]any{"enabled": true}},
				// Traefik 3 ends a request read after 60 s by default, which
				// cuts long-lived signaling WebSockets.
				"transport": map[string]any{"respondingTimeouts": map[string]any{"readTimeout": 0, "idleTimeout": "3600s"}},
			},
		},
		// sniStrict: a handshake without SNI, or naming a host no Ingress
		// serves, is refused instead of answered with Traefik's
		// self-signed default certificate (every LiveKit SDK, and Route 53's
		// health checks with EnableSNI, send the name). Docs:
		// https://doc.traefik.io/traefik/https/tls/#strict-sni-checking
		"tlsOptions": map[string]any{"default": map[string]any{"minVersion": "VersionTLS12", "sniStrict": true}},
		"service": map[string]any{
			"annotations": map[string]any{
				// The static IP from the Network component, in its own group.
				"service.beta.kubernetes.io/azure-pip-name":                     args.IngressIPName,
				"service.beta.kubernetes.io/azure-load-balancer-resource-group": args.IngressResourceGroupName,
				// Idle WebSockets survive 30 minutes (the default is 4).
				"service.beta.kubernetes.io/azure-load-balancer-tcp-idle-timeout": "30",
			},
			"spec": map[string]any{"type": "LoadBalancer", "externalTrafficPolicy": "Local"},
		},
		"nodeSelector": map[string]any{PoolLabel: SystemPool},
	})
}

// route declares the certificate (regional and global names), the Ingress
// that sends both names to LiveKit's signaling Service, and the regional
// DNS record.
func (s *signalingLB) route(ctx *pulumi.Context, name string, workload *lkk8s.LiveKitWorkload, parent pulumi.ResourceOption) error {
	k := pulumi.Provider(s.provider)
	names := s.args.Names()
	cert, err := objects.NewObject(ctx, name+"-certificate", &objects.ObjectArgs{
		APIVersion: "cert-manager.io/v1", Kind: "Certificate", Name: CertificateName, Namespace: workload.Namespace,
		Spec: toMap(map[string]any{
			"secretName": TLSSecretName,
			"dnsNames":   toAnySlice(names),
			"issuerRef":  map[string]any{"kind": "ClusterIssuer", "name": ClusterIssuerName, "group": "cert-manager.io"},
			"privateKey": map[string]any{"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
		}),
	}, parent, k, pulumi.DependsOn([]pulumi.Resource{s.issuer}))
	if err != nil {
		return err
	}
	// HSTS on every signaling answer: a headers Middleware next to the
	// Ingress (Traefik's CRD provider, on by default in the chart). Docs:
	// https://doc.traefik.io/traefik/middlewares/http/headers/
	hsts, err := objects.NewObject(ctx, name+"-hsts", &objects.ObjectArgs{
		APIVersion: "traefik.io/v1alpha1", Kind: "Middleware", Name: HSTSMiddleware, Namespace: workload.Namespace,
		Spec: toMap(map[string]any{"headers": map[string]any{
			"stsSeconds": livekit.HSTSMaxAgeSeconds, "stsIncludeSubdomains": false, "forceSTSHeader": true,
		}}),
	}, parent, k, pulumi.DependsOn([]pulumi.Resource{s.traefik}))
	if err != nil {
		return err
	}
	if _, err := objects.NewIngress(ctx, name+"-signaling", &objects.IngressArgs{
		Name: IngressName, Namespace: workload.Namespace, Class: IngressClass,
		Annotations: map[string]string{
			"traefik.ingress.kubernetes.io/router.entrypoints": "websecure",
			"traefik.ingress.kubernetes.io/router.tls":         "true",
			// <namespace>-<name>@kubernetescrd names a CRD Middleware.
			"traefik.ingress.kubernetes.io/router.middlewares": lkk8s.DefaultNamespace + "-" + HSTSMiddleware + "@kubernetescrd",
		},
		Hosts: names, TLSSecret: TLSSecretName,
		Service: workload.ServiceName, Port: livekit.SignalPort,
	}, parent, k, pulumi.DependsOn([]pulumi.Resource{s.traefik, cert, hsts})); err != nil {
		return err
	}

	// The regional name points at the static ingress IP; the global stack
	// adds the GeoDNS name on top.
	return globalzone.NewRecord(ctx, name+"-dns", s.args.ZoneID, s.args.Hostname, "A", signalingTTL, s.ingressIP,
		parent, pulumi.Provider(s.args.DNSProvider))
}

// dns01Policy lets cert-manager write only the _acme-challenge TXT records
// of the certificate's names in the zone.
func dns01Policy(zoneID string, names []string) string {
	var records []string
	for _, n := range names {
		records = append(records, "_acme-challenge."+strings.TrimSuffix(n, "."))
	}
	p, _ := policy([]map[string]any{
		{"Sid": "ReadChange", "Effect": "Allow", "Action": "route53:GetChange", "Resource": "arn:aws:route53:::change/*"},
		{"Sid": "ListZoneRecords", "Effect": "Allow", "Action": "route53:ListResourceRecordSets", "Resource": "arn:aws:route53:::hostedzone/" + zoneID},
		{
			"Sid": "WriteChallengeRecords", "Effect": "Allow", "Action": "route53:ChangeResourceRecordSets",
			"Resource": "arn:aws:route53:::hostedzone/" + zoneID,
			"Condition": map[string]any{"ForAllValues:StringEquals": map[string]any{
				"route53:ChangeResourceRecordSetsRecordTypes":           []string{"TXT"},
				"route53:ChangeResourceRecordSetsNormalizedRecordNames": records,
			}},
		},
	})
	return p
}

func policy(statements []map[string]any) (string, error) {
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": statements})
	return string(b), err
}

func toAnySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// toMap turns nested Go maps (whose leaves may be Pulumi inputs) into a
// pulumi.Map for chart values.
func toMap(m map[string]any) pulumi.Map {
	out := pulumi.Map{}
	for k, v := range m {
		out[k] = lkk8s.ToInput(v)
	}
	return out
}
