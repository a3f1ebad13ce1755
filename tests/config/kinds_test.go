package config

import (
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
)

// A key another kind reads, or a key spelled in the wrong case, would be
// silently ignored: both are errors naming the key. Values equal to the
// declared default pass, since Pulumi.yaml injects every default into every
// stack.
func TestKeysOfOtherKindsAndWrongCase(t *testing.T) {
	cases := []struct {
		name string
		set  map[string]string
		key  string
		want []string // empty: accepted
	}{
		{name: "gcp key on an aws stack", set: map[string]string{ns + "gcpMachineType": "n2-standard-8"},
			key: ns + "gcpMachineType", want: []string{`"n2-standard-8"`, "a key of gcp stacks, not of this aws stack", "pulumi config rm"}},
		{name: "credentials key on an aws stack", set: map[string]string{ns + "apiKeys": `["APInew"]`},
			key: ns + "apiKeys", want: []string{"credentials stacks"}},
		{name: "global key on an aws stack", set: map[string]string{ns + "globalTtl": "60"},
			key: ns + "globalTtl", want: []string{"global stacks"}},
		{name: "task cpu in the wrong case", set: map[string]string{ns + "awsTaskCPU": "4096"},
			key: ns + "awsTaskCPU", want: []string{"not a known key", "did you mean livekit-infra:awsTaskCpu?"}},
		{name: "a renamed key", set: map[string]string{ns + "awsStopTimeout": "90"},
			key: ns + "awsStopTimeout", want: []string{`"90"`, "was renamed to livekit-infra:awsDrainSeconds", "pulumi config set livekit-infra:awsDrainSeconds 90"}},
		{name: "a renamed key at its old default", set: map[string]string{ns + "awsStopTimeout": "120"},
			key: ns + "awsStopTimeout", want: []string{"was renamed to livekit-infra:awsDrainSeconds"}},
		// Pulumi passes every namespace through: a key of this project under
		// another one would be ignored and its default used.
		{name: "the project's key under a short namespace", set: map[string]string{"livekit:minNodes": "4"},
			key: "livekit:minNodes", want: []string{`"4"`, `namespace "livekit" is read by nothing`, "did you mean livekit-infra:minNodes?"}},
		{name: "a typo in the namespace", set: map[string]string{"livekit-infr:maxNode": "12"},
			key: "livekit-infr:maxNode", want: []string{"did you mean livekit-infra:maxNodes?"}},
		{name: "the short form lk", set: map[string]string{"lk:cpuTarget": "60"},
			key: "lk:cpuTarget", want: []string{"did you mean livekit-infra:cpuTarget?"}},
		{name: "another tool's namespace", set: map[string]string{"acme-policy:owner": "team-rtc"}},
		{name: "a provider's own key", set: map[string]string{"aws:profile": "prod"}},
		{name: "Pulumi.yaml's default of a gcp key", set: map[string]string{ns + "gcpMachineType": "n2-standard-4"}},
		{name: "Pulumi.yaml's default of an array key", set: map[string]string{ns + "apiKeys": `["APIlivekit1"]`}},
		{name: "Pulumi.yaml's default of an integer key", set: map[string]string{ns + "globalTtl": "30"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := validAWS()
			for k, v := range c.set {
				raw[k] = v
			}
			_, err := stackconfig.Parse("aws-prod", stackconfig.Raw{Values: raw})
			if len(c.want) == 0 {
				if err != nil {
					t.Fatalf("a default value was refused: %v", err)
				}
				return
			}
			wantOneProblem(t, err, c.key, c.want)
		})
	}
}

// The autoscaling cooldowns feed ECS's Application Auto Scaling only: on a
// Kubernetes or Container Instances stack a set value would do nothing, so
// it is refused naming the platform that reads it; the default passes.
func TestCooldownsOnlyOnFargate(t *testing.T) {
	for _, c := range []struct {
		stack, key string
		want       []string
	}{
		{"gcp-eu", "scaleInCooldown", []string{`"600"`, "a key of aws stacks, not of this gcp stack"}},
		{"azure-asia", "scaleOutCooldown", []string{`"600"`, "a key of aws stacks, not of this azure stack"}},
		{"azure-aci", "scaleInCooldown", []string{`"600"`, "a key of aws stacks"}},
		{"aws-eks", "scaleInCooldown", []string{`"600"`, "livekit-infra:awsPlatform fargate stacks, not of this livekit-infra:awsPlatform eks stack"}},
	} {
		t.Run(c.stack+"/"+c.key, func(t *testing.T) {
			sc, raw := lkcheck.StackRaw(t, repoRoot, c.stack)
			if _, err := stackconfig.Parse(sc.Stack, raw); err != nil {
				t.Fatalf("committed stack refused: %v", err)
			}
			raw.Values[ns+c.key] = "600"
			_, err := stackconfig.Parse(sc.Stack, raw)
			wantOneProblem(t, err, ns+c.key, c.want)
		})
	}
	sc, raw := lkcheck.StackRaw(t, repoRoot, "aws-prod")
	raw.Values[ns+"scaleInCooldown"] = "600"
	s, err := stackconfig.Parse(sc.Stack, raw)
	if err != nil {
		t.Fatalf("aws-prod (Fargate) refused scaleInCooldown 600: %v", err)
	}
	if got := s.AWS.ScaleInCooldown; got != 600 {
		t.Errorf("aws-prod ScaleInCooldown = %d, want 600", got)
	}
}

// Every renamed key points at a key that exists, and no current key is
// also listed as a former name.
func TestRenamedKeysPointAtKeys(t *testing.T) {
	for old, to := range stackconfig.RenamedKeys {
		if _, ok := stackconfig.KeyByName(to); !ok {
			t.Errorf("%s was renamed to %s, which is not a key", old, to)
		}
		if _, ok := stackconfig.KeyByName(old); ok {
			t.Errorf("%s is both a key and a former name", old)
		}
	}
}
