package stackconfig

import (
	"fmt"
	"strconv"
	"strings"
)

// ElastiCache's window rules, enforced by CreateReplicationGroup: the
// weekly maintenance window (ddd:hh24:mi-ddd:hh24:mi) and the daily
// snapshot window (hh24:mi-hh24:mi) each last at least 60 minutes, and the
// snapshot window must not overlap the maintenance window on any day.
// Docs: https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html
// and https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/backups-automatic.html
const (
	minWindowMinutes = 60
	minutesPerDay    = 24 * 60
	minutesPerWeek   = 7 * minutesPerDay
)

var weekDays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// window is a span of minutes from Start, Start in [0, period).
type window struct{ Start, Length int }

// parseMaintenanceWindow reads ddd:hh:mm-ddd:hh:mm (already matched by
// maintWindowRe) into minutes of the week.
func parseMaintenanceWindow(v string) window {
	from, to, _ := strings.Cut(v, "-")
	start, end := weekMinute(from), weekMinute(to)
	return window{start, (end - start + minutesPerWeek) % minutesPerWeek}
}

// parseSnapshotWindow reads hh:mm-hh:mm (already matched by snapWindowRe)
// into minutes of the day.
func parseSnapshotWindow(v string) window {
	from, to, _ := strings.Cut(v, "-")
	start, end := dayMinute(from), dayMinute(to)
	return window{start, (end - start + minutesPerDay) % minutesPerDay}
}

func weekMinute(s string) int {
	d, hm, _ := strings.Cut(s, ":")
	for i, w := range weekDays {
		if w == d {
			return i*minutesPerDay + dayMinute(hm)
		}
	}
	return 0
}

func dayMinute(s string) int {
	h, m, _ := strings.Cut(s, ":")
	hh, _ := strconv.Atoi(h)
	mm, _ := strconv.Atoi(m)
	return hh*60 + mm
}

// overlapsWeekly says whether the daily snapshot window meets the weekly
// maintenance window on any day (both wrap around their period).
func overlapsWeekly(maint, snap window) bool {
	for d := 0; d < 7; d++ {
		if intersects(maint, window{d*minutesPerDay + snap.Start, snap.Length}, minutesPerWeek) {
			return true
		}
	}
	return false
}

// intersects tests two spans on a circle of period minutes.
func intersects(a, b window, period int) bool {
	// b starts inside a, or a starts inside b.
	in := func(x, w window) bool { return (x.Start-w.Start+period)%period < w.Length }
	return in(b, a) || in(a, b)
}

// checkElastiCacheWindows adds the duration and overlap rules for the two
// windows, once both have the right shape.
func (p *parser) checkElastiCacheWindows(maintenance, snapshot string) {
	maintOK, snapOK := maintWindowRe.MatchString(maintenance), snapWindowRe.MatchString(snapshot)
	var m, s window
	if maintOK {
		m = parseMaintenanceWindow(maintenance)
		if m.Length < minWindowMinutes {
			p.fail(spec("awsRedisMaintenanceWindow").Full(), quote(maintenance),
				fmt.Sprintf("lasts %d minutes; ElastiCache's maintenance window is at least %d (e.g. sun:05:00-sun:06:00)", m.Length, minWindowMinutes))
			maintOK = false
		}
	}
	if snapOK {
		s = parseSnapshotWindow(snapshot)
		if s.Length < minWindowMinutes {
			p.fail(spec("awsRedisSnapshotWindow").Full(), quote(snapshot),
				fmt.Sprintf("lasts %d minutes; ElastiCache's snapshot window is at least %d (e.g. 03:00-04:00)", s.Length, minWindowMinutes))
			snapOK = false
		}
	}
	if maintOK && snapOK && overlapsWeekly(m, s) {
		p.fail(spec("awsRedisSnapshotWindow").Full(), quote(snapshot),
			fmt.Sprintf("overlaps awsRedisMaintenanceWindow %s; ElastiCache refuses overlapping windows: move one of them", maintenance))
	}
}
