package aws

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/components/routing"
)

// MetricsRegion is where Route 53 publishes health-check metrics: alarms on
// them (and the topic they notify) must live there whatever the stack's
// aws:region.
const MetricsRegion = "us-east-1"

// GlobalTrafficArgs is the contract; Route 53 needs nothing more.
type GlobalTrafficArgs struct {
	components.GlobalTrafficArgs
}

// GlobalTraffic is the Route 53 GeoDNS layer: one health check per region,
// the plan's geolocation (or latency) and failover records, and CloudWatch
// alarms on the health checks.
type GlobalTraffic struct {
	pulumi.ResourceState
	components.GlobalTrafficOutputs
}

// check runs the contract's checks, then the cloud's, reporting every problem at once.
func (a *GlobalTrafficArgs) check(e *components.ArgErrors) {
	a.GlobalTrafficArgs.Check(e)
}

// NewGlobalTraffic declares the global layer exactly as args.Plan describes
// it: every record of Plan.Records(), leaves checked by their region's
// health check.
func NewGlobalTraffic(ctx *pulumi.Context, name string, args *GlobalTrafficArgs, opts ...pulumi.ResourceOption) (*GlobalTraffic, error) {
	g := &GlobalTraffic{}
	parent, err := components.Register(ctx, components.GlobalTrafficType, name, g, args, (*GlobalTrafficArgs).check, opts...)
	if err != nil {
		return nil, err
	}
	a := &args.GlobalTrafficArgs
	plan := a.Plan

	// Health checks: HTTPS to each region's own hostname (with SNI, so the
	// load balancer presents the right certificate) on LiveKit's health
	// path. 2xx/3xx is healthy; LiveKit's 406 (Redis lost) is not.
	// No regions given means Route 53's default: every checker region.
	var checkers pulumi.StringArrayInput
	if len(a.HealthCheckRegions) > 0 {
		checkers = pulumi.ToStringArray(a.HealthCheckRegions)
	}
	checks := map[string]*route53.HealthCheck{}
	checkIDs := pulumi.StringMap{}
	for _, rn := range plan.Names() {
		r, _ := a.Region(rn)
		path := r.HealthCheckPath
		if path == nil {
			path = pulumi.String(livekit.HealthPath)
		}
		hc, err := route53.NewHealthCheck(ctx, name+"-"+rn, &route53.HealthCheckArgs{
			Type:             pulumi.String("HTTPS"),
			Fqdn:             r.Hostname,
			Port:             pulumi.Int(443),
			ResourcePath:     path,
			EnableSni:        pulumi.Bool(true),
			RequestInterval:  pulumi.Int(a.HealthCheck.IntervalSeconds),
			FailureThreshold: pulumi.Int(a.HealthCheck.FailureThreshold),
			MeasureLatency:   pulumi.Bool(true),
			Regions:          checkers,
			Tags:             pulumi.StringMap{"Name": pulumi.Sprintf("livekit %s (%s)", rn, r.Hostname)},
		}, parent)
		if err != nil {
			return nil, err
		}
		checks[rn] = hc
		checkIDs[rn] = hc.ID().ToStringOutput()
	}

	// Records, deepest first: an alias may only point at a record that
	// exists, so each alias depends on the records at its target name.
	byName := map[string][]pulumi.Resource{}
	for _, rec := range plan.Records() {
		ra := &route53.RecordArgs{
			ZoneId:        pulumi.String(a.ZoneID),
			Name:          pulumi.String(rec.Name),
			Type:          pulumi.String("CNAME"),
			SetIdentifier: pulumi.String(rec.SetIdentifier),
		}
		var ropts []pulumi.ResourceOption
		ropts = append(ropts, parent)
		switch {
		case rec.Continent == routing.Default:
			ra.GeolocationRoutingPolicies = route53.RecordGeolocationRoutingPolicyArray{
				&route53.RecordGeolocationRoutingPolicyArgs{Country: pulumi.String("*")},
			}
		case rec.Continent != "":
			ra.GeolocationRoutingPolicies = route53.RecordGeolocationRoutingPolicyArray{
				&route53.RecordGeolocationRoutingPolicyArgs{Continent: pulumi.String(string(rec.Continent))},
			}
		case rec.LatencyRegion != "":
			ra.LatencyRoutingPolicies = route53.RecordLatencyRoutingPolicyArray{
				&route53.RecordLatencyRoutingPolicyArgs{Region: pulumi.String(rec.LatencyRegion)},
			}
		case rec.Failover != "":
			ra.FailoverRoutingPolicies = route53.RecordFailoverRoutingPolicyArray{
				&route53.RecordFailoverRoutingPolicyArgs{Type: pulumi.String(rec.Failover)},
			}
		}
		if rec.Alias != "" {
			targets, ok := byName[rec.Alias]
			if !ok {
				return nil, fmt.Errorf("GlobalTraffic %q: record %s aliases %s, which the plan does not declare first", name, rec.Name, rec.Alias)
			}
			ra.Aliases = route53.RecordAliasArray{&route53.RecordAliasArgs{
				Name:                 pulumi.String(rec.Alias),
				ZoneId:               pulumi.String(a.ZoneID),
				EvaluateTargetHealth: pulumi.Bool(rec.EvaluateTargetHealth),
			}}
			ropts = append(ropts, pulumi.DependsOn(targets))
		} else {
			r, err := a.Region(rec.Region)
			if err != nil {
				return nil, err
			}
			ra.Records = pulumi.StringArray{r.Hostname}
			ra.Ttl = pulumi.Int(rec.TTL)
			ra.HealthCheckId = checks[rec.Region].ID()
		}
		if rec.Name == plan.Hostname {
			ropts = append(ropts, pulumi.Protect(a.Protect))
		}
		res, err := route53.NewRecord(ctx, recordName(name, plan.Hostname, rec), ra, ropts...)
		if err != nil {
			return nil, err
		}
		byName[rec.Name] = append(byName[rec.Name], res)
	}

	topic, err := alarms(ctx, name, a, plan, checks, parent)
	if err != nil {
		return nil, err
	}

	urls := pulumi.StringMap{}
	for _, r := range a.Regions {
		urls[r.Name] = r.URL.ToStringOutput()
	}
	matrix := pulumi.StringArrayMap{}
	for k, chain := range plan.Matrix() {
		matrix[k] = pulumi.ToStringArray(chain)
	}
	url, _ := components.URLs(plan.Hostname)
	g.URL = pulumi.String(url).ToStringOutput()
	g.RegionURLs = urls.ToStringMapOutput()
	g.FailoverMatrix = matrix.ToStringArrayMapOutput()
	g.WorstCaseFailoverSeconds = pulumi.Int(a.WorstCaseFailoverSeconds()).ToIntOutput()
	g.HealthCheckIDs = checkIDs.ToStringMapOutput()
	g.AlarmTopic = topic
	if err := ctx.RegisterResourceOutputs(g, pulumi.Map{
		"url": g.URL, "regionUrls": g.RegionURLs, "failoverMatrix": g.FailoverMatrix,
		"worstCaseFailoverSeconds": g.WorstCaseFailoverSeconds, "healthCheckIds": g.HealthCheckIDs,
		"alarmTopic": g.AlarmTopic,
	}); err != nil {
		return nil, err
	}
	return g, nil
}

// recordName is the logical name of a plan record: the record name relative
// to the global hostname plus its set identifier.
func recordName(name, hostname string, rec routing.Record) string {
	rel := strings.TrimSuffix(strings.TrimSuffix(rec.Name, hostname), ".")
	if rel == "" {
		return name + "-" + rec.SetIdentifier
	}
	return name + "-" + rel + "-" + rec.SetIdentifier
}

// alarms declares, in us-east-1 where the metrics live, one alarm per
// region health check notifying an encrypted SNS topic. The topic's key is
// customer-managed: CloudWatch alarms cannot publish to a topic encrypted
// with the AWS-managed alias/aws/sns, whose policy does not let
// cloudwatch.amazonaws.com use the key (AWS knowledge center
// "cloudwatch-configure-alarm-sns").
func alarms(ctx *pulumi.Context, name string, a *components.GlobalTrafficArgs, plan *routing.Plan, checks map[string]*route53.HealthCheck, parent pulumi.ResourceOption) (pulumi.StringOutput, error) {
	east, err := aws.NewProvider(ctx, name+"-"+MetricsRegion, &aws.ProviderArgs{Region: pulumi.String(MetricsRegion)}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	in := []pulumi.ResourceOption{parent, pulumi.Provider(east)}
	account := aws.GetCallerIdentityOutput(ctx, aws.GetCallerIdentityOutputArgs{}, pulumi.Provider(east), pulumi.Parent(east)).AccountId()

	// The key encrypts alarm notifications and nothing else: the account
	// (through IAM policies) administers it but cannot use it, and only
	// CloudWatch alarms of this account and region encrypt with it.
	// Administration follows AWS's key-administrator statement (KMS
	// developer guide, "Default key policy": "Allows key administrators to
	// administer the KMS key"), PutKeyPolicy included so the key cannot
	// lock its account out; no Encrypt, Decrypt or GenerateDataKey.
	// CloudWatch's use is the one SNS documents for alarms publishing to a
	// topic encrypted with a customer managed key (SNS developer guide,
	// "Key management": "Enable compatibility between event sources from
	// AWS services and encrypted topics"), with aws:SourceAccount and
	// aws:SourceArn against the confused deputy (IAM user guide, "The
	// confused deputy problem", cross-service confused deputy prevention).
	policy := account.ApplyT(func(acct string) (string, error) {
		return keyPolicy(acct, map[string]any{"Sid": "CloudWatchAlarmsEncryptNotifications", "Effect": "Allow",
			"Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
			"Action":    []string{"kms:Decrypt", "kms:GenerateDataKey*"}, "Resource": "*",
			"Condition": alarmSource(acct)})
	}).(pulumi.StringOutput)
	key, err := newKey(ctx, name+"-alarms", "LiveKit global: encrypts region-health alarm notifications", policy, in...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	topic, err := sns.NewTopic(ctx, name+"-alarms", &sns.TopicArgs{
		DisplayName:    pulumi.String("LiveKit region health"),
		KmsMasterKeyId: key.Arn,
	}, in...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	topicPolicy := pulumi.All(account, topic.Arn).ApplyT(func(v []any) (string, error) {
		acct, arn := v[0].(string), v[1].(string)
		return globalPolicyJSON([]map[string]any{
			{"Sid": "CloudWatchAlarmsPublish", "Effect": "Allow",
				"Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
				"Action":    "sns:Publish", "Resource": arn,
				"Condition": alarmSource(acct)},
		})
	}).(pulumi.StringOutput)
	if _, err := sns.NewTopicPolicy(ctx, name+"-alarms", &sns.TopicPolicyArgs{Arn: topic.Arn, Policy: topicPolicy}, in...); err != nil {
		return pulumi.StringOutput{}, err
	}
	if a.AlarmEmail != "" {
		if _, err := sns.NewTopicSubscription(ctx, name+"-alarms-email", &sns.TopicSubscriptionArgs{
			Topic: topic.Arn, Protocol: pulumi.String("email"), Endpoint: pulumi.String(a.AlarmEmail),
		}, in...); err != nil {
			return pulumi.StringOutput{}, err
		}
	}

	for _, rn := range plan.Names() {
		// HealthCheckStatus is 1 (healthy) or 0 each minute; the minimum
		// over a minute below 1 means the checkers saw the region down.
		if _, err := cloudwatch.NewMetricAlarm(ctx, name+"-"+rn+"-unhealthy", &cloudwatch.MetricAlarmArgs{
			AlarmDescription: pulumi.String(fmt.Sprintf(
				"LiveKit region %s fails its Route 53 health check (HTTPS %s on its hostname): new connections go to the next healthy region of each chain; rooms hosted there end, since rooms are region-local.",
				rn, livekit.HealthPath)),
			Namespace:          pulumi.String("AWS/Route53"),
			MetricName:         pulumi.String("HealthCheckStatus"),
			Dimensions:         pulumi.StringMap{"HealthCheckId": checks[rn].ID().ToStringOutput()},
			Statistic:          pulumi.String("Minimum"),
			Period:             pulumi.Int(60),
			EvaluationPeriods:  pulumi.Int(1),
			Threshold:          pulumi.Float64(1),
			ComparisonOperator: pulumi.String("LessThanThreshold"),
			// No data means no checker reported: treat as down.
			TreatMissingData: pulumi.String("breaching"),
			AlarmActions:     pulumi.Array{topic.Arn},
			OkActions:        pulumi.Array{topic.Arn},
		}, in...); err != nil {
			return pulumi.StringOutput{}, err
		}
	}
	return topic.Arn, nil
}

// KeyAdministratorActions administer a KMS key without using it (AWS's
// key-administrator statement of the default key policy).
var KeyAdministratorActions = []string{
	"kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
	"kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
	"kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand",
}

// alarmSource is the condition of a CloudWatch service-principal grant:
// requests on behalf of this account's alarms in MetricsRegion only.
func alarmSource(account string) map[string]any {
	return map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": account},
		"ArnLike":      map[string]any{"aws:SourceArn": fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:*", MetricsRegion, account)},
	}
}

func globalPolicyJSON(statements []map[string]any) (string, error) {
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": statements})
	return string(b), err
}
