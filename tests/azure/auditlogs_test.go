package azure_test

import (
	"slices"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// Audit logs (#17 item 10): VNet flow logs (NSG flow logs can no longer be
// created), AKS kube-audit-admin and Front Door access logs, each behind its
// switch, all kept logRetentionDays.
const (
	tAuditLogs = "livekit-infra:index:AuditLogs"
	tFlowLog   = "azure-native:network/v20240501:FlowLog"
	tDiag      = "azure:monitoring/diagnosticSetting:DiagnosticSetting"
	tClassicFL = "azure:network/networkWatcherFlowLog:NetworkWatcherFlowLog"
)

// The audit log variants of azure-asia: each class off, a longer retention.
func init() {
	variants["noFlowLogs"] = variant{Set: map[string]string{"flowLogs": "false"}}
	variants["noControlPlaneLogs"] = variant{Set: map[string]string{"controlPlaneLogs": "false"}}
	variants["noCdnLogs"] = variant{Set: map[string]string{"cdnLogs": "false"}}
	variants["logs90"] = variant{Set: map[string]string{"logRetentionDays": "90"}}
}

func TestVNetFlowLogs(t *testing.T) {
	for _, v := range []struct {
		variant string
		days    int
	}{{"", 30}, {"logs90", 90}} {
		p := asiaOr(t, v.variant)
		days := v.days
		if got := num(t, one(t, p, tWorkspace, "livekit"), "retentionInDays"); got != days {
			t.Errorf("variant %q: workspace retention %d, want %d (diagnostic logs' retention)", v.variant, got, days)
		}
		fl := one(t, p, tFlowLog, "livekit-logs-vnet")
		if !within(p, fl, tAuditLogs) {
			t.Errorf("flow log is not part of the AuditLogs component")
		}
		vnet := one(t, p, tVnet, "livekit")
		if got := str(t, fl, "targetResourceId"); got != vnet.ID {
			t.Errorf("flow log targets %s, want the VNet %s (VNet flow logs, not NSG flow logs)", got, vnet.ID)
		}
		if got := str(t, fl, "networkWatcherName"); got != "NetworkWatcher_southeastasia" {
			t.Errorf("networkWatcherName %q, want the region's automatic NetworkWatcher_southeastasia", got)
		}
		if got := str(t, fl, "resourceGroupName"); got != "NetworkWatcherRG" {
			t.Errorf("resourceGroupName %q, want NetworkWatcherRG", got)
		}
		if got := str(t, fl, "location"); got != "southeastasia" {
			t.Errorf("flow log location %q, want the VNet's southeastasia", got)
		}
		if !boolean(t, fl, "enabled") || !boolean(t, fl, "retentionPolicy.enabled") {
			t.Errorf("flow log or its retention policy is off")
		}
		if got := num(t, fl, "retentionPolicy.days"); got != days {
			t.Errorf("variant %q: flow log retention %d days, want logRetentionDays %d", v.variant, got, days)
		}
		acct := one(t, p, tAccount, "livekit-logs-flow")
		if got := str(t, fl, "storageId"); got != acct.ID {
			t.Errorf("flow log writes to %s, want its own account %s", got, acct.ID)
		}
		if str(t, acct, "location") != "southeastasia" {
			t.Errorf("flow log account outside the VNet's region")
		}
		if boolean(t, acct, "allowBlobPublicAccess") || !boolean(t, acct, "enableHttpsTrafficOnly") || str(t, acct, "minimumTlsVersion") != "TLS1_2" {
			t.Errorf("flow log account is not private over TLS 1.2: %v", acct.Inputs)
		}
		if str(t, acct, "networkRuleSet.defaultAction") != "Deny" || str(t, acct, "networkRuleSet.bypass") != "AzureServices" {
			t.Errorf("flow log account firewall %v, want deny by default, trusted Azure services through", acct.Inputs["networkRuleSet"])
		}
		if !acct.Protect {
			t.Errorf("flow log account is not protected")
		}
		// The classic NetworkWatcherFlowLog takes an NSG only.
		if rs := p.ByType(tClassicFL); len(rs) != 0 {
			t.Errorf("NSG flow logs declared: %v", names(rs))
		}
	}
}

func TestDiagnosticSettings(t *testing.T) {
	p := asia(t)
	ws := one(t, p, tWorkspace, "livekit")
	for _, c := range []struct {
		name, target, category string
	}{
		{"livekit-logs-aks", one(t, p, tCluster, "livekit").ID, "kube-audit-admin"},
		{"livekit-logs-frontdoor", one(t, p, tAFDProfile, "livekit-recordings").ID, "FrontDoorAccessLog"},
	} {
		d := one(t, p, tDiag, c.name)
		if got := str(t, d, "targetResourceId"); got != c.target {
			t.Errorf("%s targets %s, want %s", c.name, got, c.target)
		}
		if got := str(t, d, "logAnalyticsWorkspaceId"); got != ws.ID {
			t.Errorf("%s sends to %s, want the region's workspace %s (kept logRetentionDays)", c.name, got, ws.ID)
		}
		var cats []string
		for _, l := range list(t, d, "enabledLogs") {
			m, _ := l.(map[string]any)
			cat, _ := m["category"].(string)
			cats = append(cats, cat)
		}
		if !slices.Equal(cats, []string{c.category}) {
			t.Errorf("%s categories %v, want exactly %s", c.name, cats, c.category)
		}
		for _, other := range []string{"storageAccountId", "eventhubAuthorizationRuleId", "partnerSolutionId"} {
			if _, set := d.Input(other); set {
				t.Errorf("%s also sends to %s", c.name, other)
			}
		}
	}
	if got := str(t, one(t, p, tDiag, "livekit-logs-aks"), "logAnalyticsDestinationType"); got != "Dedicated" {
		t.Errorf("AKS audit logs go to %q tables, want resource-specific (Dedicated)", got)
	}
}

func TestAuditLogSwitches(t *testing.T) {
	check := func(p *plan.Plan, variant, typ, name string, want bool) {
		t.Helper()
		found := false
		for _, r := range p.ByType(typ) {
			found = found || r.Name == name
		}
		if found != want {
			t.Errorf("%s: %s %q declared = %v, want %v", variant, typ, name, found, want)
		}
	}
	for _, c := range []struct {
		variant       string
		flow, aks, fd bool
	}{
		{"noFlowLogs", false, true, true},
		{"noControlPlaneLogs", true, false, true},
		{"noCdnLogs", true, true, false},
		{"noCdn", true, true, false},
	} {
		p := variantPlan(t, c.variant)
		check(p, c.variant, tFlowLog, "livekit-logs-vnet", c.flow)
		check(p, c.variant, tAccount, "livekit-logs-flow", c.flow)
		check(p, c.variant, tDiag, "livekit-logs-aks", c.aks)
		check(p, c.variant, tDiag, "livekit-logs-frontdoor", c.fd)
	}
}

// asiaOr returns the base plan for "" and the named variant otherwise.
func asiaOr(t *testing.T, variant string) *plan.Plan {
	t.Helper()
	if variant == "" {
		return asia(t)
	}
	return variantPlan(t, variant)
}
