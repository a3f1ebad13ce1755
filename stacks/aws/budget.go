package aws

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	awsc "github.com/livekit-infra/livekit-infra/components/aws"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
)

// budget declares the region's AWS Budgets budget when the stack sets one.
func budget(ctx *pulumi.Context, name string, s *stackconfig.Stack) error {
	args := regional.BudgetArgs(s)
	if args == nil {
		return nil
	}
	_, err := awsc.NewBudget(ctx, name+"-budget", &awsc.BudgetArgs{BudgetArgs: *args})
	return err
}
