//go:build linux

package transports

import (
	"syscall"
	"unsafe"
)

// unsent returns how many bytes the kernel holds for the socket that the
// peer has not acknowledged (TIOCOUTQ, which for TCP counts sent and unsent
// bytes alike), and false when it cannot tell.
func (g *writeGate) unsent() (int, bool) {
	if g.raw == nil {
		return 0, false
	}
	var n int32
	var errno syscall.Errno
	err := g.raw.Control(func(fd uintptr) {
		// Raw, as rawIO's calls: the ioctl never blocks.
		_, _, errno = syscall.RawSyscall(syscall.SYS_IOCTL, fd, syscall.TIOCOUTQ, uintptr(unsafe.Pointer(&n)))
	})
	if err != nil || errno != 0 || n < 0 {
		return 0, false
	}
	return int(n), true
}

// watchable reports whether unsent can tell anything.
func (g *writeGate) watchable() bool { return g.raw != nil }
