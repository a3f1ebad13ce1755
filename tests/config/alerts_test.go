package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
)

// Alarm routing and thresholds (#18): a bad email, webhook URL or threshold
// is reported with its full key, the value (never a secret's) and what is
// allowed, all problems together.
func TestAlertSettingsErrors(t *testing.T) {
	const hook = "http://hooks.example.com/T0123/secret-token"
	cases := []struct {
		name   string
		set    map[string]string
		secret []string
		key    string
		want   []string
		leak   string
	}{
		{name: "email without domain", set: map[string]string{ns + "alertEmails": `["oncall"]`},
			key: ns + "alertEmails[0]", want: []string{`"oncall"`, "must be an email address"}},
		{name: "second email bad", set: map[string]string{ns + "alertEmails": `["a@example.com", "b@example"]`},
			key: ns + "alertEmails[1]", want: []string{`"b@example"`, "must be an email address"}},
		{name: "email twice", set: map[string]string{ns + "alertEmails": `["a@example.com", "A@example.com"]`},
			key: ns + "alertEmails[1]", want: []string{"listed twice"}},
		{name: "emails not a list", set: map[string]string{ns + "alertEmails": "a@example.com"},
			key: ns + "alertEmails", want: []string{"must be a list of strings"}},
		{name: "webhook over http", set: map[string]string{ns + "alertWebhookUrl": hook}, secret: []string{ns + "alertWebhookUrl"},
			key: ns + "alertWebhookUrl", want: []string{"[secret]", "must use https://"}, leak: "secret-token"},
		{name: "webhook not a URL", set: map[string]string{ns + "alertWebhookUrl": "hooks.example.com/x"}, secret: []string{ns + "alertWebhookUrl"},
			key: ns + "alertWebhookUrl", want: []string{"[secret]", "absolute https:// URL"}, leak: "hooks.example.com/x"},
		{name: "webhook with userinfo", set: map[string]string{ns + "alertWebhookUrl": "https://u:pw@hooks.example.com/x"}, secret: []string{ns + "alertWebhookUrl"},
			key: ns + "alertWebhookUrl", want: []string{"must not carry credentials"}, leak: "u:pw"},
		{name: "webhook in plain text", set: map[string]string{ns + "alertWebhookUrl": "https://hooks.example.com/T0123/secret-token"},
			key: ns + "alertWebhookUrl", want: []string{"(plain text)", "--secret"}, leak: "secret-token"},
		{name: "redis memory above 95", set: map[string]string{ns + "alertRedisMemoryPercent": "99"},
			key: ns + "alertRedisMemoryPercent", want: []string{`"99"`, "from 50 to 95"}},
		{name: "redis cpu zero", set: map[string]string{ns + "alertRedisCpuPercent": "0"},
			key: ns + "alertRedisCpuPercent", want: []string{`"0"`, "from 10 to 100"}},
		{name: "lb 5xx not a number", set: map[string]string{ns + "alertLb5xxPerMinute": "lots"},
			key: ns + "alertLb5xxPerMinute", want: []string{`"lots"`, "whole number from 1 to 100000"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := stackconfig.Raw{Values: validAWS(), Secret: map[string]bool{}}
			for k, v := range tc.set {
				raw.Values[k] = v
			}
			for _, k := range tc.secret {
				raw.Secret[k] = true
			}
			_, err := stackconfig.Parse("aws-prod", raw)
			var se *stackconfig.Error
			if !errors.As(err, &se) {
				t.Fatalf("Parse: %v, want a *stackconfig.Error", err)
			}
			if len(se.Problems) != 1 || se.Problems[0].Key != tc.key {
				t.Fatalf("want one problem at %s, got:\n%v", tc.key, err)
			}
			msg := err.Error()
			for _, w := range append([]string{tc.key + " = "}, tc.want...) {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
			if tc.leak != "" && strings.Contains(msg, tc.leak) {
				t.Errorf("error leaks %q:\n%s", tc.leak, msg)
			}
		})
	}

	// Accepted: two addresses and an https webhook (a secret).
	raw := stackconfig.Raw{Values: validAWS(), Secret: map[string]bool{ns + "alertWebhookUrl": true}}
	raw.Values[ns+"alertEmails"] = `["oncall@example.com", "sre@example.org"]`
	raw.Values[ns+"alertWebhookUrl"] = "https://hooks.example.com/T0123/token"
	s, err := stackconfig.Parse("aws-prod", raw)
	if err != nil {
		t.Fatalf("valid alert settings refused: %v", err)
	}
	if got := s.Region.Alerts; len(got.Emails) != 2 || !got.Webhook.IsSet() || got.RedisMemoryPercent != 80 {
		t.Errorf("alerts = %+v", got)
	}
}

// The routing and threshold keys are every region's: a bad email, an http
// webhook or a threshold out of range on gcp and azure stacks is refused
// naming the key; a threshold in range reaches the settings.
func TestAlertKeysOnEveryRegion(t *testing.T) {
	for _, stack := range []string{"gcp-eu", "azure-asia"} {
		t.Run(stack, func(t *testing.T) {
			sc, raw := lkcheck.StackRaw(t, repoRoot, stack)
			raw.Values[ns+"alertEmails"] = `["oncall@example.com", "sre@example.org"]`
			raw.Values[ns+"alertWebhookUrl"] = "https://hooks.example.com/T0123/token"
			raw.Secret[ns+"alertWebhookUrl"] = true
			raw.Values[ns+"alertRedisCpuPercent"] = "50"
			raw.Values[ns+"alertLb5xxPerMinute"] = "25"
			s, err := stackconfig.Parse(sc.Stack, raw)
			if err != nil {
				t.Fatalf("valid alert routing refused on %s: %v", stack, err)
			}
			if a := s.Region.Alerts; len(a.Emails) != 2 || !a.Webhook.IsSet() || a.RedisCPUPercent != 50 || a.LoadBalancer5xxPerMin != 25 || a.RedisMemoryPercent != 80 {
				t.Errorf("alerts = %+v", a)
			}

			sc, raw = lkcheck.StackRaw(t, repoRoot, stack)
			raw.Values[ns+"alertEmails"] = `["oncall@example.com", "oncall"]`
			raw.Values[ns+"alertWebhookUrl"] = "http://hooks.example.com/T0123/secret-token"
			raw.Secret[ns+"alertWebhookUrl"] = true
			raw.Values[ns+"alertRedisCpuPercent"] = "5"
			raw.Values[ns+"alertRedisMemoryPercent"] = "96"
			_, err = stackconfig.Parse(sc.Stack, raw)
			var se *stackconfig.Error
			if !errors.As(err, &se) {
				t.Fatalf("Parse: %v, want a *stackconfig.Error", err)
			}
			got := map[string]bool{}
			for _, p := range se.Problems {
				got[p.Key] = true
			}
			for _, k := range []string{ns + "alertEmails[1]", ns + "alertWebhookUrl", ns + "alertRedisCpuPercent", ns + "alertRedisMemoryPercent"} {
				if !got[k] {
					t.Errorf("no problem at %s:\n%v", k, err)
				}
			}
			msg := err.Error()
			for _, w := range []string{`"oncall"`, "must be an email address", "must use https://", `"5"`, "from 10 to 100", `"96"`, "from 50 to 95"} {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
			if strings.Contains(msg, "secret-token") {
				t.Errorf("error leaks the webhook:\n%s", msg)
			}
		})
	}
}
