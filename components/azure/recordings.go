package azure

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/storage/v2"
	"github.com/pulumi/pulumi-azure/sdk/v5/go/azure/cdn"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/globalzone"
)

// RecordingsContainer is the blob container recordings are written to.
const RecordingsContainer = "recordings"

// BlobPrivateZone is the private DNS zone blob private endpoints register
// in: <account>.blob.core.windows.net is a CNAME to
// <account>.privatelink.blob.core.windows.net, which this zone resolves to
// the endpoint's address inside the VNet. livekit/storage builds the
// public name itself (https://<account>.blob.core.windows.net), so Egress
// reaches the endpoint with no config of its own.
const BlobPrivateZone = "privatelink.blob.core.windows.net"

// PrivateLinkRequest is the request message of Front Door's private
// endpoint connection: how the approval command tells it from others.
const PrivateLinkRequest = "livekit-infra Front Door recordings origin"

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
	// PrivateLink closes the account to the internet (public network
	// access off, network rules deny): Egress and the token servers reach
	// it through a blob private endpoint in EndpointSubnetID (its private
	// DNS zone linked to VnetID), and Front Door Premium through Private
	// Link. Needs CDN: it is the only way in from outside the VNet.
	PrivateLink      bool
	VnetID           pulumi.StringInput
	EndpointSubnetID pulumi.StringInput
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
	// PrivateLinkApproval is the az command that approves Front Door's
	// pending private endpoint connection; "" without PrivateLink.
	PrivateLinkApproval pulumi.StringOutput
}

// AccountName derives a storage account name (3-24 lower-case letters and
// digits, globally unique) from the project, stack and component name.
func AccountName(project, stack, name string) string {
	sum := sha256.Sum256([]byte(project + "/" + stack + "/" + name))
	return "lkrec" + hex.EncodeToString(sum[:])[:17]
}

// check runs the contract's checks, then the cloud's, reporting every problem at once.
func (a *RecordingsArgs) check(e *components.ArgErrors) {
	a.RecordingsArgs.Check(e)
	e.Require(components.Field{Name: "ResourceGroupName", Missing: a.ResourceGroupName == nil},
		components.Field{Name: "Location", Missing: a.Location == ""}, components.Field{Name: "SKU", Missing: a.SKU == ""})
	if a.CDN && a.DNSProvider == nil {
		e.Add("CDN needs DNSProvider for the Route 53 records")
	}
	if a.PrivateLink && !a.CDN {
		e.Add("PrivateLink closes the account to the internet and needs CDN (Front Door is the readers' only way in); turn CDN on or PrivateLink off")
	}
	if a.PrivateLink && (a.VnetID == nil || a.EndpointSubnetID == nil) {
		e.Add("PrivateLink needs VnetID and EndpointSubnetID for the blob private endpoint")
	}
}

// NewRecordings declares the storage account (HTTPS only, TLS 1.2, no
// anonymous access, versioning, soft delete, lifecycle) and, with CDN, Front
// Door Standard serving it under CDNHostname.
func NewRecordings(ctx *pulumi.Context, name string, args *RecordingsArgs, opts ...pulumi.ResourceOption) (*Recordings, error) {
	r := &Recordings{}
	parent, err := components.Register(ctx, components.RecordingsType, name, r, args, (*RecordingsArgs).check, opts...)
	if err != nil {
		return nil, err
	}
	protect := pulumi.Protect(args.Protect)

	// Private Link: nothing on the internet reaches the blob endpoint, not
	// even with a valid key or SAS; Azure services get no bypass either
	// (Front Door comes in over its own private endpoint). Pulumi manages
	// the account through ARM, which network rules do not gate.
	// Docs: https://learn.microsoft.com/azure/storage/common/storage-network-security
	publicAccess := pulumi.String("Enabled")
	var rules storage.NetworkRuleSetPtrInput
	if args.PrivateLink {
		publicAccess = pulumi.String("Disabled")
		rules = &storage.NetworkRuleSetArgs{DefaultAction: storage.DefaultActionDeny, Bypass: pulumi.String("None")}
	}
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
		PublicNetworkAccess:  publicAccess,
		NetworkRuleSet:       rules,
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

	r.PrivateLinkApproval = pulumi.String("").ToStringOutput()
	if args.PrivateLink {
		if err := blobEndpoint(ctx, name, args, account.ID(), parent); err != nil {
			return nil, err
		}
		r.PrivateLinkApproval = approvalCommand(args.ResourceGroupName, account.Name)
	}

	r.CDNDomain = pulumi.String("").ToStringOutput()
	r.CDNProfileID = pulumi.String("").ToStringOutput()
	if args.CDN {
		blobHost := account.PrimaryEndpoints.Blob().ApplyT(func(u string) string {
			return strings.TrimSuffix(strings.TrimPrefix(u, "https://"), "/")
		}).(pulumi.StringOutput)
		profileID, err := frontDoor(ctx, name, args, blobHost, account.ID(), parent)
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
		"privateLinkApproval": r.PrivateLinkApproval,
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

// frontDoor serves the container through Azure Front Door (new Azure CDN
// classic profiles can no longer be created) under our own hostname with a
// managed TLS 1.2 certificate. The container stays private: clients fetch
// SAS-signed URLs, and the route caches per query string so the signature
// is forwarded to, and checked by, storage. Front Door holds no credential:
// a user delegation SAS in the query is the request's authorization, so
// shared keys can be off.
//
// With PrivateLink the profile is Premium and the origin a Private Link
// origin: Front Door's own managed private endpoint into the account, the
// only way a storage firewall can admit Front Door (its network rules take
// IP ranges, VNet subnets and resource instances; Front Door is none of
// them, and the AzureFrontDoor.Backend service tag is for NSGs only).
// Azure opens that connection as Pending on the account and nothing
// declarative can approve it: the connection's name is generated by Front
// Door when it asks, and neither provider lists an account's connections
// (azure-native storage.PrivateEndpointConnection needs that name), so it
// is approved once with approvalCommand. The SKU cannot change in place:
// switching PrivateLink replaces the profile, its endpoint and custom
// domain (a new managed certificate).
// Docs: https://learn.microsoft.com/azure/frontdoor/private-link,
// https://learn.microsoft.com/azure/frontdoor/standard-premium/how-to-enable-private-link-storage-account
func frontDoor(ctx *pulumi.Context, name string, args *RecordingsArgs, blobHost pulumi.StringOutput, accountID pulumi.IDOutput, parent pulumi.ResourceOption) (pulumi.StringOutput, error) {
	dns := pulumi.Provider(args.DNSProvider)
	profile, err := cdn.NewFrontdoorProfile(ctx, name, &cdn.FrontdoorProfileArgs{
		ResourceGroupName: args.ResourceGroupName,
		SkuName:           pulumi.String(FrontDoorSKU(args.PrivateLink)),
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
	var private *cdn.FrontdoorOriginPrivateLinkArgs
	if args.PrivateLink {
		private = &cdn.FrontdoorOriginPrivateLinkArgs{
			PrivateLinkTargetId: accountID,
			TargetType:          pulumi.String("blob"),
			Location:            pulumi.String(args.Location),
			RequestMessage:      pulumi.String(PrivateLinkRequest),
		}
	}
	origin, err := cdn.NewFrontdoorOrigin(ctx, name, &cdn.FrontdoorOriginArgs{
		CdnFrontdoorOriginGroupId:   group.ID(),
		PrivateLink:                 private,
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
	if err := globalzone.NewRecord(ctx, name+"-cdn-validation", args.ZoneID, "_dnsauth."+args.CDNHostname, "TXT", components.StaticRecordTTL,
		domain.ValidationToken, parent, dns); err != nil {
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
	if err := globalzone.NewRecord(ctx, name+"-cdn-dns", args.ZoneID, args.CDNHostname, "CNAME", components.StaticRecordTTL, endpoint.HostName,
		parent, dns); err != nil {
		return pulumi.StringOutput{}, err
	}
	return profile.ID().ToStringOutput(), nil
}

// FrontDoorSKU is the profile's tier: Private Link origins are Premium only.
func FrontDoorSKU(privateLink bool) string {
	if privateLink {
		return "Premium_AzureFrontDoor"
	}
	return "Standard_AzureFrontDoor"
}

// blobEndpoint gives the account's blob service an address in the VNet's
// endpoint subnet (the subnet's NSG admits the node subnet on 443 only:
// NetworkArgs.BlobEndpoint) and resolves the account's name to it inside
// the VNet, so Egress's uploads and the token servers' user delegation
// key requests never leave it.
func blobEndpoint(ctx *pulumi.Context, name string, args *RecordingsArgs, accountID pulumi.IDOutput, parent pulumi.ResourceOption) error {
	return newPrivateLink(ctx, name, privateLink{
		ResourceGroupName: args.ResourceGroupName, Location: args.Location, SubnetID: args.EndpointSubnetID, VnetID: args.VnetID,
		TargetID: accountID, GroupID: "blob", Zone: BlobPrivateZone, ZoneConfig: "blob",
	}, parent)
}

// approvalCommand approves Front Door's pending private endpoint connection
// on the account (the one manual step of PrivateLink; frontDoor says why),
// picking it by its request message.
func approvalCommand(resourceGroup pulumi.StringInput, account pulumi.StringOutput) pulumi.StringOutput {
	return pulumi.Sprintf("az network private-endpoint-connection list --resource-group %s --name %s --type Microsoft.Storage/storageAccounts "+
		"--query \"[?properties.privateLinkServiceConnectionState.status=='Pending' && properties.privateLinkServiceConnectionState.description=='%s'].id\" --output tsv "+
		"| xargs -r -n1 az network private-endpoint-connection approve --description 'Front Door recordings origin' --id",
		resourceGroup, account, PrivateLinkRequest)
}
