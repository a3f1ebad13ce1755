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
	awsBudgetNameMax    = 100
	awsMaxNotifications = 10 // per budget; one per threshold here
	awsMaxEmails        = 10 // email subscribers per notification
)

// ValidateAWSBudgetName is AWS Budgets' BudgetName rule: 1-100 characters,
// none of ':' and '\'.
func ValidateAWSBudgetName(n string) string {
	if n == "" || len(n) > awsBudgetNameMax || strings.ContainsAny(n, `:\`) {
		return "1-100 characters without ':' or '\\' (AWS Budgets' name rule)"
	}
	return ""
}

// check runs the contract's checks, then AWS Budgets' own limits.
func (a *BudgetArgs) check(e *components.ArgErrors) {
	a.Check(e)
	if msg := ValidateAWSBudgetName(a.BudgetName); msg != "" {
		e.Add("BudgetName %q: %s", a.BudgetName, msg)
	}
	if a.Currency != "USD" {
		e.Add("Currency %q: AWS Budgets' cost limits are in USD", a.Currency)
	}
	if len(a.Thresholds) > awsMaxNotifications {
		e.Add("%d Thresholds: AWS Budgets takes at most %d notifications per budget (one per threshold)", len(a.Thresholds), awsMaxNotifications)
	}
	if len(a.Emails) > awsMaxEmails {
		e.Add("%d emails: AWS Budgets takes at most %d per notification", len(a.Emails), awsMaxEmails)
	}
}

// NewBudget declares the account's monthly cost budget.
func NewBudget(ctx *pulumi.Context, name string, args *BudgetArgs, opts ...pulumi.ResourceOption) (*Budget, error) {
	b := &Budget{}
	parent, err := components.Register(ctx, components.BudgetType, name, b, args, (*BudgetArgs).check, opts...)
	if err != nil {
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
	}, parent)
	if err != nil {
		return nil, err
	}
	b.BudgetID = budget.ID().ToStringOutput()
	return b, ctx.RegisterResourceOutputs(b, b.BudgetOutputs.Map())
}
