package transports

import (
	"errors"
	"net/http"

	"github.com/lxzan/gws"
	"github.com/tickroom/tickroom/transports/httpwire"
)

// events is the gws.Event of a Server: it routes each callback to its link.
// All callbacks run on the link's reader goroutine.
type events struct{ srv *Server }

func linkOf(c *gws.Conn) *wsLink { return c.Session().(*linkSession).link }

func (e *events) OnOpen(*gws.Conn) {}

func (e *events) OnMessage(c *gws.Conn, m *gws.Message) {
	defer m.Close()
	l := linkOf(c)
	if l.dropped() {
		return
	}
	l.touch()
	b := m.Bytes()
	if ss := l.upgrading; ss != nil {
		if l.countProbe() {
			ss.probeMessage(l, m.Opcode, b)
		}
		return
	}
	if len(b) > e.srv.readLimit {
		e.srv.stats.tooLarge.Add(1)
		l.recv.OnTooLarge(len(b))
		return
	}
	l.recv.OnFrame(b)
}

func (e *events) OnPing(c *gws.Conn, payload []byte) {
	l := linkOf(c)
	if l.dropped() {
		return
	}
	l.touch()
	if !l.countControl() {
		return // the receiver closed the link for it: no answer
	}
	l.mu.Lock()
	if !l.closing && !(l.canDirectLocked() && l.writeDirectLocked(gws.OpcodePong, payload, nil)) {
		// Only the latest ping is answered if several wait (RFC 6455 5.5.3).
		l.pong = append(l.pong[:0], payload...)
		l.pongPending = true
		l.wakeWriterLocked()
	}
	l.mu.Unlock()
}

func (e *events) OnPong(c *gws.Conn, _ []byte) {
	l := linkOf(c)
	if l.dropped() {
		return
	}
	l.touch()
	l.countControl()
}

// OnClose runs when gws's ReadLoop ends. It records what gws knows and stops
// a writer that lingers; Receiver.OnClose comes later, from runReader, once
// the writer is done.
func (e *events) OnClose(c *gws.Conn, err error) {
	l := linkOf(c)
	l.mu.Lock()
	l.closing = true
	l.stopped.Store(true)
	l.readerGone = true
	l.readErr = err
	if l.cause == nil {
		if ce := gwsCloseError(err); ce != nil {
			l.cause = ce
			if ce.Code == CloseMessageTooBig && !isPeerClose(err) {
				e.srv.stats.tooLarge.Add(1)
			}
		}
	}
	l.q.clear()
	if l.writing {
		l.wakeWriterLocked()
	}
	l.mu.Unlock()
	close(l.readerDone)
}

// gwsCloseError extracts a close code from what gws's ReadLoop ended with: the
// client's close frame (*gws.CloseError) or a code gws chose itself, such as
// 1009 for an oversized message (an unexported status type with a Uint16
// method). Other errors (EOF, reset, our own Close of the socket) carry no code.
func gwsCloseError(err error) *CloseError {
	var pe *gws.CloseError
	if errors.As(err, &pe) {
		if pe.Code == 0 {
			return &CloseError{Code: closeNoStatus}
		}
		return &CloseError{Code: pe.Code, Reason: string(pe.Reason)}
	}
	var sc interface {
		error
		Uint16() uint16
	}
	if errors.As(err, &sc) {
		return &CloseError{Code: sc.Uint16(), Reason: sc.Error()}
	}
	return nil
}

func isPeerClose(err error) bool {
	var pe *gws.CloseError
	return errors.As(err, &pe)
}

// linkSession is the gws session storage of a server connection. It carries
// only the link, which the event callbacks need on every message; gws's default
// (a map behind a mutex) would cost a lock per frame for nothing. The key/value
// methods exist to satisfy gws.SessionStorage and store nothing.
type linkSession struct{ link *wsLink }

func (*linkSession) Len() int                     { return 0 }
func (*linkSession) Load(string) (any, bool)      { return nil, false }
func (*linkSession) Delete(string)                {}
func (*linkSession) Store(string, any)            {}
func (*linkSession) Range(func(string, any) bool) {}

// serveWebSocket is the http.Handler for Options.Path. With ?sid= it is the
// upgrade of an HTTP session (serveUpgrade).
func (s *Server) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	if !s.enter() {
		s.fail(w, errShuttingDown, "server shutting down")
		return
	}
	defer s.wg.Done()

	o := s.options()
	if o.DisableWebSocket {
		s.fail(w, errTransportDisabled, "websocket is disabled")
		return
	}
	if r.URL.Query().Has(httpwire.ParamSID) {
		s.serveUpgrade(w, r, o)
		return
	}
	if !o.originAllowed(r.Header.Get("Origin")) {
		s.stats.originRejected.Add(1)
		o.Logger.Debug("transports: origin rejected", "origin", r.Header.Get("Origin"), "remote", r.RemoteAddr)
		s.fail(w, errOriginNotAllowed, "origin not allowed")
		return
	}
	if !s.checkWebSocketRequest(w, r) {
		return
	}
	ticket, ours, err := webSocketTicket(r)
	if err != nil {
		s.refuseTicket(w, r, err, o)
		return
	}
	addr, remote, key, ok := s.admitNew(w, r, o)
	if !ok {
		return
	}
	conn, gate, err := s.upgrade(w, r, ours)
	if err != nil {
		// gws has answered, if the connection still took writes, and
		// closed it.
		s.release(key)
		o.Logger.Debug("transports: upgrade failed", "remote", remote, "err", err)
		return
	}
	l := newWSLink(s, conn, gate, o.SendQueue, remote)
	l.admitted, l.admKey = true, key
	conn.Session().(*linkSession).link = l
	s.stats.accepted.Add(1)
	s.track(l)
	l.startHeartbeat()

	l.recv = s.accept(l, withAcceptInfo(r, ticket, addr), o)
	go s.runReader(l)
}

// runReader is the goroutine a link lives in (s.wg counts it from track):
// gws's ReadLoop, then the link's end, once the writer, if one runs, has
// finished.
func (s *Server) runReader(l *wsLink) {
	defer s.wg.Done()
	l.conn.ReadLoop()
	l.mu.Lock()
	l.ended = true
	l.hb.stop(&s.wg)
	l.mu.Unlock()
	l.writers.Wait()
	_ = l.conn.NetConn().Close()
	err := l.closeErr()
	l.recv.OnClose(err)
	s.forget(l)
	s.options().Logger.Debug("transports: link closed", "link", l.id, "remote", l.remote, "err", err)
}
