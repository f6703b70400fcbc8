package transports

import (
	"net"
	"sync"
	"syscall"
)

// handback is a listener whose connections come from the fast path rather
// than from accept: a kept connection whose next request the fast path does
// not serve goes back to net/http through it, with the bytes already read
// in front (replayConn), and net/http serves it from that request on as if
// it had just been accepted. The Server's http.Server serves it next to the
// real listener, so Shutdown closes it and waits for its connections.
type handback struct {
	addr net.Addr
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func newHandback(addr net.Addr) *handback {
	return &handback{addr: addr, ch: make(chan net.Conn), done: make(chan struct{})}
}

// give hands c to net/http, or closes it when net/http no longer serves.
func (h *handback) give(c net.Conn) {
	select {
	case h.ch <- c:
	case <-h.done:
		_ = c.Close()
	}
}

func (h *handback) Accept() (net.Conn, error) {
	select {
	case c := <-h.ch:
		return c, nil
	case <-h.done:
		return nil, net.ErrClosed
	}
}

func (h *handback) Close() error {
	h.once.Do(func() { close(h.done) })
	return nil
}

func (h *handback) Addr() net.Addr { return h.addr }

// replayConn is a connection with bytes already read from it put back in
// front.
type replayConn struct {
	net.Conn
	pending []byte
}

func (c *replayConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// SyscallConn lets a WebSocket upgraded on a handed-back connection write
// directly (direct.go), as on an accepted one. What it reads goes through
// Read: a client sends nothing after an upgrade request before the answer.
func (c *replayConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, syscall.EINVAL
}

// CloseWrite half-closes the socket, as net/http does before it closes a
// connection whose request it refused.
func (c *replayConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
