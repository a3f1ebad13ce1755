package components

// The keys of a region's outputs, their one home: every regional stack
// (aws, gcp, azure) exports them (stacks/regional.Outputs), the global stack
// reads them through a StackReference, `lkinfra plan` answers them offline
// (cmd/lkinfra/cli/stackrefs.go), tests assert them; the MediaCluster
// contract registers its outputs under the same keys (MediaClusterOutputs.Map).
const (
	OutputCloud           = "cloud"
	OutputRegion          = "region"
	OutputHostname        = "hostname"        // regional signaling hostname
	OutputURL             = "url"             // wss://<hostname>
	OutputHealthURL       = "healthUrl"       // https://<hostname>/
	OutputHealthCheckPath = "healthCheckPath" // "/" (optional; default livekit.HealthPath)
	OutputGlobalHostname  = "globalHostname"  // the extra name on its certificate
	// OutputLoadBalancer is the signaling load balancer's DNS name or IP (a
	// MediaCluster output; each regional stack exports it under its cloud's
	// own name, e.g. albDnsName).
	OutputLoadBalancer = "loadBalancer"
	// OutputAPIKeyFingerprint holds the fingerprint of the key set the nodes
	// serve (plain text); the global stack compares it across regions.
	OutputAPIKeyFingerprint = "apiKeyFingerprint"
	OutputRedisEndpoint     = "redisEndpoint"
	OutputRecordingsCDN     = "recordingsCdn"
	OutputLiveKitVersion    = "livekitVersion"
	// OutputImage is the reference the nodes pull: the mirror's, by digest.
	OutputImage         = "image"
	OutputMediaUDPPorts = "mediaUdpPorts"
	OutputMinNodes      = "minNodes"
	OutputMaxNodes      = "maxNodes"
	OutputDrainSeconds  = "drainTimeoutSeconds"
	// OutputMetricsWriter is the identity the region's collector
	// remote-writes to the global stack's central metrics view as
	// (MetricsWriter.Map: {roleArn} or {issuer, subject}); absent while the
	// region has none.
	OutputMetricsWriter = "metricsWriter"
	// OutputOIDCProvider is the ARN of the AWS IAM OIDC provider the
	// region declares for its metrics writer's issuer (an AKS region's,
	// for cert-manager's Route 53 identity); absent where it declares none.
	// IAM keeps one provider per URL in an account, so the global stack's
	// writer role trusts this one instead of declaring a second.
	OutputOIDCProvider = "oidcProviderArn"
	// OutputTURNURL is the turns: URL, with turnTls only.
	OutputTURNURL = "turnUrl"
)
