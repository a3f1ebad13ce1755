package lkcheck

import (
	"errors"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// Problems returns the config problems inside err, failing the test when
// err is not a *stackconfig.Error (a refusal must name its keys).
func Problems(t testing.TB, err error) []stackconfig.Problem {
	t.Helper()
	var se *stackconfig.Error
	if !errors.As(err, &se) {
		t.Fatalf("error is %T, want *stackconfig.Error: %v", err, err)
	}
	return se.Problems
}
