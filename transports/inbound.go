package transports

// What a WebSocket link's reader does with what it reads, beyond handing
// messages to the Receiver: it charges control frames to the Receiver's
// budget, bounds what a probe may send, and stops doing work for a link the
// server has decided to close.

// ControlCounter may be implemented by a Receiver that limits how much a
// client sends: the transport then reports every ping and pong the client
// sends on a WebSocket, so that they cost the same budget as its frames. A
// client flooding pings then costs itself a close, not the server its CPU;
// without it they are answered (the latest of those waiting) and otherwise
// free. A close frame needs no count: it ends the connection.
type ControlCounter interface {
	// OnControl reports one ping or pong. It is called like OnFrame: on the
	// link's reader goroutine, in order with OnFrame, never concurrently,
	// never after the link started closing. It may Close the link, and
	// then the ping is not answered.
	OnControl()
}

// strayLimit is how many frames a client may send after the server decided
// to close its link before the socket is dropped. A client that reads sends
// its close frame within a round trip (along with the few frames it had in
// flight); one that keeps sending is not reading, and reading its frames to
// the end of the close handshake (WriteTimeout) would be work for nothing.
const strayLimit = 64

// probeFrameLimit is how many frames a probe may send before the upgrade:
// "probe", "upgrade N" and pongs to a ping or two; a probe that sends more
// is closed with ClosePolicy.
const probeFrameLimit = 16

// dropped reports whether the server has decided to close the link, in which
// case the frame just read is neither delivered, nor counted, nor answered.
// It runs on the reader goroutine.
func (l *wsLink) dropped() bool {
	if !l.stopped.Load() {
		return false
	}
	l.stray++
	if l.stray == strayLimit {
		_ = l.conn.NetConn().Close() // ends the reader, and a lingering close
	}
	return true
}

// countControl charges a ping or pong to the Receiver (or, on a probe, to
// probeFrameLimit) and reports whether the link is still open after it.
func (l *wsLink) countControl() bool {
	if l.upgrading != nil {
		return l.countProbe()
	}
	if cc, ok := l.recv.(ControlCounter); ok {
		cc.OnControl()
	}
	return !l.stopped.Load()
}

// countProbe counts a frame on a probe and closes the probe past
// probeFrameLimit.
func (l *wsLink) countProbe() bool {
	l.probed++
	if l.probed > probeFrameLimit {
		l.Close(ClosePolicy, "too many frames on a probe")
		return false
	}
	return true
}
