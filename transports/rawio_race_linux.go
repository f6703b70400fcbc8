//go:build linux && race

package transports

import "syscall"

// Under the race detector rawIO reads and writes through package syscall,
// which reports the buffers the kernel fills and reads to the detector, so
// that a race on them is seen as it is through net.Conn. It costs the
// runtime bookkeeping that the raw calls save (rawio_sys_linux.go), which
// does not matter in a race build.

func sysRead(fd uintptr, p []byte) (int, syscall.Errno) { return errnoOf(syscall.Read(int(fd), p)) }

func sysWrite(fd uintptr, p []byte) (int, syscall.Errno) { return errnoOf(syscall.Write(int(fd), p)) }

func errnoOf(n int, err error) (int, syscall.Errno) {
	if err != nil {
		return 0, err.(syscall.Errno) // package syscall's calls fail with an Errno
	}
	return n, 0
}
