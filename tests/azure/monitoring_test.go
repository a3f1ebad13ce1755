package azure_test

import (
	"testing"

	azurec "github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/stacks/plan"
)

const (
	tMonitoring  = "livekit-infra:index:Monitoring"
	tActionGroup = "azure:monitoring/actionGroup:ActionGroup"
)

func actionGroup(t *testing.T, p *plan.Plan) *plan.Resource {
	t.Helper()
	groups := p.ByType(tActionGroup)
	if len(groups) != 1 {
		t.Fatalf("%d action groups, want the region's one", len(groups))
	}
	g := &groups[0]
	if parent, ok := p.ByURN(g.Parent); !ok || parent.Type != tMonitoring {
		t.Errorf("action group's parent is %q, want the region's Monitoring", g.Parent)
	}
	return g
}

// Every alert of azure-asia goes to one action group: an email receiver per
// alertEmails address (common alert schema), no webhook unless configured.
func TestAlarmActionGroup(t *testing.T) {
	p := asia(t)
	g := actionGroup(t, p)
	if sn := g.InputString("shortName"); sn != azurec.ActionGroupShortName || len(sn) > 12 {
		t.Errorf("shortName %q: Azure caps it at 12 characters", sn)
	}
	if loc := g.InputString("location"); loc != "global" {
		t.Errorf("location %q, want global (action groups are global)", loc)
	}
	emails, _ := g.Input("emailReceivers")
	list, _ := emails.([]any)
	if len(list) != 1 {
		t.Fatalf("email receivers %v, want the one alertEmails address", emails)
	}
	e := list[0].(map[string]any)
	if e["emailAddress"] != "oncall@example.com" || e["useCommonAlertSchema"] != true {
		t.Errorf("email receiver %v", e)
	}
	if hooks, ok := g.Input("webhookReceivers"); ok {
		if l, _ := hooks.([]any); len(l) > 0 {
			t.Errorf("webhook receivers %v without alertWebhookUrl", hooks)
		}
	}
	if rg, _ := g.Input("resourceGroupName"); rg == nil || rg == "" {
		t.Error("action group has no resource group")
	}
}

// alertWebhookUrl is a webhook receiver whose URL stays a secret.
func TestAlarmWebhookStaysSecret(t *testing.T) {
	p := variantPlan(t, "alertWebhook")
	g := actionGroup(t, p)
	if !g.IsSecret("webhookReceivers") && !g.IsSecret("webhookReceivers[0].serviceUri") {
		t.Errorf("the webhook URL is not a secret in the plan (secret paths %v)", g.SecretPaths)
	}
	v, _ := g.RawInput("webhookReceivers[0].serviceUri")
	if v != "https://hooks.example.com/T0123/webhook-token" {
		t.Errorf("webhook receiver uri = %v", v)
	}
	if c, _ := g.RawInput("webhookReceivers[0].useCommonAlertSchema"); c != true {
		t.Errorf("webhook receiver not in the common alert schema: %v", c)
	}
}
