package ekscluster

import (
	"encoding/json"
	"strconv"

	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	helmv4 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v4"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	awsc "github.com/livekit-infra/livekit-infra/components/aws"
	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
	"github.com/livekit-infra/livekit-infra/components/kubernetes/objects"
)

// The controllers' charts, namespace and service accounts.
const (
	// LBCChartRepo serves aws-load-balancer-controller (AWS's eks-charts).
	LBCChartRepo = "https://aws.github.io/eks-charts"
	// CAChartRepo serves cluster-autoscaler (Kubernetes SIG Autoscaling).
	CAChartRepo = "https://kubernetes.github.io/autoscaler"
	// ControllersNamespace holds both controllers (restricted Pod Security).
	ControllersNamespace = "livekit-infra-system"
	LBCServiceAccount    = "aws-load-balancer-controller"
	CAServiceAccount     = "cluster-autoscaler"
)

// LBCActions are everything the load balancer controller may do: read
// load balancers, target groups and the network, and (un)register targets
// of this program's target groups only (signaling, and TURN/TLS when on). It creates no load balancer: the
// ALB is declared by this program, bound by a TargetGroupBinding, so the
// controller's usual policy (create and delete ALBs, security groups,
// listeners) is not needed.
var (
	LBCDescribeActions = []string{
		"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTargetGroups",
		"elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeListeners",
		"elasticloadbalancing:DescribeTags", "elasticloadbalancing:DescribeTargetGroupAttributes",
		"ec2:DescribeInstances", "ec2:DescribeVpcs", "ec2:DescribeSubnets",
		"ec2:DescribeSecurityGroups", "ec2:DescribeNetworkInterfaces", "ec2:DescribeAvailabilityZones",
	}
	LBCTargetActions = []string{"elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"}
)

// CADescribeActions and CAScaleActions are the cluster autoscaler's policy
// (its AWS provider's documented minimum); scaling is confined to groups
// tagged as this cluster's (managed node groups tag their groups so).
var (
	CADescribeActions = []string{
		"autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances",
		"autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities",
		"autoscaling:DescribeTags", "ec2:DescribeImages", "ec2:DescribeInstanceTypes",
		"ec2:DescribeLaunchTemplateVersions", "ec2:GetInstanceTypesFromInstanceRequirements",
		"eks:DescribeNodegroup",
	}
	CAScaleActions = []string{"autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"}
)

// eksControllers installs, through EKS Pod Identity roles of least
// privilege, the AWS Load Balancer Controller (pod registration in the
// signaling target group) and the Cluster Autoscaler (the LiveKit node
// group between minNodes and maxNodes).
//
// Cluster Autoscaler rather than Karpenter: a LiveKit node holds one
// host-network pod and must live until its rooms drain, hours. The
// autoscaler resizes the managed node group this program declares (its
// bounds are minNodes/maxNodes, AMI and upgrades stay EKS's) and removes a
// node only once the HPA's scale-in has emptied it (the pod is
// safe-to-evict: false). Karpenter's value is bin-packing and
// consolidation across instance types, which one fixed-size pod per node
// cannot use; its disruption would need do-not-disrupt on every pod, and it
// brings its own node lifecycle, an SQS interruption queue and EventBridge
// rules to operate.
func eksControllers(ctx *pulumi.Context, name string, args *MediaClusterArgs, c *eksPlane, targetGroups []pulumi.StringOutput, provider pulumi.ProviderResource, parent pulumi.ResourceOption) ([]pulumi.Resource, error) {
	k := pulumi.Provider(provider)
	ns, err := objects.NewNamespace(ctx, name+"-controllers", ControllersNamespace, lkk8s.RestrictedNamespaceLabels(), parent, k)
	if err != nil {
		return nil, err
	}
	system := map[string]any{EKSNodeRoleLabel: EKSSystemRole}

	arns := make([]any, len(targetGroups))
	for i, tg := range targetGroups {
		arns[i] = tg
	}
	lbcPolicy := pulumi.All(arns...).ApplyT(func(v []any) (string, error) {
		tgs := make([]string, len(v))
		for i, tg := range v {
			tgs[i] = tg.(string)
		}
		return awsc.PolicyJSON(
			awsc.Statement{Sid: "Describe", Actions: LBCDescribeActions, Resources: []string{"*"}},
			awsc.Statement{Sid: "RegisterLiveKitPods", Actions: LBCTargetActions, Resources: tgs},
		)
	}).(pulumi.StringOutput)
	lbcRole, err := podIdentityRole(ctx, name+"-lbc", "AWS Load Balancer Controller of "+name+": registers LiveKit pods in its target groups (signaling, TURN/TLS)", lbcPolicy, c, LBCServiceAccount, parent)
	if err != nil {
		return nil, err
	}
	lbc, err := helmv4.NewChart(ctx, name+"-lbc", &helmv4.ChartArgs{
		Chart:          pulumi.String("aws-load-balancer-controller"),
		Version:        pulumi.String(args.LBCChartVersion),
		RepositoryOpts: &helmv4.RepositoryOptsArgs{Repo: pulumi.String(LBCChartRepo)},
		Namespace:      ns.Name,
		Values: lkk8s.ToInput(map[string]any{
			"clusterName":    c.cluster.Name,
			"region":         args.Region,
			"vpcId":          args.VpcID,
			"serviceAccount": map[string]any{"create": true, "name": LBCServiceAccount},
			"nodeSelector":   system,
			// Only TargetGroupBindings: no Ingress or Service of this
			// cluster may make the controller create load balancers.
			"enableServiceMutatorWebhook": false,
			"createIngressClassResource":  false,
		}).(pulumi.Map),
	}, parent, k, pulumi.DependsOn([]pulumi.Resource{lbcRole}))
	if err != nil {
		return nil, err
	}

	clusterTag := c.cluster.Name.ApplyT(func(n string) string { return "k8s.io/cluster-autoscaler/" + n }).(pulumi.StringOutput)
	caPolicy := clusterTag.ApplyT(func(tag string) (string, error) {
		return conditionalPolicyJSON(CADescribeActions, CAScaleActions, "aws:ResourceTag/"+tag, "owned")
	}).(pulumi.StringOutput)
	caRole, err := podIdentityRole(ctx, name+"-autoscaler", "Cluster Autoscaler of "+name+": resizes this cluster's node groups only", caPolicy, c, CAServiceAccount, parent)
	if err != nil {
		return nil, err
	}
	drain := strconv.Itoa(args.DrainSeconds)
	ca, err := helmv4.NewChart(ctx, name+"-autoscaler", &helmv4.ChartArgs{
		Chart:          pulumi.String("cluster-autoscaler"),
		Version:        pulumi.String(args.CAChartVersion),
		RepositoryOpts: &helmv4.RepositoryOptsArgs{Repo: pulumi.String(CAChartRepo)},
		Namespace:      ns.Name,
		Values: lkk8s.ToInput(map[string]any{
			"cloudProvider": "aws",
			"awsRegion":     args.Region,
			"autoDiscovery": map[string]any{"clusterName": c.cluster.Name},
			"rbac":          map[string]any{"serviceAccount": map[string]any{"create": true, "name": CAServiceAccount}},
			"nodeSelector":  system,
			"extraArgs": map[string]any{
				// A node that must go (it never should while its LiveKit
				// pod is safe-to-evict: false) still gets the full drain.
				"max-graceful-termination-sec": drain,
				"balance-similar-node-groups":  true,
				"expander":                     "least-waste",
				"scale-down-unneeded-time":     "10m",
				"scale-down-delay-after-add":   "10m",
			},
		}).(pulumi.Map),
	}, parent, k, pulumi.DependsOn([]pulumi.Resource{caRole}))
	if err != nil {
		return nil, err
	}
	return []pulumi.Resource{lbc, ca}, nil
}

// podIdentityRole is an IAM role that only pods of one service account in
// ControllersNamespace of this cluster get, through EKS Pod Identity.
func podIdentityRole(ctx *pulumi.Context, name, description string, policy pulumi.StringInput, c *eksPlane, serviceAccount string, parent pulumi.ResourceOption) (*iam.Role, error) {
	role, _, err := podIdentityRoleIn(ctx, name, description, policy, c, ControllersNamespace, serviceAccount, parent)
	return role, err
}

// podIdentityRoleIn is podIdentityRole for a service account of namespace;
// it also returns the association (pods created before it get no
// credentials).
func podIdentityRoleIn(ctx *pulumi.Context, name, description string, policy pulumi.StringInput, c *eksPlane, namespace, serviceAccount string, parent pulumi.ResourceOption) (*iam.Role, *awseks.PodIdentityAssociation, error) {
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Description:      pulumi.String(description),
		AssumeRolePolicy: pulumi.String(trustPolicy("pods.eks.amazonaws.com", "sts:AssumeRole", "sts:TagSession")),
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	if _, err := iam.NewRolePolicy(ctx, name, &iam.RolePolicyArgs{Role: role.Name, Policy: policy}, parent); err != nil {
		return nil, nil, err
	}
	assoc, err := awseks.NewPodIdentityAssociation(ctx, name, &awseks.PodIdentityAssociationArgs{
		ClusterName:    c.cluster.Name,
		Namespace:      pulumi.String(namespace),
		ServiceAccount: pulumi.String(serviceAccount),
		RoleArn:        role.Arn,
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	return role, assoc, nil
}

// conditionalPolicyJSON allows describe on everything and act only on
// resources carrying tag = value.
func conditionalPolicyJSON(describe, act []string, tagKey, value string) (string, error) {
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{
			{"Sid": "Describe", "Effect": "Allow", "Action": describe, "Resource": []string{"*"}},
			{"Sid": "ScaleThisClustersGroups", "Effect": "Allow", "Action": act, "Resource": []string{"*"},
				"Condition": map[string]any{"StringEquals": map[string]string{tagKey: value}}},
		},
	}
	b, err := json.Marshal(doc)
	return string(b), err
}
