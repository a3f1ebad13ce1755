package regional

import (
	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// BudgetArgs is the region's budget as every cloud takes it; nil when the
// stack sets no budgetMonthlyAmount.
func BudgetArgs(s *stackconfig.Stack) *components.BudgetArgs {
	b := s.Region.Budget
	if b == nil {
		return nil
	}
	return &components.BudgetArgs{BudgetName: b.Name, Amount: b.Amount, Currency: b.Currency, Thresholds: b.Thresholds, Emails: b.Emails}
}
