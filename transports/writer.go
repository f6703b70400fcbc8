package transports

import (
	"encoding/binary"
	"errors"
	"os"
	"time"

	"github.com/lxzan/gws"
	"github.com/tickroom/tickroom/transports/httpwire"
)

// A link's writer goroutine writes what the sender cannot write itself: a
// frame that found the socket full (queued), the tail of a frame the kernel
// took in part, pongs and pings that found it busy, the probe's answer and
// the close frame. It starts when there is such work (wakeWriterLocked) and
// ends as soon as there is none, so an idle link has no writer. On
// platforms without direct writes (and with Options.noDirectWrites) every
// frame is the writer's, so there it waits writerLinger for more before it
// ends: a link sending 20 frames a second keeps one writer rather than
// starting 20.

// writerLinger is how long a writer with nothing to do waits for more where
// frames are not written directly.
const writerLinger = time.Second

// writerState belongs to a link's writer goroutine and lives on its stack,
// so an idle link keeps none of it. Keeping the frame being written here,
// outside the queue, is what lets a newer ClassState frame be appended
// instead of overwriting bytes that are on their way out.
type writerState struct {
	cur      slot
	bufs     [2][]byte
	pong     [125]byte
	pongLen  int
	closeMsg [httpwire.MaxClosePayload]byte
	closeLen int
	linger   bool
	deadline time.Time // for the next write
}

// action is what the writer does next.
type action uint8

const (
	doPark  action = iota // nothing to do: end, senders write directly again
	doWait                // nothing to do: wait writerLinger for more
	doFrame               // write w.cur
	doPong                // answer a client ping
	doPing                // send the heartbeat's ping
	doProbe               // answer an upgrade probe with the text "probe"
	doClose               // write the close frame, then end the link
	doExit                // end the link without writing
)

// wakeWriterLocked makes sure a writer will look at the link: it wakes the
// one lingering, or starts one. The Server's WaitGroup counts the writer;
// the reader's count, held until ended is set, keeps that Add from racing
// Close's Wait. l.mu is held.
func (l *wsLink) wakeWriterLocked() {
	if l.writing {
		select {
		case l.wake <- struct{}{}:
		default:
		}
		return
	}
	if l.ended {
		return
	}
	l.writing = true
	l.writers.Add(1)
	l.srv.wg.Add(1)
	go l.srv.runWriter(l)
}

func (s *Server) runWriter(l *wsLink) {
	defer s.wg.Done()
	defer l.writers.Done()
	l.writeLoop()
}

// writeLoop writes until there is nothing left to write. When the link
// closes it writes the close and ends the link (finish), which ends the
// reader too.
func (l *wsLink) writeLoop() {
	var w writerState
	var idle *time.Timer
	defer func() {
		if idle != nil {
			idle.Stop()
		}
	}()
	for {
		// The tail of a frame cut short goes before anything else (any write
		// through the gate would send it first; this one is for when nothing
		// else is queued).
		if l.takeTail() {
			_ = l.conn.SetWriteDeadline(time.Now().Add(l.srv.options().WriteTimeout))
			if !l.wrote(l.gate.flush()) {
				l.finish()
				return
			}
		}
		var err error
		switch l.next(&w) {
		case doFrame:
			w.bufs[0] = w.cur.head[:w.cur.headLen]
			w.bufs[1] = w.cur.body
			_ = l.conn.SetWriteDeadline(w.deadline)
			err = l.conn.Writev(gws.OpcodeBinary, w.bufs[:]...)
			w.cur.body, w.bufs[1] = nil, nil
		case doPong:
			_ = l.conn.SetWriteDeadline(w.deadline)
			err = l.conn.WritePong(w.pong[:w.pongLen])
		case doPing:
			_ = l.conn.SetWriteDeadline(w.deadline)
			err = l.conn.WritePing(nil)
		case doProbe:
			_ = l.conn.SetWriteDeadline(w.deadline)
			err = l.conn.WriteString(httpwire.ProbeMessage)
		case doClose:
			l.writeClose(&w)
			l.finish()
			return
		case doExit:
			l.finish()
			return
		case doPark:
			return
		case doWait:
			if idle == nil {
				idle = time.NewTimer(writerLinger)
			} else {
				idle.Reset(writerLinger)
			}
			select {
			case <-l.wake:
			case <-idle.C:
				if l.park() {
					return
				}
			}
		}
		if !l.wrote(err) {
			l.finish()
			return
		}
	}
}

// next picks the writer's next action under the link's lock and copies what it
// needs into w, so that no write happens with the lock held.
func (l *wsLink) next(w *writerState) action {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.readerGone {
		return doExit
	}
	if l.closing {
		w.deadline = l.closeDeadline
	} else {
		w.deadline = time.Now().Add(l.srv.options().WriteTimeout)
	}
	if l.pongPending {
		l.pongPending = false
		w.pongLen = copy(w.pong[:], l.pong)
		return doPong
	}
	if l.pingPending {
		l.pingPending = false
		return doPing
	}
	if l.probeReply {
		l.probeReply = false
		return doProbe
	}
	for l.q.pop(&w.cur) {
		if l.closing && w.cur.class == ClassState {
			w.cur.body = nil // Close flushes control frames only
			continue
		}
		return doFrame
	}
	if !l.closing {
		if l.gate.direct {
			l.writing = false // senders write directly from here on
			return doPark
		}
		return doWait
	}
	if !l.sendClose {
		return doExit
	}
	w.linger = l.linger
	w.closeLen = closePayload(w.closeMsg[:], l.closeCode, l.closeReason)
	return doClose
}

// park ends a lingering writer unless work came in meanwhile.
func (l *wsLink) park() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.q.len() > 0 || l.pongPending || l.pingPending || l.probeReply || l.closing || l.direct.tail {
		return false
	}
	l.writing = false
	return true
}

// finish ends the link from the writer's side: nothing more is sent or
// written (writing stays set, so no writer starts again), and the socket is
// closed, which ends the reader.
func (l *wsLink) finish() {
	l.mu.Lock()
	l.closing = true
	l.stopped.Store(true)
	l.sendClose = false
	l.q.clear()
	l.hb.stop(&l.srv.wg)
	l.mu.Unlock()
	_ = l.conn.NetConn().Close()
}

// wrote handles the result of a write. A write that hit its deadline means the
// client is not reading: a slow consumer, unless the link was already closing
// for another reason. The frame was cut short, so no close frame can follow.
func (l *wsLink) wrote(err error) bool {
	if err == nil {
		return true
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		o := l.srv.options()
		if l.setCause(o.SlowCloseCode, "write timeout") {
			l.srv.stats.slowClosed.Add(1)
			o.Logger.Debug("transports: slow consumer", "link", l.id, "remote", l.remote, "err", err)
		}
	}
	return false
}

// writeClose sends the close frame. Graceful closes then half-close the socket
// and wait, until the close deadline, for the reader to see the client's answer:
// dropping the connection while the client's frames are still unread would make
// the kernel send a reset, which can destroy our close frame before the client
// reads it.
func (l *wsLink) writeClose(w *writerState) {
	_ = l.conn.SetWriteDeadline(w.deadline)
	// WriteMessage rather than gws's WriteClose, which drops the socket at once.
	if err := l.conn.WriteMessage(gws.OpcodeCloseConnection, w.closeMsg[:w.closeLen]); err != nil {
		l.wrote(err)
		return
	}
	if !w.linger {
		return
	}
	if cw, ok := l.conn.NetConn().(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	t := time.NewTimer(time.Until(w.deadline))
	defer t.Stop()
	select {
	case <-l.readerDone:
	case <-t.C:
	}
}

// closePayload writes a close frame's payload into p, which holds
// httpwire.MaxClosePayload bytes, and returns its length: the code as
// wireCloseCode sends it, then the reason cut as the HTTP transports' close
// record cuts it, so a client reads the same close on every transport.
func closePayload(p []byte, code uint16, reason string) int {
	binary.BigEndian.PutUint16(p, wireCloseCode(code))
	return 2 + copy(p[2:], httpwire.TruncateReason(reason))
}

// wireCloseCode is code, or CloseInternal for a code that may not be sent on
// the wire (RFC 6455 7.4).
func wireCloseCode(code uint16) uint16 {
	if !sendableCode(code) {
		return CloseInternal
	}
	return code
}

func sendableCode(c uint16) bool {
	switch {
	case c < 1000 || c >= 5000:
		return false
	case c == 1004 || c == 1005 || c == 1006 || c == 1015:
		return false
	case c > 1015 && c < 3000: // unassigned by IANA
		return false
	}
	return true
}
