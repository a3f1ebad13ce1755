package components

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// MonitoringArgs is a region's alarm routing: every alarm of the region goes
// to one topic or channel, which mails each address and posts to the
// optional webhook. The alarm definitions and thresholds are each cloud's
// (what its Redis and load balancer publish); the Prometheus rules are
// components/observability's, rendered once for every cloud.
type MonitoringArgs struct {
	// Emails are subscribed to the region's alarm topic.
	Emails []string
	// Webhook is an https URL (a Pulumi secret: such URLs carry tokens);
	// nil for none.
	Webhook pulumi.StringInput
}

// Validate rejects what the cloud would refuse at create time.
func (a *MonitoringArgs) Validate(name string) error {
	var problems []string
	seen := map[string]bool{}
	for _, e := range a.Emails {
		switch {
		case !strings.Contains(e, "@") || strings.ContainsAny(e, " \t\n"):
			problems = append(problems, fmt.Sprintf("email %q is not an address: give user@domain", e))
		case seen[strings.ToLower(e)]:
			problems = append(problems, fmt.Sprintf("email %q is listed twice: list each address once", e))
		}
		seen[strings.ToLower(e)] = true
	}
	if len(problems) > 0 {
		return fmt.Errorf("Monitoring %q: %s", name, strings.Join(problems, "; "))
	}
	return nil
}

// MonitoringOutputs is what every cloud's Monitoring exposes.
type MonitoringOutputs struct {
	// AlarmTopic is where the region's alarms go (an SNS topic ARN, a
	// notification channel, an action group id).
	AlarmTopic pulumi.StringOutput
}
