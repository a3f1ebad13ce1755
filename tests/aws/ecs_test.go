package aws_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// containerDef is the part of ECS's container definition JSON the tests read.
type containerDef struct {
	Name         string
	Image        string
	Essential    bool
	PortMappings []struct {
		ContainerPort      int
		ContainerPortRange string
		HostPort           int
		Protocol           string
	}
	Secrets     []struct{ Name, ValueFrom string }
	Environment []struct{ Name, Value string }
	HealthCheck struct {
		Command []string
	}
	StopTimeout      int
	DockerLabels     map[string]string
	LogConfiguration struct {
		LogDriver string
		Options   map[string]string
	}
}

func taskDefinition(t *testing.T, p *plan.Plan) *plan.Resource {
	return child(t, p, tMedia, tTaskDef, "")
}

// livekitContainer parses the task definition's LiveKit container (beside
// it only the metrics collector sidecar runs).
func livekitContainer(t *testing.T, p *plan.Plan) containerDef {
	t.Helper()
	defs := taskContainers(t, p)
	if len(defs) != 2 || defs[0].Name != "livekit" || defs[1].Name != "metrics-collector" {
		t.Fatalf("task definition has containers %v, want livekit and metrics-collector", defs)
	}
	return defs[0]
}

func taskContainers(t *testing.T, p *plan.Plan) []containerDef {
	t.Helper()
	var defs []containerDef
	jsonInput(t, taskDefinition(t, p), "containerDefinitions", &defs)
	return defs
}

func TestECSCluster(t *testing.T) {
	c := child(t, prod(t), tMedia, tCluster, "")
	expect(t, c, "settings", []any{map[string]any{"name": "containerInsights", "value": "enabled"}})
}

func TestTaskDefinition(t *testing.T) {
	for _, tc := range []struct{ variant, cpu, mem string }{{"", "2048", "4096"}, {"otherSizing", "4096", "8192"}} {
		t.Run(fmt.Sprintf("variant=%q", tc.variant), func(t *testing.T) {
			p := prodOr(t, tc.variant)
			td := taskDefinition(t, p)
			expect(t, td, "cpu", tc.cpu)
			expect(t, td, "memory", tc.mem)
			expect(t, td, "networkMode", "awsvpc")
			expect(t, td, "requiresCompatibilities", []any{"FARGATE"})
			if td.IsSecret("containerDefinitions") {
				t.Error("containerDefinitions is a secret: it should hold only ARNs and names, and stay reviewable")
			}
		})
	}
}

// The container exposes signaling, ICE/TCP and the UDP media ports (range,
// or one muxed port), plus TURN when configured.
func TestContainerPorts(t *testing.T) {
	type port struct {
		port  string
		proto string
	}
	for _, tc := range []struct {
		variant string
		want    []port
	}{
		{"", []port{{"7880", "tcp"}, {"7881", "tcp"}, {"50000-60000", "udp"}, {"5349", "tcp"}}},
		{"mux", []port{{"7880", "tcp"}, {"7881", "tcp"}, {"7882", "udp"}, {"5349", "tcp"}}},
		{"turn", []port{{"7880", "tcp"}, {"7881", "tcp"}, {"50000-60000", "udp"}, {"3478", "udp"}, {"5349", "tcp"}}},
		{"noTurnTls", []port{{"7880", "tcp"}, {"7881", "tcp"}, {"50000-60000", "udp"}}},
	} {
		t.Run(fmt.Sprintf("variant=%q", tc.variant), func(t *testing.T) {
			c := livekitContainer(t, prodOr(t, tc.variant))
			var got []port
			for _, m := range c.PortMappings {
				if m.HostPort != 0 && m.HostPort != m.ContainerPort {
					t.Errorf("mapping %+v: awsvpc tasks need hostPort == containerPort", m)
				}
				switch {
				case m.ContainerPortRange != "" && m.ContainerPort != 0:
					t.Errorf("mapping %+v sets both containerPort and containerPortRange", m)
				case m.ContainerPortRange != "":
					got = append(got, port{m.ContainerPortRange, m.Protocol})
				default:
					got = append(got, port{fmt.Sprint(m.ContainerPort), m.Protocol})
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("port mappings = %v, want %v", got, tc.want)
			}
		})
	}
}

// The container health check hits LiveKit's real health endpoint, GET /
// (200 "OK"; /health is a 404 that would mark every task unhealthy).
func TestContainerHealthCheck(t *testing.T) {
	c := livekitContainer(t, prod(t))
	cmd := strings.Join(c.HealthCheck.Command, " ")
	urls := regexp.MustCompile(`https?://[^\s'"|;]+`).FindAllString(cmd, -1)
	if len(urls) != 1 || urls[0] != "http://127.0.0.1:7880/" {
		t.Errorf("health check %q requests %v, want exactly http://127.0.0.1:7880/", cmd, urls)
	}
	if strings.Contains(cmd, "/health") {
		t.Errorf("health check %q uses /health, which LiveKit answers with 404", cmd)
	}
	if len(c.HealthCheck.Command) == 0 || !strings.HasPrefix(c.HealthCheck.Command[0], "CMD") {
		t.Errorf("health check command %q must start with CMD or CMD-SHELL", c.HealthCheck.Command)
	}
}

func TestContainerBasics(t *testing.T) {
	p := prod(t)
	c := livekitContainer(t, p)
	if want := ecrMirror(t, p) + "/" + livekit.Image; c.Image != want {
		t.Errorf("image = %q, want the pinned %s through the ECR mirror", c.Image, want)
	}
	if !c.Essential {
		t.Error("the LiveKit container is not essential")
	}
	// Fargate caps stopTimeout at 120 s: the longest a task can drain.
	if c.StopTimeout != 120 {
		t.Errorf("stopTimeout = %d, want 120", c.StopTimeout)
	}
	logs := child(t, p, tMedia, tLogGroup, "-logs")
	if c.LogConfiguration.LogDriver != "awslogs" || c.LogConfiguration.Options["awslogs-group"] != str(t, logs, "name") {
		t.Errorf("log configuration %+v, want awslogs into %q", c.LogConfiguration, str(t, logs, "name"))
	}
	if got := c.LogConfiguration.Options["awslogs-region"]; got != prodRegion {
		t.Errorf("awslogs-region = %q, want %s", got, prodRegion)
	}
}

// The whole LiveKit config comes from Secrets Manager; the task definition
// holds only its ARN, never a secret value.
func TestContainerSecrets(t *testing.T) {
	for _, variant := range []string{"", "userSecrets"} {
		t.Run(fmt.Sprintf("variant=%q", variant), func(t *testing.T) {
			p := prodOr(t, variant)
			c := livekitContainer(t, p)
			cfgSecret := child(t, p, tMedia, tSecret, "-config")
			if len(c.Secrets) != 1 || c.Secrets[0].Name != "LIVEKIT_CONFIG" || c.Secrets[0].ValueFrom != cfgSecret.ID {
				t.Errorf("container secrets = %+v, want exactly LIVEKIT_CONFIG from %s", c.Secrets, cfgSecret.ID)
			}
			for _, e := range c.Environment {
				if regexp.MustCompile(`(?i)SECRET|PASSWORD|KEYS|TOKEN|LIVEKIT_CONFIG`).MatchString(e.Name) {
					t.Errorf("plain env var %s looks like a secret; secrets come through `secrets`", e.Name)
				}
			}
			secrets := secretsOf(t, p)
			raw := str(t, taskDefinition(t, p), "containerDefinitions")
			if leaked := containsAny(raw, secrets.all()); len(leaked) > 0 {
				t.Errorf("containerDefinitions contains the %v in plain text", leaked)
			}
			if variant == "userSecrets" {
				if leaked := containsAny(raw, map[string]string{"API secret": userAPISecret, "Redis password": userRedisPassword}); len(leaked) > 0 {
					t.Errorf("containerDefinitions contains the user-supplied %v", leaked)
				}
			}
		})
	}
}

func TestLogGroupRetention(t *testing.T) {
	for _, tc := range []struct {
		variant string
		days    int
	}{{"", 30}, {"otherSizing", 90}} {
		logs := child(t, prodOr(t, tc.variant), tMedia, tLogGroup, "-logs")
		expect(t, logs, "retentionInDays", tc.days)
	}
}

// checkPublicFargate checks a Fargate service whose tasks are reached
// directly: on FARGATE, in the public subnets with a public IP each, behind
// the security group sg alone.
func checkPublicFargate(t *testing.T, p *plan.Plan, svc, sg *plan.Resource) {
	t.Helper()
	public, _ := subnets(t, p)
	expect(t, svc, "launchType", "FARGATE")
	expect(t, svc, "networkConfiguration.assignPublicIp", true)
	if got := list(t, svc, "networkConfiguration.subnets"); !slices.Equal(got, ids(public)) {
		t.Errorf("%s subnets = %v, want the public subnets %v", svc.Name, got, ids(public))
	}
	if got := list(t, svc, "networkConfiguration.securityGroups"); !slices.Equal(got, []string{sg.ID}) {
		t.Errorf("%s security groups = %v, want only %s (%s)", svc.Name, got, sg.ID, sg.Name)
	}
}

// Tasks run in the public subnets with public IPs (media must reach each
// task directly), behind the media SG, registered with the ALB on 7880, and
// deployments never drop capacity.
func TestECSService(t *testing.T) {
	p := prod(t)
	svc := child(t, p, tMedia, tService, "")
	checkPublicFargate(t, p, svc, mediaSG(t, p))
	expect(t, svc, "loadBalancers[0].containerName", livekitContainer(t, p).Name)
	expect(t, svc, "loadBalancers[0].containerPort", 7880)
	// The second target group is TURN/TLS's (turn_test.go).
	if lbs, _ := svc.RawInput("loadBalancers"); len(lbs.([]any)) != 2 {
		t.Errorf("service has %d load balancers, want 2 (signaling, TURN/TLS)", len(lbs.([]any)))
	}
	tg := child(t, p, tMedia, tTargetGroup, "")
	dependsOn(t, svc, tg, "tasks register with the signaling target group")
	https := child(t, p, tMedia, tListener, "-https")
	if got, want := str(t, svc, "loadBalancers[0].targetGroupArn"), str(t, https, "defaultActions[0].targetGroupArn"); got != want {
		t.Errorf("service registers with %s, but the HTTPS listener forwards to %s", got, want)
	}
	expect(t, svc, "deploymentCircuitBreaker.enable", true)
	expect(t, svc, "deploymentCircuitBreaker.rollback", true)
	if n := num(t, svc, "deploymentMinimumHealthyPercent"); n < 100 {
		t.Errorf("deploymentMinimumHealthyPercent = %d, want >= 100 so deployments never drop capacity", n)
	}
	if n := num(t, svc, "deploymentMaximumPercent"); n <= 100 {
		t.Errorf("deploymentMaximumPercent = %d, want > 100 so new tasks can start before old ones stop", n)
	}
	dependsOn(t, svc, taskDefinition(t, p), "the service runs the LiveKit task definition")
	dependsOn(t, svc, child(t, p, tMedia, tCluster, ""), "the service runs in the cluster")
}

// The service starts at minNodes and leaves the count to the autoscaler.
func TestECSServiceDesiredCount(t *testing.T) {
	for _, tc := range []struct {
		variant string
		min     int
	}{{"", 3}, {"otherSizing", 2}} {
		svc := child(t, prodOr(t, tc.variant), tMedia, tService, "")
		expect(t, svc, "desiredCount", tc.min)
		if !slices.Contains(svc.IgnoreChanges, "desiredCount") {
			t.Errorf("variant %q: ignoreChanges = %v, want desiredCount (owned by the autoscaler)", tc.variant, svc.IgnoreChanges)
		}
	}
}

// Target tracking on average CPU between the configured bounds.
func TestAutoscaling(t *testing.T) {
	for _, tc := range []struct {
		variant                        string
		min, max, target, out, scaleIn int
	}{
		{"", 3, 10, 70, 60, 300},
		{"otherSizing", 2, 25, 55, 30, 900},
	} {
		t.Run(fmt.Sprintf("variant=%q", tc.variant), func(t *testing.T) {
			p := prodOr(t, tc.variant)
			target := child(t, p, tMedia, tScaleTarget, "")
			expect(t, target, "minCapacity", tc.min)
			expect(t, target, "maxCapacity", tc.max)
			expect(t, target, "serviceNamespace", "ecs")
			expect(t, target, "scalableDimension", "ecs:service:DesiredCount")
			svc := child(t, p, tMedia, tService, "")
			cluster := child(t, p, tMedia, tCluster, "")
			// The mocks name the cluster and service after their logical names.
			if got, want := str(t, target, "resourceId"), fmt.Sprintf("service/%s/%s", cluster.Name, svc.Name); got != want {
				t.Errorf("scalable target resourceId = %q, want %q", got, want)
			}

			pol := child(t, p, tMedia, tScalePolicy, "-cpu")
			expect(t, pol, "policyType", "TargetTrackingScaling")
			expect(t, pol, "resourceId", str(t, target, "resourceId"))
			cfg := "targetTrackingScalingPolicyConfiguration."
			expect(t, pol, cfg+"predefinedMetricSpecification.predefinedMetricType", "ECSServiceAverageCPUUtilization")
			expect(t, pol, cfg+"targetValue", tc.target)
			expect(t, pol, cfg+"scaleOutCooldown", tc.out)
			expect(t, pol, cfg+"scaleInCooldown", tc.scaleIn)
			if v, _ := pol.RawInput(cfg + "disableScaleIn"); v == true {
				t.Error("scale-in is disabled")
			}
		})
	}
}

// testImageDigest pins LiveKit by digest (a made-up one).
const testImageDigest = "livekit/livekit-server@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// An image pinned by digest reaches the task definition verbatim (#17 item
// 15: digests everywhere).
func TestImageByDigest(t *testing.T) {
	p := variantPlan(t, "digest")
	if got, want := livekitContainer(t, p).Image, ecrMirror(t, p)+"/"+testImageDigest; got != want {
		t.Errorf("container image %q, want %q", got, want)
	}
}
