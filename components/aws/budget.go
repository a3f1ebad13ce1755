package aws

import (
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/budgets"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
)

// BudgetArgs is the AWS region's monthly budget.
type BudgetArgs struct {
	components.BudgetArgs
}

// Budget is an AWS Budgets cost budget with one email notification per
// threshold. It sees the whole account: Budgets has no per-stack scope
// unless the cost-allocation tags are activated in Billing (they are then
// usable as a cost filter by hand).
type Budget struct {
	pulumi.ResourceState
	components.BudgetOutputs
}

// AWS Budgets' limits (CreateBudget, CreateNotification).
const (
	awsBudgetNameMax = 100
	awsMaxEmails     = 10 // email subscribers per notification
)

// ValidateAWSBudgetName is AWS Budgets' BudgetName rule: 1-100 characters,
// none of ':' and '\'.
func ValidateAWSBudgetName(n string) string {
	if n == "" || len(n) > awsBudgetNameMax || strings.ContainsAny(n, `:\`) {
		return "1-100 characters without ':' or '\\' (AWS Budgets' name rule)"
	}
	return ""
}

// NewBudget declares the account's monthly cost budget.
func NewBudget(ctx *pulumi.Context, name string, args *BudgetArgs, opts ...pulumi.ResourceOption) (*Budget, error) {
	if args == nil {
		return nil, components.BudgetError(name, "args are required")
	}
	if err := args.Validate(name); err != nil {
		return nil, err
	}
	switch {
	case ValidateAWSBudgetName(args.BudgetName) != "":
		return nil, components.BudgetError(name, "BudgetName %q: %s", args.BudgetName, ValidateAWSBudgetName(args.BudgetName))
	case args.Currency != "USD":
		return nil, components.BudgetError(name, "Currency %q: AWS Budgets' cost limits are in USD", args.Currency)
	case len(args.Emails) > awsMaxEmails:
		return nil, components.BudgetError(name, "%d emails: AWS Budgets takes at most %d per notification", len(args.Emails), awsMaxEmails)
	}
	b := &Budget{}
	if err := ctx.RegisterComponentResource(components.BudgetType, name, b, opts...); err != nil {
		return nil, err
	}
	var notes budgets.BudgetNotificationArray
	for _, t := range args.Thresholds {
		notes = append(notes, budgets.BudgetNotificationArgs{
			ComparisonOperator:       pulumi.String("GREATER_THAN"),
			NotificationType:         pulumi.String("ACTUAL"),
			Threshold:                pulumi.Float64(t),
			ThresholdType:            pulumi.String("PERCENTAGE"),
			SubscriberEmailAddresses: pulumi.ToStringArray(args.Emails),
		})
	}
	budget, err := budgets.NewBudget(ctx, name, &budgets.BudgetArgs{
		Name:          pulumi.String(args.BudgetName),
		BudgetType:    pulumi.String("COST"),
		TimeUnit:      pulumi.String("MONTHLY"),
		LimitAmount:   pulumi.String(strconv.Itoa(args.Amount)),
		LimitUnit:     pulumi.String(args.Currency),
		Notifications: notes,
	}, pulumi.Parent(b))
	if err != nil {
		return nil, err
	}
	b.BudgetID = budget.ID().ToStringOutput()
	return b, ctx.RegisterResourceOutputs(b, pulumi.Map{"budgetId": b.BudgetID})
}
