package aws_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	awsc "github.com/livekit-infra/livekit-infra/components/aws"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/egresskeys"
)

func egressSG(t *testing.T, p *plan.Plan) *plan.Resource {
	return child(t, p, tNetwork, tSG, "-egress-sg")
}

// egressContainers parses the Egress task definition's containers: Egress
// and its metrics collector sidecar.
func egressContainers(t *testing.T, p *plan.Plan) []containerDef {
	t.Helper()
	var defs []containerDef
	jsonInput(t, child(t, p, tEgress, tTaskDef, ""), "containerDefinitions", &defs)
	if len(defs) != 2 || defs[0].Name != "egress" || defs[1].Name != awsc.CollectorContainerName {
		t.Fatalf("Egress task definition has containers %+v, want egress and %s", defs, awsc.CollectorContainerName)
	}
	return defs
}

// egressContainer is the Egress container.
func egressContainer(t *testing.T, p *plan.Plan) containerDef {
	t.Helper()
	return egressContainers(t, p)[0]
}

// egressConfigOf returns the rendered config from its Secrets Manager
// version, failing unless it is a Pulumi secret.
func egressConfigOf(t *testing.T, p *plan.Plan) (string, egresskeys.Config) {
	t.Helper()
	ver := child(t, p, tEgress, tSecretVer, "-config")
	if !ver.IsSecret("secretString") {
		t.Fatalf("%s %q: the Egress config is not a Pulumi secret", ver.Type, ver.Name)
	}
	body := str(t, ver, "secretString")
	c := egresskeys.Read(t, body)
	dependsOn(t, ver, child(t, p, tEgress, tSecret, "-config"), "the version belongs to the Egress config secret")
	return body, c
}

// Every region has one Egress service, in the public subnets with its own
// security group and a public IP for outbound traffic, sized as configured.
func TestEgressService(t *testing.T) {
	for _, tc := range []struct {
		variant  string
		cpu, mem string
		min      int
	}{{"", "4096", "8192", 1}, {"egressSizing", "8192", "16384", 2}} {
		t.Run(fmt.Sprintf("variant=%q", tc.variant), func(t *testing.T) {
			p := prodOr(t, tc.variant)
			component(t, p, tEgress)
			svc := child(t, p, tEgress, tService, "")
			checkPublicFargate(t, p, svc, egressSG(t, p))
			absentOrEmpty(t, svc, "loadBalancers", "Egress takes its jobs from Redis; nothing connects to it")
			expect(t, svc, "desiredCount", tc.min)
			if !slices.Contains(svc.IgnoreChanges, "desiredCount") {
				t.Errorf("ignoreChanges = %v, want desiredCount (owned by the autoscaler)", svc.IgnoreChanges)
			}
			td := child(t, p, tEgress, tTaskDef, "")
			dependsOn(t, svc, td, "the service runs the Egress task definition")
			expect(t, td, "cpu", tc.cpu)
			expect(t, td, "memory", tc.mem)
			expect(t, td, "requiresCompatibilities", []any{"FARGATE"})
			dependsOn(t, td, child(t, p, tEgress, tRole, "-task"), "the task runs as the Egress task role")

			c := egressContainer(t, p)
			// The mirror's copy of the default image, by digest.
			if want := ecrMirror(t, p) + "/livekit/egress:" + livekit.EgressVersion + "@" + livekit.EgressImageDigest; c.Image != want {
				t.Errorf("Egress image %q, want %q", c.Image, want)
			}
			if c.StopTimeout != 120 {
				t.Errorf("stopTimeout %d, want Fargate's 120 s: Egress finishes its recordings on SIGTERM", c.StopTimeout)
			}
			var ports []int
			for _, pm := range c.PortMappings {
				if pm.Protocol != "tcp" || pm.HostPort != 0 && pm.HostPort != pm.ContainerPort {
					t.Errorf("port mapping %+v, want tcp on the container port", pm)
				}
				ports = append(ports, pm.ContainerPort)
			}
			if !slices.Equal(ports, []int{livekit.EgressHealthPort, livekit.EgressPrometheusPort}) {
				t.Errorf("Egress ports %v, want health %d and metrics %d", ports, livekit.EgressHealthPort, livekit.EgressPrometheusPort)
			}
			if cmd := strings.Join(c.HealthCheck.Command, " "); !strings.Contains(cmd, fmt.Sprintf("127.0.0.1:%d/", livekit.EgressHealthPort)) {
				t.Errorf("health check %q does not ask Egress's health port", cmd)
			}
		})
	}
}

// The config reaches the container only as a Secrets Manager secret: no
// environment variable carries it, and the task definition holds no secret
// value.
func TestEgressConfigIsSecret(t *testing.T) {
	p := prod(t)
	c := egressContainer(t, p)
	secret := child(t, p, tEgress, tSecret, "-config")
	if len(c.Secrets) != 1 || c.Secrets[0].Name != "EGRESS_CONFIG_BODY" || c.Secrets[0].ValueFrom != secret.ID {
		t.Errorf("container secrets %+v, want only EGRESS_CONFIG_BODY from %s", c.Secrets, secret.ID)
	}
	if len(c.Environment) != 0 {
		t.Errorf("container environment %+v, want none (the config is a secret)", c.Environment)
	}
	body, cfg := egressConfigOf(t, p)
	td := child(t, p, tEgress, tTaskDef, "")
	leaks := containsAny(td.InputString("containerDefinitions"), map[string]string{"API secret": cfg.APISecret, "Redis password": cfg.Redis.Password})
	if len(leaks) > 0 {
		t.Errorf("the task definition carries %v", leaks)
	}
	if td.IsSecret("containerDefinitions") {
		t.Error("containerDefinitions is a secret: it should hold only ARNs and names")
	}
	if !strings.Contains(body, cfg.APISecret) || len(cfg.APISecret) < 32 {
		t.Errorf("the config holds no real API secret")
	}
	if p.OutputIsSecret("egressService") {
		t.Error("egressService output is secret; it is only a name")
	}
}

// The config joins the region's rooms with a key the servers accept, over
// its own signaling URL, takes jobs from the region's Redis (TLS, AUTH),
// uploads to the recordings bucket with the task role (no key), and names
// only keys Egress v1.14.1 reads.
func TestEgressConfig(t *testing.T) {
	p := prod(t)
	_, cfg := egressConfigOf(t, p)
	creds := secretsOf(t, p)
	if cfg.APIKey != creds.APIKey || cfg.APISecret != creds.APISecret {
		t.Errorf("Egress signs with %q, want the region's signing key %q", cfg.APIKey, creds.APIKey)
	}
	server := renderedConfig(t, p)
	if server.Keys[cfg.APIKey] != cfg.APISecret {
		t.Errorf("the servers do not accept Egress's key %q", cfg.APIKey)
	}
	if cfg.WSURL != "wss://"+prodHostname {
		t.Errorf("ws_url %q, want wss://%s", cfg.WSURL, prodHostname)
	}
	if cfg.Redis.Address != server.Redis.Address || cfg.Redis.Password != creds.RedisPassword || !cfg.Redis.TLS.Enabled {
		t.Errorf("Egress Redis %s (TLS %v), want the servers' %s with TLS and the AUTH token", cfg.Redis.Address, cfg.Redis.TLS.Enabled, server.Redis.Address)
	}
	if cfg.Redis.TLS.CACertFile != "" {
		t.Errorf("ca_cert_file %q: ElastiCache uses a public CA", cfg.Redis.TLS.CACertFile)
	}
	bucket := child(t, p, tRecordings, tBucket, "")
	if s3 := cfg.Storage["s3"]; s3 == nil || s3["bucket"] != bucket.ID || s3["region"] != prodRegion || (s3["access_key"] != nil && s3["access_key"] != "") {
		t.Errorf("storage.s3 = %+v, want bucket %s in %s with no access key (task role)", s3, bucket.ID, prodRegion)
	}
	if cfg.HealthPort != livekit.EgressHealthPort || cfg.PrometheusPort != livekit.EgressPrometheusPort {
		t.Errorf("health %d / prometheus %d, want %d / %d", cfg.HealthPort, cfg.PrometheusPort, livekit.EgressHealthPort, livekit.EgressPrometheusPort)
	}
	if cfg.CPUCost["room_composite_cpu_cost"] != 4 || cfg.CPUCost["max_cpu_utilization"] != 0.8 {
		t.Errorf("cpu_cost %v, want room composite 4 cores and 0.8 utilization", cfg.CPUCost)
	}
}

// The Egress task role writes the recordings bucket and nothing else; the
// execution role reads only the Egress config secret and writes its logs.
func TestEgressRoles(t *testing.T) {
	p := prod(t)
	var doc policyDoc
	jsonInput(t, child(t, p, tEgress, tRolePolicy, "-task"), "policy", &doc)
	g := grants(t, "Egress task role", doc)
	bucket := child(t, p, tRecordings, tBucket, "")
	wantRes := "arn:aws:s3:::" + bucket.ID + "/*"
	allowed := []string{"s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"}
	if len(g["s3:PutObject"]) == 0 {
		t.Error("Egress task role cannot s3:PutObject: recordings would fail")
	}
	for a, rs := range g {
		if !slices.Contains(allowed, a) {
			t.Errorf("Egress task role may %s; want only recording writes %v", a, allowed)
		}
		if !slices.Equal(rs, []string{wantRes}) {
			t.Errorf("Egress task role %s on %v, want only %s", a, rs, wantRes)
		}
	}
	// No other role in the region may write the bucket.
	for _, pol := range p.ByType(tRolePolicy) {
		if pol.Parent != component(t, p, tEgress).URN && strings.Contains(pol.InputString("policy"), "s3:PutObject") {
			t.Errorf("role policy %q outside Egress grants s3:PutObject", pol.Name)
		}
	}
	jsonInput(t, child(t, p, tEgress, tRolePolicy, "-execution"), "policy", &doc)
	secret := child(t, p, tEgress, tSecret, "-config").ID
	param := parameterArn(child(t, p, tEgress, tParameter, "-collector"))
	for a, rs := range grants(t, "Egress execution role", doc) {
		switch a {
		case "secretsmanager:GetSecretValue":
			if !slices.Equal(rs, []string{secret}) {
				t.Errorf("execution role reads secrets %v, want only %s", rs, secret)
			}
		case "ssm:GetParameters":
			if !slices.Equal(rs, []string{param}) {
				t.Errorf("execution role reads parameters %v, want only the collector's config %s", rs, param)
			}
		case "logs:CreateLogStream", "logs:PutLogEvents":
		case "ecr:GetAuthorizationToken":
		default:
			// The image through the registry mirror, its repositories only.
			if want := mirrorRepositories(t, p); !strings.HasPrefix(a, "ecr:") || !slices.Equal(rs, []string{want}) {
				t.Errorf("Egress execution role may %s on %v", a, rs)
			}
		}
	}
}

// Nothing reaches Egress, from the internet or the VPC; it reaches out to
// signaling, media, S3 (and AMP, the collector) and Redis only.
func TestEgressSecurityGroup(t *testing.T) {
	p := prod(t)
	sg := egressSG(t, p)
	absentOrEmpty(t, sg, "ingress", "rules are SecurityGroupRule resources")
	absentOrEmpty(t, sg, "egress", "rules are SecurityGroupRule resources")
	// The collector sidecar scrapes prometheus_port on localhost and ECS's
	// health check runs in the container: nothing needs to enter.
	if in := rulesOf(t, p, sg, "ingress"); len(in) != 0 {
		t.Errorf("Egress ingress %v, want none (metrics and health are reached inside the task)", in)
	}
	var got []string
	for _, r := range rulesOf(t, p, sg, "egress") {
		got = append(got, fmt.Sprintf("%s %d-%d %s", r.Protocol, r.From, r.To, strings.Join(r.CIDRs, ",")))
	}
	want := []string{"tcp 443-443 0.0.0.0/0", "tcp 6379-6379 " + prodVpcCIDR, "tcp 7881-7881 0.0.0.0/0", "udp 50000-60000 0.0.0.0/0"}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("Egress egress rules %v, want %v", got, want)
	}
}

// Target tracking on average CPU between Egress's own bounds.
func TestEgressAutoscaling(t *testing.T) {
	for _, tc := range []struct {
		variant          string
		min, max, target int
	}{{"", 1, 4, 60}, {"egressSizing", 2, 8, 50}} {
		p := prodOr(t, tc.variant)
		target := child(t, p, tEgress, tScaleTarget, "")
		expect(t, target, "minCapacity", tc.min)
		expect(t, target, "maxCapacity", tc.max)
		svc, cluster := child(t, p, tEgress, tService, ""), child(t, p, tEgress, tCluster, "")
		expect(t, target, "resourceId", fmt.Sprintf("service/%s/%s", cluster.Name, svc.Name))
		pol := child(t, p, tEgress, tScalePolicy, "-cpu")
		cfg := "targetTrackingScalingPolicyConfiguration."
		expect(t, pol, cfg+"predefinedMetricSpecification.predefinedMetricType", "ECSServiceAverageCPUUtilization")
		expect(t, pol, cfg+"targetValue", tc.target)
	}
}

// egress false declares no Egress, no Egress firewall and no bucket writer.
func TestNoEgress(t *testing.T) {
	p := variantPlan(t, "noEgress")
	if n := len(p.ByType(tEgress)); n != 0 {
		t.Errorf("%d Egress components with egress false", n)
	}
	if _, ok := findChild(p, tNetwork, tSG, "-egress-sg"); ok {
		t.Error("an Egress security group with egress false")
	}
	if v := p.RawOutputs["egressService"]; v != "" {
		t.Errorf("egressService output %v, want empty", v)
	}
}
