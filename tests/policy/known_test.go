package policy

// knownViolations are the policy violations today's stacks still have, keyed
// by "rule|type::name" (the same in every stack and variant where they
// occur), each with why it is there and what fixes it. The sweep fails on a
// violation not listed here and on an entry that no plan produces any more,
// so this list is exactly what remains to fix: remove an entry with its fix.
//
// The last defaults-only entries (GKE and AKS control planes public by
// default, AKS local accounts, the alarms key's root kms:*) were fixed by
// #17 items 6, 7 and 13; what remains is a documented opt-out.
var knownViolations = map[string]string{
	// Only the azure publicRecordings variant (azureRecordingsPrivateLink
	// false): the documented opt-out trades the account's network rules
	// for Front Door Standard's lower fee, while Egress's account key
	// stays valid from any address (docs/azure.md, "Recordings storage").
	"no-public-storage|azure-native:storage:StorageAccount::livekit-recordings": "deliberate opt-out of Private Link (azure publicRecordings variant); the default denies the internet",
}
