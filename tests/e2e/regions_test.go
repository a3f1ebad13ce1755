package e2e

// The region stacks under test and how to read, from each one's offline plan
// (internal/plan under the Pulumi mocks), what the program deploys for LiveKit:
// the rendered config body, the managed cache it points at, the API
// credentials handed to token servers, and every health check aimed at the
// nodes.
//
// Adding a cloud is one row in regionStacks: the stack name (a
// Pulumi.<stack>.yaml at the repo root), its Program, where its config lives
// (a Secrets Manager secret on ECS; a Kubernetes Secret data field on GKE/AKS,
// see kubernetesSecretField) and which health checks it declares.

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	awsstack "github.com/livekit-infra/livekit-infra/stacks/aws"
	azurestack "github.com/livekit-infra/livekit-infra/stacks/azure"
	gcpstack "github.com/livekit-infra/livekit-infra/stacks/gcp"
	globalstack "github.com/livekit-infra/livekit-infra/stacks/global"
)

// repoRoot holds Pulumi.yaml and the Pulumi.<stack>.yaml files (go test runs
// in the package directory).
const repoRoot = "../.."

// regionStack is one row: a region stack and how to find what it deploys.
type regionStack struct {
	// Stack names Pulumi.<Stack>.yaml in the repo root.
	Stack   string
	Program func(*pulumi.Context) (pulumi.Map, error)
	// Config finds the rendered LiveKit config (the LIVEKIT_CONFIG body).
	Config configSource
	// Cache, if set, reads how the program configures the managed Redis, so
	// the test can check the rendered config matches it.
	Cache func(p *plan.Plan) (managedCache, error)
	// APICredentials, if set, reads the API key/secret the program hands to
	// token servers; they must be the keys the nodes accept.
	APICredentials func(p *plan.Plan) (key, secret string, err error)
	// HealthChecks are the health checks the program aims at the nodes.
	HealthChecks []healthCheckSource
}

// regionStacks is the table: the region stacks. On EKS, GKE and AKS the
// config is in a Kubernetes Secret, and the pod probes are set by a
// transform of the LiveKit chart's Deployment, which a mock plan does not
// contain (the chart has no children there): workloadProbes runs that
// transform; kubernetesProbes finds probes wherever they are plain inputs.
var regionStacks = []regionStack{
	{
		Stack:          "aws-prod",
		Program:        awsstack.Program,
		Config:         secretsManagerSecretString("livekit-config"),
		Cache:          elastiCache,
		APICredentials: secretsManagerAPICredentials("livekit-api-credentials"),
		HealthChecks: []healthCheckSource{
			albChecks,
			{Name: "ECS container health check", Required: true, Extract: ecsContainerHealthChecks},
			globalRoute53Check,
			{Name: "Route 53 health checks", Extract: route53HealthChecks},
			anyKubernetesProbes,
		},
	},
	// The aws kind on EKS (awsPlatform eks): ElastiCache and the ALB as on
	// ECS, LiveKit from the shared Kubernetes workload. An alternative to
	// aws-prod, not in the committed global stack's regions: no Route 53
	// check aims at it.
	kubernetesRegion("aws-eks", awsstack.Program, elastiCache,
		secretsManagerAPICredentials("livekit-api-credentials"), albChecks),
	kubernetesRegion("gcp-eu", gcpstack.Program, memorystore,
		secretJSONCredentials("gcp:secretmanager/secretVersion:SecretVersion", "secretData"),
		healthCheckSource{Name: "GKE Gateway HealthCheckPolicy", Required: true, Extract: gkeHealthCheckPolicies},
		globalRoute53Check),
	// Traefik routes to ready pods only: the readiness probe is the load
	// balancer's health check on AKS.
	kubernetesRegion("azure-asia", azurestack.Program, azureCache,
		secretJSONCredentials("azure-native:keyvault:Secret", "properties.value"),
		globalRoute53Check),
	{
		// The azure kind on Container Instances (azurePlatform aci): each
		// container group has its own config (its UDP mux port and
		// ICE/TCP port); the row boots group 0's, TestACIGroupConfigsBootLiveKit
		// every group's. Token servers get no Key Vault secret on ACI (no
		// cluster to run them in), and the region is not in the committed
		// global stack. ACI allows no probe on a group in a virtual
		// network: Application Gateway's is the only health check.
		Stack:   "azure-aci",
		Program: azurestack.Program,
		Config:  aciGroupConfig(0),
		Cache:   azureCache,
		HealthChecks: []healthCheckSource{
			{Name: "Application Gateway probe", Required: true, Extract: appGatewayProbes},
			anyKubernetesProbes,
		},
	},
}

// regionStackNamed is the row of regionStacks for stack.
func regionStackNamed(t testing.TB, stack string) regionStack {
	t.Helper()
	for _, rs := range regionStacks {
		if rs.Stack == stack {
			return rs
		}
	}
	t.Fatalf("no %s row in regionStacks", stack)
	return regionStack{}
}

// The health check sources several rows declare.
var (
	albChecks           = healthCheckSource{Name: "ALB target group health check", Required: true, Extract: albTargetGroupChecks}
	globalRoute53Check  = healthCheckSource{Name: "global stack's Route 53 health check", Required: true, Extract: globalRoute53Checks}
	anyKubernetesProbes = healthCheckSource{Name: "Kubernetes probes", Extract: kubernetesProbes}
)

// kubernetesRegion is the row of a region whose LiveKit is the shared
// Kubernetes workload (EKS, GKE, AKS): its config in the workload's Secret,
// its pod probes required, plus the checks of its front door.
func kubernetesRegion(stack string, program func(*pulumi.Context) (pulumi.Map, error), cache func(*plan.Plan) (managedCache, error),
	creds func(*plan.Plan) (string, string, error), frontDoor ...healthCheckSource) regionStack {
	checks := append([]healthCheckSource{{Name: "LiveKit pod probes", Required: true, Extract: workloadProbes}}, frontDoor...)
	return regionStack{
		Stack:          stack,
		Program:        program,
		Config:         kubernetesSecretField("livekit-config", "config.yaml"),
		Cache:          cache,
		APICredentials: creds,
		HealthChecks:   append(checks, anyKubernetesProbes),
	}
}

// ---------------------------------------------------------------------------
// Plans

// loadStack reads a stack's config the way the Pulumi CLI would.
func loadStack(t testing.TB, stack string) *plan.StackConfig {
	t.Helper()
	sc, err := plan.LoadStackConfig(repoRoot, stack)
	if err != nil {
		t.Fatalf("plan.LoadStackConfig(%q, %q): %v", repoRoot, stack, err)
	}
	return sc
}

var planCache = struct {
	sync.Mutex
	m map[string]*cachedPlan
}{m: map[string]*cachedPlan{}}

type cachedPlan struct {
	once sync.Once
	p    *plan.Plan
	err  error
}

// regionPlan evaluates the row's stack with its committed config under the
// mocks, once per test binary.
func regionPlan(t testing.TB, rs regionStack) *plan.Plan {
	t.Helper()
	planCache.Lock()
	c := planCache.m[rs.Stack]
	if c == nil {
		c = &cachedPlan{}
		planCache.m[rs.Stack] = c
	}
	planCache.Unlock()
	c.once.Do(func() {
		sc, err := plan.LoadStackConfig(repoRoot, rs.Stack)
		if err != nil {
			c.err = fmt.Errorf("plan.LoadStackConfig: %w", err)
			return
		}
		c.p, c.err = plan.Evaluate(sc, rs.Program)
	})
	if c.err != nil {
		t.Fatalf("evaluating stack %s: %v", rs.Stack, c.err)
	}
	return c.p
}

// ---------------------------------------------------------------------------
// Where the config lives

// configSource finds the rendered LiveKit config in a plan.
type configSource struct {
	Where string // for messages
	Find  func(p *plan.Plan) (string, error)
}

// findOne returns the only resource of type typ named name.
func findOne(p *plan.Plan, typ, name string) (*plan.Resource, error) {
	var found []*plan.Resource
	for i := range p.Resources {
		if p.Resources[i].Type == typ && p.Resources[i].Name == name {
			found = append(found, &p.Resources[i])
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("want exactly one %s named %q, found %d", typ, name, len(found))
	}
	return found[0], nil
}

// secretStringInput reads a string input that must be a Pulumi secret.
func secretStringInput(r *plan.Resource, path string) (string, error) {
	v, ok := r.RawInput(path)
	if !ok {
		return "", fmt.Errorf("%s %s: no %s input", r.Type, r.Name, path)
	}
	s, ok := v.(string)
	if !ok || s == "" || s == plan.UnknownPlaceholder {
		return "", fmt.Errorf("%s %s: %s is %#v, want a rendered string", r.Type, r.Name, path, v)
	}
	if !r.IsSecret(path) {
		return "", fmt.Errorf("%s %s: %s is not a Pulumi secret (it holds the API secret and the Redis password)", r.Type, r.Name, path)
	}
	return s, nil
}

const secretVersionType = "aws:secretsmanager/secretVersion:SecretVersion"

// secretsManagerSecretString is the SecretString of a Secrets Manager
// secret version: ECS hands it to the container as LIVEKIT_CONFIG.
func secretsManagerSecretString(name string) configSource {
	return configSource{
		Where: fmt.Sprintf("%s %q secretString", secretVersionType, name),
		Find: func(p *plan.Plan) (string, error) {
			r, err := findOne(p, secretVersionType, name)
			if err != nil {
				return "", err
			}
			return secretStringInput(r, "secretString")
		},
	}
}

// kubernetesSecretField is one key of a Kubernetes Secret (stringData, or
// base64 data), mounted or passed as LIVEKIT_CONFIG on GKE and AKS.
func kubernetesSecretField(name, key string) configSource {
	const typ = "kubernetes:core/v1:Secret"
	return configSource{
		Where: fmt.Sprintf("%s %q stringData/data[%q]", typ, name, key),
		Find: func(p *plan.Plan) (string, error) {
			r, err := findOne(p, typ, name)
			if err != nil {
				return "", err
			}
			plain, enc := fmt.Sprintf("stringData[%q]", key), fmt.Sprintf("data[%q]", key)
			if _, ok := r.RawInput(plain); ok {
				return secretStringInput(r, plain)
			}
			if _, ok := r.RawInput(enc); !ok {
				return "", fmt.Errorf("%s %s: neither stringData nor data holds %q", typ, name, key)
			}
			b64, err := secretStringInput(r, enc)
			if err != nil {
				return "", err
			}
			dec, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				return "", fmt.Errorf("%s %s: data[%q] is not base64: %v", typ, name, key, err)
			}
			return string(dec), nil
		},
	}
}

// ---------------------------------------------------------------------------
// What the config must agree with

// managedCache is how the program configures the region's managed Redis.
type managedCache struct {
	Resource string // for messages
	Username string // "" for the default user (AUTH <password>)
	// Password is the AUTH secret the program sets; "" when the service
	// generates it (then it is not an input to compare with).
	Password string
	TLS      bool
	Port     int
}

// elastiCache reads the ElastiCache replication group: AUTH token, in-transit
// encryption and port.
func elastiCache(p *plan.Plan) (managedCache, error) {
	const typ = "aws:elasticache/replicationGroup:ReplicationGroup"
	r, err := p.Only(typ)
	if err != nil {
		return managedCache{}, err
	}
	pw, err := secretStringInput(r, "authToken")
	if err != nil {
		return managedCache{}, err
	}
	tlsOn, _ := r.RawInput("transitEncryptionEnabled")
	port, _ := r.RawInput("port")
	portN, _ := port.(int)
	return managedCache{
		Resource: typ + " " + r.Name,
		Password: pw,
		TLS:      tlsOn == true,
		Port:     portN,
	}, nil
}

// memorystore reads the Memorystore instance: AUTH and in-transit encryption
// on. Memorystore generates the AUTH string and picks the port (6378 with
// TLS), so neither is an input to compare with.
func memorystore(p *plan.Plan) (managedCache, error) {
	const typ = "gcp:redis/instance:Instance"
	r, err := p.Only(typ)
	if err != nil {
		return managedCache{}, err
	}
	if auth, _ := r.Input("authEnabled"); auth != true {
		return managedCache{}, fmt.Errorf("%s %s: authEnabled is %v, want true", typ, r.Name, auth)
	}
	mode := r.InputString("transitEncryptionMode")
	return managedCache{Resource: typ + " " + r.Name, TLS: mode == "SERVER_AUTHENTICATION"}, nil
}

// azureCache reads the Azure Cache for Redis: TLS only (no non-TLS port,
// TLS 1.2+). Azure generates the access key; the TLS port is always 6380.
func azureCache(p *plan.Plan) (managedCache, error) {
	const typ = "azure:redis/cache:Cache"
	r, err := p.Only(typ)
	if err != nil {
		return managedCache{}, err
	}
	nonTLS, _ := r.Input("nonSslPortEnabled")
	tlsOnly := nonTLS == false && r.InputString("minimumTlsVersion") == "1.2"
	return managedCache{Resource: typ + " " + r.Name, TLS: tlsOnly, Port: 6380}, nil
}

// secretJSONCredentials reads the token servers' credentials ({"apiKey",
// "apiSecret", "url"} JSON) from input path of the one resource of type typ
// named *-api-credentials: the Secret Manager secret version on GCP, the Key
// Vault secret on Azure.
func secretJSONCredentials(typ, path string) func(p *plan.Plan) (string, string, error) {
	return func(p *plan.Plan) (string, string, error) {
		var found []*plan.Resource
		for i := range p.Resources {
			if r := &p.Resources[i]; r.Type == typ && strings.HasSuffix(r.Name, "-api-credentials") {
				found = append(found, r)
			}
		}
		if len(found) != 1 {
			return "", "", fmt.Errorf("want exactly one %s named *-api-credentials, found %d", typ, len(found))
		}
		return apiCredentialsIn(found[0], path)
	}
}

// apiCredentialsIn reads the {"apiKey", "apiSecret"} JSON of r's secret
// string input at path; both must be set.
func apiCredentialsIn(r *plan.Resource, path string) (string, string, error) {
	body, err := secretStringInput(r, path)
	if err != nil {
		return "", "", err
	}
	var c struct {
		APIKey    string `json:"apiKey"`
		APISecret string `json:"apiSecret"`
	}
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		return "", "", fmt.Errorf("%s %s: %s is not JSON: %v", r.Type, r.Name, path, err)
	}
	if c.APIKey == "" || c.APISecret == "" {
		return "", "", fmt.Errorf("%s %s: apiKey or apiSecret missing", r.Type, r.Name)
	}
	return c.APIKey, c.APISecret, nil
}

// secretsManagerAPICredentials reads the token servers' credentials secret
// ({"apiKey", "apiSecret", "url"} JSON).
func secretsManagerAPICredentials(name string) func(p *plan.Plan) (string, string, error) {
	return func(p *plan.Plan) (string, string, error) {
		r, err := findOne(p, secretVersionType, name)
		if err != nil {
			return "", "", err
		}
		return apiCredentialsIn(r, "secretString")
	}
}

// ---------------------------------------------------------------------------
// Health checks

// healthCheck is one health check the program aims at LiveKit nodes.
type healthCheck struct {
	Source string // resource and field, for messages
	Path   string
	// Port is the node port the check targets, 0 when it reaches the node
	// through a load balancer (Route 53) or by a named port.
	Port int
}

// healthCheckSource extracts one kind of health check from a plan.
type healthCheckSource struct {
	Name string
	// Required: the row's plan must declare at least one such check.
	Required bool
	Extract  func(p *plan.Plan) ([]healthCheck, error)
}

// albTargetGroupChecks reads every ALB target group's health check. The path
// must be explicit (the ALB default "/" happens to be right, but the program
// must say what it relies on) and the matcher must accept 200.
func albTargetGroupChecks(p *plan.Plan) ([]healthCheck, error) {
	var out []healthCheck
	for _, r := range p.ByType("aws:lb/targetGroup:TargetGroup") {
		src := fmt.Sprintf("%s %s healthCheck", r.Type, r.Name)
		if enabled, ok := r.Input("healthCheck.enabled"); ok && enabled == false {
			return nil, fmt.Errorf("%s: disabled", src)
		}
		if r.InputString("protocol") == "TCP" {
			// The TURN/TLS NLB's target group: a TCP check of the TURN
			// port, dialled by TestTURNOverTLS (turn_test.go).
			continue
		}
		path := r.InputString("healthCheck.path")
		if path == "" {
			return nil, fmt.Errorf("%s: no explicit path", src)
		}
		if proto := r.InputString("healthCheck.protocol"); proto != "" && proto != "HTTP" {
			return nil, fmt.Errorf("%s: protocol %q, want HTTP (the ALB terminates TLS; nodes serve plain HTTP)", src, proto)
		}
		if m := r.InputString("healthCheck.matcher"); m != "" && !matcherAccepts(m, 200) {
			return nil, fmt.Errorf("%s: matcher %q does not accept 200", src, m)
		}
		tgPort, _ := r.Input("port")
		port, _ := tgPort.(int)
		if hp := r.InputString("healthCheck.port"); hp != "" && hp != "traffic-port" {
			n, err := strconv.Atoi(hp)
			if err != nil {
				return nil, fmt.Errorf("%s: port %q", src, hp)
			}
			port = n
		}
		out = append(out, healthCheck{Source: src + ".path", Path: path, Port: port})
	}
	return out, nil
}

// matcherAccepts reports whether an ALB matcher ("200", "200,202",
// "200-299") accepts code.
func matcherAccepts(matcher string, code int) bool {
	for _, part := range strings.Split(matcher, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			hi = lo
		}
		l, err1 := strconv.Atoi(lo)
		h, err2 := strconv.Atoi(hi)
		if err1 == nil && err2 == nil && l <= code && code <= h {
			return true
		}
	}
	return false
}

// localURLRe finds the URL a container health check command fetches.
var localURLRe = regexp.MustCompile(`https?://(?:127\.0\.0\.1|localhost):(\d+)(/[^\s'"|;&)]*)?`)

// ecsContainerHealthChecks parses every ECS task definition's
// containerDefinitions JSON and extracts the URL of each container health
// check command (http://127.0.0.1:<port><path>).
func ecsContainerHealthChecks(p *plan.Plan) ([]healthCheck, error) {
	var out []healthCheck
	for _, r := range p.ByType("aws:ecs/taskDefinition:TaskDefinition") {
		raw, ok := r.RawInput("containerDefinitions")
		s, isString := raw.(string)
		if !ok || !isString {
			return nil, fmt.Errorf("%s %s: containerDefinitions is %#v, want a JSON string", r.Type, r.Name, raw)
		}
		var defs []struct {
			Name        string `json:"name"`
			HealthCheck *struct {
				Command []string `json:"command"`
			} `json:"healthCheck"`
		}
		if err := json.Unmarshal([]byte(s), &defs); err != nil {
			return nil, fmt.Errorf("%s %s: containerDefinitions: %v", r.Type, r.Name, err)
		}
		for _, d := range defs {
			// Only LiveKit's container: Egress checks its own health port.
			if d.Name != "livekit" || d.HealthCheck == nil || len(d.HealthCheck.Command) == 0 {
				continue
			}
			src := fmt.Sprintf("%s %s container %q healthCheck.command", r.Type, r.Name, d.Name)
			cmd := strings.Join(d.HealthCheck.Command, " ")
			m := localURLRe.FindStringSubmatch(cmd)
			if m == nil {
				return nil, fmt.Errorf("%s %q: no http://127.0.0.1:<port><path> URL", src, cmd)
			}
			port, _ := strconv.Atoi(m[1])
			path := m[2]
			if path == "" {
				path = "/"
			}
			out = append(out, healthCheck{Source: src, Path: path, Port: port})
		}
	}
	return out, nil
}

// route53HealthChecks reads HTTP(S) Route 53 health checks. They reach the
// nodes through the load balancer, so only the path is checked.
func route53HealthChecks(p *plan.Plan) ([]healthCheck, error) {
	var out []healthCheck
	for _, r := range p.ByType("aws:route53/healthCheck:HealthCheck") {
		typ := r.InputString("type")
		if !strings.HasPrefix(typ, "HTTP") {
			continue
		}
		path := r.InputString("resourcePath")
		if path == "" {
			path = "/"
		}
		out = append(out, healthCheck{Source: fmt.Sprintf("%s %s resourcePath", r.Type, r.Name), Path: path})
	}
	return out, nil
}

// gkeHealthCheckPolicies reads GKE Gateway HealthCheckPolicy resources
// (spec.default.config.httpHealthCheck): the load balancer's check of each
// pod.
func gkeHealthCheckPolicies(p *plan.Plan) ([]healthCheck, error) {
	var out []healthCheck
	for _, r := range p.ByType("kubernetes:networking.gke.io/v1:HealthCheckPolicy") {
		src := fmt.Sprintf("%s %s spec.default.config", r.Type, r.Name)
		typ := r.InputString("spec.default.config.type")
		if typ != "HTTP" {
			return nil, fmt.Errorf("%s: type %q, want HTTP (pods serve plain HTTP on the signaling port)", src, typ)
		}
		path := r.InputString("spec.default.config.httpHealthCheck.requestPath")
		if path == "" {
			return nil, fmt.Errorf("%s: no explicit httpHealthCheck.requestPath", src)
		}
		port, _ := r.Input("spec.default.config.httpHealthCheck.port")
		n, _ := port.(int)
		out = append(out, healthCheck{Source: src + ".httpHealthCheck.requestPath", Path: path, Port: n})
	}
	return out, nil
}

// globalStack names Pulumi.<globalStack>.yaml, the GeoDNS layer whose
// Route 53 health checks probe every region.
const globalStack = "global"

// globalRoute53Checks evaluates the committed global stack with this
// region's plan outputs behind its StackReference, and returns the Route 53
// health checks aimed at this region's hostname. The other regions listed in
// the global stack get minimal outputs shaped like a region's.
func globalRoute53Checks(p *plan.Plan) ([]healthCheck, error) {
	sc, err := plan.LoadStackConfig(repoRoot, globalStack)
	if err != nil {
		return nil, err
	}
	key := func(k string) string { return sc.Config[stackconfig.Namespace+":"+k] }
	var regions []struct{ Name, Stack string }
	if err := json.Unmarshal([]byte(key("globalRegions")), &regions); err != nil {
		return nil, fmt.Errorf("%s:globalRegions of stack %s: %v", stackconfig.Namespace, globalStack, err)
	}
	var opts []plan.Option
	listed := false
	for _, r := range regions {
		name := r.Stack[strings.LastIndex(r.Stack, "/")+1:]
		if name == p.Stack {
			opts = append(opts, plan.WithStackReference(r.Stack, p.RawOutputs))
			listed = true
			continue
		}
		h := name + "." + key("domain")
		opts = append(opts, plan.WithStackReference(r.Stack, map[string]any{
			"hostname": h, "url": "wss://" + h, "healthUrl": "https://" + h + "/",
			"healthCheckPath": "/", "globalHostname": key("globalHostname"),
			// The same key set: the global stack refuses regions that differ.
			components.OutputAPIKeyFingerprint: p.RawOutputs[components.OutputAPIKeyFingerprint],
		}))
	}
	if !listed {
		return nil, fmt.Errorf("stack %s does not list region stack %s in %s:globalRegions", globalStack, p.Stack, stackconfig.Namespace)
	}
	gp, err := plan.Evaluate(sc, globalstack.Program, opts...)
	if err != nil {
		return nil, fmt.Errorf("evaluating stack %s: %w", globalStack, err)
	}
	host, _ := p.RawOutputs["hostname"].(string)
	all, err := route53HealthChecks(gp)
	if err != nil {
		return nil, err
	}
	var out []healthCheck
	for _, r := range gp.ByType("aws:route53/healthCheck:HealthCheck") {
		if host == "" || !strings.EqualFold(r.InputString("fqdn"), host) {
			continue
		}
		for _, hc := range all {
			if strings.HasPrefix(hc.Source, r.Type+" "+r.Name+" ") {
				hc.Source = "stack " + globalStack + ": " + hc.Source
				out = append(out, hc)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("stack %s declares no HTTP(S) Route 53 health check on %q", globalStack, host)
	}
	return out, nil
}

// workloadProbes runs the LiveKit workload's Deployment transform
// (components/kubernetes.DeploymentPatch, applied to the chart's
// livekit-server Deployment at deploy time) on a chart-shaped Deployment and
// returns the probes it sets. The plan must hold that workload.
func workloadProbes(p *plan.Plan) ([]healthCheck, error) {
	if len(p.ByType("livekit-infra:index:LiveKitWorkload")) == 0 {
		return nil, nil
	}
	deployment := pulumi.Map{
		"metadata": pulumi.Map{"name": pulumi.String(lkk8s.FullName)},
		"spec": pulumi.Map{"template": pulumi.Map{
			"metadata": pulumi.Map{},
			"spec": pulumi.Map{"containers": pulumi.Array{pulumi.Map{
				"name":  pulumi.String(lkk8s.ChartName),
				"ports": pulumi.Array{pulumi.Map{"name": pulumi.String("http"), "containerPort": pulumi.Int(7880)}},
			}}},
		}},
	}
	patched, err := lkk8s.DeploymentPatch{SecretName: lkk8s.SecretName}.Apply(deployment)
	if err != nil {
		return nil, fmt.Errorf("DeploymentPatch: %w", err)
	}
	plain, err := plainValue(patched)
	if err != nil {
		return nil, err
	}
	var out []healthCheck
	walkInputs(plain, "DeploymentPatch("+lkk8s.FullName+")", func(where string, m map[string]any) {
		out = append(out, probesIn(where, m)...)
	})
	if len(out) == 0 {
		return nil, errors.New("DeploymentPatch sets no HTTP probe on the LiveKit container")
	}
	return out, nil
}

// plainValue converts the pulumi.Map literals a transform builds to plain
// values.
func plainValue(v any) (any, error) {
	switch t := v.(type) {
	case pulumi.Map:
		out := map[string]any{}
		for k, e := range t {
			pv, err := plainValue(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = pv
		}
		return out, nil
	case pulumi.Array:
		out := make([]any, len(t))
		for i, e := range t {
			pv, err := plainValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = pv
		}
		return out, nil
	case pulumi.String:
		return string(t), nil
	case pulumi.Int:
		return int(t), nil
	case pulumi.Bool:
		return bool(t), nil
	case pulumi.Float64:
		return float64(t), nil
	case pulumi.StringMap:
		m := pulumi.Map{}
		for k, e := range t {
			m[k] = e
		}
		return plainValue(m)
	case pulumi.Input:
		// Outputs (e.g. a config hash) are not probes; keep their place.
		return fmt.Sprintf("(%T)", t), nil
	}
	return nil, fmt.Errorf("unexpected value %T", v)
}

var probeKeys = []string{"livenessProbe", "readinessProbe", "startupProbe"}

// kubernetesProbes finds every HTTP probe (livenessProbe, readinessProbe,
// startupProbe with httpGet) anywhere in any resource's inputs: Deployments,
// DaemonSets and Helm chart values alike.
func kubernetesProbes(p *plan.Plan) ([]healthCheck, error) {
	var out []healthCheck
	for _, r := range p.Resources {
		walkInputs(r.RawInputs, r.Type+" "+r.Name, func(where string, m map[string]any) {
			out = append(out, probesIn(where, m)...)
		})
	}
	return out, nil
}

// probesIn returns the HTTP probes of one container map.
func probesIn(where string, m map[string]any) []healthCheck {
	var out []healthCheck
	for _, k := range probeKeys {
		probe, _ := m[k].(map[string]any)
		get, _ := probe["httpGet"].(map[string]any)
		if get == nil {
			continue
		}
		path, _ := get["path"].(string)
		if path == "" {
			path = "/"
		}
		port, _ := get["port"].(int) // a named port stays 0
		out = append(out, healthCheck{Source: where + "." + k + ".httpGet.path", Path: path, Port: port})
	}
	return out
}

func walkInputs(v any, where string, fn func(string, map[string]any)) {
	switch t := v.(type) {
	case map[string]any:
		fn(where, t)
		for _, k := range slices.Sorted(maps.Keys(t)) {
			walkInputs(t[k], where+"."+k, fn)
		}
	case []any:
		for i, e := range t {
			walkInputs(e, fmt.Sprintf("%s[%d]", where, i), fn)
		}
	}
}

// regionHealthChecks runs every source of the row. A required source must
// find at least one check, and none may target /health or /healthz.
func regionHealthChecks(rs regionStack, p *plan.Plan) ([]healthCheck, error) {
	var all []healthCheck
	var errs []error
	for _, src := range rs.HealthChecks {
		got, err := src.Extract(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", src.Name, err))
			continue
		}
		if src.Required && len(got) == 0 {
			errs = append(errs, fmt.Errorf("%s: the plan declares none", src.Name))
		}
		for _, hc := range got {
			if !strings.HasPrefix(hc.Path, "/") {
				errs = append(errs, fmt.Errorf("%s: path %q does not start with /", hc.Source, hc.Path))
			}
			if p := strings.TrimRight(hc.Path, "/"); p == "/health" || p == "/healthz" {
				errs = append(errs, fmt.Errorf("%s: path %q is a 404 on LiveKit (the guide's bug); LiveKit serves GET /", hc.Source, hc.Path))
			}
		}
		all = append(all, got...)
	}
	return all, errors.Join(errs...)
}

// signalPortOf returns the `port` of a LiveKit config document.
func signalPortOf(doc map[string]any) int {
	n, _ := doc["port"].(int)
	return n
}

// redisPort returns the port of a host:port address.
func redisPort(addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(p)
	return n
}
