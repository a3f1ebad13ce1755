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
)

// argErrors collects contract violations so that all are reported at once.
type argErrors struct {
	component, name string
	errs            []error
}

func (e *argErrors) add(format string, a ...any) { e.errs = append(e.errs, fmt.Errorf(format, a...)) }

func (e *argErrors) err() error {
	if len(e.errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s %q: invalid args: %w", e.component, e.name, errors.Join(e.errs...))
}
