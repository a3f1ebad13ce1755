package azure

import (
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	azurec "github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
)

// budget declares the resource group's consumption budget when the stack
// sets one. Azure wants a start date on the first of a month within the
// current one: azureBudgetStartDate, or the month of the deploy (the
// component ignores later changes, which Azure would answer with a
// replacement).
func budget(ctx *pulumi.Context, name string, s *stackconfig.Stack, resourceGroupID pulumi.StringInput) error {
	args := regional.BudgetArgs(s)
	if args == nil {
		return nil
	}
	now := time.Now().UTC()
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	if d := s.Region.Budget.StartDate; d != "" {
		t, err := time.Parse("2006-01-02", d) // checked by settings
		if err != nil {
			return err
		}
		start = t
	}
	_, err := azurec.NewBudget(ctx, name+"-budget", &azurec.BudgetArgs{
		BudgetArgs: *args, ResourceGroupID: resourceGroupID, StartDate: start,
	})
	return err
}
