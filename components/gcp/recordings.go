package gcp

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/compute"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/organizations"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/storage"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/globalzone"
)

// RecordingsArgs adds the Cloud Storage specifics to the contract.
type RecordingsArgs struct {
	components.RecordingsArgs

	Project string
	// Location is the bucket's region (the cluster's region).
	Location string
	// DNSProvider is the AWS provider used for Route 53 records only.
	DNSProvider pulumi.ProviderResource
}

// Recordings is a private Cloud Storage bucket (uniform access, public
// access prevention, versioning, lifecycle) with optional Cloud CDN through
// a backend bucket behind an HTTPS load balancer under our own hostname.
// The bucket stays private: the CDN fills through its own service account
// and serves signed URLs only.
type Recordings struct {
	pulumi.ResourceState
	components.RecordingsOutputs

	BucketURL pulumi.StringOutput
	// CDNIP is the CDN load balancer's address ("" without CDN).
	CDNIP pulumi.StringOutput
	// SigningKeyName and SigningKey sign CDN URLs (SigningKey is a secret;
	// both "" without CDN).
	SigningKeyName pulumi.StringOutput
	SigningKey     pulumi.StringOutput
}

// check runs the contract's checks, then the cloud's, reporting every problem at once.
func (a *RecordingsArgs) check(e *components.ArgErrors) {
	a.RecordingsArgs.Check(e)
	e.Require(components.Field{Name: "Location", Missing: a.Location == ""}, components.Field{Name: "Project", Missing: a.Project == ""})
	if a.CDN && a.DNSProvider == nil {
		e.Add("DNSProvider is required with CDN")
	}
}

// NewRecordings declares the recordings store.
func NewRecordings(ctx *pulumi.Context, name string, args *RecordingsArgs, opts ...pulumi.ResourceOption) (*Recordings, error) {
	r := &Recordings{}
	parent, err := components.Register(ctx, components.RecordingsType, name, r, args, (*RecordingsArgs).check, opts...)
	if err != nil {
		return nil, err
	}

	bucket, err := storage.NewBucket(ctx, name, &storage.BucketArgs{
		Location:                 pulumi.String(strings.ToUpper(args.Location)),
		StorageClass:             pulumi.String("STANDARD"),
		UniformBucketLevelAccess: pulumi.Bool(true),
		PublicAccessPrevention:   pulumi.String("enforced"),
		Versioning:               &storage.BucketVersioningArgs{Enabled: pulumi.Bool(true)},
		LifecycleRules:           lifecycleRules(args.TransitionDays, args.ExpireDays),
		ForceDestroy:             pulumi.Bool(false),
		Labels:                   pulumi.StringMap{"app": pulumi.String("livekit")},
	}, parent, pulumi.Protect(args.Protect))
	if err != nil {
		return nil, err
	}

	r.Bucket = bucket.Name
	r.BucketURL = bucket.Url
	r.CDNDomain = pulumi.String("").ToStringOutput()
	r.CDNIP = pulumi.String("").ToStringOutput()
	r.SigningKeyName = pulumi.String("").ToStringOutput()
	r.SigningKey = pulumi.ToSecret(pulumi.String("")).(pulumi.StringOutput)
	if args.CDN {
		if err := cdn(ctx, name, args, bucket, r, parent); err != nil {
			return nil, err
		}
	}
	if err := ctx.RegisterResourceOutputs(r, pulumi.Map{
		"bucket": r.Bucket, "bucketUrl": r.BucketURL, "cdnDomain": r.CDNDomain,
	}); err != nil {
		return nil, err
	}
	return r, nil
}

func lifecycleRules(transitionDays, expireDays int) storage.BucketLifecycleRuleArray {
	rule := func(action storage.BucketLifecycleRuleActionArgs, cond storage.BucketLifecycleRuleConditionArgs) *storage.BucketLifecycleRuleArgs {
		return &storage.BucketLifecycleRuleArgs{Action: action, Condition: cond}
	}
	rules := storage.BucketLifecycleRuleArray{
		// Versioning protects against overwrites; old versions still expire.
		rule(storage.BucketLifecycleRuleActionArgs{Type: pulumi.String("Delete")},
			storage.BucketLifecycleRuleConditionArgs{DaysSinceNoncurrentTime: pulumi.Int(30), WithState: pulumi.String("ARCHIVED")}),
		rule(storage.BucketLifecycleRuleActionArgs{Type: pulumi.String("AbortIncompleteMultipartUpload")},
			storage.BucketLifecycleRuleConditionArgs{Age: pulumi.Int(7)}),
	}
	if transitionDays > 0 {
		rules = append(rules, rule(
			storage.BucketLifecycleRuleActionArgs{Type: pulumi.String("SetStorageClass"), StorageClass: pulumi.String("NEARLINE")},
			storage.BucketLifecycleRuleConditionArgs{Age: pulumi.Int(transitionDays), MatchesStorageClasses: pulumi.ToStringArray([]string{"STANDARD"})}))
	}
	if expireDays > 0 {
		rules = append(rules, rule(storage.BucketLifecycleRuleActionArgs{Type: pulumi.String("Delete")},
			storage.BucketLifecycleRuleConditionArgs{Age: pulumi.Int(expireDays), WithState: pulumi.String("LIVE")}))
	}
	return rules
}

// cdn puts Cloud CDN in front of the bucket: backend bucket with CDN and a
// URL-signing key, an HTTPS load balancer with a Certificate Manager
// certificate and a TLS 1.2+ policy, and the DNS record.
func cdn(ctx *pulumi.Context, name string, args *RecordingsArgs, bucket *storage.Bucket, r *Recordings, parent pulumi.ResourceOption) error {
	// Cloud CDN fills from a private bucket as its own service agent.
	project, err := organizations.LookupProject(ctx, &organizations.LookupProjectArgs{ProjectId: pulumi.StringRef(args.Project)}, pulumi.Parent(r))
	if err != nil {
		return fmt.Errorf("recordings %q: looking up project %s: %w", name, args.Project, err)
	}
	backend, err := compute.NewBackendBucket(ctx, name, &compute.BackendBucketArgs{
		BucketName:      bucket.Name,
		Description:     pulumi.String("LiveKit recordings through Cloud CDN"),
		EnableCdn:       pulumi.Bool(true),
		CompressionMode: pulumi.String("DISABLED"), // media files are already compressed
		CdnPolicy: &compute.BackendBucketCdnPolicyArgs{
			CacheMode:               pulumi.String("CACHE_ALL_STATIC"),
			DefaultTtl:              pulumi.Int(3600),
			MaxTtl:                  pulumi.Int(86400),
			ClientTtl:               pulumi.Int(3600),
			SignedUrlCacheMaxAgeSec: pulumi.Int(3600),
			NegativeCaching:         pulumi.Bool(true),
		},
	}, parent)
	if err != nil {
		return err
	}
	// A 128-bit URL-signing key, base64url as Cloud CDN expects; the
	// random provider keeps it a secret in state.
	keyBytes, err := random.NewRandomBytes(ctx, name+"-cdn-key", &random.RandomBytesArgs{Length: pulumi.Int(16)}, parent)
	if err != nil {
		return err
	}
	key := pulumi.ToSecret(keyBytes.Base64.ApplyT(func(b string) string {
		return strings.NewReplacer("+", "-", "/", "_").Replace(b)
	})).(pulumi.StringOutput)
	keyName := name + "-key"
	signedKey, err := compute.NewBackendBucketSignedUrlKey(ctx, name+"-cdn-key", &compute.BackendBucketSignedUrlKeyArgs{
		BackendBucket: backend.Name,
		Name:          pulumi.String(keyName),
		KeyValue:      key,
	}, parent)
	if err != nil {
		return err
	}
	// Google creates the cache-fill service agent when the project's first
	// signed URL key is added (cloud.google.com/cdn/docs/using-signed-urls,
	// "Configure Cloud Storage permissions"): granting it before the key
	// exists fails on a fresh project, so the grant waits for the key.
	if _, err := storage.NewBucketIAMMember(ctx, name+"-cdn-fill", &storage.BucketIAMMemberArgs{
		Bucket: bucket.Name,
		Role:   pulumi.String("roles/storage.objectViewer"),
		Member: pulumi.String(fmt.Sprintf("serviceAccount:service-%s@cloud-cdn-fill.iam.gserviceaccount.com", project.Number)),
	}, parent, pulumi.DependsOn([]pulumi.Resource{signedKey})); err != nil {
		return err
	}

	urlMap, err := compute.NewURLMap(ctx, name+"-cdn", &compute.URLMapArgs{
		Description:    pulumi.String("LiveKit recordings CDN"),
		DefaultService: backend.SelfLink,
	}, parent)
	if err != nil {
		return err
	}
	cmap, _, err := certificateMap(ctx, name+"-cdn", []string{args.CDNHostname}, args.ZoneID, args.DNSProvider, parent)
	if err != nil {
		return err
	}
	sslPolicy, err := compute.NewSSLPolicy(ctx, name+"-cdn", &compute.SSLPolicyArgs{
		Description:   pulumi.String("TLS 1.2+ for the recordings CDN"),
		MinTlsVersion: pulumi.String("TLS_1_2"),
		Profile:       pulumi.String(SSLProfile),
	}, parent)
	if err != nil {
		return err
	}
	proxy, err := compute.NewTargetHttpsProxy(ctx, name+"-cdn", &compute.TargetHttpsProxyArgs{
		UrlMap:         urlMap.SelfLink,
		CertificateMap: pulumi.Sprintf("//certificatemanager.googleapis.com/%s", cmap.ID()),
		SslPolicy:      sslPolicy.SelfLink,
	}, parent)
	if err != nil {
		return err
	}
	ip, err := compute.NewGlobalAddress(ctx, name+"-cdn", &compute.GlobalAddressArgs{
		AddressType: pulumi.String("EXTERNAL"),
		IpVersion:   pulumi.String("IPV4"),
		Description: pulumi.String("LiveKit recordings CDN " + args.CDNHostname),
	}, parent)
	if err != nil {
		return err
	}
	if _, err := compute.NewGlobalForwardingRule(ctx, name+"-cdn", &compute.GlobalForwardingRuleArgs{
		Target:              proxy.SelfLink,
		IpAddress:           ip.Address,
		IpProtocol:          pulumi.String("TCP"),
		PortRange:           pulumi.String("443"),
		LoadBalancingScheme: pulumi.String("EXTERNAL"),
	}, parent); err != nil {
		return err
	}
	if err := globalzone.NewRecord(ctx, name+"-cdn-dns", args.ZoneID, args.CDNHostname, "A", components.StaticRecordTTL, ip.Address,
		parent, pulumi.Provider(args.DNSProvider)); err != nil {
		return err
	}

	r.CDNDomain = pulumi.String(args.CDNHostname).ToStringOutput()
	r.CDNIP = ip.Address
	r.SigningKeyName = pulumi.String(keyName).ToStringOutput()
	r.SigningKey = key
	return nil
}
