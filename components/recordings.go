package components

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// RecordingsArgs is what every cloud's Recordings store accepts: a private,
// encrypted, versioned bucket, optionally behind the cloud's CDN.
type RecordingsArgs struct {
	CDN bool
	// CDNHostname serves the CDN over TLS 1.2+ under our own name.
	CDNHostname string
	ZoneID      string
	// TransitionDays moves objects to infrequent-access storage (0: never);
	// ExpireDays deletes them (0: keep).
	TransitionDays, ExpireDays int
	Protect                    bool
}

// Validate rejects contradictory args.
func (a *RecordingsArgs) Validate(name string) error {
	return Validate("Recordings", name, a, (*RecordingsArgs).Check)
}

// Check adds the contract's problems to e; each cloud adds its own after.
func (a *RecordingsArgs) Check(e *ArgErrors) {
	if a.CDN && (a.CDNHostname == "" || a.ZoneID == "") {
		e.Add("CDN needs CDNHostname and ZoneID")
	}
	if a.TransitionDays < 0 || a.ExpireDays < 0 {
		e.Add("lifecycle days must not be negative")
	}
	if a.ExpireDays != 0 && a.TransitionDays != 0 && a.ExpireDays <= a.TransitionDays {
		e.Add("ExpireDays %d must be after TransitionDays %d", a.ExpireDays, a.TransitionDays)
	}
}

// RecordingsOutputs is the outputs every cloud's Recordings store returns.
// Each cloud's component embeds it beside pulumi.ResourceState (the SDK
// hangs when ResourceState is embedded two levels deep).
type RecordingsOutputs struct {
	Bucket pulumi.StringOutput
	// CDNDomain is the CDN hostname; empty without CDN.
	CDNDomain pulumi.StringOutput
}
