package kubernetes

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components/kubernetes/objects"
)

// configSecret is a workload's config Secret (LiveKit's and Egress's): the
// rendered config under ConfigKey plus files (a Redis CA bundle, a
// credentials file), every value a Pulumi secret.
type configSecret struct {
	objects.Created
	// Files are the file keys in order, for the Deployment patch's mounts.
	Files []string
	// Hash changes with any value: a pod annotation, so that a config change
	// rolls the pods. A digest of a config holding a 48-character random
	// secret reveals nothing; unsecreted, it can sit in the pod template.
	Hash pulumi.StringOutput
}

func newConfigSecret(ctx *pulumi.Context, name, secretName string, namespace pulumi.StringInput, config pulumi.StringInput, files map[string]pulumi.StringInput, opts ...pulumi.ResourceOption) (*configSecret, error) {
	data := pulumi.StringMap{ConfigKey: pulumi.ToSecret(config.ToStringOutput()).(pulumi.StringOutput)}
	hashInputs := []any{config.ToStringOutput()}
	keys := sortedKeys(files)
	for _, f := range keys {
		data[f] = pulumi.ToSecret(files[f].ToStringOutput()).(pulumi.StringOutput)
		hashInputs = append(hashInputs, pulumi.String(f), files[f].ToStringOutput())
	}
	secret, err := objects.NewSecret(ctx, name+"-config", &objects.SecretArgs{
		Name: secretName, Namespace: namespace, StringData: data,
	}, opts...)
	if err != nil {
		return nil, err
	}
	hash := pulumi.Unsecret(pulumi.All(hashInputs...).ApplyT(func(v []any) string {
		h := sha256.New()
		for _, s := range v {
			fmt.Fprintf(h, "%d:%s\n", len(s.(string)), s.(string))
		}
		return hex.EncodeToString(h.Sum(nil))
	})).(pulumi.StringOutput)
	return &configSecret{Created: secret, Files: keys, Hash: hash}, nil
}

// jsonMap turns typed chart values into the JSON-shaped map Helm takes.
func jsonMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	err = json.Unmarshal(b, &m)
	return m, err
}
