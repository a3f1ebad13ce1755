package aws

import (
	"encoding/json"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// fargateBase is what every Fargate service here starts from (LiveKit's
// media cluster and Egress): its config in Secrets Manager, its log group
// its ECS cluster, and the metrics collector's config when it runs one.
type fargateBase struct {
	secret  *secretsmanager.Secret
	logs    *cloudwatch.LogGroup
	cluster *ecs.Cluster
	// collector and its config parameter's ARN ("" without one).
	collector         *Collector
	collectorParamArn pulumi.StringOutput
	// configDigest labels the main container (components.ConfigDigestKey):
	// ECS reads the secret only when a task starts, and a task definition
	// whose JSON is unchanged gets no new revision, so without it a new
	// config would reach no running task.
	configDigest pulumi.StringOutput
}

// fargateBaseArgs are the settings the two services share.
type fargateBaseArgs struct {
	// Description names the secret's content (which env var reads it).
	Description       string
	Config            pulumi.StringInput
	LogRetentionDays  int
	ContainerInsights bool
	Protect           bool
	// Collector, when set, runs the metrics collector sidecar in every task.
	Collector *Collector
}

// newFargateBase declares the config secret, the log group, the cluster and
// the collector's config parameter.
// The whole config (API secret, Redis password) lives in Secrets Manager and
// reaches the container as a secret env var: nothing secret is in the task
// definition.
func newFargateBase(ctx *pulumi.Context, name string, a fargateBaseArgs, parent pulumi.ResourceOption) (*fargateBase, error) {
	secret, err := secretsmanager.NewSecret(ctx, name+"-config", &secretsmanager.SecretArgs{
		Description:          pulumi.String(a.Description + " for " + name),
		RecoveryWindowInDays: pulumi.Int(30),
	}, parent, pulumi.Protect(a.Protect))
	if err != nil {
		return nil, err
	}
	if _, err := secretsmanager.NewSecretVersion(ctx, name+"-config", &secretsmanager.SecretVersionArgs{
		SecretId:     secret.ID(),
		SecretString: pulumi.ToSecret(a.Config.ToStringOutput()).(pulumi.StringOutput),
	}, parent); err != nil {
		return nil, err
	}
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/livekit/" + name),
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
	}, parent)
	if err != nil {
		return nil, err
	}
	insights := "disabled"
	if a.ContainerInsights {
		insights = "enabled"
	}
	cluster, err := ecs.NewCluster(ctx, name, &ecs.ClusterArgs{
		Settings: ecs.ClusterSettingArray{&ecs.ClusterSettingArgs{Name: pulumi.String("containerInsights"), Value: pulumi.String(insights)}},
	}, parent)
	if err != nil {
		return nil, err
	}
	b := &fargateBase{secret: secret, logs: logs, cluster: cluster, collector: a.Collector, collectorParamArn: pulumi.String("").ToStringOutput(),
		configDigest: components.ConfigDigest(a.Config.ToStringOutput())}
	if a.Collector != nil {
		param, err := collectorConfig(ctx, name, a.Collector, parent)
		if err != nil {
			return nil, err
		}
		b.collectorParamArn = param.Arn
	}
	return b, nil
}

type roles struct{ execution, task *iam.Role }

// fargateRoleArgs are what the services' roles say differently.
type fargateRoleArgs struct {
	// ConfigSid names the execution role's statement reading the config.
	ConfigSid                             string
	ExecutionDescription, TaskDescription string
	// PullRepositoryArnPattern is the registry mirror's repositories the
	// execution role may pull from ("" without a mirror).
	PullRepositoryArnPattern string
	// TaskPolicy is the task role's own policy; nil grants it nothing
	// beyond the collector's remote write.
	TaskPolicy pulumi.StringInput
}

// roles declares the execution role (the config secret, the collector's
// config parameter when there is one, logs, the mirror's images) and the
// task role, with its policy and the collector's grant (collectorGrant).
func (b *fargateBase) roles(ctx *pulumi.Context, name string, a fargateRoleArgs, parent pulumi.ResourceOption) (*roles, error) {
	trust, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Effect": "Allow", "Action": "sts:AssumeRole",
			"Principal": map[string]any{"Service": "ecs-tasks.amazonaws.com"},
		}},
	})
	exec, err := iam.NewRole(ctx, name+"-execution", &iam.RoleArgs{
		Description:      pulumi.String(a.ExecutionDescription),
		AssumeRolePolicy: pulumi.String(string(trust)),
	}, parent)
	if err != nil {
		return nil, err
	}
	execPolicy := pulumi.All(b.secret.Arn, b.logs.Arn, b.collectorParamArn).ApplyT(func(v []any) (string, error) {
		stmts := []statement{
			{Sid: a.ConfigSid, Actions: []string{"secretsmanager:GetSecretValue"}, Resources: []string{v[0].(string)}},
			{Sid: "WriteLogs", Actions: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resources: []string{v[1].(string) + ":*"}},
		}
		// A SecureString under the AWS-managed aws/ssm key needs no
		// kms:Decrypt grant of ours.
		if p := v[2].(string); p != "" {
			stmts = append(stmts, statement{Sid: "ReadCollectorConfig", Actions: []string{"ssm:GetParameters"}, Resources: []string{p}})
		}
		return policyJSON(append(stmts, PullStatements(a.PullRepositoryArnPattern)...)...)
	}).(pulumi.StringOutput)
	if _, err := iam.NewRolePolicy(ctx, name+"-execution", &iam.RolePolicyArgs{Role: exec.Name, Policy: execPolicy}, parent); err != nil {
		return nil, err
	}
	task, err := iam.NewRole(ctx, name+"-task", &iam.RoleArgs{
		Description:      pulumi.String(a.TaskDescription),
		AssumeRolePolicy: pulumi.String(string(trust)),
	}, parent)
	if err != nil {
		return nil, err
	}
	if a.TaskPolicy != nil {
		if _, err := iam.NewRolePolicy(ctx, name+"-task", &iam.RolePolicyArgs{Role: task.Name, Policy: a.TaskPolicy}, parent); err != nil {
			return nil, err
		}
	}
	if b.collector != nil {
		if err := collectorGrant(ctx, name, b.collector, task, parent); err != nil {
			return nil, err
		}
	}
	return &roles{execution: exec, task: task}, nil
}

// containers renders the task's container definitions: main, given what
// every service's container shares (essential, its config from the
// config secret as env var configEnv, logs to the log group under its own
// name, init, one socket per participant track or upload: the default 1024
// nofile is too low, the config's digest as a label), then the collector
// sidecar. They hold only ARNs, names and the digest; the config body
// arrives from Secrets Manager at start.
func (b *fargateBase) containers(main containerDef, configEnv, region string) pulumi.StringOutput {
	return pulumi.All(b.secret.Arn, b.logs.Name, b.collectorParamArn, b.configDigest).ApplyT(func(v []any) (string, error) {
		configSecretArn, logGroup, paramArn, digest := v[0].(string), v[1].(string), v[2].(string), v[3].(string)
		c := main
		c.Essential = true
		c.DockerLabels = map[string]string{components.ConfigDigestKey: digest}
		c.Secrets = []secretRef{{Name: configEnv, ValueFrom: configSecretArn}}
		c.Environment = []envVar{}
		c.Ulimits = []ulimit{{Name: "nofile", SoftLimit: 65536, HardLimit: 65536}}
		c.LogConfiguration = logConfiguration{LogDriver: "awslogs", Options: map[string]string{
			"awslogs-group": logGroup, "awslogs-region": region, "awslogs-stream-prefix": c.Name,
		}}
		c.LinuxParameters = linuxParameters{InitProcessEnabled: true}
		defs := []containerDef{c}
		if b.collector != nil {
			defs = append(defs, collectorContainer(b.collector, region, paramArn, logGroup))
		}
		out, err := json.Marshal(defs)
		return string(out), err
	}).(pulumi.StringOutput)
}

// taskDefinition declares the service's Linux/x86-64 Fargate task.
func (b *fargateBase) taskDefinition(ctx *pulumi.Context, name string, cpu, memory int, r *roles, containers pulumi.StringInput, parent pulumi.ResourceOption) (*ecs.TaskDefinition, error) {
	return ecs.NewTaskDefinition(ctx, name, &ecs.TaskDefinitionArgs{
		Family:                  pulumi.String(name),
		Cpu:                     pulumi.String(strconv.Itoa(cpu)),
		Memory:                  pulumi.String(strconv.Itoa(memory)),
		NetworkMode:             pulumi.String("awsvpc"),
		RequiresCompatibilities: pulumi.StringArray{pulumi.String("FARGATE")},
		ExecutionRoleArn:        r.execution.Arn,
		TaskRoleArn:             r.task.Arn,
		RuntimePlatform: &ecs.TaskDefinitionRuntimePlatformArgs{
			OperatingSystemFamily: pulumi.String("LINUX"),
			CpuArchitecture:       pulumi.String("X86_64"),
		},
		ContainerDefinitions: containers,
	}, parent)
}

// serviceArgs are the settings both services share: tasks in the given
// public subnets with a public IP each (media reaches a LiveKit task at its
// own IP; Egress reaches the internet without a NAT gateway; the groups
// admit nothing else from the internet), the circuit breaker with rollback,
// and new tasks started before old ones stop so capacity never drops. The
// caller adds its launch type or capacity providers and load balancers.
func (b *fargateBase) serviceArgs(task *ecs.TaskDefinition, desired int, subnets pulumi.StringArrayInput, securityGroup pulumi.StringInput) *ecs.ServiceArgs {
	return &ecs.ServiceArgs{
		Cluster:         b.cluster.Arn,
		TaskDefinition:  task.Arn,
		DesiredCount:    pulumi.Int(desired),
		PlatformVersion: pulumi.String("LATEST"),
		NetworkConfiguration: &ecs.ServiceNetworkConfigurationArgs{
			Subnets:        subnets,
			SecurityGroups: pulumi.StringArray{securityGroup},
			AssignPublicIp: pulumi.Bool(true),
		},
		DeploymentCircuitBreaker: &ecs.ServiceDeploymentCircuitBreakerArgs{
			Enable: pulumi.Bool(true), Rollback: pulumi.Bool(true),
		},
		DeploymentMinimumHealthyPercent: pulumi.Int(100),
		DeploymentMaximumPercent:        pulumi.Int(livekit.FargateDeploymentMaxPercent),
		PropagateTags:                   pulumi.String("SERVICE"),
		EnableEcsManagedTags:            pulumi.Bool(true),
	}
}
