package transports

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// servePost answers POST {HTTPPath}/{sid}?seq=K[&ack=N]: one batch of client
// frames. The batch is all or nothing: it is parsed completely before any
// frame reaches the Receiver, so a client that gets an error can fix and
// resend it without the session having seen half of it. K makes a retry of a
// batch whose response was lost harmless.
func (s *Server) servePost(w http.ResponseWriter, r *http.Request, sid string, o *Options) {
	if !isOctets(r.Header.Get("Content-Type")) {
		s.fail(w, errBadContentType, "Content-Type must be "+httpwire.ContentType)
		return
	}
	k, ok := batchCounter(r)
	if !ok {
		s.fail(w, errBadRequest, "seq must be a batch counter from 1")
		return
	}
	var ack uint64
	ackParam, hasAck := queryValue(r, httpwire.ParamAck)
	if hasAck {
		if ack, ok = parseUintParam(ackParam); !ok {
			s.fail(w, errBadRequest, "ack must be a decimal sequence number")
			return
		}
	}
	ss := s.session(sid)
	if ss == nil {
		s.fail(w, errUnknownSession, "unknown session")
		return
	}
	if ss.stopped.Load() {
		// The server has closed the session: its body is not parsed, let
		// alone delivered. (net/http skips it, as it does a body any
		// handler leaves unread, to keep the connection.)
		s.fail(w, errSessionClosed, "the session is closing: its close record waits for the next downlink request")
		return
	}
	frames, ok := s.readUplink(w, r, ss, o)
	if !ok {
		return
	}
	if hasAck {
		if e, ok := ss.ack(ack); !ok {
			s.fail(w, e, downlinkRefusal(e))
			return
		}
	}
	switch ss.deliver(k, frames) {
	case deliverEnded:
		s.fail(w, errUnknownSession, "unknown session")
		return
	case deliverClosing:
		s.fail(w, errSessionClosed, "the session is closing: its close record waits for the next downlink request")
		return
	}
	noCache(w.Header())
	w.WriteHeader(http.StatusNoContent)
}

// readUplink reads and parses a whole uplink body (of a POST or an
// exchange) before any of it is delivered; on failure it has answered the
// request. A frame over ReadLimit is reported to the Receiver, as a
// WebSocket message over it is.
func (s *Server) readUplink(w http.ResponseWriter, r *http.Request, ss *httpSession, o *Options) ([][]byte, bool) {
	if r.ContentLength > int64(o.MaxBody) {
		s.fail(w, errTooLarge, "body larger than maxBody")
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(o.MaxBody)))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			s.fail(w, errTooLarge, "body larger than maxBody")
		} else if bodyTimedOut(err) {
			s.failBodyTimeout(w, o)
		} else {
			s.fail(w, errBadRequest, "reading body: "+err.Error())
		}
		return nil, false
	}
	frames, oversize, err := httpwire.ParseUplink(body, s.readLimit, nil)
	if err != nil {
		s.fail(w, errTruncatedFrame, "malformed length or record cut short")
		return nil, false
	}
	if oversize > 0 {
		s.stats.tooLarge.Add(1)
		ss.tooLarge(oversize)
		s.fail(w, errFrameTooLarge, "frame larger than maxPayload")
		return nil, false
	}
	return frames, true
}

// batchCounter reads an uplink batch's counter K, which must be 1 or more.
func batchCounter(r *http.Request) (uint64, bool) {
	seq, _ := queryValue(r, httpwire.ParamSeq)
	k, ok := parseUintParam(seq)
	return k, ok && k > 0
}

// serveDelete answers DELETE {HTTPPath}/{sid}: the client is leaving. A
// downlink request still open gets the close record.
func (s *Server) serveDelete(w http.ResponseWriter, sid string) {
	ss := s.session(sid)
	if ss == nil {
		s.fail(w, errUnknownSession, "unknown session")
		return
	}
	ss.closeNow(CloseNormal, "client closed")
	noCache(w.Header())
	w.WriteHeader(http.StatusNoContent)
}

// isOctets reports whether a Content-Type is application/octet-stream, with
// or without parameters; the exact string, which clients send, is checked
// before the parser, which allocates.
func isOctets(ct string) bool {
	if ct == httpwire.ContentType {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == httpwire.ContentType
}
