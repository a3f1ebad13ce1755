package plan

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/credentials"
)

// referencedCredentials answers, offline, a regional stack's reference to
// the credentials stack: when the referenced stack belongs to this project
// and its Pulumi.<stack>.yaml (in the directory the config was loaded from)
// has kind credentials, that stack is planned and its outputs are the
// answer, secrets kept secret. Every region planned this way serves the
// same key set, as after a real deploy. nil means no answer (the program
// then reports the missing outputs, naming livekit-infra:credentialsStack).
func (m *mocks) referencedCredentials(ref string) map[string]any {
	if m.dir == "" {
		return nil
	}
	return CredentialsOutputs(m.dir, m.project, m.stack, ref)
}

// CredentialsOutputs plans the credentials stack ref ("org/project/stack",
// "project/stack" or "stack") of project from its stack file in dir and
// returns its outputs as a StackReference sees them; nil when ref is not a
// credentials stack of this project with a stack file in dir, or is self.
func CredentialsOutputs(dir, project, self, ref string) map[string]any {
	parts := strings.Split(ref, "/")
	if len(parts) == 3 && parts[1] != project || len(parts) == 2 && parts[0] != project {
		return nil
	}
	stack := parts[len(parts)-1]
	if stack == self {
		return nil
	}
	sc, err := LoadStackConfig(dir, stack)
	if err != nil || sc.Config[stackconfig.Namespace+":kind"] != string(stackconfig.KindCredentials) {
		return nil
	}
	p, err := Evaluate(sc, credentials.Program)
	if err != nil {
		return nil
	}
	return p.ReferenceOutputs()
}

// ReferenceOutputs are the plan's outputs as a StackReference to the stack
// would see them: secret outputs stay secret.
func (p *Plan) ReferenceOutputs() map[string]any {
	out := make(map[string]any, len(p.RawOutputs))
	for k, v := range p.RawOutputs {
		if p.OutputIsSecret(k) {
			out[k] = resource.MakeSecret(resource.NewPropertyValue(v))
			continue
		}
		out[k] = v
	}
	return out
}
