package transports

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// serveHandshake answers POST {HTTPPath}[?transport=longpoll|stream|poll]: it
// creates a session, hands it to Handler.Accept as a Link, and returns its id.
func (s *Server) serveHandshake(w http.ResponseWriter, r *http.Request, o *Options) {
	kind, e, ok := handshakeKind(r.URL.Query().Get(httpwire.ParamTransport), o)
	if !ok {
		s.fail(w, e, "transport must be longpoll, stream or poll, and enabled")
		return
	}
	ticket, err := handshakeTicket(r)
	if err != nil {
		s.refuseTicket(w, r, err, o)
		return
	}
	addr, remote, key, ok := s.admitNew(w, r, o)
	if !ok {
		return
	}
	if e, ok := s.reserveSession(o); !ok {
		s.release(key)
		s.fail(w, e, "no room for another session")
		return
	}
	ss := newHTTPSession(s, newSID(s.sidPrefix), remote, kind, o)
	ss.admKey = key
	s.stats.accepted.Add(1)
	s.stats.handshakes.Add(1)

	// As for a WebSocket, Accept sees the link before the client can use it:
	// the sid is not published until it returns, so no request can race it.
	// On a refusal the client still gets its sid: its first poll carries
	// whatever Accept sent and the close record, as a WebSocket client would
	// read them before the close frame.
	ss.recv = s.accept(ss, withAcceptInfo(r, ticket, addr), o)
	if !s.publishSession(ss) {
		ss.mu.Lock()
		end := ss.endLocked(&CloseError{Code: CloseGoingAway, Reason: "server going away"})
		ss.mu.Unlock()
		ss.ended(end, nil)
		s.fail(w, errShuttingDown, "server shutting down")
		return
	}
	o.Logger.Debug("transports: session opened", "link", ss.id, "session", ss.short(), "remote", ss.remote, "transport", kind.String())

	body, _ := json.Marshal(httpwire.Handshake{
		SID:               ss.sid,
		Transports:        enabledTransports(o),
		Upgrades:          enabledUpgrades(o),
		PingInterval:      o.PingInterval.Milliseconds(),
		PingTimeout:       o.PingTimeout.Milliseconds(),
		PollTimeout:       o.PollTimeout.Milliseconds(),
		StreamMaxDuration: o.StreamMaxDuration.Milliseconds(),
		MaxPayload:        s.readLimit,
		MaxBody:           o.MaxBody,
	})
	h := w.Header()
	noCache(h)
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(body, '\n'))
}

// handshakeKind picks the session's initial downlink transport: the one the
// client named, or the first enabled one.
func handshakeKind(name string, o *Options) (transportKind, httpErr, bool) {
	enabled := [...]bool{kindLongPoll: !o.DisableLongPoll, kindStream: !o.DisableStream, kindPoll: !o.DisablePoll}
	if name == "" {
		for k, on := range enabled {
			if on {
				return transportKind(k), 0, true
			}
		}
		return 0, errTransportDisabled, false
	}
	for k, on := range enabled {
		if kindNames[k] == name {
			if !on {
				return 0, errTransportDisabled, false
			}
			return transportKind(k), 0, true
		}
	}
	return 0, errBadRequest, false
}

func enabledTransports(o *Options) []string {
	var ts []string
	for _, t := range []struct {
		name string
		off  bool
	}{{"websocket", o.DisableWebSocket}, {"longpoll", o.DisableLongPoll}, {"stream", o.DisableStream}, {"poll", o.DisablePoll}} {
		if !t.off {
			ts = append(ts, t.name)
		}
	}
	return ts
}

func enabledUpgrades(o *Options) []string {
	if o.DisableWebSocket {
		return []string{}
	}
	return []string{"websocket"}
}

// newSID returns 128 random bits as httpwire.SIDLen lowercase hex digits,
// the first of them replaced by prefix (Options.SIDPrefix): unguessable,
// since the sid is all that authorizes a request on the session.
func newSID(prefix string) string {
	var b [httpwire.SIDLen / 2]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return prefix + hex.EncodeToString(b[:])[len(prefix):]
}

// reserveSession counts a new session against MaxSessions before Accept runs,
// and gives it a count in the Server's WaitGroup, held until the session ends.
func (s *Server) reserveSession(o *Options) (httpErr, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return errShuttingDown, false
	}
	if s.stats.httpSessions.Load() >= int64(o.MaxSessions) {
		return errTooManySessions, false
	}
	s.stats.httpSessions.Add(1)
	s.wg.Add(1)
	return 0, true
}

// publishSession makes the session addressable and starts its expiry clock.
// It refuses once Close has begun, which has already ended the sessions it saw.
func (s *Server) publishSession(ss *httpSession) bool {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return false
	}
	s.sessions[ss.sid] = ss
	s.mu.Unlock()
	ss.mu.Lock()
	ss.armExpiryLocked()
	ss.mu.Unlock()
	return true
}

// session looks a sid up; nil when it is malformed, unknown or ended.
// Malformed ids never reach the table.
func (s *Server) session(sid string) *httpSession {
	if !httpwire.ValidSID(sid) {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[sid]
}

// forgetSession unpublishes an ended session and releases its MaxSessions slot.
func (s *Server) forgetSession(ss *httpSession) {
	s.mu.Lock()
	if s.sessions[ss.sid] == ss {
		delete(s.sessions, ss.sid)
	}
	s.stats.httpSessions.Add(-1)
	s.releaseLocked(ss.admKey)
	if s.draining != nil && len(s.sessions) == 0 {
		close(s.draining)
		s.draining = nil
	}
	s.mu.Unlock()
}

// liveSessions is a snapshot of the session table, for Close.
func (s *Server) liveSessions() []*httpSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*httpSession, 0, len(s.sessions))
	for _, ss := range s.sessions {
		out = append(out, ss)
	}
	return out
}
