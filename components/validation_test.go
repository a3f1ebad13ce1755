package components_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/aws"
	"github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/components/gcp"
	"github.com/livekit-infra/livekit-infra/components/kubernetes"
)

// Every component validates through one path: the contract's checks, then
// its cloud's, all reported in one error naming each field, before anything
// is registered (so a nil context is never touched).
func TestOneValidationPathEveryCloud(t *testing.T) {
	contract := components.RedisCacheArgs{} // EngineVersion missing
	cases := []struct {
		name string
		new  func() error
		want []string
	}{
		{"aws RedisCache", func() error {
			_, err := aws.NewRedisCache(nil, "r", &aws.RedisCacheArgs{RedisCacheArgs: contract, Nodes: 1})
			return err
		}, []string{`RedisCache "r": invalid args`, "EngineVersion is required", "Nodes 1", "AuthToken is required", "VpcID, SubnetIDs, ClientSecurityGroupID are required"}},
		{"gcp RedisCache", func() error {
			_, err := gcp.NewRedisCache(nil, "r", &gcp.RedisCacheArgs{RedisCacheArgs: contract, MemoryGB: 0})
			return err
		}, []string{`RedisCache "r": invalid args`, "EngineVersion is required", `EngineVersion "" must be a Memorystore Redis 7 version`, "NetworkID, PrivateServiceRange, Region are required", "MemoryGB 0 must be 1-300"}},
		{"azure RedisCache", func() error {
			_, err := azure.NewRedisCache(nil, "r", &azure.RedisCacheArgs{RedisCacheArgs: contract, SKU: "Gold"})
			return err
		}, []string{`RedisCache "r": invalid args`, "EngineVersion is required", `SKU "Gold" must be Basic, Standard or Premium`, "ResourceGroupName, Location, VnetID, EndpointSubnetID are required"}},
		{"aws MediaCluster", func() error {
			_, err := aws.NewMediaCluster(nil, "m", &aws.MediaClusterArgs{
				MediaClusterArgs: components.MediaClusterArgs{Scaling: components.Scaling{Min: 3, Max: 2, CPUTarget: 99}},
				Spot:             &aws.FargateSpot{SpotWeight: 0},
				Cooldowns:        aws.Cooldowns{ScaleIn: -1},
			})
			return err
		}, []string{`MediaCluster "m": invalid args`, "Hostname is required", "Scaling.Max 2 is below Scaling.Min 3", "Scaling.CPUTarget 99 must be 10-95", "Spot weights 0", "RedisOutageTolerance 0", "Cooldowns {ScaleOut:0 ScaleIn:-1} must not be negative", "VpcID, PublicSubnetIDs, MediaSecurityGroupID, LoadBalancerSecurityGroupID are required"}},
		{"gcp MediaCluster", func() error {
			_, err := gcp.NewMediaCluster(nil, "m", &gcp.MediaClusterArgs{AllowPublicAPI: false})
			return err
		}, []string{`MediaCluster "m": invalid args`, "Image is required", "Project, Region, NetworkID", "MasterAuthorizedNetworks [] with AllowPublicAPI false"}},
		{"azure MediaCluster", func() error {
			_, err := azure.NewMediaCluster(nil, "m", &azure.MediaClusterArgs{MaxPods: 5})
			return err
		}, []string{`MediaCluster "m": invalid args`, "Config is required", "MaxPods 5 must be 10-250", "APIAuthorizedIPRanges is empty"}},
		{"azure ACI Egress", func() error {
			_, err := azure.NewACIEgress(nil, "e", &azure.ACIEgressArgs{EgressArgs: components.EgressArgs{
				Image: "livekit/egress:v1", Scaling: components.Scaling{Min: 1, Max: 3, CPUTarget: 60}, CPU: 8, MemoryGiB: 2,
			}})
			return err
		}, []string{`Egress "e": invalid args`, "Config is required", "MemoryGiB 2 is below the 4 GiB", "Scaling 1-3 must be one fixed count", "CPU 8 is above 4", "Location, ResourceGroupName, SubnetID are required"}},
		{"aws Budget", func() error {
			_, err := aws.NewBudget(nil, "b", &aws.BudgetArgs{BudgetArgs: components.BudgetArgs{Amount: -1, Currency: "EUR"}})
			return err
		}, []string{`Budget "b": invalid args`, "Amount is -1", "Emails is empty", `Currency "EUR": AWS Budgets' cost limits are in USD`}},
		{"aws Budget over ten thresholds", func() error {
			_, err := aws.NewBudget(nil, "b", &aws.BudgetArgs{BudgetArgs: components.BudgetArgs{BudgetName: "b", Amount: 100, Currency: "USD",
				Thresholds: []float64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110}, Emails: slices.Repeat([]string{"finops@example.com"}, 11)}})
			return err
		}, []string{`Budget "b": invalid args`, "11 Thresholds: AWS Budgets takes at most 10 notifications per budget", "11 emails: AWS Budgets takes at most 10 per notification"}},
		{"kubernetes LiveKitWorkload", func() error {
			_, err := kubernetes.NewLiveKitWorkload(nil, "w", &kubernetes.LiveKitWorkloadArgs{Scaling: components.Scaling{Min: 0, Max: 1, CPUTarget: 70}})
			return err
		}, []string{`LiveKitWorkload "w": invalid args`, "Provider is required", "Scaling.Min 0 must be at least 1"}},
		// The workloads carry their cluster's provider: read only after the check.
		{"kubernetes EgressWorkload", func() error {
			_, err := kubernetes.NewEgressWorkload(nil, "e", &kubernetes.EgressWorkloadArgs{ChartVersion: "1.9.0", Image: "livekit/egress:latest"})
			return err
		}, []string{`EgressWorkload "e": invalid args`, "Provider is required", "pin a version, not latest", "Config is required", `Resources.CPU "" must be`, `Resources.Memory "" must be`}},
		{"kubernetes MetricsAgent", func() error {
			_, err := kubernetes.NewMetricsAgent(nil, "a", &kubernetes.MetricsAgentArgs{Image: "prom/prometheus@sha256:" + strings.Repeat("a", 64), WriterRoleARN: "role/w"})
			return err
		}, []string{`MetricsAgent "a": invalid args`, "Provider is required", `WriterRoleARN "role/w"`, "Config must scrape"}},
		{"kubernetes nil args", func() error {
			_, err := kubernetes.NewMetricsAgent(nil, "a", nil)
			return err
		}, []string{`MetricsAgent "a": invalid args`, "args are required"}},
		{"aws CentralMetrics", func() error {
			_, err := aws.NewCentralMetrics(nil, "c", &aws.CentralMetricsArgs{CentralMetricsArgs: components.CentralMetricsArgs{Writers: []components.MetricsWriter{
				{Region: "gcp-eu", Issuer: "https://issuer.example.com", Subject: "system:serviceaccount:ns:*"},
				{Region: "gcp-eu", RoleARN: "arn:aws:iam::123456789012:role/a"},
				{Region: "aws-prod", RoleARN: "role/a"},
			}}})
			return err
		}, []string{`CentralMetrics "c": invalid args`, `"system:serviceaccount:ns:*" is not one Kubernetes service account`, `region "gcp-eu" is given twice`, `"role/a" is not an IAM role ARN`}},
		{"nil args", func() error {
			_, err := gcp.NewRecordings(nil, "x", nil)
			return err
		}, []string{`Recordings "x": invalid args`, "args are required"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.new()
			if err == nil {
				t.Fatal("accepted invalid args")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestArgErrorsRequire(t *testing.T) {
	e := components.NewArgErrors("X", "x")
	e.Require(components.Field{Name: "A", Missing: false})
	if e.Err() != nil {
		t.Fatalf("nothing missing, got %v", e.Err())
	}
	e.Require(components.Field{Name: "A", Missing: true})
	e.Require(components.Field{Name: "B", Missing: true}, components.Field{Name: "C", Missing: true}, components.Field{Name: "D"})
	e.AddErr(nil)
	got := e.Err().Error()
	for _, w := range []string{`X "x": invalid args`, "A is required", "B, C are required"} {
		if !strings.Contains(got, w) {
			t.Errorf("%q lacks %q", got, w)
		}
	}
	if strings.Contains(got, "D") {
		t.Errorf("%q names D, which is set", got)
	}
}
