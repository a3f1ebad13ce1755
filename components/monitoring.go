package components

import (
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
	return Validate("Monitoring", name, a, (*MonitoringArgs).Check)
}

// Check adds the contract's problems to e; each cloud adds its own after.
func (a *MonitoringArgs) Check(e *ArgErrors) {
	seen := map[string]bool{}
	for _, m := range a.Emails {
		switch {
		case !strings.Contains(m, "@") || strings.ContainsAny(m, " \t\n"):
			e.Add("email %q is not an address: give user@domain", m)
		case seen[strings.ToLower(m)]:
			e.Add("email %q is listed twice: list each address once", m)
		}
		seen[strings.ToLower(m)] = true
	}
}

// MonitoringOutputs is what every cloud's Monitoring exposes.
type MonitoringOutputs struct {
	// AlarmTopic is where the region's alarms go (an SNS topic ARN, a
	// notification channel, an action group id).
	AlarmTopic pulumi.StringOutput
}
