//go:build !linux

package e2e

import (
	"errors"
	"runtime"
)

// blockUDP needs Linux's seccomp; TestTURNRelayOnlyParticipant skips elsewhere.
func blockUDP() error { return errors.New("blockUDP: needs Linux seccomp, not " + runtime.GOOS) }
