package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// FakeAccountID is the AWS account id the mocks use in ARNs and
// getCallerIdentity.
const FakeAccountID = "123456789012"

// DefaultAWSRegion is used when config has no aws:region.
const DefaultAWSRegion = "us-west-2"

// stackReferenceType is the type token of pulumi.StackReference.
const stackReferenceType = "pulumi:pulumi:StackReference"

// MockInfo is what a computed-output or invoke function gets to work with.
type MockInfo struct {
	Type   string               // type token (or invoke token)
	Name   string               // logical name (resources only)
	ID     string               // the synthesized id (resources only)
	Region string               // AWS region: of the explicit provider if any, else aws:region, else DefaultAWSRegion
	Inputs resource.PropertyMap // resource inputs or invoke args, secrets still wrapped
}

// PhysicalName is the resource's "name" input if it is a plain string, else
// its logical name.
func (mi MockInfo) PhysicalName() string {
	if s, ok := plainString(mi.Inputs, "name"); ok {
		return s
	}
	return mi.Name
}

// Hash returns n hex characters derived deterministically from the type and
// logical name, salted with salt.
func (mi MockInfo) Hash(salt string, n int) string { return hashHex(mi.Type+"::"+mi.Name+"::"+salt, n) }

// ComputedFunc returns outputs a provider would compute for a resource. They
// are merged over the inputs (a computed value never replaces an input the
// program set, except where the function deliberately returns it).
type ComputedFunc func(mi MockInfo) resource.PropertyMap

// InvokeFunc answers an invoke (data source / function call).
type InvokeFunc func(mi MockInfo) resource.PropertyMap

// computedOutputs is the per-type table of synthesized outputs: the
// cloud-neutral (random) types here, each cloud's in its own file
// (mocks_aws.go, mocks_gcp.go, mocks_azure.go) registered by init;
// WithComputed overrides per plan.
// Unknown types only get id/name (and arn for aws:*).
var computedOutputs = map[string]ComputedFunc{
	"random:index/randomPassword:RandomPassword": func(mi MockInfo) resource.PropertyMap {
		return resource.PropertyMap{
			"result":     resource.MakeSecret(resource.NewProperty(fakeSecret(randomResult(mi)))),
			"bcryptHash": resource.MakeSecret(resource.NewProperty("$2a$10$" + hashAlnum("bcrypt"+mi.Name, 53))),
		}
	},
	"random:index/randomString:RandomString": func(mi MockInfo) resource.PropertyMap {
		return resource.PropertyMap{"result": resource.NewProperty(randomResult(mi))}
	},
}

// invokes is the table of invoke answers, filled by each cloud's file.
// Unknown invokes return an empty map.
var invokes = map[string]InvokeFunc{}

// registerCloud adds a cloud's tables (awsComputed and awsInvokes, ...)
// to the mocks' at init. A type or invoke mocked twice is a bug in the
// tables (one answer would silently win): it fails every test at once.
func registerCloud(computed map[string]ComputedFunc, invoked map[string]InvokeFunc) {
	for k, f := range computed {
		if _, dup := computedOutputs[k]; dup {
			panic("plan: outputs of " + k + " mocked twice")
		}
		computedOutputs[k] = f
	}
	for k, f := range invoked {
		if _, dup := invokes[k]; dup {
			panic("plan: invoke " + k + " mocked twice")
		}
		invokes[k] = f
	}
}

// mocks implements pulumi.MockResourceMonitor and records every registration.
type mocks struct {
	project, stack string
	region         string
	stackRefs      map[string]map[string]any
	// dir is the project directory of the stack files, for answering
	// references to the credentials stack (references.go).
	dir      string
	computed map[string]ComputedFunc
	invokes  map[string]InvokeFunc

	mu              sync.Mutex
	resources       []*Resource
	providerRegions map[string]string // provider URN -> region
	invokeLog       []string
}

func newMocks(sc *StackConfig, o *options) *mocks {
	region := sc.Config["aws:region"]
	if region == "" || region == SecretPlaceholder {
		region = DefaultAWSRegion
	}
	m := &mocks{
		project:         sc.Project,
		stack:           sc.Stack,
		region:          region,
		stackRefs:       o.stackRefs,
		dir:             sc.Dir,
		computed:        map[string]ComputedFunc{},
		invokes:         map[string]InvokeFunc{},
		providerRegions: map[string]string{},
	}
	for k, v := range computedOutputs {
		m.computed[k] = v
	}
	for k, v := range o.computed {
		m.computed[k] = v
	}
	for k, v := range invokes {
		m.invokes[k] = v
	}
	for k, v := range o.invokes {
		m.invokes[k] = v
	}
	return m
}

// urn computes a resource's URN exactly as the mock monitor does.
func (m *mocks) urn(parent, typ, name string) string {
	parentType := ""
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = string(p.QualifiedType())
	}
	return string(resource.NewURN(tokens.QName(m.stack), tokens.PackageName(m.project), tokens.Type(parentType), tokens.Type(typ), name))
}

func (m *mocks) stackURN() string {
	return m.urn("", string(resource.RootStackType), m.project+"-"+m.stack)
}

func (m *mocks) regionFor(providerRef string) string {
	if providerRef != "" {
		urn := providerRef
		if i := strings.LastIndex(providerRef, "::"); i > 0 {
			urn = providerRef[:i]
		}
		m.mu.Lock()
		r, ok := m.providerRegions[urn]
		m.mu.Unlock()
		if ok {
			return r
		}
	}
	return m.region
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r := &Resource{
		Type:   args.TypeToken,
		Name:   args.Name,
		Custom: args.Custom,
	}
	parent := ""
	if rpc := args.RegisterRPC; rpc != nil {
		parent = rpc.GetParent()
		r.Custom = rpc.GetCustom()
		r.Protect = rpc.GetProtect()
		r.Provider = rpc.GetProvider()
		r.Dependencies = sortedCopy(rpc.GetDependencies())
		r.IgnoreChanges = sortedCopy(rpc.GetIgnoreChanges())
		r.ReplaceOnChanges = sortedCopy(rpc.GetReplaceOnChanges())
		r.AdditionalSecretOutputs = sortedCopy(rpc.GetAdditionalSecretOutputs())
		r.DeleteBeforeReplace = rpc.GetDeleteBeforeReplace()
		r.RetainOnDelete = rpc.GetRetainOnDelete()
		r.DeletedWith = rpc.GetDeletedWith()
		r.ImportID = rpc.GetImportId()
		r.Version = rpc.GetVersion()
		r.Remote = rpc.GetRemote()
		for _, a := range rpc.GetAliases() {
			if u := a.GetUrn(); u != "" {
				r.Aliases = append(r.Aliases, Alias{URN: u})
			} else if s := a.GetSpec(); s != nil {
				r.Aliases = append(r.Aliases, Alias{
					Name: s.GetName(), Type: s.GetType(), Stack: s.GetStack(), Project: s.GetProject(),
					ParentURN: s.GetParentUrn(), NoParent: s.GetNoParent(),
				})
			}
		}
		for _, u := range rpc.GetAliasURNs() {
			r.Aliases = append(r.Aliases, Alias{URN: u})
		}
		if ct := rpc.GetCustomTimeouts(); ct != nil {
			r.CustomTimeouts = map[string]string{}
			for k, v := range map[string]string{"create": ct.GetCreate(), "update": ct.GetUpdate(), "delete": ct.GetDelete()} {
				if v != "" {
					r.CustomTimeouts[k] = v
				}
			}
			if len(r.CustomTimeouts) == 0 {
				r.CustomTimeouts = nil
			}
		}
	} else if rpc := args.ReadRPC; rpc != nil {
		parent = rpc.GetParent()
		r.Read = true
		r.Custom = true
		r.Provider = rpc.GetProvider()
		r.Dependencies = sortedCopy(rpc.GetDependencies())
		r.AdditionalSecretOutputs = sortedCopy(rpc.GetAdditionalSecretOutputs())
	}
	if parent == "" && args.TypeToken != string(resource.RootStackType) {
		// The Go SDK parents unparented resources to the stack; be safe anyway.
		parent = m.stackURN()
	}
	r.Parent = parent
	r.URN = m.urn(parent, args.TypeToken, args.Name)
	r.raw = args.Inputs.Copy()

	region := m.regionFor(r.Provider)
	state := args.Inputs.Copy()
	id := args.ID

	switch {
	case args.TypeToken == stackReferenceType:
		name := args.ID
		if name == "" {
			if s, ok := plainString(args.Inputs, "name"); ok {
				name = s
			} else {
				name = args.Name
			}
		}
		id = name
		outs := m.stackRefs[name]
		if outs == nil {
			outs = m.stackRefs[args.Name]
		}
		if outs == nil {
			outs = m.referencedCredentials(name)
		}
		if outs == nil {
			outs = map[string]any{}
		}
		state["name"] = resource.NewProperty(name)
		state["outputs"] = resource.NewPropertyValue(outs)
		state["secretOutputNames"] = resource.NewProperty([]resource.PropertyValue{})
	case strings.HasPrefix(args.TypeToken, "pulumi:providers:"):
		if id == "" {
			id = hashUUID(args.TypeToken + args.Name)
		}
		if strings.HasSuffix(args.TypeToken, ":aws") {
			if s, ok := plainString(args.Inputs, "region"); ok {
				region = s
			}
			m.mu.Lock()
			m.providerRegions[r.URN] = region
			m.mu.Unlock()
		}
	default:
		if id == "" && r.Custom {
			id = args.Name + "-" + hashHex(args.TypeToken+"::"+args.Name, 8)
		}
		if r.Custom {
			if _, ok := state["name"]; !ok {
				state["name"] = resource.NewProperty(args.Name)
			}
			if strings.HasPrefix(args.TypeToken, "aws:") {
				if _, ok := state["arn"]; !ok {
					state["arn"] = resource.NewProperty(fmt.Sprintf("arn:aws:%s:%s:%s:%s",
						awsService(args.TypeToken), region, FakeAccountID, MockInfo{Name: args.Name, Inputs: args.Inputs}.PhysicalName()))
				}
			}
		}
		if fn := m.computed[args.TypeToken]; fn != nil {
			extra := fn(MockInfo{Type: args.TypeToken, Name: args.Name, ID: id, Region: region, Inputs: args.Inputs})
			for k, v := range extra {
				if k == "id" {
					if v.IsString() {
						id = v.StringValue()
					}
					continue
				}
				if in, set := args.Inputs[k]; set && k != "arn" {
					// Inputs win over synthesized outputs; an input object
					// only gains the output-only fields it lacks (e.g. an
					// AKS cluster's oidcIssuerProfile.issuerURL).
					if in.IsObject() && v.IsObject() {
						merged := in.ObjectValue().Copy()
						for ck, cv := range v.ObjectValue() {
							if _, has := merged[ck]; !has {
								merged[ck] = cv
							}
						}
						state[k] = resource.NewObjectProperty(merged)
					}
					continue
				}
				state[k] = v
			}
		}
	}
	r.ID = id

	m.mu.Lock()
	m.resources = append(m.resources, r)
	m.mu.Unlock()
	return id, state, nil
}

func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.invokeLog = append(m.invokeLog, args.Token)
	m.mu.Unlock()
	fn := m.invokes[args.Token]
	if fn == nil {
		return resource.PropertyMap{}, nil
	}
	region := m.regionFor(args.Provider)
	out := fn(MockInfo{Type: args.Token, Region: region, Inputs: args.Args})
	if out == nil {
		out = resource.PropertyMap{}
	}
	return out, nil
}

// fakePrefix starts every secret the mocks generate, so that values in
// plans and golden files are plainly not credentials (secret scanners and
// readers alike); the rest is a deterministic hash, distinct per resource.
const fakePrefix = "FAKEplanOnly"

// fakeSecret replaces the start of s with fakePrefix, keeping its length
// and its alphanumeric alphabet; too short a value is returned unchanged.
func fakeSecret(s string) string {
	if len(s) < len(fakePrefix)+8 {
		return s
	}
	return fakePrefix + s[len(fakePrefix):]
}

func randomResult(mi MockInfo) string {
	n := 16
	if v, ok := mi.Inputs["length"]; ok {
		if v.IsSecret() {
			v = v.SecretValue().Element
		}
		if v.IsNumber() {
			n = int(v.NumberValue())
		}
	}
	return hashAlnum("random:"+mi.Type+"::"+mi.Name, n)
}

// --- small helpers -------------------------------------------------------

func props(m map[string]any) resource.PropertyMap { return resource.NewPropertyMapFromMap(m) }

func plainString(m resource.PropertyMap, key string) (string, bool) {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return "", false
	}
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.IsString() {
		return v.StringValue(), true
	}
	return "", false
}

func stringList(v resource.PropertyValue) []string {
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.IsString() {
		return []string{v.StringValue()}
	}
	if !v.IsArray() {
		return nil
	}
	var out []string
	for _, e := range v.ArrayValue() {
		if e.IsSecret() {
			e = e.SecretValue().Element
		}
		if e.IsString() {
			out = append(out, e.StringValue())
		}
	}
	sort.Strings(out)
	return out
}

func sortedCopy(xs []string) []string {
	if len(xs) == 0 {
		return nil
	}
	out := append([]string(nil), xs...)
	sort.Strings(out)
	return out
}

func hashBytes(s string) []byte {
	var out []byte
	for i := 0; len(out) < 64; i++ {
		h := sha256.Sum256([]byte(fmt.Sprintf("%d:%s", i, s)))
		out = append(out, h[:]...)
	}
	return out
}

func hashHex(s string, n int) string {
	h := hex.EncodeToString(hashBytes(s))
	for len(h) < n {
		h += hex.EncodeToString(hashBytes(h))
	}
	return h[:n]
}

const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func hashAlnum(s string, n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		for _, c := range hashBytes(fmt.Sprintf("%s#%d", s, i)) {
			if b.Len() == n {
				break
			}
			b.WriteByte(alnum[int(c)%len(alnum)])
		}
	}
	return b.String()
}

func hashDigits(s string, n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		for _, c := range hashBytes(fmt.Sprintf("%s#%d", s, i)) {
			if b.Len() == n {
				break
			}
			b.WriteByte('0' + c%10)
		}
	}
	return b.String()
}

func uuidish(s string) string {
	h := hashHex(s, 32)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func hashUUID(s string) string { return uuidish(s) }
