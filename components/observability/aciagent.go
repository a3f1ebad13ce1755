package observability

// A Container Instances group's share for its metrics agent (AgentImage in
// agent mode): ACI bills and caps a group by the sum of its containers, so
// LiveKit runs on the group's CPU and memory less these, and the rules'
// per-node CPU is LiveKit's share.
const (
	ACIAgentCPU      = 0.25
	ACIAgentMemoryGB = 0.5
)

// ACITokenRefresherImage is the Azure CLI, which writes a Container
// Instances group's managed identity token for the central view into a
// file (ACI projects no token file, as Kubernetes does): Microsoft's image,
// on MCR only, pulled through the region's ACR mirror by digest. Check a
// new release's flags (az login --identity --client-id, az account
// get-access-token --resource) before moving the pin.
const ACITokenRefresherImage = "mcr.microsoft.com/azure-cli:2.80.0@sha256:b138e1125a95b7e7bc000f8458f1bb206b7836b11eca38a3633cf135619a99ca"

// A group's share for the token refresher (a shell loop around az, idle
// between calls every few minutes): like the agent's, taken from
// LiveKit's when the region writes to the central view.
const (
	ACIRefresherCPU      = 0.1
	ACIRefresherMemoryGB = 0.5
)
