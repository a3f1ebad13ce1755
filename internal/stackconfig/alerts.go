package stackconfig

import (
	"net/url"
	"strconv"
	"strings"
)

// alertKeys route a region's alarms and set the thresholds of the alarms the
// cloud measures itself (Redis, load balancer). The Prometheus rules' own
// thresholds come from maxNodes, cpuTarget, sysloadLimitPercent and the
// node size (components/observability). Every regional kind has them: the
// routing (an SNS topic, Cloud Monitoring notification channels, an Azure
// action group) and the thresholds of its Redis and load balancer alarms
// (CloudWatch, Cloud Monitoring policies, Azure metric alerts).
var alertKeys = []Key{
	{Name: "alertEmails", Type: "array", Default: []any{}, Kinds: regional,
		Description: "Email addresses the region's alarms go to (an SNS subscription, a Cloud Monitoring email channel or an action group receiver each)."},
	{Name: "alertWebhookUrl", Type: "string", Secret: true, Kinds: regional,
		Description: "Optional https:// webhook the region's alarms also post to (a secret: such URLs often carry a token; set with --secret)."},
	{Name: "alertRedisMemoryPercent", Type: "integer", Default: 80, Kinds: regional,
		Description: "Alarm when a Redis node's memory use stays above this percent, 50-95."},
	{Name: "alertRedisCpuPercent", Type: "integer", Default: 80, Kinds: regional,
		Description: "Alarm when a Redis node's engine CPU stays above this percent, 10-100."},
	{Name: "alertLb5xxPerMinute", Type: "integer", Default: 10, Kinds: regional,
		Description: "Alarm when the signaling load balancer answers more 5xx than this per minute (its own and the nodes'), 1-100000."},
}

func init() { Keys = append(Keys, alertKeys...) }

// Alerts routes and tunes a region's alarms.
type Alerts struct {
	Emails []string
	// Webhook is an https URL, empty for none.
	Webhook               Secret
	RedisMemoryPercent    int
	RedisCPUPercent       int
	LoadBalancer5xxPerMin int
}

func (p *parser) alerts(s *Stack) Alerts {
	var a Alerts
	key := spec("alertEmails").Full()
	seen := map[string]bool{}
	for i, e := range p.list("alertEmails") {
		e = strings.TrimSpace(e)
		at := key + "[" + strconv.Itoa(i) + "]"
		switch {
		case !globalEmailRe.MatchString(e):
			p.fail(at, quote(e), "must be an email address, e.g. oncall@example.com")
		case seen[strings.ToLower(e)]:
			p.fail(at, quote(e), "is listed twice")
		default:
			seen[strings.ToLower(e)] = true
			a.Emails = append(a.Emails, e)
		}
	}
	a.Webhook = p.secret("alertWebhookUrl", "https://hooks.example.com/livekit", webhookProblem)
	a.RedisMemoryPercent = p.integer("alertRedisMemoryPercent", 50, 95)
	a.RedisCPUPercent = p.integer("alertRedisCpuPercent", 10, 100)
	a.LoadBalancer5xxPerMin = p.integer("alertLb5xxPerMinute", 1, 100000)
	return a
}

// webhookProblem says what is wrong with a webhook URL ("" if nothing): SNS
// delivers to http(s) endpoints, and alarms leaving the cloud must be
// encrypted in transit.
func webhookProblem(v string) string {
	u, err := url.Parse(strings.TrimSpace(v))
	switch {
	case err != nil || u.Host == "":
		return "must be an absolute https:// URL, e.g. https://hooks.example.com/livekit"
	case u.Scheme != "https":
		return "must use https:// (alarms leave the cloud; plain http is refused)"
	case u.User != nil:
		return "must not carry credentials before the host (user:password@); put a token in the path or query"
	}
	return ""
}
