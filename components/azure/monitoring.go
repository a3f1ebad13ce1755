package azure

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/pulumi/pulumi-azure/sdk/v5/go/azure/monitoring"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// MonitoringArgs is the Azure region's alarm routing: one action group
// every alert of the region names.
type MonitoringArgs struct {
	components.MonitoringArgs

	ResourceGroupName pulumi.StringInput

	// Prometheus, when set, is the region's Azure Monitor managed
	// Prometheus: a workspace the AKS metrics add-on writes to and the
	// rendered rules evaluated there, notifying the action group.
	Prometheus *PrometheusArgs
	// Native, when set, adds the metric alerts on Redis, the AKS load
	// balancer and Front Door (alarms.go).
	Native *NativeAlarms
}

// PrometheusArgs wire the AKS cluster (its metrics add-on on, see
// MediaClusterArgs.Metrics) to an Azure Monitor workspace. Without a
// cluster (Container Instances: ClusterID and ClusterName nil) the
// workspace takes remote writes through the same endpoint and rule
// (Monitoring.RemoteWriteURL) and its rule groups are scoped to it alone.
type PrometheusArgs struct {
	Location    string
	ClusterID   pulumi.StringInput
	ClusterName pulumi.StringInput
	// Rules is the region's rendered rule file (without the GET / probe
	// rules: the add-on scrapes, it cannot probe a URL).
	Rules observability.RuleFile
}

// Monitoring is the Azure region's action group (and managed Prometheus).
type Monitoring struct {
	pulumi.ResourceState
	components.MonitoringOutputs

	// QueryEndpoint is the Azure Monitor workspace's Prometheus query
	// endpoint ("" without Prometheus).
	QueryEndpoint pulumi.StringOutput
	// WorkspaceID is the Azure Monitor workspace's resource ID ("" without
	// Prometheus): the region's workbook queries it.
	WorkspaceID pulumi.StringOutput
	// RemoteWriteURL is where a Prometheus remote-writes into the
	// workspace (RemoteWriteURL of the endpoint and rule); RuleID is the
	// data collection rule, the scope of the writer's Monitoring Metrics
	// Publisher role. Both "" without Prometheus.
	RemoteWriteURL pulumi.StringOutput
	RuleID         pulumi.StringOutput

	actionGroup pulumi.StringOutput
	group       pulumi.StringInput
}

// Managed Prometheus names and limits.
const (
	// PrometheusStream is the data collection stream of the metrics add-on.
	PrometheusStream = "Microsoft-PrometheusMetrics"
	// MinRuleInterval: Azure evaluates a Prometheus rule group every 1-15
	// minutes; a 30 s group runs every minute.
	MinRuleInterval = time.Minute
)

// ActionGroupShortName is what SMS and email subjects show; Azure caps it at
// 12 characters.
const ActionGroupShortName = "livekit"

// check runs the contract's checks, then the cloud's.
func (a *MonitoringArgs) check(e *components.ArgErrors) {
	a.MonitoringArgs.Check(e)
	e.Require(components.Field{Name: "ResourceGroupName", Missing: a.ResourceGroupName == nil})
	if p := a.Prometheus; p != nil {
		e.Require(components.Field{Name: "Prometheus.Location", Missing: p.Location == ""})
		if (p.ClusterID == nil) != (p.ClusterName == nil) {
			e.Add("give both Prometheus.ClusterID and Prometheus.ClusterName (AKS) or neither (remote writes only)")
		}
		for _, g := range p.Rules.Groups {
			if _, err := RuleInterval(g.Interval); err != nil {
				e.Add("group %s: %w", g.Name, err)
			}
			for _, r := range g.Rules {
				if _, err := ISODuration(r.For); err != nil {
					e.Add("rule %s: %w", r.Alert, err)
				}
			}
		}
	}
	if a.Native != nil {
		a.Native.check(e)
	}
}

// NewMonitoring declares the region's action group: an email receiver per
// address of alertEmails and a webhook receiver for alertWebhookUrl, both
// in the common alert schema so that one parser reads every alert type.
func NewMonitoring(ctx *pulumi.Context, name string, args *MonitoringArgs, opts ...pulumi.ResourceOption) (*Monitoring, error) {
	m := &Monitoring{}
	parent, err := components.Register(ctx, components.MonitoringType, name, m, args, (*MonitoringArgs).check, opts...)
	if err != nil {
		return nil, err
	}

	var emails monitoring.ActionGroupEmailReceiverArray
	for i, e := range args.Emails {
		emails = append(emails, monitoring.ActionGroupEmailReceiverArgs{
			Name:                 pulumi.String(fmt.Sprintf("email-%d", i)),
			EmailAddress:         pulumi.String(e),
			UseCommonAlertSchema: pulumi.Bool(true),
		})
	}
	var hooks monitoring.ActionGroupWebhookReceiverArray
	if args.Webhook != nil {
		hooks = append(hooks, monitoring.ActionGroupWebhookReceiverArgs{
			Name:                 pulumi.String("webhook"),
			ServiceUri:           pulumi.ToSecret(args.Webhook).(pulumi.StringOutput),
			UseCommonAlertSchema: pulumi.Bool(true),
		})
	}
	group, err := monitoring.NewActionGroup(ctx, name+"-alarms", &monitoring.ActionGroupArgs{
		ResourceGroupName: args.ResourceGroupName,
		// Action groups are global resources.
		Location:         pulumi.String("global"),
		ShortName:        pulumi.String(ActionGroupShortName),
		EmailReceivers:   emails,
		WebhookReceivers: hooks,
	}, parent)
	if err != nil {
		return nil, err
	}

	m.AlarmTopic = group.ID().ToStringOutput()
	m.actionGroup, m.group = m.AlarmTopic, args.ResourceGroupName
	none := pulumi.String("").ToStringOutput()
	m.QueryEndpoint, m.WorkspaceID, m.RemoteWriteURL, m.RuleID = none, none, none, none
	if args.Prometheus != nil {
		if err := managedPrometheus(ctx, name, args.ResourceGroupName, args.Prometheus, m, parent); err != nil {
			return nil, err
		}
	}
	if args.Native != nil {
		if err := metricAlarms(ctx, name, args.ResourceGroupName, args.Native, group.ID().ToStringOutput(), parent); err != nil {
			return nil, err
		}
	}
	if err := ctx.RegisterResourceOutputs(m, pulumi.Map{"alarmTopic": m.AlarmTopic, "queryEndpoint": m.QueryEndpoint}); err != nil {
		return nil, err
	}
	return m, nil
}

// AddNativeAlarms declares metric alerts on resources declared after the
// region's Monitoring, through its action group: a Container Instances
// region's Application Gateway follows the container groups, which need
// the workspace's remote-write URL first.
func (m *Monitoring) AddNativeAlarms(ctx *pulumi.Context, name string, a *NativeAlarms) error {
	if err := components.Validate("Monitoring", name, a, (*NativeAlarms).check); err != nil {
		return err
	}
	return metricAlarms(ctx, name, m.group, a, m.actionGroup, pulumi.Parent(m))
}

// remoteWriteAPI is the ingestion API version Azure documents for
// Prometheus remote write
// (https://learn.microsoft.com/azure/azure-monitor/metrics/prometheus-remote-write-virtual-machines).
const remoteWriteAPI = "2023-04-24"

var logsIngestion = regexp.MustCompile(`(?i)^https://([a-z0-9-]+\.[a-z0-9]+-\d+)\.ingest\.monitor\.azure\.com/?$`)

// RemoteWriteURL is a Prometheus remote-write URL into an Azure Monitor
// workspace: the data collection endpoint's metrics ingestion host, the
// rule's immutable ID and the Prometheus stream. The classic provider
// exposes only the endpoint's logs ingestion host
// (<name>-<id>.<region>-<n>.ingest.monitor.azure.com); Azure serves
// metrics ingestion for the same endpoint at <name>-<id>.<region>-<n>
// .metrics.ingest.monitor.azure.com (the endpoint's metricsIngestion
// property, https://learn.microsoft.com/rest/api/monitor/data-collection-endpoints/get).
func RemoteWriteURL(logsEndpoint, ruleImmutableID string) (string, error) {
	m := logsIngestion.FindStringSubmatch(logsEndpoint)
	if m == nil {
		return "", fmt.Errorf("azure: data collection endpoint %q is not a logs ingestion URL (https://<name>.<region>-<n>.ingest.monitor.azure.com)", logsEndpoint)
	}
	if !strings.HasPrefix(ruleImmutableID, "dcr-") {
		return "", fmt.Errorf("azure: %q is not a data collection rule's immutable ID (dcr-...)", ruleImmutableID)
	}
	return fmt.Sprintf("https://%s.metrics.ingest.monitor.azure.com/dataCollectionRules/%s/streams/%s/api/v1/write?api-version=%s",
		m[1], ruleImmutableID, PrometheusStream, remoteWriteAPI), nil
}

// ISODuration turns a Prometheus duration ("5m", "" for none) into the ISO
// 8601 form Azure's rule groups take ("PT5M").
func ISODuration(d string) (string, error) {
	if d == "" {
		return "PT0M", nil
	}
	t, err := time.ParseDuration(d)
	if err != nil || t < 0 || t%time.Minute != 0 {
		return "", fmt.Errorf("duration %q is not whole minutes (Azure Prometheus rules take PT<n>M)", d)
	}
	return fmt.Sprintf("PT%dM", int64(t/time.Minute)), nil
}

// RuleInterval is a group's evaluation interval as Azure runs it: at least
// MinRuleInterval, at most 15 minutes.
func RuleInterval(d string) (string, error) {
	t := MinRuleInterval
	if d != "" {
		v, err := time.ParseDuration(d)
		if err != nil {
			return "", fmt.Errorf("interval %q: %w", d, err)
		}
		if v > t {
			t = v
		}
	}
	if t > 15*time.Minute || t%time.Minute != 0 {
		return "", fmt.Errorf("interval %s: Azure evaluates rule groups every 1-15 whole minutes", t)
	}
	return fmt.Sprintf("PT%dM", int64(t/time.Minute)), nil
}

// RuleSeverity is Azure's alert severity (0 critical ... 4 verbose) of a
// rendered rule's severity label.
func RuleSeverity(label string) int {
	if label == "critical" {
		return 0
	}
	return 2
}

// managedPrometheus declares the Azure Monitor workspace, the data
// collection endpoint and rule the AKS metrics add-on (or a remote
// writer) sends through, their associations with the cluster, and the
// rendered rule groups as Prometheus rule groups evaluated in the
// workspace, each alert to the action group.
func managedPrometheus(ctx *pulumi.Context, name string, rg pulumi.StringInput, p *PrometheusArgs, m *Monitoring, parent pulumi.ResourceOption) error {
	actionGroup := m.actionGroup
	location := pulumi.String(p.Location)
	ws, err := monitoring.NewWorkspace(ctx, name+"-prometheus", &monitoring.WorkspaceArgs{
		ResourceGroupName: rg,
		Location:          location,
	}, parent)
	if err != nil {
		return err
	}
	dce, err := monitoring.NewDataCollectionEndpoint(ctx, name+"-prometheus", &monitoring.DataCollectionEndpointArgs{
		ResourceGroupName: rg,
		Location:          location,
		Kind:              pulumi.String("Linux"),
		Description:       pulumi.String(writer(p, "LiveKit region: the AKS metrics add-on's ingestion endpoint", "LiveKit region: the metrics agents' remote-write endpoint")),
	}, parent)
	if err != nil {
		return err
	}
	dcr, err := monitoring.NewDataCollectionRule(ctx, name+"-prometheus", &monitoring.DataCollectionRuleArgs{
		ResourceGroupName:        rg,
		Location:                 location,
		Kind:                     pulumi.String("Linux"),
		DataCollectionEndpointId: dce.ID(),
		Description:              pulumi.String(writer(p, "LiveKit region: the AKS metrics add-on's series into the Azure Monitor workspace", "LiveKit region: the metrics agents' remote writes into the Azure Monitor workspace")),
		DataSources: &monitoring.DataCollectionRuleDataSourcesArgs{
			PrometheusForwarders: monitoring.DataCollectionRuleDataSourcesPrometheusForwarderArray{
				monitoring.DataCollectionRuleDataSourcesPrometheusForwarderArgs{
					Name: pulumi.String("PrometheusDataSource"), Streams: pulumi.StringArray{pulumi.String(PrometheusStream)},
				},
			},
		},
		Destinations: &monitoring.DataCollectionRuleDestinationsArgs{
			MonitorAccounts: monitoring.DataCollectionRuleDestinationsMonitorAccountArray{
				monitoring.DataCollectionRuleDestinationsMonitorAccountArgs{MonitorAccountId: ws.ID(), Name: pulumi.String("workspace")},
			},
		},
		DataFlows: monitoring.DataCollectionRuleDataFlowArray{monitoring.DataCollectionRuleDataFlowArgs{
			Streams:      pulumi.StringArray{pulumi.String(PrometheusStream)},
			Destinations: pulumi.StringArray{pulumi.String("workspace")},
		}},
	}, parent)
	if err != nil {
		return err
	}
	m.QueryEndpoint, m.WorkspaceID = ws.QueryEndpoint, ws.ID().ToStringOutput()
	m.RuleID = dcr.ID().ToStringOutput()
	m.RemoteWriteURL = pulumi.All(dce.LogsIngestionEndpoint, dcr.ImmutableId).ApplyT(func(v []any) (string, error) {
		return RemoteWriteURL(v[0].(string), v[1].(string))
	}).(pulumi.StringOutput)
	scopes := pulumi.StringArray{ws.ID()}
	if p.ClusterID == nil {
		return ruleGroups(ctx, name, rg, location, p, scopes, actionGroup, parent)
	}
	scopes = append(scopes, p.ClusterID)
	if _, err := monitoring.NewDataCollectionRuleAssociation(ctx, name+"-prometheus-rule", &monitoring.DataCollectionRuleAssociationArgs{
		TargetResourceId:     p.ClusterID,
		DataCollectionRuleId: dcr.ID(),
		Description:          pulumi.String("The AKS metrics add-on sends by this rule"),
	}, parent); err != nil {
		return err
	}
	// The add-on finds its endpoint through the association Azure names
	// configurationAccessEndpoint.
	if _, err := monitoring.NewDataCollectionRuleAssociation(ctx, name+"-prometheus-endpoint", &monitoring.DataCollectionRuleAssociationArgs{
		Name:                     pulumi.String("configurationAccessEndpoint"),
		TargetResourceId:         p.ClusterID,
		DataCollectionEndpointId: dce.ID(),
	}, parent); err != nil {
		return err
	}
	return ruleGroups(ctx, name, rg, location, p, scopes, actionGroup, parent)
}

// writer picks the description of who writes: the AKS add-on (a cluster)
// or remote-writing agents.
func writer(p *PrometheusArgs, aks, agents string) string {
	if p.ClusterID != nil {
		return aks
	}
	return agents
}

// ruleGroups declares the rendered rule groups in the workspace (and, on
// AKS, the cluster: scopes), each alert to the action group.
func ruleGroups(ctx *pulumi.Context, name string, rg pulumi.StringInput, location pulumi.StringInput, p *PrometheusArgs, scopes pulumi.StringArray, actionGroup pulumi.StringOutput, parent pulumi.ResourceOption) error {
	for _, g := range p.Rules.Groups {
		interval, _ := RuleInterval(g.Interval)
		var rules monitoring.AlertPrometheusRuleGroupRuleArray
		for _, r := range g.Rules {
			forDur, _ := ISODuration(r.For)
			rules = append(rules, monitoring.AlertPrometheusRuleGroupRuleArgs{
				Alert:       pulumi.String(r.Alert),
				Expression:  pulumi.String(r.Expr),
				For:         pulumi.String(forDur),
				Severity:    pulumi.Int(RuleSeverity(r.Labels["severity"])),
				Labels:      pulumi.ToStringMap(r.Labels),
				Annotations: pulumi.ToStringMap(r.Annotations),
				Enabled:     pulumi.Bool(true),
				Actions: monitoring.AlertPrometheusRuleGroupRuleActionArray{
					monitoring.AlertPrometheusRuleGroupRuleActionArgs{ActionGroupId: actionGroup},
				},
				AlertResolution: &monitoring.AlertPrometheusRuleGroupRuleAlertResolutionArgs{
					AutoResolved: pulumi.Bool(true), TimeToResolve: pulumi.String("PT10M"),
				},
			})
		}
		if _, err := monitoring.NewAlertPrometheusRuleGroup(ctx, name+"-"+g.Name, &monitoring.AlertPrometheusRuleGroupArgs{
			ResourceGroupName: rg,
			Location:          location,
			ClusterName:       p.ClusterName,
			Scopes:            scopes,
			Interval:          pulumi.String(interval),
			RuleGroupEnabled:  pulumi.Bool(true),
			Description:       pulumi.String("LiveKit alert rules rendered by components/observability"),
			Rules:             rules,
		}, parent); err != nil {
			return err
		}
	}
	return nil
}
