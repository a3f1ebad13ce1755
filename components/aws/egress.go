package aws

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// EgressArgs adds the ECS Fargate specifics to the contract.
type EgressArgs struct {
	components.EgressArgs

	Region string
	// SubnetIDs are the public subnets: each task gets a public IP for its
	// outbound traffic (signaling, WebRTC media from the nodes' public IPs,
	// S3) without a NAT gateway, and its security group admits nothing from
	// the internet.
	SubnetIDs       pulumi.StringArrayInput
	SecurityGroupID pulumi.StringInput
	// TaskCPU and TaskMemory are a Fargate-valid pair of at least 4 vCPU.
	TaskCPU, TaskMemory int
	// Cooldowns pace the target tracking between Scaling's bounds (the
	// region's, as for LiveKit's service).
	Cooldowns Cooldowns
	// BucketArn is the recordings bucket, the only one the task role may
	// write.
	BucketArn pulumi.StringInput
	// PullRepositoryArnPattern is the registry mirror's repositories the
	// execution role may pull Image from ("" without a mirror).
	PullRepositoryArnPattern string
	ContainerInsights        bool
	Protect                  bool
	// Collector, when set, runs the metrics collector sidecar in every
	// Egress task (collector.go): it scrapes the worker's prometheus_port
	// on localhost as job livekit-egress
	// (observability.Region.EgressSidecarScrape) and remote-writes to the
	// region's workspace, so no security group opens the port.
	Collector *Collector
}

// Egress is the ECS Fargate service of LiveKit Egress workers.
type Egress struct {
	pulumi.ResourceState
	components.EgressOutputs

	ClusterName pulumi.StringOutput
	ServiceName pulumi.StringOutput
	TaskRoleArn pulumi.StringOutput
}

// egressStopTimeout is Fargate's cap: on SIGTERM Egress finishes its
// recordings and then exits, so a stopping task gets all of it.
const egressStopTimeout = MaxStopTimeout

const egressContainer = "egress"

// check runs the contract's checks, then the cloud's, reporting every problem at once.
func (a *EgressArgs) check(e *components.ArgErrors) {
	a.EgressArgs.Check(e)
	a.Cooldowns.check(e)
	if cpu, mem := float64(a.TaskCPU)/1024, float64(a.TaskMemory)/1024; cpu != a.CPU || mem != a.MemoryGiB {
		e.Add("TaskCPU %d and TaskMemory %d must match CPU %v and MemoryGiB %v", a.TaskCPU, a.TaskMemory, a.CPU, a.MemoryGiB)
	}
	e.Require(components.Field{Name: "Region", Missing: a.Region == ""}, components.Field{Name: "SubnetIDs", Missing: a.SubnetIDs == nil},
		components.Field{Name: "SecurityGroupID", Missing: a.SecurityGroupID == nil}, components.Field{Name: "BucketArn", Missing: a.BucketArn == nil})
	if a.Collector != nil {
		a.Collector.checkJob(e, observability.JobEgress, "EgressSidecarScrape", a.TaskCPU, a.TaskMemory)
	}
}

// EgressS3Actions are all livekit/storage's S3 uploader does with its
// bucket's objects (s3.go: manager.Uploader, single and multipart uploads
// of files, HLS segments and manifests; the region comes from the config,
// so no GetBucketLocation), granted on the recordings bucket's objects
// only. The bucket is SSE-S3 encrypted: no KMS grant.
var EgressS3Actions = []string{"s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"}

// NewEgress declares the config secret, logs, roles, the task definition,
// the service in the public subnets and CPU autoscaling.
func NewEgress(ctx *pulumi.Context, name string, args *EgressArgs, opts ...pulumi.ResourceOption) (*Egress, error) {

	e := &Egress{}
	parent, err := components.Register(ctx, components.EgressType, name, e, args, (*EgressArgs).check, opts...)
	if err != nil {
		return nil, err
	}

	// The whole config (API secret, Redis AUTH token) reaches the
	// container as a Secrets Manager secret env var, like the server's.
	base, err := newFargateBase(ctx, name, fargateBaseArgs{
		Description: "LiveKit Egress config (EGRESS_CONFIG_BODY)", Config: args.Config,
		LogRetentionDays: args.LogRetentionDays, ContainerInsights: args.ContainerInsights, Protect: args.Protect,
		Collector: args.Collector,
	}, parent)
	if err != nil {
		return nil, err
	}
	roles, err := base.roles(ctx, name, egressRoleArgs(args), parent)
	if err != nil {
		return nil, err
	}
	task, err := base.taskDefinition(ctx, name, args.TaskCPU, args.TaskMemory, roles, base.containers(egressContainerDef(args), "EGRESS_CONFIG_BODY", args.Region), parent)
	if err != nil {
		return nil, err
	}
	serviceArgs := base.serviceArgs(task, args.Scaling.Min, args.SubnetIDs, args.SecurityGroupID)
	serviceArgs.LaunchType = pulumi.String("FARGATE")
	service, err := ecs.NewService(ctx, name, serviceArgs, parent, pulumi.IgnoreChanges([]string{"desiredCount"}))
	if err != nil {
		return nil, err
	}
	if err := autoscaling(ctx, name, base.cluster, service, args.Scaling, args.Cooldowns, parent); err != nil {
		return nil, err
	}

	e.ConfigSecret = base.secret.Arn
	e.ClusterName = base.cluster.Name
	e.ServiceName = service.Name
	e.TaskRoleArn = roles.task.Arn
	if err := ctx.RegisterResourceOutputs(e, e.EgressOutputs.Map(pulumi.Map{
		"clusterName": e.ClusterName, "serviceName": e.ServiceName, "taskRoleArn": e.TaskRoleArn,
	})); err != nil {
		return nil, err
	}
	return e, nil
}

// egressContainerDef is the Egress container; fargateBase.containers adds
// its config secret, logs and the collector sidecar.
func egressContainerDef(args *EgressArgs) containerDef {
	return containerDef{
		Name:  egressContainer,
		Image: args.Image,
		PortMappings: []portMapping{
			{ContainerPort: livekit.EgressHealthPort, Protocol: "tcp", Name: "health"},
			{ContainerPort: livekit.EgressPrometheusPort, Protocol: "tcp", Name: "metrics"},
		},
		// Egress answers GET / on its health port with its status (200);
		// the image ships curl.
		HealthCheck: &healthCheck{
			Command:  []string{"CMD-SHELL", fmt.Sprintf("curl -fsS -o /dev/null http://127.0.0.1:%d/ || exit 1", livekit.EgressHealthPort)},
			Interval: 10, Timeout: 5, Retries: 3, StartPeriod: 60,
		},
		// SIGTERM: Egress stops taking jobs and finishes the ones it has;
		// Fargate allows at most 120 s before SIGKILL.
		StopTimeout: egressStopTimeout,
		// Egress writes its working files under /home/egress/tmp and
		// PulseAudio its sockets: the root filesystem stays writable. Chrome
		// runs without its sandbox (enable_chrome_sandbox false, Egress's
		// default): the sandbox needs SYS_ADMIN, which Fargate cannot add.
		ReadonlyRootFS: false,
	}
}

// egressRoleArgs: the execution role reads the Egress config; the task
// role writes the recordings bucket and nothing else (the collector's
// aps:RemoteWrite is its own policy, collectorGrant): the S3 client in
// Egress uses the task role when its config names no key.
func egressRoleArgs(args *EgressArgs) fargateRoleArgs {
	return fargateRoleArgs{
		ConfigSid:                "ReadEgressConfig",
		ExecutionDescription:     "ECS pulls the Egress config secret and image and writes logs",
		TaskDescription:          "LiveKit Egress writes recordings to its bucket only",
		PullRepositoryArnPattern: args.PullRepositoryArnPattern,
		TaskPolicy: args.BucketArn.ToStringOutput().ApplyT(func(arn string) (string, error) {
			return policyJSON(statement{
				Sid:       "WriteRecordings",
				Actions:   EgressS3Actions,
				Resources: []string{arn + "/*"},
			})
		}).(pulumi.StringOutput),
	}
}
