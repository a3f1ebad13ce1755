package gcp

import (
	"strconv"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/billing"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/monitoring"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/organizations"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
)

// BudgetArgs is the GCP region's monthly budget.
type BudgetArgs struct {
	components.BudgetArgs
	// BillingAccount holds the budget (XXXXXX-XXXXXX-XXXXXX).
	BillingAccount string
	// Project is the project whose spend is counted.
	Project string
}

// Budget is a Cloud Billing budget filtered to the stack's project, one
// threshold rule per percentage of current spend, mailing one Cloud
// Monitoring email channel per address.
type Budget struct {
	pulumi.ResourceState
	components.BudgetOutputs
}

// Cloud Billing budget limits.
const (
	gcpBudgetDisplayNameMax = 60
	gcpMaxChannels          = 5 // monitoring notification channels per budget
)

// check runs the contract's checks, then the Budget API's own limits.
func (a *BudgetArgs) check(e *components.ArgErrors) {
	a.Check(e)
	e.Require(components.Field{Name: "BillingAccount", Missing: a.BillingAccount == ""}, components.Field{Name: "Project", Missing: a.Project == ""})
	if len(a.BudgetName) > gcpBudgetDisplayNameMax {
		e.Add("BudgetName %q: at most %d characters (a budget's display name)", a.BudgetName, gcpBudgetDisplayNameMax)
	}
	if len(a.Emails) > gcpMaxChannels {
		e.Add("%d emails: a budget takes at most %d notification channels", len(a.Emails), gcpMaxChannels)
	}
}

// NewBudget declares the project's budget in the billing account.
func NewBudget(ctx *pulumi.Context, name string, args *BudgetArgs, opts ...pulumi.ResourceOption) (*Budget, error) {
	b := &Budget{}
	parent, err := components.Register(ctx, components.BudgetType, name, b, args, (*BudgetArgs).check, opts...)
	if err != nil {
		return nil, err
	}
	// The Budget API filters projects by number, not id.
	project, err := organizations.LookupProject(ctx, &organizations.LookupProjectArgs{ProjectId: pulumi.StringRef(args.Project)}, parent)
	if err != nil {
		return nil, err
	}
	var channels pulumi.StringArray
	for i, e := range args.Emails {
		ch, err := monitoring.NewNotificationChannel(ctx, name+"-"+strconv.Itoa(i), &monitoring.NotificationChannelArgs{
			Project:     pulumi.String(args.Project),
			DisplayName: pulumi.String(args.BudgetName + " " + e),
			Type:        pulumi.String("email"),
			Labels:      pulumi.StringMap{"email_address": pulumi.String(e)},
		}, parent)
		if err != nil {
			return nil, err
		}
		channels = append(channels, ch.ID().ToStringOutput())
	}
	var rules billing.BudgetThresholdRuleArray
	for _, t := range args.Thresholds {
		rules = append(rules, billing.BudgetThresholdRuleArgs{ThresholdPercent: pulumi.Float64(t / 100), SpendBasis: pulumi.String("CURRENT_SPEND")})
	}
	budget, err := billing.NewBudget(ctx, name, &billing.BudgetArgs{
		BillingAccount: pulumi.String(args.BillingAccount),
		DisplayName:    pulumi.String(args.BudgetName),
		BudgetFilter: billing.BudgetBudgetFilterArgs{
			Projects: pulumi.StringArray{pulumi.String("projects/" + project.Number)},
		},
		Amount: billing.BudgetAmountArgs{SpecifiedAmount: billing.BudgetAmountSpecifiedAmountArgs{
			CurrencyCode: pulumi.String(args.Currency),
			Units:        pulumi.String(strconv.Itoa(args.Amount)),
		}},
		ThresholdRules: rules,
		AllUpdatesRule: billing.BudgetAllUpdatesRuleArgs{MonitoringNotificationChannels: channels},
	}, parent)
	if err != nil {
		return nil, err
	}
	b.BudgetID = budget.ID().ToStringOutput()
	return b, ctx.RegisterResourceOutputs(b, b.BudgetOutputs.Map())
}
