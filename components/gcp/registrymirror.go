package gcp

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/artifactregistry"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
)

// MirrorReaderRole is the one role a puller gets, on the mirror repository
// only.
const MirrorReaderRole = "roles/artifactregistry.reader"

// RegistryMirrorArgs adds the Artifact Registry specifics to the contract.
type RegistryMirrorArgs struct {
	components.RegistryMirrorArgs
	Project, Region string
	// RepositoryID names the remote repository (one per stack: IDs are
	// unique per project and location).
	RepositoryID string
}

// RegistryMirror is an Artifact Registry remote repository of Docker Hub in
// the region: the first pull of a digest fetches it from Docker Hub, later
// pulls are served from the repository. Docker Hub is read anonymously.
type RegistryMirror struct {
	pulumi.ResourceState
	components.RegistryMirrorOutputs

	Repository pulumi.StringOutput
	args       *RegistryMirrorArgs
	ctx        *pulumi.Context
	name       string
}

var arRepoRe = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)

// check runs the contract's checks, then the cloud's, reporting every problem at once.
func (a *RegistryMirrorArgs) check(e *components.ArgErrors) {
	a.RegistryMirrorArgs.Check(e)
	a.RegistryMirrorArgs.CheckDockerHubOnly(e)
	e.Require(components.Field{Name: "Project", Missing: a.Project == ""}, components.Field{Name: "Region", Missing: a.Region == ""})
	if !arRepoRe.MatchString(a.RepositoryID) {
		e.Add("RepositoryID %q must be 1-63 lowercase letters, digits and hyphens, starting with a letter (Artifact Registry's rule)", a.RepositoryID)
	}
}

// NewRegistryMirror declares the remote repository.
func NewRegistryMirror(ctx *pulumi.Context, name string, args *RegistryMirrorArgs, opts ...pulumi.ResourceOption) (*RegistryMirror, error) {

	m := &RegistryMirror{args: args, ctx: ctx, name: name}
	if _, err := components.Register(ctx, "livekit-infra:index:RegistryMirror", name, m, args, (*RegistryMirrorArgs).check, opts...); err != nil {
		return nil, err
	}
	repo, err := artifactregistry.NewRepository(ctx, name, &artifactregistry.RepositoryArgs{
		Project:      pulumi.String(args.Project),
		Location:     pulumi.String(args.Region),
		RepositoryId: pulumi.String(args.RepositoryID),
		Format:       pulumi.String("DOCKER"),
		Mode:         pulumi.String("REMOTE_REPOSITORY"),
		Description:  pulumi.String("Docker Hub mirror of the LiveKit region's pinned images"),
		RemoteRepositoryConfig: &artifactregistry.RepositoryRemoteRepositoryConfigArgs{
			Description: pulumi.String("Docker Hub"),
			DockerRepository: &artifactregistry.RepositoryRemoteRepositoryConfigDockerRepositoryArgs{
				PublicRepository: pulumi.String("DOCKER_HUB"),
			},
		},
	}, pulumi.Parent(m))
	if err != nil {
		return nil, err
	}
	m.Repository = repo.RepositoryId
	m.RegistryMirrorOutputs = components.NewRegistryMirrorOutputs(
		fmt.Sprintf("%s-docker.pkg.dev/%s/%s", args.Region, args.Project, args.RepositoryID), args.Images)
	if err := ctx.RegisterResourceOutputs(m, pulumi.Map{"prefix": pulumi.String(m.Prefix), "repository": repo.RepositoryId}); err != nil {
		return nil, err
	}
	return m, nil
}

// AllowPull grants a service account the reader role on this repository
// alone. It is declared once the puller exists (the node service account
// is the cluster's); kubelet retries a pull refused before the grant.
func (m *RegistryMirror) AllowPull(suffix string, serviceAccountEmail pulumi.StringInput) error {
	_, err := artifactregistry.NewRepositoryIamMember(m.ctx, m.name+"-"+suffix, &artifactregistry.RepositoryIamMemberArgs{
		Project:    pulumi.String(m.args.Project),
		Location:   pulumi.String(m.args.Region),
		Repository: m.Repository,
		Role:       pulumi.String(MirrorReaderRole),
		Member:     pulumi.Sprintf("serviceAccount:%s", serviceAccountEmail),
	}, pulumi.Parent(m))
	return err
}

// RepositoryID is the stack's remote repository ID: docker-hub-<stack>.
func RepositoryID(stack string) string {
	s := strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(stack), "-"), "-")
	id := strings.TrimRight(("docker-hub-" + s)[:min(63, len("docker-hub-"+s))], "-")
	return id
}
