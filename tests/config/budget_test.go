package config

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// Budget keys: each bad value is refused before any resource, naming its key.
func TestBudgetConfig(t *testing.T) {
	with := func(set map[string]string) map[string]string {
		c := validAWS()
		c[ns+"budgetMonthlyAmount"] = "500"
		c[ns+"budgetEmails"] = `["finops@example.com"]`
		maps.Copy(c, set)
		return c
	}
	s, err := stackconfig.Parse("aws-prod", stackconfig.Raw{Values: with(nil)})
	if err != nil {
		t.Fatal(err)
	}
	b := s.Region.Budget
	if b == nil || b.Amount != 500 || b.Currency != "USD" || len(b.Thresholds) != 3 || b.Thresholds[2] != 100 || b.Emails[0] != "finops@example.com" {
		t.Fatalf("budget = %+v, want 500 USD at 50/80/100 %% to finops@example.com", b)
	}
	if s, _ := stackconfig.Parse("aws-prod", stackconfig.Raw{Values: validAWS()}); s.Region.Budget != nil {
		t.Errorf("budget without budgetMonthlyAmount: %+v, want none", s.Region.Budget)
	}
	for _, c := range []struct {
		name, key string
		set       map[string]string
		want      []string
	}{
		{"negative budget", "budgetMonthlyAmount", map[string]string{ns + "budgetMonthlyAmount": "-100"}, []string{`"-100"`, "from 0 to"}},
		{"threshold 0", "budgetThresholds", map[string]string{ns + "budgetThresholds": "[0, 80]"}, []string{"0", "1 to 1000"}},
		{"threshold 1001", "budgetThresholds", map[string]string{ns + "budgetThresholds": "[50, 1001]"}, []string{"1001", "1 to 1000"}},
		{"threshold not a number", "budgetThresholds", map[string]string{ns + "budgetThresholds": `["high"]`}, []string{"percentages from 1 to 1000"}},
		{"bad email", "budgetEmails", map[string]string{ns + "budgetEmails": `["finops@example.com", "not-an-address"]`}, []string{`"not-an-address"`, "email address"}},
		{"display-name email", "budgetEmails", map[string]string{ns + "budgetEmails": `["Fin Ops <finops@example.com>"]`}, []string{"bare email address"}},
		{"one address, not a list", "budgetEmails", map[string]string{ns + "budgetEmails": "finops@example.com"}, []string{`"finops@example.com"`}},
		{"no email", "budgetEmails", map[string]string{ns + "budgetEmails": `[]`}, []string{"at least one address"}},
		{"unknown currency", "budgetCurrency", map[string]string{ns + "budgetCurrency": "XYZ"}, []string{`"XYZ"`, "ISO 4217"}},
		{"AWS budgets in USD", "budgetCurrency", map[string]string{ns + "budgetCurrency": "EUR"}, []string{`"EUR"`, "USD for kind aws"}},
		{"AWS budget name with a colon", "budgetName", map[string]string{ns + "budgetName": "livekit:prod"}, []string{`"livekit:prod"`, "without ':'"}},
		{"AWS budget name too long", "budgetName", map[string]string{ns + "budgetName": strings.Repeat("b", 101)}, []string{"1-100 characters"}},
		{"eleven AWS subscribers", "budgetEmails", map[string]string{ns + "budgetEmails": `["a@x.io","b@x.io","c@x.io","d@x.io","e@x.io","f@x.io","g@x.io","h@x.io","i@x.io","j@x.io","k@x.io"]`}, []string{"at most 10"}},
		{"owner with capitals", "owner", map[string]string{ns + "owner": "Platform Team"}, []string{`"Platform Team"`, "lowercase"}},
		{"owner too long", "owner", map[string]string{ns + "owner": strings.Repeat("o", 64)}, []string{"1-63"}},
		{"azure start date on a kind aws", "azureBudgetStartDate", map[string]string{ns + "azureBudgetStartDate": "2027-01-01"}, []string{"azureBudgetStartDate"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := stackconfig.Parse("aws-prod", stackconfig.Raw{Values: with(c.set)})
			wantOneProblem(t, err, ns+c.key, c.want)
		})
	}
	t.Run("all at once", func(t *testing.T) {
		_, err := stackconfig.Parse("aws-prod", stackconfig.Raw{Values: with(map[string]string{
			ns + "budgetMonthlyAmount": "-1", ns + "budgetThresholds": "[2000]", ns + "budgetEmails": `["x"]`, ns + "budgetCurrency": "ABC",
		})})
		if err == nil {
			t.Fatal("accepted")
		}
		for _, k := range []string{"budgetMonthlyAmount", "budgetThresholds", "budgetEmails", "budgetCurrency"} {
			if !strings.Contains(err.Error(), ns+k) {
				t.Errorf("error does not name %s:\n%v", ns+k, err)
			}
		}
	})
	// The other clouds' rules, on their committed stack files.
	for _, c := range []struct {
		stack, name, key string
		set              map[string]string
		want             []string
	}{
		{"azure-asia", "start date not the first", "azureBudgetStartDate", map[string]string{ns + "azureBudgetStartDate": "2027-01-15"}, []string{`"2027-01-15"`, "first of a month"}},
		{"azure-asia", "start date before 2017-06", "azureBudgetStartDate", map[string]string{ns + "azureBudgetStartDate": "2017-05-01"}, []string{"2017-06-01"}},
		{"azure-asia", "start date over a year ahead", "azureBudgetStartDate", map[string]string{ns + "azureBudgetStartDate": time.Now().AddDate(2, 0, 0).Format("2006-01") + "-01"}, []string{"twelve months"}},
		{"azure-asia", "azure budget name with a dot", "budgetName", map[string]string{ns + "budgetName": "livekit.asia"}, []string{`"livekit.asia"`, "letters, digits"}},
		{"azure-asia", "six azure thresholds", "budgetThresholds", map[string]string{ns + "budgetThresholds": "[10,20,30,40,50,60]"}, []string{"at most 5"}},
		{"gcp-eu", "gcp display name too long", "budgetName", map[string]string{ns + "budgetName": strings.Repeat("g", 61)}, []string{"at most 60"}},
		{"gcp-eu", "bad billing account", "gcpBillingAccount", map[string]string{ns + "gcpBillingAccount": "12345"}, []string{`"12345"`, "012345-6789AB-CDEF01"}},
		{"gcp-eu", "six gcp channels", "budgetEmails", map[string]string{ns + "budgetEmails": `["a@x.io","b@x.io","c@x.io","d@x.io","e@x.io","f@x.io"]`}, []string{"at most 5"}},
	} {
		t.Run(c.stack+"/"+c.name, func(t *testing.T) {
			sc, err := plan.LoadStackConfig(repoRoot, c.stack)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := stackconfig.Parse(c.stack, stackconfig.Raw{Values: sc.Config}); err != nil {
				t.Fatalf("the committed stack is refused: %v", err)
			}
			vals := maps.Clone(sc.Config)
			maps.Copy(vals, c.set)
			_, err = stackconfig.Parse(c.stack, stackconfig.Raw{Values: vals})
			wantOneProblem(t, err, ns+c.key, c.want)
		})
	}
	t.Run("gcp without billing account: a plan note, no error", func(t *testing.T) {
		vals := map[string]string{ns + "kind": "gcp", ns + "budgetMonthlyAmount": "100"}
		ws := stackconfig.Warnings(vals, time.Now())
		found := false
		for _, w := range ws {
			if w.Key == ns+"gcpBillingAccount" && strings.Contains(w.Text, "no GCP budget is created") {
				found = true
			}
		}
		if !found {
			t.Errorf("no plan note for the skipped GCP budget: %v", ws)
		}
		vals[ns+"gcpBillingAccount"] = "012345-6789AB-CDEF01"
		if ws := stackconfig.BudgetWarnings(vals); len(ws) != 0 {
			t.Errorf("note with a billing account: %v", ws)
		}
	})
}
