package aws

import (
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// fargateBase is what every Fargate service here starts from (LiveKit's
// media cluster and Egress): its config in Secrets Manager, its log group
// and its ECS cluster.
type fargateBase struct {
	secret  *secretsmanager.Secret
	logs    *cloudwatch.LogGroup
	cluster *ecs.Cluster
}

// fargateBaseArgs are the settings the two services share.
type fargateBaseArgs struct {
	// Description names the secret's content (which env var reads it).
	Description       string
	Config            pulumi.StringInput
	LogRetentionDays  int
	ContainerInsights bool
	Protect           bool
}

// newFargateBase declares the config secret, the log group and the cluster.
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
	return &fargateBase{secret: secret, logs: logs, cluster: cluster}, nil
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
		DeploymentMaximumPercent:        pulumi.Int(200),
		PropagateTags:                   pulumi.String("SERVICE"),
		EnableEcsManagedTags:            pulumi.Bool(true),
	}
}
