package planq

import (
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// AlarmThresholds runs check on the stack's own plan with the alert
// thresholds' defaults (alertRedisMemoryPercent 80, alertRedisCpuPercent
// 80, alertLb5xxPerMinute 10) and on a variant setting all three (70, 60,
// 30): every cloud's native alarms must follow the same keys.
func (s *Stack) AlarmThresholds(t *testing.T, check func(t *testing.T, p *plan.Plan, memoryPercent, cpuPercent, lb5xxPerMin float64)) {
	t.Helper()
	t.Run("defaults", func(t *testing.T) { check(t, s.Plan(t), 80, 80, 10) })
	t.Run("configured", func(t *testing.T) {
		p := s.Variant(t, "alarmThresholds", map[string]string{
			"alertRedisMemoryPercent": "70", "alertRedisCpuPercent": "60", "alertLb5xxPerMinute": "30",
		})
		check(t, p, 70, 60, 30)
	})
}
