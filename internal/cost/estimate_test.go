package cost

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

const stackURN = "urn:pulumi:s::livekit-infra::pulumi:pulumi:Stack::livekit-infra-s"

func res(typ, name string, inputs map[string]any) plan.Resource {
	return plan.Resource{URN: "urn:pulumi:s::livekit-infra::" + typ + "::" + name, Type: typ, Name: name, Custom: true, Parent: stackURN, Inputs: inputs}
}

// component is a component resource (not custom) at the top of the stack.
func component(typ, name string) plan.Resource {
	return plan.Resource{URN: "urn:pulumi:s::livekit-infra::" + typ + "::" + name, Type: typ, Name: name, Parent: stackURN}
}

// inComponent returns the component c followed by rs, each moved under it.
func inComponent(c plan.Resource, rs ...plan.Resource) []plan.Resource {
	out := []plan.Resource{c}
	for _, r := range rs {
		r.Parent = c.URN
		out = append(out, r)
	}
	return out
}

// inMediaCluster puts rs under a MediaCluster component: the media sent to
// participants is priced only there (component: in the price files).
func inMediaCluster(rs ...plan.Resource) []plan.Resource {
	return inComponent(component(mediaClusterType, "livekit"), rs...)
}

func estimate(t *testing.T, regions map[string]string, kind string, cfg map[string]string, rs ...plan.Resource) *Estimate {
	t.Helper()
	cat, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return cat.Estimate(&plan.Plan{Stack: "s", Resources: rs}, Options{Regions: Regions{Kind: kind, By: regions}, Config: cfg})
}

func monthly(t *testing.T, e *Estimate, name string) Pair {
	t.Helper()
	for _, c := range e.Components {
		for _, r := range c.Resources {
			if r.Name == name {
				return r.Monthly
			}
		}
	}
	for _, r := range e.Unpriced {
		if r.Name == name {
			t.Fatalf("%s unpriced: %s", name, r.Unpriced)
		}
	}
	t.Fatalf("%s not in the estimate", name)
	return Pair{}
}

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 0.011 {
		t.Errorf("%s = %.4f, want %.4f (hand-computed)", what, got, want)
	}
}

// Hand-computed from aws-us-west-2.yaml's prices and 730 h a month, read from
// https://aws.amazon.com/fargate/pricing/, https://aws.amazon.com/vpc/pricing/,
// https://aws.amazon.com/elasticache/pricing/ and
// https://aws.amazon.com/elasticloadbalancing/pricing/.
func TestAWSPrices(t *testing.T) {
	e := estimate(t, map[string]string{"aws": "us-west-2"}, "aws", map[string]string{"livekit-infra:awsTaskCpu": "2048", "livekit-infra:cpuTarget": "70"},
		res("aws:appautoscaling/target:Target", "scale", map[string]any{"minCapacity": 3, "maxCapacity": 10}),
		res("aws:ecs/taskDefinition:TaskDefinition", "task", map[string]any{"cpu": "2048", "memory": "4096"}),
		res("aws:ec2/natGateway:NatGateway", "nat", map[string]any{}),
		res("aws:elasticache/replicationGroup:ReplicationGroup", "redis", map[string]any{"nodeType": "cache.t4g.medium", "numCacheClusters": 2}),
		res("aws:lb/loadBalancer:LoadBalancer", "alb", map[string]any{"loadBalancerType": "application", "subnets": []any{"a", "b", "c"}}),
		res("aws:lb/loadBalancer:LoadBalancer", "nlb", map[string]any{"loadBalancerType": "network", "subnets": []any{"a", "b", "c"}}),
	)
	if e.Nodes != (Nodes{3, 10}) {
		t.Fatalf("nodes = %+v, want 3..10 from the autoscaling target", e.Nodes)
	}
	// Fargate: 2 vCPU x $0.04048 + 4 GB x $0.004445 = $0.09874 per task-hour.
	task := monthly(t, e, "task")
	near(t, "Fargate at 3 tasks", task.Min, 3*730*(2*0.04048)+3*730*(4*0.004445))
	near(t, "Fargate at 10 tasks", task.Max, 10*730*(2*0.04048)+10*730*(4*0.004445))
	// NAT: $0.045 x 730 h + 10 GB (natDataGB) x $0.045 = $33.30.
	near(t, "NAT gateway", monthly(t, e, "nat").Min, 33.30)
	// Two cache.t4g.medium nodes: 2 x 730 x $0.065 = $94.90.
	near(t, "ElastiCache", monthly(t, e, "redis").Max, 94.90)
	// ALB: 730 x $0.0225 + 1 LCU x 730 x $0.008 + 3 public IPs x 730 x $0.005 = $33.215.
	near(t, "ALB", monthly(t, e, "alb").Min, 16.425+5.84+10.95)
	// TURN/TLS NLB: 730 x $0.0225 + 675 GB relayed (10,000 ph x 0.05 x 1.35 GB)
	// x 1 NLCU-hour per GB x $0.006 + 3 public IPs x 730 x $0.005 = $31.425.
	near(t, "NLB", monthly(t, e, "nlb").Min, 16.425+4.05+10.95)
	near(t, "total at minNodes", e.Total.Min, 3*730*0.09874+33.30+94.90+33.215+31.425)
}

// Hand-computed from gcp-europe-west1.yaml, read from
// https://cloud.google.com/compute/vm-instance-pricing,
// https://cloud.google.com/kubernetes-engine/pricing and
// https://cloud.google.com/memorystore/docs/redis/pricing.
func TestGCPPrices(t *testing.T) {
	e := estimate(t, map[string]string{"gcp": "europe-west1"}, "gcp", map[string]string{"livekit-infra:kind": "gcp", "livekit-infra:gcpPodCpu": "3"}, append(inMediaCluster(
		res("gcp:container/nodePool:NodePool", "pool", map[string]any{
			"autoscaling":   map[string]any{"totalMinNodeCount": 3, "totalMaxNodeCount": 10},
			"networkConfig": map[string]any{"enablePrivateNodes": false},
			"nodeConfig":    map[string]any{"machineType": "n2-standard-4", "diskSizeGb": 100, "diskType": "pd-balanced"},
		})),
		res("gcp:container/cluster:Cluster", "gke", map[string]any{}),
		res("gcp:redis/instance:Instance", "redis", map[string]any{"tier": "STANDARD_HA", "memorySizeGb": 5}),
		res("gcp:compute/targetSSLProxy:TargetSSLProxy", "turn", map[string]any{}),
		res("gcp:compute/globalForwardingRule:GlobalForwardingRule", "turn-rule", map[string]any{}),
		res("gcp:compute/routerNat:RouterNat", "nat", map[string]any{}),
	)...)
	// Per node: n2-standard-4 730 x $0.213748 + 100 GB x $0.11 + IP 730 x $0.005
	// = 156.036 + 11 + 3.65; media egress 10,000 ph x 0.675 GB x $0.12 = $810.
	perNode := 730*0.213748 + 100*0.11 + 730*0.005
	near(t, "node pool at 3", monthly(t, e, "pool").Min, 3*perNode+810)
	near(t, "node pool at 10", monthly(t, e, "pool").Max, 10*perNode+810)
	// Regional cluster fee 730 x $0.10 + 10 GiB logs x $0.50 = $78.
	near(t, "GKE cluster", monthly(t, e, "gke").Min, 78)
	// Memorystore Standard M2: 5 GB x 730 x $0.054 = $197.10.
	near(t, "Memorystore", monthly(t, e, "redis").Min, 197.10)
	// TURN/TLS proxy: 675 GiB relayed (10,000 ph x 0.05 x 1.35) x $0.008
	// data processed = $5.40; its forwarding rule, the stack's only one,
	// pays the whole flat "first 5" tier: 730 x $0.025 = $18.25
	// (https://cloud.google.com/load-balancing/pricing).
	near(t, "TURN proxy data processed", monthly(t, e, "turn").Min, 5.40)
	near(t, "TURN forwarding rule", monthly(t, e, "turn-rule").Min, 18.25)
	// Cloud NAT at 3 nodes: 3 x 730 x $0.0014 + 10 GiB (natDataGB) x $0.045
	// + its one address 730 x $0.005 = $7.166 (https://cloud.google.com/nat/pricing).
	near(t, "Cloud NAT at 3 nodes", monthly(t, e, "nat").Min, 3*730*0.0014+0.45+3.65)
}

// Hand-computed from azure-southeastasia.yaml, read from
// https://azure.microsoft.com/pricing/details/virtual-machines/linux/,
// https://azure.microsoft.com/pricing/details/cache/,
// https://azure.microsoft.com/pricing/details/ip-addresses/ and
// https://azure.microsoft.com/pricing/details/frontdoor/.
func TestAzurePrices(t *testing.T) {
	e := estimate(t, map[string]string{"azure": "southeastasia"}, "azure", nil, append(inMediaCluster(
		res("azure-native:containerservice/v20240801:AgentPool", "pool", map[string]any{"minCount": 3, "maxCount": 10, "vmSize": "Standard_D4s_v3"})),
		res("azure:redis/cache:Cache", "redis", map[string]any{"skuName": "Standard", "family": "C", "capacity": 1}),
		res("azure-native:network:PublicIPPrefix", "ips", map[string]any{"prefixLength": 28}),
		res("azure:cdn/frontdoorProfile:FrontdoorProfile", "afd", map[string]any{"skuName": "Standard_AzureFrontDoor"}),
		res("kubernetes:traefik.io/v1alpha1:IngressRouteTCP", "turn", map[string]any{}),
	)...)
	// Per node: D4s v3 730 x $0.24 + P10 disk $21.68; egress 6,750 GB x $0.12.
	near(t, "AKS pool at 10", monthly(t, e, "pool").Max, 10*(730*0.24+21.68)+810)
	// Standard C1: 730 x $0.169 = $123.37.
	near(t, "Azure Cache for Redis", monthly(t, e, "redis").Min, 123.37)
	// A /28 prefix is 16 addresses: 16 x 730 x $0.006 = $70.08.
	near(t, "public IP prefix", monthly(t, e, "ips").Min, 70.08)
	// Front Door Standard: $35 base + 100 GB x $0.109.
	near(t, "Front Door", monthly(t, e, "afd").Min, 35+10.90)
	// TURN/TLS through Traefik: 675 GB x $0.005 Standard Load Balancer data
	// processed = $3.375 (https://azure.microsoft.com/pricing/details/load-balancer/).
	near(t, "TURN data through the AKS load balancer", monthly(t, e, "turn").Min, 3.375)
}

// One TURN assumption prices every cloud's TURN/TLS path: the share of
// participant-hours relayed and the GB each relayed hour moves through the
// load balancer derive turnDataGB, which scales with participantHours (and
// so with the per-participant figure's full load) unless set outright.
func TestTURNAssumptionEveryCloud(t *testing.T) {
	cat, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	a := DefaultAssumptions()
	for _, kv := range []struct {
		k string
		v float64
	}{{"participantHours", 20000}, {"turnRelayShare", 0.2}, {"turnGBPerRelayedParticipantHour", 1}} {
		if err := a.Set(kv.k, kv.v); err != nil {
			t.Fatal(err)
		}
	}
	// 20,000 ph x 0.2 x 1 GB = 4,000 GB through the TURN load balancer.
	if got := a.usage("turnDataGB"); got != 4000 {
		t.Fatalf("turnDataGB = %v, want 4000 (derived)", got)
	}
	for _, c := range []struct {
		cloud, region string
		r             plan.Resource
		want          float64
	}{
		{"aws", "us-west-2", res("aws:lb/loadBalancer:LoadBalancer", "turn", map[string]any{"loadBalancerType": "network"}), 730*0.0225 + 4000*0.006},
		{"gcp", "europe-west1", res("gcp:compute/targetSSLProxy:TargetSSLProxy", "turn", nil), 4000 * 0.008},
		{"azure", "southeastasia", res("kubernetes:traefik.io/v1alpha1:IngressRouteTCP", "turn", nil), 4000 * 0.005},
	} {
		e := cat.Estimate(&plan.Plan{Stack: "s", Resources: []plan.Resource{c.r}}, Options{Regions: Regions{Kind: c.cloud, By: map[string]string{c.cloud: c.region}}, Assumptions: a})
		near(t, c.cloud+" TURN path at 4,000 GB", monthly(t, e, "turn").Min, c.want)
	}
	if err := a.Set("turnDataGB", 100); err != nil || a.usage("turnDataGB") != 100 {
		t.Errorf("turnDataGB set outright: %v %v", err, a.usage("turnDataGB"))
	}
	if err := a.Set("turnRelayShare", 1.5); err == nil || !strings.Contains(err.Error(), "turnRelayShare") || !strings.Contains(err.Error(), "between 0 and 1") {
		t.Errorf("a share above 1 must be refused naming it: %v", err)
	}
	// The per-participant figure relays its own participant-hours: 4 tasks x
	// 15 x 730 = 43,800 ph x 0.05 x 1.35 GB = 2,956.5 GB x $0.006 = $17.74
	// on the NLB (with its $16.43 hour charge) besides the tasks and media.
	e := estimate(t, map[string]string{"aws": "us-west-2"}, "aws", map[string]string{"livekit-infra:kind": "aws", "livekit-infra:awsTaskCpu": "2048", "livekit-infra:cpuTarget": "70"}, inMediaCluster(
		res("aws:appautoscaling/target:Target", "scale", map[string]any{"minCapacity": 1, "maxCapacity": 4}),
		res("aws:ecs/taskDefinition:TaskDefinition", "task", map[string]any{"cpu": "2048", "memory": "4096"}),
		res("aws:ecs/service:Service", "svc", map[string]any{}),
		res("aws:lb/loadBalancer:LoadBalancer", "turn", map[string]any{"loadBalancerType": "network"}),
	)...)
	ph := 4 * 15 * 730.0
	want := 4*730*0.09874 + ph*0.675*0.09 + 730*0.0225 + ph*0.05*1.35*0.006
	if pp := e.PerParticipantHour; pp == nil || math.Abs(pp.Monthly-want) > 0.05 {
		t.Errorf("per-participant month = %+v, want %.2f with the relayed share of its participant-hours", pp, want)
	}
}

func TestUnpricedIsListedNotZero(t *testing.T) {
	e := estimate(t, map[string]string{"aws": "us-west-2"}, "aws", nil,
		res("aws:ec2/natGateway:NatGateway", "nat", nil),
		res("aws:elasticache/replicationGroup:ReplicationGroup", "big", map[string]any{"nodeType": "cache.x9.huge", "numCacheClusters": 2}),
		res("aws:newservice/thing:Thing", "thing", nil),
	)
	if len(e.Unpriced) != 2 {
		t.Fatalf("unpriced = %+v, want the unknown node type and the unknown type", e.Unpriced)
	}
	for _, r := range e.Unpriced {
		switch r.Name {
		case "big":
			if !strings.Contains(r.Unpriced, `"cache.x9.huge"`) || !strings.Contains(r.Unpriced, "aws-us-west-2.yaml") {
				t.Errorf("unknown node type: %s", r.Unpriced)
			}
		case "thing":
			for _, want := range []string{"under types: in internal/cost/prices/aws-us-west-2.yaml", "under free: in internal/cost/prices/aws-global.yaml"} {
				if !strings.Contains(r.Unpriced, want) {
					t.Errorf("unknown type: %q lacks %q", r.Unpriced, want)
				}
			}
		}
	}
	near(t, "total (the NAT gateway only)", e.Total.Max, 33.30)
}

func TestNoNodesInRegionWithoutPriceFile(t *testing.T) {
	e := estimate(t, map[string]string{"aws": "eu-north-1"}, "aws", nil, res("aws:ec2/natGateway:NatGateway", "nat", nil), res("aws:ec2/vpc:Vpc", "vpc", nil),
		res("aws:cloudfront/distribution:Distribution", "cdn", map[string]any{}))
	if len(e.Unpriced) != 1 || !strings.Contains(e.Unpriced[0].Unpriced, "aws-eu-north-1.yaml") {
		t.Fatalf("a region without prices must list its priced resources as unpriced, naming the file: %+v", e.Unpriced)
	}
	// The estimate says so before anything else: which file is missing,
	// which exist, where to read how to add one, and that the total is only
	// what the global files price (CloudFront here).
	if len(e.MissingPriceFiles) != 1 || e.MissingPriceFiles[0].File != "aws-eu-north-1.yaml" ||
		strings.Join(e.MissingPriceFiles[0].Existing, ",") != "aws-us-east-1.yaml,aws-us-west-2.yaml" {
		t.Fatalf("missing price files %+v, want aws-eu-north-1.yaml (existing: aws-us-east-1.yaml, aws-us-west-2.yaml)", e.MissingPriceFiles)
	}
	var b strings.Builder
	e.Write(&b)
	out := b.String()
	if !strings.HasPrefix(out, "INCOMPLETE: no price file for aws region eu-north-1: internal/cost/prices/aws-eu-north-1.yaml does not exist (aws has aws-us-east-1.yaml, aws-us-west-2.yaml).") {
		t.Errorf("the output does not start by naming the missing price file:\n%s", out)
	}
	for _, want := range []string{`DEVELOPERS.md, "Cost"`, "covers only the 1 resources the global price files price; 1 resources are", "prices of 2026-12-06 (aws-global.yaml only)", "Total of the priced resources only"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// A priced region says nothing of the kind.
	e = estimate(t, map[string]string{"aws": "us-west-2"}, "aws", nil, res("aws:ec2/natGateway:NatGateway", "nat", nil))
	b.Reset()
	e.Write(&b)
	if len(e.MissingPriceFiles) != 0 || strings.Contains(b.String(), "INCOMPLETE") {
		t.Errorf("us-west-2 has a price file: %+v\n%s", e.MissingPriceFiles, b.String())
	}
}

func TestPerParticipantHour(t *testing.T) {
	e := estimate(t, map[string]string{"aws": "us-west-2"}, "aws", map[string]string{"livekit-infra:kind": "aws", "livekit-infra:awsTaskCpu": "2048", "livekit-infra:cpuTarget": "70"}, inMediaCluster(
		res("aws:appautoscaling/target:Target", "scale", map[string]any{"minCapacity": 1, "maxCapacity": 4}),
		res("aws:ecs/taskDefinition:TaskDefinition", "task", map[string]any{"cpu": "2048", "memory": "4096"}),
		res("aws:ecs/service:Service", "svc", map[string]any{}),
	)...)
	pp := e.PerParticipantHour
	if pp == nil {
		t.Fatal("no per-participant figure")
	}
	// floor(150 / 16 x 2 vCPU x 70 / 85) = 15 participants per task.
	if pp.ParticipantsPerNode != 15 {
		t.Fatalf("participants per node = %v, want 15", pp.ParticipantsPerNode)
	}
	ph := 4 * 15 * 730.0
	want := (4*730*0.09874 + ph*0.675*0.09) / ph
	if math.Abs(pp.PerHour-want) > 0.0001 {
		t.Errorf("per participant-hour = %.5f, want %.5f", pp.PerHour, want)
	}
	// The basis cites LiveKit's public page, never a file outside the repository.
	if !strings.Contains(pp.Basis, BenchSource) || strings.Contains(pp.Basis, "../") || !strings.HasPrefix(BenchSource, "https://docs.livekit.io/") {
		t.Errorf("basis %q must cite LiveKit's benchmark page (%s)", pp.Basis, BenchSource)
	}
	// 0.675 GB x $0.09 of media each participant-hour, the rest Fargate.
	if math.Abs(pp.MediaPerHour-0.675*0.09) > 0.0001 {
		t.Errorf("media per participant-hour = %.5f, want %.5f", pp.MediaPerHour, 0.675*0.09)
	}
}

// A usage assumption is the stack's month, shared by the resources that
// carry it: three log groups share the logs (aws-prod showed $14,957.94
// for 109,500 participant-hours when its whole month at maxNodes was
// $2,868.68, the media and logs counted once per resource). The media sent
// to participants is the LiveKit nodes' alone (component: MediaCluster):
// the Egress recorder's ECS service, of the same type, carries none of it,
// so Egress's component costs what turning Egress off saves.
func TestUsageIsSharedNotRepeated(t *testing.T) {
	cfg := map[string]string{"livekit-infra:kind": "aws", "livekit-infra:awsTaskCpu": "2048", "livekit-infra:cpuTarget": "70"}
	rs := inMediaCluster(
		res("aws:appautoscaling/target:Target", "scale", map[string]any{"minCapacity": 1, "maxCapacity": 4}),
		res("aws:ecs/taskDefinition:TaskDefinition", "task", map[string]any{"cpu": "2048", "memory": "4096"}),
		res("aws:ecs/service:Service", "svc", map[string]any{}),
	)
	rs = append(rs, inComponent(component("livekit-infra:index:Egress", "livekit-egress"),
		res("aws:appautoscaling/target:Target", "egress-scale", map[string]any{"minCapacity": 1, "maxCapacity": 2}),
		res("aws:ecs/service:Service", "egress", map[string]any{"networkConfiguration": map[string]any{"assignPublicIp": true}}),
	)...)
	rs = append(rs,
		res("aws:cloudwatch/logGroup:LogGroup", "logs-a", map[string]any{}),
		res("aws:cloudwatch/logGroup:LogGroup", "logs-b", map[string]any{}),
		res("aws:cloudwatch/logGroup:LogGroup", "logs-c", map[string]any{}),
	)
	e := estimate(t, map[string]string{"aws": "us-west-2"}, "aws", cfg, rs...)
	// 10,000 ph x 0.675 GB x $0.09 = $607.50 of media, all on the LiveKit service.
	near(t, "media egress of the LiveKit service", monthly(t, e, "svc").Min, 607.50)
	// The Egress service: its own tasks' public IPv4 addresses (1-2 x 730 h
	// x $0.005), no media.
	eg := monthly(t, e, "egress")
	near(t, "Egress service at its min", eg.Min, 730*0.005)
	near(t, "Egress service at its max", eg.Max, 2*730*0.005)
	for _, c := range e.Components {
		for _, r := range c.Resources {
			for _, l := range r.Lines {
				if l.Usage == "mediaEgressGB" && !strings.HasPrefix(c.Component, mediaClusterType+" ") {
					t.Errorf("%s %s (component %s) carries media: %+v", r.Type, r.Name, c.Component, l)
				}
			}
		}
	}
	var logs float64
	for _, n := range []string{"logs-a", "logs-b", "logs-c"} {
		logs += monthly(t, e, n).Min
	}
	// 10 GB logsGB x ($0.50 ingestion + $0.03 storage) = $5.30 across the three.
	near(t, "logs of the three groups", logs, 10*0.50+10*0.03)
	pp := e.PerParticipantHour
	if pp == nil {
		t.Fatal("no per-participant figure")
	}
	// 4 x 15 x 730 = 43,800 ph: Fargate 4 x 730 x $0.09874 = $288.32, media
	// 43,800 x 0.675 x $0.09 = $2,660.85 once, logs $5.30, the Egress
	// service's two addresses $7.30.
	ph := 4 * 15 * 730.0
	// (each line is rounded to the cent: a few cents of slack)
	if want := 4*730*0.09874 + ph*0.675*0.09 + 5.30 + 2*730*0.005; math.Abs(pp.Monthly-want) > 0.05 {
		t.Errorf("per participant-hour month = %.2f, want %.2f (hand-computed)", pp.Monthly, want)
	}
	if math.Abs(pp.MediaPerHour-0.675*0.09) > 0.0001 {
		t.Errorf("media per participant-hour = %.5f, want %.5f", pp.MediaPerHour, 0.675*0.09)
	}
}

func TestPriceFileChecks(t *testing.T) {
	fsys := fstest.MapFS{
		"p/aws-us-west-2.yaml": {Data: []byte(`cloud: aws
region: us-west-1
currency: USD
types:
  aws:ec2/eip:Eip:
    - item: ip
      unit: hour
      price: 0.005
      source: http://example.com
    - item: other
      unit: GB
      usage: nosuch
      source: https://example.com
    - item: media
      unit: GB
      usage: mediaEgressGB
      price: 0.09
      source: https://example.com
      checked: "no: a test"
    - item: recorder
      unit: GB
      component: Egress
      price: 0.09
      source: https://example.com
      checked: "no: a test"
free:
  aws:ec2/eip:Eip: ""
`)},
	}
	_, err := LoadFS(fsys, "p")
	if err == nil {
		t.Fatal("a broken price file loaded")
	}
	for _, want := range []string{"should be aws-us-west-1.yaml", "no date", "source must be the https URL", "needs price", `usage "nosuch"`, "both priced and free", "needs the reason", "needs component: livekit-infra:index:MediaCluster", `component "Egress" must be a component type`, "must say whether the price was re-read at its source"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestAssumptionsSet(t *testing.T) {
	a := DefaultAssumptions()
	if err := a.Set("participantHours", 2000); err != nil || a.usage("mediaEgressGB") != 2000*0.675 {
		t.Fatalf("participantHours drives mediaEgressGB: %v %v", err, a.usage("mediaEgressGB"))
	}
	if err := a.Set("nosuch", 1); err == nil || !strings.Contains(err.Error(), "unknown assumption") {
		t.Errorf("unknown name: %v", err)
	}
	if err := a.Set("cdnEgressGB", -1); err == nil {
		t.Error("a negative assumption was accepted")
	}
}

// An EKS region: the LiveKit node group scales between its bounds (the
// stack's nodes), the system group runs its fixed size.
// Hand-computed, us-west-2: c6i.xlarge $0.17 an hour (3 and 10 nodes:
// 3 x 730 x 0.17 = 372.30, 10 x 730 x 0.17 = 1241.00) plus a public IPv4
// per node ($0.005: 10.95 and 36.50); two t3.medium system nodes at
// $0.0416: 2 x 730 x 0.0416 = 60.736 (https://aws.amazon.com/ec2/pricing/on-demand/,
// https://aws.amazon.com/vpc/pricing/).
func TestEKSNodeGroupsPriced(t *testing.T) {
	media := res("aws:eks/nodeGroup:NodeGroup", "livekit-media", map[string]any{
		"instanceTypes": []any{"c6i.xlarge"},
		"labels":        map[string]any{"livekit-infra/role": "media"},
		"scalingConfig": map[string]any{"minSize": 3.0, "maxSize": 10.0, "desiredSize": 3.0},
	})
	system := res("aws:eks/nodeGroup:NodeGroup", "livekit-system", map[string]any{
		"instanceTypes": []any{"t3.medium"},
		"labels":        map[string]any{"livekit-infra/role": "system"},
		"scalingConfig": map[string]any{"minSize": 2.0, "maxSize": 2.0, "desiredSize": 2.0},
	})
	e := estimate(t, map[string]string{"aws": "us-west-2"}, "aws", map[string]string{"livekit-infra:kind": "aws"}, inMediaCluster(media, system)...)
	if e.Nodes != (Nodes{Min: 3, Max: 10}) {
		t.Errorf("nodes %+v, want the LiveKit group's 3-10 (not the system group's)", e.Nodes)
	}
	// Media egress is the stack's usage assumption: subtract it to compare.
	got := monthly(t, e, "livekit-media")
	a := DefaultAssumptions()
	egress := a.ParticipantHours * a.EgressGBPerParticipantHour * 0.09 // 10,000 x 0.675 GB x $0.09 = 607.50
	if math.Abs(got.Min-egress-(372.30+10.95)) > 0.02 || math.Abs(got.Max-egress-(1241.00+36.50)) > 0.02 {
		t.Errorf("LiveKit node group %+v, want 383.25 / 1277.50 plus media egress %.2f", got, egress)
	}
	if got := monthly(t, e, "livekit-system"); math.Abs(got.Min-60.74) > 0.01 || got.Max != got.Min {
		t.Errorf("system node group %+v, want 60.74 at both bounds", got)
	}
}

// Google prices global forwarding rules by count
// (https://cloud.google.com/load-balancing/pricing): the first 5 together
// $0.025 an hour, each additional one $0.01. Seven rules (one of them the
// rule GKE's Gateway creates, counted in the same group):
// 730 x $0.025 = $18.25 shared by the first five ($3.65 each), then
// 730 x $0.01 = $7.30 for the sixth and the seventh: $32.85 in all.
func TestGCPForwardingRuleTiers(t *testing.T) {
	var rs []plan.Resource
	for i := 1; i <= 6; i++ {
		rs = append(rs, res("gcp:compute/globalForwardingRule:GlobalForwardingRule", fmt.Sprintf("rule-%d", i), map[string]any{}))
	}
	rs = append(rs, res("kubernetes:gateway.networking.k8s.io/v1:Gateway", "gateway", map[string]any{}))
	e := estimate(t, map[string]string{"gcp": "europe-west1"}, "gcp", map[string]string{"livekit-infra:kind": "gcp"}, rs...)
	for i := 1; i <= 5; i++ {
		near(t, fmt.Sprintf("rule %d (flat tier)", i), monthly(t, e, fmt.Sprintf("rule-%d", i)).Max, 3.65)
	}
	near(t, "rule 6 (beyond 5)", monthly(t, e, "rule-6").Max, 7.30)
	near(t, "the Gateway's rule (7th)", monthly(t, e, "gateway").Max, 7.30)
	near(t, "seven rules", e.Total.Min, 32.85)
	near(t, "seven rules at maxNodes", e.Total.Max, 32.85)
	tiers := map[string]string{}
	for _, c := range e.Components {
		for _, r := range c.Resources {
			for _, l := range r.Lines {
				tiers[r.Name] = l.Tier
			}
		}
	}
	for name, want := range map[string]string{
		"rule-1":  "1 of 7 in the stack, in the first 5: 5 share a flat $0.025",
		"rule-5":  "5 of 7 in the stack, in the first 5",
		"rule-6":  "6 of 7 in the stack, beyond the first 5: $0.01",
		"gateway": "7 of 7 in the stack, beyond the first 5: $0.01",
	} {
		if !strings.Contains(tiers[name], want) {
			t.Errorf("%s: tier %q lacks %q", name, tiers[name], want)
		}
	}
	var out strings.Builder
	e.Write(&out)
	if !strings.Contains(out.String(), "tier: gcp-global-forwarding-rules: 6 of 7") {
		t.Errorf("the report does not show the tier on the line:\n%s", out.String())
	}

	// Three rules (gcp-eu's count) share the flat $18.25; the lines add up
	// to it to the cent.
	e = estimate(t, map[string]string{"gcp": "europe-west1"}, "gcp", map[string]string{"livekit-infra:kind": "gcp"}, rs[0], rs[1], rs[6])
	near(t, "three rules", e.Total.Max, 18.25)
	if e.Total.Max != 18.25 {
		t.Errorf("three rules = %v, want exactly 18.25", e.Total.Max)
	}
}

func TestTierChecks(t *testing.T) {
	fsys := fstest.MapFS{
		"p/gcp-global.yaml": {Data: []byte(`cloud: gcp
region: global
currency: USD
date: "2026-12-06"
types:
  gcp:a:A:
    - item: a
      unit: rule-hour
      hourly: true
      price: 0.01
      tier: {group: g, first: 5, flat: 0.025}
      source: https://example.com
      checked: "no: test"
  gcp:b:B:
    - item: b
      unit: rule-hour
      hourly: true
      price: 0.01
      tier: {group: g, first: 3, flat: 0.025}
      source: https://example.com
      checked: "no: test"
  gcp:c:C:
    - item: c
      unit: GB
      usage: logsGB
      price: 0.01
      tier: {group: h, first: 0, flat: 0.025}
      source: https://example.com
      checked: "no: test"
`)},
	}
	_, err := LoadFS(fsys, "p")
	if err == nil {
		t.Fatal("inconsistent tiers loaded")
	}
	for _, want := range []string{`tier group "g" differs`, "tier needs a group, first >= 1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// A priced type none of whose items applies to a resource (every when:
// fails, e.g. a node group with a role the price file does not know) is
// listed as unpriced, never a silent zero.
func TestNoItemAppliesIsUnpriced(t *testing.T) {
	gpu := res("aws:eks/nodeGroup:NodeGroup", "livekit-gpu", map[string]any{
		"instanceTypes": []any{"g5.xlarge"},
		"labels":        map[string]any{"livekit-infra/role": "gpu"},
		"scalingConfig": map[string]any{"minSize": 1.0, "maxSize": 1.0, "desiredSize": 1.0},
	})
	e := estimate(t, map[string]string{"aws": "us-west-2"}, "aws", map[string]string{"livekit-infra:kind": "aws"}, gpu)
	if len(e.Unpriced) != 1 || e.Unpriced[0].Name != "livekit-gpu" {
		t.Fatalf("unpriced = %+v, want the gpu node group", e.Unpriced)
	}
	if msg := e.Unpriced[0].Unpriced; !strings.Contains(msg, "no item of") || !strings.Contains(msg, "aws:eks/nodeGroup:NodeGroup") {
		t.Errorf("message %q does not say no item applies", msg)
	}
	if e.Total.Max != 0 {
		t.Errorf("total %+v counts an unpriced resource", e.Total)
	}
}

// An EKS region's Egress node group (#22) is priced per node within its
// own component's bounds (egressMinInstances/egressMaxInstances), and the
// stack's LiveKit nodes stay the MediaCluster's. Hand-computed, us-west-2:
// c6i.2xlarge $0.34 an hour, 1 and 4 nodes: 1 x 730 x 0.34 = 248.20,
// 4 x 730 x 0.34 = 992.80 (https://aws.amazon.com/ec2/pricing/on-demand/).
func TestEKSEgressNodeGroupPriced(t *testing.T) {
	comp := func(typ, name string) plan.Resource {
		return plan.Resource{URN: "urn:pulumi:s::livekit-infra::" + typ + "::" + name, Type: typ, Name: name, Parent: stackURN}
	}
	mc, eg := comp(mediaClusterType, "livekit"), comp("livekit-infra:index:Egress", "livekit-egress")
	media := res("aws:eks/nodeGroup:NodeGroup", "livekit-media", map[string]any{
		"instanceTypes": []any{"c6i.xlarge"},
		"labels":        map[string]any{"livekit-infra/role": "media"},
		"scalingConfig": map[string]any{"minSize": 3.0, "maxSize": 10.0, "desiredSize": 3.0},
	})
	media.Parent = mc.URN
	egress := res("aws:eks/nodeGroup:NodeGroup", "livekit-egress", map[string]any{
		"instanceTypes": []any{"c6i.2xlarge"},
		"labels":        map[string]any{"livekit-infra/role": "egress"},
		"scalingConfig": map[string]any{"minSize": 1.0, "maxSize": 4.0, "desiredSize": 1.0},
	})
	egress.Parent = eg.URN
	e := estimate(t, map[string]string{"aws": "us-west-2"}, "aws", map[string]string{"livekit-infra:kind": "aws"}, mc, eg, media, egress)
	if e.Nodes != (Nodes{Min: 3, Max: 10}) {
		t.Errorf("nodes %+v, want the LiveKit group's 3-10 (not the Egress group's)", e.Nodes)
	}
	if got := monthly(t, e, "livekit-egress"); math.Abs(got.Min-248.20) > 0.01 || math.Abs(got.Max-992.80) > 0.01 {
		t.Errorf("Egress node group %+v, want 248.20 / 992.80", got)
	}
}

// A Container Instances group is one node of a fixed count: three groups
// are three nodes at both bounds, and each carries what its vCPUs
// (azureAciCpu, at its Pulumi.yaml default of 4 when the stack file leaves
// it out) carry at cpuTarget (default 70): floor(150 / 16 x 4 x 70 / 85) = 30.
func TestContainerInstancesGroupsAreFixedNodes(t *testing.T) {
	cfg := map[string]string{"livekit-infra:kind": "azure", "livekit-infra:azurePlatform": "aci"}
	group := func(name string) plan.Resource {
		return res("azure:containerservice/group:Group", name, map[string]any{
			"containers": []any{map[string]any{"cpu": 4, "memory": 8}},
		})
	}
	e := estimate(t, map[string]string{"azure": "southeastasia"}, "azure", cfg, group("g0"), group("g1"), group("g2"))
	if e.Nodes != (Nodes{Min: 3, Max: 3}) {
		t.Fatalf("nodes %+v, want 3 fixed groups", e.Nodes)
	}
	pp := e.PerParticipantHour
	if pp == nil {
		t.Fatal("no per-participant figure for Container Instances")
	}
	if pp.NodeVCPU != 4 || pp.CPUTarget != 70 || pp.ParticipantsPerNode != 30 {
		t.Errorf("%g vCPU at %g %%: %g participants a group, want 4 vCPU at 70 %%: 30", pp.NodeVCPU, pp.CPUTarget, pp.ParticipantsPerNode)
	}
	// The groups alone: 3 x 730 h x (4 x $0.0405 + 8 x $0.00445) a month.
	near(t, "the groups' month", e.Total.Max, 3*730*(4*0.0405+8*0.00445))
}
