package aws

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
)

// DockerHubUpstream is the registry ECR's pull-through cache reads Docker
// Hub from.
const DockerHubUpstream = "registry-1.docker.io"

// PullThroughSecretPrefix is the name prefix ECR requires of a pull-through
// cache rule's credentials secret.
const PullThroughSecretPrefix = "ecr-pullthroughcache/"

// RegistryMirrorArgs adds the ECR specifics to the contract.
type RegistryMirrorArgs struct {
	components.RegistryMirrorArgs
	Region string
	// RepositoryPrefix is the ECR namespace the cached repositories are
	// created under (one per stack: rules are per registry, i.e. account
	// and region).
	RepositoryPrefix string
	// DockerHubUsername and DockerHubToken fill the credentials secret;
	// with no token the secret is created empty, for the operator to fill
	// outside Pulumi.
	DockerHubUsername string
	DockerHubToken    pulumi.StringInput
}

// RegistryMirror is an ECR pull-through cache rule for Docker Hub: the
// first pull of a digest creates <prefix>/<repository> and imports it.
type RegistryMirror struct {
	pulumi.ResourceState
	components.RegistryMirrorOutputs

	// RepositoryArnPattern is the ARN of every repository the rule creates
	// (arn:...:repository/<prefix>/*): the only repositories tasks may
	// pull from.
	RepositoryArnPattern string
	// CredentialSecretArn is the Docker Hub credentials secret.
	CredentialSecretArn pulumi.StringOutput
}

var ecrPrefixRe = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$`)

// check runs the contract's checks, then the cloud's, reporting every problem at once.
func (a *RegistryMirrorArgs) check(e *components.ArgErrors) {
	a.RegistryMirrorArgs.Check(e)
	a.RegistryMirrorArgs.CheckDockerHubOnly(e)
	// ECR: 2-30 characters, lowercase, no leading or trailing separator.
	if p := a.RepositoryPrefix; len(p) < 2 || len(p) > 30 || !ecrPrefixRe.MatchString(p) {
		e.Add("RepositoryPrefix %q must be 2-30 lowercase letters, digits and . _ - / (ECR's repository prefix rule)", p)
	}
	if a.DockerHubToken != nil && a.DockerHubUsername == "" {
		e.Add("DockerHubToken needs DockerHubUsername")
	}
}

// NewRegistryMirror declares the credentials secret and the cache rule.
func NewRegistryMirror(ctx *pulumi.Context, name string, args *RegistryMirrorArgs, opts ...pulumi.ResourceOption) (*RegistryMirror, error) {

	m := &RegistryMirror{}
	parent, err := components.Register(ctx, "livekit-infra:index:RegistryMirror", name, m, args, (*RegistryMirrorArgs).check, opts...)
	if err != nil {
		return nil, err
	}

	caller, err := aws.GetCallerIdentity(ctx, nil, parent)
	if err != nil {
		return nil, fmt.Errorf("RegistryMirror %q: reading the account id: %w", name, err)
	}
	host := fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com", caller.AccountId, args.Region)

	// ECR takes Docker Hub credentials only from a Secrets Manager secret
	// named ecr-pullthroughcache/..., holding {"username","accessToken"}.
	secret, err := secretsmanager.NewSecret(ctx, name+"-docker-hub", &secretsmanager.SecretArgs{
		Name:                 pulumi.String(PullThroughSecretPrefix + args.RepositoryPrefix),
		Description:          pulumi.String("Docker Hub credentials of the ECR pull-through cache rule " + args.RepositoryPrefix),
		RecoveryWindowInDays: pulumi.Int(7),
	}, parent)
	if err != nil {
		return nil, err
	}
	if args.DockerHubToken != nil {
		body := args.DockerHubToken.ToStringOutput().ApplyT(func(token string) (string, error) {
			b, err := json.Marshal(map[string]string{"username": args.DockerHubUsername, "accessToken": token})
			return string(b), err
		}).(pulumi.StringOutput)
		if _, err := secretsmanager.NewSecretVersion(ctx, name+"-docker-hub", &secretsmanager.SecretVersionArgs{
			SecretId:     secret.ID(),
			SecretString: pulumi.ToSecret(body).(pulumi.StringOutput),
		}, parent); err != nil {
			return nil, err
		}
	}

	if _, err := ecr.NewPullThroughCacheRule(ctx, name, &ecr.PullThroughCacheRuleArgs{
		EcrRepositoryPrefix: pulumi.String(args.RepositoryPrefix),
		UpstreamRegistryUrl: pulumi.String(DockerHubUpstream),
		CredentialArn:       secret.Arn,
	}, parent); err != nil {
		return nil, err
	}

	m.RegistryMirrorOutputs = components.NewRegistryMirrorOutputs(host+"/"+args.RepositoryPrefix, args.Images)
	m.RepositoryArnPattern = fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s/*", args.Region, caller.AccountId, args.RepositoryPrefix)
	m.CredentialSecretArn = secret.Arn
	if err := ctx.RegisterResourceOutputs(m, pulumi.Map{
		"prefix":              pulumi.String(m.Prefix),
		"credentialSecretArn": secret.Arn,
	}); err != nil {
		return nil, err
	}
	return m, nil
}

// PullStatements are what an ECS execution role needs to pull through the
// cache: a registry token (GetAuthorizationToken takes no resource), the
// image reads, and the import and repository creation of a digest's first
// pull (docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-iam.html),
// all on the rule's repositories only.
func PullStatements(repositoryArnPattern string) []statement {
	if repositoryArnPattern == "" {
		return nil
	}
	return []statement{
		{Sid: "EcrToken", Actions: []string{"ecr:GetAuthorizationToken"}, Resources: []string{"*"}},
		{Sid: "PullMirroredImages", Actions: []string{
			"ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage",
			"ecr:BatchImportUpstreamImage", "ecr:CreateRepository",
		}, Resources: []string{repositoryArnPattern}},
	}
}

// RepositoryPrefix is the stack's ECR namespace: docker-hub/<stack>,
// lowercased and cut to ECR's 30 characters.
func RepositoryPrefix(stack string) string {
	s := strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(stack), "-"), "-")
	p := "docker-hub/" + s
	if len(p) > 30 {
		p = strings.TrimRight(p[:30], "-")
	}
	if s == "" {
		p = "docker-hub"
	}
	return p
}
