package transports

import "net/http"

// Browsers send an Origin header on cross-origin requests (and on same-origin
// POSTs). The HTTP transports apply the same allowlist as the WebSocket
// upgrade: a page from an origin not in Options.AllowedOrigins is refused, so
// another site cannot drive a session from a visitor's browser. An allowed
// origin gets the CORS headers a browser needs to let the page read the
// response, so the game page may be served from a different host than the
// transports.

// corsAllowMethods and friends answer a preflight for any path of the HTTP
// transports. The preflight is cached for ten minutes: a long-polling client
// would otherwise pay an extra round trip for each POST.
const (
	corsAllowMethods = "GET, POST, DELETE, OPTIONS"
	corsAllowHeaders = "Content-Type, Authorization" // Authorization: a handshake's ticket
	corsMaxAge       = "600"
	// Retry-After is not one of the headers a page may read unless told:
	// a refusal for load or capacity (503, 429) tells a client when to
	// come back.
	corsExposeHeaders = "Content-Type, Retry-After"
)

// cors checks the request's Origin and sets the response headers for it. It
// answers 403 origin_not_allowed itself and reports false when the origin is
// not allowed.
func (s *Server) cors(w http.ResponseWriter, r *http.Request, o *Options) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if !o.originAllowed(origin) {
		s.stats.originRejected.Add(1)
		o.Logger.Debug("transports: origin rejected", "origin", origin, "remote", r.RemoteAddr)
		s.fail(w, errOriginNotAllowed, "origin not allowed")
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
	return true
}

// preflight answers OPTIONS on any path of the HTTP transports. cors has
// already run.
func preflight(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", corsAllowMethods)
	h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
	h.Set("Access-Control-Max-Age", corsMaxAge)
	w.WriteHeader(http.StatusNoContent)
}
