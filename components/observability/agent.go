package observability

// AgentImage is the Prometheus that runs in agent mode in a GKE or AKS
// cluster to write the region's LiveKit series to the central view (their
// managed Prometheus services cannot remote-write out): the 3.13 LTS
// release on Docker Hub, pulled through the region's mirror by its index
// digest.
const AgentImage = "prom/prometheus:v3.13.1@sha256:3c42b892cf723fa54d2f262c37a0e1f80aa8c8ddb1da7b9b0df9455a35a7f893"

// The agent's reservation: one scrape job of a few nodes and a remote-write
// queue (agent mode keeps only its write-ahead log).
const (
	AgentCPU    = "100m"
	AgentMemory = "256Mi"
)
