package ekscluster

import (
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	awsc "github.com/livekit-infra/livekit-infra/components/aws"
	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
)

// EKSEgressRole is the node label value of the Egress node group
// (EKSNodeRoleLabel).
const EKSEgressRole = "egress"

// EgressArgs adds the EKS specifics to the contract.
type EgressArgs struct {
	components.EgressArgs

	// Cluster is the region's EKS MediaCluster the Egress group joins.
	Cluster *MediaCluster
	// PrivateSubnetIDs host the Egress nodes: no public IP, outbound
	// through the region's NAT gateways.
	PrivateSubnetIDs pulumi.StringArrayInput
	// SecurityGroupID is the Network's Egress group (outbound only, metrics
	// from the VPC), the one ElastiCache admits Egress from.
	SecurityGroupID pulumi.StringInput
	// InstanceType sizes the node group: one Egress pod per node.
	InstanceType string
	// PodCPU and PodMemory are the Egress pod's requests (quantities).
	PodCPU, PodMemory string
	ChartVersion      string
	// BucketArn is the recordings bucket, the only one Egress may write.
	BucketArn pulumi.StringInput
}

// Egress is the EKS Egress: its node group, its Pod Identity role and the
// egress chart.
type Egress struct {
	pulumi.ResourceState
	components.EgressOutputs

	NodeGroup pulumi.StringOutput
	RoleArn   pulumi.StringOutput
}

// check runs the contract's checks, then the EKS ones, reporting every
// problem at once.
func (a *EgressArgs) check(e *components.ArgErrors) {
	a.EgressArgs.Check(e)
	e.Require(components.Field{Name: "Cluster (from NewMediaCluster)", Missing: a.Cluster == nil || a.Cluster.plane == nil || a.Cluster.Provider == nil},
		components.Field{Name: "PrivateSubnetIDs", Missing: a.PrivateSubnetIDs == nil}, components.Field{Name: "SecurityGroupID", Missing: a.SecurityGroupID == nil},
		components.Field{Name: "InstanceType", Missing: a.InstanceType == ""}, components.Field{Name: "BucketArn", Missing: a.BucketArn == nil},
		components.Field{Name: "PodCPU", Missing: a.PodCPU == ""}, components.Field{Name: "PodMemory", Missing: a.PodMemory == ""})
}

// NewEgress declares the Egress node group (private subnets, tainted for
// Egress, the Network's Egress security group), an IAM role that only the
// Egress service account gets through EKS Pod Identity, writing the
// recordings bucket only, and the egress chart reading its config from a
// Secret.
func NewEgress(ctx *pulumi.Context, name string, args *EgressArgs, opts ...pulumi.ResourceOption) (*Egress, error) {
	e := &Egress{}
	parent, err := components.Register(ctx, components.EgressType, name, e, args, (*EgressArgs).check, opts...)
	if err != nil {
		return nil, err
	}
	c := args.Cluster.plane

	// No static key: livekit/storage's S3 client falls back to the SDK's
	// default chain when its config names no key, and aws-sdk-go-v2
	// (config v1.32 in Egress v1.14.1's go.mod) reads the Pod Identity
	// agent's container credentials the EKS webhook injects.
	policy := args.BucketArn.ToStringOutput().ApplyT(func(arn string) (string, error) {
		return awsc.PolicyJSON(awsc.Statement{Sid: "WriteRecordings", Actions: awsc.EgressS3Actions, Resources: []string{arn + "/*"}})
	}).(pulumi.StringOutput)
	role, assoc, err := podIdentityRoleIn(ctx, name, "LiveKit Egress of "+name+": writes recordings to its bucket only", policy, c,
		lkk8s.EgressNamespace, lkk8s.EgressFullName, parent)
	if err != nil {
		return nil, err
	}

	// Its own group, not the LiveKit nodes: Chrome and the encoder take
	// whole cores in bursts, which beside a LiveKit pod would show up as
	// media packet loss; and Egress needs no public address, while a
	// LiveKit node must have one. Not the system group either: a 4-core
	// Egress pod does not fit its small fixed-size nodes, and the
	// controllers there must not be starved.
	group, err := c.nodeGroup(ctx, name, nodeGroupArgs{
		Description: "LiveKit Egress nodes: no public IP, Egress security group, IMDSv2",
		// The Egress group admits only metrics from the VPC and is the
		// source ElastiCache admits.
		SecurityGroupID: args.SecurityGroupID, PublicIP: false, Subnets: args.PrivateSubnetIDs,
		InstanceType: args.InstanceType, CapacityType: "ON_DEMAND",
		// One Egress pod per node (it requests more than half a node): the
		// pod bounds are the node bounds. The Cluster Autoscaler finds the
		// group by the cluster's tag.
		Min: args.Scaling.Min, Max: args.Scaling.Max, Autoscaled: true,
		Role: EKSEgressRole,
		Taints: awseks.NodeGroupTaintArray{&awseks.NodeGroupTaintArgs{
			Key: pulumi.String(lkk8s.EgressTaintKey), Value: pulumi.String("true"), Effect: pulumi.String("NO_SCHEDULE"),
		}},
	}, parent)
	if err != nil {
		return nil, err
	}

	wargs := lkk8s.EgressWorkloadOf(args.Cluster.Provider, args.ChartVersion, args.EgressArgs,
		lkk8s.Resources{CPU: args.PodCPU, Memory: args.PodMemory}, map[string]string{EKSNodeRoleLabel: EKSEgressRole})
	// The EKS webhook injects Pod Identity credentials at pod admission:
	// the association must exist first.
	wargs.ChartDependsOn = []pulumi.Resource{assoc}
	workload, err := lkk8s.NewEgressWorkload(ctx, name, wargs, parent, pulumi.DependsOn([]pulumi.Resource{group}))
	if err != nil {
		return nil, err
	}

	e.ConfigSecret = workload.ConfigSecret()
	e.NodeGroup = group.NodeGroupName
	e.RoleArn = role.Arn
	if err := ctx.RegisterResourceOutputs(e, e.EgressOutputs.Map(pulumi.Map{"nodeGroup": e.NodeGroup, "roleArn": e.RoleArn})); err != nil {
		return nil, err
	}
	return e, nil
}
