package regional

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// RenderACIGroupConfig renders the LiveKit config of one Container
// Instances group: the region's config with the group's own UDP mux port
// and ICE/TCP port, advertising nodeIP (the firewall's public IP that
// forwards those ports to the group) instead of a STUN-discovered address,
// which would be the group's outbound address, not the one clients reach.
func RenderACIGroupConfig(s *stackconfig.Stack, cloudRegion string, creds *components.Credentials, redisAddress, redisPassword, nodeIP pulumi.StringOutput, udpPort, tcpPort int) pulumi.StringOutput {
	r := s.Region
	return pulumi.All(creds.Keys, redisAddress, redisPassword, nodeIP).ApplyT(func(v []any) (string, error) {
		return livekit.Render(livekit.Settings{
			Keys:            livekit.KeySet(v[0].(map[string]string)),
			Redis:           livekit.Redis{Address: v[1].(string), Password: v[2].(string), TLS: true},
			Media:           livekit.MediaPorts{Mux: udpPort},
			TCPPort:         tcpPort,
			NodeIP:          v[3].(string),
			Region:          cloudRegion,
			SysloadLimit:    r.SysloadLimit,
			MaxParticipants: r.MaxParticipants,
			EmptyTimeout:    r.EmptyTimeout,
			LogLevel:        r.LogLevel,
		})
	}).(pulumi.StringOutput)
}
