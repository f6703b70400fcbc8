package transports

import "net"

// tunedListener gives every connection it accepts the send buffer of
// Options.SendBuffer, before any byte is written to it: the kernel's own
// grows to megabytes per connection when the client does not read. It
// hands the connection out to be read and written with raw system calls
// where they are used (acceptedConn, rawio_linux.go).
type tunedListener struct {
	net.Listener
	srv *Server
}

func (t tunedListener) Accept() (net.Conn, error) {
	c, err := t.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if n := t.srv.options().SendBuffer; n > 0 {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetWriteBuffer(n)
		}
	}
	return acceptedConn(c), nil
}
