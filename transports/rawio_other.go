//go:build !linux

package transports

import (
	"io"
	"net"
)

// newConnIO is how c is read and written. Raw system calls are used on
// Linux only (rawio_linux.go), where they are tested; elsewhere c's own Read
// and Write serve.
func newConnIO(c net.Conn) io.ReadWriter { return c }

// acceptedConn is how the listener hands out an accepted connection: as it is.
func acceptedConn(c net.Conn) net.Conn { return c }
