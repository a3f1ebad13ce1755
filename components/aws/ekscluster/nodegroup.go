package ekscluster

import (
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// nodeGroupArgs are what the region's node groups (LiveKit, system,
// Egress) say differently.
type nodeGroupArgs struct {
	// Description is the launch template's.
	Description string
	// SecurityGroupID, when set, is the nodes' own group beside the
	// cluster's (the launch template then declares their network
	// interface, and PublicIP whether it gets a public address); nil
	// leaves the interface to EKS (the cluster group only).
	SecurityGroupID pulumi.StringInput
	PublicIP        bool
	Subnets         pulumi.StringArrayInput
	InstanceType    string
	// CapacityType is "" for EKS's default.
	CapacityType string
	Min, Max     int
	// Autoscaled: the Cluster Autoscaler owns the node count after creation.
	Autoscaled bool
	// Role is the EKSNodeRoleLabel value the workloads select on.
	Role   string
	Taints awseks.NodeGroupTaintArray
}

// nodeGroup declares a managed node group of the cluster, name for both its
// launch template and itself, on the AL2023 AMI with IMDSv2 at hop limit 1:
// pods cannot reach the node role through IMDS (LiveKit needs no AWS API;
// the controllers and Egress get their own roles from the Pod Identity
// agent). Nodes are replaced one at a time.
func (c *eksPlane) nodeGroup(ctx *pulumi.Context, name string, a nodeGroupArgs, parent pulumi.ResourceOption) (*awseks.NodeGroup, error) {
	tplArgs := &ec2.LaunchTemplateArgs{
		Description: pulumi.String(a.Description),
		MetadataOptions: &ec2.LaunchTemplateMetadataOptionsArgs{
			HttpTokens: pulumi.String("required"), HttpPutResponseHopLimit: pulumi.Int(1), HttpEndpoint: pulumi.String("enabled"),
		},
	}
	if a.SecurityGroupID != nil {
		tplArgs.NetworkInterfaces = ec2.LaunchTemplateNetworkInterfaceArray{&ec2.LaunchTemplateNetworkInterfaceArgs{
			DeviceIndex:              pulumi.Int(0),
			AssociatePublicIpAddress: pulumi.String(strconv.FormatBool(a.PublicIP)),
			DeleteOnTermination:      pulumi.String("true"),
			// The cluster security group lets the control plane and the
			// other nodes in.
			SecurityGroups: pulumi.StringArray{c.cluster.VpcConfig.ClusterSecurityGroupId().Elem(), a.SecurityGroupID},
		}}
		tplArgs.TagSpecifications = ec2.LaunchTemplateTagSpecificationArray{&ec2.LaunchTemplateTagSpecificationArgs{
			ResourceType: pulumi.String("instance"), Tags: pulumi.StringMap{"Name": pulumi.String(name)},
		}}
	}
	tpl, err := ec2.NewLaunchTemplate(ctx, name, tplArgs, parent)
	if err != nil {
		return nil, err
	}
	groupArgs := &awseks.NodeGroupArgs{
		ClusterName:   c.cluster.Name,
		NodeRoleArn:   c.nodeRole.Arn,
		SubnetIds:     a.Subnets,
		InstanceTypes: pulumi.ToStringArray([]string{a.InstanceType}),
		AmiType:       pulumi.String("AL2023_x86_64_STANDARD"),
		ScalingConfig: &awseks.NodeGroupScalingConfigArgs{
			MinSize: pulumi.Int(a.Min), MaxSize: pulumi.Int(a.Max), DesiredSize: pulumi.Int(a.Min),
		},
		UpdateConfig:   &awseks.NodeGroupUpdateConfigArgs{MaxUnavailable: pulumi.Int(1)},
		Labels:         pulumi.StringMap{EKSNodeRoleLabel: pulumi.String(a.Role)},
		LaunchTemplate: &awseks.NodeGroupLaunchTemplateArgs{Id: tpl.ID(), Version: tpl.LatestVersion.ApplyT(strconv.Itoa).(pulumi.StringOutput)},
	}
	if len(a.Taints) > 0 {
		groupArgs.Taints = a.Taints
	}
	if a.CapacityType != "" {
		groupArgs.CapacityType = pulumi.String(a.CapacityType)
	}
	opts := []pulumi.ResourceOption{parent}
	if a.Autoscaled {
		opts = append(opts, pulumi.IgnoreChanges([]string{"scalingConfig.desiredSize"}))
	}
	return awseks.NewNodeGroup(ctx, name, groupArgs, opts...)
}
