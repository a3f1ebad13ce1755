package gcp_test

import (
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/gcp"
	"github.com/livekit-infra/livekit-infra/components/imageref"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// The GKE MediaCluster needs a cluster, the LiveKit chart and a Gateway:
// its runnable example is the committed stack (lkinfra plan --stack gcp-eu).

// exampleConfig is the examples' stack config (plan.Example plans them
// offline, under the same mocks as `lkinfra plan`).
var exampleConfig = map[string]string{"gcp:project": "example-project", "gcp:region": "europe-west1"}

// exampleNetwork is the network the examples build on.
func exampleNetwork(ctx *pulumi.Context) (*gcp.Network, error) {
	return gcp.NewNetwork(ctx, "livekit", &gcp.NetworkArgs{
		NetworkArgs: components.NetworkArgs{
			CIDR:        netip.MustParsePrefix("10.10.0.0/20"),
			NATGateways: "single",
			Media:       livekit.MediaPorts{Start: 50000, End: 60000},
		},
		Region:             "europe-west1",
		PodsCIDR:           netip.MustParsePrefix("10.20.0.0/16"),
		ServicesCIDR:       netip.MustParsePrefix("10.24.0.0/20"),
		PrivateServiceCIDR: netip.MustParsePrefix("10.30.0.0/20"),
		FlowLogs:           true,
	})
}

// A custom-mode VPC with one regional subnet (secondary ranges for GKE),
// Cloud NAT, and firewall rules that open media to the LiveKit nodes only.
func ExampleNewNetwork() {
	p := plan.ExampleOn(exampleConfig, exampleNetwork, func(ctx *pulumi.Context, network *gcp.Network) (pulumi.Map, error) {
		return pulumi.Map{"network": network.NetworkID}, nil
	})
	fmt.Println(len(p.ByType("gcp:compute/subnetwork:Subnetwork")), "subnet,", len(p.ByType("gcp:compute/routerNat:RouterNat")), "Cloud NAT")
	// Output: 1 subnet, 1 Cloud NAT
}

// Memorystore for Redis, Standard tier: a replica in another zone, AUTH and
// TLS, reachable over private service access only.
func ExampleNewRedisCache() {
	p := plan.ExampleOn(exampleConfig, exampleNetwork, func(ctx *pulumi.Context, network *gcp.Network) (pulumi.Map, error) {
		redis, err := gcp.NewRedisCache(ctx, "livekit-redis", &gcp.RedisCacheArgs{
			RedisCacheArgs:           components.RedisCacheArgs{EngineVersion: "REDIS_7_2", Protect: true},
			Region:                   "europe-west1",
			NetworkID:                network.NetworkID,
			PrivateServiceRange:      network.PrivateServiceRange,
			PrivateServiceConnection: network.PrivateServiceConnection,
			MemoryGB:                 1,
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"redis": redis.Address}, nil
	})
	inst := p.ByType("gcp:redis/instance:Instance")[0]
	tier, _ := inst.Input("tier")
	auth, _ := inst.Input("authEnabled")
	tls, _ := inst.Input("transitEncryptionMode")
	fmt.Println(tier, "AUTH:", auth, "TLS:", tls)
	// Output: STANDARD_HA AUTH: true TLS: SERVER_AUTHENTICATION
}

// A private Cloud Storage bucket for recordings (no CDN here: with one, a
// backend bucket serves signed URLs only): uniform access, public access
// prevention, versioning, Nearline after 30 days.
func ExampleNewRecordings() {
	p := plan.Example(exampleConfig, func(ctx *pulumi.Context) (pulumi.Map, error) {
		rec, err := gcp.NewRecordings(ctx, "livekit-recordings", &gcp.RecordingsArgs{
			RecordingsArgs: components.RecordingsArgs{TransitionDays: 30, ExpireDays: 365, Protect: true},
			Project:        "example-project",
			Location:       "europe-west1",
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"bucket": rec.Bucket}, nil
	})
	bucket := p.ByType("gcp:storage/bucket:Bucket")[0]
	prevention, _ := bucket.Input("publicAccessPrevention")
	uniform, _ := bucket.Input("uniformBucketLevelAccess")
	fmt.Println("public access prevention:", prevention, "uniform access:", uniform)
	// Output: public access prevention: enforced uniform access: true
}

// An Artifact Registry remote repository of Docker Hub in the region: GKE
// nodes pull LiveKit by digest from it.
func ExampleNewRegistryMirror() {
	lk := imageref.MustParse(livekit.Image)
	var image string
	p := plan.Example(exampleConfig, func(ctx *pulumi.Context) (pulumi.Map, error) {
		mirror, err := gcp.NewRegistryMirror(ctx, "livekit-mirror", &gcp.RegistryMirrorArgs{
			RegistryMirrorArgs: components.RegistryMirrorArgs{Images: []imageref.Ref{lk}},
			Project:            "example-project",
			Region:             "europe-west1",
			RepositoryID:       "docker-hub-dev",
		})
		if err != nil {
			return nil, err
		}
		image, err = mirror.Image(lk)
		return pulumi.Map{}, err
	})
	repo := p.ByType("gcp:artifactregistry/repository:Repository")[0]
	mode, _ := repo.Input("mode")
	fmt.Println(mode)
	fmt.Println(image)
	// Output:
	// REMOTE_REPOSITORY
	// europe-west1-docker.pkg.dev/example-project/docker-hub-dev/livekit/livekit-server:v1.13.5@sha256:3497163e15c48fef6e7830c78716f9e9d5edc28abf7aa90b61c86e93bbc306b1
}

// A Cloud Billing budget on the project: one threshold rule per
// percentage, mailing a Cloud Monitoring email channel.
func ExampleNewBudget() {
	p := plan.Example(exampleConfig, func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := gcp.NewBudget(ctx, "livekit-budget", &gcp.BudgetArgs{
			BudgetArgs: components.BudgetArgs{
				BudgetName: "livekit-dev", Amount: 4500, Currency: "USD",
				Thresholds: []float64{80, 100}, Emails: []string{"finops@example.com"},
			},
			BillingAccount: "000000-AAAAAA-BBBBBB",
			Project:        "example-project",
		})
		return pulumi.Map{}, err
	})
	b := p.ByType("gcp:billing/budget:Budget")[0]
	rules, _ := b.Input("thresholdRules")
	fmt.Println("threshold rules:", len(rules.([]any)), "email channels:", len(p.ByType("gcp:monitoring/notificationChannel:NotificationChannel")))
	// Output: threshold rules: 2 email channels: 1
}

// The region's alerting on Cloud Monitoring: the rendered LiveKit alert
// rules as PromQL alert policies on Managed Prometheus, mailed to on-call.
func ExampleNewMonitoring() {
	region := observability.Region{Stack: "dev", Cloud: "gcp", Region: "europe-west1",
		MaxNodes: 10, CPUTargetPercent: 70, SysloadLimitPercent: 90, NodeVCPUs: 3, NoHealthProbe: true}
	rules, err := region.Rules()
	if err != nil {
		panic(err)
	}
	alerts := 0
	for _, g := range rules.Groups {
		alerts += len(g.Rules)
	}
	p := plan.Example(exampleConfig, func(ctx *pulumi.Context) (pulumi.Map, error) {
		mon, err := gcp.NewMonitoring(ctx, "livekit-monitoring", &gcp.MonitoringArgs{
			MonitoringArgs: components.MonitoringArgs{Emails: []string{"oncall@example.com"}},
			Project:        "example-project",
			Rules:          rules,
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"channels": mon.Channels}, nil
	})
	policies := p.ByType("gcp:monitoring/alertPolicy:AlertPolicy")
	fmt.Println("rules:", alerts, "alert policies:", len(policies), "email channels:", len(p.ByType("gcp:monitoring/notificationChannel:NotificationChannel")))
	// Output: rules: 5 alert policies: 5 email channels: 1
}
