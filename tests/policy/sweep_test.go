// Package policy sweeps the plan of every committed stack (Pulumi.*.yaml at
// the repository root, evaluated offline with internal/plan) and of variants
// with each optional feature on, through the rule pack of tests/policy/rules.
// A violation fails the test unless it is in the known-violations list
// (known_test.go), and an entry of that list that no plan produces any more
// fails it too: the list shows exactly what remains to fix.
//
// It links every cloud's SDK (it plans every kind); the rules and their own
// tests (tests/policy/rules) link none.
package policy

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks"
	"github.com/livekit-infra/livekit-infra/tests/policy/rules"
)

const projectDir = "../.."

// variant is a stack with config keys changed (bare livekit-infra names);
// secret lists the keys set as config secrets.
type variant struct {
	set    map[string]string
	secret []string
}

// Optional features, per kind, each turned on in a variant of every
// committed stack of that kind.
var variants = map[string]map[string]variant{
	"aws": {
		"turn":        {set: map[string]string{"turnUdpPort": "3478"}},
		"mux":         {set: map[string]string{"mediaUdpPorts": "7882"}},
		"natSingle":   {set: map[string]string{"awsNatGateways": "single"}},
		"userSecrets": userSecrets("redisPassword"),
	},
	"gcp": {
		"turn":              {set: map[string]string{"turnUdpPort": "3478"}},
		"mux":               {set: map[string]string{"mediaUdpPorts": "7882"}},
		"authorizedNetwork": {set: map[string]string{"gcpMasterAuthorizedNetworks": `["198.51.100.0/24", "203.0.113.0/24"]`}},
		"userSecrets":       userSecrets(),
	},
	"azure": {
		"turn":            {set: map[string]string{"turnUdpPort": "3478"}},
		"mux":             {set: map[string]string{"mediaUdpPorts": "7882"}},
		"authorizedRange": {set: map[string]string{"azureApiAuthorizedIpRanges": `["198.51.100.0/24", "203.0.113.0/24"]`}},
		"acmeEmail":       {set: map[string]string{"azureAcmeEmail": "ops@example.com"}},
		"userSecrets":     userSecrets(),
		// The committed region runs Egress (shared keys for it) behind
		// Private Link; these are the opt-outs: the account on its public
		// endpoint behind Front Door Standard, and no Egress at all.
		"publicRecordings": {set: map[string]string{"azureRecordingsPrivateLink": "false"}},
		"noSharedKey":      {set: map[string]string{"azureRecordingsSharedKey": "false"}},
	},
	// The azure kind on Container Instances (azurePlatform aci): no TURN,
	// no port range, no AKS keys.
	"azure-aci": {
		"oneGroup":    {set: map[string]string{"azureAciGroups": "1"}},
		"noZones":     {set: map[string]string{"azureAvailabilityZones": "[]"}},
		"userSecrets": userSecrets(),
		// Writing to the central view: the token refresher beside LiveKit.
		"central": {set: aciCentralKeys},
	},
	"global": {
		"alarmEmail": {set: map[string]string{"globalAlarmEmail": "oncall@example.com"}},
		"latency":    {set: map[string]string{"globalRoutingMode": "latency"}},
	},
}

// userSecrets brings the region's own API key and secret (instead of the
// credentials stack's key set), and more keys, as config secrets:
// distinctive values that the plain-secret rule looks for.
func userSecrets(more ...string) variant {
	v := variant{set: map[string]string{
		"credentialsStack": "",
		"apiKey":           "APIpolicySweepKey42", "apiSecret": "policySweepApiSecret0123456789abcdefXYZ",
	}, secret: []string{"apiKey", "apiSecret"}}
	for _, k := range more {
		v.set[k] = "policySweepRedisToken0123456789"
		v.secret = append(v.secret, k)
	}
	return v
}

// committedStacks are the stacks with a Pulumi.<stack>.yaml at the root.
func committedStacks(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(projectDir, "Pulumi.*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml"))
	}
	sort.Strings(out)
	if len(out) == 0 {
		t.Fatal("no committed stacks")
	}
	return out
}

func load(t *testing.T, stack string, v variant) *plan.StackConfig {
	t.Helper()
	sc, err := plan.LoadStackConfig(projectDir, stack)
	if err != nil {
		t.Fatal(err)
	}
	for k, val := range v.set {
		sc.Config[stackconfig.Namespace+":"+k] = val
	}
	for _, k := range v.secret {
		sc.SecretKeys = append(sc.SecretKeys, stackconfig.Namespace+":"+k)
	}
	return sc
}

// sweepJob is a committed stack, or a feature variant of it.
type sweepJob struct {
	stack, variant string
	v              variant
}

func (j sweepJob) where() string {
	if j.variant == "" {
		return j.stack
	}
	return j.stack + "+" + j.variant
}

// sweep plans every committed stack and each feature variant of it in a
// parallel subtest named by where(), answering a global stack's
// references as `lkinfra plan` does, and hands each plan to check.
func sweep(t *testing.T, check func(t *testing.T, j sweepJob, sc *plan.StackConfig, p *plan.Plan)) {
	t.Helper()
	var jobs []sweepJob
	for _, stack := range committedStacks(t) {
		jobs = append(jobs, sweepJob{stack: stack})
		sc := load(t, stack, variant{})
		vs := variantsOf(sc)
		for _, n := range slices.Sorted(maps.Keys(vs)) {
			jobs = append(jobs, sweepJob{stack, n, vs[n]})
		}
	}
	for _, j := range jobs {
		t.Run(j.where(), func(t *testing.T) {
			t.Parallel()
			sc := load(t, j.stack, j.v)
			var opts []plan.Option
			if kindOf(sc) == "global" {
				opts = stackRefs(t, sc)
			}
			p, err := plan.Evaluate(sc, stacks.Program, opts...)
			if err != nil {
				t.Fatalf("planning: %v", err)
			}
			check(t, j, sc, p)
		})
	}
}

func kindOf(sc *plan.StackConfig) string { return sc.Config[stackconfig.Namespace+":kind"] }

// variantsOf are the variants of a stack's kind, or of its platform where
// that platform has its own (azure-aci).
func variantsOf(sc *plan.StackConfig) map[string]variant {
	if v, ok := variants[kindOf(sc)+"-"+sc.Config[stackconfig.Namespace+":azurePlatform"]]; ok {
		return v
	}
	return variants[kindOf(sc)]
}

var (
	regionalMu    sync.Mutex
	regionalPlans = map[string]*plan.Plan{}
)

// regionalPlan is the plan of a committed regional stack (once per binary):
// its outputs answer the global stack's references.
func regionalPlan(t *testing.T, stack string) (*plan.Plan, error) {
	regionalMu.Lock()
	defer regionalMu.Unlock()
	if p, ok := regionalPlans[stack]; ok {
		return p, nil
	}
	sc, err := plan.LoadStackConfig(projectDir, stack)
	if err != nil {
		return nil, err
	}
	p, err := plan.Evaluate(sc, stacks.Program)
	if err != nil {
		return nil, err
	}
	regionalPlans[stack] = p
	return p, nil
}

// stackRefs answers a global stack's references with the plans of the
// referenced regional stacks, as `lkinfra plan` does.
func stackRefs(t *testing.T, sc *plan.StackConfig) []plan.Option {
	t.Helper()
	raw := stackconfig.Raw{Values: map[string]string{}, Secret: map[string]bool{}}
	for k, v := range sc.Config {
		raw.Values[k] = v
	}
	for _, k := range sc.SecretKeys {
		raw.Secret[k] = true
	}
	s, err := stackconfig.Parse(sc.Stack, raw)
	if err != nil || s.Global == nil {
		t.Fatalf("global stack %s: %v", sc.Stack, err)
	}
	var opts []plan.Option
	for _, r := range s.Global.Regions {
		name := r.Stack[strings.LastIndex(r.Stack, "/")+1:]
		p, err := regionalPlan(t, name)
		if err != nil {
			t.Fatalf("planning %s for the global stack's reference: %v", name, err)
		}
		outs := map[string]any{}
		for k, v := range p.RawOutputs {
			if p.OutputIsSecret(k) {
				outs[k] = resource.MakeSecret(resource.NewPropertyValue(v))
			} else {
				outs[k] = v
			}
		}
		opts = append(opts, plan.WithStackReference(r.Stack, outs))
	}
	return opts
}

// found is one violation with where it was seen.
type found struct {
	rules.Violation
	where string
}

func TestEveryPlanPassesThePolicies(t *testing.T) {
	var (
		mu  sync.Mutex
		all []found
	)
	t.Run("plans", func(t *testing.T) {
		sweep(t, func(t *testing.T, j sweepJob, sc *plan.StackConfig, p *plan.Plan) {
			vs, err := rules.Check(rules.FromPlan(p))
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, v := range vs {
				all = append(all, found{v, j.where()})
			}
		})
	})
	if t.Failed() {
		return
	}

	seen := map[string]bool{}
	var unexpected []string
	for _, f := range all {
		k := f.Rule + "|" + f.Key
		seen[k] = true
		if _, ok := knownViolations[k]; !ok {
			unexpected = append(unexpected, fmt.Sprintf("%s (in %s): %s", k, f.where, f.Message))
		}
	}
	sort.Strings(unexpected)
	unexpected = dedupe(unexpected)
	for _, u := range unexpected {
		t.Errorf("policy violation: %s", u)
	}
	var stale []string
	for k := range knownViolations {
		if !seen[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(stale)
	for _, k := range stale {
		t.Errorf("known violation %s no longer occurs: remove it from knownViolations", k)
	}
	if os.Getenv("POLICY_REPORT") != "" {
		var lines []string
		for _, f := range all {
			lines = append(lines, fmt.Sprintf("%s|%s\t%s\t%s", f.Rule, f.Key, f.where, f.Message))
		}
		sort.Strings(lines)
		t.Logf("violations:\n%s", strings.Join(dedupe(lines), "\n"))
	}
}

func dedupe(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
