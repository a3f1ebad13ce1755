package components

// MetricsAgentType is a Kubernetes region's metrics agent: Prometheus in
// agent mode writing the region's LiveKit series to the global stack's
// central view (components/kubernetes.NewMetricsAgent), for GKE and AKS,
// whose managed Prometheus services cannot remote-write out.
const MetricsAgentType = "livekit-infra:index:MetricsAgent"

// The agent's one service account, in a namespace of its own: the identity
// the central writer role's trust admits (MetricsWriter.Subject).
const (
	MetricsAgentNamespace      = "livekit-metrics"
	MetricsAgentServiceAccount = "prometheus-agent"
)

// MetricsAgentSubject is the agent's service account as its cluster's
// tokens name it (their sub claim).
func MetricsAgentSubject() string {
	return "system:serviceaccount:" + MetricsAgentNamespace + ":" + MetricsAgentServiceAccount
}
