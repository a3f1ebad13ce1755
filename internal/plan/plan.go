// Package plan evaluates a Pulumi Go program offline, in-process, against
// realistic mocks, and records what it would deploy: every resource (custom
// and component) with its inputs and options, and the stack outputs. It needs
// no Pulumi CLI, no language host, no cloud credentials.
//
// The result (a Plan) is used by tests (assert on resources and inputs) and by
// `lkinfra plan` (print a tree or a JSON document).
//
// # Secrets
//
// A Plan has two views of every value:
//
//   - the masked view (Resource.Inputs, Plan.Outputs, and everything JSON and
//     WriteTree print): every secret value, at any depth, is replaced by the
//     string SecretPlaceholder ("[secret]"). Resource.SecretPaths lists the
//     property paths (Pulumi syntax, e.g. `tags.password`, `rules[0].value`)
//     that were masked; Plan.SecretOutputs lists the secret outputs.
//   - the raw view (Resource.RawInputs, Plan.RawOutputs, Resource.RawInput),
//     which is NOT serialised (json:"-") and holds the real values, so a test
//     can assert both "this value is a secret" (Resource.IsSecret) and "the
//     secret value never appears in a plain field" (search the masked view or
//     the JSON document for the raw value).
//
// Unknown values are shown as UnknownPlaceholder in both views; resource
// references as the referenced URN; assets/archives as a short description.
// Numbers that are integral are ints, others float64.
package plan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// Plan is the result of evaluating a program.
type Plan struct {
	Project   string         `json:"project"`
	Stack     string         `json:"stack"`
	Resources []Resource     `json:"resources"`
	Outputs   map[string]any `json:"outputs"`

	// StackURN is the URN of the root pulumi:pulumi:Stack resource (the
	// mock monitor does not report the stack itself, so it is not in
	// Resources; top-level resources have it as Parent).
	StackURN string `json:"-"`
	// RawOutputs are the outputs with secrets unmasked. Never serialised.
	RawOutputs map[string]any `json:"-"`
	// SecretOutputs lists (sorted) the outputs that are secret.
	SecretOutputs []string `json:"-"`
	// Invokes lists (sorted, deduplicated) the invoke tokens the program called.
	Invokes []string `json:"-"`
}

// Resource is one registered resource.
type Resource struct {
	URN    string `json:"urn"`
	Type   string `json:"type"`
	Name   string `json:"name"`
	Parent string `json:"parent"`
	// Custom is true for provider-managed resources, false for components.
	Custom bool `json:"custom"`
	// ID is the synthesized (deterministic) id; empty for components.
	ID string `json:"id,omitempty"`
	// Read is true for resources read rather than created (ReadResource,
	// e.g. StackReference).
	Read bool `json:"read,omitempty"`

	Protect                 bool              `json:"protect,omitempty"`
	Provider                string            `json:"provider,omitempty"`
	Dependencies            []string          `json:"dependencies,omitempty"`
	IgnoreChanges           []string          `json:"ignoreChanges,omitempty"`
	ReplaceOnChanges        []string          `json:"replaceOnChanges,omitempty"`
	AdditionalSecretOutputs []string          `json:"additionalSecretOutputs,omitempty"`
	DeleteBeforeReplace     bool              `json:"deleteBeforeReplace,omitempty"`
	RetainOnDelete          bool              `json:"retainOnDelete,omitempty"`
	DeletedWith             string            `json:"deletedWith,omitempty"`
	ImportID                string            `json:"importId,omitempty"`
	Version                 string            `json:"version,omitempty"`
	Remote                  bool              `json:"remote,omitempty"`
	Aliases                 []Alias           `json:"aliases,omitempty"`
	CustomTimeouts          map[string]string `json:"customTimeouts,omitempty"`

	// Inputs are the resource's inputs, secrets masked.
	Inputs map[string]any `json:"inputs"`
	// SecretPaths lists (sorted) the input property paths whose values are
	// secret and were masked in Inputs.
	SecretPaths []string `json:"secretPaths,omitempty"`
	// RawInputs are the inputs with secrets unmasked. Never serialised.
	RawInputs map[string]any `json:"-"`

	raw resource.PropertyMap
}

// Alias is one alias of a resource: either a URN or a spec.
type Alias struct {
	URN       string `json:"urn,omitempty"`
	Name      string `json:"name,omitempty"`
	Type      string `json:"type,omitempty"`
	Stack     string `json:"stack,omitempty"`
	Project   string `json:"project,omitempty"`
	ParentURN string `json:"parentUrn,omitempty"`
	NoParent  bool   `json:"noParent,omitempty"`
}

// Option configures Evaluate.
type Option func(*options)

type options struct {
	stackRefs map[string]map[string]any
	computed  map[string]ComputedFunc
	invokes   map[string]InvokeFunc
	dryRun    bool
}

// WithStackReference makes a pulumi.StackReference to the stack `name` (as
// passed to NewStackReference, e.g. "org/livekit-infra/global") resolve with
// the given outputs. A value may be a resource.PropertyValue (e.g.
// resource.MakeSecret(...)) to make that output secret. References to stacks
// without outputs given resolve to empty outputs.
func WithStackReference(name string, outputs map[string]any) Option {
	return func(o *options) {
		if o.stackRefs == nil {
			o.stackRefs = map[string]map[string]any{}
		}
		o.stackRefs[name] = outputs
	}
}

// WithComputed adds or replaces the computed-output function for a resource
// type token.
func WithComputed(typ string, fn ComputedFunc) Option {
	return func(o *options) {
		if o.computed == nil {
			o.computed = map[string]ComputedFunc{}
		}
		o.computed[typ] = fn
	}
}

// WithInvoke adds or replaces the answer for an invoke token.
func WithInvoke(token string, fn InvokeFunc) Option {
	return func(o *options) {
		if o.invokes == nil {
			o.invokes = map[string]InvokeFunc{}
		}
		o.invokes[token] = fn
	}
}

// WithDryRun runs the program as a preview (ctx.DryRun() is true). Outputs a
// mock does not return are then unknown instead of empty, and applies on them
// do not run. The default is false: all values known, every apply runs.
func WithDryRun(dryRun bool) Option { return func(o *options) { o.dryRun = dryRun } }

// Evaluate runs program in-process against the mocks with sc's config and
// returns the plan. An error returned by the program (or a panic in its
// body, e.g. from config.Require) is returned verbatim. On error the
// returned *Plan is still non-nil and holds whatever was registered before
// the failure (useful for debugging); callers normally ignore it.
func Evaluate(sc *StackConfig, program func(*pulumi.Context) (pulumi.Map, error), opts ...Option) (*Plan, error) {
	if sc == nil {
		return nil, errors.New("plan.Evaluate: nil StackConfig")
	}
	if sc.Project == "" || sc.Stack == "" {
		return nil, errors.New("plan.Evaluate: StackConfig needs Project and Stack")
	}
	o := &options{}
	for _, opt := range opts {
		opt(o)
	}
	m := newMocks(sc, o)
	// The mocks set no PULUMI_CONFIG: let the config model see every key
	// the stack sets, unknown ones included.
	stackconfig.NoteConfigKeys(sc.Config)

	var (
		progErr  error
		resolved map[string]internals.UnsafeAwaitOutputResult
		plainRaw map[string]any
	)
	body := func(ctx *pulumi.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				progErr = fmt.Errorf("%v", r)
				err = progErr
			}
		}()
		res, err := program(ctx)
		if err != nil {
			progErr = err
			return err
		}
		resolved = map[string]internals.UnsafeAwaitOutputResult{}
		plainRaw = map[string]any{}
		for k, in := range res {
			r, err := internals.UnsafeAwaitOutput(ctx.Context(), pulumi.ToOutput(in))
			if err != nil {
				progErr = fmt.Errorf("resolving output %q: %w", k, err)
				return progErr
			}
			resolved[k] = r
			if r.Known {
				v, err := goToPlain(ctx.Context(), r.Value)
				if err != nil {
					progErr = fmt.Errorf("converting output %q: %w", k, err)
					return progErr
				}
				plainRaw[k] = v
			}
		}
		return nil
	}

	cfg := make(map[string]string, len(sc.Config))
	for k, v := range sc.Config {
		cfg[k] = v
	}
	secretKeys := append([]string(nil), sc.SecretKeys...)
	runErr := pulumi.RunErr(body,
		pulumi.WithMocks(sc.Project, sc.Stack, m),
		func(info *pulumi.RunInfo) {
			info.Config = cfg
			info.ConfigSecretKeys = secretKeys
			info.DryRun = o.dryRun
		},
	)

	p := m.plan()
	for k, r := range resolved {
		switch {
		case !r.Known:
			p.Outputs[k] = UnknownPlaceholder
			p.RawOutputs[k] = UnknownPlaceholder
		case r.Secret:
			p.Outputs[k] = SecretPlaceholder
			p.RawOutputs[k] = plainRaw[k]
			p.SecretOutputs = append(p.SecretOutputs, k)
		default:
			p.Outputs[k] = plainRaw[k]
			p.RawOutputs[k] = plainRaw[k]
		}
	}
	sort.Strings(p.SecretOutputs)

	if progErr != nil {
		return p, progErr
	}
	if runErr != nil {
		return p, runErr
	}
	return p, nil
}

// plan converts what the mocks recorded into a Plan.
func (m *mocks) plan() *Plan {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := &Plan{
		Project:    m.project,
		Stack:      m.stack,
		Resources:  []Resource{},
		Outputs:    map[string]any{},
		RawOutputs: map[string]any{},
		StackURN:   m.stackURN(),
	}
	for _, r := range m.resources {
		rr := *r
		var secrets []string
		rr.Inputs = propertyMapToPlain(r.raw, nil, true, &secrets)
		rr.RawInputs = propertyMapToPlain(r.raw, nil, false, nil)
		sort.Strings(secrets)
		rr.SecretPaths = secrets
		p.Resources = append(p.Resources, rr)
	}
	sort.SliceStable(p.Resources, func(i, j int) bool { return p.Resources[i].URN < p.Resources[j].URN })
	seen := map[string]bool{}
	for _, t := range m.invokeLog {
		if !seen[t] {
			seen[t] = true
			p.Invokes = append(p.Invokes, t)
		}
	}
	sort.Strings(p.Invokes)
	return p
}

// JSON renders the plan (masked view) as indented JSON with a trailing
// newline. The output is stable across runs.
func (p *Plan) JSON() ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

// ByType returns the resources of type typ (sorted by URN).
func (p *Plan) ByType(typ string) []Resource {
	var out []Resource
	for _, r := range p.Resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Only returns the single resource of type typ, or an error naming how many
// there are.
func (p *Plan) Only(typ string) (*Resource, error) {
	rs := p.ByType(typ)
	if len(rs) != 1 {
		names := make([]string, len(rs))
		for i, r := range rs {
			names[i] = r.Name
		}
		return nil, fmt.Errorf("want exactly one %s, got %d: %v", typ, len(rs), names)
	}
	return &rs[0], nil
}

// Find returns the resource with the given type and logical name. If several
// match (same type and name under different parent types), the first by URN
// is returned.
func (p *Plan) Find(typ, name string) (*Resource, bool) {
	for i := range p.Resources {
		if p.Resources[i].Type == typ && p.Resources[i].Name == name {
			return &p.Resources[i], true
		}
	}
	return nil, false
}

// ByURN returns the resource with the given URN.
func (p *Plan) ByURN(urn string) (*Resource, bool) {
	for i := range p.Resources {
		if p.Resources[i].URN == urn {
			return &p.Resources[i], true
		}
	}
	return nil, false
}

// Children returns the direct children of the resource with the given URN
// (pass p.StackURN for top-level resources).
func (p *Plan) Children(urn string) []Resource {
	var out []Resource
	for _, r := range p.Resources {
		if r.Parent == urn {
			out = append(out, r)
		}
	}
	return out
}

// Descendants returns all resources below urn, at any depth.
func (p *Plan) Descendants(urn string) []Resource {
	var out []Resource
	for _, c := range p.Children(urn) {
		out = append(out, c)
		out = append(out, p.Descendants(c.URN)...)
	}
	return out
}

// OutputIsSecret reports whether output key is secret.
func (p *Plan) OutputIsSecret(key string) bool {
	for _, k := range p.SecretOutputs {
		if k == key {
			return true
		}
	}
	return false
}

// Input returns the (masked) input at a Pulumi property path such as
// "healthCheck.path", "ingress[0].fromPort" or `tags["kubernetes.io/role"]`.
// A secret value (or one inside a secret) reads as SecretPlaceholder.
func (r *Resource) Input(path string) (any, bool) {
	v, ok := lookup(r.Inputs, path)
	if !ok {
		// A path below a masked secret reads as the placeholder.
		if r.IsSecret(path) {
			return SecretPlaceholder, true
		}
	}
	return v, ok
}

// InputString is Input for string values; "" if absent or not a string.
func (r *Resource) InputString(path string) string {
	v, _ := r.Input(path)
	s, _ := v.(string)
	return s
}

// RawInput is Input on the unmasked view.
func (r *Resource) RawInput(path string) (any, bool) { return lookup(r.RawInputs, path) }

// IsSecret reports whether the input at path is secret: it is, or is inside,
// a value listed in SecretPaths.
func (r *Resource) IsSecret(path string) bool {
	pp, err := resource.ParsePropertyPath(path)
	if err != nil {
		return false
	}
	for _, s := range r.SecretPaths {
		sp, err := resource.ParsePropertyPath(s)
		if err != nil {
			continue
		}
		if len(sp) <= len(pp) && reflect.DeepEqual([]any(sp), []any(pp[:len(sp)])) {
			return true
		}
	}
	return false
}

func lookup(root map[string]any, path string) (any, bool) {
	pp, err := resource.ParsePropertyPath(path)
	if err != nil || len(pp) == 0 {
		return nil, false
	}
	var cur any = root
	for _, seg := range pp {
		next, ok := PathStep(cur, seg)
		if !ok {
			return nil, false
		}
		cur = next
	}
	return cur, true
}

// PathStep is v's element at one segment of a resource.PropertyPath: a
// map key (string) or a list index (int); false when v has none.
func PathStep(v, seg any) (any, bool) {
	switch s := seg.(type) {
	case string:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		e, ok := m[s]
		return e, ok
	case int:
		a, ok := v.([]any)
		if !ok || s < 0 || s >= len(a) {
			return nil, false
		}
		return a[s], true
	}
	return nil, false
}

// --- value conversion ------------------------------------------------------

func propertyMapToPlain(m resource.PropertyMap, path resource.PropertyPath, mask bool, secrets *[]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[string(k)] = propertyToPlain(v, appendPath(path, string(k)), mask, secrets)
	}
	return out
}

func appendPath(p resource.PropertyPath, seg any) resource.PropertyPath {
	out := make(resource.PropertyPath, len(p), len(p)+1)
	copy(out, p)
	return append(out, seg)
}

func propertyToPlain(v resource.PropertyValue, path resource.PropertyPath, mask bool, secrets *[]string) any {
	switch {
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return number(v.NumberValue())
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = propertyToPlain(e, appendPath(path, i), mask, secrets)
		}
		return out
	case v.IsObject():
		return propertyMapToPlain(v.ObjectValue(), path, mask, secrets)
	case v.IsAsset():
		return describeAsset(v.AssetValue().Path, v.AssetValue().Text, v.AssetValue().URI)
	case v.IsArchive():
		a := v.ArchiveValue()
		switch {
		case a.Path != "":
			return "archive(path: " + a.Path + ")"
		case a.URI != "":
			return "archive(uri: " + a.URI + ")"
		default:
			return fmt.Sprintf("archive(%d assets)", len(a.Assets))
		}
	case v.IsComputed():
		return UnknownPlaceholder
	case v.IsOutput():
		o := v.OutputValue()
		if !o.Known {
			return UnknownPlaceholder
		}
		if o.Secret {
			return secretToPlain(o.Element, path, mask, secrets)
		}
		return propertyToPlain(o.Element, path, mask, secrets)
	case v.IsSecret():
		return secretToPlain(v.SecretValue().Element, path, mask, secrets)
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	}
	return fmt.Sprintf("%v", v)
}

func secretToPlain(e resource.PropertyValue, path resource.PropertyPath, mask bool, secrets *[]string) any {
	if !mask {
		return propertyToPlain(e, path, false, nil)
	}
	if secrets != nil {
		*secrets = append(*secrets, path.String())
	}
	return SecretPlaceholder
}

func describeAsset(path, text, uri string) string {
	switch {
	case path != "":
		return "asset(path: " + path + ")"
	case uri != "":
		return "asset(uri: " + uri + ")"
	default:
		return fmt.Sprintf("asset(text, %d bytes)", len(text))
	}
}

func number(f float64) any {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int(f)
	}
	return f
}

// goToPlain converts a resolved Go output value (as produced by awaiting a
// pulumi.Output) to plain JSON-able values.
func goToPlain(ctx context.Context, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t := v.(type) {
	case pulumi.Output:
		r, err := internals.UnsafeAwaitOutput(ctx, t)
		if err != nil {
			return nil, err
		}
		if !r.Known {
			return UnknownPlaceholder, nil
		}
		return goToPlain(ctx, r.Value)
	case pulumi.Resource:
		r, err := internals.UnsafeAwaitOutput(ctx, t.URN())
		if err != nil {
			return nil, err
		}
		if !r.Known {
			return UnknownPlaceholder, nil
		}
		return fmt.Sprintf("%v", r.Value), nil
	case pulumi.Archive:
		switch {
		case t.Path() != "":
			return "archive(path: " + t.Path() + ")", nil
		case t.URI() != "":
			return "archive(uri: " + t.URI() + ")", nil
		default:
			return fmt.Sprintf("archive(%d assets)", len(t.Assets())), nil
		}
	case pulumi.Asset:
		return describeAsset(t.Path(), t.Text(), t.URI()), nil
	case resource.PropertyValue:
		return propertyToPlain(t, nil, false, nil), nil
	case string:
		return t, nil
	case bool:
		return t, nil
	case float64:
		return number(t), nil
	case float32:
		return number(float64(t)), nil
	case int:
		return t, nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return rv.String(), nil
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int(rv.Uint()), nil
	case reflect.Float32, reflect.Float64:
		return number(rv.Float()), nil
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil, nil
		}
		return goToPlain(ctx, rv.Elem().Interface())
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return nil, nil
		}
		out := make([]any, rv.Len())
		for i := 0; i < rv.Len(); i++ {
			e, err := goToPlain(ctx, rv.Index(i).Interface())
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	case reflect.Map:
		if rv.IsNil() {
			return nil, nil
		}
		out := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			e, err := goToPlain(ctx, it.Value().Interface())
			if err != nil {
				return nil, err
			}
			out[fmt.Sprintf("%v", it.Key().Interface())] = e
		}
		return out, nil
	case reflect.Struct:
		out := map[string]any{}
		rt := rv.Type()
		for i := 0; i < rt.NumField(); i++ {
			f := rt.Field(i)
			if !f.IsExported() {
				continue
			}
			name := f.Tag.Get("pulumi")
			if name == "" {
				name = f.Name
			}
			fv := rv.Field(i)
			if (fv.Kind() == reflect.Pointer || fv.Kind() == reflect.Slice || fv.Kind() == reflect.Map || fv.Kind() == reflect.Interface) && fv.IsNil() {
				continue
			}
			e, err := goToPlain(ctx, fv.Interface())
			if err != nil {
				return nil, err
			}
			out[name] = e
		}
		return out, nil
	}
	return fmt.Sprintf("%v", v), nil
}
