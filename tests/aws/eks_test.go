package aws_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/aws/ekscluster"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	awsstack "github.com/livekit-infra/livekit-infra/stacks/aws"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
)

// The EKS platform (awsPlatform eks) from the real Pulumi.aws-eks.yaml.

const (
	tEKSCluster   = "aws:eks/cluster:Cluster"
	tNodeGroup    = "aws:eks/nodeGroup:NodeGroup"
	tLaunchTpl    = "aws:ec2/launchTemplate:LaunchTemplate"
	tKMSKey       = "aws:kms/key:Key"
	tPodIdentity  = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
	tChart        = "kubernetes:helm.sh/v4:Chart"
	tPDB          = "kubernetes:policy/v1:PodDisruptionBudget"
	tK8sNamespace = "kubernetes:core/v1:Namespace"
	tTGB          = "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding"
)

// eksStackFile is Pulumi.aws-eks.yaml, evaluated once per test binary.
var eksStackFile = &planq.Stack{Dir: "../..", Name: "aws-eks", Program: awsstack.Program}

// eksStack is the plan of Pulumi.aws-eks.yaml as committed.
var eksStack = eksStackFile.Plan

// only returns the one resource of type typ whose name ends in suffix.
func only(t *testing.T, p *plan.Plan, typ, suffix string) *plan.Resource {
	t.Helper()
	return onlyIn(t, p.Resources, typ, suffix, "in the plan")
}

// onlyIn returns the one resource of rs of type typ whose name ends in
// suffix; where says what rs are in a failure.
func onlyIn(t *testing.T, rs []plan.Resource, typ, suffix, where string) *plan.Resource {
	t.Helper()
	var out []*plan.Resource
	for i := range rs {
		if r := &rs[i]; r.Type == typ && strings.HasSuffix(r.Name, suffix) {
			out = append(out, r)
		}
	}
	if len(out) != 1 {
		t.Fatalf("%d %s named *%s %s, want 1", len(out), typ, suffix, where)
	}
	return out[0]
}

// No ECS on EKS, and the cluster is pinned, private to the listed sources,
// encrypted with its own rotating KMS key, logging its control plane, and
// protected.
func TestEKSCluster(t *testing.T) {
	p := eksStack(t)
	for _, typ := range []string{tCluster, tService, tTaskDef} {
		if rs := p.ByType(typ); len(rs) != 0 {
			t.Errorf("%d %s on the EKS platform, want none", len(rs), typ)
		}
	}
	c := only(t, p, tEKSCluster, "")
	expect(t, c, "version", "1.34")
	expect(t, c, "vpcConfig.publicAccessCidrs", []any{"203.0.113.0/24"})
	expect(t, c, "vpcConfig.endpointPrivateAccess", true)
	expect(t, c, "encryptionConfig.resources", []any{"secrets"})
	expect(t, c, "accessConfig.authenticationMode", "API")
	if got := list(t, c, "enabledClusterLogTypes"); !slices.Equal(got, ekscluster.EKSControlPlaneLogTypes) {
		t.Errorf("control-plane logs = %v, want %v", got, ekscluster.EKSControlPlaneLogTypes)
	}
	if !c.Protect {
		t.Error("the EKS cluster is not protected (protect: true)")
	}
	key := only(t, p, tKMSKey, "-secrets")
	expect(t, key, "enableKeyRotation", true)
	dependsOn(t, c, key, "Secrets are envelope-encrypted with the cluster's key")
	if !key.Protect {
		t.Error("the secrets KMS key is not protected")
	}
}

// The LiveKit group: public subnets, a public IP per node, the media SG,
// IMDSv2, minNodes..maxNodes; the system group: private subnets.
func TestEKSNodeGroups(t *testing.T) {
	p := eksStack(t)
	public, private := subnets(t, p)
	media := only(t, p, tNodeGroup, "-media")
	if got := list(t, media, "subnetIds"); !slices.Equal(got, ids(public)) {
		t.Errorf("LiveKit nodes in %v, want the public subnets %v", got, ids(public))
	}
	expect(t, media, "scalingConfig.minSize", 3)
	expect(t, media, "scalingConfig.maxSize", 10)
	expect(t, media, `labels["livekit-infra/role"]`, "media")
	lt := only(t, p, tLaunchTpl, "-media")
	expect(t, lt, "networkInterfaces[0].associatePublicIpAddress", "true")
	if sgs := list(t, lt, "networkInterfaces[0].securityGroups"); !slices.Contains(sgs, mediaSG(t, p).ID) {
		t.Errorf("LiveKit nodes' security groups %v lack the media SG", sgs)
	}
	// EKS prohibits a subnet in a managed node group's launch template,
	// takes security groups on the interface or at instance level, not both,
	// and adds no cluster security group to custom ones (EKS user guide,
	// launch-templates.html): the interface carries the cluster's and the
	// media group.
	absentOrEmpty(t, lt, "networkInterfaces[0].subnetId", "EKS prohibits a subnet in the template")
	absentOrEmpty(t, lt, "vpcSecurityGroupIds", "security groups on the interface only")
	if sgs := list(t, lt, "networkInterfaces[0].securityGroups"); len(sgs) != 2 {
		t.Errorf("LiveKit nodes' security groups %v, want the cluster's and the media group", sgs)
	}
	expect(t, lt, "metadataOptions.httpTokens", "required")
	expect(t, lt, "metadataOptions.httpPutResponseHopLimit", 1)
	system := only(t, p, tNodeGroup, "-system")
	if got := list(t, system, "subnetIds"); !slices.Equal(got, ids(private)) {
		t.Errorf("system nodes in %v, want the private subnets %v", got, ids(private))
	}
}

// The LiveKit workload: the shared chart with host networking, the drain,
// probes' path, the PDB, on the LiveKit nodes; the config in a Secret.
func TestEKSWorkload(t *testing.T) {
	p := eksStack(t)
	chart := only(t, p, tChart, "livekit")
	for path, want := range map[string]any{
		"chart":                                     "livekit-server",
		"values.podHostNetwork":                     true,
		"values.terminationGracePeriodSeconds":      18000,
		"values.autoscaling.minReplicas":            3,
		"values.autoscaling.maxReplicas":            10,
		`values.nodeSelector["livekit-infra/role"]`: "media",
		`values.podAnnotations["cluster-autoscaler.kubernetes.io/safe-to-evict"]`: "false",
		"values.podSecurityContext.runAsNonRoot":                                  true,
		"values.securityContext.readOnlyRootFilesystem":                           true,
		"values.securityContext.allowPrivilegeEscalation":                         false,
	} {
		expect(t, chart, path, want)
	}
	if len(chart.SecretPaths) != 0 {
		t.Errorf("chart inputs hold secrets at %v", chart.SecretPaths)
	}
	pdb := only(t, p, tPDB, "livekit")
	expect(t, pdb, "spec.maxUnavailable", 1)
	secret := only(t, p, "kubernetes:core/v1:Secret", "livekit-config")
	if !secret.IsSecret(`stringData["config.yaml"]`) {
		t.Error("the LiveKit config in the Kubernetes Secret is not a Pulumi secret")
	}
	ns := only(t, p, tK8sNamespace, "-controllers")
	expect(t, ns, `metadata.labels["pod-security.kubernetes.io/enforce"]`, "restricted")
}

// Signaling: the ALB (GET /, 200 only, TLS 1.2+) of the ECS region, whose
// target group the load balancer controller fills from the LiveKit
// Service; media never goes through it.
func TestEKSSignaling(t *testing.T) {
	p := eksStack(t)
	tg := only(t, p, tTargetGroup, "livekit")
	expect(t, tg, "healthCheck.path", "/")
	expect(t, tg, "healthCheck.matcher", "200")
	expect(t, tg, "port", 7880)
	expect(t, tg, "targetType", "ip")
	https := only(t, p, tListener, "-https")
	expect(t, https, "port", 443)
	if !strings.HasPrefix(str(t, https, "sslPolicy"), "ELBSecurityPolicy-TLS13-1-2") {
		t.Errorf("listener TLS policy %q", str(t, https, "sslPolicy"))
	}
	tgb := only(t, p, tTGB, "-target-group-binding")
	expect(t, tgb, "spec.targetType", "ip")
	expect(t, tgb, "spec.serviceRef.port", 7880)
	dependsOn(t, tgb, tg, "the binding names the signaling target group")
	alb := only(t, p, tLB, "livekit")
	expect(t, alb, "enableDeletionProtection", true)
	cert := only(t, p, tCert, "livekit-cert")
	expect(t, cert, "domainName", "aws-eks.example.com")
	expect(t, cert, "subjectAlternativeNames", []any{"livekit.example.com"})
}

// The controllers' Pod Identity roles: the load balancer controller may
// (un)register targets of the signaling target group only, the autoscaler
// scale only this cluster's groups.
func TestEKSControllerIAM(t *testing.T) {
	p := eksStack(t)
	tgArn := str(t, only(t, p, tTGB, "-target-group-binding"), "spec.targetGroupARN")
	turnArn := str(t, only(t, p, tTGB, "-turn-binding"), "spec.targetGroupARN")
	if !strings.Contains(tgArn, ":targetgroup/") {
		t.Fatalf("TargetGroupBinding names %q, not a target group", tgArn)
	}
	doc := func(suffix string) policyDoc {
		var d policyDoc
		jsonInput(t, only(t, p, tRolePolicy, suffix), "policy", &d)
		return d
	}
	for _, s := range doc("-lbc").Statement {
		res := s.resources(t)
		for _, a := range s.actions(t) {
			if !strings.Contains(a, ":Describe") && (len(res) != 2 || res[0] != tgArn || res[1] != turnArn) {
				t.Errorf("load balancer controller may %s on %v, want only the signaling and TURN target groups %v, %v", a, res, tgArn, turnArn)
			}
			if strings.Contains(a, "Create") || strings.Contains(a, "Delete") || a == "*" || strings.HasSuffix(a, ":*") {
				t.Errorf("load balancer controller may %s", a)
			}
		}
	}
	var ca map[string]any
	jsonInput(t, only(t, p, tRolePolicy, "-autoscaler"), "policy", &ca)
	b, _ := json.Marshal(ca)
	if !strings.Contains(string(b), `"aws:ResourceTag/k8s.io/cluster-autoscaler/livekit":"owned"`) {
		t.Errorf("autoscaler scaling is not confined to this cluster's groups: %s", b)
	}
	// The controllers' associations; Egress's own is TestEKSEgressPodIdentity's.
	n := 0
	for _, pia := range p.ByType(tPodIdentity) {
		if pia.Parent == component(t, p, tEgress).URN {
			continue
		}
		n++
		expect(t, &pia, "namespace", ekscluster.ControllersNamespace)
	}
	if n != 2 {
		t.Errorf("%d controller pod identity associations, want 2 (controller, autoscaler)", n)
	}
}
