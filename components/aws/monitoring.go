package aws

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/amp"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// MonitoringArgs is the AWS region's alarms: what ElastiCache and the ALB
// publish to CloudWatch, which no Prometheus scrape can see.
type MonitoringArgs struct {
	components.MonitoringArgs

	// Region is the stack's AWS region (the alarms' and topic's).
	Region string
	// RedisReplicationGroupID and RedisNodes name the cache's member
	// clusters, one CloudWatch CacheClusterId per node: <id>-001, ...
	RedisReplicationGroupID pulumi.StringInput
	RedisNodes              int
	// LoadBalancerArnSuffix and TargetGroupArnSuffix are the signaling
	// ALB's AWS/ApplicationELB dimensions.
	LoadBalancerArnSuffix pulumi.StringInput
	TargetGroupArnSuffix  pulumi.StringInput
	// AlarmThresholds are the Redis and load balancer alarms' thresholds
	// (their bounds: components.AlarmThresholds.Check).
	components.AlarmThresholds

	// Prometheus, when set, is the region's AMP workspace: its alert
	// manager publishes the rules' alerts to the alarm topic.
	Prometheus *MonitoringPrometheus
}

// MonitoringPrometheus names the workspace whose alerts go to the topic.
type MonitoringPrometheus struct {
	WorkspaceID, WorkspaceArn pulumi.StringInput
}

// Monitoring is the AWS region's alarm topic and CloudWatch alarms.
type Monitoring struct {
	pulumi.ResourceState
	components.MonitoringOutputs
}

// maxElastiCacheNodes is a replication group's node limit (a primary and
// five replicas).
const maxElastiCacheNodes = 6

// check runs the contract's checks, then the cloud's.
func (a *MonitoringArgs) check(e *components.ArgErrors) {
	a.MonitoringArgs.Check(e)
	e.Require(components.Field{Name: "Region", Missing: a.Region == ""}, components.Field{Name: "RedisReplicationGroupID", Missing: a.RedisReplicationGroupID == nil},
		components.Field{Name: "LoadBalancerArnSuffix", Missing: a.LoadBalancerArnSuffix == nil}, components.Field{Name: "TargetGroupArnSuffix", Missing: a.TargetGroupArnSuffix == nil})
	if a.RedisNodes < 1 || a.RedisNodes > maxElastiCacheNodes {
		e.Add("RedisNodes is %d: give the replication group's node count, 1-%d", a.RedisNodes, maxElastiCacheNodes)
	}
	a.AlarmThresholds.Check(e)
	if p := a.Prometheus; p != nil && (p.WorkspaceID == nil || p.WorkspaceArn == nil) {
		e.Add("Prometheus needs WorkspaceID and WorkspaceArn (ManagedPrometheus)")
	}
}

// alarm is one CloudWatch alarm of the region, in one table so that every
// alarm has the same actions and naming.
type alarm struct {
	suffix, description     string
	namespace, metric, stat string
	dimensions              pulumi.StringMap
	period, periods         int
	threshold               float64
	comparison, missing     string
}

// NewMonitoring declares the region's alarm topic (encrypted with a key
// CloudWatch may use, subscribed by the configured emails and webhook) and
// the CloudWatch alarms on ElastiCache and the signaling ALB.
func NewMonitoring(ctx *pulumi.Context, name string, args *MonitoringArgs, opts ...pulumi.ResourceOption) (*Monitoring, error) {
	m := &Monitoring{}
	parent, err := components.Register(ctx, components.MonitoringType, name, m, args, (*MonitoringArgs).check, opts...)
	if err != nil {
		return nil, err
	}
	account := aws.GetCallerIdentityOutput(ctx, aws.GetCallerIdentityOutputArgs{}, parent).AccountId()

	// CloudWatch alarms cannot publish to a topic under the AWS-managed
	// alias/aws/sns key (its policy cannot admit CloudWatch): a key of our
	// own, administered by the account, used only by this account's alarms
	// in this region (the same design as the global stack's alarm topic).
	source := func(acct string) map[string]any {
		return map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": acct},
			"ArnLike":      map[string]any{"aws:SourceArn": fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:*", args.Region, acct)},
		}
	}
	// AMP's alert manager publishes as aps.amazonaws.com, on behalf of
	// this account's workspace only.
	workspaceArn := pulumi.String("").ToStringOutput()
	if args.Prometheus != nil {
		workspaceArn = args.Prometheus.WorkspaceArn.ToStringOutput()
	}
	apsSource := func(acct, ws string) map[string]any {
		return map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": acct},
			"ArnEquals":    map[string]any{"aws:SourceArn": ws},
		}
	}
	keyPol := pulumi.All(account, workspaceArn).ApplyT(func(v []any) (string, error) {
		acct, ws := v[0].(string), v[1].(string)
		stmts := []map[string]any{
			{"Sid": "CloudWatchAlarmsEncryptNotifications", "Effect": "Allow",
				"Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
				"Action":    []string{"kms:Decrypt", "kms:GenerateDataKey*"}, "Resource": "*",
				"Condition": source(acct)},
		}
		if ws != "" {
			stmts = append(stmts, map[string]any{"Sid": "PrometheusAlertsEncryptNotifications", "Effect": "Allow",
				"Principal": map[string]any{"Service": "aps.amazonaws.com"},
				"Action":    []string{"kms:Decrypt", "kms:GenerateDataKey*"}, "Resource": "*",
				"Condition": apsSource(acct, ws)})
		}
		return keyPolicy(acct, stmts...)
	}).(pulumi.StringOutput)
	key, err := newKey(ctx, name+"-alarms", "LiveKit region: encrypts alarm notifications", keyPol, parent)
	if err != nil {
		return nil, err
	}
	topic, err := sns.NewTopic(ctx, name+"-alarms", &sns.TopicArgs{
		DisplayName:    pulumi.String("LiveKit region alarms"),
		KmsMasterKeyId: key.Arn,
	}, parent)
	if err != nil {
		return nil, err
	}
	topicPolicy := pulumi.All(account, topic.Arn, workspaceArn).ApplyT(func(v []any) (string, error) {
		acct, arn, ws := v[0].(string), v[1].(string), v[2].(string)
		stmts := []map[string]any{
			{"Sid": "CloudWatchAlarmsPublish", "Effect": "Allow",
				"Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
				"Action":    "sns:Publish", "Resource": arn,
				"Condition": source(acct)},
		}
		if ws != "" {
			stmts = append(stmts, map[string]any{"Sid": "PrometheusAlertsPublish", "Effect": "Allow",
				"Principal": map[string]any{"Service": "aps.amazonaws.com"},
				"Action":    []string{"sns:Publish", "sns:GetTopicAttributes"}, "Resource": arn,
				"Condition": apsSource(acct, ws)})
		}
		return globalPolicyJSON(stmts)
	}).(pulumi.StringOutput)
	policy, err := sns.NewTopicPolicy(ctx, name+"-alarms", &sns.TopicPolicyArgs{Arn: topic.Arn, Policy: topicPolicy}, parent)
	if err != nil {
		return nil, err
	}
	if p := args.Prometheus; p != nil {
		def := topic.Arn.ApplyT(func(arn string) (string, error) {
			return observability.AMPAlertManagerDefinition(arn, args.Region)
		}).(pulumi.StringOutput)
		// The policy first: AMP checks it may publish when the definition
		// is created.
		if _, err := amp.NewAlertManagerDefinition(ctx, name+"-alertmanager", &amp.AlertManagerDefinitionArgs{
			WorkspaceId: p.WorkspaceID, Definition: def,
		}, parent, pulumi.DependsOn([]pulumi.Resource{policy})); err != nil {
			return nil, err
		}
	}
	for _, e := range args.Emails {
		if _, err := sns.NewTopicSubscription(ctx, name+"-alarms-email-"+e, &sns.TopicSubscriptionArgs{
			Topic: topic.Arn, Protocol: pulumi.String("email"), Endpoint: pulumi.String(e),
		}, parent); err != nil {
			return nil, err
		}
	}
	if args.Webhook != nil {
		// SNS posts a SubscriptionConfirmation first; the endpoint must
		// visit its SubscribeURL before alarms are delivered.
		if _, err := sns.NewTopicSubscription(ctx, name+"-alarms-webhook", &sns.TopicSubscriptionArgs{
			Topic: topic.Arn, Protocol: pulumi.String("https"),
			Endpoint: pulumi.ToSecret(args.Webhook).(pulumi.StringOutput),
		}, parent); err != nil {
			return nil, err
		}
	}

	lb := pulumi.StringMap{"LoadBalancer": args.LoadBalancerArnSuffix}
	tg := pulumi.StringMap{"LoadBalancer": args.LoadBalancerArnSuffix, "TargetGroup": args.TargetGroupArnSuffix}
	alarms := []alarm{
		{suffix: "lb-5xx", namespace: "AWS/ApplicationELB", metric: "HTTPCode_ELB_5XX_Count", stat: "Sum",
			dimensions: lb, period: 60, periods: 3, threshold: float64(args.LoadBalancer5xxPerMin),
			comparison: "GreaterThanThreshold", missing: "notBreaching",
			description: fmt.Sprintf("The signaling ALB itself answered over %d 5xx a minute for 3 minutes (no healthy target, or nodes refusing connections): see docs/observability.md, LoadBalancer5xx.", args.LoadBalancer5xxPerMin)},
		{suffix: "target-5xx", namespace: "AWS/ApplicationELB", metric: "HTTPCode_Target_5XX_Count", stat: "Sum",
			dimensions: lb, period: 60, periods: 3, threshold: float64(args.LoadBalancer5xxPerMin),
			comparison: "GreaterThanThreshold", missing: "notBreaching",
			description: fmt.Sprintf("LiveKit nodes answered over %d 5xx a minute for 3 minutes through the ALB: see docs/observability.md, LoadBalancer5xx.", args.LoadBalancer5xxPerMin)},
		{suffix: "unhealthy-targets", namespace: "AWS/ApplicationELB", metric: "UnHealthyHostCount", stat: "Maximum",
			dimensions: tg, period: 60, periods: 2, threshold: 0,
			comparison: "GreaterThanThreshold", missing: "notBreaching",
			description: "A LiveKit task fails the target group's GET / check for 2 minutes (406: it lost Redis): see docs/observability.md, UnhealthyTargets."},
		{suffix: "no-healthy-target", namespace: "AWS/ApplicationELB", metric: "HealthyHostCount", stat: "Minimum",
			dimensions: tg, period: 60, periods: 2, threshold: 1,
			comparison: "LessThanThreshold", missing: "breaching",
			description: "No LiveKit task passes the target group's GET / check: the region takes no signaling and GeoDNS fails it over. See docs/observability.md, LiveKitNoHealthyNode."},
	}
	for i := 1; i <= args.RedisNodes; i++ {
		node := pulumi.StringMap{"CacheClusterId": pulumi.Sprintf("%s-%03d", args.RedisReplicationGroupID, i)}
		alarms = append(alarms,
			alarm{suffix: fmt.Sprintf("redis-memory-%03d", i), namespace: "AWS/ElastiCache", metric: "DatabaseMemoryUsagePercentage", stat: "Average",
				dimensions: node, period: 300, periods: 2, threshold: float64(args.RedisMemoryPercent),
				comparison: "GreaterThanThreshold", missing: "missing",
				description: fmt.Sprintf("Redis node %03d uses over %d %% of its memory for 10 minutes: see docs/observability.md, RedisMemory.", i, args.RedisMemoryPercent)},
			alarm{suffix: fmt.Sprintf("redis-cpu-%03d", i), namespace: "AWS/ElastiCache", metric: "EngineCPUUtilization", stat: "Average",
				dimensions: node, period: 300, periods: 3, threshold: float64(args.RedisCPUPercent),
				comparison: "GreaterThanThreshold", missing: "missing",
				description: fmt.Sprintf("Redis node %03d's engine thread is over %d %% busy for 15 minutes: see docs/observability.md, RedisCPU.", i, args.RedisCPUPercent)},
			// ElastiCache publishes no failed-connection count; a client
			// that cannot connect with TLS and AUTH shows as an
			// authentication failure (a rotated token, a wrong secret).
			alarm{suffix: fmt.Sprintf("redis-auth-failures-%03d", i), namespace: "AWS/ElastiCache", metric: "AuthenticationFailures", stat: "Sum",
				dimensions: node, period: 300, periods: 1, threshold: 0,
				comparison: "GreaterThanThreshold", missing: "notBreaching",
				description: fmt.Sprintf("Clients failed to authenticate to Redis node %03d: see docs/observability.md, RedisConnectionErrors.", i)},
		)
	}
	for _, a := range alarms {
		if _, err := cloudwatch.NewMetricAlarm(ctx, name+"-"+a.suffix, &cloudwatch.MetricAlarmArgs{
			AlarmDescription:   pulumi.String(a.description),
			Namespace:          pulumi.String(a.namespace),
			MetricName:         pulumi.String(a.metric),
			Dimensions:         a.dimensions,
			Statistic:          pulumi.String(a.stat),
			Period:             pulumi.Int(a.period),
			EvaluationPeriods:  pulumi.Int(a.periods),
			Threshold:          pulumi.Float64(a.threshold),
			ComparisonOperator: pulumi.String(a.comparison),
			TreatMissingData:   pulumi.String(a.missing),
			AlarmActions:       pulumi.Array{topic.Arn},
			OkActions:          pulumi.Array{topic.Arn},
		}, parent); err != nil {
			return nil, err
		}
	}

	m.AlarmTopic = topic.Arn
	if err := ctx.RegisterResourceOutputs(m, pulumi.Map{"alarmTopic": m.AlarmTopic}); err != nil {
		return nil, err
	}
	return m, nil
}
