package e2e

// A short Redis outage (an ElastiCache Multi-AZ failover, a patch) must not
// make ECS replace the LiveKit tasks: the ECS service scheduler replaces a
// task whose essential container check or target group check fails
// (docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_services.html),
// and LiveKit answers 406 within seconds of losing Redis. The test reads
// both checks' rendered settings from the aws-prod plan, records what a real
// node answers on GET / every second through a Redis outage shorter than the
// tolerance, and replays the record through each checker at every phase of
// its interval. The same record replayed through the old settings (3
// failures 10 s apart, 200 only) must flag the node: proof the replay can
// fail.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// checker is a health checker as the plan configures it: it probes every
// Interval, a probe passes when Passes(code) (code 0: no answer), and it
// declares the target unhealthy after Threshold consecutive failures.
type checker struct {
	Name      string
	Interval  time.Duration
	Threshold int
	Passes    func(code int) bool
}

// sample is one GET / answer at an offset from the start of the record.
type sample struct {
	at   time.Duration
	code int
}

// firstUnhealthy replays the record through c with its first probe at phase,
// and returns when c would declare the target unhealthy (ok false: never).
func (c checker) firstUnhealthy(record []sample, phase time.Duration) (time.Duration, bool) {
	end := record[len(record)-1].at
	fails := 0
	for at := phase; at <= end; at += c.Interval {
		code := 0
		for _, s := range record { // the latest answer at or before the probe
			if s.at <= at {
				code = s.code
			}
		}
		if c.Passes(code) {
			fails = 0
			continue
		}
		if fails++; fails >= c.Threshold {
			return at, true
		}
	}
	return 0, false
}

// anyPhaseUnhealthy tries every whole-second phase of c's interval.
func (c checker) anyPhaseUnhealthy(record []sample) (time.Duration, time.Duration, bool) {
	for phase := time.Duration(0); phase < c.Interval; phase += time.Second {
		if at, bad := c.firstUnhealthy(record, phase); bad {
			return phase, at, true
		}
	}
	return 0, 0, false
}

// awsCheckers reads the ALB target group and ECS container health checks
// from the aws-prod plan.
func awsCheckers(t *testing.T) (alb, container checker, tolerance time.Duration) {
	t.Helper()
	rs := regionStackNamed(t, "aws-prod")
	p := regionPlan(t, rs)
	// The signaling target group: the TURN/TLS one is TCP, health-checked on
	// the TURN port, and does not depend on Redis.
	var tgs []plan.Resource
	for _, tg := range p.ByType("aws:lb/targetGroup:TargetGroup") {
		if tg.InputString("protocol") != "TCP" && tg.InputString("protocol") != "TLS" {
			tgs = append(tgs, tg)
		}
	}
	if len(tgs) != 1 {
		t.Fatalf("%d target groups, want 1", len(tgs))
	}
	tg := tgs[0]
	interval, _ := tg.Input("healthCheck.interval")
	threshold, _ := tg.Input("healthCheck.unhealthyThreshold")
	iv, _ := interval.(int)
	th, _ := threshold.(int)
	matcher := tg.InputString("healthCheck.matcher")
	if iv == 0 || th == 0 || matcher == "" {
		t.Fatalf("target group health check interval %v, unhealthyThreshold %v, matcher %q: set them explicitly", interval, threshold, matcher)
	}
	alb = checker{Name: "ALB target group", Interval: time.Duration(iv) * time.Second, Threshold: th,
		Passes: func(code int) bool { return code != 0 && matcherAccepts(matcher, code) }}

	// LiveKit's task definition (Egress has its own).
	var tds []plan.Resource
	for _, td := range p.ByType("aws:ecs/taskDefinition:TaskDefinition") {
		if strings.Contains(td.InputString("containerDefinitions"), `"name":"livekit"`) {
			tds = append(tds, td)
		}
	}
	if len(tds) != 1 {
		t.Fatalf("%d task definitions, want 1", len(tds))
	}
	type containerDef struct {
		Name        string
		HealthCheck struct {
			Command  []string
			Interval int
			Retries  int
		}
	}
	var defs []containerDef
	if err := json.Unmarshal([]byte(tds[0].InputString("containerDefinitions")), &defs); err != nil {
		t.Fatalf("containerDefinitions: %v", err)
	}
	// The task also runs the metrics collector sidecar; ECS replaces the
	// task on the LiveKit container's health check.
	i := slices.IndexFunc(defs, func(d containerDef) bool { return d.Name == "livekit" })
	if i < 0 {
		t.Fatalf("no livekit container among %d", len(defs))
	}
	hc := defs[i].HealthCheck
	// The command passes when wget's status line matches its grep pattern
	// (busybox wget itself exits 1 on any non-2xx).
	m := regexp.MustCompile(`grep -qE '([^']+)'`).FindStringSubmatch(fmt.Sprint(hc.Command))
	accepts := func(code int) bool { return code >= 200 && code < 300 }
	if m != nil {
		re := regexp.MustCompile(m[1])
		accepts = func(code int) bool { return re.MatchString(fmt.Sprintf("HTTP/1.1 %d %s", code, http.StatusText(code))) }
	}
	container = checker{Name: "ECS container health check", Interval: time.Duration(hc.Interval) * time.Second, Threshold: hc.Retries,
		Passes: func(code int) bool { return code != 0 && accepts(code) }}
	if container.Interval == 0 || container.Threshold == 0 {
		t.Fatalf("container health check interval %d, retries %d", hc.Interval, hc.Retries)
	}
	return alb, container, time.Duration(th-1) * alb.Interval
}

func TestRedisBlipKeepsECSTasks(t *testing.T) {
	alb, container, tolerance := awsCheckers(t)
	// Half the tolerance, but at least long enough that the old settings
	// (3 x 10 s, 200 only) would have replaced the task.
	outage := max(tolerance/2, 30*time.Second)
	if outage >= tolerance {
		t.Fatalf("the rendered target group tolerates %s of 406; the test needs more than %s", tolerance, outage)
	}
	t.Logf("rendered: %s every %s, unhealthy after %d; %s every %s, unhealthy after %d; outage %s",
		alb.Name, alb.Interval, alb.Threshold, container.Name, container.Interval, container.Threshold, outage)

	n := startRegionNode(t, "aws-prod")
	rds, node := n.Redis, n.Node
	waitHealth(t, node, http.StatusOK)

	var record []sample
	start := time.Now()
	observe := func(until time.Duration) {
		for time.Since(start) < until {
			code, _, err := node.Health()
			if err != nil {
				code = 0
			}
			record = append(record, sample{at: time.Since(start), code: code})
			time.Sleep(time.Second)
		}
	}
	observe(5 * time.Second)
	rds.Stop()
	observe(5*time.Second + outage)
	rds.Restart()
	observe(5*time.Second + outage + 15*time.Second)

	saw406, n406 := false, 0
	for _, s := range record {
		if s.code == http.StatusNotAcceptable {
			saw406, n406 = true, n406+1
		}
	}
	t.Logf("GET / answered 406 in %d of %d samples (one a second)", n406, len(record))
	if !saw406 {
		t.Fatalf("GET / never answered 406 during the %s outage: the record proves nothing\n%v", outage, record)
	}
	if done, err := node.proc.exited(); done {
		t.Fatalf("LiveKit exited during the outage: %v", err)
	}
	if code, _, _ := node.Health(); code != http.StatusOK {
		t.Fatalf("GET / is %d after Redis came back, want 200", code)
	}
	for _, c := range []checker{alb, container} {
		if phase, at, bad := c.anyPhaseUnhealthy(record); bad {
			t.Errorf("%s (phase %s) would declare the node unhealthy %s into the record, and ECS would replace it", c.Name, phase, at.Round(time.Second))
		}
	}
	old := checker{Name: "the old target group (3 x 10 s, 200 only)", Interval: 10 * time.Second, Threshold: 3,
		Passes: func(code int) bool { return code == http.StatusOK }}
	if phase, at, bad := old.anyPhaseUnhealthy(record); !bad {
		t.Errorf("%s never flags the record: the outage was too short to tell the settings apart\n%v", old.Name, record)
	} else {
		t.Logf("control: %s (phase %s) flags the node %s into the record", old.Name, phase, at.Round(time.Second))
	}
}
