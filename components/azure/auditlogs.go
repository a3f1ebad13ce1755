package azure

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	nwflow "github.com/pulumi/pulumi-azure-native-sdk/network/v2/v20240501"
	"github.com/pulumi/pulumi-azure-native-sdk/operationalinsights/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/storage/v2"
	"github.com/pulumi/pulumi-azure/sdk/v5/go/azure/monitoring"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
)

// Azure creates one Network Watcher per region and subscription, named
// NetworkWatcher_<region> in the resource group NetworkWatcherRG, when a
// virtual network is first created there (unless the subscription opted out
// of automatic enablement). A second watcher in a region is refused, so flow
// logs are declared under that one rather than under a watcher of ours.
// Docs: https://learn.microsoft.com/azure/network-watcher/network-watcher-create
const NetworkWatcherResourceGroup = "NetworkWatcherRG"

// NetworkWatcherName is the region's automatically created Network Watcher.
func NetworkWatcherName(location string) string {
	return "NetworkWatcher_" + strings.ToLower(strings.ReplaceAll(location, " ", ""))
}

// Diagnostic log categories kept in Log Analytics.
const (
	// AKSAuditCategory is the API server's audit log without get and list
	// requests (kube-audit carries them too, at many times the volume).
	// Docs: https://learn.microsoft.com/azure/aks/monitor-aks-reference
	AKSAuditCategory = "kube-audit-admin"
	// FrontDoorAccessCategory is Front Door's access log.
	// Docs: https://learn.microsoft.com/azure/frontdoor/front-door-diagnostics
	FrontDoorAccessCategory = "FrontDoorAccessLog"
	// Application Gateway's access log (every signaling request) and its
	// WAF log (empty on Standard_v2, kept should the SKU become WAF_v2).
	// Docs: https://learn.microsoft.com/azure/application-gateway/monitor-application-gateway-reference
	GatewayAccessCategory   = "ApplicationGatewayAccessLog"
	GatewayFirewallCategory = "ApplicationGatewayFirewallLog"
	// Azure Firewall's DNAT (the media path) and network rule logs,
	// resource-specific tables AZFWNatRule and AZFWNetworkRule.
	// Docs: https://learn.microsoft.com/azure/firewall/monitor-firewall-reference
	FirewallNATCategory     = "AZFWNatRule"
	FirewallNetworkCategory = "AZFWNetworkRule"
)

// AuditLogsArgs switches the region's log classes; all are kept
// RetentionDays (the workspace's retention for diagnostic logs, the flow
// log's retention policy for flow logs).
type AuditLogsArgs struct {
	ResourceGroupName pulumi.StringInput
	Location          string
	RetentionDays     int
	// WorkspaceID is the region's Log Analytics workspace (diagnostic
	// settings' destination). Workspace, instead, declares one kept
	// RetentionDays (a region without AKS, whose cluster owns it there).
	WorkspaceID pulumi.StringInput
	Workspace   bool
	// Flow records VNetID's flows into a storage account of ours.
	Flow   bool
	VNetID pulumi.StringInput
	// ControlPlane sends ClusterID's kube-audit-admin log to the workspace.
	ControlPlane bool
	ClusterID    pulumi.StringInput
	// CDN sends CDNProfileID's access log to the workspace.
	CDN          bool
	CDNProfileID pulumi.StringInput
	// Gateway sends GatewayID's access and WAF logs, Firewall FirewallID's
	// DNAT and network rule logs (Container Instances' front doors).
	Gateway    bool
	GatewayID  pulumi.StringInput
	Firewall   bool
	FirewallID pulumi.StringInput
	Protect    bool
}

// AuditLogs is the region's VNet flow log (with its storage account) and
// the diagnostic settings of AKS and Front Door.
type AuditLogs struct {
	pulumi.ResourceState

	// FlowLogAccount is the flow logs' storage account; "" without them.
	FlowLogAccount pulumi.StringOutput
	// WorkspaceID is the Log Analytics workspace the settings write to.
	WorkspaceID pulumi.StringOutput
}

// check adds every problem of the args to e.
func (a *AuditLogsArgs) check(e *components.ArgErrors) {
	if a.Flow {
		e.Require(components.Field{Name: "VNetID", Missing: a.VNetID == nil},
			components.Field{Name: "ResourceGroupName", Missing: a.ResourceGroupName == nil}, components.Field{Name: "Location", Missing: a.Location == ""})
		// VNet flow logs' retention policy keeps 1-365 days.
		if a.RetentionDays < 1 || a.RetentionDays > 365 {
			e.Add("RetentionDays %d must be 1-365 for flow logs", a.RetentionDays)
		}
	}
	if (a.ControlPlane || a.CDN || a.Gateway || a.Firewall) && (a.WorkspaceID == nil) == !a.Workspace {
		e.Add("give WorkspaceID or Workspace (not both) with ControlPlane, CDN, Gateway or Firewall")
	}
	if a.Workspace && (a.RetentionDays < 30 || a.RetentionDays > 730 || a.ResourceGroupName == nil || a.Location == "") {
		e.Add("Workspace needs ResourceGroupName, Location and RetentionDays 30-730 (Log Analytics retention; got %d)", a.RetentionDays)
	}
	if a.Gateway && a.GatewayID == nil {
		e.Add("GatewayID is required with Gateway")
	}
	if a.Firewall && a.FirewallID == nil {
		e.Add("FirewallID is required with Firewall")
	}
	if a.ControlPlane && a.ClusterID == nil {
		e.Add("ClusterID is required with ControlPlane")
	}
	if a.CDN && a.CDNProfileID == nil {
		e.Add("CDNProfileID is required with CDN")
	}
}

// NewAuditLogs declares the flow log and the diagnostic settings.
func NewAuditLogs(ctx *pulumi.Context, name string, args *AuditLogsArgs, opts ...pulumi.ResourceOption) (*AuditLogs, error) {
	c := &AuditLogs{}
	parent, err := components.Register(ctx, components.AuditLogsType, name, c, args, (*AuditLogsArgs).check, opts...)
	if err != nil {
		return nil, err
	}
	c.FlowLogAccount = pulumi.String("").ToStringOutput()

	if args.Flow {
		account, err := flowLogAccount(ctx, name, args, parent)
		if err != nil {
			return nil, err
		}
		// VNet flow logs, not NSG flow logs: "On September 30, 2027,
		// network security group (NSG) flow logs will be retired. As part
		// of this retirement, you'll no longer be able to create new NSG
		// flow logs starting June 30, 2025" (Microsoft). They record every
		// flow of the VNet, whichever NSG (or none) applies. The pinned
		// SDK's default FlowLog speaks API 2023-02-01; its 2024-05-01
		// variant, the newest it serves (the VNet flow log fields
		// enabledFilteringCriteria and identity appear in its schemas from
		// 2024-03-01), is used instead. The classic provider's
		// NetworkWatcherFlowLog (v5.89.0) takes an NSG only. Docs:
		// https://learn.microsoft.com/azure/network-watcher/nsg-flow-logs-overview,
		// https://learn.microsoft.com/azure/network-watcher/vnet-flow-logs-overview
		if _, err := nwflow.NewFlowLog(ctx, name+"-vnet", &nwflow.FlowLogArgs{
			NetworkWatcherName: pulumi.String(NetworkWatcherName(args.Location)),
			ResourceGroupName:  pulumi.String(NetworkWatcherResourceGroup),
			Location:           pulumi.String(args.Location),
			TargetResourceId:   args.VNetID,
			StorageId:          account.ID(),
			Enabled:            pulumi.Bool(true),
			Format:             &nwflow.FlowLogFormatParametersArgs{Type: pulumi.String("JSON"), Version: pulumi.Int(2)},
			RetentionPolicy:    &nwflow.RetentionPolicyParametersArgs{Enabled: pulumi.Bool(true), Days: pulumi.Int(args.RetentionDays)},
		}, parent); err != nil {
			return nil, err
		}
		c.FlowLogAccount = account.Name
	}

	// Diagnostic settings send logs to the workspace, which keeps them its
	// retention (logRetentionDays); their own retention policy is retired.
	// Docs: https://learn.microsoft.com/azure/azure-monitor/essentials/diagnostic-settings
	c.WorkspaceID = pulumi.String("").ToStringOutput()
	if args.WorkspaceID != nil {
		c.WorkspaceID = args.WorkspaceID.ToStringOutput()
	}
	if args.Workspace {
		ws, err := operationalinsights.NewWorkspace(ctx, name, &operationalinsights.WorkspaceArgs{
			ResourceGroupName: args.ResourceGroupName,
			Location:          pulumi.String(args.Location),
			Sku:               &operationalinsights.WorkspaceSkuArgs{Name: pulumi.String("PerGB2018")},
			RetentionInDays:   pulumi.Int(args.RetentionDays),
		}, parent)
		if err != nil {
			return nil, err
		}
		c.WorkspaceID = ws.ID().ToStringOutput()
	}
	if args.ControlPlane {
		if _, err := monitoring.NewDiagnosticSetting(ctx, name+"-aks", &monitoring.DiagnosticSettingArgs{
			TargetResourceId:        args.ClusterID,
			LogAnalyticsWorkspaceId: c.WorkspaceID,
			// Resource-specific tables (AKSAuditAdmin), which AKS
			// recommends over AzureDiagnostics.
			LogAnalyticsDestinationType: pulumi.String("Dedicated"),
			EnabledLogs: monitoring.DiagnosticSettingEnabledLogArray{
				&monitoring.DiagnosticSettingEnabledLogArgs{Category: pulumi.String(AKSAuditCategory)},
			},
		}, parent); err != nil {
			return nil, err
		}
	}
	if args.CDN {
		if _, err := monitoring.NewDiagnosticSetting(ctx, name+"-frontdoor", &monitoring.DiagnosticSettingArgs{
			TargetResourceId:        args.CDNProfileID,
			LogAnalyticsWorkspaceId: c.WorkspaceID,
			EnabledLogs: monitoring.DiagnosticSettingEnabledLogArray{
				&monitoring.DiagnosticSettingEnabledLogArgs{Category: pulumi.String(FrontDoorAccessCategory)},
			},
		}, parent); err != nil {
			return nil, err
		}
	}

	for _, d := range []struct {
		on         bool
		suffix     string
		target     pulumi.StringInput
		categories []string
	}{
		{args.Gateway, "gateway", args.GatewayID, []string{GatewayAccessCategory, GatewayFirewallCategory}},
		{args.Firewall, "firewall", args.FirewallID, []string{FirewallNATCategory, FirewallNetworkCategory}},
	} {
		if !d.on {
			continue
		}
		var logs monitoring.DiagnosticSettingEnabledLogArray
		for _, cat := range d.categories {
			logs = append(logs, &monitoring.DiagnosticSettingEnabledLogArgs{Category: pulumi.String(cat)})
		}
		if _, err := monitoring.NewDiagnosticSetting(ctx, name+"-"+d.suffix, &monitoring.DiagnosticSettingArgs{
			TargetResourceId:        d.target,
			LogAnalyticsWorkspaceId: c.WorkspaceID,
			// Resource-specific tables (AGWAccessLogs, AZFWNatRule, ...):
			// Azure Firewall's structured logs exist only there.
			LogAnalyticsDestinationType: pulumi.String("Dedicated"),
			EnabledLogs:                 logs,
		}, parent); err != nil {
			return nil, err
		}
	}

	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"flowLogAccount": c.FlowLogAccount, "workspaceId": c.WorkspaceID}); err != nil {
		return nil, err
	}
	return c, nil
}

// FlowLogAccountName derives the flow logs' storage account name (3-24
// lower-case letters and digits, globally unique).
func FlowLogAccountName(project, stack, name string) string {
	sum := sha256.Sum256([]byte(project + "/" + stack + "/" + name))
	return "lkflow" + hex.EncodeToString(sum[:])[:18]
}

// flowLogAccount is the flow logs' storage account, in the VNet's region as
// flow logs require: private, TLS 1.2, encrypted, reachable only by trusted
// Azure services (Network Watcher is one) past a deny-by-default firewall.
// Network Watcher writes with the account's keys, so shared key access
// stays on (a flow log with a managed identity is a newer API than the
// pinned SDK's default; docs/azure.md, "Audit logs").
func flowLogAccount(ctx *pulumi.Context, name string, args *AuditLogsArgs, parent pulumi.ResourceOption) (*storage.StorageAccount, error) {
	return storage.NewStorageAccount(ctx, name+"-flow", &storage.StorageAccountArgs{
		AccountName:            pulumi.String(FlowLogAccountName(ctx.Project(), ctx.Stack(), name)),
		ResourceGroupName:      args.ResourceGroupName,
		Location:               pulumi.String(args.Location),
		Kind:                   pulumi.String("StorageV2"),
		Sku:                    &storage.SkuArgs{Name: pulumi.String("Standard_LRS")},
		EnableHttpsTrafficOnly: pulumi.Bool(true),
		MinimumTlsVersion:      pulumi.String("TLS1_2"),
		AllowBlobPublicAccess:  pulumi.Bool(false),
		AllowSharedKeyAccess:   pulumi.Bool(true),
		Encryption: &storage.EncryptionArgs{
			KeySource: pulumi.String("Microsoft.Storage"),
			Services: &storage.EncryptionServicesArgs{
				Blob: &storage.EncryptionServiceArgs{Enabled: pulumi.Bool(true), KeyType: pulumi.String("Account")},
			},
		},
		// Flow logs reach a firewalled account as a trusted service.
		// Docs: https://learn.microsoft.com/azure/network-watcher/vnet-flow-logs-overview
		NetworkRuleSet: &storage.NetworkRuleSetArgs{
			DefaultAction: storage.DefaultActionDeny,
			Bypass:        pulumi.String("AzureServices"),
		},
	}, parent, pulumi.Protect(args.Protect))
}
