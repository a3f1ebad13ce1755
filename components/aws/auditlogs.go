package aws

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
)

// Key prefixes of the log bucket, one per log class; each writer may put
// objects under its own prefix only.
const (
	ALBLogPrefix  = "alb"
	CDNLogPrefix  = "cloudfront"
	FlowLogPrefix = "vpc-flow"
)

// CDNLogRegion is where CloudFront's log delivery source must live: the
// distribution is a global resource homed in us-east-1.
const CDNLogRegion = "us-east-1"

// AuditLogsArgs switches the region's log classes; all are kept
// RetentionDays.
type AuditLogsArgs struct {
	// Region is the region of the VPC and the ALB (their logs' bucket must
	// be in it).
	Region string
	// VpcID is the VPC whose flows are recorded (with Flow).
	VpcID pulumi.StringInput
	// RetentionDays expires every object of the log bucket.
	RetentionDays int
	// Flow records the VPC's flows, ALBAccess lets the ALB write its
	// access logs, CDN lets CloudFront's standard logs (v2) in.
	Flow, ALBAccess, CDN bool
	Protect              bool
}

// AuditLogs is the region's private log bucket and the VPC flow log that
// writes into it; the ALB and CloudFront write into it too (their own
// components name the bucket).
type AuditLogs struct {
	pulumi.ResourceState

	// Bucket is the log bucket's name once its policy is in place (ELB
	// checks that it may write when access logs are turned on); "" when
	// no log class is on.
	Bucket pulumi.StringOutput
	// BucketArn likewise.
	BucketArn pulumi.StringOutput
}

// check runs the contract's checks, then the cloud's, reporting every problem at once.
func (a *AuditLogsArgs) check(e *components.ArgErrors) {
	if a.RetentionDays < 1 {
		e.Add("RetentionDays %d must be at least 1", a.RetentionDays)
	}
	if a.Flow && a.VpcID == nil {
		e.Add("VpcID is required with Flow")
	}
}

// NewAuditLogs declares the log bucket (private, SSE-S3, owner-enforced,
// expiring after RetentionDays) with a policy that lets each log writer put
// objects under its prefix only, and the VPC flow log.
func NewAuditLogs(ctx *pulumi.Context, name string, args *AuditLogsArgs, opts ...pulumi.ResourceOption) (*AuditLogs, error) {
	c := &AuditLogs{}
	parent, err := components.Register(ctx, components.AuditLogsType, name, c, args, (*AuditLogsArgs).check, opts...)
	if err != nil {
		return nil, err
	}
	c.Bucket = pulumi.String("").ToStringOutput()
	c.BucketArn = pulumi.String("").ToStringOutput()
	if !args.Flow && !args.ALBAccess && !args.CDN {
		if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"bucket": c.Bucket}); err != nil {
			return nil, err
		}
		return c, nil
	}

	caller, err := aws.GetCallerIdentity(ctx, nil, parent)
	if err != nil {
		return nil, fmt.Errorf("AuditLogs %q: reading the account id: %w", name, err)
	}
	account := caller.AccountId
	var elbPrincipal map[string]any
	if args.ALBAccess {
		elbPrincipal = albLogWriter(ctx, parent)
	}

	// ALB access logs support SSE-S3 only, not SSE-KMS. Docs:
	// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
	bucket, pab, err := privateBucket(ctx, name, args.Protect, false, parent)
	if err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{&s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:         pulumi.String("retention"),
			Status:     pulumi.String("Enabled"),
			Filter:     &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			Expiration: &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(args.RetentionDays)},
			AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
				DaysAfterInitiation: pulumi.Int(1),
			},
		}},
	}, parent); err != nil {
		return nil, err
	}

	policyDoc := bucket.Arn.ApplyT(func(arn string) (string, error) {
		return logBucketPolicy(arn, account, args, elbPrincipal)
	}).(pulumi.StringOutput)
	policy, err := s3.NewBucketPolicy(ctx, name, &s3.BucketPolicyArgs{Bucket: bucket.ID(), Policy: policyDoc},
		parent, pulumi.DependsOn([]pulumi.Resource{pab}))
	if err != nil {
		return nil, err
	}
	// Consumers of the bucket wait for its policy: an ALB or a log
	// delivery created before it would be refused.
	c.Bucket = pulumi.All(bucket.Bucket, policy.ID()).ApplyT(func(v []any) string { return v[0].(string) }).(pulumi.StringOutput)
	c.BucketArn = pulumi.All(bucket.Arn, policy.ID()).ApplyT(func(v []any) string { return v[0].(string) }).(pulumi.StringOutput)

	if args.Flow {
		// To S3 rather than CloudWatch Logs: no IAM role to hold, and
		// retention is the bucket's lifecycle. Docs:
		// https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3.html
		if _, err := ec2.NewFlowLog(ctx, name+"-vpc", &ec2.FlowLogArgs{
			VpcId:              args.VpcID,
			TrafficType:        pulumi.String("ALL"),
			LogDestinationType: pulumi.String("s3"),
			LogDestination:     pulumi.Sprintf("%s/%s/", c.BucketArn, FlowLogPrefix),
		}, parent); err != nil {
			return nil, err
		}
	}

	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"bucket": c.Bucket, "bucketArn": c.BucketArn}); err != nil {
		return nil, err
	}
	return c, nil
}

// albLogWriter is the principal that writes a region's ALB access logs. In
// regions opened before August 2022 AWS documents the region's Elastic Load
// Balancing account (an account principal, outside the confused-deputy
// conditions, which it does not send); the provider knows those accounts
// and has none for newer regions, where the documented writer is the
// logdelivery.elasticloadbalancing.amazonaws.com service principal. Docs:
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
func albLogWriter(ctx *pulumi.Context, parent pulumi.ResourceOrInvokeOption) map[string]any {
	sa, err := elb.GetServiceAccount(ctx, &elb.GetServiceAccountArgs{}, parent)
	if err == nil && sa.Arn != "" {
		return map[string]any{"AWS": sa.Arn}
	}
	return map[string]any{"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
}

// logBucketPolicy lets each log writer put objects under its own prefix of
// the account's AWSLogs tree only; service principals are bound to this
// account and to its own log delivery sources (aws:SourceAccount,
// aws:SourceArn) against the confused deputy. Docs:
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html
func logBucketPolicy(arn, account string, args *AuditLogsArgs, elbPrincipal map[string]any) (string, error) {
	stmts := []map[string]any{{
		"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
		"Resource":  []string{arn, arn + "/*"},
		"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
	}}
	deliveredBy := func(sourceArn string, acl bool) map[string]any {
		eq := map[string]any{"aws:SourceAccount": account}
		if acl {
			eq["s3:x-amz-acl"] = "bucket-owner-full-control"
		}
		return map[string]any{"StringEquals": eq, "ArnLike": map[string]any{"aws:SourceArn": sourceArn}}
	}
	if args.ALBAccess {
		stmts = append(stmts, map[string]any{
			"Sid": "ALBAccessLogsWrite", "Effect": "Allow", "Principal": elbPrincipal,
			"Action": "s3:PutObject", "Resource": fmt.Sprintf("%s/%s/AWSLogs/%s/*", arn, ALBLogPrefix, account),
		})
	}
	if args.Flow {
		// Flow logs' writer checks the bucket ACL before it writes. Docs:
		// https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-permissions.html
		flowSource := fmt.Sprintf("arn:aws:logs:%s:%s:*", args.Region, account)
		stmts = append(stmts, map[string]any{
			"Sid": "VPCFlowLogsWrite", "Effect": "Allow", "Principal": map[string]any{"Service": "delivery.logs.amazonaws.com"},
			"Action": "s3:PutObject", "Resource": fmt.Sprintf("%s/%s/AWSLogs/%s/*", arn, FlowLogPrefix, account),
			"Condition": deliveredBy(flowSource, true),
		}, map[string]any{
			"Sid": "VPCFlowLogsAclCheck", "Effect": "Allow", "Principal": map[string]any{"Service": "delivery.logs.amazonaws.com"},
			"Action": "s3:GetBucketAcl", "Resource": arn,
			"Condition": deliveredBy(flowSource, false),
		})
	}
	if args.CDN {
		// CloudFront standard logging (v2) delivers through a CloudWatch
		// Logs delivery source in us-east-1. Docs:
		// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging.html
		stmts = append(stmts, map[string]any{
			"Sid": "CloudFrontLogsWrite", "Effect": "Allow", "Principal": map[string]any{"Service": "delivery.logs.amazonaws.com"},
			"Action": "s3:PutObject", "Resource": fmt.Sprintf("%s/%s/*", arn, CDNLogPrefix),
			"Condition": deliveredBy(fmt.Sprintf("arn:aws:logs:%s:%s:delivery-source:*", CDNLogRegion, account), true),
		})
	}
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": stmts})
	return string(b), err
}
