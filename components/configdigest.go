package components

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ConfigDigestKey names the digest of a workload's config where the
// workload's spec carries it: a pod template annotation on Kubernetes, a
// container label on ECS. Both platforms start new replicas only when the
// spec changes, and a config held in a Secret or in Secrets Manager is read
// once at start, so without the digest a changed config (a new API key, a
// Redis password) would never reach the running nodes.
const ConfigDigestKey = "livekit-infra/config-sha256"

// ConfigDigest is the SHA-256 of the values in order (each length-prefixed,
// so no two lists collide). It is unsecreted: a digest of a config that
// holds a 48-character random secret reveals nothing, and it must sit in
// the plain spec to roll it.
func ConfigDigest(values ...pulumi.StringOutput) pulumi.StringOutput {
	in := make([]any, len(values))
	for i, v := range values {
		in[i] = v
	}
	return pulumi.Unsecret(pulumi.All(in...).ApplyT(func(v []any) string {
		h := sha256.New()
		for _, s := range v {
			fmt.Fprintf(h, "%d:%s\n", len(s.(string)), s.(string))
		}
		return hex.EncodeToString(h.Sum(nil))
	})).(pulumi.StringOutput)
}
