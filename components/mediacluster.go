package components

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// MinCPUTarget and MaxCPUTarget bound cpuTarget (percent of a node's CPU,
// or of the pod's request on Kubernetes) wherever it is checked: the config
// model, this contract and the Kubernetes workload.
const (
	MinCPUTarget = 10
	MaxCPUTarget = 95
)

// Scaling bounds the number of LiveKit nodes. It is the one scaling type:
// the config model (internal/stackconfig) and the Kubernetes workload use it
// too. Cooldowns are not part of it: only Fargate's Application Auto Scaling
// takes them (components/aws.Cooldowns); a Kubernetes HPA has none.
type Scaling struct {
	Min, Max  int
	CPUTarget int
}

// Check adds the bounds' problems to e, named Scaling.*; zero says what a
// Min of 0 would break.
func (s Scaling) Check(e *ArgErrors, zero string) {
	if s.Min < 1 {
		e.Add("Scaling.Min %d must be at least 1: %s", s.Min, zero)
	}
	if s.Max < s.Min {
		e.Add("Scaling.Max %d is below Scaling.Min %d", s.Max, s.Min)
	}
	if s.CPUTarget < MinCPUTarget || s.CPUTarget > MaxCPUTarget {
		e.Add("Scaling.CPUTarget %d must be %d-%d (percent of the CPU reserved)", s.CPUTarget, MinCPUTarget, MaxCPUTarget)
	}
}

// MediaClusterArgs is what every cloud's MediaCluster accepts: LiveKit nodes
// reachable directly for media, behind a TLS load balancer for signaling.
type MediaClusterArgs struct {
	// Image is the LiveKit server image, pinned.
	Image string
	// Config is the rendered LiveKit YAML (a secret: it holds the API secret
	// and the Redis password).
	Config pulumi.StringInput
	// Hostname is the regional signaling name; GlobalHostname is added to the
	// certificate so GeoDNS can send clients to any region.
	Hostname, GlobalHostname string
	// ZoneID is the Route 53 zone holding both names.
	ZoneID string
	// Media and TURNUDPPort are the ports nodes expose directly.
	Media       livekit.MediaPorts
	TURNUDPPort int
	// TURNTLSPort (0: off) is the node port behind the TURN/TLS load
	// balancer, which answers 443 for TURNHostname with the cloud's
	// certificate and forwards the decrypted stream (LiveKit's external_tls).
	TURNTLSPort  int
	TURNHostname string
	Scaling      Scaling
	// DrainSeconds is how long a stopping node may drain its rooms.
	DrainSeconds     int
	LogRetentionDays int
	Protect          bool
}

// Validate rejects contradictory or incomplete args.
func (a *MediaClusterArgs) Validate(name string) error {
	return Validate("MediaCluster", name, a, (*MediaClusterArgs).Check)
}

// Check adds the contract's problems to e; each cloud adds its own after.
func (a *MediaClusterArgs) Check(e *ArgErrors) {
	if a.Image == "" {
		e.Add("Image is required (default %s)", livekit.Image)
	}
	if a.Config == nil {
		e.Add("Config is required: render it with components/livekit")
	}
	if a.Hostname == "" {
		e.Add("Hostname is required")
	}
	if a.GlobalHostname != "" && a.GlobalHostname == a.Hostname {
		e.Add("GlobalHostname %q must differ from Hostname", a.GlobalHostname)
	}
	if a.ZoneID == "" {
		e.Add("ZoneID is required")
	}
	if a.TURNTLSPort != 0 {
		switch a.TURNHostname {
		case "":
			e.Add("TURNHostname is required with TURNTLSPort %d: the TURN/TLS certificate and DNS record need it", a.TURNTLSPort)
		case a.Hostname, a.GlobalHostname:
			e.Add("TURNHostname %q must differ from Hostname and GlobalHostname: TURN/TLS takes 443 on its own load balancer", a.TURNHostname)
		}
	}
	if err := a.Media.Validate(); err != nil {
		e.Add("Media: %w", err)
	}
	a.Scaling.Check(e, "zero nodes drops every room")
	if a.DrainSeconds < 0 {
		e.Add("DrainSeconds %d must not be negative", a.DrainSeconds)
	}
}

// Names returns the certificate names: the regional hostname first.
func (a *MediaClusterArgs) Names() []string {
	if a.GlobalHostname == "" {
		return []string{a.Hostname}
	}
	return []string{a.Hostname, a.GlobalHostname}
}

// MediaClusterOutputs is the outputs every cloud's MediaCluster returns.
// Each cloud's component embeds it beside pulumi.ResourceState (the SDK
// hangs when ResourceState is embedded two levels deep).
type MediaClusterOutputs struct {
	// URL is the regional signaling URL clients and token servers use.
	URL pulumi.StringOutput
	// HealthURL is LiveKit's health endpoint through the load balancer:
	// https://<hostname>/ (200 "OK"; 406 when the node lost Redis).
	HealthURL pulumi.StringOutput
	// LoadBalancer is the signaling load balancer's DNS name or IP.
	LoadBalancer pulumi.StringOutput
}

// URLs returns the regional wss:// URL and health URL for a hostname.
func URLs(hostname string) (url, health string) {
	return "wss://" + hostname, fmt.Sprintf("https://%s%s", strings.TrimSuffix(hostname, "."), livekit.HealthPath)
}

// NewMediaClusterOutputs is the contract's outputs of a cluster serving
// hostname behind loadBalancer (its DNS name or IP).
func NewMediaClusterOutputs(hostname string, loadBalancer pulumi.StringOutput) MediaClusterOutputs {
	url, health := URLs(hostname)
	return MediaClusterOutputs{
		URL:          pulumi.String(url).ToStringOutput(),
		HealthURL:    pulumi.String(health).ToStringOutput(),
		LoadBalancer: loadBalancer,
	}
}

// Map is what a cloud's MediaCluster registers as its outputs: the
// contract's, under the regional output keys (outputs.go) in every cloud,
// plus the cloud's extra.
func (o MediaClusterOutputs) Map(extra pulumi.Map) pulumi.Map {
	m := pulumi.Map{}
	for k, v := range extra {
		m[k] = v
	}
	m[OutputURL], m[OutputHealthURL], m[OutputLoadBalancer] = o.URL, o.HealthURL, o.LoadBalancer
	return m
}
