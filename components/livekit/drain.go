package livekit

// Drain bounds of a LiveKit node on Kubernetes (GKE, AKS, EKS): on SIGTERM
// LiveKit stops taking rooms and serves the ones it has until they end or
// the grace period does (the chart's default is 18000 s). Below
// MinDrainSeconds a rollout or scale-in cuts most calls; MaxDrainSeconds (a
// day) keeps a stuck node from blocking a rollout for longer.
const (
	MinDrainSeconds = 300
	MaxDrainSeconds = 86400
)

// FargateMaxDrainSeconds is Fargate's cap on a container's stopTimeout: a
// stopping Fargate task has at most this long to drain its rooms after
// SIGTERM, whatever LiveKit would need (components/aws.MaxStopTimeout).
const FargateMaxDrainSeconds = 120

// Bounds of how long a Fargate task may answer 406 (lost Redis) before its
// ALB target group fails it and ECS replaces it
// (components/aws.MediaClusterArgs.RedisOutageTolerance): an ALB target
// group fails a target after 2-10 consecutive failed checks, 5-300 s apart.
const (
	FargateMinRedisOutageSeconds = 20
	FargateMaxRedisOutageSeconds = 2400
)

// FargateDeploymentMaxPercent is the ECS services' deploymentMaximumPercent
// (LiveKit's and Egress's, components/aws): a rolling deployment starts the
// new tasks before the old ones stop, so up to twice the desired count run
// at once, each with its own network interface in the public subnets. The
// plan-time check that the subnets hold them reads it
// (internal/stackconfig, awsSubnetsFit).
const FargateDeploymentMaxPercent = 200
