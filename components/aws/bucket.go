package aws

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// privateBucket declares the bucket every AWS store of this product starts
// from (recordings, logs): named after name, public access blocked, owner
// enforced (ACLs off; log deliveries' bucket-owner-full-control ACL is
// accepted and ignored), encrypted at rest with SSE-S3 (the one encryption
// ALB access logs support). bucketKey turns on S3 Bucket Keys. The children
// keep the names they had when each component declared them itself.
func privateBucket(ctx *pulumi.Context, name string, protect, bucketKey bool, parent pulumi.ResourceOption) (*s3.BucketV2, *s3.BucketPublicAccessBlock, error) {
	bucket, err := s3.NewBucketV2(ctx, name, &s3.BucketV2Args{
		BucketPrefix: pulumi.String(name + "-"),
		ForceDestroy: pulumi.Bool(false),
	}, parent, pulumi.Protect(protect))
	if err != nil {
		return nil, nil, err
	}
	pab, err := s3.NewBucketPublicAccessBlock(ctx, name, &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s3.NewBucketOwnershipControls(ctx, name, &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, parent); err != nil {
		return nil, nil, err
	}
	rule := &s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
		ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
			SseAlgorithm: pulumi.String("AES256"),
		},
	}
	if bucketKey {
		rule.BucketKeyEnabled = pulumi.Bool(true)
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules:  s3.BucketServerSideEncryptionConfigurationV2RuleArray{rule},
	}, parent); err != nil {
		return nil, nil, err
	}
	return bucket, pab, nil
}
