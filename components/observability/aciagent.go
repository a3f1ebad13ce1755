package observability

// A Container Instances group's share for its metrics agent (AgentImage in
// agent mode): ACI bills and caps a group by the sum of its containers, so
// LiveKit runs on the group's CPU and memory less these, and the rules'
// per-node CPU is LiveKit's share.
const (
	ACIAgentCPU      = 0.25
	ACIAgentMemoryGB = 0.5
)
