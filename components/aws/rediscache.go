package aws

import (
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elasticache"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
)

// RedisCacheArgs adds the AWS placement to the contract.
type RedisCacheArgs struct {
	components.RedisCacheArgs

	// AuthToken is the AUTH password (a secret): ElastiCache takes the
	// token it is given, where Memorystore and Azure generate their own.
	AuthToken pulumi.StringInput

	VpcID pulumi.StringInput
	// SubnetIDs are private subnets in at least two zones.
	SubnetIDs pulumi.StringArrayInput
	// ClientSecurityGroupID is the LiveKit tasks' group, allowed to reach
	// 6379; EgressSecurityGroupID (optional) the Egress workers', the only
	// other one.
	ClientSecurityGroupID pulumi.StringInput
	EgressSecurityGroupID pulumi.StringInput
	NodeType              string
	// Nodes is primary + replicas; at least 2 for automatic failover.
	Nodes                 int
	MaintenanceWindow     string
	SnapshotWindow        string
	SnapshotRetentionDays int
}

// RedisCache is the ElastiCache replication group.
type RedisCache struct {
	pulumi.ResourceState
	components.RedisCacheOutputs

	// ReplicationGroupID names the group; its member clusters (the
	// CloudWatch CacheClusterId of each node) are <id>-001, <id>-002, ...
	ReplicationGroupID pulumi.StringOutput
}

// check runs the contract's checks, then the cloud's, reporting every problem at once.
func (a *RedisCacheArgs) check(e *components.ArgErrors) {
	a.RedisCacheArgs.Check(e)
	if a.Nodes < 2 {
		e.Add("Nodes %d: automatic failover and Multi-AZ need at least 2", a.Nodes)
	}
	if a.AuthToken == nil {
		e.Add("AuthToken is required: ElastiCache AUTH with TLS in transit")
	}
	e.Require(components.Field{Name: "VpcID", Missing: a.VpcID == nil}, components.Field{Name: "SubnetIDs", Missing: a.SubnetIDs == nil},
		components.Field{Name: "ClientSecurityGroupID", Missing: a.ClientSecurityGroupID == nil})
}

// NewRedisCache declares a Multi-AZ ElastiCache replication group with TLS in
// transit, AUTH and encryption at rest, reachable only from the LiveKit tasks.
func NewRedisCache(ctx *pulumi.Context, name string, args *RedisCacheArgs, opts ...pulumi.ResourceOption) (*RedisCache, error) {
	r := &RedisCache{}
	parent, err := components.Register(ctx, components.RedisCacheType, name, r, args, (*RedisCacheArgs).check, opts...)
	if err != nil {
		return nil, err
	}

	ingress := ec2.SecurityGroupIngressArray{&ec2.SecurityGroupIngressArgs{
		Protocol: pulumi.String("tcp"), FromPort: pulumi.Int(6379), ToPort: pulumi.Int(6379),
		SecurityGroups: pulumi.StringArray{args.ClientSecurityGroupID},
		Description:    pulumi.String("Redis from LiveKit tasks"),
	}}
	if args.EgressSecurityGroupID != nil {
		// Egress takes its jobs from the servers over this Redis (psrpc).
		ingress = append(ingress, &ec2.SecurityGroupIngressArgs{
			Protocol: pulumi.String("tcp"), FromPort: pulumi.Int(6379), ToPort: pulumi.Int(6379),
			SecurityGroups: pulumi.StringArray{args.EgressSecurityGroupID},
			Description:    pulumi.String("Redis from LiveKit Egress workers"),
		})
	}
	// The description stays as created: changing it replaces the group.
	sg, err := ec2.NewSecurityGroup(ctx, name+"-sg", &ec2.SecurityGroupArgs{
		VpcId:       args.VpcID,
		Description: pulumi.String("LiveKit Redis: 6379 from the LiveKit tasks only"),
		Ingress:     ingress,
		// No egress: Redis only answers.
		Egress: ec2.SecurityGroupEgressArray{},
		Tags:   pulumi.StringMap{"Name": pulumi.String(name)},
	}, parent)
	if err != nil {
		return nil, err
	}
	subnets, err := elasticache.NewSubnetGroup(ctx, name+"-subnets", &elasticache.SubnetGroupArgs{
		Description: pulumi.String("Private subnets for LiveKit Redis"),
		SubnetIds:   args.SubnetIDs,
	}, parent)
	if err != nil {
		return nil, err
	}

	family := "redis7"
	if strings.HasPrefix(args.EngineVersion, "6.") {
		family = "redis6.x"
	}
	// The default groups use volatile-lru; every cloud uses
	// components.RedisEvictionPolicy.
	params, err := elasticache.NewParameterGroup(ctx, name+"-params", &elasticache.ParameterGroupArgs{
		Family:      pulumi.String(family),
		Description: pulumi.String("LiveKit: maxmemory-policy " + components.RedisEvictionPolicy),
		Parameters: elasticache.ParameterGroupParameterArray{
			&elasticache.ParameterGroupParameterArgs{Name: pulumi.String("maxmemory-policy"), Value: pulumi.String(components.RedisEvictionPolicy)},
		},
	}, parent)
	if err != nil {
		return nil, err
	}
	rg, err := elasticache.NewReplicationGroup(ctx, name, &elasticache.ReplicationGroupArgs{
		Description:              pulumi.String("LiveKit room state and node routing (region-local)"),
		Engine:                   pulumi.String("redis"),
		EngineVersion:            pulumi.String(args.EngineVersion),
		ParameterGroupName:       params.Name,
		NodeType:                 pulumi.String(args.NodeType),
		NumCacheClusters:         pulumi.Int(args.Nodes),
		Port:                     pulumi.Int(6379),
		AutomaticFailoverEnabled: pulumi.Bool(true),
		MultiAzEnabled:           pulumi.Bool(true),
		TransitEncryptionEnabled: pulumi.Bool(true),
		AtRestEncryptionEnabled:  pulumi.Bool(true),
		AuthToken:                args.AuthToken,
		// ROTATE keeps the old token valid beside a new one, so a changed
		// redisPassword disconnects no node still holding the old config.
		// Stated, not left to the provider: terraform-provider-aws v6
		// dropped this default, so a later pulumi-aws would send none.
		AuthTokenUpdateStrategy: pulumi.String("ROTATE"),
		SubnetGroupName:         subnets.Name,
		SecurityGroupIds:        pulumi.StringArray{sg.ID()},
		MaintenanceWindow:       pulumi.String(args.MaintenanceWindow),
		SnapshotWindow:          pulumi.String(args.SnapshotWindow),
		SnapshotRetentionLimit:  pulumi.Int(args.SnapshotRetentionDays),
		AutoMinorVersionUpgrade: pulumi.Bool(true),
		// Changes wait for the maintenance window instead of restarting the
		// primary mid-meeting.
		ApplyImmediately: pulumi.Bool(false),
		// Deleting the group (a replacement, a destroy) first snapshots it
		// (ElastiCache DeleteReplicationGroup FinalSnapshotIdentifier). The
		// name is fixed per stack and component: while that snapshot
		// exists, a second deletion fails rather than losing data.
		FinalSnapshotIdentifier: pulumi.String(FinalSnapshotName(ctx.Stack(), name)),
	}, parent, pulumi.Protect(args.Protect), pulumi.AdditionalSecretOutputs([]string{"authToken"}))
	if err != nil {
		return nil, err
	}

	r.Address = pulumi.Sprintf("%s:%d", rg.PrimaryEndpointAddress, rg.Port.Elem())
	r.Password = pulumi.ToSecret(args.AuthToken.ToStringOutput()).(pulumi.StringOutput)
	// ElastiCache's certificates chain to public Amazon roots.
	r.CACert = pulumi.String("").ToStringOutput()
	r.ReplicationGroupID = rg.ID().ToStringOutput()
	if err := ctx.RegisterResourceOutputs(r, pulumi.Map{
		"address": r.Address, "password": r.Password, "caCert": r.CACert,
		"replicationGroupId": r.ReplicationGroupID,
	}); err != nil {
		return nil, err
	}
	return r, nil
}

// FinalSnapshotName is the final snapshot's name of a stack's replication
// group: ElastiCache snapshot names start with a letter and hold letters,
// digits and single hyphens, not at the end.
func FinalSnapshotName(stack, name string) string {
	var b strings.Builder
	hyphen := true // no leading hyphen
	for _, r := range strings.ToLower(stack + "-" + name + "-final") {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			hyphen = false
		case !hyphen:
			b.WriteByte('-')
			hyphen = true
		}
	}
	out := strings.TrimSuffix(b.String(), "-")
	if out == "" || out[0] < 'a' || out[0] > 'z' {
		out = "lk-" + out
	}
	return out
}
