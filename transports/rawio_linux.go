//go:build linux

package transports

import (
	"io"
	"net"
	"os"
	"syscall"
)

// rawIO reads and writes a socket with raw system calls, through the
// poller like net.Conn's Read and Write (readiness waits, deadlines, Close)
// but without the runtime's system call bookkeeping. Every accepted
// connection is read and written with it (rawTCPConn), by net/http first,
// then by whoever hijacks it: the fast path, or a WebSocket link's
// writeGate (what gws reads and writes through).
//
// Why: a player's request or input typically finds the server idle, and
// its read is then the first system call after the idle spell. Through
// syscall.Syscall, entersyscall wakes the runtime's monitor thread
// (sysmon) out of its deep sleep, which then polls every 20 µs until the
// process is idle again: several context switches per wake-up, and on a
// virtual machine those switches were most of what a request cost beyond
// the floor (perf: 7,760 switches a second at 256 long-polling players, a
// third of them sysmon's; the floor, 3,100). RawSyscall skips that. It is
// safe here because a read or write of a non-blocking socket never blocks:
// there is nothing for sysmon to retake the processor from.
//
// One goroutine may read while another writes, as the gate's reader and
// writers do; two concurrent reads, or two concurrent writes, must not
// happen (net.Conn allows them; no caller needs them).
type rawIO struct {
	rc syscall.RawConn
	c  net.Conn // for the addresses in errors

	rp    []byte // the read in progress
	rn    int
	rerrn syscall.Errno

	wp    []byte // the write in progress
	wn    int
	werrn syscall.Errno

	readFn, writeFn func(fd uintptr) bool // bound once: no closure per call
}

// newConnIO is how c is read and written: raw system calls for a socket of
// this process, c itself otherwise (TLS, a test's pipe, a handed-back
// connection with bytes still to replay).
func newConnIO(c net.Conn) io.ReadWriter {
	orig := c
	for {
		rc, ok := c.(*replayConn)
		if !ok {
			break
		}
		if len(rc.pending) > 0 {
			return orig // its Read gives the bytes held first
		}
		c = rc.Conn
	}
	if rc, ok := c.(*rawTCPConn); ok {
		return rc.io // net/http, which read and wrote through it, has let go
	}
	if r := newRawIO(c); r != nil {
		return r
	}
	return orig
}

// newRawIO is a rawIO for c's socket, or nil if c has none.
func newRawIO(c net.Conn) *rawIO {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	r := &rawIO{rc: rc, c: c}
	r.readFn, r.writeFn = r.readOnce, r.writeSome
	return r
}

// rawTCPConn is an accepted connection whose reads and writes are rawIO's,
// from its first request on: net/http's reads and writes of it (requests,
// and the responses of streams and first requests) skip the runtime's
// system call bookkeeping too. The rest is the *net.TCPConn's.
type rawTCPConn struct {
	*net.TCPConn
	io *rawIO
}

func (c *rawTCPConn) Read(p []byte) (int, error)  { return c.io.Read(p) }
func (c *rawTCPConn) Write(p []byte) (int, error) { return c.io.Write(p) }

// acceptedConn is how the listener hands out an accepted connection c.
func acceptedConn(c net.Conn) net.Conn {
	if tc, ok := c.(*net.TCPConn); ok {
		if r := newRawIO(tc); r != nil {
			return &rawTCPConn{TCPConn: tc, io: r}
		}
	}
	return c
}

func (r *rawIO) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r.rp, r.rn, r.rerrn = p, 0, 0
	err := r.rc.Read(r.readFn)
	r.rp = nil
	switch {
	case err != nil:
		return 0, asConnError(err, "read")
	case r.rerrn != 0:
		return 0, r.opError("read", r.rerrn)
	case r.rn == 0:
		return 0, io.EOF
	}
	return r.rn, nil
}

// readOnce makes one read; false asks the poller to wait for the socket.
func (r *rawIO) readOnce(fd uintptr) bool {
	for {
		n, e := sysRead(fd, r.rp)
		switch e {
		case 0:
			r.rn = n
			return true
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		default:
			r.rerrn = e
			return true
		}
	}
}

func (r *rawIO) Write(p []byte) (int, error) {
	r.wp, r.wn, r.werrn = p, 0, 0
	err := r.rc.Write(r.writeFn)
	n := r.wn
	r.wp = nil
	switch {
	case err != nil:
		return n, asConnError(err, "write")
	case r.werrn != 0:
		return n, r.opError("write", r.werrn)
	}
	return n, nil
}

// writeSome writes what the socket takes; false asks the poller to wait
// until it takes more.
func (r *rawIO) writeSome(fd uintptr) bool {
	for r.wn < len(r.wp) {
		rest := r.wp[r.wn:]
		n, e := sysWrite(fd, rest)
		switch e {
		case 0:
			r.wn += n
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			r.werrn = e
			return true
		}
	}
	return true
}

// asConnError gives an error of the RawConn's (closed, deadline) the Op
// that net.Conn's own Read and Write give it: net/http tells a common read
// error from others by it.
func asConnError(err error, op string) error {
	if oe, ok := err.(*net.OpError); ok {
		oe.Op = op
	}
	return err
}

// opError is a failed call's error as net.Conn's Read and Write give it.
func (r *rawIO) opError(op string, e syscall.Errno) error {
	return &net.OpError{Op: op, Net: r.c.LocalAddr().Network(), Source: r.c.LocalAddr(), Addr: r.c.RemoteAddr(), Err: os.NewSyscallError(op, e)}
}
