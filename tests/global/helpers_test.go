package global

import (
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	awsstack "github.com/livekit-infra/livekit-infra/stacks/aws"
	globalstack "github.com/livekit-infra/livekit-infra/stacks/global"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
)

const projectDir = "../.."

// Stack reference names of the committed Pulumi.global.yaml.
const (
	awsRef   = "organization/livekit-infra/aws-prod"
	gcpRef   = "organization/livekit-infra/gcp-eu"
	azureRef = "organization/livekit-infra/azure-asia"
)

// awsProd is the committed aws-prod stack: its outputs answer the global
// stack's reference to it.
var awsProd = &planq.Stack{Dir: projectDir, Name: "aws-prod", Program: awsstack.Program}

func awsRegionalPlan(t *testing.T) *plan.Plan {
	t.Helper()
	return awsProd.Plan(t)
}

// The metrics writers of gcp-eu and azure-asia in the shape a GKE or AKS
// region exports (components.MetricsWriter: the cluster's OIDC issuer and
// its metrics agent's service account; this package links only the AWS
// SDK). aws-prod's real plan exports its collector's task role.
const (
	gkeIssuer    = "https://container.googleapis.com/v1/projects/livekit-prod/locations/europe-west1/clusters/livekit-gcp-eu"
	aksIssuer    = "https://southeastasia.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/11111111-2222-3333-4444-555555555555/"
	agentSubject = "system:serviceaccount:livekit-metrics:prometheus-agent"
	// aksProviderARN is the IAM OIDC provider azure-asia declares for
	// aksIssuer (its cert-manager's Route 53 identity).
	aksProviderARN = "arn:aws:iam::" + plan.FakeAccountID + ":oidc-provider/southeastasia.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/11111111-2222-3333-4444-555555555555"
)

// regionalOutputs returns realistic outputs of the three regional stacks:
// aws-prod's from its plan; gcp-eu and azure-asia shaped like them (this
// package links only the AWS SDK), serving the same key set.
func regionalOutputs(t *testing.T) map[string]map[string]any {
	t.Helper()
	aws := map[string]any{}
	for k, v := range awsRegionalPlan(t).RawOutputs {
		aws[k] = v
	}
	return map[string]map[string]any{
		awsRef: aws,
		gcpRef: {
			"cloud": "gcp", "region": "europe-west1",
			"hostname": "gcp-eu.example.com", "url": "wss://gcp-eu.example.com",
			"healthUrl": "https://gcp-eu.example.com/", "healthCheckPath": "/",
			"globalHostname": "livekit.example.com", "ingressIp": "34.117.20.11",
			"apiKeyFingerprint": aws["apiKeyFingerprint"],
			"metricsWriter":     map[string]any{"issuer": gkeIssuer, "subject": agentSubject},
		},
		azureRef: {
			"cloud": "azure", "region": "southeastasia",
			"hostname": "azure-asia.example.com", "url": "wss://azure-asia.example.com",
			"healthUrl": "https://azure-asia.example.com/", "healthCheckPath": "/",
			"globalHostname": "livekit.example.com", "ingressIp": "20.195.96.14",
			"apiKeyFingerprint": aws["apiKeyFingerprint"],
			"metricsWriter":     map[string]any{"issuer": aksIssuer, "subject": agentSubject},
			// cert-manager's IAM OIDC provider for the AKS issuer, in
			// the global stack's account.
			"oidcProviderArn": aksProviderARN,
		},
	}
}

// globalConfig loads Pulumi.global.yaml with overrides (full keys; an empty
// value deletes the key).
func globalConfig(t *testing.T, overrides map[string]string) *plan.StackConfig {
	t.Helper()
	sc, err := plan.LoadStackConfig(projectDir, "global")
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range overrides {
		if v == "" {
			delete(sc.Config, k)
			continue
		}
		sc.Config[k] = v
	}
	return sc
}

// evalGlobal plans the global stack with the given overrides and regional
// outputs (nil: regionalOutputs).
func evalGlobal(t *testing.T, overrides map[string]string, outs map[string]map[string]any) (*plan.Plan, error) {
	t.Helper()
	if outs == nil {
		outs = regionalOutputs(t)
	}
	var opts []plan.Option
	for name, o := range outs {
		opts = append(opts, plan.WithStackReference(name, o))
	}
	return plan.Evaluate(globalConfig(t, overrides), globalstack.Program, opts...)
}

func mustGlobal(t *testing.T, overrides map[string]string) *plan.Plan {
	t.Helper()
	p, err := evalGlobal(t, overrides, nil)
	if err != nil {
		t.Fatalf("planning global: %v", err)
	}
	return p
}

// parseGlobal validates the global stack's config with overrides.
func parseGlobal(t *testing.T, overrides map[string]string) (*stackconfig.Stack, error) {
	t.Helper()
	sc := globalConfig(t, overrides)
	raw := stackconfig.Raw{Values: sc.Config, Secret: map[string]bool{}}
	return stackconfig.Parse(sc.Stack, raw)
}

// problems returns the config problems inside err (lkcheck.Problems).
var problems = lkcheck.Problems

func hasProblem(ps []stackconfig.Problem, key, contains string) bool {
	for _, p := range ps {
		if p.Key == key && strings.Contains(p.String(), contains) {
			return true
		}
	}
	return false
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	return planq.JSONOf(t, v)
}

// regionsJSON renders region objects as the JSON Pulumi hands a program for
// a structured config value.
func regionsJSON(t *testing.T, regions ...map[string]any) string {
	t.Helper()
	return jsonOf(t, regions)
}

func defaultRegions() []map[string]any {
	var out []map[string]any
	for _, r := range stackconfig.DefaultGlobalRegions {
		m := map[string]any{}
		for k, v := range r.(map[string]any) {
			m[k] = v
		}
		out = append(out, m)
	}
	return out
}

func str(v any) string { s, _ := v.(string); return s }
