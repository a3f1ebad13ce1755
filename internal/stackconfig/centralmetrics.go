package stackconfig

import (
	"strings"

	"github.com/livekit-infra/livekit-infra/components/observability"
)

// centralMetricsKeys point a region's writer at the global stack's central
// view. Both come from the global stack's outputs, which exist only after
// the global stack read the region's metricsWriter: the first deploy of the
// central view is two passes (docs/observability.md, "Deploy order").
var centralMetricsKeys = []Key{
	{Name: CentralMetricsRemoteWriteURLKey, Type: "string", Default: "", Kinds: regional,
		Description: "The global stack's central metrics view: its centralMetrics.remoteWriteUrl output (https://aps-workspaces.<region>.amazonaws.com/workspaces/ws-.../api/v1/remote_write). Empty: the region writes nothing centrally. Set together with centralMetricsWriterRoleArn."},
	{Name: CentralMetricsWriterRoleARNKey, Type: "string", Default: "", Kinds: regional,
		Description: "This region's writer role of the central metrics view: the global stack's centralMetrics.writerRoleArns.<region> output (arn:aws:iam::<account>:role/...). Set together with centralMetricsRemoteWriteUrl."},
}

// The two keys' names (without the namespace): `lkinfra up` sets them on
// each region after deploying the global stack (internal/deploy).
const (
	CentralMetricsRemoteWriteURLKey = "centralMetricsRemoteWriteUrl"
	CentralMetricsWriterRoleARNKey  = "centralMetricsWriterRoleArn"
)

func init() { Keys = append(Keys, centralMetricsKeys...) }

// CentralMetrics is where the region's writer remote-writes for the
// central view; the zero value writes nothing centrally.
type CentralMetrics struct {
	// RemoteWriteURL is an AMP workspace's remote_write endpoint.
	RemoteWriteURL string
	// WriterRoleARN is the role the writer signs as (AWS collectors assume
	// it; GKE and AKS agents present their web identity for it).
	WriterRoleARN string
}

// On reports whether the region writes to the central view.
func (c CentralMetrics) On() bool { return c.RemoteWriteURL != "" }

func (p *parser) centralMetrics() CentralMetrics {
	c := CentralMetrics{RemoteWriteURL: p.str("centralMetricsRemoteWriteUrl"), WriterRoleARN: p.str("centralMetricsWriterRoleArn")}
	u, r := spec("centralMetricsRemoteWriteUrl").Full(), spec("centralMetricsWriterRoleArn").Full()
	if c.RemoteWriteURL != "" && observability.AMPRegion(c.RemoteWriteURL) == "" {
		p.fail(u, quote(c.RemoteWriteURL), "must be the global stack's centralMetrics.remoteWriteUrl: https://aps-workspaces.<region>.amazonaws.com/workspaces/ws-<id>/api/v1/remote_write")
	}
	if c.WriterRoleARN != "" && !observability.IsRoleARN(c.WriterRoleARN) {
		p.fail(r, quote(c.WriterRoleARN), "must be an IAM role ARN, arn:aws:iam::<12-digit account>:role/<name>: the global stack's centralMetrics.writerRoleArns.<region>")
	}
	switch {
	case c.RemoteWriteURL != "" && c.WriterRoleARN == "":
		p.fail(r, "(not set)", "must be set when "+u+" is: the writer signs as this region's writer role (centralMetrics.writerRoleArns.<region> of the global stack)")
	case c.WriterRoleARN != "" && c.RemoteWriteURL == "":
		p.fail(u, "(not set)", "must be set when "+r+" is: where the writer sends (centralMetrics.remoteWriteUrl of the global stack)")
	}
	return c
}

// CentralMetricsWarnings reports a region that writes nothing to the
// central view: valid (the first pass of the central view's deploy), but
// its series reach only its own monitoring.
func CentralMetricsWarnings(values map[string]string) []SupportWarning {
	kind := Kind(values[Namespace+":kind"])
	if kind != KindAWS && kind != KindGCP && kind != KindAzure {
		return nil
	}
	u := spec(CentralMetricsRemoteWriteURLKey).Full()
	if strings.TrimSpace(values[u]) != "" {
		return nil
	}
	return []SupportWarning{{Key: u, Value: "(not set)", Text: "this region writes nothing to the global stack's central metrics view yet: `lkinfra up` of this stack with the global one sets " +
		u + " and " + spec(CentralMetricsWriterRoleARNKey).Full() + " from the global stack's centralMetrics output (remoteWriteUrl, writerRoleArns.<region>) once that is deployed, and deploys this stack again (docs/observability.md, \"Deploy order\")"}}
}
