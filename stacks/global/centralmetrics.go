package global

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	awsc "github.com/livekit-infra/livekit-infra/components/aws"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/stackref"
)

// Outputs of the central metrics view.
const (
	// OutputMetricsQueryURL is the central view's Prometheus query API.
	OutputMetricsQueryURL = "metricsQueryUrl"
	// OutputCentralMetrics holds the remote-write URL, the workspace, the
	// reader role, each region's writer role and the regions not writing.
	OutputCentralMetrics = "centralMetrics"
)

// centralMetrics declares the central view: the AMP workspace every region
// remote-writes to, with a writer role per region that exports its
// collector's identity (the regional stacks are deployed first; a region
// that exports none yet is listed as not writing).
func centralMetrics(ctx *pulumi.Context, s *stackconfig.Stack, refs []*stackref.Ref) (pulumi.Map, error) {
	var writers []components.MetricsWriter
	var notWriting []string
	var errs []error
	for i, r := range s.Global.Regions {
		v, _, err := refs[i].Value(components.OutputMetricsWriter)
		if err != nil {
			errs = append(errs, fmt.Errorf("region %s: reading stack %s's %q: %w", r.Name, r.Stack, components.OutputMetricsWriter, err))
			continue
		}
		if v == nil {
			notWriting = append(notWriting, r.Name)
			_ = ctx.Log.Warn(fmt.Sprintf("region %s: stack %s exports no %q, so it gets no writer role and its metrics do not reach the central view: deploy it with this version first (lkinfra up --stacks %s), then this stack again",
				r.Name, r.Stack, components.OutputMetricsWriter, r.Stack), nil)
			continue
		}
		w, err := components.ParseMetricsWriter(r.Name, v)
		if err == nil {
			// The region's own IAM OIDC provider for its issuer, if any.
			var p any
			if p, _, err = refs[i].Value(components.OutputOIDCProvider); err != nil {
				err = fmt.Errorf("region %s: reading %q: %w", r.Name, components.OutputOIDCProvider, err)
			} else if p != nil {
				w, err = w.WithProvider(p)
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%w (stack %s)", err, r.Stack))
			continue
		}
		writers = append(writers, w)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	cm, err := awsc.NewCentralMetrics(ctx, "livekit-metrics", &awsc.CentralMetricsArgs{
		CentralMetricsArgs: components.CentralMetricsArgs{Writers: writers, Protect: s.Protect},
	})
	if err != nil {
		return nil, err
	}
	return pulumi.Map{
		OutputMetricsQueryURL: cm.QueryURL,
		OutputCentralMetrics: pulumi.Map{
			"queryUrl":          cm.QueryURL,
			"remoteWriteUrl":    cm.RemoteWriteURL,
			"workspaceArn":      cm.WorkspaceARN,
			"readerRoleArn":     cm.ReaderRoleARN,
			"writerRoleArns":    cm.WriterRoleARNs,
			"regionsNotWriting": pulumi.ToStringArray(notWriting),
		},
	}, nil
}
