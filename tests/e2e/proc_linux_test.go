//go:build linux

package e2e

import (
	"os/exec"
	"syscall"
)

// configureChild makes the kernel SIGKILL the child if the test binary dies
// without running its cleanups (e.g. `go test` timeout or a crash), so no
// redis-server or livekit-server outlives the test.
func configureChild(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
