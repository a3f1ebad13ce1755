package config

import (
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// Egress (#22) defaults to on wherever Egress can write the region's
// bucket, and bad sizes, inverted bounds and an Egress without a writable
// bucket are errors naming the key.
func TestEgressSettings(t *testing.T) {
	type want struct {
		enabled bool
		key     string   // "" accepted
		says    []string // fragments of the error
	}
	cases := []struct {
		name, stack string
		set         map[string]string
		want        want
	}{
		{"aws default on", "aws-prod", nil, want{enabled: true}},
		{"gcp default on", "gcp-eu", nil, want{enabled: true}},
		{"azure default on (shared keys for Egress)", "azure-asia", nil, want{enabled: true}},
		{"azure auto off with shared keys refused", "azure-asia", map[string]string{ns + "azureRecordingsSharedKey": "false"}, want{enabled: false}},
		{"azure private link without the CDN", "azure-asia", map[string]string{ns + "recordingsCdn": "false"},
			want{key: ns + "azureRecordingsPrivateLink", says: []string{ns + "recordingsCdn", "closes the recordings account to the internet", "azureRecordingsPrivateLink false"}}},
		{"azure open recordings without the CDN", "azure-asia", map[string]string{ns + "recordingsCdn": "false", ns + "azureRecordingsPrivateLink": "false"}, want{enabled: true}},
		{"off", "aws-prod", map[string]string{ns + "egress": "false"}, want{enabled: false}},
		{"egress on azure without a bucket it can write", "azure-asia",
			map[string]string{ns + "egress": "true", ns + "azureRecordingsSharedKey": "false"},
			want{key: ns + "egress", says: []string{`"true"`, "no recordings bucket it can write", ns + "azureRecordingsSharedKey", "account key"}}},
		{"egress not a mode", "aws-prod", map[string]string{ns + "egress": "yes"},
			want{key: ns + "egress", says: []string{`"yes"`, "auto, true, false"}}},
		{"task cpu below 4 vCPU", "aws-prod", map[string]string{ns + "awsEgressTaskCpu": "2048", ns + "awsEgressTaskMemory": "4096"},
			want{key: ns + "awsEgressTaskCpu", says: []string{"2048", "4096, 8192 or 16384", "4 CPUs per Egress instance"}}},
		{"task cpu not a Fargate size", "aws-prod", map[string]string{ns + "awsEgressTaskCpu": "5000"},
			want{key: ns + "awsEgressTaskCpu", says: []string{"5000", "4096, 8192 or 16384"}}},
		{"task memory not a Fargate size for 4 vCPU", "aws-prod", map[string]string{ns + "awsEgressTaskMemory": "4096"},
			want{key: ns + "awsEgressTaskMemory", says: []string{"4096", "not a Fargate size for 4096 CPU units", "8192-30720"}}},
		{"small task accepted with egress off", "aws-prod", map[string]string{ns + "egress": "false", ns + "awsEgressTaskCpu": "1024", ns + "awsEgressTaskMemory": "2048"}, want{enabled: false}},
		{"bounds inverted", "gcp-eu", map[string]string{ns + "egressMinInstances": "5", ns + "egressMaxInstances": "2"},
			want{key: ns + "egressMaxInstances", says: []string{"2", "at least egressMinInstances (5)"}}},
		{"no worker", "aws-prod", map[string]string{ns + "egressMinInstances": "0"},
			want{key: ns + "egressMinInstances", says: []string{`"0"`, "from 1 to 1000"}}},
		{"cpu target beyond admission", "aws-prod", map[string]string{ns + "egressCpuTarget": "95"},
			want{key: ns + "egressCpuTarget", says: []string{`"95"`, "from 10 to 90"}}},
		{"image latest", "aws-prod", map[string]string{ns + "egressImage": "livekit/egress:latest"},
			want{key: ns + "egressImage", says: []string{"livekit/egress:latest", "pinned"}}},
		{"aws key on gcp", "gcp-eu", map[string]string{ns + "awsEgressTaskCpu": "8192"},
			want{key: ns + "awsEgressTaskCpu", says: []string{"aws stacks"}}},
		// EKS (awsPlatform eks): the chart on its own node group.
		{"eks default on", "aws-eks", nil, want{enabled: true}},
		{"eks pod cpu below 4", "aws-eks", map[string]string{ns + "egressPodCpu": "2"},
			want{key: ns + "egressPodCpu", says: []string{`"2"`, "at least 4"}}},
		{"eks pod memory below 4Gi", "aws-eks", map[string]string{ns + "egressPodMemory": "2Gi"},
			want{key: ns + "egressPodMemory", says: []string{`"2Gi"`, "at least 4Gi"}}},
		{"eks pod does not fit its instance", "aws-eks", map[string]string{ns + "awsEksEgressInstanceType": "c6i.xlarge", ns + "egressPodMemory": "4Gi"},
			want{key: ns + "egressPodCpu", says: []string{"c6i.xlarge", "at most 3770m fits", "awsEksEgressInstanceType"}}},
		{"eks pod memory does not fit its instance", "aws-eks", map[string]string{ns + "egressPodMemory": "15Gi"},
			want{key: ns + "egressPodMemory", says: []string{"c6i.2xlarge", "awsEksEgressInstanceType"}}},
		{"eks instance type not one", "aws-eks", map[string]string{ns + "awsEksEgressInstanceType": "big"},
			want{key: ns + "awsEksEgressInstanceType", says: []string{`"big"`, "EC2 instance type"}}},
		{"eks bounds inverted", "aws-eks", map[string]string{ns + "egressMinInstances": "3", ns + "egressMaxInstances": "2"},
			want{key: ns + "egressMaxInstances", says: []string{"2", "at least egressMinInstances (3)"}}},
		{"fargate task size on eks", "aws-eks", map[string]string{ns + "awsEgressTaskCpu": "8192"},
			want{key: ns + "awsEgressTaskCpu", says: []string{"fargate", "`pulumi config rm"}}},
		{"eks instance type on fargate", "aws-prod", map[string]string{ns + "awsEksEgressInstanceType": "c6i.4xlarge"},
			want{key: ns + "awsEksEgressInstanceType", says: []string{"eks"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := stackconfig.Parse(c.stack, committedRaw(t, c.stack, c.set))
			if c.want.key == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if s.Region.Egress.Enabled != c.want.enabled {
					t.Errorf("Egress enabled = %v, want %v", s.Region.Egress.Enabled, c.want.enabled)
				}
				return
			}
			wantOneProblem(t, err, c.want.key, c.want.says)
			if !strings.Contains(err.Error(), c.want.key+" = ") {
				t.Errorf("error does not name %s:\n%v", c.want.key, err)
			}
		})
	}
}
