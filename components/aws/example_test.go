package aws_test

import (
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/aws"
	"github.com/livekit-infra/livekit-infra/components/imageref"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/components/routing"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// exampleConfig is the examples' stack config (plan.Example plans them
// offline, under the same mocks as `lkinfra plan`).
var exampleConfig = map[string]string{"aws:region": "us-west-2"}

// exampleNetwork is the network the examples build on.
func exampleNetwork(ctx *pulumi.Context) (*aws.Network, error) {
	return aws.NewNetwork(ctx, "livekit", &components.NetworkArgs{
		CIDR:        netip.MustParsePrefix("10.0.0.0/16"),
		NATGateways: "none",
		Media:       livekit.MediaPorts{Start: 50000, End: 60000},
	})
}

// A VPC for one LiveKit region: public subnets for the nodes (media goes
// straight to each node's public IP), private ones for Redis, no NAT.
func ExampleNewNetwork() {
	p := plan.ExampleOn(exampleConfig, exampleNetwork, func(ctx *pulumi.Context, network *aws.Network) (pulumi.Map, error) {
		return pulumi.Map{"vpc": network.NetworkID}, nil
	})
	fmt.Println(len(p.ByType("aws:ec2/subnet:Subnet")), "subnets,", len(p.ByType("aws:ec2/natGateway:NatGateway")), "NAT gateways")
	// Output: 6 subnets, 0 NAT gateways
}

// ElastiCache with TLS and AUTH, reachable from the LiveKit tasks' security
// group only, with a failover replica.
func ExampleNewRedisCache() {
	p := plan.ExampleOn(exampleConfig, exampleNetwork, func(ctx *pulumi.Context, network *aws.Network) (pulumi.Map, error) {
		redis, err := aws.NewRedisCache(ctx, "livekit-redis", &aws.RedisCacheArgs{
			RedisCacheArgs:        components.RedisCacheArgs{EngineVersion: "7.1", Protect: true},
			AuthToken:             pulumi.ToSecret(pulumi.String("example-auth-token-0123456789")).(pulumi.StringOutput),
			VpcID:                 network.NetworkID,
			SubnetIDs:             network.PrivateSubnetIDs,
			ClientSecurityGroupID: network.MediaFirewallID,
			NodeType:              "cache.t4g.small",
			Nodes:                 2,
			MaintenanceWindow:     "sun:05:00-sun:06:00",
			SnapshotWindow:        "03:00-04:00",
			SnapshotRetentionDays: 7,
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"redis": redis.Address}, nil
	})
	rg, _ := p.Find("aws:elasticache/replicationGroup:ReplicationGroup", "livekit-redis")
	tls, _ := rg.Input("transitEncryptionEnabled")
	failover, _ := rg.Input("automaticFailoverEnabled")
	fmt.Println("TLS:", tls, "failover:", failover, "AUTH token secret:", rg.IsSecret("authToken"))
	// Output: TLS: true failover: true AUTH token secret: true
}

// A private, encrypted recordings bucket behind a CloudFront distribution
// that serves signed URLs only.
func ExampleNewRecordings() {
	p := plan.Example(exampleConfig, func(ctx *pulumi.Context) (pulumi.Map, error) {
		rec, err := aws.NewRecordings(ctx, "livekit-recordings", &aws.RecordingsArgs{
			RecordingsArgs: components.RecordingsArgs{
				CDN: true, CDNHostname: "recordings.example.com", ZoneID: "Z0123456789EXAMPLE",
				TransitionDays: 30, ExpireDays: 365, Protect: true,
			},
			PriceClass: "PriceClass_100",
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"bucket": rec.Bucket}, nil
	})
	dist := p.ByType("aws:cloudfront/distribution:Distribution")[0]
	groups, _ := dist.Input("defaultCacheBehavior.trustedKeyGroups")
	fmt.Println("buckets:", len(p.ByType("aws:s3/bucketV2:BucketV2")), "signed URLs only:", len(groups.([]any)) == 1)
	// Output: buckets: 1 signed URLs only: true
}

// LiveKit on ECS Fargate: tasks with their own public IPs for media, an
// HTTPS ALB (health check GET /) for signaling, CPU target tracking.
func ExampleNewMediaCluster() {
	p := plan.ExampleOn(exampleConfig, exampleNetwork, func(ctx *pulumi.Context, network *aws.Network) (pulumi.Map, error) {
		cluster, err := aws.NewMediaCluster(ctx, "livekit", &aws.MediaClusterArgs{
			MediaClusterArgs: components.MediaClusterArgs{
				Image:          livekit.Image,
				Config:         pulumi.ToSecret(pulumi.String("port: 7880\n")).(pulumi.StringOutput),
				Hostname:       "eu.livekit.example.com",
				GlobalHostname: "livekit.example.com",
				ZoneID:         "Z0123456789EXAMPLE",
				Media:          livekit.MediaPorts{Start: 50000, End: 60000},
				Scaling:        components.Scaling{Min: 2, Max: 10, CPUTarget: 60},
				DrainSeconds:   120, LogRetentionDays: 30, Protect: true,
			},
			Region:                      "us-west-2",
			Cooldowns:                   aws.Cooldowns{ScaleOut: 60, ScaleIn: 300},
			VpcID:                       network.NetworkID,
			PublicSubnetIDs:             network.PublicSubnetIDs,
			MediaSecurityGroupID:        network.MediaFirewallID,
			LoadBalancerSecurityGroupID: network.LoadBalancerSecurityGroupID,
			TaskCPU:                     2048,
			TaskMemory:                  4096,
			ALBIdleTimeout:              3600,
			ALBSSLPolicy:                "ELBSecurityPolicy-TLS13-1-2-2021-06",
			RedisOutageTolerance:        60,
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"url": cluster.URL}, nil
	})
	tg := p.ByType("aws:lb/targetGroup:TargetGroup")[0]
	path, _ := tg.Input("healthCheck.path")
	svc := p.ByType("aws:ecs/service:Service")[0]
	publicIP, _ := svc.Input("networkConfiguration.assignPublicIp")
	fmt.Printf("health check GET %v, public IP per task: %v\n", path, publicIP)
	// Output: health check GET /, public IP per task: true
}

// GeoDNS over two regions: Europe served by eu, everything else by us,
// each failing over to the other on its GET / health check.
func ExampleNewGlobalTraffic() {
	routes, err := routing.New(routing.Config{
		Hostname: "livekit.example.com", Zone: "example.com", Mode: routing.Geolocation, TTL: 30,
		Regions: []routing.Region{
			{Name: "us", Latitude: 45.5, Longitude: -122.7, Continents: []routing.Continent{routing.NorthAmerica}},
			{Name: "eu", Latitude: 50.1, Longitude: 8.7, Continents: []routing.Continent{routing.Europe}},
		},
	})
	if err != nil {
		panic(err)
	}
	p := plan.Example(exampleConfig, func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := aws.NewGlobalTraffic(ctx, "livekit-global", &aws.GlobalTrafficArgs{GlobalTrafficArgs: components.GlobalTrafficArgs{
			ZoneID: "Z0123456789EXAMPLE",
			Plan:   routes,
			Regions: []components.GlobalTrafficRegion{
				{Name: "us", Hostname: pulumi.String("us.livekit.example.com"), URL: pulumi.String("wss://us.livekit.example.com")},
				{Name: "eu", Hostname: pulumi.String("eu.livekit.example.com"), URL: pulumi.String("wss://eu.livekit.example.com")},
			},
			HealthCheck:        routing.HealthCheck{IntervalSeconds: 10, FailureThreshold: 3},
			HealthCheckRegions: []string{"us-east-1", "eu-west-1", "ap-southeast-1"},
		}})
		return pulumi.Map{}, err
	})
	for _, hc := range p.ByType("aws:route53/healthCheck:HealthCheck") {
		fqdn, _ := hc.Input("fqdn")
		path, _ := hc.Input("resourcePath")
		fmt.Printf("%v GET %v\n", fqdn, path)
	}
	// Unordered output:
	// us.livekit.example.com GET /
	// eu.livekit.example.com GET /
}

// An ECR pull-through cache of Docker Hub: tasks pull LiveKit by digest from
// the region's own registry, never from Docker Hub's rate-limited endpoint.
func ExampleNewRegistryMirror() {
	lk := imageref.MustParse(livekit.Image)
	var image string
	p := plan.Example(exampleConfig, func(ctx *pulumi.Context) (pulumi.Map, error) {
		mirror, err := aws.NewRegistryMirror(ctx, "livekit-mirror", &aws.RegistryMirrorArgs{
			RegistryMirrorArgs: components.RegistryMirrorArgs{Images: []imageref.Ref{lk}},
			Region:             "us-west-2",
			RepositoryPrefix:   "docker-hub/dev",
		})
		if err != nil {
			return nil, err
		}
		image, err = mirror.Image(lk)
		return pulumi.Map{}, err
	})
	rule := p.ByType("aws:ecr/pullThroughCacheRule:PullThroughCacheRule")[0]
	upstream, _ := rule.Input("upstreamRegistryUrl")
	fmt.Println("upstream:", upstream)
	fmt.Println(image)
	// Output:
	// upstream: registry-1.docker.io
	// 123456789012.dkr.ecr.us-west-2.amazonaws.com/docker-hub/dev/livekit/livekit-server:v1.13.5@sha256:3497163e15c48fef6e7830c78716f9e9d5edc28abf7aa90b61c86e93bbc306b1
}

// A monthly cost budget that mails finance at 80 and 100 % of actual spend.
func ExampleNewBudget() {
	p := plan.Example(exampleConfig, func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := aws.NewBudget(ctx, "livekit-budget", &aws.BudgetArgs{BudgetArgs: components.BudgetArgs{
			BudgetName: "livekit-dev", Amount: 3000, Currency: "USD",
			Thresholds: []float64{80, 100}, Emails: []string{"finops@example.com"},
		}})
		return pulumi.Map{}, err
	})
	b := p.ByType("aws:budgets/budget:Budget")[0]
	limit, _ := b.Input("limitAmount")
	notes, _ := b.Input("notifications")
	fmt.Println("limit:", limit, "USD a month, notifications:", len(notes.([]any)))
	// Output: limit: 3000 USD a month, notifications: 2
}

// The global stack's central metrics view: one Amazon Managed Service for
// Prometheus workspace, a remote-write-only role per writing region
// (assumable by that region's collector identity alone) and a query-only
// reader role.
func ExampleNewCentralMetrics() {
	p := plan.Example(exampleConfig, func(ctx *pulumi.Context) (pulumi.Map, error) {
		central, err := aws.NewCentralMetrics(ctx, "livekit-metrics", &aws.CentralMetricsArgs{CentralMetricsArgs: components.CentralMetricsArgs{
			Writers: []components.MetricsWriter{
				{Region: "us", RoleARN: "arn:aws:iam::123456789012:role/livekit-us-task"},
				{Region: "eu", RoleARN: "arn:aws:iam::123456789012:role/livekit-eu-task"},
			},
			Protect: true,
		}})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"writers": central.WriterRoleARNs}, nil
	})
	writers, _ := p.Outputs["writers"].(map[string]any)
	fmt.Println("workspaces:", len(p.ByType("aws:amp/workspace:Workspace")), "writer roles:", len(writers))
	// Output: workspaces: 1 writer roles: 2
}

// The region's audit logs: VPC flow logs into a private, TLS-only log
// bucket whose objects expire after 90 days.
func ExampleNewAuditLogs() {
	p := plan.ExampleOn(exampleConfig, exampleNetwork, func(ctx *pulumi.Context, network *aws.Network) (pulumi.Map, error) {
		logs, err := aws.NewAuditLogs(ctx, "livekit-logs", &aws.AuditLogsArgs{
			Region: "us-west-2", VpcID: network.NetworkID, RetentionDays: 90, Flow: true, Protect: true,
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"bucket": logs.Bucket}, nil
	})
	flow := p.ByType("aws:ec2/flowLog:FlowLog")[0]
	dest, _ := flow.Input("logDestinationType")
	block := p.ByType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")[0]
	public, _ := block.Input("restrictPublicBuckets")
	fmt.Println("flow logs to:", dest, "public access restricted:", public)
	// Output: flow logs to: s3 public access restricted: true
}

// The region's alarm topic (mailed to on-call) and the CloudWatch alarms
// on what the cloud measures itself: each Redis node's memory and CPU, and
// the signaling ALB's 5xx and unhealthy targets.
func ExampleNewMonitoring() {
	p := plan.Example(exampleConfig, func(ctx *pulumi.Context) (pulumi.Map, error) {
		mon, err := aws.NewMonitoring(ctx, "livekit-monitoring", &aws.MonitoringArgs{
			MonitoringArgs:          components.MonitoringArgs{Emails: []string{"oncall@example.com"}},
			Region:                  "us-west-2",
			RedisReplicationGroupID: pulumi.String("livekit-redis"),
			RedisNodes:              2,
			LoadBalancerArnSuffix:   pulumi.String("app/livekit/0123456789abcdef"),
			TargetGroupArnSuffix:    pulumi.String("targetgroup/livekit/0123456789abcdef"),
			AlarmThresholds:         components.AlarmThresholds{RedisMemoryPercent: 80, RedisCPUPercent: 80, LoadBalancer5xxPerMin: 10},
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"topic": mon.AlarmTopic}, nil
	})
	fmt.Println("topics:", len(p.ByType("aws:sns/topic:Topic")), "email subscriptions:", len(p.ByType("aws:sns/topicSubscription:TopicSubscription")))
	for _, a := range p.ByType("aws:cloudwatch/metricAlarm:MetricAlarm") {
		if m, _ := a.Input("metricName"); m == "DatabaseMemoryUsagePercentage" {
			threshold, _ := a.Input("threshold")
			fmt.Println("Redis memory alarm above", threshold, "%")
			break
		}
	}
	// Output:
	// topics: 1 email subscriptions: 1
	// Redis memory alarm above 80 %
}

// The region's Amazon Managed Service for Prometheus workspace (its own
// KMS key) with the rendered LiveKit alert rules as its rule groups.
func ExampleNewManagedPrometheus() {
	region := observability.Region{Stack: "dev", Cloud: "aws", Region: "us-west-2",
		MaxNodes: 10, CPUTargetPercent: 70, SysloadLimitPercent: 90, NodeVCPUs: 1.75, NoHealthProbe: true}
	rules, err := region.Rules()
	if err != nil {
		panic(err)
	}
	p := plan.Example(exampleConfig, func(ctx *pulumi.Context) (pulumi.Map, error) {
		amp, err := aws.NewManagedPrometheus(ctx, "livekit-prometheus", &aws.ManagedPrometheusArgs{
			Region: "us-west-2", Rules: rules, LogRetentionDays: 30, Protect: true,
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"workspace": amp.WorkspaceArn}, nil
	})
	ws := p.ByType("aws:amp/workspace:Workspace")[0]
	_, ownKey := ws.Input("kmsKeyArn")
	fmt.Println("workspaces:", len(p.ByType("aws:amp/workspace:Workspace")), "own KMS key:", ownKey,
		"rule namespaces:", len(p.ByType("aws:amp/ruleGroupNamespace:RuleGroupNamespace")))
	// Output: workspaces: 1 own KMS key: true rule namespaces: 1
}
