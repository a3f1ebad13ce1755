package stackconfig

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// budgetKeys configure the region's monthly budget (#21): AWS Budgets, a
// GCP Cloud Billing budget, an Azure consumption budget on the resource
// group, each alerting budgetEmails at every threshold.
var budgetKeys = []Key{
	{Name: "budgetMonthlyAmount", Type: "integer", Default: 0, Kinds: regional,
		Description: "Monthly budget in budgetCurrency, whole units (0: no budget). `lkinfra cost` estimates what the stack costs."},
	{Name: "budgetCurrency", Type: "string", Default: "USD", Kinds: regional,
		Description: "ISO 4217 currency of budgetMonthlyAmount: USD on AWS (Budgets' cost limits), the billing account's currency on GCP and Azure."},
	{Name: "budgetThresholds", Type: "array", Items: "integer", Default: []any{50, 80, 100}, Kinds: regional,
		Description: "Alert thresholds, percent of budgetMonthlyAmount (1-1000), actual spend."},
	{Name: "budgetEmails", Type: "array", Default: []any{}, Kinds: regional,
		Description: "Addresses alerted at each threshold (at least one with a budget; at most 10 on AWS, 5 on GCP)."},
	{Name: "budgetName", Type: "string", Default: "", Kinds: regional,
		Description: "The budget's name in the cloud console; empty: livekit-<stack>. AWS: 1-100 characters without : or \\; GCP: at most 60; Azure: 1-63 letters, digits, - or _."},
	{Name: "azureBudgetStartDate", Type: "string", Default: "", Kinds: []Kind{KindAzure},
		Description: "First day of the Azure budget (YYYY-MM-01; Azure wants the first of a month, from 2017-06-01, at most 12 months ahead); empty: the first of the month of the deploy. Changes after creation are ignored (Azure would replace the budget)."},
	{Name: "owner", Type: "string", Default: "unassigned", Kinds: []Kind{KindAWS, KindGCP, KindAzure, KindGlobal},
		Description: "The owner cost-allocation tag (GCP label) on every taggable resource, with app, stack and region: lowercase letters, digits, - and _, 1-63 characters (the GCP label rule, kept in every cloud so the tag reads the same)."},
	{Name: "gcpBillingAccount", Type: "string", Default: "", Kinds: []Kind{KindGCP},
		Description: "Cloud Billing account id (XXXXXX-XXXXXX-XXXXXX) that holds the GCP budget; unset: no budget (lkinfra plan says so)."},
}

func init() { Keys = append(Keys, budgetKeys...) }

// Budget is the region's monthly budget; nil when budgetMonthlyAmount is 0.
type Budget struct {
	Amount     int
	Currency   string
	Thresholds []float64 // percent
	Emails     []string
	// BillingAccount is the GCP billing account ("" on AWS and Azure).
	BillingAccount string
	// Name is the budget's name in the console (budgetName).
	Name string
	// StartDate is azureBudgetStartDate ("" on AWS and GCP, or unset).
	StartDate string
}

// currencies are the ISO 4217 codes the clouds bill in.
var currencies = map[string]bool{}

func init() {
	for _, c := range strings.Fields("USD EUR GBP JPY AUD CAD CHF CNY DKK HKD IDR INR KRW MXN MYR NOK NZD PLN SEK SGD THB TWD ZAR BRL ARS CLP COP PEN ILS SAR AED TRY RUB CZK HUF UAH EGP NGN PHP VND") {
		currencies[c] = true
	}
}

var billingAccountRe = regexp.MustCompile(`^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$`)

// AWS Budgets takes up to 10 email subscribers per notification; a GCP
// budget up to 5 monitoring notification channels.
const (
	awsBudgetMaxEmails = 10
	gcpBudgetMaxEmails = 5
	// An Azure consumption budget takes up to five notifications, an AWS
	// budget up to ten (one per threshold here; API_budgets_Notification:
	// "A budget can have up to ten notifications").
	azureBudgetMaxNotifications = 5
	awsBudgetMaxNotifications   = 10
)

func (p *parser) budget(s *Stack) *Budget {
	b := &Budget{Amount: p.integer("budgetMonthlyAmount", 0, 1_000_000_000)}
	b.Currency = strings.TrimSpace(p.str("budgetCurrency"))
	if !currencies[b.Currency] {
		p.fail(spec("budgetCurrency").Full(), quote(b.Currency), "must be an ISO 4217 currency code the clouds bill in, e.g. USD, EUR, GBP, JPY")
	} else if s.Kind == KindAWS && b.Currency != "USD" {
		p.fail(spec("budgetCurrency").Full(), quote(b.Currency), "must be USD for kind aws (AWS Budgets' cost limits are in USD)")
	}
	raw, _ := p.lookup("budgetThresholds")
	var th []json.Number
	if err := json.Unmarshal([]byte(raw), &th); err != nil {
		p.fail(spec("budgetThresholds").Full(), quote(raw), "must be a list of percentages from 1 to 1000, e.g. [50, 80, 100]")
		th = nil
	}
	for _, n := range th {
		f, err := n.Float64()
		if err != nil || f < 1 || f > 1000 || f != float64(int(f)) {
			p.fail(spec("budgetThresholds").Full(), n.String(), "each threshold must be a whole percentage from 1 to 1000")
			continue
		}
		b.Thresholds = append(b.Thresholds, f)
	}
	b.Emails = p.list("budgetEmails")
	for _, e := range b.Emails {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e || !strings.Contains(e[strings.LastIndex(e, "@")+1:], ".") {
			p.fail(spec("budgetEmails").Full(), quote(e), "each entry must be a bare email address such as finops@example.com")
		}
	}
	if s.Kind == KindGCP {
		b.BillingAccount = strings.TrimSpace(p.str("gcpBillingAccount"))
		if b.BillingAccount != "" && !billingAccountRe.MatchString(b.BillingAccount) {
			p.fail(spec("gcpBillingAccount").Full(), quote(b.BillingAccount), "must be a Cloud Billing account id such as 012345-6789AB-CDEF01")
		}
	}
	b.Name = strings.TrimSpace(p.str("budgetName"))
	if b.Name == "" {
		b.Name = "livekit-" + s.Name
	}
	if why := budgetNameRule(s.Kind, b.Name); why != "" {
		p.fail(spec("budgetName").Full(), quote(b.Name), why+"; set budgetName to a name that fits")
	}
	if s.Kind == KindAzure {
		b.StartDate = strings.TrimSpace(p.str("azureBudgetStartDate"))
		if b.StartDate != "" {
			if why := azureBudgetStartRule(b.StartDate, time.Now()); why != "" {
				p.fail(spec("azureBudgetStartDate").Full(), quote(b.StartDate), why)
			}
		}
	}
	if b.Amount == 0 || p.failed("budgetMonthlyAmount") {
		return nil
	}
	switch {
	case p.failed("budgetEmails"):
		// Already reported (not a list, a bad address): one problem a key.
	case len(b.Emails) == 0:
		p.fail(spec("budgetEmails").Full(), "[]", "must list at least one address while budgetMonthlyAmount is set (who is alerted)")
	case s.Kind == KindAWS && len(b.Emails) > awsBudgetMaxEmails:
		p.fail(spec("budgetEmails").Full(), strconv.Itoa(len(b.Emails))+" addresses", fmt.Sprintf("at most %d for kind aws (AWS Budgets' email subscribers per notification)", awsBudgetMaxEmails))
	case s.Kind == KindGCP && len(b.Emails) > gcpBudgetMaxEmails:
		p.fail(spec("budgetEmails").Full(), strconv.Itoa(len(b.Emails))+" addresses", fmt.Sprintf("at most %d for kind gcp (a budget's monitoring notification channels)", gcpBudgetMaxEmails))
	}
	switch {
	case s.Kind == KindAzure && len(b.Thresholds) > azureBudgetMaxNotifications:
		p.fail(spec("budgetThresholds").Full(), strconv.Itoa(len(b.Thresholds))+" thresholds", fmt.Sprintf("at most %d for kind azure (a consumption budget's notifications)", azureBudgetMaxNotifications))
	case s.Kind == KindAWS && len(b.Thresholds) > awsBudgetMaxNotifications:
		p.fail(spec("budgetThresholds").Full(), strconv.Itoa(len(b.Thresholds))+" thresholds", fmt.Sprintf("at most %d for kind aws (AWS Budgets' notifications per budget, one per threshold)", awsBudgetMaxNotifications))
	}
	if len(b.Thresholds) == 0 && !p.failed("budgetThresholds") {
		p.fail(spec("budgetThresholds").Full(), "[]", "must list at least one percentage while budgetMonthlyAmount is set")
	}
	return b
}

var azureBudgetNameRe = regexp.MustCompile(`^[-_a-zA-Z0-9]{1,63}$`)

// budgetNameRule is each cloud's budget name rule ("" when n fits).
func budgetNameRule(k Kind, n string) string {
	switch k {
	case KindAWS:
		if len(n) > 100 || strings.ContainsAny(n, `:\`) {
			return `must be 1-100 characters without ':' or '\' for kind aws (AWS Budgets' name rule)`
		}
	case KindGCP:
		if len(n) > 60 {
			return "must be at most 60 characters for kind gcp (a Cloud Billing budget's display name)"
		}
	case KindAzure:
		if !azureBudgetNameRe.MatchString(n) {
			return "must be 1-63 letters, digits, '-' or '_' for kind azure (a consumption budget's name rule)"
		}
	}
	return ""
}

// azureBudgetStartRule is Cost Management's start date rule: the first of a
// month, from 2017-06-01, at most twelve months ahead.
func azureBudgetStartRule(v string, now time.Time) string {
	d, err := time.Parse("2006-01-02", v)
	switch {
	case err != nil || d.Day() != 1:
		return "must be the first of a month as YYYY-MM-01 (Azure budgets start on the first), e.g. 2027-01-01"
	case d.Before(time.Date(2017, 6, 1, 0, 0, 0, 0, time.UTC)):
		return "must be on or after 2017-06-01 (Azure Cost Management's earliest budget)"
	case d.After(now.AddDate(1, 0, 0)):
		return "must be at most twelve months ahead (Azure refuses later start dates)"
	}
	return ""
}

// ownerRe is the owner tag: a GCP label value that starts with a letter or
// digit, the strictest of the three clouds' tag rules.
var ownerRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

func (p *parser) owner() string {
	o := strings.TrimSpace(p.str("owner"))
	if !ownerRe.MatchString(o) {
		p.fail(spec("owner").Full(), quote(o), "must be 1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit (a GCP label value; the same tag in every cloud), e.g. platform-team")
	}
	return o
}

// BudgetWarnings notes a GCP stack with a budget amount but no billing
// account: no budget is created.
func BudgetWarnings(values map[string]string) []SupportWarning {
	if Kind(values[Namespace+":kind"]) != KindGCP {
		return nil
	}
	amt := strings.TrimSpace(values[spec("budgetMonthlyAmount").Full()])
	if amt == "" || amt == "0" || strings.TrimSpace(values[spec("gcpBillingAccount").Full()]) != "" {
		return nil
	}
	return []SupportWarning{{Key: spec("gcpBillingAccount").Full(), Value: "(not set)", Text: fmt.Sprintf(
		"no GCP budget is created: %s is %s but a budget lives in a Cloud Billing account; set %s to create it",
		spec("budgetMonthlyAmount").Full(), amt, spec("gcpBillingAccount").Full())}}
}
