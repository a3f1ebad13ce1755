package aws

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/amp"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// ManagedPrometheusArgs is the region's Amazon Managed Service for
// Prometheus workspace: where its collector remote-writes LiveKit's series
// and where the rendered rules are evaluated.
type ManagedPrometheusArgs struct {
	// Region is the stack's AWS region (the workspace's).
	Region string
	// Rules is the region's rendered rule file (components/observability),
	// uploaded unchanged as the workspace's rule groups namespace.
	Rules observability.RuleFile
	// LogRetentionDays keeps the workspace's rule and alert manager logs.
	LogRetentionDays int
	// Protect keeps the workspace (the region's metric history) from a
	// `pulumi destroy`.
	Protect bool
}

// ManagedPrometheus is the region's AMP workspace, its KMS key, its log
// group and its rule groups namespace. Alerting (the alert manager
// definition to the region's SNS topic) is Monitoring's: the topic is
// declared with the alarms.
type ManagedPrometheus struct {
	pulumi.ResourceState

	WorkspaceID  pulumi.StringOutput
	WorkspaceArn pulumi.StringOutput
	// Endpoint is the workspace's Prometheus endpoint (ends in '/'):
	// queries under api/v1/query, remote write at api/v1/remote_write.
	Endpoint       pulumi.StringOutput
	RemoteWriteURL pulumi.StringOutput
}

// RuleNamespace names the workspace's one rule groups namespace.
const RuleNamespace = "livekit"

func (a *ManagedPrometheusArgs) validate(name string) error {
	e := components.NewArgErrors("ManagedPrometheus", name)
	if a == nil {
		e.Add("args are required")
		return e.Err()
	}
	e.Require(components.Field{Name: "Region", Missing: a.Region == ""})
	if len(a.Rules.Groups) == 0 {
		e.Add("Rules has no group: give the region's rendered rules (observability.Region.Rules)")
	}
	if a.LogRetentionDays < 1 {
		e.Add("LogRetentionDays is %d: give a CloudWatch Logs retention", a.LogRetentionDays)
	}
	return e.Err()
}

// NewManagedPrometheus declares the workspace, encrypted with a key of the
// region's own (AMP uses it through grants it creates, only via
// aps.<region>), its rule and alert manager logs, and the rendered rules.
func NewManagedPrometheus(ctx *pulumi.Context, name string, args *ManagedPrometheusArgs, opts ...pulumi.ResourceOption) (*ManagedPrometheus, error) {
	if err := args.validate(name); err != nil {
		return nil, err
	}
	rules, err := args.Rules.YAML()
	if err != nil {
		return nil, err
	}
	m := &ManagedPrometheus{}
	if err := ctx.RegisterComponentResource(components.ManagedPrometheusType, name, m, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(m)
	account := aws.GetCallerIdentityOutput(ctx, aws.GetCallerIdentityOutputArgs{}, parent).AccountId()

	keyPolicy := account.ApplyT(func(acct string) (string, error) {
		return globalPolicyJSON([]map[string]any{
			{"Sid": "AccountAdministers", "Effect": "Allow",
				"Principal": map[string]any{"AWS": "arn:aws:iam::" + acct + ":root"},
				"Action":    KeyAdministratorActions, "Resource": "*"},
			// AMP encrypts the workspace through grants it creates on behalf
			// of the account's principals, only when called via AMP here.
			{"Sid": "ManagedPrometheusUsesKey", "Effect": "Allow",
				"Principal": map[string]any{"AWS": "arn:aws:iam::" + acct + ":root"},
				"Action": []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
					"kms:CreateGrant", "kms:DescribeKey"},
				"Resource": "*",
				"Condition": map[string]any{"StringEquals": map[string]any{
					"kms:ViaService": "aps." + args.Region + ".amazonaws.com", "kms:CallerAccount": acct}}},
		})
	}).(pulumi.StringOutput)
	key, err := kms.NewKey(ctx, name+"-key", &kms.KeyArgs{
		Description:          pulumi.String("LiveKit region: encrypts the managed Prometheus workspace"),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               keyPolicy,
	}, parent)
	if err != nil {
		return nil, err
	}
	// AMP's vended logs (rule evaluation and alert manager errors): an
	// alert that cannot reach SNS shows here.
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/vendedlogs/prometheus/" + ctx.Stack() + "-" + name),
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
	}, parent)
	if err != nil {
		return nil, err
	}
	ws, err := amp.NewWorkspace(ctx, name, &amp.WorkspaceArgs{
		Alias:     pulumi.String(ctx.Stack() + "-" + name),
		KmsKeyArn: key.Arn,
		LoggingConfiguration: &amp.WorkspaceLoggingConfigurationArgs{
			LogGroupArn: pulumi.Sprintf("%s:*", logs.Arn),
		},
	}, parent, pulumi.Protect(args.Protect))
	if err != nil {
		return nil, err
	}
	if _, err := amp.NewRuleGroupNamespace(ctx, name+"-rules", &amp.RuleGroupNamespaceArgs{
		Name:        pulumi.String(RuleNamespace),
		WorkspaceId: ws.ID().ToStringOutput(),
		Data:        pulumi.String(rules),
	}, parent); err != nil {
		return nil, err
	}

	m.WorkspaceID = ws.ID().ToStringOutput()
	m.WorkspaceArn = ws.Arn
	m.Endpoint = ws.PrometheusEndpoint
	m.RemoteWriteURL = pulumi.Sprintf("%sapi/v1/remote_write", ws.PrometheusEndpoint)
	if err := ctx.RegisterResourceOutputs(m, pulumi.Map{
		"workspaceId": m.WorkspaceID, "workspaceArn": m.WorkspaceArn,
		"endpoint": m.Endpoint, "remoteWriteUrl": m.RemoteWriteURL,
	}); err != nil {
		return nil, err
	}
	return m, nil
}
