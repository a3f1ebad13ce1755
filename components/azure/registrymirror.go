package azure

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"

	acr "github.com/pulumi/pulumi-azure-native-sdk/containerregistry/v2"
	"github.com/pulumi/pulumi-azure/sdk/v5/go/azure/authorization"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
)

// AcrPull is the one role a puller gets, on the mirror registry only.
const AcrPull = "AcrPull"

// RegistryMirrorArgs adds the ACR specifics to the contract.
type RegistryMirrorArgs struct {
	components.RegistryMirrorArgs
	Location          string
	ResourceGroupName pulumi.StringInput
	// RegistryName is globally unique (RegistryName derives one).
	RegistryName string
	// DockerHubUsername and DockerHubToken (both or neither) authenticate
	// the cache rules to Docker Hub through a credential set whose secrets
	// live in a Key Vault of the region; neither: anonymous pulls.
	DockerHubUsername string
	DockerHubToken    pulumi.StringInput
	// Protect protects the vault (purge protection keeps it 90 days anyway).
	Protect bool
}

// RegistryMirror is an Azure Container Registry with one artifact cache
// rule per mirrored Docker Hub (or Microsoft Artifact Registry, MCR)
// repository: the first pull of a digest
// fetches it, later pulls come from the registry. Without Docker Hub
// credentials ACR reads public repositories anonymously (shared limits at
// ACR's address); with them the rules use a credential set.
type RegistryMirror struct {
	pulumi.ResourceState
	components.RegistryMirrorOutputs

	RegistryID  pulumi.StringOutput
	LoginServer string
	ctx         *pulumi.Context
	name        string
}

var acrNameRe = regexp.MustCompile(`^[a-z0-9]{5,50}$`)

// check runs the contract's checks, then the cloud's, reporting every problem at once.
func (a *RegistryMirrorArgs) check(e *components.ArgErrors) {
	a.RegistryMirrorArgs.Check(e)
	e.Require(components.Field{Name: "Location", Missing: a.Location == ""},
		components.Field{Name: "ResourceGroupName", Missing: a.ResourceGroupName == nil})
	if !acrNameRe.MatchString(a.RegistryName) {
		e.Add("RegistryName %q must be 5-50 lowercase letters and digits (ACR's rule)", a.RegistryName)
	}
	if (a.DockerHubUsername == "") != (a.DockerHubToken == nil) {
		e.Add("DockerHubUsername and DockerHubToken go together: set both (an authenticated cache) or neither (anonymous)")
	}
}

// NewRegistryMirror declares the registry and its cache rules.
func NewRegistryMirror(ctx *pulumi.Context, name string, args *RegistryMirrorArgs, opts ...pulumi.ResourceOption) (*RegistryMirror, error) {

	m := &RegistryMirror{ctx: ctx, name: name}
	parent, err := components.Register(ctx, "livekit-infra:index:RegistryMirror", name, m, args, (*RegistryMirrorArgs).check, opts...)
	if err != nil {
		return nil, err
	}
	reg, err := acr.NewRegistry(ctx, name, &acr.RegistryArgs{
		RegistryName:      pulumi.String(args.RegistryName),
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
		// Standard: cache rules exist on every tier; Standard's storage and
		// pull throughput suit a scale-out of many nodes at once.
		Sku: &acr.SkuArgs{Name: pulumi.String("Standard")},
		// Entra ID identities only: no admin user, no anonymous pulls.
		AdminUserEnabled: pulumi.Bool(false),
	}, parent)
	if err != nil {
		return nil, err
	}
	deps := []pulumi.Resource{reg}
	var credSet pulumi.StringPtrInput
	if args.DockerHubUsername != "" {
		cs, grants, err := dockerHubCredentialSet(ctx, name, args, m, reg)
		if err != nil {
			return nil, err
		}
		credSet = cs.ID().ToStringOutput().ToStringPtrOutput()
		deps = append(deps, grants...)
	}
	for _, im := range args.Images {
		path := im.Path()
		// The Docker Hub credential set is Docker Hub's alone: MCR serves
		// its public images anonymously.
		creds := credSet
		if !im.DockerHub() {
			creds = nil
		}
		if _, err := acr.NewCacheRule(ctx, name+"-"+ruleName(path), &acr.CacheRuleArgs{
			CacheRuleName:           pulumi.String(ruleName(path)),
			RegistryName:            pulumi.String(args.RegistryName),
			ResourceGroupName:       args.ResourceGroupName,
			SourceRepository:        pulumi.String(im.Source()),
			TargetRepository:        pulumi.String(path),
			CredentialSetResourceId: creds,
		}, parent, pulumi.DependsOn(deps)); err != nil {
			return nil, err
		}
	}
	m.LoginServer = args.RegistryName + ".azurecr.io"
	m.RegistryID = reg.ID().ToStringOutput()
	m.RegistryMirrorOutputs = components.NewRegistryMirrorOutputs(m.LoginServer, args.Images)
	if err := ctx.RegisterResourceOutputs(m, pulumi.Map{"prefix": pulumi.String(m.Prefix), "registryId": m.RegistryID}); err != nil {
		return nil, err
	}
	return m, nil
}

// AllowPull grants a managed identity (its principal ID) AcrPull on this
// registry alone.
func (m *RegistryMirror) AllowPull(suffix string, principalID pulumi.StringInput) (*authorization.Assignment, error) {
	return authorization.NewAssignment(m.ctx, m.name+"-"+suffix, &authorization.AssignmentArgs{
		Scope:                        m.RegistryID,
		RoleDefinitionName:           pulumi.String(AcrPull),
		PrincipalId:                  principalID,
		PrincipalType:                pulumi.String("ServicePrincipal"),
		SkipServicePrincipalAadCheck: pulumi.Bool(true),
	}, pulumi.Parent(m))
}

// ruleName is a cache rule name for a repository path: ACR allows letters,
// digits and hyphens.
func ruleName(path string) string {
	return strings.Trim(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(path, "-"), "-")
}

// RegistryName derives a registry name for a stack: ACR names are global
// across Azure, so a hash of the project, stack and location follows a
// readable prefix.
func RegistryName(project, stack, location string) string {
	h := sha256.Sum256([]byte(project + "/" + stack + "/" + location))
	s := regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(stack), "")
	if len(s) > 30 {
		s = s[:30]
	}
	return "lk" + s + hex.EncodeToString(h[:])[:10]
}
