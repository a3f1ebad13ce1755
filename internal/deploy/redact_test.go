package deploy

import (
	"context"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

const (
	configSecret = "APIkeyFromConfig1234"
	stateSecret  = "S3cretRedisPassw0rd"
	// A secret with characters that diagnostics show escaped.
	quotedSecret = "multi\nline \"secret\" value"
)

// An exported deployment (stack export --show-secrets) with secrets in a
// resource's outputs and in a stack output.
const exportedState = `{"version":3,"deployment":{"resources":[
 {"urn":"urn:pulumi:aws-prod::livekit-infra::pulumi:pulumi:Stack::livekit-infra-aws-prod","type":"pulumi:pulumi:Stack",
  "outputs":{"url":"wss://aws-prod.example.com","apiSecret":{"4dabf18193072939515e22adb298388d":"1b47061264138c4ac30d75fd1eb44270","plaintext":"\"multi\\nline \\\"secret\\\" value\""}}},
 {"urn":"urn:pulumi:aws-prod::livekit-infra::random:index/randomPassword:RandomPassword::redis","type":"random:index/randomPassword:RandomPassword",
  "outputs":{"length":32,"result":{"4dabf18193072939515e22adb298388d":"1b47061264138c4ac30d75fd1eb44270","plaintext":"\"S3cretRedisPassw0rd\""}}}]}}`

// TestDiagnosticsRedactSecretsKnownToTheRun puts secrets into a failing
// preview's error (as a provider quoting a password would) and checks that
// the report, which becomes a pull-request comment, holds none of them.
func TestDiagnosticsRedactSecretsKnownToTheRun(t *testing.T) {
	r, calls := scriptedRunner(t, "",
		`"stack select --stack aws-prod") ;;`,
		`preview*) echo "error: redis: AUTH failed for password `+stateSecret+` (key `+configSecret+`) in us-west-2-redis-cluster" >&2; exit 255 ;;`,
		`"config --show-secrets --json --stack aws-prod") echo '{"livekit-infra:apiKey":{"value":"`+configSecret+`","secret":true},"aws:region":{"value":"us-west-2-redis-cluster","secret":false}}' ;;`,
		`"stack export --show-secrets --stack aws-prod") cat <<'EOF'
`+exportedState+`
EOF
;;`)
	sr := r.previewOne(context.Background(), "aws-prod")
	if sr.Error == "" {
		t.Fatalf("want a failed preview, got %+v (calls %q)", sr, calls())
	}
	for _, s := range []string{stateSecret, configSecret} {
		if strings.Contains(sr.Error, s) {
			t.Errorf("report error holds the secret %q: %s", s, sr.Error)
		}
	}
	if !strings.Contains(sr.Error, "AUTH failed for password "+SecretMask) || !strings.Contains(sr.Error, "us-west-2-redis-cluster") {
		t.Errorf("error = %q, want the secrets masked and the plain values kept", sr.Error)
	}
	md := (&Report{Kind: KindPreview, Stacks: []StackReport{sr}}).Markdown(MarkdownOptions{})
	if strings.Contains(md, stateSecret) || strings.Contains(md, configSecret) {
		t.Errorf("the comment holds a secret:\n%s", md)
	}
}

func TestRedactorMasksEscapedFormsAndValues(t *testing.T) {
	rd := newRedactor([]string{quotedSecret, stateSecret, "short", stateSecret + "-and-more"})
	sr := StackReport{
		Error:       `up failed: invalid value "multi\nline \"secret\" value"`,
		Diagnostics: []string{"config: " + quotedSecret, "token " + stateSecret + "-and-more", "short stays"},
		Notes:       []string{"note " + stateSecret},
		Changes:     []Change{{Properties: []PropertyChange{{Path: "tags.x", Old: stateSecret, New: map[string]any{"a": []any{"p=" + stateSecret}}}}}},
	}
	rd.stack(&sr)
	all := sr.Error + strings.Join(sr.Diagnostics, "|") + strings.Join(sr.Notes, "|") + DisplayValue(sr.Changes[0].Properties[0].Old) + DisplayValue(sr.Changes[0].Properties[0].New)
	for _, s := range []string{"multi", stateSecret} {
		if strings.Contains(all, s) {
			t.Errorf("%q left in %q", s, all)
		}
	}
	if sr.Diagnostics[1] != "token "+SecretMask {
		t.Errorf("a secret containing another is masked whole: got %q", sr.Diagnostics[1])
	}
	if sr.Diagnostics[2] != "short stays" {
		t.Errorf("values below %d characters are not redacted: got %q", minSecretLen, sr.Diagnostics[2])
	}
}

// The collector's diagnostics (the engine's error events) are redacted the
// same way.
func TestEngineDiagnosticsRedacted(t *testing.T) {
	sr := collect(t, false, apitype.EngineEvent{DiagnosticEvent: &apitype.DiagnosticEvent{Severity: "error",
		Message: "aws:elasticache:ReplicationGroup error: auth token " + stateSecret + " rejected\n"}})
	newRedactor([]string{stateSecret}).stack(&sr)
	if len(sr.Diagnostics) != 1 || strings.Contains(sr.Diagnostics[0], stateSecret) {
		t.Errorf("diagnostics = %q", sr.Diagnostics)
	}
}
