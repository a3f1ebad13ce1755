package aws_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	awsc "github.com/livekit-infra/livekit-infra/components/aws"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// livenessPattern is the status-line pattern the container health command
// greps wget's output for.
func livenessPattern(t *testing.T, c containerDef) *regexp.Regexp {
	t.Helper()
	cmd := strings.Join(c.HealthCheck.Command, " ")
	m := regexp.MustCompile(`grep -qE '([^']+)'`).FindStringSubmatch(cmd)
	if m == nil {
		t.Fatalf("container health check %q greps no status pattern: it would fail on LiveKit's 406 (busybox wget exits 1 on non-2xx)", cmd)
	}
	return regexp.MustCompile(m[1])
}

// Liveness is not readiness on ECS: the container check passes while
// LiveKit answers at all (200, or 406 without Redis), so ECS never stops a
// task for a Redis blip; it fails when nothing answers or LiveKit answers
// something else.
func TestContainerCheckIsLiveness(t *testing.T) {
	re := livenessPattern(t, livekitContainer(t, prod(t)))
	for line, alive := range map[string]bool{
		"  HTTP/1.1 200 OK":                                                  true,
		"  HTTP/1.1 406 Not Acceptable":                                      true,
		"wget: server returned error: HTTP/1.1 406 Not Acceptable":           true,
		"wget: server returned error: HTTP/1.1 404 Not Found":                false,
		"wget: server returned error: HTTP/1.1 500 Internal":                 false,
		"  HTTP/1.1 4060 Odd":                                                false,
		"wget: can't connect to remote host (127.0.0.1): Connection refused": false,
	} {
		if got := re.MatchString(line); got != alive {
			t.Errorf("liveness pattern %q on %q = %v, want %v", re, line, got, alive)
		}
	}
}

// The target group is readiness: 200 only, and it fails a task only after
// the Redis outage tolerance (ECS replaces tasks its target group reports
// unhealthy: docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_services.html).
// (UnhealthyThreshold-1) x Interval covers awsRedisOutageToleranceSeconds.
func TestTargetGroupToleratesRedisOutage(t *testing.T) {
	for _, tc := range []struct {
		tolerance string
		want      int
	}{{"", 60}, {"30", 30}, {"300", 300}, {"2400", 2400}} {
		p := prod(t)
		if tc.tolerance != "" {
			var err error
			if p, err = prodStack.With(map[string]string{"awsRedisOutageToleranceSeconds": tc.tolerance}); err != nil {
				t.Fatal(err)
			}
		}
		tg := child(t, p, tMedia, tTargetGroup, "")
		interval, threshold, timeout := num(t, tg, "healthCheck.interval"), num(t, tg, "healthCheck.unhealthyThreshold"), num(t, tg, "healthCheck.timeout")
		if span := (threshold - 1) * interval; span < tc.want {
			t.Errorf("tolerance %d: %d failures %d s apart fail a task after %d s of 406", tc.want, threshold, interval, span)
		}
		// ALB limits: threshold 2-10, interval 5-300, timeout below interval.
		if threshold < 2 || threshold > 10 || interval < 5 || interval > 300 || timeout >= interval {
			t.Errorf("tolerance %d: threshold %d, interval %d, timeout %d outside the ALB's limits", tc.want, threshold, interval, timeout)
		}
		expect(t, tg, "healthCheck.matcher", "200")
	}
}

// A tolerance the target group cannot express is a config error naming the
// key, the value and the range.
func TestRedisOutageToleranceValidated(t *testing.T) {
	for _, bad := range []string{"10", "5000", "a minute"} {
		_, err := prodStack.With(map[string]string{"awsRedisOutageToleranceSeconds": bad})
		var se *stackconfig.Error
		if !errors.As(err, &se) {
			t.Fatalf("awsRedisOutageToleranceSeconds=%q: err %v, want a settings error", bad, err)
		}
		msg := se.Error()
		for _, want := range []string{"livekit-infra:awsRedisOutageToleranceSeconds", fmt.Sprintf("%q", bad), "20", "2400"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error for %q lacks %q:\n%s", bad, want, msg)
			}
		}
	}
	if r := awsc.Readiness(60); r.Interval != 10 || r.Threshold != 7 {
		t.Errorf("Readiness(60) = %+v, want 7 checks 10 s apart", r)
	}
}
