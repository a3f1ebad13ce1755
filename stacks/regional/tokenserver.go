package regional

import "strings"

// TokenServerServiceAccount is the Kubernetes service account (in the
// LiveKit namespace) whose workload identity may read the token-server
// credentials on GKE and AKS. Token servers run under it; nothing else in
// the cluster can read the secret.
const TokenServerServiceAccount = "livekit-token-server"

// TokenServerNamespace is the namespace of TokenServerServiceAccount.
const TokenServerNamespace = "livekit"

// CloudName shortens "<prefix>-<stack>" to max characters of lowercase
// letters, digits and hyphens, for cloud names with tight limits (GCP
// service account ids: 6-30; Key Vault names: 3-24).
func CloudName(prefix, stack string, max int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(prefix + "-" + stack) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	s := b.String()
	if len(s) > max {
		s = s[:max]
	}
	return strings.TrimRight(s, "-")
}
