package stackconfig

import "strconv"

// logKeys switch the region's audit logs (#17 item 10). Each defaults to on;
// every class is kept logRetentionDays, so one key says how long a region
// remembers what happened in it.
var logKeys = []Key{
	{Name: "flowLogs", Type: "boolean", Default: true, Kinds: regional,
		Description: "Record the network's IP flows, kept logRetentionDays: AWS VPC flow logs (log bucket), GKE subnet flow logs (Cloud Logging bucket), Azure VNet flow logs (storage account)."},
	{Name: "awsAlbAccessLogs", Type: "boolean", Default: true, Kinds: []Kind{KindAWS},
		Description: "ALB access logs to the region's private log bucket (SSE-S3), expired after logRetentionDays."},
	{Name: "cdnLogs", Type: "boolean", Default: true, Kinds: []Kind{KindAWS, KindAzure},
		Description: "Recordings CDN access logs (with recordingsCdn), kept logRetentionDays: CloudFront standard logs (v2) to the log bucket, Front Door diagnostic logs to Log Analytics."},
	{Name: "controlPlaneLogs", Type: "boolean", Default: true, Kinds: []Kind{KindGCP, KindAzure, KindAWS}, Platforms: eksOnly,
		Description: "Kubernetes control-plane logs, kept logRetentionDays: GKE API server, scheduler and controller manager (Cloud Logging bucket), AKS kube-audit-admin (Log Analytics), EKS api, audit, authenticator, controllerManager and scheduler (CloudWatch Logs; aws stacks with awsPlatform eks only)."},
}

func init() { Keys = append(Keys, logKeys...) }

// Logs switches the region's audit log classes; each is kept
// Region.LogRetentionDays.
type Logs struct {
	Flow         bool
	ALBAccess    bool // aws only
	CDN          bool // aws, azure; only with Recordings.CDN
	ControlPlane bool // gcp, azure
}

// Cloud Logging keeps a bucket's logs 1-3650 days.
// Docs: https://cloud.google.com/logging/docs/buckets
const gcpLogBucketMaxDays = 3650

// Azure flow logs' retention policy keeps 1-365 days (0 means forever).
// Docs: https://learn.microsoft.com/azure/network-watcher/vnet-flow-logs-overview
const azureFlowLogMaxDays = 365

func (p *parser) logs(s *Stack) Logs {
	l := Logs{Flow: p.boolean("flowLogs")}
	switch s.Kind {
	case KindAWS:
		l.ALBAccess = p.boolean("awsAlbAccessLogs")
		l.CDN = p.boolean("cdnLogs")
		if s.AWS != nil && s.AWS.Platform == AWSPlatformEKS {
			l.ControlPlane = p.boolean("controlPlaneLogs")
		}
	case KindGCP:
		l.ControlPlane = p.boolean("controlPlaneLogs")
	case KindAzure:
		l.CDN = p.boolean("cdnLogs")
		l.ControlPlane = p.boolean("controlPlaneLogs")
	}
	if s.Region == nil || p.failed("logRetentionDays") {
		return l
	}
	d := s.Region.LogRetentionDays
	switch {
	case s.Kind == KindGCP && d > gcpLogBucketMaxDays:
		p.fail(spec("logRetentionDays").Full(), strconv.Itoa(d),
			"must be 1-"+strconv.Itoa(gcpLogBucketMaxDays)+" for kind gcp (Cloud Logging bucket retention, which keeps the flow and control-plane logs)")
	case s.Kind == KindAzure && l.Flow && d > azureFlowLogMaxDays:
		p.fail(spec("logRetentionDays").Full(), strconv.Itoa(d),
			"must be at most "+strconv.Itoa(azureFlowLogMaxDays)+" for kind azure while flowLogs is on (VNet flow logs' retention policy); lower it or set flowLogs false")
	}
	return l
}
