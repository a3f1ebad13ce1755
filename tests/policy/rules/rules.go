// Package rules is the policy tier over plans: the security rules every
// stack's plan must pass (docs: tests/policy). Each rule is a Pulumi
// CrossGuard stack policy (sdk/v3/go/pulumi/policyx, the Go policy API of
// the pinned SDK), so the same pack can be served to `pulumi preview
// --policy-pack` later; here Check runs it offline over a plan evaluated with
// internal/plan. It imports no cloud SDK: rules match type tokens and input
// names.
package rules

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// Rule names.
const (
	OpenToInternet  = "no-sensitive-port-open-to-internet"
	TLS12           = "tls-1.2-at-every-edge"
	EncryptedAtRest = "encryption-at-rest"
	NoPublicStorage = "no-public-storage"
	NoWildcardIAM   = "no-wildcard-iam"
	NoStaticAdmins  = "no-static-cluster-admins"
	NoPlainSecrets  = "no-secret-in-plain-fields-or-outputs"
	ScopedServices  = "service-principals-scoped-to-source"
)

// Violation is one rule broken by one resource.
type Violation struct {
	Rule string
	// URN of the resource (the stack's URN for outputs).
	URN string
	// Key is the resource's type and name, "type::name", which stays the
	// same across stacks and variants (the allow-list's key).
	Key     string
	Message string
}

func (v Violation) String() string { return fmt.Sprintf("%s: %s: %s", v.Rule, v.Key, v.Message) }

// check is one rule's body: it reports through report(resource, message).
type check func(rs []res, report func(r res, msg string))

type ruleDef struct {
	name, description string
	check             check
}

var defs = []ruleDef{
	{OpenToInternet, "Nothing sensitive (Redis, LiveKit's 7880 and metrics, SSH, the Kubernetes API, kubelet) is open to 0.0.0.0/0 or ::/0.", checkOpenToInternet},
	{TLS12, "Every edge that terminates or carries TLS requires TLS 1.2 or higher, and plaintext edges only redirect.", checkTLS},
	{EncryptedAtRest, "Data stores encrypt at rest.", checkEncryption},
	{NoPublicStorage, "No storage is readable by anyone: buckets block public access, CDNs serve private content only to signed requests.", checkPublicStorage},
	{NoWildcardIAM, "No policy allows every action of a service (or all), and no identity policy allows secret or storage actions on every resource.", checkIAM},
	{NoStaticAdmins, "Clusters have no static admin credentials (local accounts, client certificates, kubeconfigs with credentials in outputs).", checkStaticAdmins},
	{ScopedServices, "Resource policies let AWS service principals act only on behalf of a named source (aws:SourceAccount or aws:SourceArn), against the confused deputy.", checkServicePrincipals},
	{NoPlainSecrets, "No secret value appears in a plain (non-secret) input or output, and secret-named fields are secret.", checkPlainSecrets},
}

// Pack is the rules as a CrossGuard policy pack.
func Pack() []policyx.Policy {
	var out []policyx.Policy
	for _, d := range defs {
		out = append(out, policyx.NewStackValidationPolicy(d.name, policyx.StackValidationPolicyArgs{
			Description:      d.description,
			EnforcementLevel: policyx.EnforcementLevelMandatory,
			ValidateStack: func(_ context.Context, args policyx.StackValidationArgs) error {
				d.check(view(args.Resources), func(r res, msg string) { args.Manager.ReportViolation(msg, r.urn) })
				return nil
			},
		}))
	}
	return out
}

// manager collects the violations one policy reports.
type manager struct {
	policy string
	keys   map[string]string
	out    *[]Violation
}

func (m manager) ReportViolation(message, urn string) {
	*m.out = append(*m.out, Violation{Rule: m.policy, URN: urn, Key: m.keys[urn], Message: message})
}

// Check runs every rule over the resources (FromPlan) and returns the
// violations, sorted.
func Check(resources []policyx.AnalyzerResource) ([]Violation, error) {
	keys := map[string]string{}
	for _, r := range resources {
		keys[r.URN] = r.Type + "::" + r.Name
	}
	var out []Violation
	for _, p := range Pack() {
		sp, ok := p.(policyx.StackValidationPolicy)
		if !ok {
			continue
		}
		if err := sp.Validate(context.Background(), policyx.StackValidationArgs{
			Manager: manager{policy: p.Name(), keys: keys, out: &out}, Resources: resources,
		}); err != nil {
			return out, fmt.Errorf("policy %s: %w", p.Name(), err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out, nil
}

// StackType is the root resource; its properties are the stack outputs.
const StackType = "pulumi:pulumi:Stack"

// FromPlan presents a plan as the engine presents a stack to a policy pack:
// every custom resource with its inputs, secrets marked, and the root stack
// resource with the outputs.
func FromPlan(p *plan.Plan) []policyx.AnalyzerResource {
	var out []policyx.AnalyzerResource
	for i := range p.Resources {
		r := &p.Resources[i]
		if !r.Custom || r.Read {
			continue
		}
		props := toMap(r.RawInputs, nil, r.IsSecret)
		if _, ok := props.GetOk("id"); !ok && r.ID != "" {
			// As in the engine's view of a created resource: references
			// between resources (a bucket's public access block) use ids.
			props = props.Set("id", property.New(r.ID))
		}
		out = append(out, policyx.AnalyzerResource{
			Type: r.Type, Name: r.Name, URN: r.URN, Parent: r.Parent, Properties: props,
			Dependencies: r.Dependencies,
		})
	}
	outputs := map[string]property.Value{}
	for k, v := range p.RawOutputs {
		pv := toValue(v, resource.PropertyPath{k}, func(string) bool { return false })
		if p.OutputIsSecret(k) {
			pv = pv.WithSecret(true)
		}
		outputs[k] = pv
	}
	out = append(out, policyx.AnalyzerResource{
		Type: StackType, Name: p.Project + "-" + p.Stack, URN: p.StackURN, Properties: property.NewMap(outputs),
	})
	return out
}

func toMap(m map[string]any, path resource.PropertyPath, secret func(string) bool) property.Map {
	out := make(map[string]property.Value, len(m))
	for k, v := range m {
		out[k] = toValue(v, append(append(resource.PropertyPath{}, path...), k), secret)
	}
	return property.NewMap(out)
}

func toValue(v any, path resource.PropertyPath, secret func(string) bool) property.Value {
	var pv property.Value
	switch t := v.(type) {
	case nil:
		pv = property.Value{}
	case bool:
		pv = property.New(t)
	case int:
		pv = property.New(float64(t))
	case float64:
		pv = property.New(t)
	case string:
		if t == plan.UnknownPlaceholder {
			pv = property.New(property.Computed)
		} else {
			pv = property.New(t)
		}
	case []any:
		arr := make([]property.Value, len(t))
		for i, e := range t {
			arr[i] = toValue(e, append(append(resource.PropertyPath{}, path...), i), secret)
		}
		pv = property.New(property.NewArray(arr))
	case map[string]any:
		pv = property.New(toMap(t, path, secret))
	default:
		pv = property.New(fmt.Sprint(t))
	}
	if len(path) > 0 && secret(path.String()) {
		pv = pv.WithSecret(true)
	}
	return pv
}

// res is a resource as the rules read it: plain properties (secrets
// unwrapped) plus the original values for secretness.
type res struct {
	urn, typ, name string
	props          map[string]any
	pm             property.Map
	deps           []string
}

func view(rs []policyx.AnalyzerResource) []res {
	out := make([]res, 0, len(rs))
	for _, r := range rs {
		out = append(out, res{urn: r.URN, typ: r.Type, name: r.Name, pm: r.Properties, props: plainMap(r.Properties), deps: r.Dependencies})
	}
	return out
}

// refs are the ways another resource can name r: its URN (dependencies),
// its id, its name.
func (r res) refs() []string {
	return []string{r.urn, str(r.props, "id"), str(r.props, "name"), str(r.props, "bucket")}
}

// targets marks what a resource points at (its input, and its
// dependencies, which is how an output-valued reference shows in a plan).
func targets(set map[string]bool, r res, input string) {
	if v := str(r.props, input); v != "" {
		set[v] = true
	}
	for _, d := range r.deps {
		set[d] = true
	}
}

func marked(set map[string]bool, r res) bool {
	for _, k := range r.refs() {
		if k != "" && set[k] {
			return true
		}
	}
	return false
}

func plainMap(m property.Map) map[string]any {
	out := map[string]any{}
	for k, v := range m.All {
		out[k] = plainValue(v)
	}
	return out
}

// unknown is how a value not known before apply reads in rules.
const unknown = "(unknown)"

func plainValue(v property.Value) any {
	switch {
	case v.IsNull():
		return nil
	case v.IsComputed():
		return unknown
	case v.IsBool():
		return v.AsBool()
	case v.IsNumber():
		return v.AsNumber()
	case v.IsString():
		return v.AsString()
	case v.IsArray():
		var out []any
		for _, e := range v.AsArray().All {
			out = append(out, plainValue(e))
		}
		return out
	case v.IsMap():
		return plainMap(v.AsMap())
	case v.IsResourceReference():
		return string(v.AsResourceReference().URN)
	default:
		return nil
	}
}

// get reads a dotted path ("viewerCertificate.minimumProtocolVersion").
func get(m map[string]any, path string) any {
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[k]
	}
	return cur
}

func str(m map[string]any, path string) string {
	s, _ := get(m, path).(string)
	return s
}

func boolean(m map[string]any, path string) (value, set bool) {
	b, ok := get(m, path).(bool)
	return b, ok
}

func list(v any) []any {
	switch t := v.(type) {
	case []any:
		return t
	case nil:
		return nil
	default:
		return []any{t}
	}
}

func strs(v any) []string {
	var out []string
	for _, e := range list(v) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func maps(v any) []map[string]any {
	var out []map[string]any
	for _, e := range list(v) {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func num(v any) (int, bool) {
	switch t := v.(type) {
	case float64:
		return int(t), true
	case string:
		var n int
		if _, err := fmt.Sscanf(t, "%d", &n); err == nil {
			return n, true
		}
	}
	return 0, false
}
