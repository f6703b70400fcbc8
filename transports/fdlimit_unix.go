//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package transports

import "syscall"

// fileLimit is the process's limit on open files (RLIMIT_NOFILE, which Go
// raises to its hard limit at start), or 0 when it cannot be read.
func fileLimit() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	if uint64(rl.Cur) > 1<<30 { // unlimited, as far as we are concerned
		return 1 << 30
	}
	return int(rl.Cur)
}
