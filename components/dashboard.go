package components

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components/observability"
)

// DashboardType is a region's dashboard (#18): the one definition of
// components/observability rendered into the cloud's own dashboard service.
const DashboardType = "livekit-infra:index:Dashboard"

// DashboardArgs is what every cloud's dashboard renders: the region's
// dashboard (observability.Region.Dashboard with the cloud's native panels,
// observability.NativePanels).
type DashboardArgs struct {
	Dashboard observability.Dashboard
}

// Validate rejects a dashboard missing a row of observability.Groups.
func (a *DashboardArgs) Validate(name string) error {
	e := NewArgErrors("Dashboard", name)
	a.Check(e)
	return e.Err()
}

// Check adds the contract's problems to e; each cloud adds its own after.
func (a *DashboardArgs) Check(e *ArgErrors) {
	if a.Dashboard.Title == "" {
		e.Add("Dashboard has no title: pass observability.Region.Dashboard(...)")
	}
	for _, g := range observability.Groups {
		if r, ok := a.Dashboard.Row(g.ID); !ok || len(r.Panels) == 0 {
			e.Add("Dashboard has no %q row: every region shows %s", g.ID, g.Title)
		}
	}
}

// CheckRenders adds render's error for the dashboard: each cloud renders
// it once with placeholder resource ids at plan time, so a bad panel fails
// the plan, not the apply.
func (a *DashboardArgs) CheckRenders(e *ArgErrors, render func(observability.Dashboard) (string, error)) {
	if _, err := render(a.Dashboard); err != nil {
		e.AddErr(err)
	}
}

// DashboardOutputs is what every cloud's dashboard exposes.
type DashboardOutputs struct {
	// DashboardID is the dashboard's resource id (a CloudWatch dashboard
	// name, a Cloud Monitoring dashboard, an Azure workbook).
	DashboardID pulumi.StringOutput
}

// Map is the component's registered outputs.
func (o DashboardOutputs) Map() pulumi.Map { return pulumi.Map{"dashboardId": o.DashboardID} }

// ScopeID is an optional scope resource's id as an output: "" when the
// region has none (the renderer leaves its panels out).
func ScopeID(in pulumi.StringInput) pulumi.StringOutput {
	if in == nil {
		return pulumi.String("").ToStringOutput()
	}
	return in.ToStringOutput()
}
