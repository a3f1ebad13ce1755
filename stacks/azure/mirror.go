package azure

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	azurec "github.com/livekit-infra/livekit-infra/components/azure"
	"github.com/livekit-infra/livekit-infra/components/imageref"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
)

// mirrorImage declares the region's ACR mirror (registryMirror) of the
// region's images and extra, and points the cluster args' image at it, by
// digest; a nil mirror means Docker Hub.
func mirrorImage(ctx *pulumi.Context, s *stackconfig.Stack, name string, group pulumi.StringInput, args components.MediaClusterArgs, extra ...imageref.Ref) (*azurec.RegistryMirror, *components.RegistryMirrorOutputs, components.MediaClusterArgs, error) {
	var mirror *azurec.RegistryMirror
	var out *components.RegistryMirrorOutputs
	if s.Region.Mirror.On {
		var err error
		// Docker Hub credentials (optional on Azure): a credential set.
		var token pulumi.StringInput
		if m := s.Region.Mirror; m.DockerHubToken.IsSet() {
			token = m.DockerHubToken.Output()
		}
		mirror, err = azurec.NewRegistryMirror(ctx, name+"-mirror", &azurec.RegistryMirrorArgs{
			RegistryMirrorArgs: components.RegistryMirrorArgs{Images: regional.MirrorImages(s, extra...)},
			Location:           s.Azure.Location,
			ResourceGroupName:  group,
			RegistryName:       azurec.RegistryName(ctx.Project(), ctx.Stack(), s.Azure.Location),
			DockerHubUsername:  s.Region.Mirror.DockerHubUsername,
			DockerHubToken:     token,
			Protect:            s.Protect,
		})
		if err != nil {
			return nil, nil, args, err
		}
		out = &mirror.RegistryMirrorOutputs
	}
	image, err := regional.Image(out, s.Region.ImageRef)
	args.Image = image
	return mirror, out, args, err
}
