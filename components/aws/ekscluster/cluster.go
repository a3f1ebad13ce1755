// Package ekscluster is the aws kind's EKS platform (awsPlatform eks): an
// EKS MediaCluster beside the ECS one of package aws, in a package of its
// own so that what imports package aws alone (the global stack) does not
// compile the Kubernetes SDK.
package ekscluster

import (
	"encoding/json"
	"net/netip"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	awsc "github.com/livekit-infra/livekit-infra/components/aws"
	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
	"github.com/livekit-infra/livekit-infra/components/kubernetes/objects"
	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// EKS node group roles, the label the LiveKit workload selects on.
const (
	EKSNodeRoleLabel = "livekit-infra/role"
	EKSMediaRole     = "media"
	EKSSystemRole    = "system"
)

// EKSControlPlaneLogTypes are every control-plane log EKS can send to
// CloudWatch Logs (controlPlaneLogs).
var EKSControlPlaneLogTypes = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}

// EKSNodePolicies are the AWS managed policies of the node role: what the
// kubelet and the VPC CNI need, and image pulls. No workload gets AWS
// credentials from the node: the controllers use EKS Pod Identity, and
// IMDS answers only the host (hop limit 1; LiveKit needs no AWS API).
var EKSNodePolicies = []string{
	"arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
	"arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
	"arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
}

// MediaClusterArgs adds the EKS specifics to the contract.
type MediaClusterArgs struct {
	components.MediaClusterArgs

	Region string
	VpcID  pulumi.StringInput
	// PublicSubnetIDs host the LiveKit nodes (each with its own public IP:
	// media goes straight to the node) and the signaling ALB; the system
	// nodes and the control plane's interfaces sit in PrivateSubnetIDs.
	PublicSubnetIDs, PrivateSubnetIDs pulumi.StringArrayInput
	MediaSecurityGroupID              pulumi.StringInput
	LoadBalancerSecurityGroupID       pulumi.StringInput
	// TURNLoadBalancerSecurityGroupID is the Network's TURN NLB group,
	// required with TURNTLSPort: the nodes (media group) admit the TURN
	// port from it only.
	TURNLoadBalancerSecurityGroupID pulumi.StringInput
	KubernetesVersion               string
	// PublicAccessCIDRs are the only sources the public API endpoint
	// accepts; empty only with AllowPublicAPI, the explicit opt-in.
	PublicAccessCIDRs  []netip.Prefix
	AllowPublicAPI     bool
	InstanceType       string
	SystemInstanceType string
	SystemNodes        int
	PodCPU, PodMemory  string
	ChartVersion       string
	LBCChartVersion    string
	CAChartVersion     string
	ALBIdleTimeout     int
	ALBSSLPolicy       string
	AccessLogsBucket   pulumi.StringInput
	// ControlPlaneLogs sends EKSControlPlaneLogTypes to CloudWatch Logs.
	ControlPlaneLogs bool
	// PullRepositoryArnPattern is the ECR repositories the nodes may pull
	// Image from (RegistryMirror); empty when pulling Docker Hub.
	PullRepositoryArnPattern string
}

// MediaCluster is LiveKit on EKS: managed node groups, the shared
// LiveKit workload, and signaling through an ALB whose target group the AWS
// Load Balancer Controller fills with the LiveKit pods.
type MediaCluster struct {
	pulumi.ResourceState
	components.MediaClusterOutputs

	ClusterName pulumi.StringOutput
	// ClusterArn and ClusterSecurityGroupID are what a managed scraper
	// (AMP) attaches to: its source and the API server's group.
	ClusterArn             pulumi.StringOutput
	ClusterSecurityGroupID pulumi.StringOutput
	// The ALB's and target group's ARN suffixes: CloudWatch's
	// AWS/ApplicationELB dimensions (the region's alarms).
	LoadBalancerArnSuffix pulumi.StringOutput
	TargetGroupArnSuffix  pulumi.StringOutput
	Kubeconfig            pulumi.StringOutput
	LoadBalancerArn       pulumi.StringOutput
	CertificateArn        pulumi.StringOutput
	// TURNLoadBalancer is the TURN/TLS NLB's DNS name (TURN/TLS on).
	TURNLoadBalancer pulumi.StringOutput
	// MediaNodeGroupASG is the media node group's Auto Scaling group, the
	// AutoScalingGroupName dimension of its nodes' AWS/EC2 metrics.
	MediaNodeGroupASG pulumi.StringOutput
	// Provider is the cluster's Kubernetes provider (for the Egress
	// workload).
	Provider pulumi.ProviderResource

	plane *eksPlane
}

// check runs the contract's checks, then the cloud's, reporting every problem at once.
func (a *MediaClusterArgs) check(e *components.ArgErrors) {
	a.MediaClusterArgs.Check(e)
	e.Require(components.Field{Name: "VpcID", Missing: a.VpcID == nil}, components.Field{Name: "PublicSubnetIDs", Missing: a.PublicSubnetIDs == nil},
		components.Field{Name: "PrivateSubnetIDs", Missing: a.PrivateSubnetIDs == nil}, components.Field{Name: "MediaSecurityGroupID", Missing: a.MediaSecurityGroupID == nil},
		components.Field{Name: "LoadBalancerSecurityGroupID", Missing: a.LoadBalancerSecurityGroupID == nil},
		components.Field{Name: "KubernetesVersion", Missing: a.KubernetesVersion == ""}, components.Field{Name: "InstanceType", Missing: a.InstanceType == ""},
		components.Field{Name: "SystemInstanceType", Missing: a.SystemInstanceType == ""})
	if (len(a.PublicAccessCIDRs) == 0) != a.AllowPublicAPI {
		e.Add("PublicAccessCIDRs %v with AllowPublicAPI %t: list who may reach the API endpoint, or (with none) opt in to a public endpoint explicitly", a.PublicAccessCIDRs, a.AllowPublicAPI)
	}
	if a.DrainSeconds < lkk8s.MinDrainSeconds {
		e.Add("DrainSeconds %d is below %d: LiveKit pods drain their rooms for the grace period", a.DrainSeconds, lkk8s.MinDrainSeconds)
	}
	if a.TURNTLSPort != 0 && a.TURNLoadBalancerSecurityGroupID == nil {
		e.Add("TURNLoadBalancerSecurityGroupID is required with TURNTLSPort %d (the Network's TURN NLB group)", a.TURNTLSPort)
	}
}

// NewMediaCluster declares the cluster, its node groups, controllers and
// LiveKit, and the signaling ALB with its certificate and DNS name.
func NewMediaCluster(ctx *pulumi.Context, name string, args *MediaClusterArgs, opts ...pulumi.ResourceOption) (*MediaCluster, error) {

	m := &MediaCluster{}
	parent, err := components.Register(ctx, components.MediaClusterType, name, m, args, (*MediaClusterArgs).check, opts...)
	if err != nil {
		return nil, err
	}
	protect := pulumi.Protect(args.Protect)

	c, err := eksControlPlane(ctx, name, args, parent, protect)
	if err != nil {
		return nil, err
	}
	groups, err := eksNodeGroups(ctx, name, args, c, parent)
	if err != nil {
		return nil, err
	}

	kubeconfig := pulumi.All(c.cluster.Name, c.cluster.Endpoint, c.cluster.CertificateAuthority.Data().Elem()).ApplyT(
		func(v []any) (string, error) {
			return EKSKubeconfig(v[0].(string), v[1].(string), v[2].(string), args.Region)
		}).(pulumi.StringOutput)
	provider, err := lkk8s.NewProvider(ctx, name, kubeconfig, groups, parent)
	if err != nil {
		return nil, err
	}

	// The ALB, its certificate, listeners, target group and DNS name are
	// the ECS region's (signaling): declared here, protected with protect,
	// logged to the region's bucket. The controller only registers pods.
	sig, err := awsc.Signaling(ctx, name, &awsc.MediaClusterArgs{
		MediaClusterArgs:            args.MediaClusterArgs,
		VpcID:                       args.VpcID,
		PublicSubnetIDs:             args.PublicSubnetIDs,
		LoadBalancerSecurityGroupID: args.LoadBalancerSecurityGroupID,
		ALBIdleTimeout:              args.ALBIdleTimeout,
		ALBSSLPolicy:                args.ALBSSLPolicy,
		AccessLogsBucket:            args.AccessLogsBucket,
		// The kubelet's probes judge the pods; the target group only keeps
		// signaling off a node without Redis, soon.
		RedisOutageTolerance: awsc.MinRedisOutageTolerance,
	}, parent)
	if err != nil {
		return nil, err
	}

	// TURN/TLS: the Fargate region's NLB (TLS on 443 with the ACM
	// certificate, TCP target group on the TURN port), filled by the
	// controller like signaling: each ready pod is its node's address
	// (host network) on TURNTLSPort.
	targetGroups := []pulumi.StringOutput{sig.TargetGroup.Arn}
	var turn *awsc.TURNLB
	if args.TURNTLSPort != 0 {
		turn, err = awsc.TURNTLS(ctx, name, &awsc.MediaClusterArgs{
			MediaClusterArgs:                args.MediaClusterArgs,
			VpcID:                           args.VpcID,
			PublicSubnetIDs:                 args.PublicSubnetIDs,
			TURNLoadBalancerSecurityGroupID: args.TURNLoadBalancerSecurityGroupID,
			ALBSSLPolicy:                    args.ALBSSLPolicy,
		}, parent)
		if err != nil {
			return nil, err
		}
		m.TURNLoadBalancer = turn.NLB.DnsName
		targetGroups = append(targetGroups, turn.TargetGroup.Arn)
	}

	controllers, err := eksControllers(ctx, name, args, c, targetGroups, provider, parent)
	if err != nil {
		return nil, err
	}

	workload, err := lkk8s.NewLiveKitWorkload(ctx, name, lkk8s.LiveKitWorkloadOf(provider, args.ChartVersion, args.MediaClusterArgs,
		lkk8s.Resources{CPU: args.PodCPU, Memory: args.PodMemory}, map[string]string{EKSNodeRoleLabel: EKSMediaRole}), parent)
	if err != nil {
		return nil, err
	}

	// A TargetGroupBinding per listener: the controller registers each
	// ready LiveKit pod (host network: the node's address) in the target
	// group, and deregisters it when the pod stops being ready (SIGTERM,
	// drain).
	bind := func(resource, binding string, service pulumi.StringOutput, port int, targetGroupARN pulumi.StringOutput) error {
		_, err := objects.NewObject(ctx, name+"-"+resource, &objects.ObjectArgs{
			APIVersion: "elbv2.k8s.aws/v1beta1", Kind: "TargetGroupBinding", Name: binding, Namespace: workload.Namespace,
			Spec: pulumi.Map{
				"serviceRef":     pulumi.Map{"name": service, "port": pulumi.Int(port)},
				"targetGroupARN": targetGroupARN,
				"targetType":     pulumi.String("ip"),
			},
		}, parent, pulumi.Provider(provider), pulumi.DependsOn(append(controllers, workload)))
		return err
	}
	if err := bind("target-group-binding", "livekit-signal", workload.ServiceName, livekit.SignalPort, sig.TargetGroup.Arn); err != nil {
		return nil, err
	}
	if turn != nil {
		if err := bind("turn-binding", "livekit-turn", workload.TURNServiceName, args.TURNTLSPort, turn.TargetGroup.Arn); err != nil {
			return nil, err
		}
	}

	m.MediaClusterOutputs = components.NewMediaClusterOutputs(args.Hostname, sig.ALB.DnsName)
	m.ClusterName = c.cluster.Name
	m.ClusterArn = c.cluster.Arn
	m.ClusterSecurityGroupID = c.cluster.VpcConfig.ClusterSecurityGroupId().Elem()
	m.LoadBalancerArnSuffix = sig.ALB.ArnSuffix
	m.TargetGroupArnSuffix = sig.TargetGroup.ArnSuffix
	m.Kubeconfig = kubeconfig
	m.Provider, m.plane = provider, c
	m.LoadBalancerArn = sig.ALB.Arn
	m.CertificateArn = sig.CertificateArn
	m.MediaNodeGroupASG = groups[0].(*awseks.NodeGroup).Resources.Index(pulumi.Int(0)).AutoscalingGroups().Index(pulumi.Int(0)).Name().Elem()
	if err := ctx.RegisterResourceOutputs(m, m.MediaClusterOutputs.Map(pulumi.Map{
		"clusterName": m.ClusterName, "loadBalancerArn": m.LoadBalancerArn, "certificateArn": m.CertificateArn,
		"turnLoadBalancer": m.TURNLoadBalancer,
	})); err != nil {
		return nil, err
	}
	return m, nil
}

type eksPlane struct {
	cluster  *awseks.Cluster
	nodeRole *iam.Role
}

// eksControlPlane declares the cluster role, the KMS key for envelope
// encryption of Secrets (the LiveKit config is one), the control-plane log
// group and the cluster.
func eksControlPlane(ctx *pulumi.Context, name string, args *MediaClusterArgs, parent, protect pulumi.ResourceOption) (*eksPlane, error) {
	role, err := iam.NewRole(ctx, name+"-cluster", &iam.RoleArgs{
		Description:       pulumi.String("EKS control plane of " + name),
		AssumeRolePolicy:  pulumi.String(trustPolicy("eks.amazonaws.com", "sts:AssumeRole", "sts:TagSession")),
		ManagedPolicyArns: pulumi.ToStringArray([]string{"arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"}),
	}, parent)
	if err != nil {
		return nil, err
	}
	key, err := kms.NewKey(ctx, name+"-secrets", &kms.KeyArgs{
		Description:       pulumi.String("Envelope encryption of the Kubernetes Secrets of " + name),
		EnableKeyRotation: pulumi.Bool(true),
		// Losing the key loses every Secret of the cluster.
		DeletionWindowInDays: pulumi.Int(30),
	}, parent, protect)
	if err != nil {
		return nil, err
	}
	var logTypes []string
	var deps []pulumi.Resource
	if args.ControlPlaneLogs {
		logTypes = EKSControlPlaneLogTypes
		// EKS writes to this group; declared first so it has a retention.
		lg, err := cloudwatch.NewLogGroup(ctx, name+"-control-plane", &cloudwatch.LogGroupArgs{
			Name:            pulumi.String("/aws/eks/" + name + "/cluster"),
			RetentionInDays: pulumi.Int(args.LogRetentionDays),
		}, parent)
		if err != nil {
			return nil, err
		}
		deps = append(deps, lg)
	}
	cidrs := []string{"0.0.0.0/0"}
	if !args.AllowPublicAPI {
		cidrs = nil
		for _, p := range args.PublicAccessCIDRs {
			cidrs = append(cidrs, p.String())
		}
	}
	cluster, err := awseks.NewCluster(ctx, name, &awseks.ClusterArgs{
		// The log group's name says the cluster's: no random suffix.
		Name:    pulumi.String(name),
		Version: pulumi.String(args.KubernetesVersion),
		RoleArn: role.Arn,
		VpcConfig: &awseks.ClusterVpcConfigArgs{
			SubnetIds: pulumi.All(args.PublicSubnetIDs, args.PrivateSubnetIDs).ApplyT(func(v []any) []string {
				return append(append([]string{}, v[1].([]string)...), v[0].([]string)...)
			}).(pulumi.StringArrayOutput),
			// Nodes reach the API privately; people and CI through the
			// public endpoint, from the listed sources only.
			EndpointPrivateAccess: pulumi.Bool(true),
			EndpointPublicAccess:  pulumi.Bool(true),
			PublicAccessCidrs:     pulumi.ToStringArray(cidrs),
		},
		EncryptionConfig: &awseks.ClusterEncryptionConfigArgs{
			Provider:  &awseks.ClusterEncryptionConfigProviderArgs{KeyArn: key.Arn},
			Resources: pulumi.ToStringArray([]string{"secrets"}),
		},
		EnabledClusterLogTypes: pulumi.ToStringArray(logTypes),
		// Access entries only (no aws-auth ConfigMap); whoever creates the
		// cluster administers it, no static credentials.
		AccessConfig: &awseks.ClusterAccessConfigArgs{
			AuthenticationMode:                      pulumi.String("API"),
			BootstrapClusterCreatorAdminPermissions: pulumi.Bool(true),
		},
		Tags: pulumi.StringMap{"app": pulumi.String("livekit")},
		// EKS has no deletion protection of its own here: protect keeps
		// Pulumi from deleting it.
	}, parent, protect, pulumi.DependsOn(deps))
	if err != nil {
		return nil, err
	}

	nodeRole, err := iam.NewRole(ctx, name+"-nodes", &iam.RoleArgs{
		Description:       pulumi.String("EKS nodes of " + name),
		AssumeRolePolicy:  pulumi.String(trustPolicy("ec2.amazonaws.com", "sts:AssumeRole")),
		ManagedPolicyArns: pulumi.ToStringArray(EKSNodePolicies),
	}, parent)
	if err != nil {
		return nil, err
	}
	// Pulls through the ECR pull-through cache need more than the managed
	// read-only policy: the first pull imports the image and creates the
	// repository, on this stack's repositories only.
	if pull := awsc.PullStatements(args.PullRepositoryArnPattern); pull != nil {
		doc, err := awsc.PolicyJSON(pull...)
		if err != nil {
			return nil, err
		}
		if _, err := iam.NewRolePolicy(ctx, name+"-nodes-pull", &iam.RolePolicyArgs{Role: nodeRole.Name, Policy: pulumi.String(doc)}, parent); err != nil {
			return nil, err
		}
	}
	if _, err := awseks.NewAddon(ctx, name+"-pod-identity", &awseks.AddonArgs{
		ClusterName: cluster.Name,
		AddonName:   pulumi.String("eks-pod-identity-agent"),
	}, parent); err != nil {
		return nil, err
	}
	return &eksPlane{cluster: cluster, nodeRole: nodeRole}, nil
}

// eksNodeGroups declares the LiveKit group (public subnets, a public IP per
// node, the media security group) and the system group (private subnets).
func eksNodeGroups(ctx *pulumi.Context, name string, args *MediaClusterArgs, c *eksPlane, parent pulumi.ResourceOption) ([]pulumi.Resource, error) {
	mediaGroup, err := c.nodeGroup(ctx, name+"-media", nodeGroupArgs{
		Description: "LiveKit nodes: public IP, media security group, IMDSv2",
		// Media reaches each node at its own public IP; the subnet does not
		// hand one out by itself. The media group admits 7880 from the ALB,
		// 7881/tcp and the UDP media ports from anywhere.
		SecurityGroupID: args.MediaSecurityGroupID, PublicIP: true, Subnets: args.PublicSubnetIDs,
		InstanceType: args.InstanceType, CapacityType: "ON_DEMAND",
		// One LiveKit pod per node (host ports): the pod bounds are the
		// node bounds.
		Min: args.Scaling.Min, Max: args.Scaling.Max, Autoscaled: true,
		Role: EKSMediaRole,
	}, parent)
	if err != nil {
		return nil, err
	}
	systemGroup, err := c.nodeGroup(ctx, name+"-system", nodeGroupArgs{
		Description:  "System nodes: IMDSv2",
		Subnets:      args.PrivateSubnetIDs,
		InstanceType: args.SystemInstanceType,
		Min:          args.SystemNodes, Max: args.SystemNodes,
		Role: EKSSystemRole,
	}, parent)
	if err != nil {
		return nil, err
	}
	return []pulumi.Resource{mediaGroup, systemGroup}, nil
}

// EKSKubeconfig returns a kubeconfig for an EKS cluster that authenticates
// with `aws eks get-token` (the credentials of whoever runs Pulumi).
func EKSKubeconfig(clusterName, endpoint, caData, region string) (string, error) {
	return lkk8s.ExecKubeconfig(clusterName, endpoint, caData, map[string]any{
		"apiVersion": "client.authentication.k8s.io/v1beta1",
		"command":    "aws",
		"args":       []string{"eks", "get-token", "--cluster-name", clusterName, "--region", region, "--output", "json"},
	})
}

// trustPolicy lets a service principal assume a role.
func trustPolicy(service string, actions ...string) string {
	b, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Effect": "Allow", "Action": actions,
			"Principal": map[string]any{"Service": service},
		}},
	})
	return string(b)
}
