package routing

import "fmt"

// Route 53 health-check limits and timings (HTTPS checks).
const (
	// FastInterval and StandardInterval are the only request intervals
	// Route 53 accepts; the interval is fixed when the check is created.
	FastInterval     = 10
	StandardInterval = 30
	// MinFailureThreshold and MaxFailureThreshold bound the consecutive
	// failures before a checker sees the endpoint as unhealthy.
	MinFailureThreshold = 1
	MaxFailureThreshold = 10
	// HTTPSConnectTimeout and HTTPSResponseTimeout: an HTTPS check must
	// connect within 4 s and receive a 2xx/3xx status within 2 s more.
	HTTPSConnectTimeout  = 4
	HTTPSResponseTimeout = 2
	// ProbeSeconds is the longest one failing HTTPS probe can take.
	ProbeSeconds = HTTPSConnectTimeout + HTTPSResponseTimeout
)

// HealthCheck is the timing of the per-region health checks.
type HealthCheck struct {
	// IntervalSeconds between requests of each checker: 10 or 30.
	IntervalSeconds int
	// FailureThreshold consecutive failures mark the region unhealthy.
	FailureThreshold int
}

// Validate reports a timing Route 53 does not accept.
func (h HealthCheck) Validate() error {
	if h.IntervalSeconds != FastInterval && h.IntervalSeconds != StandardInterval {
		return fmt.Errorf("health-check interval %d s: Route 53 accepts only %d or %d", h.IntervalSeconds, FastInterval, StandardInterval)
	}
	if h.FailureThreshold < MinFailureThreshold || h.FailureThreshold > MaxFailureThreshold {
		return fmt.Errorf("health-check failure threshold %d: Route 53 accepts %d to %d", h.FailureThreshold, MinFailureThreshold, MaxFailureThreshold)
	}
	return nil
}

// WorstCaseFailoverSeconds bounds how long after a region dies new
// connections still resolve to it: the checkers need threshold failed probes
// (interval apart, the last one taking up to ProbeSeconds to time out), then
// resolvers may serve the old answer for one more TTL. Client reconnect time
// comes on top. With the defaults (10 s, 3, TTL 30) it is 66 s.
func WorstCaseFailoverSeconds(h HealthCheck, ttl int) int {
	return h.IntervalSeconds*h.FailureThreshold + ProbeSeconds + ttl
}
