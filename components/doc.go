// Package components holds the cloud-neutral contracts of livekit-infra's
// ComponentResources: Network, RedisCache, MediaCluster, Recordings and
// Credentials (here), GlobalTraffic (with the global stack).
//
// Each contract is one file: the Args every cloud accepts, the outputs every
// cloud returns, the type token and the up-front validation. The cloud
// implementations live beside it in one package per cloud (components/aws,
// components/gcp, components/azure), so that a program or test that uses one
// cloud compiles only that cloud's SDK. "The AWS Redis" is
// components/aws/rediscache.go.
package components

import (
	"errors"
	"fmt"
	"strings"
)

// Type tokens, shared by every cloud's implementation of a contract so that
// stacks look the same in every cloud.
const (
	NetworkType       = "livekit-infra:index:Network"
	RedisCacheType    = "livekit-infra:index:RedisCache"
	MediaClusterType  = "livekit-infra:index:MediaCluster"
	RecordingsType    = "livekit-infra:index:Recordings"
	CredentialsType   = "livekit-infra:index:Credentials"
	GlobalTrafficType = "livekit-infra:index:GlobalTraffic"
	// AuditLogsType is a region's audit log sinks (flow, access, CDN and
	// control-plane logs) and their retention (#17 item 10).
	AuditLogsType = "livekit-infra:index:AuditLogs"
	// MonitoringType is a region's alarms and where they go (#18).
	MonitoringType = "livekit-infra:index:Monitoring"
	// ManagedPrometheusType is a region's managed Prometheus workspace and
	// its rules, where the cloud's own alarm component cannot hold it (AWS:
	// the collector needs the workspace before the cluster exists).
	ManagedPrometheusType = "livekit-infra:index:ManagedPrometheus"
)

// ArgErrors collects every problem of a component's args so that all are
// reported at once, each naming its field. Every component validates the
// same way: the contract's Check first, then its cloud's checks, then Err.
type ArgErrors struct {
	component, name string
	errs            []error
}

// NewArgErrors starts the problem list of the component instance name
// (component is the contract's short name, e.g. "MediaCluster").
func NewArgErrors(component, name string) *ArgErrors {
	return &ArgErrors{component: component, name: name}
}

// Add records one problem; the message names the field and what is allowed.
func (e *ArgErrors) Add(format string, a ...any) { e.errs = append(e.errs, fmt.Errorf(format, a...)) }

// AddErr records the problems of a nested validator (nil adds nothing).
func (e *ArgErrors) AddErr(err error) {
	if err != nil {
		e.errs = append(e.errs, err)
	}
}

// Require records one problem naming every field whose value is missing.
func (e *ArgErrors) Require(fields ...Field) {
	var missing []string
	for _, f := range fields {
		if f.Missing {
			missing = append(missing, f.Name)
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		e.Add("%s is required", missing[0])
	default:
		e.Add("%s are required", strings.Join(missing, ", "))
	}
}

// Field is one required argument for Require: its name and whether it is unset.
type Field struct {
	Name    string
	Missing bool
}

// Err is nil without problems, else one error listing them all.
func (e *ArgErrors) Err() error {
	if len(e.errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s %q: invalid args: %w", e.component, e.name, errors.Join(e.errs...))
}

// Validate is every component's validation path: nil args are one problem;
// otherwise each check (the cloud's check, which runs the contract's Check
// first) adds what it finds, and the result names every problem at once.
func Validate[T any](component, name string, args *T, checks ...func(*T, *ArgErrors)) error {
	e := NewArgErrors(component, name)
	if args == nil {
		e.Add("args are required")
		return e.Err()
	}
	for _, c := range checks {
		c(args, e)
	}
	return e.Err()
}
