package aws_test

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
	awsstack "github.com/livekit-infra/livekit-infra/stacks/aws"
	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
)

// Resource type tokens used by the tests.
const (
	tNetwork     = "livekit-infra:index:Network"
	tRedisCache  = "livekit-infra:index:RedisCache"
	tMedia       = "livekit-infra:index:MediaCluster"
	tRecordings  = "livekit-infra:index:Recordings"
	tCredentials = "livekit-infra:index:Credentials"
	tEgress      = "livekit-infra:index:Egress"

	tVpc         = "aws:ec2/vpc:Vpc"
	tSubnet      = "aws:ec2/subnet:Subnet"
	tIgw         = "aws:ec2/internetGateway:InternetGateway"
	tEip         = "aws:ec2/eip:Eip"
	tNat         = "aws:ec2/natGateway:NatGateway"
	tRouteTable  = "aws:ec2/routeTable:RouteTable"
	tRTAssoc     = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	tSG          = "aws:ec2/securityGroup:SecurityGroup"
	tSGRule      = "aws:ec2/securityGroupRule:SecurityGroupRule"
	tDefaultSG   = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
	tReplGroup   = "aws:elasticache/replicationGroup:ReplicationGroup"
	tCacheSubnet = "aws:elasticache/subnetGroup:SubnetGroup"
	tCluster     = "aws:ecs/cluster:Cluster"
	tTaskDef     = "aws:ecs/taskDefinition:TaskDefinition"
	tService     = "aws:ecs/service:Service"
	tLogGroup    = "aws:cloudwatch/logGroup:LogGroup"
	tScaleTarget = "aws:appautoscaling/target:Target"
	tScalePolicy = "aws:appautoscaling/policy:Policy"
	tRole        = "aws:iam/role:Role"
	tRolePolicy  = "aws:iam/rolePolicy:RolePolicy"
	tLB          = "aws:lb/loadBalancer:LoadBalancer"
	tListener    = "aws:lb/listener:Listener"
	tTargetGroup = "aws:lb/targetGroup:TargetGroup"
	tCert        = "aws:acm/certificate:Certificate"
	tCertValid   = "aws:acm/certificateValidation:CertificateValidation"
	tRecord      = "aws:route53/record:Record"
	tBucket      = "aws:s3/bucketV2:BucketV2"
	tPAB         = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	tSSE         = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	tVersioning  = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	tLifecycle   = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	tBucketPol   = "aws:s3/bucketPolicy:BucketPolicy"
	tDist        = "aws:cloudfront/distribution:Distribution"
	tOAC         = "aws:cloudfront/originAccessControl:OriginAccessControl"
	tAWSProvider = "pulumi:providers:aws"
	tSecret      = "aws:secretsmanager/secret:Secret"
	tSecretVer   = "aws:secretsmanager/secretVersion:SecretVersion"
	tRandomPw    = "random:index/randomPassword:RandomPassword"
	tRandomStr   = "random:index/randomString:RandomString"
)

// Facts of Pulumi.aws-prod.yaml (and Pulumi.yaml's defaults) the tests
// check against. A change to the stack file that breaks one of these is a
// product change and must be made here on purpose.
const (
	prodHostname = "aws-prod.example.com"
	prodGlobal   = "livekit.example.com"
	prodZoneID   = "Z0123456789EXAMPLE"
	prodRegion   = "us-west-2"
	prodVpcCIDR  = "10.0.0.0/16"
	// prodTURN is the default TURN/TLS name, turn.<hostname>.
	prodTURN = "turn." + prodHostname
)

// prodStack is Pulumi.aws-prod.yaml, evaluated once per test binary.
var prodStack = &planq.Stack{Dir: "../..", Name: "aws-prod", Program: awsstack.Program, Variants: variants}

// TestMain evaluates the real aws-prod stack once for the whole binary.
func TestMain(m *testing.M) { planq.Main(m, prodStack) }

// prod returns the shared plan of the unmodified aws-prod stack.
var prod = prodStack.Plan

// prodOr returns the base plan for "" and the named variant otherwise.
func prodOr(t *testing.T, variant string) *plan.Plan {
	t.Helper()
	if variant == "" {
		return prod(t)
	}
	return variantPlan(t, variant)
}

// variant is aws-prod with some bare livekit-infra keys changed
// ("awsNatGateways").
type variant = planq.Variant

// User-supplied secrets for the "userSecrets" variant. Distinctive, so a
// leak is easy to spot.
const (
	userAPIKey        = "APIuserSuppliedKey42"
	userAPISecret     = "userSuppliedApiSecret0123456789abcdefXYZ"
	userRedisPassword = "userSuppliedRedisToken0123456789"
)

var variants = map[string]variant{
	"natSingle": {Set: map[string]string{"awsNatGateways": "single"}},
	"natPerAz":  {Set: map[string]string{"awsNatGateways": "perAz"}},
	"mux":       {Set: map[string]string{"mediaUdpPorts": "7882"}},
	"turn":      {Set: map[string]string{"turnUdpPort": "3478"}},
	// TURN/TLS is on by default; these switch it off and rename it.
	"noTurnTls":   {Set: map[string]string{"turnTls": "false"}},
	"turnNamed":   {Set: map[string]string{"turnHostname": "relay.example.com", "turnTlsPort": "5443"}},
	"unprotected": {Set: map[string]string{"protect": "false"}},
	"noCdn":       {Set: map[string]string{"recordingsCdn": "false"}},
	"keepForever": {Set: map[string]string{"recordingsTransitionDays": "0", "recordingsExpireDays": "0"}},
	"digest":      {Set: map[string]string{"image": testImageDigest}},
	"otherSizing": {Set: map[string]string{
		"minNodes": "2", "maxNodes": "25", "cpuTarget": "55", "scaleOutCooldown": "30", "scaleInCooldown": "900",
		"awsTaskCpu": "4096", "awsTaskMemory": "8192", "logRetentionDays": "90",
		"awsAlbIdleTimeout": "1800", "awsAlbSslPolicy": "ELBSecurityPolicy-TLS13-1-3-2021-06",
	}},
	"otherRedisVpc": {Set: map[string]string{
		"awsRedisNodes": "3", "awsRedisEngineVersion": "6.2", "awsRedisMaintenanceWindow": "tue:02:00-tue:03:00",
		"awsRedisSnapshotWindow": "22:00-23:00", "awsVpcCidr": "10.42.0.0/20",
	}},
	// Audit log classes switched off (#17 item 10).
	"noFlowLogs":  {Set: map[string]string{"flowLogs": "false"}},
	"noAlbLogs":   {Set: map[string]string{"awsAlbAccessLogs": "false"}},
	"noCdnLogs":   {Set: map[string]string{"cdnLogs": "false"}},
	"noAuditLogs": {Set: map[string]string{"flowLogs": "false", "awsAlbAccessLogs": "false", "cdnLogs": "false"}},
	// Fargate Spot above an on-demand base of minNodes (#19).
	"spot": {Set: map[string]string{"awsFargateSpotWeight": "3", "awsFargateOnDemandBase": "3", "awsFargateOnDemandWeight": "1"}},
	// Egress (#22) off, and sized and bounded otherwise than by default.
	"noEgress": {Set: map[string]string{"egress": "false"}},
	"egressSizing": {Set: map[string]string{
		"egressMinInstances": "2", "egressMaxInstances": "8", "egressCpuTarget": "50",
		"awsEgressTaskCpu": "8192", "awsEgressTaskMemory": "16384",
	}},
	// A region with its own, generated key instead of the shared key set.
	"ownKey": {Set: map[string]string{"credentialsStack": ""}},
	"userSecrets": {
		// The region's own key instead of the credentials stack's set.
		Set:    map[string]string{"credentialsStack": "", "apiKey": userAPIKey, "apiSecret": userAPISecret, "redisPassword": userRedisPassword},
		Secret: []string{"apiKey", "apiSecret", "redisPassword"},
	},
}

// variantPlan evaluates (once per binary) the named variant of aws-prod;
// variantConfig is aws-prod's config with a variant applied.
var (
	variantPlan   = prodStack.Named
	variantConfig = prodStack.ConfigOf
	key           = planq.Key
)

// --- finding resources ------------------------------------------------------

// component returns the single component of type typ.
var component = planq.Only

// child returns the resource of type typ named <component name><suffix>
// among the direct children of the component of type compType.
func child(t *testing.T, p *plan.Plan, compType, typ, suffix string) *plan.Resource {
	t.Helper()
	r, ok := findChild(p, compType, typ, suffix)
	if !ok {
		comp := component(t, p, compType)
		t.Fatalf("%s %q has no %s child named %q; its %s children: %v",
			compType, comp.Name, typ, comp.Name+suffix, typ, names(childrenOfType(p, compType, typ)))
	}
	return r
}

func findChild(p *plan.Plan, compType, typ, suffix string) (*plan.Resource, bool) {
	comps := p.ByType(compType)
	if len(comps) != 1 {
		return nil, false
	}
	for i := range p.Resources {
		r := &p.Resources[i]
		if r.Parent == comps[0].URN && r.Type == typ && r.Name == comps[0].Name+suffix {
			return r, true
		}
	}
	return nil, false
}

// childrenOfType returns the direct children of type typ of the component of
// type compType.
func childrenOfType(p *plan.Plan, compType, typ string) []plan.Resource {
	var out []plan.Resource
	for _, comp := range p.ByType(compType) {
		for _, c := range p.Children(comp.URN) {
			if c.Type == typ {
				out = append(out, c)
			}
		}
	}
	return out
}

// Reading inputs unmasked: the AWS tests also look for leaks. list is the
// string-list input at path (nil if absent).
var (
	names     = planq.Names
	byID      = planq.ByID
	str       = planq.Raw.Str
	num       = planq.Raw.Num
	list      = planq.Raw.Strings
	asStrings = planq.AsStrings
	expect    = planq.Raw.Expect
	jsonOf    = planq.JSONOf
)

// absentOrEmpty checks the input at path is unset, null or an empty list.
func absentOrEmpty(t *testing.T, r *plan.Resource, path, why string) {
	t.Helper()
	v, ok := r.RawInput(path)
	if !ok || v == nil {
		return
	}
	if a, isList := v.([]any); isList && len(a) == 0 {
		return
	}
	t.Errorf("%s %q: input %s = %#v, want none (%s)", r.Type, r.Name, path, v, why)
}

// dependsOn checks r depends on dep (the value of some input of r comes
// from dep's outputs).
func dependsOn(t *testing.T, r, dep *plan.Resource, why string) {
	t.Helper()
	if !slices.Contains(r.Dependencies, dep.URN) {
		t.Errorf("%s %q does not depend on %s %q (%s); its dependencies: %v", r.Type, r.Name, dep.Type, dep.Name, why, r.Dependencies)
	}
}

// jsonInput parses the JSON string input at path into out.
var jsonInput = planq.Raw.JSON

// --- IAM policy documents -----------------------------------------------------

type policyDoc struct {
	Version   string
	Statement []policyStatement
}

type policyStatement struct {
	Sid       string
	Effect    string
	Principal any
	Action    any
	Resource  any
	Condition map[string]map[string]any
}

func (s policyStatement) actions(t *testing.T) []string {
	t.Helper()
	return asStrings(t, "statement "+s.Sid+" Action", s.Action)
}

func (s policyStatement) resources(t *testing.T) []string {
	t.Helper()
	return asStrings(t, "statement "+s.Sid+" Resource", s.Resource)
}

// --- secrets ------------------------------------------------------------------

// secretValues are the raw values that must never appear in plain text.
type secretValues struct {
	APIKey, APISecret, RedisPassword string
}

// all are the values that must never appear in plain text. The API key id
// is not among them: it is every token's issuer, and the key set's
// fingerprint output names it.
func (s secretValues) all() map[string]string {
	return map[string]string{"API secret": s.APISecret, "Redis password": s.RedisPassword}
}

// secretsOf reads the secret values of a plan from where they must end up:
// the API credentials secret (key and secret for token servers) and the
// ElastiCache AUTH token. Both inputs must be secrets.
func secretsOf(t *testing.T, p *plan.Plan) secretValues {
	t.Helper()
	ver, ok := p.Find(tSecretVer, "livekit-api-credentials")
	if !ok {
		t.Fatalf("no %s livekit-api-credentials", tSecretVer)
	}
	if !ver.IsSecret("secretString") {
		t.Fatalf("%s %q: secretString is not a Pulumi secret", ver.Type, ver.Name)
	}
	var creds struct{ APIKey, APISecret, URL string }
	jsonInput(t, ver, "secretString", &creds)
	rg := child(t, p, tRedisCache, tReplGroup, "")
	if !rg.IsSecret("authToken") {
		t.Fatalf("%s %q: authToken is not a Pulumi secret", rg.Type, rg.Name)
	}
	s := secretValues{APIKey: creds.APIKey, APISecret: creds.APISecret, RedisPassword: str(t, rg, "authToken")}
	for what, v := range s.all() {
		// Short values would make the leak checks below match by accident.
		if len(v) < 12 {
			t.Fatalf("%s %q is too short to be a real credential", what, v)
		}
	}
	return s
}

// containsAny reports which of the named secret values occur in s.
func containsAny(s string, secrets map[string]string) []string {
	var found []string
	for what, v := range secrets {
		if v != "" && strings.Contains(s, v) {
			found = append(found, what)
		}
	}
	sort.Strings(found)
	return found
}
