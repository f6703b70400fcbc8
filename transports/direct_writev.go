//go:build linux

package transports

import (
	"syscall"
	"unsafe"
)

// writevSupported says that this platform has direct writes. Linux is the
// one where the raw writev below is known to work: its system call numbers
// are a stable interface, and it is where the tests of the direct path run.
// The BSDs and macOS compile this file too, but none has been run, macOS
// does not support system calls made without libc (syscall.Syscall makes
// them), and OpenBSD refuses them (ENOSYS); they take the portable path
// (direct_fallback.go).
const writevSupported = true

// iovecs is the scratch of one writev: the frame header, head and body.
type iovecs [3]syscall.Iovec

// writev writes the non-empty parts with one non-blocking writev and returns
// how many bytes the kernel took: 0 when it took none (a full buffer, a
// passed write deadline, a failing socket). The caller holds g.mu, and
// g.raw is set.
func (g *writeGate) writev(iov *iovecs, parts *[3][]byte) int {
	cnt := 0
	for _, p := range parts {
		if len(p) > 0 {
			iov[cnt] = syscall.Iovec{Base: &p[0]}
			iov[cnt].SetLen(len(p))
			cnt++
		}
	}
	var written uintptr
	var errno syscall.Errno
	// Holding the gate, we are the only writer: RawWrite's fd lock is free.
	// A raw system call, as rawIO makes them: a non-blocking writev has
	// nothing to wake the runtime's monitor thread for.
	err := g.raw.Write(func(fd uintptr) bool {
		written, _, errno = syscall.RawSyscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&iov[0])), uintptr(cnt))
		return true // never wait for the socket: the queue is for that
	})
	clear(iov[:]) // do not keep bodies alive
	if err != nil || errno != 0 {
		return 0
	}
	return int(written)
}
