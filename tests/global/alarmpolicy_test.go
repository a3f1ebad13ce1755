package global

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// #17 item 13: every service-principal grant in the alarms key's and
// topic's policies holds only for this account's us-east-1 alarms
// (aws:SourceAccount and aws:SourceArn, against the confused deputy), and
// the account administers the key without using it: no kms:* and no
// Encrypt/Decrypt/GenerateDataKey for the root, PutKeyPolicy kept so the key
// cannot lock its account out (KMS "Default key policy", key administrators).
func TestAlarmPoliciesScoped(t *testing.T) {
	p := mustGlobal(t, nil)
	type statement struct {
		Sid       string
		Principal map[string]any
		Action    any
		Condition map[string]map[string]any
	}
	var key, topic struct{ Statement []statement }
	keys := alarmKeys(p)
	tps := p.ByType("aws:sns/topicPolicy:TopicPolicy")
	if len(keys) != 1 || len(tps) != 1 {
		t.Fatalf("%d keys, %d topic policies", len(keys), len(tps))
	}
	if err := json.Unmarshal([]byte(keys[0].InputString("policy")), &key); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(tps[0].InputString("policy")), &topic); err != nil {
		t.Fatal(err)
	}
	wantArn := "arn:aws:cloudwatch:us-east-1:" + plan.FakeAccountID + ":alarm:*"
	services := 0
	for _, s := range append(slices.Clone(key.Statement), topic.Statement...) {
		if svc, ok := s.Principal["Service"]; ok {
			services++
			if got := s.Condition["StringEquals"]["aws:SourceAccount"]; got != plan.FakeAccountID {
				t.Errorf("statement %q for %v: aws:SourceAccount %v, want %s", s.Sid, svc, got, plan.FakeAccountID)
			}
			if got := s.Condition["ArnLike"]["aws:SourceArn"]; got != wantArn {
				t.Errorf("statement %q for %v: aws:SourceArn %v, want %s", s.Sid, svc, got, wantArn)
			}
		}
	}
	if services != 2 {
		t.Errorf("%d service-principal statements, want 2 (key and topic)", services)
	}
	for _, s := range key.Statement {
		if _, ok := s.Principal["AWS"]; !ok {
			continue
		}
		acts := actions(s.Action)
		for _, a := range acts {
			if a == "*" || a == "kms:*" || strings.HasPrefix(a, "kms:Encrypt") || strings.HasPrefix(a, "kms:Decrypt") || strings.HasPrefix(a, "kms:GenerateDataKey") || strings.HasPrefix(a, "kms:ReEncrypt") {
				t.Errorf("statement %q gives the account %s", s.Sid, a)
			}
		}
		if !slices.Contains(acts, "kms:Put*") || !slices.Contains(acts, "kms:ScheduleKeyDeletion") {
			t.Errorf("statement %q: the account cannot administer the key (PutKeyPolicy, deletion): %v", s.Sid, acts)
		}
	}
}
