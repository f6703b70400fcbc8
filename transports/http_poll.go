package transports

import (
	"net/http"
	"strconv"
	"time"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// servePoll answers GET {HTTPPath}/{sid}?ack=N[&wait=0]: a long-poll, held
// until there is something to send, or with wait=0 a plain poll answered at
// once. The body is every buffered record past the ack, so a response lost on
// the way is simply sent again by the next request, which still carries the
// old ack.
func (s *Server) servePoll(w http.ResponseWriter, r *http.Request, sid string, o *Options) {
	kind := kindLongPoll
	switch wait, _ := queryValue(r, httpwire.ParamWait); wait {
	case "":
	case "0":
		kind = kindPoll
	default:
		s.fail(w, errBadRequest, "wait must be 0 or absent")
		return
	}
	if (kind == kindPoll && o.DisablePoll) || (kind == kindLongPoll && o.DisableLongPoll) {
		s.fail(w, errTransportDisabled, kind.String()+" is disabled")
		return
	}
	ss, ack, gen, ok := s.beginDownlink(w, r, sid, kind, nil)
	if !ok {
		return
	}
	s.holdPoll(w, r, ss, ack, gen, kind, o)
}

// holdPoll answers downlink request gen, a long-poll or a poll (kind) that
// acknowledged ack, once there is something to send (at once for a poll)
// or PollTimeout has passed.
func (s *Server) holdPoll(w http.ResponseWriter, r *http.Request, ss *httpSession, ack, gen uint64, kind transportKind, o *Options) {
	open := true // writePoll lets go of the downlink itself
	defer func() {
		if open {
			ss.closeDownlink(gen)
		}
	}()

	fc := fastConnOf(r)
	if fc != nil {
		ss.heldBy(gen, fc)
	}
	var timeout <-chan time.Time
	switch {
	case kind != kindLongPoll:
	case fc != nil:
		timeout = fc.pollTimer(o.PollTimeout)
	default:
		t := time.NewTimer(o.PollTimeout)
		defer t.Stop()
		timeout = t.C
	}
	var recs [16]record
	for {
		v := ss.take(ack, recs[:0], gen)
		switch {
		case v.superseded:
			return // a request of the client's, on another connection, took over
		case v.upgraded:
			// Only a client that broke the upgrade protocol (a GET left open
			// across "upgrade") gets here: what it would get is on the WebSocket.
			s.fail(w, errUpgraded, "session moved to WebSocket")
			return
		case v.finished, len(v.recs) > 0, v.closeRec != nil, v.probing, timeout == nil:
			open = false
			s.writePoll(w, ss, gen, &v, o)
			return
		}
		select {
		case <-ss.wake:
		case <-timeout:
			timeout = nil // one last look, then answer, empty or not
		case <-r.Context().Done():
			return // the client left; the records stay for its next request
		}
	}
}

// writePoll writes one poll response and closes the downlink request. When
// the response carries the close record, the session ends once it has been
// written.
func (s *Server) writePoll(w http.ResponseWriter, ss *httpSession, gen uint64, v *downView, o *Options) {
	body := v.encode(make([]byte, 0, recordsSize(v.recs)+httpwire.MaxCloseRecord))
	v.release()
	// The downlink is free before the response goes out: a client that has
	// read it may send its next GET at once (over another connection, say),
	// and that one is not a second concurrent downlink. If this write fails,
	// the records stay unacknowledged and the next GET gets them again.
	ss.closeDownlink(gen)
	h := w.Header()
	downlinkHeaders(h)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	rc := http.NewResponseController(w)
	writeDeadline(rc, o)
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(body)
	if err == nil {
		err = rc.Flush()
	}
	if v.closeRec != nil && !v.finished {
		ss.delivered(err == nil)
	}
}

// beginDownlink reads the ack, finds the session and opens its downlink for
// kind (see openDownlink for stop and the request number it returns); on
// failure it has answered the request and returns false.
func (s *Server) beginDownlink(w http.ResponseWriter, r *http.Request, sid string, kind transportKind, stop func()) (ss *httpSession, ack, gen uint64, ok bool) {
	ack, ok = parseAck(r)
	if !ok {
		s.fail(w, errBadRequest, "ack must be a decimal sequence number")
		return nil, 0, 0, false
	}
	ss = s.session(sid)
	if ss == nil {
		s.fail(w, errUnknownSession, "unknown session")
		return nil, 0, 0, false
	}
	gen, e, ok := ss.openDownlink(kind, ack, stop)
	if !ok {
		s.fail(w, e, downlinkRefusal(e))
		return nil, 0, 0, false
	}
	return ss, ack, gen, true
}

// downlinkRefusal is the message for an error of openDownlink.
func downlinkRefusal(e httpErr) string {
	switch e {
	case errUpgraded:
		return "session moved to WebSocket"
	case errPollInProgress:
		return "another downlink request of this session is open"
	case errBadAck:
		return "ack beyond the highest sequence number sent"
	}
	return "unknown session"
}
