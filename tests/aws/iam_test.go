package aws_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

func rolePolicy(t *testing.T, p *plan.Plan, suffix string) policyDoc {
	t.Helper()
	var doc policyDoc
	jsonInput(t, child(t, p, tMedia, tRolePolicy, suffix), "policy", &doc)
	if len(doc.Statement) == 0 {
		t.Fatalf("role policy %s has no statements", suffix)
	}
	return doc
}

// grants flattens a policy into "action on resource" pairs and checks every
// statement is a plain Allow without wildcards.
func grants(t *testing.T, what string, doc policyDoc) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, s := range doc.Statement {
		if s.Effect != "Allow" {
			t.Errorf("%s: statement %q has effect %q", what, s.Sid, s.Effect)
		}
		for _, a := range s.actions(t) {
			if strings.Contains(a, "*") {
				t.Errorf("%s: wildcard action %q", what, a)
			}
			for _, r := range s.resources(t) {
				// ECR's registry token takes no resource (the image reads
				// are scoped to the mirror's repositories instead).
				if (r == "*" && a != "ecr:GetAuthorizationToken") || strings.HasSuffix(r, ":*:*") {
					t.Errorf("%s: action %s on wildcard resource %q", what, a, r)
				}
				out[a] = append(out[a], r)
			}
		}
	}
	return out
}

// The execution role reads exactly the config secret and writes the log
// group; nothing else.
func TestExecutionRolePolicy(t *testing.T) {
	p := prod(t)
	g := grants(t, "execution role", rolePolicy(t, p, "-execution"))
	cfgSecret := child(t, p, tMedia, tSecret, "-config")
	logs := child(t, p, tMedia, tLogGroup, "-logs")
	if got := g["secretsmanager:GetSecretValue"]; !slices.Equal(got, []string{cfgSecret.ID}) {
		t.Errorf("GetSecretValue on %v, want exactly the config secret %s", got, cfgSecret.ID)
	}
	for a, rs := range g {
		switch {
		case a == "secretsmanager:GetSecretValue":
		case a == "ssm:GetParameters":
			// The metrics collector's config, injected like LiveKit's.
			if param := child(t, p, tMedia, tParameter, "-collector"); !slices.Equal(rs, []string{parameterArn(param)}) {
				t.Errorf("%s on %v, want exactly the collector config parameter %s", a, rs, parameterArn(param))
			}
		case a == "ecr:GetAuthorizationToken":
		case strings.HasPrefix(a, "ecr:"):
			if want := mirrorRepositories(t, p); !slices.Equal(rs, []string{want}) {
				t.Errorf("%s on %v, want the mirror's repositories %s only", a, rs, want)
			}
		case strings.HasPrefix(a, "logs:"):
			for _, r := range rs {
				if !strings.Contains(r, str(t, logs, "name")) {
					t.Errorf("%s on %q, want the LiveKit log group %s only", a, r, str(t, logs, "name"))
				}
			}
		default:
			t.Errorf("execution role may %s on %v; it needs only the config secret, logs and the mirror's images", a, rs)
		}
	}
	for _, a := range []string{"logs:CreateLogStream", "logs:PutLogEvents"} {
		if len(g[a]) == 0 {
			t.Errorf("execution role lacks %s: the awslogs driver needs it", a)
		}
	}
	pol := child(t, p, tMedia, tRolePolicy, "-execution")
	dependsOn(t, pol, cfgSecret, "the policy names the config secret's ARN")
	dependsOn(t, pol, logs, "the policy names the log group's ARN")
	expect(t, pol, "role", child(t, p, tMedia, tRole, "-execution").Name)
}

// The LiveKit server's task role grants only what the metrics collector
// sidecar needs: aps:RemoteWrite on the region's AMP workspace, nothing
// else (servers never write recordings; the S3 write grant is the Egress
// task role's, #22).
func TestTaskRolePolicy(t *testing.T) {
	p := prod(t)
	role := child(t, p, tMedia, tRole, "-task")
	ws := child(t, p, tPrometheus, tWorkspace, "")
	var attached []string
	for _, pol := range p.ByType(tRolePolicy) {
		if r, _ := pol.RawInput("role"); r == role.Name {
			attached = append(attached, pol.Name)
		}
	}
	pol := child(t, p, tMedia, tRolePolicy, "-task-metrics")
	if !slices.Equal(attached, []string{pol.Name}) {
		t.Errorf("policies on the LiveKit task role: %v, want only %s", attached, pol.Name)
	}
	g := grants(t, "task role", rolePolicy(t, p, "-task-metrics"))
	if len(g) != 1 || !slices.Equal(g["aps:RemoteWrite"], []string{workspaceArn(ws)}) {
		t.Errorf("task role grants %v, want aps:RemoteWrite on exactly the workspace %s", g, workspaceArn(ws))
	}
	dependsOn(t, pol, ws, "the grant names the workspace's ARN")
}

// Both roles are assumable only by ECS tasks, carry no managed policies,
// and the task definition uses each for its purpose.
func TestRoles(t *testing.T) {
	p := prod(t)
	if n := len(p.ByType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")) + len(p.ByType("aws:iam/policyAttachment:PolicyAttachment")); n != 0 {
		t.Errorf("%d managed policy attachments; the roles need inline least-privilege policies only", n)
	}
	roles := childrenOfType(p, tMedia, tRole)
	if len(roles) != 2 {
		t.Errorf("media cluster has roles %v, want execution and task", names(roles))
	}
	for _, r := range roles {
		absentOrEmpty(t, &r, "managedPolicyArns", "no managed (admin) policies")
		absentOrEmpty(t, &r, "inlinePolicies", "policies are RolePolicy resources, checked above")
		var trust policyDoc
		jsonInput(t, &r, "assumeRolePolicy", &trust)
		if len(trust.Statement) != 1 {
			t.Fatalf("role %q trust has %d statements, want 1", r.Name, len(trust.Statement))
		}
		s := trust.Statement[0]
		princ, _ := s.Principal.(map[string]any)
		if s.Effect != "Allow" || !slices.Equal(s.actions(t), []string{"sts:AssumeRole"}) || princ == nil ||
			!slices.Equal(asStrings(t, "trust principal", princ["Service"]), []string{"ecs-tasks.amazonaws.com"}) || len(princ) != 1 {
			t.Errorf("role %q trust = %+v, want sts:AssumeRole by ecs-tasks.amazonaws.com only", r.Name, s)
		}
	}
	td := taskDefinition(t, p)
	dependsOn(t, td, child(t, p, tMedia, tRole, "-execution"), "executionRoleArn")
	dependsOn(t, td, child(t, p, tMedia, tRole, "-task"), "taskRoleArn")
	if e, k := str(t, td, "executionRoleArn"), str(t, td, "taskRoleArn"); e == k {
		t.Errorf("execution and task role are the same (%s)", e)
	}
}
