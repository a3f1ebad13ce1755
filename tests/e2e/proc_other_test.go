//go:build !linux

package e2e

import "os/exec"

// configureChild has nothing to add outside Linux; cleanups stop children.
func configureChild(*exec.Cmd) {}
