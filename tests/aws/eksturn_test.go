package aws_test

import (
	"slices"
	"testing"

	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	awsstack "github.com/livekit-infra/livekit-infra/stacks/aws"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
)

const eksTURN = "turn.aws-eks.example.com"

// TURN/TLS on EKS (#20): the Fargate region's NLB (TLS 1.2+ on 443, ACM
// certificate for the TURN name, TCP target group on the TURN port), its
// target group filled by the load balancer controller from the LiveKit
// pods' TURN Service (host network: each node's address), the nodes'
// TURN port open to the NLB's group only, and the TURN name in Route 53.
func TestEKSTURN(t *testing.T) {
	p := eksStack(t)
	_, fwd := checkTURNFront(t, p, func(typ, suffix string) *plan.Resource { return only(t, p, typ, suffix) }, eksTURN, 5349)
	sg := turnLBSG(t, p)

	// The controller binds the TURN Service (every LiveKit pod's TURN
	// port) to that target group; the chart declares the host port.
	tgb := only(t, p, tTGB, "-turn-binding")
	expect(t, tgb, "spec.targetGroupARN", fwd)
	expect(t, tgb, "spec.targetType", "ip")
	expect(t, tgb, "spec.serviceRef.name", lkk8s.TURNServiceName)
	expect(t, tgb, "spec.serviceRef.port", 5349)
	svc := only(t, p, "kubernetes:core/v1:Service", "-turn")
	expect(t, svc, "metadata.name", lkk8s.TURNServiceName)
	expect(t, svc, "spec.type", "ClusterIP")
	expect(t, svc, "spec.ports[0].port", 5349)
	expect(t, svc, "spec.ports[0].protocol", "TCP")
	expect(t, svc, `spec.selector["app.kubernetes.io/name"]`, "livekit-server")
	chart := only(t, p, tChart, "livekit")
	expect(t, chart, "values.livekit.turn.enabled", true)
	expect(t, chart, "values.livekit.turn.tls_port", 5349)
	expect(t, chart, "values.livekit.turn.external_tls", true)
	expect(t, chart, "values.livekit.turn.loadBalancerType", "disable")

	// The controller may (de)register targets of the TURN group too.
	var lbc policyDoc
	jsonInput(t, only(t, p, tRolePolicy, "-lbc"), "policy", &lbc)
	var registers []string
	for _, s := range lbc.Statement {
		if slices.Contains(s.actions(t), "elasticloadbalancing:RegisterTargets") {
			registers = append(registers, s.resources(t)...)
		}
	}
	if !slices.Contains(registers, fwd) {
		t.Errorf("the load balancer controller may register targets in %v, not the TURN target group %s", registers, fwd)
	}

	// 443 from the internet on the NLB only; the nodes' TURN port from
	// the NLB's group only (the LiveKit nodes carry the media group).
	media := mediaSG(t, p)
	checkRules(t, "TURN NLB SG ingress", rulesOf(t, p, sg, "ingress"), []wantRule{{"tcp", 443, 443, ""}})
	checkRules(t, "TURN NLB SG egress", rulesOf(t, p, sg, "egress"), []wantRule{{"tcp", 5349, 5349, media.ID}})
	for _, r := range rulesOf(t, p, media, "ingress") {
		if r.Protocol == "tcp" && r.From <= 5349 && r.To >= 5349 && r.Peer != sg.ID {
			t.Errorf("the nodes' TURN port is open to more than the TURN NLB: %v", r)
		}
	}

	// The config the pods read (the Kubernetes Secret) advertises
	// turns:<name>:443 with TLS ended at the NLB.
	body := lkcheck.SecretInput(t, only(t, p, "kubernetes:core/v1:Secret", "livekit-config"), `stringData["config.yaml"]`)
	lkcheck.CheckTURNOverTLS(t, p, body, eksTURN, 5349)
}

// The aws-eks config is recorded like the other regions' and judged by
// LiveKit's parser in tests/config.
func TestLiveKitConfigGoldenEKS(t *testing.T) {
	lkcheck.CheckGolden(t, "../..", "aws-eks", awsstack.Program, lkcheck.KubernetesSecretField("livekit-config", "config.yaml"))
}
