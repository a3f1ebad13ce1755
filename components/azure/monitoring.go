package azure

import (
	"fmt"

	"github.com/pulumi/pulumi-azure/sdk/v5/go/azure/monitoring"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
)

// MonitoringArgs is the Azure region's alarm routing: one action group
// every alert of the region names.
type MonitoringArgs struct {
	components.MonitoringArgs

	ResourceGroupName pulumi.StringInput
}

// Monitoring is the Azure region's action group.
type Monitoring struct {
	pulumi.ResourceState
	components.MonitoringOutputs
}

// ActionGroupShortName is what SMS and email subjects show; Azure caps it at
// 12 characters.
const ActionGroupShortName = "livekit"

func (a *MonitoringArgs) validate(name string) error {
	if err := a.MonitoringArgs.Validate(name); err != nil {
		return err
	}
	if a.ResourceGroupName == nil {
		return fmt.Errorf("Monitoring %q: ResourceGroupName is required", name)
	}
	return nil
}

// NewMonitoring declares the region's action group: an email receiver per
// address of alertEmails and a webhook receiver for alertWebhookUrl, both
// in the common alert schema so that one parser reads every alert type.
func NewMonitoring(ctx *pulumi.Context, name string, args *MonitoringArgs, opts ...pulumi.ResourceOption) (*Monitoring, error) {
	if args == nil {
		return nil, fmt.Errorf("Monitoring %q: args are required", name)
	}
	if err := args.validate(name); err != nil {
		return nil, err
	}
	m := &Monitoring{}
	if err := ctx.RegisterComponentResource(components.MonitoringType, name, m, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(m)

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
	if err := ctx.RegisterResourceOutputs(m, pulumi.Map{"alarmTopic": m.AlarmTopic}); err != nil {
		return nil, err
	}
	return m, nil
}
