package stackconfig

import (
	"fmt"
	"strconv"
	"strings"
)

// azureRecordingsKeys decide how the Azure recordings storage account is
// reached (#17 item 12, #22): who may write it (LiveKit Egress needs the
// account key) and from where (Private Link only, by default).
var azureRecordingsKeys = []Key{
	{Name: "azureRecordingsSharedKey", Type: "boolean", Default: true, Kinds: []Kind{KindAzure},
		Description: "Shared-key access on the recordings storage account while LiveKit Egress runs (egress), the one exception to identity-only access: Egress uploads with the account key only. The key stays a Pulumi secret inside Egress's config Secret. False keeps the account identity-only and turns egress auto off (lkinfra plan warns)."},
	{Name: "azureRecordingsPrivateLink", Type: "boolean", Default: true, Kinds: []Kind{KindAzure},
		Description: "Close the recordings storage account to the internet: network rules deny, public network access off, Egress and token servers through a blob private endpoint in the VNet, and Front Door Premium (about $295 a month more than Standard) reaching it over Private Link, whose connection is approved once after the first up (docs/azure.md). Needs recordingsCdn. False: Front Door Standard over the account's public endpoint."},
}

func init() { Keys = append(Keys, azureRecordingsKeys...) }

// azureRecordings reads the recordings account's access keys (after the
// region, whose recordingsCdn the Private Link needs).
func (p *parser) azureRecordings(s *Stack, a *Azure) {
	a.RecordingsSharedKey = p.boolean("azureRecordingsSharedKey")
	a.RecordingsPrivateLink = p.boolean("azureRecordingsPrivateLink")
	// Front Door is the only reader path from outside the VNet once the
	// account denies the internet: readers' SAS URLs would hit the closed
	// public endpoint.
	if a.RecordingsPrivateLink && s.Region != nil && !s.Region.Recordings.CDN && !p.failed("recordingsCdn") {
		p.fail(spec("azureRecordingsPrivateLink").Full(), "true", fmt.Sprintf(
			"closes the recordings account to the internet, and only Front Door (%s) reaches it from outside the VNet; %s is false: "+
				"set recordingsCdn true, or azureRecordingsPrivateLink false (readers then fetch SAS URLs from the account's public endpoint)",
			spec("recordingsCdn").Full(), spec("recordingsCdn").Full()))
	}
}

// SharedKeyAccess reports whether the recordings account accepts shared
// keys: only while Egress runs, and only with azureRecordingsSharedKey.
func (a *Azure) SharedKeyAccess(e Egress) bool { return a.RecordingsSharedKey && e.Enabled }

// RecordingsWarnings are what lkinfra plan reports about an Azure region's
// recordings (raw config, full keys to values; unset keys take their
// defaults): Egress left off by egress auto because shared keys are off,
// and the one manual step of the Private Link origin.
func RecordingsWarnings(values map[string]string) []SupportWarning {
	get := func(name string) string {
		k := spec(name)
		if v, ok := values[k.Full()]; ok {
			return strings.TrimSpace(v)
		}
		return fmt.Sprint(k.Default)
	}
	on := func(name string) bool { b, _ := strconv.ParseBool(get(name)); return b }
	if Kind(values[Namespace+":kind"]) != KindAzure {
		return nil
	}
	var out []SupportWarning
	if get("egress") == EgressAuto && !on("azureRecordingsSharedKey") {
		out = append(out, SupportWarning{Key: spec("azureRecordingsSharedKey").Full(), Value: "false", Text: fmt.Sprintf(
			"egress auto leaves LiveKit Egress off in this region: Egress uploads to Azure Blob with the storage account key only, which the account refuses; "+
				"nothing records here. Remove %s (Egress on, shared keys for it only) or set %s false to say so",
			spec("azureRecordingsSharedKey").Full(), spec("egress").Full())})
	}
	if on("azureRecordingsPrivateLink") && on("recordingsCdn") {
		out = append(out, SupportWarning{Key: spec("azureRecordingsPrivateLink").Full(), Value: "true", Text: "Front Door reaches the recordings account over Private Link: " +
			"after the first pulumi up, approve its pending private endpoint connection once (the stack output recordingsPrivateLinkApproval is the az command; docs/azure.md); " +
			"until then Front Door cannot fetch recordings"})
	}
	return out
}
