package aws_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/apirules"
)

// awsRules are AWS API constraints the mocks let through (docs/tests.md, "What
// the offline tests catch").
var awsRules = []apirules.Rule{
	{
		// "The service scheduler also replaces tasks determined to be
		// unhealthy after a container health check or a load balancer target
		// group health check fails."
		Name:   "ECS keeps tasks through a Redis outage shorter than the tolerance",
		Source: "docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_services.html (service scheduler)",
		Check: func(p *plan.Plan) error {
			tolerance := 60 // awsRedisOutageToleranceSeconds in aws-prod (default)
			for _, tg := range p.ByType(tTargetGroup) {
				// A TCP check (TURN/TLS) does not see Redis: only the
				// HTTP checks of GET / answer 406 in an outage.
				if proto, _ := tg.Input("healthCheck.protocol"); proto == "TCP" {
					continue
				}
				i, _ := tg.Input("healthCheck.interval")
				n, _ := tg.Input("healthCheck.unhealthyThreshold")
				interval, _ := i.(int)
				threshold, _ := n.(int)
				if (threshold-1)*interval < tolerance {
					return fmt.Errorf("target group %s fails a task after %d x %d s, within a %d s Redis outage", tg.Name, threshold, interval, tolerance)
				}
			}
			// The container health check's side: the next rule.
			return nil
		},
		Break: func(p *plan.Plan) *plan.Plan {
			return apirules.Edit(p, tTargetGroup, func(r *plan.Resource) { apirules.SetInput(r, "healthCheck.unhealthyThreshold", 3, false) })
		},
	},
	{
		Name:   "ECS container health check treats 406 as alive",
		Source: "docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html (an UNHEALTHY essential container makes the task UNHEALTHY; a service replaces it)",
		Check: func(p *plan.Plan) error {
			for _, td := range p.ByType(tTaskDef) {
				var defs []containerDef
				if err := json.Unmarshal([]byte(td.InputString("containerDefinitions")), &defs); err != nil {
					return err
				}
				for _, d := range defs {
					if d.Name != "livekit" {
						// Egress's health port answers 200 whenever it runs.
						continue
					}
					m := regexp.MustCompile(`grep -qE '([^']+)'`).FindStringSubmatch(fmt.Sprint(d.HealthCheck.Command))
					if m == nil || !regexp.MustCompile(m[1]).MatchString("HTTP/1.1 406 Not Acceptable") {
						return fmt.Errorf("container %s health check %v fails on LiveKit's 406: ECS stops the task", d.Name, d.HealthCheck.Command)
					}
				}
			}
			return nil
		},
		Break: func(p *plan.Plan) *plan.Plan {
			return apirules.Edit(p, tTaskDef, func(r *plan.Resource) {
				var defs []map[string]any
				_ = json.Unmarshal([]byte(r.InputString("containerDefinitions")), &defs)
				for _, d := range defs {
					d["healthCheck"] = map[string]any{"command": []string{"CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:7880/ || exit 1"}}
				}
				b, _ := json.Marshal(defs)
				apirules.SetInput(r, "containerDefinitions", string(b), false)
			})
		},
	},
	{
		// Fargate task sizes: 2048 CPU units take 4-16 GB in 1 GB steps, and
		// likewise per CPU value; any other pair is refused at registration.
		Name:   "Fargate task CPU and memory form a supported pair",
		Source: "docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size",
		Check: func(p *plan.Plan) error {
			for _, td := range p.ByType(tTaskDef) {
				cpu, _ := strconv.Atoi(td.InputString("cpu"))
				mem, _ := strconv.Atoi(td.InputString("memory"))
				if cpu >= 1024 && cpu <= 4096 && (mem < 2*cpu || mem > 8*cpu || mem%1024 != 0) {
					return fmt.Errorf("task %s: %d CPU units with %d MiB is not a Fargate size", td.Name, cpu, mem)
				}
			}
			return nil
		},
		Break: func(p *plan.Plan) *plan.Plan {
			return apirules.Edit(p, tTaskDef, func(r *plan.Resource) { apirules.SetInput(r, "memory", "3000", false) })
		},
		BrokenConfig: map[string]string{"awsTaskMemory": "3000"},
		WantKey:      "awsTaskMemory",
	},
	{
		Name:         "Fargate caps stopTimeout at 120 s",
		Source:       "docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html (stopTimeout: max 120 seconds on Fargate)",
		BrokenConfig: map[string]string{"awsDrainSeconds": "300"},
		WantKey:      "awsDrainSeconds",
	},
	{
		Name:         "ECS capacity provider weights are 0-1000",
		Source:       "docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html (weight 0-1000, base 0-100000)",
		BrokenConfig: map[string]string{"awsFargateSpotWeight": "1001", "awsFargateOnDemandBase": "3"},
		WantKey:      "awsFargateSpotWeight",
	},
	{
		Name:         "an ALB target group can express the Redis outage tolerance",
		Source:       "docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html (UnhealthyThresholdCount 2-10, HealthCheckIntervalSeconds 5-300)",
		BrokenConfig: map[string]string{"awsRedisOutageToleranceSeconds": "5000"},
		WantKey:      "awsRedisOutageToleranceSeconds",
	},
}

func TestCloudAPIRules(t *testing.T) {
	apirules.Run(t, awsRules, prodStack)
}
