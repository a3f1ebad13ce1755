package gcp_test

import (
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
)

// Token servers read their credentials from Secret Manager, as a dedicated
// service account that may read that one secret and that only the token
// server's Kubernetes service account can impersonate. The secret stays in
// the region, and its value is a Pulumi secret holding exactly the key the
// nodes accept and the CDN's URL-signing key.
func TestTokenServerSecretManager(t *testing.T) {
	p := stackPlan(t)
	sec := one(t, p, "gcp:secretmanager/secret:Secret", "livekit-api-credentials")
	expect(t, sec, map[string]any{
		"project":  euProject,
		"secretId": "livekit-api-gcp-eu",
		"replication.userManaged.replicas[0].location": "europe-west1",
	})
	if _, auto := sec.Input("replication.auto"); auto {
		t.Error("automatic replication copies the key out of the region")
	}
	if !sec.Protect {
		t.Error("the credentials secret is not protected")
	}

	ver := one(t, p, "gcp:secretmanager/secretVersion:SecretVersion", "livekit-api-credentials")
	body, _ := renderedConfig(t, p)
	doc := lkcheck.TokenServerDoc(t, ver, "secretData", body)
	if doc["url"] != "wss://gcp-eu.example.com" {
		t.Errorf("url %q, want the region's wss URL", doc["url"])
	}
	signKey, _ := only(t, p, tSignedKey).RawInput("keyValue")
	if doc["recordingsCdnKey"] == "" || doc["recordingsCdnKey"] != signKey || doc["recordingsCdnKeyName"] == "" {
		t.Error("the CDN URL-signing key is not in the token servers' secret")
	}

	sa := one(t, p, tSA, "livekit-token-server")
	expect(t, sa, map[string]any{"accountId": "lk-token-gcp-eu", "project": euProject})
	email := "lk-token-gcp-eu@" + euProject + ".iam.gserviceaccount.com"
	var grants []*plan.Resource
	for _, typ := range []string{"gcp:secretmanager/secretIamMember:SecretIamMember", tIAMMember, "gcp:secretmanager/secretIamBinding:SecretIamBinding"} {
		for i, r := range p.ByType(typ) {
			if strings.Contains(r.InputString("member"), "lk-token") {
				grants = append(grants, &p.ByType(typ)[i])
			}
		}
	}
	if len(grants) != 1 || grants[0].Type != "gcp:secretmanager/secretIamMember:SecretIamMember" {
		t.Fatalf("token server grants %d, want exactly one, on the secret", len(grants))
	}
	expect(t, grants[0], map[string]any{
		"role": "roles/secretmanager.secretAccessor", "member": "serviceAccount:" + email, "secretId": "livekit-api-gcp-eu",
	})
	wi := one(t, p, "gcp:serviceaccount/iAMMember:IAMMember", "livekit-token-server-wi")
	expect(t, wi, map[string]any{
		"role":   "roles/iam.workloadIdentityUser",
		"member": "serviceAccount:" + euProject + ".svc.id.goog[livekit/livekit-token-server]",
	})
	if wi.InputString("serviceAccountId") == "" || !strings.Contains(wi.InputString("serviceAccountId"), "lk-token-gcp-eu") {
		t.Errorf("workload identity binding on %q, want the token-server account", wi.InputString("serviceAccountId"))
	}
	for _, k := range []string{"apiCredentialsSecret", "tokenServerServiceAccount"} {
		if s, _ := p.Outputs[k].(string); s == "" || p.OutputIsSecret(k) {
			t.Errorf("output %s = %v, want a plain reference for token servers", k, p.Outputs[k])
		}
	}
}
