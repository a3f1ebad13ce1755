package aws_test

import (
	"regexp"
	"testing"

	awsc "github.com/livekit-infra/livekit-infra/components/aws"
)

// #17 item 14: deleting the replication group (a destroy, a replacement)
// first takes a final snapshot, named per stack, whatever protect says.
func TestRedisFinalSnapshot(t *testing.T) {
	for _, variant := range []string{"", "unprotected"} {
		rg := child(t, prodOr(t, variant), tRedisCache, tReplGroup, "")
		if got := str(t, rg, "finalSnapshotIdentifier"); got != "aws-prod-livekit-redis-final" {
			t.Errorf("variant %q: finalSnapshotIdentifier %q, want aws-prod-livekit-redis-final", variant, got)
		}
	}
	// ElastiCache snapshot names: a letter first, letters, digits and
	// single hyphens, none at the end.
	valid := regexp.MustCompile(`^[a-z]([a-z0-9]|-[a-z0-9])*$`)
	for _, tc := range []struct{ stack, want string }{
		{"aws-prod", "aws-prod-livekit-redis-final"},
		{"org/AWS_Prod.2", "org-aws-prod-2-livekit-redis-final"},
		{"9lives--", "lk-9lives-livekit-redis-final"},
	} {
		got := awsc.FinalSnapshotName(tc.stack, "livekit-redis")
		if got != tc.want || !valid.MatchString(got) {
			t.Errorf("FinalSnapshotName(%q) = %q, want %q", tc.stack, got, tc.want)
		}
	}
}
