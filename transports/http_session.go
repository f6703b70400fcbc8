package transports

import (
	"sync"
	"sync/atomic"
	"time"
)

// transportKind is what Link.Transport reports for an HTTP session: the kind
// of its latest downlink request, or websocket once upgraded.
type transportKind uint32

const (
	kindLongPoll transportKind = iota
	kindStream
	kindPoll
	kindWebSocket
)

var kindNames = [...]string{"longpoll", "stream", "poll", "websocket"}

func (k transportKind) String() string { return kindNames[k] }

// upgradeState is where a session stands in its move to WebSocket (see
// http_upgrade.go). It only moves forward, except that a probe that fails
// before upDone returns the session to upHTTP.
type upgradeState uint8

const (
	upHTTP      upgradeState = iota // no probe: the downlink is HTTP
	upOpening                       // a probe's WebSocket handshake is under way
	upProbeOpen                     // the probe is open and has not said "probe"
	upProbing                       // the probe said "probe": GETs answer at once
	upDone                          // the downlink is the WebSocket
)

// httpSession is the Link of a client on the HTTP transports. It lives in the
// Server's session table between the handshake and its end, and is addressed
// by its sid. It owns no goroutine of its own: requests, its two timers and,
// after an upgrade, its WebSocket link's goroutines do the work, which keeps
// an idle session down to its buffer.
//
// Lock order: recvMu, then mu, then the WebSocket link's mu. Nothing blocks
// while holding mu, and no Receiver call is made while holding it, so a
// Receiver may call Send and Close.
type httpSession struct {
	// Immutable after the handshake.
	id     uint64
	sid    string
	remote string
	admKey string // what admit counted it under
	srv    *Server
	wake   chan struct{} // capacity 1: the open downlink request has news

	kind atomic.Uint32 // transportKind

	// stopped is set once the server has decided to close the session:
	// from then on nothing the client uploads is read or delivered.
	stopped atomic.Bool

	// recvMu serializes every Receiver call of the session (uplink POSTs, the
	// WebSocket reader after an upgrade, and OnClose), which is what the
	// Receiver contract promises and what concurrent POSTs would break.
	recvMu     sync.Mutex
	recv       Receiver // set before the session is published
	recvClosed bool     // OnClose has run: deliver nothing more
	lastBatch  uint64   // highest uplink batch counter accepted

	// Guarded by mu.
	mu           sync.Mutex
	buf          outBuffer
	downOpen     bool         // a downlink request (GET or stream) is open
	downGen      uint64       // the number of the latest downlink request (see openDownlink)
	stopStream   func()       // ends the open stream; nil while a GET or nothing is open
	downConn     *fastConn    // the fast connection of the open poll, if it is held there
	up           upgradeState // where the move to WebSocket stands
	ws           *wsLink      // the probe in upProbeOpen and upProbing, the downlink in upDone
	closing      bool         // a close record is waiting for a downlink response
	force        bool         // end after the next response carrying the close record, however it went
	cause        *CloseError  // first known close code
	finished     bool         // ended: OnClose has run or is running
	expiry       ownedTimer   // SessionTimeout while no downlink request is open
	expireAt     time.Time    // when expiry ends the session (armExpiryLocked)
	upgradeTimer ownedTimer   // UpgradeTimeout of the probe
}

var _ Link = (*httpSession)(nil)

func newHTTPSession(s *Server, sid, remote string, kind transportKind, o *Options) *httpSession {
	ss := &httpSession{
		id:     s.nextID.Add(1),
		sid:    sid,
		remote: remote,
		srv:    s,
		wake:   make(chan struct{}, 1),
		buf:    newOutBuffer(o.SendQueue),
	}
	ss.kind.Store(uint32(kind))
	return ss
}

func (ss *httpSession) ID() uint64         { return ss.id }
func (ss *httpSession) RemoteAddr() string { return ss.remote }
func (ss *httpSession) Transport() string  { return transportKind(ss.kind.Load()).String() }

// short is the sid as it may appear in logs: enough to correlate, not enough
// to hijack the session.
func (ss *httpSession) short() string { return ss.sid[:8] + "…" }

// Send buffers a frame for the next downlink response, or hands it to the
// WebSocket writer once the session has been upgraded. The upgrade moves the
// buffer under mu, which is why Send takes mu even then: a frame is either in
// the moved backlog or queued after it.
func (ss *httpSession) Send(class Class, head, body []byte) error {
	if len(head) > MaxHead {
		return ErrHeadTooLarge
	}
	o := ss.srv.options()
	ss.mu.Lock()
	if ws := ss.upgradedLink(); ws != nil {
		ss.mu.Unlock()
		return ws.Send(class, head, body)
	}
	if ss.closing || ss.finished {
		ss.mu.Unlock()
		return ErrClosed
	}
	switch ss.buf.push(class, head, body, o.SendQueue) {
	case replaced:
		ss.srv.stats.staleDropped.Add(1)
	case overflow:
		ss.closeLocked(o.SlowCloseCode, "slow consumer")
		ss.mu.Unlock()
		ss.srv.stats.slowClosed.Add(1)
		o.Logger.Debug("transports: slow consumer", "link", ss.id, "session", ss.short(), "queued", o.SendQueue)
		ss.signal()
		return ErrSlowConsumer
	}
	ss.mu.Unlock()
	ss.signal()
	return nil
}

// Close keeps the buffered control frames, appends a close record, and lets
// the next downlink response carry both; the session ends once one has (see
// delivered), or at SessionTimeout if no request comes. After an upgrade it is
// the WebSocket link's Close.
func (ss *httpSession) Close(code uint16, reason string) {
	ss.mu.Lock()
	if ws := ss.upgradedLink(); ws != nil {
		ss.mu.Unlock()
		ws.Close(code, reason)
		return
	}
	started := ss.closeLocked(code, reason)
	ss.mu.Unlock()
	if started {
		ss.signal()
	}
}

// closeLocked starts closing: no more Sends, the state record is dropped (as
// on WebSocket, Close flushes control frames only), and the close record is
// due. Only the first code counts.
func (ss *httpSession) closeLocked(code uint16, reason string) bool {
	if ss.closing || ss.finished {
		return false
	}
	ss.closing = true
	ss.stopped.Store(true)
	if ss.cause == nil {
		ss.cause = &CloseError{Code: code, Reason: reason}
	}
	ss.buf.dropState()
	return true
}

// closeNow closes the session without waiting for the client: a held
// downlink request still gets the control frames and the close record, and
// the session ends as soon as that response is written (or fails); without
// one it ends at once. DELETE and Server.Close use it.
func (ss *httpSession) closeNow(code uint16, reason string) {
	ss.mu.Lock()
	if ss.finished {
		ss.mu.Unlock()
		return
	}
	if ws := ss.upgradedLink(); ws != nil {
		ss.mu.Unlock()
		ws.Close(code, reason)
		return
	}
	ss.closeLocked(code, reason)
	ss.force = true
	if ss.downOpen {
		ss.mu.Unlock()
		ss.signal()
		return
	}
	e := ss.endLocked(nil)
	ss.mu.Unlock()
	ss.ended(e, nil)
}

// delivered is called after a downlink response carrying the close record
// has been written; ok says whether the write succeeded. A failed write
// leaves the session to a retry (or its expiry), unless it is being closed
// without waiting.
func (ss *httpSession) delivered(ok bool) {
	ss.mu.Lock()
	if ss.finished || !(ok || ss.force) {
		ss.mu.Unlock()
		return
	}
	e := ss.endLocked(nil)
	ss.mu.Unlock()
	ss.ended(e, nil)
}

// ending is what endLocked leaves for ended to do outside the lock.
type ending struct {
	probe *wsLink
	cause *CloseError
}

// endLocked marks the session finished and stops its timers. The caller
// unlocks mu and then calls ended.
func (ss *httpSession) endLocked(cause *CloseError) ending {
	ss.finished = true
	ss.stopped.Store(true)
	if ss.cause == nil {
		ss.cause = cause
	}
	if ss.cause == nil {
		ss.cause = &CloseError{Code: CloseInternal, Reason: "session ended"}
	}
	ss.expiry.stop(&ss.srv.wg)
	ss.upgradeTimer.stop(&ss.srv.wg)
	ss.buf.clear()
	e := ending{cause: ss.cause}
	if ss.up == upProbeOpen || ss.up == upProbing {
		e.probe = ss.ws
	}
	return e
}

// ended finishes what endLocked began: it wakes a held request, closes an
// unfinished probe, unpublishes the sid, and calls Receiver.OnClose, last and
// once, with err or else the close cause. Then the session's count in the
// Server's WaitGroup is released.
func (ss *httpSession) ended(e ending, err error) {
	ss.signal()
	if e.probe != nil {
		e.probe.Close(e.cause.Code, e.cause.Reason)
	}
	ss.srv.forgetSession(ss)
	if err == nil {
		err = e.cause
	}
	ss.recvMu.Lock()
	ss.recvClosed = true
	ss.recv.OnClose(err)
	ss.recvMu.Unlock()
	ss.srv.options().Logger.Debug("transports: session ended", "link", ss.id, "session", ss.short(), "err", err)
	ss.srv.wg.Done()
}

// upgradedLink is the WebSocket of an upgraded session, else nil. mu held.
func (ss *httpSession) upgradedLink() *wsLink {
	if ss.up == upDone {
		return ss.ws
	}
	return nil
}

// isProbe reports whether l is the session's open probe. mu held.
func (ss *httpSession) isProbe(l *wsLink) bool {
	return (ss.up == upProbeOpen || ss.up == upProbing) && ss.ws == l
}

// signal wakes the open downlink request, if any, without blocking.
func (ss *httpSession) signal() {
	select {
	case ss.wake <- struct{}{}:
	default:
	}
}

// armExpiryLocked starts the SessionTimeout clock, unless something holds the
// session open: a downlink request, a probe, or the WebSocket of an upgrade
// (whose heartbeat takes over).
//
// A polling client opens and closes a downlink request per update, so the
// clock is not stopped and restarted each time, which would cost a timer
// and its callback per request: closing a request moves expireAt, and a
// timer armed earlier, when it fires, finds the session open again or
// waits out what is left.
func (ss *httpSession) armExpiryLocked() {
	if ss.finished || ss.downOpen || ss.up != upHTTP {
		return
	}
	d := ss.srv.options().SessionTimeout
	ss.expireAt = time.Now().Add(d)
	if !ss.expiry.armed() {
		ss.expiry.reset(&ss.srv.wg, d, ss.expire)
	}
}

// expire ends a session that went SessionTimeout without a downlink request:
// with TimeoutCloseCode, or with its own close code if Close had already
// been called and the client never came for the close record.
func (ss *httpSession) expire(gen uint64) {
	ss.mu.Lock()
	if ss.finished || !ss.expiry.live(gen) {
		ss.mu.Unlock()
		return
	}
	if ss.downOpen || ss.up != upHTTP {
		ss.expiry.stop(&ss.srv.wg) // closing the request arms it again
		ss.mu.Unlock()
		return
	}
	if left := time.Until(ss.expireAt); left > 0 {
		ss.expiry.reset(&ss.srv.wg, left, ss.expire)
		ss.mu.Unlock()
		return
	}
	o := ss.srv.options()
	counted := !ss.closing
	e := ss.endLocked(&CloseError{Code: o.TimeoutCloseCode, Reason: "session expired"})
	ss.mu.Unlock()
	if counted {
		ss.srv.stats.expired.Add(1)
	}
	ss.ended(e, nil)
}

// deliverResult is what deliver did with a batch.
type deliverResult uint8

const (
	deliverOK      deliverResult = iota // handed over, or a retry of one that was
	deliverClosing                      // the server closed the session: dropped
	deliverEnded                        // the session has ended: dropped
)

// deliver hands one uplink batch to the Receiver, unless batch k was already
// accepted (a retry whose response was lost). Once the server has decided
// to close the session nothing more is delivered, not even the rest of a
// batch whose frame closed it.
func (ss *httpSession) deliver(k uint64, frames [][]byte) deliverResult {
	ss.recvMu.Lock()
	defer ss.recvMu.Unlock()
	ss.mu.Lock()
	ws := ss.upgradedLink() // after an upgrade, closing is the WebSocket's
	ss.mu.Unlock()
	stopped := func() bool { return ss.stopped.Load() || ws != nil && ws.stopped.Load() }
	switch {
	case ss.recvClosed:
		return deliverEnded
	case stopped():
		return deliverClosing
	case k <= ss.lastBatch:
		return deliverOK
	}
	ss.lastBatch = k
	for _, f := range frames {
		if stopped() {
			break // the Receiver closed the session for an earlier frame
		}
		ss.recv.OnFrame(f)
	}
	return deliverOK
}

// tooLarge reports an oversized uplink frame to the Receiver.
func (ss *httpSession) tooLarge(size int) {
	ss.recvMu.Lock()
	defer ss.recvMu.Unlock()
	if !ss.recvClosed && !ss.stopped.Load() {
		ss.recv.OnTooLarge(size)
	}
}
