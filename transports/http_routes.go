package transports

import (
	"net/http"
	"strings"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// forward offers a request for a session this server does not know to
// Options.Forward, and reports whether it took it.
func (s *Server) forward(w http.ResponseWriter, r *http.Request, o *Options, sid string) bool {
	return o.Forward != nil && httpwire.ValidSID(sid) && s.session(sid) == nil && o.Forward(w, r, sid)
}

// serveHTTP is the http.Handler for HTTPPath and everything below it:
//
//	POST    {HTTPPath}                     handshake
//	GET     {HTTPPath}/{sid}?ack=N[&wait=0] long-poll, or poll
//	POST    {HTTPPath}/{sid}?seq=K[&ack=N]  uplink batch
//	DELETE  {HTTPPath}/{sid}                client close
//	GET     {HTTPPath}/{sid}/stream?ack=N   stream
//	POST    {HTTPPath}/{sid}/exchange?ack=N&seq=K  uplink batch, then long-poll
//	OPTIONS any of the above               CORS preflight
//
// Every request holds a count in the Server's WaitGroup while it runs, so
// Close waits for held polls and streams, which it ends first.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, s.httpPath), "/")
	// While Close drains the sessions, their requests still get in (to fetch
	// the close record); new sessions do not.
	admit := s.enterSession
	if rest == "" {
		admit = s.enter
	}
	if !admit() {
		s.fail(w, errShuttingDown, "server shutting down")
		return
	}
	defer s.wg.Done()
	o := s.options()
	if rest != "" && s.forward(w, r, o, strings.SplitN(rest, "/", 2)[0]) {
		return
	}
	if !s.cors(w, r, o) {
		return
	}
	if r.Method == http.MethodOptions {
		preflight(w)
		return
	}
	if rest == "" {
		if r.Method != http.MethodPost {
			s.fail(w, errBadMethod, r.Method+" not allowed here", http.MethodPost, http.MethodOptions)
			return
		}
		s.serveHandshake(w, r, o)
		return
	}
	sid, sub, _ := strings.Cut(rest, "/")
	switch sub {
	case "":
		switch r.Method {
		case http.MethodGet:
			s.servePoll(w, r, sid, o)
		case http.MethodPost:
			s.servePost(w, r, sid, o)
		case http.MethodDelete:
			s.serveDelete(w, sid)
		default:
			s.fail(w, errBadMethod, r.Method+" not allowed here",
				http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodOptions)
		}
	case httpwire.ExchangeSegment:
		if r.Method != http.MethodPost {
			s.fail(w, errBadMethod, r.Method+" not allowed here", http.MethodPost, http.MethodOptions)
			return
		}
		s.serveExchange(w, r, sid, o)
	case httpwire.StreamSegment:
		if r.Method != http.MethodGet {
			s.fail(w, errBadMethod, r.Method+" not allowed here", http.MethodGet, http.MethodOptions)
			return
		}
		s.serveStream(w, r, sid, o)
	default:
		s.fail(w, errUnknownSession, "no such path")
	}
}
