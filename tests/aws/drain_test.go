package aws_test

import (
	"slices"
	"testing"

	awsc "github.com/livekit-infra/livekit-infra/components/aws"
)

const tCapacity = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"

// ECS deregisters a stopping task and waits the target group's
// deregistration delay BEFORE it sends SIGTERM; until SIGTERM LiveKit does
// not know it is leaving and still takes new rooms. So the delay must be a
// few seconds (in-flight API requests), and the drain window is
// stopTimeout after SIGTERM: the time from "chosen for removal" to "refuses
// new rooms" is the delay alone.
func TestDrainOrder(t *testing.T) {
	p := prod(t)
	tg := child(t, p, tMedia, tTargetGroup, "")
	delay := num(t, tg, "deregistrationDelay")
	stop := livekitContainer(t, p).StopTimeout
	if delay != awsc.DeregistrationDelay {
		t.Errorf("deregistrationDelay = %d, want %d", delay, awsc.DeregistrationDelay)
	}
	if delay > 15 {
		t.Errorf("deregistrationDelay = %d s: a task chosen for removal keeps taking new rooms that long before SIGTERM", delay)
	}
	if stop != awsc.MaxStopTimeout {
		t.Errorf("stopTimeout = %d, want Fargate's cap %d: the drain window after SIGTERM", stop, awsc.MaxStopTimeout)
	}
	t.Logf("a removed task takes new rooms for at most %d s, then drains its rooms for %d s", delay, stop)
}

// Spot off (the default): every task on FARGATE, no capacity providers.
func TestNoSpotByDefault(t *testing.T) {
	p := prod(t)
	svc := child(t, p, tMedia, tService, "")
	expect(t, svc, "launchType", "FARGATE")
	absentOrEmpty(t, svc, "capacityProviderStrategies", "Spot is off by default")
	if rs := p.ByType(tCapacity); len(rs) != 0 {
		t.Errorf("%d ClusterCapacityProviders with Spot off, want none", len(rs))
	}
}

// Spot on: the service's strategy keeps minNodes tasks on FARGATE (the base
// never runs on Spot) and splits the rest by weight; the cluster offers both
// providers, and the service waits for them.
func TestFargateSpotStrategy(t *testing.T) {
	p := variantPlan(t, "spot")
	svc := child(t, p, tMedia, tService, "")
	absentOrEmpty(t, svc, "launchType", "a service takes a launch type or a capacity provider strategy, not both")
	var got []struct {
		CapacityProvider string
		Base, Weight     int
	}
	raw, _ := svc.RawInput("capacityProviderStrategies")
	for _, item := range raw.([]any) {
		m := item.(map[string]any)
		base, _ := m["base"].(int)
		weight, _ := m["weight"].(int)
		got = append(got, struct {
			CapacityProvider string
			Base, Weight     int
		}{m["capacityProvider"].(string), base, weight})
	}
	want := []struct {
		CapacityProvider string
		Base, Weight     int
	}{{"FARGATE", 3, 1}, {"FARGATE_SPOT", 0, 3}}
	if !slices.Equal(got, want) {
		t.Errorf("capacity provider strategy = %+v, want %+v", got, want)
	}
	target := child(t, p, tMedia, tScaleTarget, "")
	if base, min := want[0].Base, num(t, target, "minCapacity"); base < min {
		t.Errorf("on-demand base %d below the autoscaler's minimum %d: the floor would run on Spot", base, min)
	}
	cp := child(t, p, tMedia, tCapacity, "")
	if got := list(t, cp, "capacityProviders"); !slices.Equal(got, []string{"FARGATE", "FARGATE_SPOT"}) {
		t.Errorf("cluster capacity providers = %v, want FARGATE and FARGATE_SPOT", got)
	}
	dependsOn(t, cp, child(t, p, tMedia, tCluster, ""), "the providers belong to the LiveKit cluster")
	dependsOn(t, svc, cp, "a strategy may only name the cluster's providers")
	// Spot changes nothing else about the drain.
	if c := livekitContainer(t, p); c.StopTimeout != awsc.MaxStopTimeout {
		t.Errorf("stopTimeout with Spot = %d, want %d (Spot's two-minute notice)", c.StopTimeout, awsc.MaxStopTimeout)
	}
}
