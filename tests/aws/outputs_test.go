package aws_test

import (
	"strings"
	"testing"
)

// The stack outputs token servers, the global stack and operators read.
func TestOutputs(t *testing.T) {
	p := prod(t)
	exact := map[string]string{
		"url":       "wss://" + prodHostname,
		"healthUrl": "https://" + prodHostname + "/",
	}
	for k, want := range exact {
		if got := p.Outputs[k]; got != want {
			t.Errorf("output %s = %v, want %s", k, got, want)
		}
	}
	cfgSecret := child(t, p, tMedia, tSecret, "-config")
	api, _ := p.Find(tSecret, "livekit-api-credentials")
	bucket := child(t, p, tRecordings, tBucket, "")
	prefixed := map[string]string{
		"albDnsName":       "livekit-", // the mock ALB's DNS name
		"redisEndpoint":    "master.",
		"recordingsBucket": bucket.ID,
		"configSecretArn":  cfgSecret.ID,
		"apiKeySecretArn":  api.ID,
	}
	for k, prefix := range prefixed {
		got, _ := p.Outputs[k].(string)
		if got == "" || !strings.HasPrefix(got, prefix) {
			t.Errorf("output %s = %v, want a value starting with %q", k, p.Outputs[k], prefix)
		}
	}
	if got, _ := p.Outputs["albDnsName"].(string); !strings.HasSuffix(got, ".elb.amazonaws.com") {
		t.Errorf("albDnsName = %q, want the ALB's DNS name", got)
	}
	for k := range exact {
		prefixed[k] = ""
	}
	// These are read by other stacks and tools; none of them is sensitive.
	for k := range prefixed {
		if p.OutputIsSecret(k) {
			t.Errorf("output %s is a secret; it holds no secret value and other stacks read it", k)
		}
	}
}
