package aws_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// Audit logs (#17 item 10): flow, ALB and CloudFront logs in one private
// bucket, each writer confined to its prefix, all expired after
// logRetentionDays.
const (
	tAuditLogs   = "livekit-infra:index:AuditLogs"
	tFlowLog     = "aws:ec2/flowLog:FlowLog"
	tOwnership   = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
	tDeliverySrc = "aws:cloudwatch/logDeliverySource:LogDeliverySource"
	tDeliveryDst = "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination"
	tDelivery    = "aws:cloudwatch/logDelivery:LogDelivery"
)

// logBucket returns the audit log bucket and the statements of its policy
// by Sid.
func logBucket(t *testing.T, p *plan.Plan) (*plan.Resource, map[string]policyStatement) {
	t.Helper()
	bucket := child(t, p, tAuditLogs, tBucket, "")
	var doc policyDoc
	jsonInput(t, child(t, p, tAuditLogs, tBucketPol, ""), "policy", &doc)
	stmts := map[string]policyStatement{}
	for _, s := range doc.Statement {
		stmts[s.Sid] = s
	}
	return bucket, stmts
}

func TestLogBucketLockedDown(t *testing.T) {
	for _, v := range []struct {
		variant string
		days    int
	}{{"", 30}, {"otherSizing", 90}} {
		p := prodOr(t, v.variant)
		bucket, _ := logBucket(t, p)
		pab := child(t, p, tAuditLogs, tPAB, "")
		for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
			expect(t, pab, k, true)
		}
		expect(t, pab, "bucket", bucket.ID)
		expect(t, child(t, p, tAuditLogs, tOwnership, ""), "rule.objectOwnership", "BucketOwnerEnforced")
		// ALB access logs refuse SSE-KMS buckets.
		sse := child(t, p, tAuditLogs, tSSE, "")
		expect(t, sse, "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm", "AES256")
		lc := child(t, p, tAuditLogs, tLifecycle, "")
		expect(t, lc, "rules[0].status", "Enabled")
		expect(t, lc, "rules[0].filter.prefix", "")
		expect(t, lc, "rules[0].expiration.days", v.days)
		if !bucket.Protect {
			t.Errorf("variant %q: the log bucket is not protected", v.variant)
		}
	}
}

func TestLogBucketPolicyLeastPrivilege(t *testing.T) {
	p := prod(t)
	bucket, stmts := logBucket(t, p)
	arn := "arn:aws:s3:::" + bucket.ID
	acct := plan.FakeAccountID
	if d := stmts["DenyInsecureTransport"]; d.Effect != "Deny" {
		t.Errorf("no DenyInsecureTransport statement: %+v", stmts)
	}
	want := map[string]struct {
		principal, action, resource, sourceArn string
	}{
		"ALBAccessLogsWrite":  {"", "s3:PutObject", arn + "/alb/AWSLogs/" + acct + "/*", ""},
		"VPCFlowLogsWrite":    {"delivery.logs.amazonaws.com", "s3:PutObject", arn + "/vpc-flow/AWSLogs/" + acct + "/*", "arn:aws:logs:" + prodRegion + ":" + acct + ":*"},
		"VPCFlowLogsAclCheck": {"delivery.logs.amazonaws.com", "s3:GetBucketAcl", arn, "arn:aws:logs:" + prodRegion + ":" + acct + ":*"},
		"CloudFrontLogsWrite": {"delivery.logs.amazonaws.com", "s3:PutObject", arn + "/cloudfront/*", "arn:aws:logs:us-east-1:" + acct + ":delivery-source:*"},
	}
	for sid, s := range stmts {
		if s.Effect == "Deny" {
			continue
		}
		w, ok := want[sid]
		if !ok {
			t.Errorf("unexpected Allow statement %q: %+v", sid, s)
			continue
		}
		if a := s.actions(t); !slices.Equal(a, []string{w.action}) {
			t.Errorf("%s: actions %v, want only %s", sid, a, w.action)
		}
		if r := s.resources(t); !slices.Equal(r, []string{w.resource}) {
			t.Errorf("%s: resources %v, want only %s", sid, r, w.resource)
		}
		pr, _ := s.Principal.(map[string]any)
		if w.principal == "" {
			// The region's Elastic Load Balancing account, never ours
			// and never anyone.
			a, _ := pr["AWS"].(string)
			if !strings.HasPrefix(a, "arn:aws:iam::") || strings.Contains(a, acct) || len(pr) != 1 {
				t.Errorf("%s: principal %v, want the region's ELB account", sid, s.Principal)
			}
			continue
		}
		if pr["Service"] != w.principal || len(pr) != 1 {
			t.Errorf("%s: principal %v, want service %s", sid, s.Principal, w.principal)
		}
		if got := s.Condition["StringEquals"]["aws:SourceAccount"]; got != acct {
			t.Errorf("%s: aws:SourceAccount %v, want %s", sid, got, acct)
		}
		if got := s.Condition["ArnLike"]["aws:SourceArn"]; got != w.sourceArn {
			t.Errorf("%s: aws:SourceArn %v, want %s", sid, got, w.sourceArn)
		}
	}
	for sid := range want {
		if _, ok := stmts[sid]; !ok {
			t.Errorf("the log bucket policy lacks %s", sid)
		}
	}
	// S3 destinations need no IAM role: nothing here may hold one.
	for _, r := range p.Descendants(component(t, p, tAuditLogs).URN) {
		if strings.HasPrefix(r.Type, "aws:iam/") {
			t.Errorf("audit logs declare %s %q; log delivery to S3 needs no role", r.Type, r.Name)
		}
	}
}

func TestVPCFlowLogs(t *testing.T) {
	p := prod(t)
	bucket, _ := logBucket(t, p)
	fl := child(t, p, tAuditLogs, tFlowLog, "-vpc")
	vpc := child(t, p, tNetwork, tVpc, "-vpc")
	expect(t, fl, "vpcId", vpc.ID)
	expect(t, fl, "trafficType", "ALL")
	expect(t, fl, "logDestinationType", "s3")
	expect(t, fl, "logDestination", "arn:aws:s3:::"+bucket.ID+"/vpc-flow/")
	absentOrEmpty(t, fl, "iamRoleArn", "S3 delivery needs no role")
	dependsOn(t, fl, child(t, p, tAuditLogs, tBucketPol, ""), "delivery is refused before the bucket policy exists")
}

func TestALBAccessLogs(t *testing.T) {
	p := prod(t)
	bucket, _ := logBucket(t, p)
	alb := child(t, p, tMedia, tLB, "")
	expect(t, alb, "accessLogs.bucket", bucket.ID)
	expect(t, alb, "accessLogs.enabled", true)
	expect(t, alb, "accessLogs.prefix", "alb")
	dependsOn(t, alb, child(t, p, tAuditLogs, tBucketPol, ""), "ELB checks it may write when access logs are enabled")
}

func TestCloudFrontStandardLogs(t *testing.T) {
	p := prod(t)
	bucket, _ := logBucket(t, p)
	dist := child(t, p, tRecordings, tDist, "")
	prov := child(t, p, tRecordings, tAWSProvider, "-us-east-1")
	src := child(t, p, tRecordings, tDeliverySrc, "-cdn-logs")
	dst := child(t, p, tRecordings, tDeliveryDst, "-cdn-logs")
	del := child(t, p, tRecordings, tDelivery, "-cdn-logs")
	for _, r := range []*plan.Resource{src, dst, del} {
		if !strings.HasPrefix(r.Provider, prov.URN+"::") {
			t.Errorf("%s %q runs in %q; CloudFront's delivery source lives in us-east-1", r.Type, r.Name, r.Provider)
		}
	}
	expect(t, src, "logType", "ACCESS_LOGS")
	dependsOn(t, src, dist, "the source is the distribution")
	expect(t, dst, "deliveryDestinationConfiguration.destinationResourceArn", "arn:aws:s3:::"+bucket.ID+"/cloudfront")
	expect(t, del, "deliverySourceName", str(t, src, "name"))
	dependsOn(t, del, dst, "the delivery goes to the log bucket's destination")
	dependsOn(t, dst, child(t, p, tAuditLogs, tBucketPol, ""), "delivery is refused before the bucket policy exists")
}

// Each class has its own switch; with all off there is no log bucket.
func TestAuditLogSwitches(t *testing.T) {
	p := variantPlan(t, "noFlowLogs")
	if rs := p.ByType(tFlowLog); len(rs) != 0 {
		t.Errorf("flowLogs false still declares %v", names(rs))
	}
	if _, stmts := logBucket(t, p); stmts["VPCFlowLogsWrite"].Sid != "" || stmts["VPCFlowLogsAclCheck"].Sid != "" {
		t.Errorf("flowLogs false still lets flow logs write")
	}

	p = variantPlan(t, "noAlbLogs")
	absentOrEmpty(t, child(t, p, tMedia, tLB, ""), "accessLogs", "awsAlbAccessLogs false")
	if _, stmts := logBucket(t, p); stmts["ALBAccessLogsWrite"].Sid != "" {
		t.Errorf("awsAlbAccessLogs false still lets ELB write")
	}

	for _, v := range []string{"noCdnLogs", "noCdn"} {
		p = variantPlan(t, v)
		if rs := append(p.ByType(tDeliverySrc), p.ByType(tDelivery)...); len(rs) != 0 {
			t.Errorf("%s still declares %v", v, names(rs))
		}
		if _, stmts := logBucket(t, p); stmts["CloudFrontLogsWrite"].Sid != "" {
			t.Errorf("%s still lets CloudFront logs in", v)
		}
	}

	p = variantPlan(t, "noAuditLogs")
	if rs := childrenOfType(p, tAuditLogs, tBucket); len(rs) != 0 {
		t.Errorf("every log class off still declares a log bucket: %v", names(rs))
	}
}
