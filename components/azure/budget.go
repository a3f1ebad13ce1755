package azure

import (
	"regexp"
	"time"

	"github.com/pulumi/pulumi-azure/sdk/v5/go/azure/consumption"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
)

// BudgetArgs is the Azure region's monthly budget.
type BudgetArgs struct {
	components.BudgetArgs
	// ResourceGroupID scopes the budget to the region's resource group.
	ResourceGroupID pulumi.StringInput
	// StartDate is the first of a month (Azure refuses any other day), UTC.
	StartDate time.Time
}

// Budget is a Cost Management consumption budget on the resource group, one
// notification per threshold of actual cost.
type Budget struct {
	pulumi.ResourceState
	components.BudgetOutputs
}

// Consumption budget limits.
const azureMaxNotifications = 5

// AzureBudgetName is the consumption budget name rule.
var AzureBudgetName = regexp.MustCompile(`^[-_a-zA-Z0-9]{1,63}$`)

// AzureBudgetStart is the earliest start date Cost Management accepts.
var AzureBudgetStart = time.Date(2017, 6, 1, 0, 0, 0, 0, time.UTC)

// check runs the contract's checks, then the Consumption API's own limits.
func (a *BudgetArgs) check(e *components.ArgErrors) {
	a.Check(e)
	e.Require(components.Field{Name: "ResourceGroupID", Missing: a.ResourceGroupID == nil})
	if !AzureBudgetName.MatchString(a.BudgetName) {
		e.Add("BudgetName %q: 1-63 letters, digits, '-' or '_'", a.BudgetName)
	}
	if a.StartDate.Day() != 1 || a.StartDate.Before(AzureBudgetStart) || !a.StartDate.Equal(a.StartDate.Truncate(24*time.Hour)) {
		e.Add("StartDate %s: give midnight UTC on the first of a month, from 2017-06-01", a.StartDate.Format(time.RFC3339))
	}
	if len(a.Thresholds) > azureMaxNotifications {
		e.Add("%d thresholds: a consumption budget takes at most %d notifications", len(a.Thresholds), azureMaxNotifications)
	}
}

// NewBudget declares the resource group's monthly budget.
func NewBudget(ctx *pulumi.Context, name string, args *BudgetArgs, opts ...pulumi.ResourceOption) (*Budget, error) {
	b := &Budget{}
	parent, err := components.Register(ctx, components.BudgetType, name, b, args, (*BudgetArgs).check, opts...)
	if err != nil {
		return nil, err
	}
	var notes consumption.BudgetResourceGroupNotificationArray
	for _, t := range args.Thresholds {
		notes = append(notes, consumption.BudgetResourceGroupNotificationArgs{
			Enabled:       pulumi.Bool(true),
			Operator:      pulumi.String("GreaterThan"),
			Threshold:     pulumi.Int(int(t)),
			ThresholdType: pulumi.String("Actual"),
			ContactEmails: pulumi.ToStringArray(args.Emails),
		})
	}
	budget, err := consumption.NewBudgetResourceGroup(ctx, name, &consumption.BudgetResourceGroupArgs{
		Name:            pulumi.String(args.BudgetName),
		ResourceGroupId: args.ResourceGroupID,
		Amount:          pulumi.Float64(float64(args.Amount)),
		TimeGrain:       pulumi.String("Monthly"),
		TimePeriod: consumption.BudgetResourceGroupTimePeriodArgs{
			StartDate: pulumi.String(args.StartDate.UTC().Format(time.RFC3339)),
		},
		Notifications: notes,
		// A new start date replaces the budget; the first one stands.
	}, parent, pulumi.IgnoreChanges([]string{"timePeriod"}))
	if err != nil {
		return nil, err
	}
	b.BudgetID = budget.ID().ToStringOutput()
	return b, ctx.RegisterResourceOutputs(b, b.BudgetOutputs.Map())
}
