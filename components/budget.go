package components

import (
	"net/mail"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// BudgetType is a region's monthly cost budget and its email alerts (#21).
const BudgetType = "livekit-infra:index:Budget"

// BudgetArgs is what every cloud's budget takes: a monthly amount, alert
// thresholds in percent of it (actual spend), who is mailed. internal/stackconfig
// (budget.go) checks the same limits naming the config keys; Validate is
// the component's own guard for other callers.
type BudgetArgs struct {
	// BudgetName is the budget's name in the cloud's console.
	BudgetName string
	// Amount is whole units of Currency per month (> 0).
	Amount int
	// Currency is an ISO 4217 code.
	Currency string
	// Thresholds are percentages of Amount, each 1-1000.
	Thresholds []float64
	// Emails are bare addresses, at least one.
	Emails []string
}

// Budget limits shared by the clouds' APIs.
const (
	MinBudgetThreshold, MaxBudgetThreshold = 1, 1000
)

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// Validate rejects what every cloud's budget API refuses; each cloud adds
// its own name, currency and count limits.
func (a *BudgetArgs) Validate(name string) error {
	return Validate("Budget", name, a, (*BudgetArgs).Check)
}

// Check adds the contract's problems to e; each cloud adds its own after.
func (a *BudgetArgs) Check(e *ArgErrors) {
	if a.Amount <= 0 {
		e.Add("Amount is %d: give a positive monthly amount", a.Amount)
	}
	if !currencyCode.MatchString(a.Currency) {
		e.Add("Currency %q: give an ISO 4217 code such as USD", a.Currency)
	}
	if len(a.Thresholds) == 0 {
		e.Add("Thresholds is empty: give at least one percentage")
	}
	for _, t := range a.Thresholds {
		if t < MinBudgetThreshold || t > MaxBudgetThreshold {
			e.Add("threshold %v: give a percentage from %d to %d", t, MinBudgetThreshold, MaxBudgetThreshold)
		}
	}
	if len(a.Emails) == 0 {
		e.Add("Emails is empty: give at least one address to alert")
	}
	for _, m := range a.Emails {
		if !IsBareEmail(m) {
			e.Add("email %q: give a bare address such as finops@example.com", m)
		}
	}
	if strings.TrimSpace(a.BudgetName) == "" {
		e.Add("BudgetName is empty")
	}
}

// IsBareEmail reports whether s is an address alone (no display name) with
// a dotted domain, as the budget APIs' subscribers want it.
func IsBareEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	at := strings.LastIndex(s, "@")
	return at > 0 && strings.Contains(s[at+1:], ".")
}

// BudgetOutputs is what every cloud's Budget exposes.
type BudgetOutputs struct {
	// BudgetID is the cloud's id of the budget.
	BudgetID pulumi.StringOutput
}

// Map is the component's registered outputs.
func (o BudgetOutputs) Map() pulumi.Map { return pulumi.Map{"budgetId": o.BudgetID} }
