package components

import (
	"fmt"

	"github.com/livekit-infra/livekit-infra/components/imageref"
)

// RegistryMirrorArgs is what every cloud's RegistryMirror accepts: the
// Docker Hub images the region pulls (LiveKit, Egress where present, a TLS
// sidecar), each pinned by digest. Docker Hub rate-limits anonymous pulls
// per source address, so a scale-out of fresh nodes behind one NAT address
// can stall; a mirror in the region's own cloud pulls each digest once.
type RegistryMirrorArgs struct {
	Images []imageref.Ref
}

// Validate rejects an empty or unpinned image list.
func (a *RegistryMirrorArgs) Validate(name string) error {
	return Validate("RegistryMirror", name, a, (*RegistryMirrorArgs).Check)
}

// Check adds the contract's problems to e; each cloud adds its own after.
func (a *RegistryMirrorArgs) Check(e *ArgErrors) {
	if len(a.Images) == 0 {
		e.Add("Images is empty: list every image the region pulls")
	}
	for i, im := range a.Images {
		if _, err := imageref.ParseAny(im.Spec()); err != nil {
			e.Add("Images[%d] %q: %w", i, im.String(), err)
		}
	}
}

// CheckDockerHubOnly refuses images of another registry (MCR) for a
// mirror whose one upstream is Docker Hub (ECR's pull-through cache rule,
// Artifact Registry's remote repository, as this program declares them).
func (a *RegistryMirrorArgs) CheckDockerHubOnly(e *ArgErrors) {
	for i, im := range a.Images {
		if !im.DockerHub() {
			e.Add("Images[%d] %q is not a Docker Hub image: this mirror caches Docker Hub only", i, im.String())
		}
	}
}

// RegistryMirrorOutputs is what every cloud's RegistryMirror returns. Each
// cloud's component embeds it beside pulumi.ResourceState.
type RegistryMirrorOutputs struct {
	// Prefix is the registry host and path the Docker Hub paths hang
	// under (e.g. 123456789012.dkr.ecr.us-west-2.amazonaws.com/docker-hub),
	// known at plan time so images stay plain strings.
	Prefix string
	images []imageref.Ref
}

// NewRegistryMirrorOutputs records the prefix and the images it serves.
func NewRegistryMirrorOutputs(prefix string, images []imageref.Ref) RegistryMirrorOutputs {
	return RegistryMirrorOutputs{Prefix: prefix, images: images}
}

// Image is the mirror's reference of one of the mirrored images, by digest;
// an image not in Args.Images is an error (ACR caches only what its rules
// name).
func (o RegistryMirrorOutputs) Image(ref imageref.Ref) (string, error) {
	for _, im := range o.images {
		if im == ref {
			return ref.Under(o.Prefix), nil
		}
	}
	return "", fmt.Errorf("image %s is not one of the mirror's images: add it to RegistryMirrorArgs.Images", ref)
}
