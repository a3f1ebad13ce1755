package gcp

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/certificatemanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
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
			Ttl:     pulumi.Int(300),
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
