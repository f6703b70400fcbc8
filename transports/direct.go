package transports

import (
	"bufio"
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"sync"
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
// This file is the portable part. The writev itself is a raw system call,
// built only where it is known to work (direct_writev.go); everywhere else
// (direct_fallback.go), and on any link whose Options.noDirectWrites was set,
// the gate has no raw socket, so no frame is ever written directly and every
// frame takes the queue and the writer, which gws frames and writes.

// writeGate is the net.Conn that gws reads and writes through. Every write
// to the socket, whoever makes it, passes its lock and first sends the tail
// of a frame the direct path left unfinished. The direct path only tries the
// lock: a gate held by someone else means a write is under way, possibly
// blocked, and the frame goes to the queue instead.
type writeGate struct {
	net.Conn
	raw  syscall.RawConn // nil: no direct writes (not a plain socket, no writev here, or switched off)
	mu   sync.Mutex
	rest []byte // unwritten tail of a frame written in part; guarded by mu
}

// restKeep is the largest tail buffer kept for reuse; a tail of a huge frame
// should not pin its memory for the life of the link.
const restKeep = 64 << 10

// newWriteGate wraps c. direct asks for direct writes, which the gate allows
// only on a plain socket of a platform with writevSupported.
func newWriteGate(c net.Conn, direct bool) *writeGate {
	g := &writeGate{Conn: c}
	if !direct || !writevSupported {
		return g
	}
	if sc, ok := c.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			g.raw = raw
		}
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
	return g.Conn.Write(p)
}

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
	_, err := g.Conn.Write(g.rest)
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
	conn, err := up.UpgradeFromConn(g, bufio.NewReaderSize(g, readBufferSize), r)
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
	tail bool   // a frame was written in part since the writer last claimed
}

// canDirectLocked reports whether a frame sent now may be written by the
// caller. l.mu is held.
func (l *wsLink) canDirectLocked() bool {
	return l.gate.raw != nil && l.idle && l.q.len() == 0 && !l.pongPending && !l.probeReply && !l.closing
}

// writeDirectLocked writes head+body as one binary message without blocking
// and reports whether the frame was taken: written whole, or in part with the
// tail left in the gate for the writer (which it then wakes). false means
// nothing was written and the frame must be queued. l.mu is held.
func (l *wsLink) writeDirectLocked(head, body []byte) bool {
	g := l.gate
	if !g.mu.TryLock() {
		return false // gws is writing (and may be blocked): queue
	}
	defer g.mu.Unlock()
	if len(g.rest) > 0 {
		return false // not while the writer owes a tail
	}
	d := &l.direct
	hdr := appendFrameHeader(d.hdr[:0], len(head)+len(body))
	parts := [3][]byte{hdr, head, body}
	n := g.writev(&d.iov, &parts)
	if n == 0 {
		// A full buffer (EAGAIN), a passed write deadline or a failing
		// socket: the writer's blocking write waits, or reports the error
		// with its usual handling.
		return false
	}
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
	l.idle = false // the writer sends the tail before anything else
	return true
}

// appendFrameHeader appends the header of an unmasked, final, binary
// WebSocket frame carrying n payload bytes (RFC 6455 5.2).
func appendFrameHeader(dst []byte, n int) []byte {
	const finBinary = 0x80 | 0x2
	switch {
	case n < 126:
		return append(dst, finBinary, byte(n))
	case n <= 0xFFFF:
		return binary.BigEndian.AppendUint16(append(dst, finBinary, 126), uint16(n))
	default:
		return binary.BigEndian.AppendUint64(append(dst, finBinary, 127), uint64(n))
	}
}

// claimWriter marks the writer busy, so no frame is written directly while
// it works, and reports whether a direct write left a tail since the last
// claim.
func (l *wsLink) claimWriter() (tail bool) {
	l.mu.Lock()
	l.idle = false
	tail, l.direct.tail = l.direct.tail, false
	l.mu.Unlock()
	return tail
}
