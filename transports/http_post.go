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
	seq, _ := queryValue(r, httpwire.ParamSeq)
	k, ok := parseUintParam(seq)
	if !ok || k == 0 {
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
	if r.ContentLength > int64(o.MaxBody) {
		s.fail(w, errTooLarge, "body larger than maxBody")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(o.MaxBody)))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			s.fail(w, errTooLarge, "body larger than maxBody")
		} else {
			s.fail(w, errBadRequest, "reading body: "+err.Error())
		}
		return
	}
	frames, oversize, err := httpwire.ParseUplink(body, s.readLimit, nil)
	if err != nil {
		s.fail(w, errTruncatedFrame, "malformed length or record cut short")
		return
	}
	if oversize > 0 {
		s.stats.tooLarge.Add(1)
		ss.tooLarge(oversize)
		s.fail(w, errFrameTooLarge, "frame larger than maxPayload")
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
