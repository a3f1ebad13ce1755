package stackconfig

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// apiAllowList checks a control plane's allow-list key against its opt-in
// key: the list must name the sources allowed to reach the Kubernetes API,
// unless the opt-in says, explicitly, that the endpoint stays open to every
// address (authentication still applies). Both at once is a contradiction.
func (p *parser) apiAllowList(listKey, optInKey string, cidrs []string, allowPublic bool, what string) []netip.Prefix {
	lk, ok := spec(listKey).Full(), spec(optInKey).Full()
	var out []netip.Prefix
	for _, c := range cidrs {
		pfx, err := netip.ParsePrefix(strings.TrimSpace(c))
		switch {
		case err != nil || !pfx.Addr().Is4() || pfx.Masked() != pfx:
			p.fail(lk, quote(c), "must be an IPv4 CIDR without host bits, e.g. 203.0.113.0/24")
		case pfx.Bits() == 0:
			p.fail(lk, quote(c), fmt.Sprintf("admits every address; to leave the %s public, empty the list and set %s: true explicitly", what, ok))
		default:
			out = append(out, pfx)
		}
	}
	if limit := apiAllowListMax[listKey]; len(cidrs) > limit {
		p.fail(lk, fmt.Sprintf("%d CIDRs", len(cidrs)), fmt.Sprintf("at most %d: the %s takes no more; merge neighbouring ranges", limit, what))
	}
	switch {
	case len(cidrs) == 0 && !allowPublic:
		p.fail(lk, "[]", fmt.Sprintf("must list the CIDRs allowed to reach the %s: your operators' and CI runners' egress addresses, e.g. [\"198.51.100.7/32\"]; "+
			"to leave it reachable from any address instead (still authenticated), set %s: true", what, ok))
	case len(cidrs) > 0 && allowPublic:
		p.fail(ok, "true", fmt.Sprintf("contradicts %s (%s): the opt-in opens the %s to every address; set it to false to keep the list, or empty the list", lk, strings.Join(cidrs, ", "), what))
	}
	return out
}

// apiAllowListMax is how many CIDRs each control plane's allow list takes:
// EKS 40 (docs.aws.amazon.com/eks/latest/userguide/service-quotas.html,
// "Public endpoint access CIDR ranges per cluster"), GKE 50 with the public
// endpoint on (cloud.google.com/kubernetes-engine/docs/how-to/
// authorized-networks), AKS 200 (learn.microsoft.com/azure/aks/
// api-server-authorized-ip-ranges).
var apiAllowListMax = map[string]int{
	"awsEksPublicAccessCidrs":     40,
	"gcpMasterAuthorizedNetworks": 50,
	"azureApiAuthorizedIpRanges":  200,
}

// publicAPIOptIns are the keys that leave a control plane open to every
// address, per kind, with what they open.
var publicAPIOptIns = map[Kind]struct{ key, list, what string }{
	KindAzure: {"azureAllowPublicApi", "azureApiAuthorizedIpRanges", "the AKS API server"},
	KindGCP:   {"gcpAllowPublicApi", "gcpMasterAuthorizedNetworks", "the GKE control plane's public endpoint"},
}

// ExposureWarnings names the explicit opt-ins of a stack's raw config (full
// keys to values) that leave a control plane reachable from any address.
// The stack is valid, the exposure deliberate; it is still reported on
// every plan so that it stays a visible decision.
func ExposureWarnings(values map[string]string) []SupportWarning {
	o, ok := publicAPIOptIns[Kind(values[Namespace+":kind"])]
	if !ok {
		return nil
	}
	k := spec(o.key)
	v, set := values[k.Full()]
	if on, err := strconv.ParseBool(strings.TrimSpace(v)); !set || err != nil || !on {
		return nil
	}
	return []SupportWarning{{Key: k.Full(), Value: "true", Text: fmt.Sprintf(
		"%s accepts connections from any address (authentication still applies): list the operators' and CI runners' CIDRs in %s and remove %s to close it",
		o.what, spec(o.list).Full(), k.Full())}}
}

// Warnings is everything `lkinfra plan` reports about a stack without
// refusing it: pinned versions at or near their end of support
// (SupportWarnings) and control planes left open on purpose
// (ExposureWarnings), and an Azure region's recordings decisions
// (RecordingsWarnings).
func Warnings(values map[string]string, now time.Time) []SupportWarning {
	return append(append(append(append(SupportWarnings(values, now), ExposureWarnings(values)...), MirrorWarnings(values)...), BudgetWarnings(values)...),
		append(RecordingsWarnings(values), CentralMetricsWarnings(values)...)...)
}
