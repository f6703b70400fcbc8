package transports

import (
	"encoding/binary"
	"errors"
	"os"
	"time"

	"github.com/lxzan/gws"
	"github.com/tickroom/tickroom/transports/httpwire"
)

// writerState belongs to a link's writer goroutine. Keeping the frame being
// written here, outside the queue, is what lets a newer ClassState frame be
// appended instead of overwriting bytes that are on their way out.
type writerState struct {
	cur      slot
	hbFired  bool // the heartbeat timer fired while waiting
	bufs     [2][]byte
	pong     [125]byte
	pongLen  int
	closeMsg [httpwire.MaxClosePayload]byte
	closeLen int
	linger   bool
	deadline time.Time // for the next write
	nextPing time.Time
}

// action is what the writer does next.
type action uint8

const (
	doWait  action = iota // nothing queued
	doFrame               // write w.cur
	doPong                // answer a client ping
	doProbe               // answer an upgrade probe with the text "probe"
	doClose               // write the close frame, then end
	doExit                // end without writing
)

// writeLoop writes everything the server sends on this link. It ends when the
// link has closed; on the way out it closes the socket, which ends the reader.
func (l *wsLink) writeLoop() {
	defer close(l.writerDone)
	defer l.conn.NetConn().Close()

	o := l.srv.options()
	l.w.nextPing = time.Now().Add(o.PingInterval)
	hb := time.NewTimer(o.PingInterval)
	defer hb.Stop()

	for {
		// Nothing may be written directly from here on, until next says
		// doWait; the tail of a frame cut short goes before anything else
		// (any write through the gate would send it first; this one is for
		// when nothing else is queued).
		if l.claimWriter() {
			_ = l.conn.SetWriteDeadline(time.Now().Add(l.srv.options().WriteTimeout))
			if !l.wrote(l.gate.flush()) {
				return
			}
		}
		// A link that always has frames queued never waits below, so poll the
		// heartbeat here too.
		if !l.w.hbFired {
			select {
			case <-hb.C:
				l.w.hbFired = true
			default:
			}
		}
		if l.w.hbFired {
			l.w.hbFired = false
			if !l.heartbeat(hb) {
				return
			}
		}

		switch l.next() {
		case doFrame:
			l.w.bufs[0] = l.w.cur.head[:l.w.cur.headLen]
			l.w.bufs[1] = l.w.cur.body
			_ = l.conn.SetWriteDeadline(l.w.deadline)
			err := l.conn.Writev(gws.OpcodeBinary, l.w.bufs[:]...)
			l.w.cur.body, l.w.bufs[1] = nil, nil
			if !l.wrote(err) {
				return
			}
		case doPong:
			_ = l.conn.SetWriteDeadline(l.w.deadline)
			if !l.wrote(l.conn.WritePong(l.w.pong[:l.w.pongLen])) {
				return
			}
		case doProbe:
			_ = l.conn.SetWriteDeadline(l.w.deadline)
			if !l.wrote(l.conn.WriteString(httpwire.ProbeMessage)) {
				return
			}
		case doClose:
			l.writeClose()
			return
		case doExit:
			return
		case doWait:
			// Frames may now be written directly by their senders.
			select {
			case <-l.wake:
			case <-hb.C:
				l.w.hbFired = true
			}
		}
	}
}

// next picks the writer's next action under the link's lock and copies what it
// needs into l.w, so that no write happens with the lock held.
func (l *wsLink) next() action {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.readerGone {
		return doExit
	}
	if l.closing {
		l.w.deadline = l.closeDeadline
	} else {
		l.w.deadline = time.Now().Add(l.srv.options().WriteTimeout)
	}
	if l.pongPending {
		l.pongPending = false
		l.w.pongLen = copy(l.w.pong[:], l.pong[:l.pongLen])
		return doPong
	}
	if l.probeReply {
		l.probeReply = false
		return doProbe
	}
	for l.q.pop(&l.w.cur) {
		if l.closing && l.w.cur.class == ClassState {
			l.w.cur.body = nil // Close flushes control frames only
			continue
		}
		return doFrame
	}
	if !l.closing {
		l.idle = true
		return doWait
	}
	if !l.sendClose {
		return doExit
	}
	l.w.linger = l.linger
	l.w.closeLen = closePayload(l.w.closeMsg[:], l.closeCode, l.closeReason)
	return doClose
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

// heartbeat runs when hb fires: it closes a silent link, pings when a ping is
// due, and re-arms hb for whichever comes first. It reports false when the link
// must end now.
func (l *wsLink) heartbeat(hb *time.Timer) bool {
	o := l.srv.options()
	now := time.Now()
	idle := o.PingTimeout
	last := time.Unix(0, l.lastSeen.Load())
	if now.Sub(last) >= idle {
		l.mu.Lock()
		started := l.beginCloseLocked(o.TimeoutCloseCode, "heartbeat timeout", false, o)
		l.mu.Unlock()
		if started {
			l.srv.stats.timeoutClosed.Add(1)
			o.Logger.Debug("transports: heartbeat timeout", "link", l.id, "remote", l.remote, "silent", now.Sub(last))
		}
		return true // next() now returns doClose
	}
	if !now.Before(l.w.nextPing) {
		_ = l.conn.SetWriteDeadline(now.Add(o.WriteTimeout))
		if !l.wrote(l.conn.WritePing(nil)) {
			return false
		}
		l.w.nextPing = now.Add(o.PingInterval)
	}
	hb.Reset(min(l.w.nextPing.Sub(now), last.Add(idle).Sub(now)))
	return true
}

// writeClose sends the close frame. Graceful closes then half-close the socket
// and wait, until the close deadline, for the reader to see the client's answer:
// dropping the connection while the client's frames are still unread would make
// the kernel send a reset, which can destroy our close frame before the client
// reads it.
func (l *wsLink) writeClose() {
	_ = l.conn.SetWriteDeadline(l.w.deadline)
	// WriteMessage rather than gws's WriteClose, which drops the socket at once.
	if err := l.conn.WriteMessage(gws.OpcodeCloseConnection, l.w.closeMsg[:l.w.closeLen]); err != nil {
		l.wrote(err)
		return
	}
	if !l.w.linger {
		return
	}
	if cw, ok := l.conn.NetConn().(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	t := time.NewTimer(time.Until(l.w.deadline))
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
