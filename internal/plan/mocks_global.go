package plan

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Computed outputs of the global stack's types (Route 53 health checks and
// records, CloudWatch alarms, SNS, KMS), shaped like the real provider's.
func init() {
	computedOutputs["aws:route53/healthCheck:HealthCheck"] = func(mi MockInfo) resource.PropertyMap {
		// Route 53 health-check ids are UUIDs; the ARN has no region.
		id := uuidish("healthcheck:" + mi.Name)
		return props(map[string]any{
			"id":  id,
			"arn": "arn:aws:route53:::healthcheck/" + id,
		})
	}
	computedOutputs["aws:route53/record:Record"] = func(mi MockInfo) resource.PropertyMap {
		name, _ := plainString(mi.Inputs, "name")
		name = strings.TrimSuffix(strings.ToLower(name), ".")
		zone, _ := plainString(mi.Inputs, "zoneId")
		typ, _ := plainString(mi.Inputs, "type")
		id := zone + "_" + name + "_" + typ
		if set, ok := plainString(mi.Inputs, "setIdentifier"); ok {
			id += "_" + set
		}
		return props(map[string]any{"id": id, "fqdn": name})
	}
	computedOutputs["aws:cloudwatch/metricAlarm:MetricAlarm"] = func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{
			"arn": fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", mi.Region, FakeAccountID, mi.PhysicalName()),
		})
	}
	computedOutputs["aws:sns/topic:Topic"] = func(mi MockInfo) resource.PropertyMap {
		arn := fmt.Sprintf("arn:aws:sns:%s:%s:%s", mi.Region, FakeAccountID, mi.PhysicalName())
		return props(map[string]any{"arn": arn, "id": arn})
	}
	computedOutputs["aws:sns/topicSubscription:TopicSubscription"] = func(mi MockInfo) resource.PropertyMap {
		// An email subscription stays pending until the address confirms.
		arn := fmt.Sprintf("arn:aws:sns:%s:%s:%s:%s", mi.Region, FakeAccountID, mi.PhysicalName(), uuidish("sub:"+mi.Name))
		return props(map[string]any{"arn": arn, "id": arn, "pendingConfirmation": true})
	}
	computedOutputs["aws:kms/key:Key"] = func(mi MockInfo) resource.PropertyMap {
		id := uuidish("kms:" + mi.Name)
		return props(map[string]any{
			"id":    id,
			"keyId": id,
			"arn":   fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", mi.Region, FakeAccountID, id),
		})
	}
}
