//go:build !linux

package transports

import (
	"io"
	"net"
)

// newConnIO is how a fast connection reads and writes c. Raw system calls
// are used on Linux only (http_rawio_linux.go); elsewhere c's own Read and
// Write serve.
func newConnIO(c net.Conn) io.ReadWriter { return c }
