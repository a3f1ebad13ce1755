//go:build linux

package e2e

import (
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// configureChild makes the kernel SIGKILL the child if the test binary dies
// without running its cleanups (e.g. `go test` timeout or a crash), so no
// redis-server or livekit-server outlives the test.
func configureChild(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// openSockets lists the TCP listeners and UDP sockets the process holds
// (its /proc/<pid>/fd links matched to the kernel's socket tables).
func openSockets(pid int) ([]socketAddr, error) {
	inodes := map[string]bool{}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return nil, err
	}
	for _, fd := range fds {
		link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	var out []socketAddr
	for _, table := range []string{"tcp", "tcp6", "udp", "udp6"} {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", pid, table))
		if err != nil {
			return nil, err
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		for _, line := range lines[1:] {
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
			f := strings.Fields(line)
			if len(f) < 10 || !inodes[f[9]] {
				continue
			}
			const tcpListen = "0A"
			if strings.HasPrefix(table, "tcp") && f[3] != tcpListen {
				continue // a connection, e.g. to the test's Redis
			}
			ip, port, err := procAddr(f[1])
			if err != nil {
				return nil, fmt.Errorf("/proc/%d/net/%s: %q: %w", pid, table, f[1], err)
			}
			out = append(out, socketAddr{Proto: strings.TrimSuffix(table, "6"), IP: ip, Port: port})
		}
	}
	return out, nil
}

// procAddr decodes a /proc/net address: the IP as the kernel's 32-bit words
// in host (little-endian) order, then the port in hex.
func procAddr(s string) (net.IP, int, error) {
	h, p, ok := strings.Cut(s, ":")
	raw, err := hex.DecodeString(h)
	if !ok || err != nil || (len(raw) != 4 && len(raw) != 16) {
		return nil, 0, fmt.Errorf("not an address")
	}
	for i := 0; i < len(raw); i += 4 {
		raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return nil, 0, err
	}
	return net.IP(raw), int(port), nil
}
