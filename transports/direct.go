package transports

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/lxzan/gws"
	"github.com/tickroom/tickroom/transports/httpwire"
)

// A frame sent to a link whose writer goroutine is idle is written at once
// by the goroutine that sends it (for state frames, the room's), with one
// non-blocking writev on the socket. Waking a writer goroutine for every
// frame cost as much as the rest of the send path together: a channel send,
// a goroutine switch, a select, a deadline update and a park, 20 times a
// second per player. The write never blocks: when the socket buffer is full
// it writes nothing, and the frame takes the queue and the writer goroutine
// as before, with its write deadline and slow-consumer close. A write the
// kernel cuts short leaves its tail in the link's writeGate, and whoever
// writes next sends it first.
//
// The direct path is used only while the writer is idle, its queue is empty
// and nothing else is owed (a pong, a probe answer); that is decided under
// the link's lock, which the write holds, so frames keep their order. gws
// also writes on its own, from its reader goroutine (the close frame it
// echoes or sends on a read error), and may block there on a full socket:
// the writeGate is how the direct path neither waits for such a write nor
// lets it land inside a frame cut short.
//
// The same goes for the heartbeat's pings and the pongs that answer a
// client's pings: written directly when nothing else is owed, left to the
// writer otherwise. The writer is a goroutine that runs only while it has
// work (writer.go), so a link whose client keeps up has none.
//
// This file is the portable part. The writev itself is a raw system call,
// built only where it is known to work (direct_writev.go); everywhere else
// (direct_fallback.go), and on any link whose Options.noDirectWrites was set,
// the gate does not write directly, so no frame is ever written directly and
// every frame takes the queue and the writer, which gws frames and writes.

// writeGate is the net.Conn that gws reads and writes through. Every write
// to the socket, whoever makes it, passes its lock and first sends the tail
// of a frame the direct path left unfinished. The direct path only tries the
// lock: a gate held by someone else means a write is under way, possibly
// blocked, and the frame goes to the queue instead.
type writeGate struct {
	net.Conn
	rw     io.ReadWriter   // the socket's reads and writes (newConnIO)
	raw    syscall.RawConn // the socket's, for direct writes and unsent; nil if not a plain socket
	direct bool            // frames may be written directly: raw, writev here, not switched off
	mu     sync.Mutex
	rest   []byte // unwritten tail of a frame written in part; guarded by mu

	// written counts the bytes handed to the kernel through the gate (and
	// what it held unsent when the gate was made), for the delivery watch.
	written atomic.Uint64
}

// restKeep is the largest tail buffer kept for reuse; a tail of a huge frame
// should not pin its memory for the life of the link.
const restKeep = 64 << 10

// newWriteGate wraps c. direct asks for direct writes, which the gate allows
// only on a plain socket of a platform with writevSupported.
func newWriteGate(c net.Conn, direct bool) *writeGate {
	g := &writeGate{Conn: c, rw: newConnIO(c)}
	if sc, ok := c.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			g.raw = raw
		}
	}
	g.direct = direct && writevSupported && g.raw != nil
	if n, ok := g.unsent(); ok {
		g.written.Store(uint64(n)) // what net/http wrote before the upgrade
	}
	return g
}

// Write sends the pending tail, if any, then p.
func (g *writeGate) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.flushLocked(); err != nil {
		return 0, err
	}
	n, err := g.rw.Write(p)
	g.written.Add(uint64(n))
	return n, err
}

// Read is gws's read of the socket.
func (g *writeGate) Read(p []byte) (int, error) { return g.rw.Read(p) }

// flush sends the pending tail, if any.
func (g *writeGate) flush() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.flushLocked()
}

func (g *writeGate) flushLocked() error {
	if len(g.rest) == 0 {
		return nil
	}
	n, err := g.rw.Write(g.rest)
	g.written.Add(uint64(n))
	// Sent or not, the tail is done: a failed write ends the connection.
	g.rest = g.rest[:0]
	if cap(g.rest) > restKeep {
		g.rest = nil
	}
	return err
}

// CloseWrite half-closes the socket (see wsLink.writeClose).
func (g *writeGate) CloseWrite() error {
	if cw, ok := g.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}

// upgrade hijacks the request's connection, puts a writeGate in front of it
// and completes the WebSocket handshake, as gws's own Upgrade would. With
// ours set (the client offered our subprotocol) the answer names it. On
// failure the client has been answered and the connection closed.
func (s *Server) upgrade(w http.ResponseWriter, r *http.Request, ours bool) (*gws.Conn, *writeGate, error) {
	up := s.upgrader
	if ours {
		// gws reads only the first Sec-WebSocket-Protocol line; a client
		// may spread its list over several, and the ticket has no business
		// in gws's hands anyway.
		up = s.protoUpgrader
		r = r.Clone(r.Context())
		r.Header.Set("Sec-WebSocket-Protocol", httpwire.Subprotocol)
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "transports: connection cannot be upgraded", http.StatusInternalServerError)
		return nil, nil, errors.New("transports: response writer is not a Hijacker")
	}
	nc, _, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	// A client may not send frames before our answer (RFC 6455 4.1), so
	// nothing net/http has buffered is kept; gws's Upgrade does the same.
	g := newWriteGate(nc, !s.options().noDirectWrites)
	conn, err := up.UpgradeFromConn(g, bufio.NewReaderSize(g, s.readBuf), r)
	if err != nil {
		return nil, nil, err
	}
	return conn, g, nil
}

// directWriter is the link's scratch for direct writes; guarded by the
// link's lock.
type directWriter struct {
	hdr  [10]byte
	iov  iovecs // the writev's scratch, platform-specific
	cut  int    // frames written in part, for tests
	tail bool   // a frame was written in part since the writer last took the tail
}

// canDirectLocked reports whether a frame sent now may be written by the
// caller: no writer runs and nothing is owed. l.mu is held.
func (l *wsLink) canDirectLocked() bool {
	return l.gate.direct && !l.writing && l.q.len() == 0 && !l.pongPending && !l.pingPending && !l.probeReply && !l.closing
}

// writeDirectLocked writes head+body as one message of the given opcode
// without blocking and reports whether it was taken: written whole, or in
// part with the tail left in the gate for a writer (which it starts). false
// means nothing was written and the message must be queued. l.mu is held.
func (l *wsLink) writeDirectLocked(op gws.Opcode, head, body []byte) bool {
	g := l.gate
	if !g.mu.TryLock() {
		return false // gws is writing (and may be blocked): queue
	}
	defer g.mu.Unlock()
	if len(g.rest) > 0 {
		return false // not while the writer owes a tail
	}
	d := &l.direct
	hdr := appendFrameHeader(d.hdr[:0], op, len(head)+len(body))
	parts := [3][]byte{hdr, head, body}
	n := g.writev(&d.iov, &parts)
	if n == 0 {
		// A full buffer (EAGAIN), a passed write deadline or a failing
		// socket: the writer's blocking write waits, or reports the error
		// with its usual handling.
		return false
	}
	g.written.Add(uint64(n))
	if n == len(hdr)+len(head)+len(body) {
		return true
	}
	d.cut++
	d.tail = true
	for _, p := range parts {
		if n >= len(p) {
			n -= len(p)
			continue
		}
		g.rest = append(g.rest, p[n:]...)
		n = 0
	}
	l.wakeWriterLocked() // the writer sends the tail before anything else
	return true
}

// appendFrameHeader appends the header of an unmasked, final WebSocket frame
// of the given opcode carrying n payload bytes (RFC 6455 5.2).
func appendFrameHeader(dst []byte, op gws.Opcode, n int) []byte {
	fin := 0x80 | byte(op)
	switch {
	case n < 126:
		return append(dst, fin, byte(n))
	case n <= 0xFFFF:
		return binary.BigEndian.AppendUint16(append(dst, fin, 126), uint16(n))
	default:
		return binary.BigEndian.AppendUint64(append(dst, fin, 127), uint64(n))
	}
}

// takeTail reports whether a direct write left a tail since the writer last
// looked, for the writer to send.
func (l *wsLink) takeTail() (tail bool) {
	l.mu.Lock()
	tail, l.direct.tail = l.direct.tail, false
	l.mu.Unlock()
	return tail
}
