package e2e

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// blockUDP closes UDP to this process, as a firewall that lets only TCP
// out would: a seccomp filter, installed on every thread (TSYNC), makes
// socket(2) for an IPv4 or IPv6 datagram socket fail with EPERM. Sockets
// opened before stay usable; the relay-only client opens none before.
func blockUDP() error {
	var arch uint32
	switch runtime.GOARCH {
	case "amd64":
		arch = unix.AUDIT_ARCH_X86_64
	case "arm64":
		arch = unix.AUDIT_ARCH_AARCH64
	default:
		return fmt.Errorf("blockUDP: no seccomp filter for %s", runtime.GOARCH)
	}
	const (
		offNr    = 0  // seccomp_data.nr
		offArch  = 4  // seccomp_data.arch
		offArg0  = 16 // seccomp_data.args[0], low 32 bits (little endian)
		offArg1  = 24 // seccomp_data.args[1], low 32 bits
		sockType = 0xf
		deny     = unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
		allow    = unix.SECCOMP_RET_ALLOW
	)
	prog, err := bpf.Assemble([]bpf.Instruction{
		bpf.LoadAbsolute{Off: offArch, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: arch, SkipFalse: 9},
		bpf.LoadAbsolute{Off: offNr, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(unix.SYS_SOCKET), SkipFalse: 7},
		bpf.LoadAbsolute{Off: offArg0, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.AF_INET, SkipTrue: 1},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.AF_INET6, SkipFalse: 4},
		bpf.LoadAbsolute{Off: offArg1, Size: 4},
		bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: sockType}, // drop SOCK_NONBLOCK|SOCK_CLOEXEC
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.SOCK_DGRAM, SkipFalse: 1},
		bpf.RetConstant{Val: deny},
		bpf.RetConstant{Val: allow},
	})
	if err != nil {
		return fmt.Errorf("blockUDP: assemble: %w", err)
	}
	filter := make([]unix.SockFilter, len(prog))
	for i, ins := range prog {
		filter[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	fprog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("blockUDP: PR_SET_NO_NEW_PRIVS: %w", err)
	}
	if _, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER,
		unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog))); errno != 0 {
		return fmt.Errorf("blockUDP: seccomp: %w", errno)
	}
	runtime.KeepAlive(filter)
	return nil
}
