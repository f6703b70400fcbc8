package transports

import (
	"net/http"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// serveExchange answers POST {HTTPPath}/{sid}/exchange?ack=N&seq=K: an
// uplink batch and a long-poll in one request (see doc.go, "Exchange"),
// so that a long-polling client whose frames are due when it polls pays
// one request per update instead of two. It is checked whole before it
// does anything, as a POST and a GET are: the batch is read and parsed,
// then the downlink opened (409, 410 and bad_ack refuse it here, with
// nothing delivered), then the batch delivered (or, for a K already
// accepted, not again), and then it is a long-poll.
func (s *Server) serveExchange(w http.ResponseWriter, r *http.Request, sid string, o *Options) {
	if o.DisableLongPoll {
		s.fail(w, errTransportDisabled, "longpoll is disabled")
		return
	}
	if !isOctets(r.Header.Get("Content-Type")) {
		s.fail(w, errBadContentType, "Content-Type must be "+httpwire.ContentType)
		return
	}
	k, ok := batchCounter(r)
	if !ok {
		s.fail(w, errBadRequest, "seq must be a batch counter from 1")
		return
	}
	ack, ok := parseAck(r)
	if !ok {
		s.fail(w, errBadRequest, "ack must be a decimal sequence number")
		return
	}
	ss := s.session(sid)
	if ss == nil {
		s.fail(w, errUnknownSession, "unknown session")
		return
	}
	// A session the server has closed gets nothing of the batch read, let
	// alone delivered; as a downlink request, the exchange brings the
	// close record.
	stopped := ss.stopped.Load()
	var frames [][]byte
	if !stopped {
		if frames, ok = s.readUplink(w, r, ss, o); !ok {
			return
		}
	}
	gen, e, ok := ss.openDownlink(kindLongPoll, ack, nil)
	if !ok {
		s.fail(w, e, downlinkRefusal(e))
		return
	}
	s.stats.exchanges.Add(1)
	if !stopped {
		// Closing or ended meanwhile: the downlink says so.
		_ = ss.deliver(k, frames)
	}
	s.holdPoll(w, r, ss, ack, gen, kindLongPoll, o)
}
