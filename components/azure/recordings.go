package azure

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-azure-native-sdk/storage/v2"
	"github.com/pulumi/pulumi-azure/sdk/v5/go/azure/cdn"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
)

// RecordingsContainer is the blob container recordings are written to.
const RecordingsContainer = "recordings"

// RecordingsArgs adds the Azure placement to the contract.
type RecordingsArgs struct {
	components.RecordingsArgs

	ResourceGroupName pulumi.StringInput
	Location          string
	// SKU is the storage account's replication, e.g. Standard_ZRS.
	SKU string
	// DNSProvider is the explicit AWS provider for the Route 53 records of
	// the CDN hostname (required with CDN).
	DNSProvider pulumi.ProviderResource
	// SharedKeyAccess keeps the account keys working. Off, only Entra ID
	// identities reach the data (role assignments), and readers get user
	// delegation SAS URLs (signed with an identity's delegation key, which
	// storage accepts with shared keys off). LiveKit Egress needs it on: it
	// uploads with the account name and key only (livekit/storage azure.go
	// builds a shared-key credential, and the egress request has no other
	// Azure credential).
	SharedKeyAccess bool
}

// Recordings is a private, versioned storage account container, optionally
// behind Azure Front Door under our own hostname.
type Recordings struct {
	pulumi.ResourceState
	components.RecordingsOutputs

	// Account is the storage account name; Container the blob container.
	Account   pulumi.StringOutput
	Container pulumi.StringOutput
	AccountID pulumi.StringOutput
	// ContainerID is the container's resource id (a role assignment scope).
	ContainerID pulumi.StringOutput
	// CDNProfileID is the Front Door profile (the target of its diagnostic
	// settings); "" without a CDN.
	CDNProfileID pulumi.StringOutput
}

// AccountName derives a storage account name (3-24 lower-case letters and
// digits, globally unique) from the project, stack and component name.
func AccountName(project, stack, name string) string {
	sum := sha256.Sum256([]byte(project + "/" + stack + "/" + name))
	return "lkrec" + hex.EncodeToString(sum[:])[:17]
}

// validate runs the contract's checks, then the cloud's, reporting every problem at once.
func (a *RecordingsArgs) validate(name string) error {
	e := components.NewArgErrors("Recordings", name)
	if a == nil {
		e.Add("args are required")
		return e.Err()
	}
	a.RecordingsArgs.Check(e)
	e.Require(components.Field{Name: "ResourceGroupName", Missing: a.ResourceGroupName == nil},
		components.Field{Name: "Location", Missing: a.Location == ""}, components.Field{Name: "SKU", Missing: a.SKU == ""})
	if a.CDN && a.DNSProvider == nil {
		e.Add("CDN needs DNSProvider for the Route 53 records")
	}
	return e.Err()
}

// NewRecordings declares the storage account (HTTPS only, TLS 1.2, no
// anonymous access, versioning, soft delete, lifecycle) and, with CDN, Front
// Door Standard serving it under CDNHostname.
func NewRecordings(ctx *pulumi.Context, name string, args *RecordingsArgs, opts ...pulumi.ResourceOption) (*Recordings, error) {
	if err := args.validate(name); err != nil {
		return nil, err
	}

	r := &Recordings{}
	if err := ctx.RegisterComponentResource(components.RecordingsType, name, r, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(r)
	protect := pulumi.Protect(args.Protect)

	account, err := storage.NewStorageAccount(ctx, name, &storage.StorageAccountArgs{
		AccountName:       pulumi.String(AccountName(ctx.Project(), ctx.Stack(), name)),
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
		Kind:              pulumi.String("StorageV2"),
		Sku:               &storage.SkuArgs{Name: pulumi.String(args.SKU)},
		AccessTier:        storage.AccessTierHot,
		// Recordings and signed URLs never travel over plain HTTP or old TLS.
		EnableHttpsTrafficOnly: pulumi.Bool(true),
		MinimumTlsVersion:      pulumi.String("TLS1_2"),
		// No container may ever be made anonymous; readers get SAS URLs.
		AllowBlobPublicAccess:        pulumi.Bool(false),
		AllowCrossTenantReplication:  pulumi.Bool(false),
		DefaultToOAuthAuthentication: pulumi.Bool(true),
		// Identity-based access by default; shared keys (account-key SAS
		// included) only on the explicit opt-in LiveKit Egress needs.
		// Docs: https://learn.microsoft.com/azure/storage/common/shared-key-authorization-prevent
		AllowSharedKeyAccess: pulumi.Bool(args.SharedKeyAccess),
		Encryption: &storage.EncryptionArgs{
			KeySource: pulumi.String("Microsoft.Storage"),
			Services: &storage.EncryptionServicesArgs{
				Blob: &storage.EncryptionServiceArgs{Enabled: pulumi.Bool(true), KeyType: pulumi.String("Account")},
				File: &storage.EncryptionServiceArgs{Enabled: pulumi.Bool(true), KeyType: pulumi.String("Account")},
			},
		},
		Tags: pulumi.StringMap{"app": pulumi.String("livekit")},
	}, parent, protect)
	if err != nil {
		return nil, err
	}
	if _, err := storage.NewBlobServiceProperties(ctx, name, &storage.BlobServicePropertiesArgs{
		ResourceGroupName:   args.ResourceGroupName,
		AccountName:         account.Name,
		BlobServicesName:    pulumi.String("default"),
		IsVersioningEnabled: pulumi.Bool(true),
		// Deleted recordings and containers stay recoverable for a week.
		DeleteRetentionPolicy:          &storage.DeleteRetentionPolicyArgs{Enabled: pulumi.Bool(true), Days: pulumi.Int(7)},
		ContainerDeleteRetentionPolicy: &storage.DeleteRetentionPolicyArgs{Enabled: pulumi.Bool(true), Days: pulumi.Int(7)},
	}, parent); err != nil {
		return nil, err
	}
	container, err := storage.NewBlobContainer(ctx, name, &storage.BlobContainerArgs{
		ResourceGroupName: args.ResourceGroupName,
		AccountName:       account.Name,
		ContainerName:     pulumi.String(RecordingsContainer),
		PublicAccess:      storage.PublicAccessNone,
	}, parent, protect)
	if err != nil {
		return nil, err
	}
	if _, err := storage.NewManagementPolicy(ctx, name, &storage.ManagementPolicyArgs{
		ResourceGroupName:    args.ResourceGroupName,
		AccountName:          account.Name,
		ManagementPolicyName: pulumi.String("default"),
		Policy:               &storage.ManagementPolicySchemaArgs{Rules: lifecycleRules(args.TransitionDays, args.ExpireDays)},
	}, parent); err != nil {
		return nil, err
	}

	r.CDNDomain = pulumi.String("").ToStringOutput()
	r.CDNProfileID = pulumi.String("").ToStringOutput()
	if args.CDN {
		blobHost := account.PrimaryEndpoints.Blob().ApplyT(func(u string) string {
			return strings.TrimSuffix(strings.TrimPrefix(u, "https://"), "/")
		}).(pulumi.StringOutput)
		profileID, err := frontDoor(ctx, name, args, blobHost, parent)
		if err != nil {
			return nil, err
		}
		r.CDNDomain = pulumi.String(args.CDNHostname).ToStringOutput()
		r.CDNProfileID = profileID
	}

	r.Account = account.Name
	r.AccountID = account.ID().ToStringOutput()
	r.Container = container.Name
	r.ContainerID = container.ID().ToStringOutput()
	r.Bucket = pulumi.Sprintf("%s/%s", account.Name, container.Name)
	if err := ctx.RegisterResourceOutputs(r, pulumi.Map{
		"bucket": r.Bucket, "cdnDomain": r.CDNDomain, "account": r.Account, "container": r.Container, "accountId": r.AccountID,
	}); err != nil {
		return nil, err
	}
	return r, nil
}

func lifecycleRules(transitionDays, expireDays int) storage.ManagementPolicyRuleArray {
	base := &storage.ManagementPolicyBaseBlobArgs{}
	if transitionDays > 0 {
		base.TierToCool = &storage.DateAfterModificationArgs{DaysAfterModificationGreaterThan: pulumi.Float64(float64(transitionDays))}
	}
	if expireDays > 0 {
		base.Delete = &storage.DateAfterModificationArgs{DaysAfterModificationGreaterThan: pulumi.Float64(float64(expireDays))}
	}
	return storage.ManagementPolicyRuleArray{&storage.ManagementPolicyRuleArgs{
		Name:    pulumi.String("recordings"),
		Type:    pulumi.String("Lifecycle"),
		Enabled: pulumi.Bool(true),
		Definition: &storage.ManagementPolicyDefinitionArgs{
			Filters: &storage.ManagementPolicyFilterArgs{
				BlobTypes:   pulumi.StringArray{pulumi.String("blockBlob")},
				PrefixMatch: pulumi.StringArray{pulumi.String(RecordingsContainer + "/")},
			},
			Actions: &storage.ManagementPolicyActionArgs{
				BaseBlob: base,
				// Versioning protects against overwrites; old versions still expire.
				Version: &storage.ManagementPolicyVersionArgs{
					Delete: &storage.DateAfterCreationArgs{DaysAfterCreationGreaterThan: pulumi.Float64(30)},
				},
			},
		},
	}}
}

// frontDoor serves the container through Azure Front Door Standard (new
// Azure CDN classic profiles can no longer be created) under our own
// hostname with a managed TLS 1.2 certificate. The container stays private:
// clients fetch SAS-signed URLs, and the route caches per query string so
// the signature is forwarded to, and checked by, storage. Front Door holds
// no credential: a user delegation SAS in the query is the request's
// authorization, so shared keys can be off.
//
// The account's public endpoint stays open to the network (no default-deny
// network rules): Front Door Standard reaches a storage origin over its
// public endpoint from Front Door's own addresses, which a storage firewall
// cannot name (its network rules take IP ranges, VNet subnets and trusted
// resource instances; Front Door is none of them and the AzureFrontDoor.Backend
// service tag is for NSGs only). Closing it takes Front Door Premium with a
// Private Link origin, whose private endpoint connection the account owner
// must approve (docs/azure.md, "Recordings storage: what stays open").
// Docs: https://learn.microsoft.com/azure/frontdoor/private-link,
// https://learn.microsoft.com/azure/storage/common/storage-network-security
func frontDoor(ctx *pulumi.Context, name string, args *RecordingsArgs, blobHost pulumi.StringOutput, parent pulumi.ResourceOption) (pulumi.StringOutput, error) {
	dns := pulumi.Provider(args.DNSProvider)
	profile, err := cdn.NewFrontdoorProfile(ctx, name, &cdn.FrontdoorProfileArgs{
		ResourceGroupName: args.ResourceGroupName,
		SkuName:           pulumi.String("Standard_AzureFrontDoor"),
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	endpoint, err := cdn.NewFrontdoorEndpoint(ctx, name, &cdn.FrontdoorEndpointArgs{
		CdnFrontdoorProfileId: profile.ID(),
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	group, err := cdn.NewFrontdoorOriginGroup(ctx, name, &cdn.FrontdoorOriginGroupArgs{
		CdnFrontdoorProfileId: profile.ID(),
		LoadBalancing:         &cdn.FrontdoorOriginGroupLoadBalancingArgs{},
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	origin, err := cdn.NewFrontdoorOrigin(ctx, name, &cdn.FrontdoorOriginArgs{
		CdnFrontdoorOriginGroupId:   group.ID(),
		HostName:                    blobHost,
		OriginHostHeader:            blobHost,
		HttpsPort:                   pulumi.Int(443),
		CertificateNameCheckEnabled: pulumi.Bool(true),
		Enabled:                     pulumi.Bool(true),
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	domain, err := cdn.NewFrontdoorCustomDomain(ctx, name, &cdn.FrontdoorCustomDomainArgs{
		CdnFrontdoorProfileId: profile.ID(),
		HostName:              pulumi.String(args.CDNHostname),
		Tls: &cdn.FrontdoorCustomDomainTlsArgs{
			CertificateType:   pulumi.String("ManagedCertificate"),
			MinimumTlsVersion: pulumi.String("TLS12"),
		},
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	// Front Door proves domain ownership with a TXT record before it issues
	// the managed certificate.
	if _, err := route53.NewRecord(ctx, name+"-cdn-validation", &route53.RecordArgs{
		ZoneId:  pulumi.String(args.ZoneID),
		Name:    pulumi.String("_dnsauth." + args.CDNHostname),
		Type:    pulumi.String("TXT"),
		Ttl:     pulumi.Int(300),
		Records: pulumi.StringArray{domain.ValidationToken},
	}, parent, dns); err != nil {
		return pulumi.StringOutput{}, err
	}
	if _, err := cdn.NewFrontdoorRoute(ctx, name, &cdn.FrontdoorRouteArgs{
		CdnFrontdoorEndpointId:      endpoint.ID(),
		CdnFrontdoorOriginGroupId:   group.ID(),
		CdnFrontdoorOriginIds:       pulumi.StringArray{origin.ID()},
		CdnFrontdoorCustomDomainIds: pulumi.StringArray{domain.ID()},
		CdnFrontdoorOriginPath:      pulumi.String("/" + RecordingsContainer),
		LinkToDefaultDomain:         pulumi.Bool(false),
		PatternsToMatches:           pulumi.StringArray{pulumi.String("/*")},
		SupportedProtocols:          pulumi.StringArray{pulumi.String("Http"), pulumi.String("Https")},
		HttpsRedirectEnabled:        pulumi.Bool(true),
		ForwardingProtocol:          pulumi.String("HttpsOnly"),
		Cache: &cdn.FrontdoorRouteCacheArgs{
			QueryStringCachingBehavior: pulumi.String("UseQueryString"),
			CompressionEnabled:         pulumi.Bool(false),
		},
	}, parent); err != nil {
		return pulumi.StringOutput{}, err
	}
	if _, err := route53.NewRecord(ctx, name+"-cdn-dns", &route53.RecordArgs{
		ZoneId:  pulumi.String(args.ZoneID),
		Name:    pulumi.String(args.CDNHostname),
		Type:    pulumi.String("CNAME"),
		Ttl:     pulumi.Int(300),
		Records: pulumi.StringArray{endpoint.HostName},
	}, parent, dns); err != nil {
		return pulumi.StringOutput{}, err
	}
	return profile.ID().ToStringOutput(), nil
}
