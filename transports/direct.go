package transports

import (
	"encoding/binary"
	"net"
	"syscall"
	"unsafe"
)

// A frame sent to a link whose writer goroutine is idle is written at once
// by the goroutine that sends it (for state frames, the room's), with one
// non-blocking writev on the socket. Waking a writer goroutine for every
// frame cost as much as the rest of the send path together: a channel send,
// a goroutine switch, a select, a deadline update and a park, 20 times a
// second per player. The write never blocks: when the socket buffer is full
// it writes nothing, and the frame takes the queue and the writer goroutine
// as before, with its write deadline and slow-consumer close. A write the
// kernel cuts short leaves its tail for the writer goroutine, which sends it
// before anything else.
//
// The direct path is used only while the writer is idle, its queue is empty
// and nothing else is owed (a pong, a probe answer); all of that is decided
// under the link's lock, which the write holds, so frames keep their order.
// gws writes on its own only while its reader is failing or answering a close
// frame; such a connection is ending anyway.
type directWriter struct {
	raw  syscall.RawConn // nil: the connection is not a plain socket; always queue
	hdr  [10]byte
	iov  [3]syscall.Iovec
	rest []byte // unwritten tail of a frame, for the writer; guarded by the link's lock
	cut  int    // frames written in part, for tests; guarded by the link's lock
}

func newDirectWriter(c net.Conn) directWriter {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return directWriter{}
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return directWriter{}
	}
	return directWriter{raw: raw}
}

// canDirectLocked reports whether a frame sent now may be written by the
// caller. l.mu is held.
func (l *wsLink) canDirectLocked() bool {
	return l.direct.raw != nil && l.idle && l.q.len() == 0 && !l.pongPending && !l.probeReply && !l.closing
}

// writeDirectLocked writes head+body as one binary message without blocking
// and reports whether the frame was taken: written whole, or in part with the
// tail left for the writer (which it then wakes). false means nothing was
// written and the frame must be queued. l.mu is held.
func (l *wsLink) writeDirectLocked(head, body []byte) bool {
	d := &l.direct
	hdr := appendFrameHeader(d.hdr[:0], len(head)+len(body))
	parts := [3][]byte{hdr, head, body}
	cnt := 0
	for _, p := range parts {
		if len(p) > 0 {
			d.iov[cnt] = syscall.Iovec{Base: &p[0]}
			d.iov[cnt].SetLen(len(p))
			cnt++
		}
	}
	var written uintptr
	var errno syscall.Errno
	err := d.raw.Write(func(fd uintptr) bool {
		written, _, errno = syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&d.iov[0])), uintptr(cnt))
		return true // never wait for the socket: the queue is for that
	})
	clear(d.iov[:]) // do not keep bodies alive
	if err != nil || errno != 0 || written == 0 {
		// A full buffer (EAGAIN) or a failing socket: the writer's blocking
		// write either waits or reports the error with its usual handling.
		return false
	}
	n := int(written)
	total := len(hdr) + len(head) + len(body)
	if n == total {
		return true
	}
	d.cut++
	d.rest = d.rest[:0]
	for _, p := range parts {
		if n >= len(p) {
			n -= len(p)
			continue
		}
		d.rest = append(d.rest, p[n:]...)
		n = 0
	}
	l.idle = false // the writer owes the tail before anything else
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
// it works, and hands it the tail of a frame written in part, if any.
func (l *wsLink) claimWriter() {
	l.mu.Lock()
	l.idle = false
	l.w.rest, l.direct.rest = l.direct.rest, l.w.rest[:0]
	l.mu.Unlock()
}
