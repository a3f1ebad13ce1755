package config

import (
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// Each regional kind's provider keys (aws:region, gcp:project, gcp:region,
// azure-native:location) are required, unset says the command that sets
// them, and a malformed one says what it must be.
func TestProviderKeys(t *testing.T) {
	for _, tc := range []struct {
		stack, key, bad  string
		unset, malformed []string
	}{
		{"aws-prod", "aws:region", "oregon",
			[]string{"(not set)", "required for kind aws", "`pulumi config set aws:region us-west-2`"},
			[]string{`"oregon"`, "must be an AWS region such as us-west-2"}},
		{"gcp-eu", "gcp:project", "My Project",
			[]string{"(not set)", "required for kind gcp", "`pulumi config set gcp:project <project-id>`"},
			[]string{`"My Project"`, "must be a project ID"}},
		{"gcp-eu", "gcp:region", "europe-west1-b",
			[]string{"(not set)", "required for kind gcp", "`pulumi config set gcp:region europe-west1`"},
			[]string{`"europe-west1-b"`, "must be a GCP region such as europe-west1 (not a zone)"}},
		{"azure-asia", "azure-native:location", "South East Asia",
			[]string{"(not set)", "required for kind azure", "`pulumi config set azure-native:location southeastasia`"},
			[]string{`"South East Asia"`, "must be an Azure location name such as southeastasia"}},
	} {
		t.Run(tc.key+" unset", func(t *testing.T) {
			raw := committedRaw(t, tc.stack, nil)
			delete(raw.Values, tc.key)
			_, err := stackconfig.Parse(tc.stack, raw)
			wantOneProblem(t, err, tc.key, tc.unset)
		})
		t.Run(tc.key+" misspelt", func(t *testing.T) {
			// The provider's namespace passes through unchecked: the
			// misspelling beside the missing key is named.
			ns, name, _ := strings.Cut(tc.key, ":")
			typo := ns + ":" + name[:len(name)-2] + name[len(name)-1:] + name[len(name)-2:len(name)-1]
			raw := committedRaw(t, tc.stack, nil)
			raw.Values[typo] = raw.Values[tc.key]
			delete(raw.Values, tc.key)
			_, err := stackconfig.Parse(tc.stack, raw)
			wantOneProblem(t, err, tc.key, append(tc.unset, "("+typo+" is set: a misspelling?)"))
		})
		t.Run(tc.key+" malformed", func(t *testing.T) {
			_, err := stackconfig.Parse(tc.stack, committedRaw(t, tc.stack, map[string]string{tc.key: tc.bad}))
			wantOneProblem(t, err, tc.key, tc.malformed)
		})
	}
}
