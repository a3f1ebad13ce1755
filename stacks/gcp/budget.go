package gcp

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	gcpc "github.com/livekit-infra/livekit-infra/components/gcp"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
)

// budget declares the project's Cloud Billing budget when the stack sets
// one. Without gcpBillingAccount there is nowhere to put it: lkinfra plan
// says so (stackconfig.BudgetWarnings) and nothing is declared.
func budget(ctx *pulumi.Context, name string, s *stackconfig.Stack) error {
	args := regional.BudgetArgs(s)
	if args == nil || s.Region.Budget.BillingAccount == "" {
		return nil
	}
	_, err := gcpc.NewBudget(ctx, name+"-budget", &gcpc.BudgetArgs{
		BudgetArgs: *args, BillingAccount: s.Region.Budget.BillingAccount, Project: s.GCP.Project,
	})
	return err
}
