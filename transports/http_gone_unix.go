//go:build linux || darwin

package transports

import (
	"net"
	"syscall"
)

// peerGone reports whether the client of c has closed or reset its end,
// without waiting or consuming anything: a peek that finds the end of the
// stream, or an error other than "nothing yet".
func peerGone(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	gone := false
	var b [1]byte
	err = raw.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		gone = (err == nil && n == 0) || (err != nil && err != syscall.EAGAIN && err != syscall.EINTR)
		return true
	})
	return gone || err != nil
}
