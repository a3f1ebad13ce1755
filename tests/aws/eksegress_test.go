package aws_test

import (
	"slices"
	"strings"
	"testing"

	awsc "github.com/livekit-infra/livekit-infra/components/aws"
	"github.com/livekit-infra/livekit-infra/components/aws/ekscluster"
	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/egresskeys"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
)

// Egress on EKS (#22), from the real Pulumi.aws-eks.yaml: its own node
// group in the private subnets, the official chart, S3 through EKS Pod
// Identity, Redis from the Network's Egress security group.

const eksVpcCIDR = "10.40.0.0/16"

func eksEgressChild(t *testing.T, p *plan.Plan, typ, suffix string) *plan.Resource {
	t.Helper()
	return onlyIn(t, p.Descendants(component(t, p, tEgress).URN), typ, suffix, "under Egress")
}

// The Egress nodes: private subnets, no public IP, the cluster's and the
// Egress security groups, IMDSv2 with hop limit 1, tainted and labelled for
// Egress, bounded by egressMinInstances/egressMaxInstances (one pod per
// node), sized by awsEksEgressInstanceType.
func TestEKSEgressNodeGroup(t *testing.T) {
	p := eksStack(t)
	_, private := subnets(t, p)
	g := eksEgressChild(t, p, tNodeGroup, "-egress")
	if got := list(t, g, "subnetIds"); !slices.Equal(got, ids(private)) {
		t.Errorf("Egress nodes in %v, want the private subnets %v (outbound through NAT)", got, ids(private))
	}
	expect(t, g, "instanceTypes", []any{"c6i.2xlarge"})
	expect(t, g, "scalingConfig.minSize", 1)
	expect(t, g, "scalingConfig.maxSize", 4)
	expect(t, g, `labels["livekit-infra/role"]`, ekscluster.EKSEgressRole)
	expect(t, g, "taints", []any{map[string]any{"key": lkk8s.EgressTaintKey, "value": "true", "effect": "NO_SCHEDULE"}})
	if !slices.Contains(g.IgnoreChanges, "scalingConfig.desiredSize") {
		t.Error("the Egress group's desired size is not left to the Cluster Autoscaler")
	}

	lt := eksEgressChild(t, p, tLaunchTpl, "-egress")
	expect(t, lt, "networkInterfaces[0].associatePublicIpAddress", "false")
	expect(t, lt, "metadataOptions.httpTokens", "required")
	expect(t, lt, "metadataOptions.httpPutResponseHopLimit", 1)
	clusterSG := list(t, only(t, p, tLaunchTpl, "-media"), "networkInterfaces[0].securityGroups")[0]
	want := []string{clusterSG, egressSG(t, p).ID}
	if got := list(t, lt, "networkInterfaces[0].securityGroups"); !slices.Equal(got, want) {
		t.Errorf("Egress nodes' security groups %v, want the cluster's and the Egress group %v", got, want)
	}
	expect(t, g, "launchTemplate.id", lt.ID)

	// Egress does not run on the LiveKit or system groups.
	for _, name := range []string{"-media", "-system"} {
		if got := str(t, only(t, p, tNodeGroup, name), `labels["livekit-infra/role"]`); got == ekscluster.EKSEgressRole {
			t.Errorf("node group %s is labelled for Egress", name)
		}
	}
}

// Nothing enters the Egress nodes from the internet: the Egress group admits
// only the metrics port from the AMP scraper's group (the health port is
// the kubelet's, from the node itself), and every other rule on the group
// is outbound.
func TestEKSEgressNoInboundInternet(t *testing.T) {
	p := eksStack(t)
	sg := egressSG(t, p)
	scraper := only(t, p, tSG, "-prometheus-scraper")
	in := rulesOf(t, p, sg, "ingress")
	if len(in) != 1 || in[0].Protocol != "tcp" || in[0].From != livekit.EgressPrometheusPort || in[0].To != livekit.EgressPrometheusPort ||
		len(in[0].CIDRs) != 0 || in[0].Peer != scraper.ID {
		t.Errorf("Egress ingress %v, want only Prometheus %d/tcp from the AMP scraper's group %s", in, livekit.EgressPrometheusPort, scraper.ID)
	}
	for _, r := range in {
		if slices.Contains(r.CIDRs, "0.0.0.0/0") || slices.Contains(r.CIDRs, "::/0") {
			t.Errorf("Egress admits %v from the internet", r)
		}
		if r.From <= livekit.EgressHealthPort && livekit.EgressHealthPort <= r.To {
			t.Errorf("Egress health port %d is open: %v", livekit.EgressHealthPort, r)
		}
	}
	absentOrEmpty(t, sg, "ingress", "rules are SecurityGroupRule resources")
}

// ElastiCache admits 6379 from the LiveKit nodes' media group and the
// Egress group (the one on the Egress nodes), nothing else.
func TestEKSEgressReachesRedis(t *testing.T) {
	p := eksStack(t)
	sg := child(t, p, tRedisCache, tSG, "-sg")
	ing, _ := sg.RawInput("ingress")
	rules, _ := ing.([]any)
	want := [][]string{{mediaSG(t, p).ID}, {egressSG(t, p).ID}}
	if len(rules) != len(want) {
		t.Fatalf("Redis SG has %d ingress rules, want %d: %v", len(rules), len(want), ing)
	}
	for i, raw := range rules {
		r, _ := raw.(map[string]any)
		if r["protocol"] != "tcp" || r["fromPort"] != 6379 || r["toPort"] != 6379 {
			t.Errorf("Redis SG ingress %d = %v, want tcp 6379", i, r)
		}
		if got := asStrings(t, "Redis SG ingress securityGroups", r["securityGroups"]); !slices.Equal(got, want[i]) {
			t.Errorf("Redis SG ingress %d from %v, want only %v", i, got, want[i])
		}
		testRedisRuleNoOthers(t, r)
	}
	if !slices.Contains(list(t, eksEgressChild(t, p, tLaunchTpl, "-egress"), "networkInterfaces[0].securityGroups"), egressSG(t, p).ID) {
		t.Error("the group Redis admits is not on the Egress nodes")
	}
}

// S3 without keys: a role only EKS Pod Identity assumes, associated with the
// chart's Egress service account in its namespace only, may write exactly
// the recordings bucket's objects (livekit/storage's uploads); no other
// role of the region may write it, and no association names the Egress
// service account but this one.
func TestEKSEgressPodIdentity(t *testing.T) {
	p := eksStack(t)
	bucket := child(t, p, tRecordings, tBucket, "")
	var doc policyDoc
	jsonInput(t, eksEgressChild(t, p, tRolePolicy, "-egress"), "policy", &doc)
	g := grants(t, "Egress role", doc)
	wantRes := "arn:aws:s3:::" + bucket.ID + "/*"
	if len(g["s3:PutObject"]) == 0 {
		t.Error("the Egress role cannot s3:PutObject: recordings would fail")
	}
	for a, rs := range g {
		if !slices.Contains(awsc.EgressS3Actions, a) {
			t.Errorf("the Egress role may %s; want only %v", a, awsc.EgressS3Actions)
		}
		if !slices.Equal(rs, []string{wantRes}) {
			t.Errorf("the Egress role may %s on %v, want only %s", a, rs, wantRes)
		}
	}
	role := eksEgressChild(t, p, tRole, "-egress")
	var trust map[string]any
	jsonInput(t, role, "assumeRolePolicy", &trust)
	stmts, _ := trust["Statement"].([]any)
	if len(stmts) != 1 {
		t.Fatalf("Egress role trust has %d statements, want 1", len(stmts))
	}
	if pr, _ := stmts[0].(map[string]any)["Principal"].(map[string]any); pr["Service"] != "pods.eks.amazonaws.com" || len(pr) != 1 {
		t.Errorf("Egress role trusts %v, want only EKS Pod Identity (pods.eks.amazonaws.com)", pr)
	}

	pia := eksEgressChild(t, p, tPodIdentity, "-egress")
	expect(t, pia, "namespace", lkk8s.EgressNamespace)
	expect(t, pia, "serviceAccount", lkk8s.EgressFullName)
	expect(t, pia, "clusterName", str(t, only(t, p, tEKSCluster, ""), "name"))
	if arn := str(t, pia, "roleArn"); arn != "arn:aws:iam::"+plan.FakeAccountID+":role/"+role.Name {
		t.Errorf("association binds %q, want the Egress role %s", arn, role.Name)
	}
	dependsOn(t, pia, role, "the association binds the Egress role")
	// The chart's service account is the associated one, in its namespace.
	chart := eksEgressChild(t, p, tChart, "-egress")
	expect(t, chart, "values.serviceAccount.create", true)
	expect(t, chart, "values.serviceAccount.name", lkk8s.EgressFullName)
	expect(t, chart, "namespace", lkk8s.EgressNamespace)
	dependsOn(t, chart, pia, "pods created before the association get no credentials")

	for _, a := range p.ByType(tPodIdentity) {
		if a.URN != pia.URN && (str(t, &a, "namespace") == lkk8s.EgressNamespace || str(t, &a, "roleArn") == str(t, pia, "roleArn")) {
			t.Errorf("association %q also binds the Egress namespace or role", a.Name)
		}
	}
	for _, pol := range p.ByType(tRolePolicy) {
		if pol.URN != eksEgressChild(t, p, tRolePolicy, "-egress").URN && strings.Contains(pol.InputString("policy"), "s3:PutObject") {
			t.Errorf("role policy %q outside Egress grants s3:PutObject", pol.Name)
		}
	}
}

// The chart: Egress's pods on the Egress group only (node selector and the
// taint's toleration), the replica bounds and CPU target from the egress
// keys, the pod sized by egressPodCpu/egressPodMemory, the image from the
// region's ECR mirror by digest, and no secret in the chart's inputs.
func TestEKSEgressChart(t *testing.T) {
	p := eksStack(t)
	chart := eksEgressChild(t, p, tChart, "-egress")
	for path, want := range map[string]any{
		"chart":   lkk8s.EgressChartName,
		"version": "1.9.0",
		`values.nodeSelector["livekit-infra/role"]`:         ekscluster.EKSEgressRole,
		"values.tolerations[0].key":                         lkk8s.EgressTaintKey,
		"values.tolerations[0].effect":                      "NoSchedule",
		"values.autoscaling.minReplicas":                    1,
		"values.autoscaling.maxReplicas":                    4,
		"values.autoscaling.targetCPUUtilizationPercentage": 60,
		`values.resources.requests["cpu"]`:                  "4",
		`values.resources.requests["memory"]`:               "8Gi",
		"values.egress.prometheus_port":                     livekit.EgressPrometheusPort,
		"values.securityContext.allowPrivilegeEscalation":   false,
	} {
		expect(t, chart, path, want)
	}
	if len(chart.SecretPaths) != 0 {
		t.Errorf("chart inputs hold secrets at %v", chart.SecretPaths)
	}
	mirror := ecrMirror(t, p)
	repo, tag := str(t, chart, "values.image.repository"), str(t, chart, "values.image.tag")
	if repo != mirror+"/livekit/egress" || !digestRef.MatchString(tag) || !strings.HasSuffix(tag, "@"+livekit.EgressImageDigest) {
		t.Errorf("Egress image %s:%s, want %s/livekit/egress:<tag>@%s", repo, tag, mirror, livekit.EgressImageDigest)
	}
	workload := eksEgressChild(t, p, lkk8s.EgressWorkloadType, "-egress")
	dependsOn(t, workload, eksEgressChild(t, p, tNodeGroup, "-egress"), "the pods need the Egress nodes")
}

// The config is a Pulumi secret in the Egress namespace's Secret: the
// region's signing key, its own wss:// URL, ElastiCache with TLS and the
// AUTH token, the recordings bucket with no access key (Pod Identity), and
// only keys the pinned Egress reads.
func TestEKSEgressConfig(t *testing.T) {
	p := eksStack(t)
	sec := eksEgressChild(t, p, "kubernetes:core/v1:Secret", "-egress-config")
	expect(t, sec, "metadata.namespace", lkk8s.EgressNamespace)
	if !sec.IsSecret(`stringData["config.yaml"]`) {
		t.Fatal("the Egress config in the Kubernetes Secret is not a Pulumi secret")
	}
	body := lkcheck.SecretInput(t, sec, `stringData["config.yaml"]`)
	cfg := egresskeys.Read(t, body)
	creds := secretsOf(t, p)
	if cfg.APIKey != creds.APIKey || cfg.APISecret != creds.APISecret {
		t.Errorf("Egress signs with %q, want the region's signing key %q", cfg.APIKey, creds.APIKey)
	}
	if cfg.WSURL != "wss://aws-eks.example.com" {
		t.Errorf("ws_url %q, want wss://aws-eks.example.com", cfg.WSURL)
	}
	redis := child(t, p, tRedisCache, tReplGroup, "")
	if cfg.Redis.Password != creds.RedisPassword || !cfg.Redis.TLS.Enabled || cfg.Redis.TLS.CACertFile != "" ||
		!strings.HasSuffix(cfg.Redis.Address, ":6379") || cfg.Redis.Address == "" {
		t.Errorf("Egress Redis %s (TLS %v, CA %q), want %s's primary with TLS (public CA) and the AUTH token",
			cfg.Redis.Address, cfg.Redis.TLS.Enabled, cfg.Redis.TLS.CACertFile, redis.Name)
	}
	if s3 := cfg.Storage["s3"]; s3 == nil || s3["bucket"] != child(t, p, tRecordings, tBucket, "").ID || s3["region"] != "us-west-2" || s3["access_key"] != nil {
		t.Errorf("storage.s3 = %+v, want the recordings bucket in us-west-2 with no access key (Pod Identity)", s3)
	}
}
