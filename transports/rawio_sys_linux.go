//go:build linux && !race

package transports

import (
	"syscall"
	"unsafe"
)

// sysRead and sysWrite are rawIO's system calls: raw, without the
// runtime's bookkeeping (rawio_linux.go says why). Under the race detector
// rawio_race_linux.go makes them through package syscall instead, which
// tells the detector what the kernel read and wrote.

func sysRead(fd uintptr, p []byte) (int, syscall.Errno) {
	n, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	return int(n), e
}

func sysWrite(fd uintptr, p []byte) (int, syscall.Errno) {
	n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	return int(n), e
}
