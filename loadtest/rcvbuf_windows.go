//go:build windows

package loadtest

import "syscall"

// setRecvBuffer sets a socket's kernel receive buffer (SO_RCVBUF) before it
// connects, so that the window it offers starts small.
func setRecvBuffer(fd uintptr, n int) error {
	return syscall.SetsockoptInt(syscall.Handle(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
}
