package transports

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/lxzan/gws"
	"github.com/tickroom/tickroom/transports/httpwire"
)

// The upgrade moves an HTTP session's downlink to a WebSocket without losing,
// duplicating or reordering a frame. Its invariant: at every moment each
// unacknowledged frame is in exactly one place, the session's buffer or the
// WebSocket link's queue, and only the "upgrade N" message, handled under the
// session's lock, moves the buffer (past N) to the queue; Send takes the same
// lock, so every later frame is queued behind the moved ones.
//
// The probe WebSocket is an ordinary wsLink with its writer and heartbeat,
// never handed to Handler.Accept. Until the upgrade its reader sends every
// message to probeMessage instead of a Receiver; on the upgrade it switches to
// the session's Receiver (through upgradedReceiver, which serializes with
// uplink POSTs still in flight), and the link's end becomes the session's end.

// serveUpgrade answers GET {Path}?sid=<sid>: a probe WebSocket for a session.
func (s *Server) serveUpgrade(w http.ResponseWriter, r *http.Request, o *Options) {
	if s.forward(w, r, o, r.URL.Query().Get(httpwire.ParamSID)) {
		return
	}
	if origin := r.Header.Get("Origin"); !o.originAllowed(origin) {
		s.stats.originRejected.Add(1)
		o.Logger.Debug("transports: origin rejected", "origin", origin, "remote", r.RemoteAddr)
		s.fail(w, errOriginNotAllowed, "origin not allowed")
		return
	}
	if !s.checkWebSocketRequest(w, r) {
		return
	}
	ss := s.session(r.URL.Query().Get(httpwire.ParamSID))
	if ss == nil {
		s.fail(w, errUnknownSession, "unknown session")
		return
	}
	if e, ok := ss.reserveProbe(); !ok {
		msg := "unknown session"
		switch e {
		case errUpgraded:
			msg = "session already upgraded"
		case errPollInProgress:
			msg = "an upgrade of this session is already under way"
		}
		s.fail(w, e, msg)
		return
	}
	// The session was accepted with its handshake's ticket; a probe's is
	// ignored, but a browser's offer of our subprotocol is answered.
	conn, gate, err := s.upgrade(w, r, offersOurs(r.Header))
	if err != nil {
		ss.releaseProbe()
		o.Logger.Debug("transports: upgrade failed", "session", ss.short(), "remote", r.RemoteAddr, "err", err)
		return
	}
	// The link's queue gets the buffer's capacity, so the whole backlog fits.
	_, remote := clientAddr(r, o.TrustedProxies)
	l := newWSLink(s, conn, gate, ss.buf.capacity(), remote)
	conn.Session().(*linkSession).link = l
	l.upgrading = ss
	l.recv = probeReceiver{ss: ss, l: l}
	s.track(l)
	l.startHeartbeat()
	if !ss.attachProbe(l, o) {
		l.Close(ClosePolicy, "session ended")
	}
	go s.runReader(l)
}

// reserveProbe admits one probe per session at a time. While a probe is
// reserved or attached, the session does not expire.
func (ss *httpSession) reserveProbe() (httpErr, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	switch {
	case ss.finished:
		return errUnknownSession, false
	case ss.up == upDone:
		return errUpgraded, false
	case ss.up != upHTTP:
		return errPollInProgress, false
	}
	ss.up = upOpening
	ss.expiry.stop(&ss.srv.wg)
	return 0, true
}

// releaseProbe undoes reserveProbe when the WebSocket handshake failed.
func (ss *httpSession) releaseProbe() {
	ss.mu.Lock()
	ss.up = upHTTP
	ss.armExpiryLocked()
	ss.mu.Unlock()
}

// attachProbe makes l the session's probe and starts UpgradeTimeout.
func (ss *httpSession) attachProbe(l *wsLink, o *Options) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.finished {
		ss.up = upHTTP
		return false
	}
	ss.up, ss.ws = upProbeOpen, l
	ss.upgradeTimer.reset(&ss.srv.wg, o.UpgradeTimeout, ss.upgradeExpired)
	return true
}

// upgradeExpired closes a probe that did not upgrade within UpgradeTimeout.
// The link is closed under mu (lock order allows it: mu, then the link's mu),
// so an "upgrade" handled concurrently either wins, stopping this timer's
// generation, or finds the link closing and leaves the session on HTTP.
func (ss *httpSession) upgradeExpired(gen uint64) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.upgradeTimer.live(gen) && !ss.finished && ss.isProbe(ss.ws) {
		ss.ws.Close(ClosePolicy, "upgrade timeout")
	}
}

// probeMessage handles a message on a probe before the upgrade; it runs on
// the probe's reader goroutine. Only the text messages "probe" and
// "upgrade N" are allowed; anything else closes the probe, and the session
// carries on over HTTP.
func (ss *httpSession) probeMessage(l *wsLink, op gws.Opcode, b []byte) {
	if op != gws.OpcodeText {
		l.Close(ClosePolicy, "expected probe or upgrade")
		return
	}
	msg := string(b)
	if msg == httpwire.ProbeMessage {
		ss.probed(l)
		return
	}
	arg, ok := strings.CutPrefix(msg, httpwire.UpgradePrefix)
	if !ok {
		l.Close(ClosePolicy, "expected probe or upgrade")
		return
	}
	n, err := strconv.ParseUint(arg, 10, 64)
	if err != nil {
		l.Close(ClosePolicy, "bad upgrade sequence number")
		return
	}
	if reason := ss.upgrade(l, n); reason != "" {
		l.Close(ClosePolicy, reason)
		return
	}
	// From now on this link's messages are the session's frames.
	l.upgrading = nil
	l.recv = upgradedReceiver{ss: ss}
}

// probed answers "probe" and puts the session in probing mode: a held
// long-poll returns now and later GETs return at once, so that the client can
// drain its HTTP downlink before it sends "upgrade".
func (ss *httpSession) probed(l *wsLink) {
	ss.mu.Lock()
	if !ss.isProbe(l) || ss.finished {
		ss.mu.Unlock()
		return
	}
	ss.up = upProbing
	ss.mu.Unlock()
	ss.signal()
	l.mu.Lock()
	if !l.closing {
		l.probeReply = true
		l.wakeWriterLocked()
	}
	l.mu.Unlock()
}

// upgrade switches the session's downlink to l after "upgrade n": records up
// to n are acknowledged, the rest go to l's queue in seq order, and Send
// writes to l from now on. It returns why it refused, or "".
func (ss *httpSession) upgrade(l *wsLink, n uint64) string {
	ss.mu.Lock()
	switch {
	case ss.finished || !ss.isProbe(l):
		ss.mu.Unlock()
		return "session ended"
	case ss.up != upProbing:
		ss.mu.Unlock()
		return "upgrade before probe"
	case n > ss.buf.sent:
		ss.mu.Unlock()
		return "upgrade beyond the highest sequence number sent"
	}
	l.mu.Lock()
	if l.closing {
		// Timed out or closed meanwhile: the session stays on HTTP.
		l.mu.Unlock()
		ss.mu.Unlock()
		return "upgrade timeout"
	}
	ss.buf.ack(n)
	ss.buf.moveTo(&l.q)
	if l.q.len() > 0 {
		l.wakeWriterLocked()
	}
	if ss.closing {
		// Close was called on HTTP; the WebSocket delivers the frames and
		// the code. Begun under both locks, so that no Send can slip in
		// between the moved frames and the close (Send after Close is
		// ErrClosed on either side of the switch).
		l.beginCloseLocked(ss.cause.Code, ss.cause.Reason, true, ss.srv.options())
		l.wakeWriterLocked()
	}
	l.mu.Unlock()
	ss.up = upDone
	ss.kind.Store(uint32(kindWebSocket))
	ss.upgradeTimer.stop(&ss.srv.wg)
	ss.mu.Unlock()

	ss.srv.stats.upgrades.Add(1)
	ss.srv.options().Logger.Debug("transports: session upgraded", "link", ss.id, "session", ss.short(), "ack", n)
	ss.signal() // ends a stream still open
	return ""
}

// probeGone runs when a probe link ends before upgrading: the session goes on
// over HTTP as if the probe had never come.
func (ss *httpSession) probeGone(l *wsLink) {
	ss.mu.Lock()
	if ss.isProbe(l) {
		ss.up, ss.ws = upHTTP, nil
		ss.upgradeTimer.stop(&ss.srv.wg)
		ss.armExpiryLocked()
	}
	ss.mu.Unlock()
}

// probeReceiver is a probe link's Receiver before the upgrade. Its messages
// go to probeMessage instead, so only OnClose matters.
type probeReceiver struct {
	ss *httpSession
	l  *wsLink
}

func (p probeReceiver) OnFrame([]byte)    {}
func (p probeReceiver) OnTooLarge(int)    {}
func (p probeReceiver) OnClose(err error) { p.ss.probeGone(p.l) }

// upgradedReceiver is an upgraded link's Receiver: the session's Receiver,
// serialized with uplink POSTs, and the link's end ends the session.
type upgradedReceiver struct{ ss *httpSession }

func (u upgradedReceiver) OnFrame(b []byte) {
	u.ss.recvMu.Lock()
	defer u.ss.recvMu.Unlock()
	if !u.ss.recvClosed {
		u.ss.recv.OnFrame(b)
	}
}

func (u upgradedReceiver) OnTooLarge(n int) { u.ss.tooLarge(n) }

// OnControl passes the WebSocket's pings and pongs on to the session's
// Receiver, if it counts them.
func (u upgradedReceiver) OnControl() {
	u.ss.recvMu.Lock()
	defer u.ss.recvMu.Unlock()
	if cc, ok := u.ss.recv.(ControlCounter); ok && !u.ss.recvClosed {
		cc.OnControl()
	}
}

func (u upgradedReceiver) OnClose(err error) {
	ss := u.ss
	ss.mu.Lock()
	if ss.finished {
		ss.mu.Unlock()
		return
	}
	var cause *CloseError
	errors.As(err, &cause)
	e := ss.endLocked(cause)
	ss.mu.Unlock()
	ss.ended(e, err)
}
