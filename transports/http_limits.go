package transports

import (
	"errors"
	"io"
	"net"
	"net/http"
	"time"
)

// net/http bounds a request's headers (ReadHeaderTimeout, MaxHeaderBytes)
// and a kept-alive connection's wait (IdleTimeout), but its only bound on a
// body is ReadTimeout, which also covers the time a handler holds the
// request: it would end every long-poll and stream. So bodies get their own
// deadline, set per request from BodyTimeout and lifted once the body has
// been read, which also bounds the draining net/http does of a body a
// handler left unread.

// A body cut off by the deadline is answered 408 body_timeout by the
// routes that read one (a handshake, an uplink POST, an exchange), so the
// client learns it was too slow rather than that its body was bad; the
// connection is closed after the answer, as net/http closes any whose
// body it could not read to the end.

// bodyTimedOut reports whether err, from reading a request's body, is the
// body deadline's.
func bodyTimedOut(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// failBodyTimeout answers a request whose body did not arrive in time.
func (s *Server) failBodyTimeout(w http.ResponseWriter, o *Options) {
	s.fail(w, errBodyTimeout, "the request body did not arrive within "+o.BodyTimeout.String())
}

// serveBounded is the Server's http.Handler: the mux, behind the body
// deadline, and the way into the fast path (http_fast.go).
func (s *Server) serveBounded(w http.ResponseWriter, r *http.Request) {
	o := s.options()
	if r.Body != nil && r.Body != http.NoBody {
		rc := http.NewResponseController(w)
		if rc.SetReadDeadline(time.Now().Add(o.BodyTimeout)) == nil {
			r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
		}
	}
	if !s.fastCandidate(r, o) {
		s.mux.ServeHTTP(w, r)
		return
	}
	sw := &statusWriter{ResponseWriter: w}
	s.mux.ServeHTTP(sw, r)
	s.adopt(sw, r)
}

// deadlineBody lifts the body's read deadline once the whole body has been
// read, so that a handler that goes on to hold the request (or net/http's
// read in the background, which ends the request's Context on an error)
// is not cut off by it.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}
