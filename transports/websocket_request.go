package transports

import (
	"net/http"
	"strings"
)

// checkWebSocketRequest answers a request on Options.Path that gws would
// refuse as a WebSocket handshake, with the JSON error body of the HTTP
// transports, and reports whether the request may go on to gws. gws answers
// such a request 400 text/plain, which a client cannot tell from any other
// failure; the usual cause is a proxy that drops the hop-by-hop Upgrade and
// Connection headers, and bad_upgrade tells the client that WebSocket does
// not get through and an HTTP transport will. The checks are gws's own
// (v1.8.9, Upgrader.doUpgradeFromConn), so nothing passed here is refused by
// gws for its headers.
func (s *Server) checkWebSocketRequest(w http.ResponseWriter, r *http.Request) bool {
	h := r.Header
	switch {
	case r.Method != http.MethodGet:
		s.fail(w, errBadMethod, "a WebSocket handshake is a GET", http.MethodGet)
	case !strings.Contains(strings.ToLower(h.Get("Connection")), "upgrade") ||
		!strings.EqualFold(h.Get("Upgrade"), "websocket"):
		s.fail(w, errBadUpgrade, "not a WebSocket handshake: Upgrade: websocket and Connection: Upgrade are missing (a proxy may drop them); use an HTTP transport")
	case !strings.EqualFold(h.Get("Sec-WebSocket-Version"), "13"):
		// RFC 6455 4.4: name the versions the server speaks.
		w.Header().Set("Sec-WebSocket-Version", "13")
		s.fail(w, errBadUpgrade, "Sec-WebSocket-Version must be 13")
	case h.Get("Sec-WebSocket-Key") == "":
		s.fail(w, errBadUpgrade, "Sec-WebSocket-Key is missing")
	default:
		return true
	}
	return false
}
