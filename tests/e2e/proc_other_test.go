//go:build !linux

package e2e

import (
	"errors"
	"os/exec"
)

// configureChild has nothing to add outside Linux; cleanups stop children.
func configureChild(*exec.Cmd) {}

// openSockets needs Linux's /proc.
func openSockets(int) ([]socketAddr, error) {
	return nil, errors.ErrUnsupported
}
