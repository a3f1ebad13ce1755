package aws

import (
	"encoding/json"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-tls/sdk/v5/go/tls"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
)

// RecordingsArgs adds the CloudFront specifics to the contract.
type RecordingsArgs struct {
	components.RecordingsArgs

	// PriceClass is CloudFront's price class.
	PriceClass string
	// LogBucketArn receives the CDN's standard logs under CDNLogPrefix;
	// nil turns them off.
	LogBucketArn pulumi.StringInput
}

// Recordings is the S3 bucket (private, encrypted, versioned) with an
// optional CloudFront distribution reading it through origin access control
// and serving only URLs signed with the distribution's key group.
type Recordings struct {
	pulumi.ResourceState
	components.RecordingsOutputs

	BucketArn pulumi.StringOutput
	// CDNKeyID is the CloudFront public key id a signed URL names
	// (Key-Pair-Id); CDNSigningKey the matching RSA private key (PEM, a
	// secret) for the token servers' secret. Both empty without a CDN.
	CDNKeyID      pulumi.StringOutput
	CDNSigningKey pulumi.StringOutput
}

// managedCachingOptimized is AWS's managed "CachingOptimized" cache policy.
const managedCachingOptimized = "658327ea-f89d-4fab-a63d-7e88639e58f6"

// check runs the contract's checks, then the cloud's, reporting every problem at once.
func (a *RecordingsArgs) check(e *components.ArgErrors) {
	a.RecordingsArgs.Check(e)
}

// NewRecordings declares the recordings store.
func NewRecordings(ctx *pulumi.Context, name string, args *RecordingsArgs, opts ...pulumi.ResourceOption) (*Recordings, error) {
	r := &Recordings{}
	parent, err := components.Register(ctx, components.RecordingsType, name, r, args, (*RecordingsArgs).check, opts...)
	if err != nil {
		return nil, err
	}

	bucket, pab, err := privateBucket(ctx, name, args.Protect, true, parent)
	if err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketVersioningV2(ctx, name, &s3.BucketVersioningV2Args{
		Bucket:                  bucket.ID(),
		VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, parent); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules:  lifecycleRules(args.TransitionDays, args.ExpireDays),
	}, parent); err != nil {
		return nil, err
	}

	r.CDNDomain = pulumi.String("").ToStringOutput()
	r.CDNKeyID = pulumi.String("").ToStringOutput()
	r.CDNSigningKey = pulumi.ToSecret(pulumi.String("")).(pulumi.StringOutput)
	distArn := pulumi.String("").ToStringOutput()
	if args.CDN {
		dist, key, err := cdn(ctx, name, args, bucket, parent)
		if err != nil {
			return nil, err
		}
		distArn = dist.Arn
		r.CDNDomain = pulumi.String(args.CDNHostname).ToStringOutput()
		r.CDNKeyID = key.ID
		r.CDNSigningKey = key.PrivateKey
	}

	policy := pulumi.All(bucket.Arn, distArn).ApplyT(func(v []any) (string, error) {
		arn := v[0].(string)
		stmts := []map[string]any{{
			// Recordings and signed URLs are never fetched over plain HTTP.
			"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
			"Resource":  []string{arn, arn + "/*"},
			"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		}}
		if d, _ := v[1].(string); d != "" {
			stmts = append(stmts, map[string]any{
				"Sid": "CloudFrontReadsThroughOAC", "Effect": "Allow",
				"Principal": map[string]any{"Service": "cloudfront.amazonaws.com"},
				"Action":    "s3:GetObject", "Resource": arn + "/*",
				"Condition": map[string]any{"StringEquals": map[string]any{"AWS:SourceArn": d}},
			})
		}
		b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": stmts})
		return string(b), err
	}).(pulumi.StringOutput)
	if _, err := s3.NewBucketPolicy(ctx, name, &s3.BucketPolicyArgs{Bucket: bucket.ID(), Policy: policy},
		parent, pulumi.DependsOn([]pulumi.Resource{pab})); err != nil {
		return nil, err
	}

	r.Bucket = bucket.Bucket
	r.BucketArn = bucket.Arn
	if err := ctx.RegisterResourceOutputs(r, pulumi.Map{"bucket": r.Bucket, "cdnDomain": r.CDNDomain, "bucketArn": r.BucketArn,
		"cdnKeyId": r.CDNKeyID, "cdnSigningKey": r.CDNSigningKey}); err != nil {
		return nil, err
	}
	return r, nil
}

func lifecycleRules(transitionDays, expireDays int) s3.BucketLifecycleConfigurationV2RuleArray {
	rule := &s3.BucketLifecycleConfigurationV2RuleArgs{
		Id:     pulumi.String("recordings"),
		Status: pulumi.String("Enabled"),
		Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
		AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
			DaysAfterInitiation: pulumi.Int(7),
		},
		// Versioning protects against overwrites; old versions still expire.
		NoncurrentVersionExpiration: &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{
			NoncurrentDays: pulumi.Int(30),
		},
	}
	if transitionDays > 0 {
		rule.Transitions = s3.BucketLifecycleConfigurationV2RuleTransitionArray{&s3.BucketLifecycleConfigurationV2RuleTransitionArgs{
			Days: pulumi.Int(transitionDays), StorageClass: pulumi.String("STANDARD_IA"),
		}}
	}
	if expireDays > 0 {
		rule.Expiration = &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(expireDays)}
	}
	return s3.BucketLifecycleConfigurationV2RuleArray{rule}
}

// cdn puts CloudFront in front of the bucket under our own hostname, so the
// viewer certificate can require TLS 1.2 (the default *.cloudfront.net
// certificate allows TLS 1.0). CloudFront certificates must be in us-east-1.
// Every request must carry a URL (or cookie) signed with the key group's key.
func cdn(ctx *pulumi.Context, name string, args *RecordingsArgs, bucket *s3.BucketV2, parent pulumi.ResourceOption) (*cloudfront.Distribution, *cdnKey, error) {
	useast1, err := aws.NewProvider(ctx, name+"-us-east-1", &aws.ProviderArgs{Region: pulumi.String("us-east-1")}, parent)
	if err != nil {
		return nil, nil, err
	}
	key, err := cdnSigningKey(ctx, name, parent)
	if err != nil {
		return nil, nil, err
	}
	cert, err := acm.NewCertificate(ctx, name+"-cdn-cert", &acm.CertificateArgs{
		DomainName:       pulumi.String(args.CDNHostname),
		ValidationMethod: pulumi.String("DNS"),
	}, parent, pulumi.Provider(useast1))
	if err != nil {
		return nil, nil, err
	}
	certArn, err := validateCertificate(ctx, name+"-cdn-cert", cert, args.ZoneID, 1, parent, pulumi.Provider(useast1))
	if err != nil {
		return nil, nil, err
	}
	oac, err := cloudfront.NewOriginAccessControl(ctx, name, &cloudfront.OriginAccessControlArgs{
		Description:                   pulumi.String("CloudFront reads " + name + " with SigV4"),
		OriginAccessControlOriginType: pulumi.String("s3"),
		SigningBehavior:               pulumi.String("always"),
		SigningProtocol:               pulumi.String("sigv4"),
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	const originID = "recordings"
	dist, err := cloudfront.NewDistribution(ctx, name, &cloudfront.DistributionArgs{
		Enabled:       pulumi.Bool(true),
		Comment:       pulumi.String("LiveKit recordings"),
		Aliases:       pulumi.StringArray{pulumi.String(args.CDNHostname)},
		PriceClass:    pulumi.String(args.PriceClass),
		HttpVersion:   pulumi.String("http2and3"),
		IsIpv6Enabled: pulumi.Bool(true),
		Origins: cloudfront.DistributionOriginArray{&cloudfront.DistributionOriginArgs{
			OriginId:              pulumi.String(originID),
			DomainName:            bucket.BucketRegionalDomainName,
			OriginAccessControlId: oac.ID(),
		}},
		DefaultCacheBehavior: &cloudfront.DistributionDefaultCacheBehaviorArgs{
			TargetOriginId:       pulumi.String(originID),
			ViewerProtocolPolicy: pulumi.String("redirect-to-https"),
			AllowedMethods:       pulumi.ToStringArray([]string{"GET", "HEAD"}),
			CachedMethods:        pulumi.ToStringArray([]string{"GET", "HEAD"}),
			CachePolicyId:        pulumi.String(managedCachingOptimized),
			Compress:             pulumi.Bool(true),
			// Without a trusted key group CloudFront serves every object
			// to anyone with its URL; with one it answers 403 unless the
			// URL or cookie is signed by a key of the group. Docs:
			// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/PrivateContent.html
			TrustedKeyGroups: pulumi.StringArray{key.GroupID},
		},
		Restrictions: &cloudfront.DistributionRestrictionsArgs{
			GeoRestriction: &cloudfront.DistributionRestrictionsGeoRestrictionArgs{RestrictionType: pulumi.String("none")},
		},
		ViewerCertificate: &cloudfront.DistributionViewerCertificateArgs{
			AcmCertificateArn:      certArn,
			SslSupportMethod:       pulumi.String("sni-only"),
			MinimumProtocolVersion: pulumi.String("TLSv1.2_2021"),
		},
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	if args.LogBucketArn != nil {
		if err := cdnLogs(ctx, name, dist, args.LogBucketArn, parent, pulumi.Provider(useast1)); err != nil {
			return nil, nil, err
		}
	}
	if err := aliasRecord(ctx, name+"-cdn-dns", args.ZoneID, args.CDNHostname, dist.DomainName, dist.HostedZoneId, false, parent); err != nil {
		return nil, nil, err
	}
	return dist, key, nil
}

// cdnLogs turns on CloudFront standard logging (v2): a CloudWatch Logs
// delivery from the distribution (a source in us-east-1) to the region's log
// bucket, whose lifecycle keeps them logRetentionDays. v2 rather than the
// legacy logging, which needs a bucket with ACLs enabled. Docs:
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging.html
func cdnLogs(ctx *pulumi.Context, name string, dist *cloudfront.Distribution, bucketArn pulumi.StringInput, opts ...pulumi.ResourceOption) error {
	// Delivery names are per account and region: the stack keeps them apart.
	base := ctx.Stack() + "-" + name + "-cdn"
	src, err := cloudwatch.NewLogDeliverySource(ctx, name+"-cdn-logs", &cloudwatch.LogDeliverySourceArgs{
		Name:        pulumi.String(base),
		LogType:     pulumi.String("ACCESS_LOGS"),
		ResourceArn: dist.Arn,
	}, opts...)
	if err != nil {
		return err
	}
	dst, err := cloudwatch.NewLogDeliveryDestination(ctx, name+"-cdn-logs", &cloudwatch.LogDeliveryDestinationArgs{
		Name:         pulumi.String(base + "-s3"),
		OutputFormat: pulumi.String("w3c"),
		DeliveryDestinationConfiguration: &cloudwatch.LogDeliveryDestinationDeliveryDestinationConfigurationArgs{
			DestinationResourceArn: pulumi.Sprintf("%s/%s", bucketArn, CDNLogPrefix),
		},
	}, opts...)
	if err != nil {
		return err
	}
	_, err = cloudwatch.NewLogDelivery(ctx, name+"-cdn-logs", &cloudwatch.LogDeliveryArgs{
		DeliverySourceName:     src.Name,
		DeliveryDestinationArn: dst.Arn,
	}, opts...)
	return err
}

// cdnKey is the distribution's URL-signing key: the key group the default
// behaviour trusts, the public key's id (a signed URL's Key-Pair-Id) and the
// private key (PEM, a secret).
type cdnKey struct {
	GroupID    pulumi.StringOutput
	ID         pulumi.StringOutput
	PrivateKey pulumi.StringOutput
}

// cdnSigningKey generates the RSA key pair that signs recordings URLs and
// registers its public half with CloudFront. CloudFront signed URLs take
// RSA 2048-bit (SHA1-RSA) or ECDSA P-256 keys; RSA is what every CloudFront
// signer library reads. The private key lives in Pulumi state as a secret
// and in the token servers' secret; replacing this resource rotates it.
// Docs: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-trusted-signers.html
func cdnSigningKey(ctx *pulumi.Context, name string, parent pulumi.ResourceOption) (*cdnKey, error) {
	priv, err := tls.NewPrivateKey(ctx, name+"-cdn-signing", &tls.PrivateKeyArgs{
		Algorithm: pulumi.String("RSA"),
		RsaBits:   pulumi.Int(2048),
	}, parent, pulumi.AdditionalSecretOutputs([]string{"privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"}))
	if err != nil {
		return nil, err
	}
	// Public keys and key groups are account-wide names: the stack keeps
	// them apart; a prefix lets a new key exist beside the old one while
	// it is replaced.
	pub, err := cloudfront.NewPublicKey(ctx, name+"-cdn-signing", &cloudfront.PublicKeyArgs{
		NamePrefix: pulumi.String(ctx.Stack() + "-" + name + "-"),
		Comment:    pulumi.String("Signs LiveKit recordings URLs (token servers)"),
		EncodedKey: priv.PublicKeyPem,
	}, parent)
	if err != nil {
		return nil, err
	}
	group, err := cloudfront.NewKeyGroup(ctx, name+"-cdn-signing", &cloudfront.KeyGroupArgs{
		Name:    pulumi.String(ctx.Stack() + "-" + name),
		Comment: pulumi.String("Keys trusted to sign LiveKit recordings URLs"),
		Items:   pulumi.StringArray{pub.ID()},
	}, parent)
	if err != nil {
		return nil, err
	}
	return &cdnKey{
		GroupID:    group.ID().ToStringOutput(),
		ID:         pub.ID().ToStringOutput(),
		PrivateKey: pulumi.ToSecret(priv.PrivateKeyPem).(pulumi.StringOutput),
	}, nil
}
