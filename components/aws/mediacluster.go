package aws

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// MediaClusterArgs adds the ECS Fargate specifics to the contract.
type MediaClusterArgs struct {
	components.MediaClusterArgs

	Region string
	VpcID  pulumi.StringInput
	// PublicSubnetIDs host both the ALB and the tasks: each task gets its
	// own public IP, because WebRTC media must reach it directly.
	PublicSubnetIDs             pulumi.StringArrayInput
	MediaSecurityGroupID        pulumi.StringInput
	LoadBalancerSecurityGroupID pulumi.StringInput
	// TURNLoadBalancerSecurityGroupID is the Network's TURN NLB group,
	// required with TURNTLSPort.
	TURNLoadBalancerSecurityGroupID pulumi.StringInput
	// TaskCPU and TaskMemory are a Fargate-valid pair.
	TaskCPU, TaskMemory int
	// Cooldowns pace the target tracking between Scaling's bounds.
	Cooldowns         Cooldowns
	ContainerInsights bool
	ALBIdleTimeout    int
	ALBSSLPolicy      string
	// RedisOutageTolerance is how many seconds of lost Redis (LiveKit's
	// GET / answers 406) a task survives before ECS replaces it.
	RedisOutageTolerance int
	// AccessLogsBucket receives the ALB's access logs under ALBLogPrefix;
	// nil turns them off.
	AccessLogsBucket pulumi.StringInput
	// Spot runs the tasks above an on-demand base on Fargate Spot; nil runs
	// every task on FARGATE.
	Spot *FargateSpot
	// PullRepositoryArnPattern is the ECR repositories the execution role
	// may pull Image from (RegistryMirror); empty when pulling Docker Hub.
	PullRepositoryArnPattern string
	// Collector, when set, runs the metrics collector sidecar in every
	// task (collector.go); nil runs LiveKit alone.
	Collector *Collector
}

// MediaCluster is the ECS Fargate LiveKit cluster behind an HTTPS ALB.
type MediaCluster struct {
	pulumi.ResourceState
	components.MediaClusterOutputs

	ConfigSecretArn pulumi.StringOutput
	ClusterName     pulumi.StringOutput
	ServiceName     pulumi.StringOutput
	LoadBalancerArn pulumi.StringOutput
	CertificateArn  pulumi.StringOutput
	// The ALB's and target group's ARN suffixes: CloudWatch's
	// AWS/ApplicationELB dimensions (the region's alarms).
	LoadBalancerArnSuffix pulumi.StringOutput
	TargetGroupArnSuffix  pulumi.StringOutput
	// TURNLoadBalancer is the TURN/TLS NLB's DNS name (TURN/TLS on).
	TURNLoadBalancer pulumi.StringOutput
	// TaskRoleArn is the tasks' role: the metrics collector's identity
	// (the region's metricsWriter).
	TaskRoleArn pulumi.StringOutput
}

// MaxStopTimeout is Fargate's cap on stopTimeout: a stopping task has at most
// this long to drain its rooms after SIGTERM.
const MaxStopTimeout = livekit.FargateMaxDrainSeconds

// DeregistrationDelay is how long the signaling target group keeps a
// stopping task. ECS deregisters a service task and waits this long BEFORE
// it sends SIGTERM, and until SIGTERM LiveKit does not know it is leaving:
// other nodes still place new rooms on it through Redis. So the delay is
// only what an in-flight API request needs, and the drain happens after
// SIGTERM (stopTimeout). Signaling WebSockets still open on the task when
// the delay ends are cut; the client SDK reconnects through another node,
// which relays to the room's node, while media keeps flowing to the task's
// own IP.
const DeregistrationDelay = 10

// Bounds of RedisOutageTolerance (livekit.FargateMinRedisOutageSeconds).
const (
	MinRedisOutageTolerance = livekit.FargateMinRedisOutageSeconds
	MaxRedisOutageTolerance = livekit.FargateMaxRedisOutageSeconds
)

// ReadinessCheck is the target group's health check for a tolerance: GET /
// must answer 200 (406 without Redis). The ECS service scheduler replaces a
// task its target group reports unhealthy ("The service scheduler also
// replaces tasks determined to be unhealthy after a container health check
// or a load balancer target group health check fails",
// docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_services.html), so
// the target group may only fail a task once the outage has lasted the
// tolerance: Threshold consecutive failures Interval apart span
// (Threshold-1) x Interval >= tolerance. Route 53 checks the region through
// the ALB and still sees LiveKit's 406 within seconds, so DNS failover is
// unchanged.
type ReadinessCheck struct{ Interval, Threshold int }

// Readiness computes the target group check for a tolerance (seconds).
func Readiness(tolerance int) ReadinessCheck {
	interval := 10
	for {
		threshold := (tolerance+interval-1)/interval + 1
		if threshold <= 10 {
			return ReadinessCheck{Interval: interval, Threshold: max(threshold, 2)}
		}
		interval += 5
	}
}

// LivenessAccepts are the GET / answers the container health check counts as
// alive: 200, and 406 (the process runs but has lost Redis). ECS stops a task
// whose essential container is UNHEALTHY, so the container check must fail
// only when LiveKit does not answer at all; readiness is the target group's
// job. Kubernetes makes the same split (components/kubernetes).
var LivenessAccepts = []int{200, 406}

// check runs the contract's checks, then the cloud's, reporting every problem at once.
func (a *MediaClusterArgs) check(e *components.ArgErrors) {
	a.MediaClusterArgs.Check(e)
	a.Cooldowns.check(e)
	if a.DrainSeconds > MaxStopTimeout {
		e.Add("DrainSeconds %d exceeds Fargate's stopTimeout cap of %d s", a.DrainSeconds, MaxStopTimeout)
	}
	if a.RedisOutageTolerance < MinRedisOutageTolerance || a.RedisOutageTolerance > MaxRedisOutageTolerance {
		e.Add("RedisOutageTolerance %d must be %d-%d s", a.RedisOutageTolerance, MinRedisOutageTolerance, MaxRedisOutageTolerance)
	}
	a.Spot.check(e, a.Scaling.Min, a.Scaling.Max)
	e.Require(components.Field{Name: "VpcID", Missing: a.VpcID == nil}, components.Field{Name: "PublicSubnetIDs", Missing: a.PublicSubnetIDs == nil},
		components.Field{Name: "MediaSecurityGroupID", Missing: a.MediaSecurityGroupID == nil},
		components.Field{Name: "LoadBalancerSecurityGroupID", Missing: a.LoadBalancerSecurityGroupID == nil})
	if a.Collector != nil {
		a.Collector.check(e, a.TaskCPU, a.TaskMemory)
	}
}

// NewMediaCluster declares the LiveKit service: config secret, logs, IAM,
// task definition, service with autoscaling, and the signaling ALB with its
// certificate and DNS name.
func NewMediaCluster(ctx *pulumi.Context, name string, args *MediaClusterArgs, opts ...pulumi.ResourceOption) (*MediaCluster, error) {

	m := &MediaCluster{}
	parent, err := components.Register(ctx, components.MediaClusterType, name, m, args, (*MediaClusterArgs).check, opts...)
	if err != nil {
		return nil, err
	}

	base, err := newFargateBase(ctx, name, fargateBaseArgs{
		Description: "LiveKit server config (LIVEKIT_CONFIG)", Config: args.Config,
		LogRetentionDays: args.LogRetentionDays, ContainerInsights: args.ContainerInsights, Protect: args.Protect,
		Collector: args.Collector,
	}, parent)
	if err != nil {
		return nil, err
	}
	roles, err := base.roles(ctx, name, taskRoleArgs(args), parent)
	if err != nil {
		return nil, err
	}
	task, err := base.taskDefinition(ctx, name, args.TaskCPU, args.TaskMemory, roles, base.containers(liveKitContainer(args), "LIVEKIT_CONFIG", args.Region), parent)
	if err != nil {
		return nil, err
	}

	sig, err := signaling(ctx, name, args, parent)
	if err != nil {
		return nil, err
	}
	targets := ecs.ServiceLoadBalancerArray{&ecs.ServiceLoadBalancerArgs{
		TargetGroupArn: sig.targetGroup.Arn,
		ContainerName:  pulumi.String(containerName),
		ContainerPort:  pulumi.Int(livekit.SignalPort),
	}}
	listeners := []pulumi.Resource{sig.https}
	var turn *turnLB
	if args.TURNTLSPort != 0 {
		if turn, err = turnTLS(ctx, name, args, parent); err != nil {
			return nil, err
		}
		targets = append(targets, &ecs.ServiceLoadBalancerArgs{
			TargetGroupArn: turn.targetGroup.Arn,
			ContainerName:  pulumi.String(containerName),
			ContainerPort:  pulumi.Int(args.TURNTLSPort),
		})
		listeners = append(listeners, turn.listener)
	}

	launchType, deps := pulumi.StringPtrInput(pulumi.String("FARGATE")), []pulumi.Resource{sig.https}
	var strategy ecs.ServiceCapacityProviderStrategyArray
	if args.Spot != nil {
		// A service has a launch type or a capacity provider strategy, not both.
		cp, st, err := capacityProviders(ctx, name, base.cluster, args.Spot, parent)
		if err != nil {
			return nil, err
		}
		launchType, strategy, deps = nil, st, append(deps, cp)
	}
	serviceArgs := base.serviceArgs(task, args.Scaling.Min, args.PublicSubnetIDs, args.MediaSecurityGroupID)
	serviceArgs.LaunchType, serviceArgs.CapacityProviderStrategies = launchType, strategy
	serviceArgs.LoadBalancers = targets
	serviceArgs.HealthCheckGracePeriodSeconds = pulumi.Int(60)
	service, err := ecs.NewService(ctx, name, serviceArgs, parent,
		// The autoscaler owns the task count after creation.
		pulumi.IgnoreChanges([]string{"desiredCount"}),
		pulumi.DependsOn(append(deps, listeners...)))
	if err != nil {
		return nil, err
	}

	if err := autoscaling(ctx, name, base.cluster, service, args.Scaling, args.Cooldowns, parent); err != nil {
		return nil, err
	}

	m.MediaClusterOutputs = components.NewMediaClusterOutputs(args.Hostname, sig.alb.DnsName)
	m.ConfigSecretArn = base.secret.Arn
	m.ClusterName = base.cluster.Name
	m.ServiceName = service.Name
	m.LoadBalancerArn = sig.alb.Arn
	m.CertificateArn = sig.certificateArn
	m.LoadBalancerArnSuffix = sig.alb.ArnSuffix
	m.TargetGroupArnSuffix = sig.targetGroup.ArnSuffix
	m.TaskRoleArn = roles.task.Arn
	outputs := pulumi.Map{
		"configSecretArn": m.ConfigSecretArn, "clusterName": m.ClusterName, "serviceName": m.ServiceName,
		"loadBalancerArn": m.LoadBalancerArn, "certificateArn": m.CertificateArn,
	}
	if turn != nil {
		m.TURNLoadBalancer = turn.nlb.DnsName
		outputs["turnLoadBalancer"] = m.TURNLoadBalancer
	}
	if err := ctx.RegisterResourceOutputs(m, m.MediaClusterOutputs.Map(outputs)); err != nil {
		return nil, err
	}
	return m, nil
}

const containerName = "livekit"

// containerDef mirrors the subset of ECS's container definition JSON we set.
type containerDef struct {
	Name         string        `json:"name"`
	Image        string        `json:"image"`
	Essential    bool          `json:"essential"`
	PortMappings []portMapping `json:"portMappings"`
	Secrets      []secretRef   `json:"secrets"`
	Environment  []envVar      `json:"environment"`
	HealthCheck  *healthCheck  `json:"healthCheck,omitempty"`
	StopTimeout  int           `json:"stopTimeout,omitempty"`
	// CPU and Memory reserve a sidecar's share of the task; LiveKit's
	// container sets neither and uses the rest.
	CPU               int               `json:"cpu,omitempty"`
	Memory            int               `json:"memory,omitempty"`
	Ulimits           []ulimit          `json:"ulimits"`
	LogConfiguration  logConfiguration  `json:"logConfiguration"`
	DockerLabels      map[string]string `json:"dockerLabels,omitempty"`
	ReadonlyRootFS    bool              `json:"readonlyRootFilesystem"`
	LinuxParameters   linuxParameters   `json:"linuxParameters"`
	DisableNetworking bool              `json:"disableNetworking"`
}

type portMapping struct {
	ContainerPort      int    `json:"containerPort,omitempty"`
	ContainerPortRange string `json:"containerPortRange,omitempty"`
	Protocol           string `json:"protocol"`
	Name               string `json:"name,omitempty"`
}

type secretRef struct {
	Name      string `json:"name"`
	ValueFrom string `json:"valueFrom"`
}

type envVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type healthCheck struct {
	Command     []string `json:"command"`
	Interval    int      `json:"interval"`
	Timeout     int      `json:"timeout"`
	Retries     int      `json:"retries"`
	StartPeriod int      `json:"startPeriod"`
}

type ulimit struct {
	Name      string `json:"name"`
	SoftLimit int    `json:"softLimit"`
	HardLimit int    `json:"hardLimit"`
}

type logConfiguration struct {
	LogDriver string            `json:"logDriver"`
	Options   map[string]string `json:"options"`
}

type linuxParameters struct {
	InitProcessEnabled bool `json:"initProcessEnabled"`
}

// livenessCommand is the container health check: exit 0 when GET / answers
// with one of LivenessAccepts.
func livenessCommand() string {
	codes := make([]string, len(LivenessAccepts))
	for i, c := range LivenessAccepts {
		codes[i] = strconv.Itoa(c)
	}
	return fmt.Sprintf(`wget -q -S -O /dev/null http://127.0.0.1:%d%s 2>&1 | grep -qE 'HTTP/[0-9.]+ (%s)( |$)' || exit 1`,
		livekit.SignalPort, livekit.HealthPath, strings.Join(codes, "|"))
}

// liveKitContainer is the LiveKit container; fargateBase.containers adds
// its config secret, logs and the collector sidecar.
func liveKitContainer(args *MediaClusterArgs) containerDef {
	ports := []portMapping{
		{ContainerPort: livekit.SignalPort, Protocol: "tcp", Name: "signal"},
		{ContainerPort: livekit.RTCTCPPort, Protocol: "tcp", Name: "rtc-tcp"},
	}
	if args.Media.Mux != 0 {
		ports = append(ports, portMapping{ContainerPort: args.Media.Mux, Protocol: "udp", Name: "rtc-udp"})
	} else {
		ports = append(ports, portMapping{ContainerPortRange: fmt.Sprintf("%d-%d", args.Media.Start, args.Media.End), Protocol: "udp"})
	}
	if args.TURNUDPPort != 0 {
		ports = append(ports, portMapping{ContainerPort: args.TURNUDPPort, Protocol: "udp", Name: "turn-udp"})
	}
	if args.TURNTLSPort != 0 {
		ports = append(ports, portMapping{ContainerPort: args.TURNTLSPort, Protocol: "tcp", Name: "turn-tls"})
	}
	return containerDef{
		Name:         containerName,
		Image:        args.Image,
		PortMappings: ports,
		// Liveness only: LiveKit's health endpoint is GET / (200 "OK", 406
		// without Redis; /health is a 404). busybox wget fails on a 406, so
		// the check reads the status line wget prints (-S headers, or its
		// "server returned error" line) and passes on 200 or 406: a Redis
		// blip must not make ECS stop the task (LivenessAccepts).
		HealthCheck: &healthCheck{
			Command:  []string{"CMD-SHELL", livenessCommand()},
			Interval: 10, Timeout: 5, Retries: 3, StartPeriod: 30,
		},
		// SIGTERM starts LiveKit's drain; Fargate allows at most 120 s.
		StopTimeout:    args.DrainSeconds,
		ReadonlyRootFS: true,
	}
}

// taskRoleArgs: the execution role reads the LiveKit config; the task role
// grants nothing but the collector's remote write: LiveKit servers never
// write recordings, the Egress workers do (egress.go holds the bucket
// grant).
func taskRoleArgs(args *MediaClusterArgs) fargateRoleArgs {
	desc := "LiveKit server tasks: no AWS permissions (Egress writes recordings)"
	if args.Collector != nil {
		desc = "LiveKit server tasks: the metrics collector's aps:RemoteWrite only (Egress writes recordings)"
	}
	return fargateRoleArgs{
		ConfigSid:                "ReadLiveKitConfig",
		ExecutionDescription:     "ECS pulls the LiveKit config secret and writes logs",
		TaskDescription:          desc,
		PullRepositoryArnPattern: args.PullRepositoryArnPattern,
	}
}

type statement struct {
	Sid       string
	Actions   []string
	Resources []string
}

func policyJSON(stmts ...statement) (string, error) {
	var out []map[string]any
	for _, s := range stmts {
		out = append(out, map[string]any{"Sid": s.Sid, "Effect": "Allow", "Action": s.Actions, "Resource": s.Resources})
	}
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": out})
	return string(b), err
}

// Cooldowns are Application Auto Scaling's waits (seconds) after a scale
// out and after a scale in, for a Fargate service's target tracking.
type Cooldowns struct{ ScaleOut, ScaleIn int }

func (c Cooldowns) check(e *components.ArgErrors) {
	if c.ScaleOut < 0 || c.ScaleIn < 0 {
		e.Add("Cooldowns %+v must not be negative (seconds)", c)
	}
}

// autoscaling tracks average CPU between the configured bounds.
func autoscaling(ctx *pulumi.Context, name string, cluster *ecs.Cluster, service *ecs.Service, s components.Scaling, c Cooldowns, parent pulumi.ResourceOption) error {
	target, err := appautoscaling.NewTarget(ctx, name, &appautoscaling.TargetArgs{
		ServiceNamespace:  pulumi.String("ecs"),
		ScalableDimension: pulumi.String("ecs:service:DesiredCount"),
		ResourceId:        pulumi.Sprintf("service/%s/%s", cluster.Name, service.Name),
		MinCapacity:       pulumi.Int(s.Min),
		MaxCapacity:       pulumi.Int(s.Max),
	}, parent)
	if err != nil {
		return err
	}
	_, err = appautoscaling.NewPolicy(ctx, name+"-cpu", &appautoscaling.PolicyArgs{
		PolicyType:        pulumi.String("TargetTrackingScaling"),
		ServiceNamespace:  target.ServiceNamespace,
		ScalableDimension: target.ScalableDimension,
		ResourceId:        target.ResourceId,
		TargetTrackingScalingPolicyConfiguration: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs{
			TargetValue: pulumi.Float64(float64(s.CPUTarget)),
			PredefinedMetricSpecification: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs{
				PredefinedMetricType: pulumi.String("ECSServiceAverageCPUUtilization"),
			},
			ScaleOutCooldown: pulumi.Int(c.ScaleOut),
			ScaleInCooldown:  pulumi.Int(c.ScaleIn),
		},
	}, parent)
	return err
}
