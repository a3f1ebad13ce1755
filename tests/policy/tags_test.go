package policy

import (
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/stacks"
)

// Every tagged resource of every committed regional and global plan carries the four
// cost-allocation tags (GCP: labels), and the resources a bill is split by
// are among them.
func TestCostAllocationTags(t *testing.T) {
	field := map[string]string{"aws": "tags", "gcp": "labels", "azure": "tags", "global": "tags"}
	must := map[string][]string{
		"aws":    {"aws:ec2/vpc:Vpc", "aws:elasticache/replicationGroup:ReplicationGroup", "aws:lb/loadBalancer:LoadBalancer"},
		"gcp":    {"gcp:redis/instance:Instance", "gcp:storage/bucket:Bucket"},
		"azure":  {"azure-native:resources:ResourceGroup", "azure:redis/cache:Cache"},
		"global": {"aws:route53/healthCheck:HealthCheck", "aws:cloudwatch/metricAlarm:MetricAlarm"},
	}
	for _, stack := range committedStacks(t) {
		sc := load(t, stack, variant{})
		kind := kindOf(sc)
		if field[kind] == "" {
			continue
		}
		t.Run(stack, func(t *testing.T) {
			var opts []plan.Option
			if kind == "global" {
				opts = stackRefs(t, sc)
			}
			p, err := plan.Evaluate(sc, stacks.Program, opts...)
			if err != nil {
				t.Fatal(err)
			}
			tagged := map[string]int{}
			for _, r := range p.Resources {
				f := field[kind]
				if r.Type == "gcp:monitoring/notificationChannel:NotificationChannel" || r.Type == "gcp:monitoring/alertPolicy:AlertPolicy" {
					f = "userLabels" // a channel's labels are its settings
				}
				tags, ok := r.Inputs[f].(map[string]any)
				if !r.Custom || !ok {
					continue
				}
				tagged[r.Type]++
				if tags["app"] != "livekit" || tags["stack"] != stack || tags["owner"] != "platform-team" || tags["region"] == nil || tags["region"] == "" {
					t.Errorf("%s %q %s = %v, want app, stack, region and owner", r.Type, r.Name, field[kind], tags)
				}
			}
			for _, typ := range must[kind] {
				if tagged[typ] == 0 {
					t.Errorf("no %s carries the cost-allocation %s", typ, field[kind])
				}
			}
		})
	}
}
