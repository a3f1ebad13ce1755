package stackconfig

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/livekit-infra/livekit-infra/components/imageref"
	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// mirrorKeys switch the region's registry mirror and hold the Docker Hub
// account of ECR's pull-through cache (AWS refuses a Docker Hub rule
// without credentials) and of ACR's cache rules (optional: ACR pulls
// anonymously without; Artifact Registry pulls anonymously).
var mirrorKeys = []Key{
	{Name: "registryMirror", Type: "boolean", Default: true, Kinds: regional,
		Description: "Pull the pinned images through a registry mirror in the region's own cloud (ECR pull-through cache, Artifact Registry remote repository, ACR cache rule) instead of from Docker Hub, whose pull rate limits can stall a scale-out."},
	{Name: "dockerHubUsername", Type: "string", Default: "", Kinds: []Kind{KindAWS, KindAzure},
		Description: "Docker Hub account of the registry mirror: the ECR pull-through cache (AWS requires credentials for a Docker Hub upstream) or the ACR cache rules (Azure, optional: unset, ACR pulls anonymously); its token is dockerHubAccessToken."},
	{Name: "dockerHubAccessToken", Type: "string", Secret: true, Kinds: []Kind{KindAWS, KindAzure},
		Description: "Docker Hub access token (read-only public repositories is enough) of dockerHubUsername (set with --secret). AWS: stored in Secrets Manager under ecr-pullthroughcache/; unset, the secret is created empty for you to fill (aws secretsmanager put-secret-value). Azure: stored with the username in a Key Vault of the region, read by the ACR credential set; set both or neither."},
}

func init() { Keys = append(Keys, mirrorKeys...) }

// Mirror is the region's registry mirror setting.
type Mirror struct {
	On bool
	// DockerHubUsername and DockerHubToken authenticate the ECR
	// pull-through cache (aws) or the ACR cache rules (azure) to Docker Hub.
	DockerHubUsername string
	DockerHubToken    Secret
}

var dockerHubUserRe = regexp.MustCompile(`^[a-z0-9]{4,30}$`)

// image reads an image key: a Docker Hub repository pinned by digest, the
// tag kept for people (imageref.Parse).
func (p *parser) image(name, def string) (string, imageref.Ref) {
	v := p.str(name)
	ref, err := imageref.Parse(v)
	if err != nil {
		p.fail(spec(name).Full(), quote(v), err.Error()+" (default "+def+")")
	}
	return v, ref
}

func (p *parser) mirror(s *Stack) Mirror {
	m := Mirror{On: p.boolean("registryMirror")}
	if s.Kind != KindAWS && s.Kind != KindAzure {
		return m
	}
	m.DockerHubUsername = p.str("dockerHubUsername")
	m.DockerHubToken = p.secret("dockerHubAccessToken", "dckr_pat_planplaceholder", func(v string) string {
		if strings.ContainsAny(v, " \t\r\n") {
			return "must be a Docker Hub access token, without spaces"
		}
		return ""
	})
	u, t := spec("dockerHubUsername").Full(), spec("dockerHubAccessToken").Full()
	switch {
	case m.DockerHubUsername != "" && !dockerHubUserRe.MatchString(m.DockerHubUsername):
		p.fail(u, quote(m.DockerHubUsername), "must be a Docker Hub username: 4-30 lowercase letters and digits")
	case m.DockerHubToken.IsSet() && m.DockerHubUsername == "":
		p.fail(u, "(not set)", "must be set when "+t+" is: the token belongs to an account")
	case s.Kind == KindAzure && m.DockerHubUsername != "" && !m.DockerHubToken.IsSet():
		// AWS fills an empty secret later; the ACR credential set has no
		// such path: its Key Vault secret is written from the config.
		p.fail(t, "(not set)", "must be set (--secret) when "+u+" is: the ACR credential set needs both; or remove "+u+" for anonymous pulls")
	}
	if !m.On && (m.DockerHubUsername != "" || m.DockerHubToken.IsSet()) {
		p.fail(spec("registryMirror").Full(), "false", fmt.Sprintf("contradicts %s/%s, which only the registry mirror reads: set registryMirror to true or remove them (`pulumi config rm`)", u, t))
	}
	return m
}

// MirrorWarnings reports an AWS mirror whose Docker Hub credentials are not
// in the config: the stack is valid (the secret can be filled outside
// Pulumi), but ECR pulls nothing through until it holds them.
func MirrorWarnings(values map[string]string) []SupportWarning {
	if Kind(values[Namespace+":kind"]) != KindAWS {
		return nil
	}
	if v, ok := values[spec("registryMirror").Full()]; ok && strings.TrimSpace(v) == "false" {
		return nil
	}
	t := spec("dockerHubAccessToken").Full()
	if values[t] != "" {
		return nil
	}
	return []SupportWarning{{Key: t, Value: "(not set)", Text: "the ECR pull-through cache needs Docker Hub credentials and its Secrets Manager secret is created empty: " +
		"set them (`pulumi config set " + spec("dockerHubUsername").Full() + " <user>`, `pulumi config set --secret " + t + " <token>`) or fill the secret " +
		"(`aws secretsmanager put-secret-value`, {\"username\",\"accessToken\"}) before the tasks start, or they cannot pull " + livekit.Image}}
}
