package transports

import (
	"net/http"
	"strconv"
	"time"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// Admission under load (see doc.go, "Admission" and "Resuming"): while
// Options.Busy says the server cannot take more, a new connection is
// refused before its upgrade or session is made, when refusing costs
// least (no goroutine, no session, no Handler call), unless its handshake
// marks it as a reconnect that resumes a seat: the players the server
// has come first, and one whose connection dropped is one of them. The
// mark proves nothing; the Handler decides what such a connection may do
// (Tickroom's lets it resume and nothing else while busy).

// resumeHint reads the resume mark of a new connection's handshake:
// ParamResume=1 in its query. ok is false for another value, which the
// caller refuses with bad_request: a client that sends one means
// something the server does not know.
func resumeHint(r *http.Request) (resume, ok bool) {
	v, has := queryValue(r, httpwire.ParamResume)
	if !has {
		return false, true
	}
	return v == httpwire.ResumeValue, v == httpwire.ResumeValue
}

// Resuming reports whether the handshake of r, the request Handler.Accept
// gets, marked its connection as a reconnect that resumes a seat (see
// doc.go, "Resuming"). While Options.Busy says busy only such connections
// reach the Handler. The mark is the client's word: a Handler lets the
// connection resume and refuses it anything a newcomer would be refused.
func Resuming(r *http.Request) bool {
	if r == nil {
		return false
	}
	v, _ := queryValue(r, httpwire.ParamResume)
	return v == httpwire.ResumeValue
}

// refuseResumeHint answers a handshake whose resume mark has a value other
// than ResumeValue.
func (s *Server) refuseResumeHint(w http.ResponseWriter) {
	s.fail(w, errBadRequest, httpwire.ParamResume+" must be "+httpwire.ResumeValue+" or absent")
}

// refuseBusy refuses a new connection that does not resume a seat while
// Options.Busy says busy, with 503 server_busy and the Retry-After Busy
// gave, and reports whether it did.
func (s *Server) refuseBusy(w http.ResponseWriter, resume bool, remote string, o *Options) bool {
	if resume || o.Busy == nil {
		return false
	}
	busy, after := o.Busy()
	if !busy {
		return false
	}
	w.Header().Set("Retry-After", retrySeconds(after))
	o.Logger.Debug("transports: connection refused", "remote", remote, "code", errServerBusy.code())
	s.fail(w, errServerBusy, "the server is busy: try again later")
	return true
}

// retrySeconds is d as a Retry-After value: whole seconds, rounded up, at
// least 1, so that a client never comes back at once.
func retrySeconds(d time.Duration) string {
	return strconv.FormatInt(max(int64((d+time.Second-1)/time.Second), 1), 10)
}
