package transports

import "net"

// tunedListener gives every connection it accepts the send buffer of
// Options.SendBuffer, before any byte is written to it: the kernel's own
// grows to megabytes per connection when the client does not read.
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
	return c, nil
}
