package components

// AlarmThresholds are the thresholds of the alarms a cloud measures itself
// on the region's Redis and signaling load balancer, from the keys
// alertRedisMemoryPercent, alertRedisCpuPercent and alertLb5xxPerMinute
// (internal/stackconfig checks the same bounds naming the keys).
type AlarmThresholds struct {
	RedisMemoryPercent    int
	RedisCPUPercent       int
	LoadBalancer5xxPerMin int
}

// Bounds of the thresholds.
const (
	MinRedisMemoryPercent, MaxRedisMemoryPercent = 50, 95
	MinRedisCPUPercent, MaxRedisCPUPercent       = 10, 100
	MinLoadBalancer5xxPerMin                     = 1
)

// Check adds every threshold out of its bounds to e.
func (t AlarmThresholds) Check(e *ArgErrors) {
	if t.RedisMemoryPercent < MinRedisMemoryPercent || t.RedisMemoryPercent > MaxRedisMemoryPercent {
		e.Add("RedisMemoryPercent is %d: give %d-%d", t.RedisMemoryPercent, MinRedisMemoryPercent, MaxRedisMemoryPercent)
	}
	if t.RedisCPUPercent < MinRedisCPUPercent || t.RedisCPUPercent > MaxRedisCPUPercent {
		e.Add("RedisCPUPercent is %d: give %d-%d", t.RedisCPUPercent, MinRedisCPUPercent, MaxRedisCPUPercent)
	}
	if t.LoadBalancer5xxPerMin < MinLoadBalancer5xxPerMin {
		e.Add("LoadBalancer5xxPerMin is %d: give at least %d", t.LoadBalancer5xxPerMin, MinLoadBalancer5xxPerMin)
	}
}

// Names of the cloud-measured alarms: the same on every cloud, each a row
// of docs/observability.md's runbook.
const (
	AlarmRedisMemory           = "RedisMemory"
	AlarmRedisCPU              = "RedisCPU"
	AlarmRedisConnectionErrors = "RedisConnectionErrors"
	AlarmLoadBalancer5xx       = "LoadBalancer5xx"
	AlarmNoHealthyBackend      = "NoHealthyBackend"
	AlarmUnhealthyTargets      = "UnhealthyTargets"
)
