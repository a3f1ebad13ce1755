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

// NewBudget declares the resource group's monthly budget.
func NewBudget(ctx *pulumi.Context, name string, args *BudgetArgs, opts ...pulumi.ResourceOption) (*Budget, error) {
	if args == nil {
		return nil, components.BudgetError(name, "args are required")
	}
	if err := args.Validate(name); err != nil {
		return nil, err
	}
	switch {
	case args.ResourceGroupID == nil:
		return nil, components.BudgetError(name, "ResourceGroupID is required")
	case !AzureBudgetName.MatchString(args.BudgetName):
		return nil, components.BudgetError(name, "BudgetName %q: 1-63 letters, digits, '-' or '_'", args.BudgetName)
	case args.StartDate.Day() != 1 || args.StartDate.Before(AzureBudgetStart) || !args.StartDate.Equal(args.StartDate.Truncate(24*time.Hour)):
		return nil, components.BudgetError(name, "StartDate %s: give midnight UTC on the first of a month, from 2017-06-01", args.StartDate.Format(time.RFC3339))
	case len(args.Thresholds) > azureMaxNotifications:
		return nil, components.BudgetError(name, "%d thresholds: a consumption budget takes at most %d notifications", len(args.Thresholds), azureMaxNotifications)
	}
	b := &Budget{}
	if err := ctx.RegisterComponentResource(components.BudgetType, name, b, opts...); err != nil {
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
	}, pulumi.Parent(b), pulumi.IgnoreChanges([]string{"timePeriod"}))
	if err != nil {
		return nil, err
	}
	b.BudgetID = budget.ID().ToStringOutput()
	return b, ctx.RegisterResourceOutputs(b, pulumi.Map{"budgetId": b.BudgetID})
}
