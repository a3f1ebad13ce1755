package aws_test

import (
	"slices"
	"strings"
	"testing"
)

var componentTypes = []string{tNetwork, tRedisCache, tMedia, tRecordings, tCredentials, tAuditLogs, tMonitoring, tEgress, tMirror, tBudget, tPrometheus, tDashboardComponent}

const (
	tBudget             = "livekit-infra:index:Budget"
	tDashboardComponent = "livekit-infra:index:Dashboard"
)

// The region is composed of exactly one of each component, declared at the
// top of the stack.
func TestLayoutComponents(t *testing.T) {
	p := prod(t)
	for _, typ := range componentTypes {
		c := component(t, p, typ)
		if c.Custom {
			t.Errorf("%s %q is a custom resource, want a component", typ, c.Name)
		}
		if c.Parent != p.StackURN {
			t.Errorf("%s %q has parent %s, want the stack", typ, c.Name, c.Parent)
		}
	}
	for _, r := range p.Resources {
		if !r.Custom && strings.HasPrefix(r.Type, "livekit-infra:") && !slices.Contains(componentTypes, r.Type) {
			t.Errorf("unexpected component type %s (%q)", r.Type, r.Name)
		}
	}
}

// Every custom resource belongs to a component (so `lkinfra plan` and the
// Pulumi console group it), and its name is derived from the component's.
// The only stack-level resources are the API credentials for token servers
// and the reference to the credentials stack (a read, not a resource).
func TestLayoutNoOrphans(t *testing.T) {
	p := prod(t)
	comps := map[string]string{} // URN -> name
	for _, typ := range componentTypes {
		c := component(t, p, typ)
		comps[c.URN] = c.Name
	}
	stackLevel := map[string]bool{
		tSecret + "/livekit-api-credentials": true, tSecretVer + "/livekit-api-credentials": true,
		"pulumi:pulumi:StackReference/organization/livekit-infra/credentials": true,
	}
	customs := 0
	for _, r := range p.Resources {
		if !r.Custom {
			continue
		}
		customs++
		if r.Parent == p.StackURN {
			if !stackLevel[r.Type+"/"+r.Name] {
				t.Errorf("%s %q is not parented to a component", r.Type, r.Name)
			}
			continue
		}
		compName, ok := comps[r.Parent]
		if !ok {
			t.Errorf("%s %q has parent %s, want one of the components", r.Type, r.Name, r.Parent)
			continue
		}
		if r.Name != compName && !strings.HasPrefix(r.Name, compName+"-") {
			t.Errorf("%s %q: name not derived from its component %q", r.Type, r.Name, compName)
		}
	}
	if customs < 50 {
		t.Errorf("only %d custom resources: the stack did not evaluate fully", customs)
	}
	for _, typ := range []string{tSecret, tSecretVer} {
		if _, ok := p.Find(typ, "livekit-api-credentials"); !ok {
			t.Errorf("missing stack-level %s livekit-api-credentials", typ)
		}
	}
}
