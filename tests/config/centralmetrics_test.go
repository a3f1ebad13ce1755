package config

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// The central metrics keys (#18): both or neither, an AMP remote-write URL
// and an IAM role ARN, refused at plan time naming the key, on every
// regional stack; unset, a plan warning, not an error.
func TestCentralMetricsKeys(t *testing.T) {
	const (
		url  = "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-0a1b2c3d-4e5f-6789-abcd-ef0123456789/api/v1/remote_write"
		role = "arn:aws:iam::210987654321:role/livekit-metrics-write-gcp-eu-1a2b3c4"
	)
	u, r := ns+"centralMetricsRemoteWriteUrl", ns+"centralMetricsWriterRoleArn"
	cases := []struct {
		name string
		set  map[string]string
		key  string
		want []string
	}{
		{"url without role", map[string]string{u: url}, r, []string{"(not set)", "must be set when " + u}},
		{"role without url", map[string]string{r: role}, u, []string{"(not set)", "must be set when " + r}},
		{"plain http", map[string]string{u: strings.Replace(url, "https", "http", 1), r: role}, u, []string{"http://aps-workspaces", "remoteWriteUrl"}},
		{"not AMP", map[string]string{u: "https://prometheus.example.com/api/v1/write", r: role}, u, []string{"prometheus.example.com", "aps-workspaces.<region>"}},
		{"query URL", map[string]string{u: strings.Replace(url, "remote_write", "query", 1), r: role}, u, []string{"api/v1/query"}},
		{"user ARN", map[string]string{u: url, r: "arn:aws:iam::210987654321:user/ops"}, r, []string{"user/ops", "IAM role ARN"}},
		{"role name", map[string]string{u: url, r: "livekit-metrics-write"}, r, []string{`"livekit-metrics-write"`, "IAM role ARN"}},
	}
	for _, stack := range []string{"aws-prod", "aws-eks", "gcp-eu", "azure-asia", "azure-aci"} {
		sc, err := plan.LoadStackConfig(repoRoot, stack)
		if err != nil {
			t.Fatal(err)
		}
		s, err := stackconfig.Parse(stack, stackconfig.Raw{Values: sc.Config})
		if err != nil {
			t.Fatalf("the committed %s is refused: %v", stack, err)
		}
		if s.Region.CentralMetrics.On() {
			t.Errorf("%s writes centrally with the keys unset", stack)
		}
		if !hasWarning(stackconfig.Warnings(sc.Config, time.Now()), u) {
			t.Errorf("%s: no plan warning that the region writes nothing centrally", stack)
		}
		for _, c := range cases {
			t.Run(stack+"/"+c.name, func(t *testing.T) {
				vals := maps.Clone(sc.Config)
				maps.Copy(vals, c.set)
				_, err := stackconfig.Parse(stack, stackconfig.Raw{Values: vals})
				wantOneProblem(t, err, c.key, c.want)
			})
		}
		t.Run(stack+"/both set", func(t *testing.T) {
			vals := maps.Clone(sc.Config)
			maps.Copy(vals, map[string]string{u: url, r: role})
			s, err := stackconfig.Parse(stack, stackconfig.Raw{Values: vals})
			if err != nil {
				t.Fatal(err)
			}
			if c := s.Region.CentralMetrics; !c.On() || c.RemoteWriteURL != url || c.WriterRoleARN != role {
				t.Errorf("central metrics %+v", c)
			}
			if hasWarning(stackconfig.Warnings(vals, time.Now()), u) {
				t.Error("warns that the region writes nothing centrally with both keys set")
			}
		})
	}
	// Not a key of the global or credentials stacks.
	for _, stack := range []string{"global", "credentials"} {
		sc, err := plan.LoadStackConfig(repoRoot, stack)
		if err != nil {
			t.Fatal(err)
		}
		vals := maps.Clone(sc.Config)
		vals[u] = url
		if _, err := stackconfig.Parse(stack, stackconfig.Raw{Values: vals}); err == nil || !strings.Contains(err.Error(), u) {
			t.Errorf("%s accepts %s: %v", stack, u, err)
		}
	}
}

func hasWarning(ws []stackconfig.SupportWarning, key string) bool {
	for _, w := range ws {
		if w.Key == key {
			return true
		}
	}
	return false
}
