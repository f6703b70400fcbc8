//go:build !unix && !windows

package loadtest

// setRecvBuffer does nothing where sockets have no options to set: blind
// ackers keep the system's receive buffer.
func setRecvBuffer(fd uintptr, n int) error { return nil }
