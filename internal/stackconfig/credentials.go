package stackconfig

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/livekit-infra/livekit-infra/components/livekit"
)

var credentialsOnly = []Kind{KindCredentials}

// DefaultAPIKeys is the key set of a new credentials stack: one key.
var DefaultAPIKeys = []any{"APIlivekit1"}

// credentialsKeys are the credentials kind's keys.
var credentialsKeys = []Key{
	{Name: "apiKeys", Type: "array", Default: DefaultAPIKeys, Kinds: credentialsOnly,
		Description: "Ids of the LiveKit API keys every region accepts (" + livekit.APIKeyIDRule + "); each gets a generated 48-character secret. Rotate by adding a key, deploying everywhere, switching apiSigningKey, deploying, then removing the old key (README, \"Rotating the API key\")."},
	{Name: "apiSigningKey", Type: "string", Default: "", Kinds: credentialsOnly,
		Description: "The key id token servers sign with, one of apiKeys; empty means the first of apiKeys."},
}

func init() { Keys = append(Keys, credentialsKeys...) }

// Credentials holds the credentials-kind settings.
type Credentials struct {
	// KeyIDs are the ids of the shared key set, in config order.
	KeyIDs []string
	// SigningKey is the id token servers sign with.
	SigningKey string
}

// stackNameRe is a stack name as a StackReference takes it: stack,
// project/stack or organization/project/stack.
var stackNameRe = regexp.MustCompile(`^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){0,2}$`)

// stackName reads an optional key naming another stack.
func (p *parser) stackName(name string) string {
	v := p.str(name)
	if v != "" && !stackNameRe.MatchString(v) {
		p.fail(spec(name).Full(), quote(v), "must be a stack name such as organization/livekit-infra/credentials")
	}
	return v
}

func (p *parser) credentials() *Credentials {
	c := &Credentials{}
	key := spec("apiKeys").Full()
	ids := p.list("apiKeys")
	if len(ids) == 0 && !p.failed("apiKeys") {
		p.fail(key, "[]", "must list at least one key id: removing the only key makes every region refuse every token (add the new key first, see README \"Rotating the API key\")")
	}
	seen := map[string]int{}
	for i, id := range ids {
		at := fmt.Sprintf("%s[%d]", key, i)
		if msg := livekit.CheckKeyID(id); msg != "" {
			p.fail(at, quote(id), msg)
			continue
		}
		if j, dup := seen[strings.ToLower(id)]; dup {
			p.fail(at, quote(id), fmt.Sprintf("repeats %s[%d]; each key id must be unique (ids differing only in case are refused too)", key, j))
			continue
		}
		seen[strings.ToLower(id)] = i
		c.KeyIDs = append(c.KeyIDs, id)
	}
	c.SigningKey = p.str("apiSigningKey")
	switch {
	case c.SigningKey == "" && len(c.KeyIDs) > 0:
		c.SigningKey = c.KeyIDs[0]
	case c.SigningKey != "" && !p.failed("apiKeys") && !slices.Contains(c.KeyIDs, c.SigningKey):
		p.fail(spec("apiSigningKey").Full(), quote(c.SigningKey), "must be one of apiKeys ("+strings.Join(c.KeyIDs, ", ")+"): token servers cannot sign with a key the regions do not accept")
	}
	return c
}

// kindList names the kinds for error messages.
func kindList() string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}
