// Package stackconfig is the typed configuration model of every stack.
//
// Stack config (Pulumi.<stack>.yaml plus the defaults declared in Pulumi.yaml)
// is parsed into Go structs and validated before any resource is declared.
// Every error names the full key, the bad value and what is allowed, and all
// errors of a stack are reported together.
//
// Keys is the single source of truth for key names, types, defaults and
// descriptions: Pulumi.yaml's config block is checked against it by a test.
package stackconfig

import (
	"fmt"

	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// Namespace is the Pulumi project name and config namespace.
const Namespace = "livekit-infra"

// Kind is the kind of stack: one regional kind per cloud, the global layer,
// or the credentials every region shares.
type Kind string

// The stack kinds.
const (
	KindAWS    Kind = "aws"
	KindGCP    Kind = "gcp"
	KindAzure  Kind = "azure"
	KindGlobal Kind = "global"
	// KindCredentials owns the LiveKit API key set that every region
	// serves, so that a token is accepted wherever GeoDNS sends its client.
	KindCredentials Kind = "credentials"
)

// Kinds lists every kind, in the order docs and errors show them.
var Kinds = []Kind{KindAWS, KindGCP, KindAzure, KindGlobal, KindCredentials}

var regional = []Kind{KindAWS, KindGCP, KindAzure}

// Key describes one config key of the livekit-infra namespace.
type Key struct {
	Name     string
	Type     string // Pulumi project config type: string, integer, boolean, array
	Items    string // element type of an array key: "" (string), integer or object
	Default  any    // nil: no default (required when Required, else optional)
	Required bool
	Secret   bool
	Kinds    []Kind
	// Platforms, when set, are the platforms of its kinds that read the key
	// (awsPlatform); empty means every platform.
	Platforms   []string
	Description string
}

// Full returns the namespaced key, e.g. "livekit-infra:minNodes".
func (k Key) Full() string { return Namespace + ":" + k.Name }

// Keys lists every key: the shared ones here, each kind's own appended by
// its file's init (aws.go, gcp.go, azure.go, global.go). Optional secrets are not declared in Pulumi.yaml:
// the CLI requires every declared key without a default, and a declared
// secret cannot have a plain default, so declaring them would make them
// mandatory; they are generated when unset instead.
var Keys = []Key{
	{Name: "kind", Type: "string", Required: true, Kinds: Kinds,
		Description: "Which stack this is: aws, gcp, azure (a regional LiveKit cluster), global (GeoDNS failover across regions) or credentials (the API key set every region serves)."},
	{Name: "domain", Type: "string", Required: true, Kinds: Kinds,
		Description: "DNS domain of the Route 53 hosted zone that holds every record of the product, e.g. example.com."},
	{Name: "zoneId", Type: "string", Required: true, Kinds: Kinds,
		Description: "Route 53 hosted zone ID of the domain, e.g. Z0123456789ABCDEFGHIJ."},
	{Name: "hostname", Type: "string", Default: "", Kinds: regional,
		Description: "Regional signaling hostname; empty means <stack>.<domain>."},
	{Name: "globalHostname", Type: "string", Default: "", Kinds: Kinds,
		Description: "Global GeoDNS hostname served by every region's certificate; empty means livekit.<domain>. Never the zone apex."},
	{Name: "image", Type: "string", Default: "livekit/livekit-server:v1.13.5@sha256:3497163e15c48fef6e7830c78716f9e9d5edc28abf7aa90b61c86e93bbc306b1", Kinds: regional,
		Description: "LiveKit server image on Docker Hub, pinned by digest with the tag kept for people: repository:tag@sha256:<64 hex digits>. Pulled through the region's registry mirror (registryMirror)."},
	{Name: "credentialsStack", Type: "string", Default: "", Kinds: regional,
		Description: "The credentials stack (e.g. organization/livekit-infra/credentials) whose API key set this region serves, so tokens work in every region; empty means this region's own key (apiKey/apiSecret, or generated)."},
	{Name: "apiKey", Type: "string", Secret: true, Kinds: regional,
		Description: "LiveKit API key of a region without credentialsStack (set with --secret); generated when unset."},
	{Name: "apiSecret", Type: "string", Secret: true, Kinds: regional,
		Description: "LiveKit API secret of a region without credentialsStack, at least 32 characters (set with --secret); generated when unset."},
	{Name: "redisPassword", Type: "string", Secret: true, Kinds: []Kind{KindAWS},
		Description: "ElastiCache AUTH token, 16-128 letters, digits and ! & # $ ^ < > - (set with --secret); generated when unset. Memorystore and Azure generate their own."},
	{Name: "mediaUdpPorts", Type: "string", Default: "50000-60000", Kinds: regional,
		Description: "WebRTC UDP media ports: a range START-END (about 2 ports per participant) or one muxed port."},
	{Name: "minNodes", Type: "integer", Default: 3, Kinds: regional,
		Description: "Autoscaling lower bound of LiveKit nodes (tasks or Kubernetes nodes); at least 1."},
	{Name: "maxNodes", Type: "integer", Default: 10, Kinds: regional,
		Description: "Autoscaling upper bound of LiveKit nodes."},
	{Name: "cpuTarget", Type: "integer", Default: 70, Kinds: regional,
		Description: "Target average CPU utilisation (percent) for autoscaling."},
	// The cooldowns feed ECS's Application Auto Scaling policies only: a
	// Kubernetes HorizontalPodAutoscaler steps by its own behavior, so set
	// on another platform they would be silently ignored.
	{Name: "scaleOutCooldown", Type: "integer", Default: 60, Kinds: []Kind{KindAWS}, Platforms: fargateOnly,
		Description: "Seconds between scale-out steps of the Fargate LiveKit and Egress services."},
	{Name: "scaleInCooldown", Type: "integer", Default: 300, Kinds: []Kind{KindAWS}, Platforms: fargateOnly,
		Description: "Seconds between scale-in steps of the Fargate LiveKit and Egress services; long, because scale-in drains rooms."},
	{Name: "sysloadLimitPercent", Type: "integer", Default: 90, Kinds: regional,
		Description: "New rooms avoid nodes above this system load (percent)."},
	{Name: "maxParticipants", Type: "integer", Default: 0, Kinds: regional,
		Description: "Default per-room participant limit; 0 means unlimited."},
	{Name: "emptyTimeout", Type: "integer", Default: 300, Kinds: regional,
		Description: "Seconds an empty room is kept open."},
	{Name: "logLevel", Type: "string", Default: "info", Kinds: regional,
		Description: "LiveKit log level: debug, info, warn or error."},
	{Name: "logRetentionDays", Type: "integer", Default: 30, Kinds: regional,
		Description: "Days to keep LiveKit logs and the region's audit logs (flowLogs, awsAlbAccessLogs, cdnLogs, controlPlaneLogs)."},
	{Name: "protect", Type: "boolean", Default: true, Kinds: Kinds,
		Description: "Protect stateful resources (Redis, recordings bucket, secrets, DNS zone records) from accidental deletion."},
	{Name: "recordingsCdn", Type: "boolean", Default: true, Kinds: regional,
		Description: "Serve the recordings bucket through the cloud's CDN."},
	{Name: "recordingsTransitionDays", Type: "integer", Default: 30, Kinds: regional,
		Description: "Days before recordings move to infrequent-access storage; 0 disables."},
	{Name: "recordingsExpireDays", Type: "integer", Default: 365, Kinds: regional,
		Description: "Days before recordings are deleted; 0 keeps them forever."},
}

// awsKeys are the aws kind's keys; aws:region is the provider's own key.
var awsKeys = []Key{
	{Name: "awsVpcCidr", Type: "string", Default: "10.0.0.0/16", Kinds: []Kind{KindAWS},
		Description: "VPC IPv4 CIDR, /16 to /23 (its public subnets are sixteenths, and the ALB needs a /27); large enough for maxNodes (and Egress on Fargate) at twice their count during a rolling deployment."},
	{Name: "awsAvailabilityZones", Type: "array", Default: []any{}, Kinds: []Kind{KindAWS},
		Description: "Exactly 3 availability zones; empty means the region's first 3."},
	{Name: "awsNatGateways", Type: "string", Default: "none", Kinds: []Kind{KindAWS},
		Description: "NAT gateways for the private subnets: none (default: on Fargate they hold only ElastiCache, which needs no internet), single or perAz (EKS: its system nodes pull images and call AWS APIs from there)."},
	{Name: "awsTaskCpu", Type: "integer", Default: 2048, Kinds: []Kind{KindAWS}, Platforms: fargateOnly,
		Description: "Fargate task CPU units: 256, 512, 1024, 2048, 4096, 8192 or 16384."},
	{Name: "awsTaskMemory", Type: "integer", Default: 4096, Kinds: []Kind{KindAWS}, Platforms: fargateOnly,
		Description: "Fargate task memory (MiB), a combination Fargate allows for awsTaskCpu."},
	{Name: "awsDrainSeconds", Type: "integer", Default: livekit.FargateMaxDrainSeconds, Kinds: []Kind{KindAWS}, Platforms: fargateOnly,
		Description: fmt.Sprintf("Seconds a stopping task may drain rooms before SIGKILL (the container's stopTimeout); Fargate allows at most %d. Formerly awsStopTimeout.", livekit.FargateMaxDrainSeconds)},
	{Name: "awsContainerInsights", Type: "boolean", Default: true, Kinds: []Kind{KindAWS}, Platforms: fargateOnly,
		Description: "Enable ECS Container Insights."},
	{Name: "awsRedisNodeType", Type: "string", Default: "cache.t4g.small", Kinds: []Kind{KindAWS},
		Description: "ElastiCache node type (default cache.t4g.small: the same 2 vCPUs as t4g.medium, 1.37 GiB of memory for LiveKit's small room and node state)."},
	{Name: "awsRedisNodes", Type: "integer", Default: 2, Kinds: []Kind{KindAWS},
		Description: "ElastiCache nodes (primary + replicas), 2-6, spread over availability zones."},
	{Name: "awsRedisEngineVersion", Type: "string", Default: "7.1", Kinds: []Kind{KindAWS},
		Description: "ElastiCache Redis engine version: 6.2, 7.0 or 7.1."},
	{Name: "awsRedisMaintenanceWindow", Type: "string", Default: "sun:05:00-sun:06:00", Kinds: []Kind{KindAWS},
		Description: "Weekly maintenance window, ddd:hh24:mi-ddd:hh24:mi (UTC), at least 60 minutes."},
	{Name: "awsRedisSnapshotWindow", Type: "string", Default: "03:00-04:00", Kinds: []Kind{KindAWS},
		Description: "Daily snapshot window, hh24:mi-hh24:mi (UTC), at least 60 minutes and clear of awsRedisMaintenanceWindow on every day."},
	{Name: "awsRedisSnapshotRetentionDays", Type: "integer", Default: 7, Kinds: []Kind{KindAWS},
		Description: "Days of Redis snapshots to keep, 0-35."},
	{Name: "awsAlbIdleTimeout", Type: "integer", Default: 3600, Kinds: []Kind{KindAWS},
		Description: "ALB idle timeout (seconds, 60-4000): long-lived signaling WebSockets."},
	{Name: "awsAlbSslPolicy", Type: "string", Default: "ELBSecurityPolicy-TLS13-1-2-2021-06", Kinds: []Kind{KindAWS},
		Description: "ALB TLS policy; only TLS 1.2+ policies are accepted."},
	{Name: "awsCloudfrontPriceClass", Type: "string", Default: "PriceClass_100", Kinds: []Kind{KindAWS},
		Description: "CloudFront price class for recordings: PriceClass_100, PriceClass_200 or PriceClass_All."},
}

// KeyByName returns the key spec for a bare name.
func KeyByName(name string) (Key, bool) {
	for _, k := range Keys {
		if k.Name == name {
			return k, true
		}
	}
	return Key{}, false
}

// RenamedKeys maps a key's former name to its name now. A stack that still
// sets the old name is refused with the new one named, not silently run on
// the new key's default.
var RenamedKeys = map[string]string{
	// One spelling for the drain window in every cloud (gcpDrainSeconds,
	// azureDrainSeconds).
	"awsStopTimeout": "awsDrainSeconds",
}
