package client

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// endpoints are the two URLs a client may use: the WebSocket endpoint and the
// base of the HTTP transports, derived from the one URL given to Dial.
type endpoints struct {
	ws   string // "ws://host:port/ws", with the query given to Dial
	http string // "http://host:port/rt", no query
}

// endpointsOf accepts either a WebSocket endpoint ("ws://host:port/ws", as
// before the HTTP transports) or a server base ("http://host:port", maybe
// with a path prefix) and derives the other URL. A ws:// path that ends in
// o.WSPath gives the prefix under which o.HTTPPath lives; any other ws:// path
// is taken as the endpoint itself, with the HTTP base at the root.
func endpointsOf(raw string, o Options) (endpoints, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return endpoints{}, fmt.Errorf("client: bad URL %q: %w", raw, err)
	}
	if u.Host == "" {
		return endpoints{}, fmt.Errorf("client: bad URL %q: no host", raw)
	}
	ws, h := *u, *u
	h.RawQuery, h.Fragment, ws.Fragment = "", "", ""
	switch u.Scheme {
	case "ws", "wss":
		h.Scheme = "http"
		if u.Scheme == "wss" {
			h.Scheme = "https"
		}
		prefix := ""
		if p := strings.TrimSuffix(u.Path, "/"); strings.HasSuffix(p, o.WSPath) {
			prefix = strings.TrimSuffix(p, o.WSPath)
		}
		if ws.Path == "" {
			ws.Path = o.WSPath
		}
		h.Path = prefix + o.HTTPPath
	case "http", "https":
		ws.Scheme = "ws"
		if u.Scheme == "https" {
			ws.Scheme = "wss"
		}
		prefix := strings.TrimSuffix(u.Path, "/")
		ws.Path = prefix + o.WSPath
		h.Path = prefix + o.HTTPPath
	default:
		return endpoints{}, fmt.Errorf("client: bad URL %q: scheme must be ws, wss, http or https", raw)
	}
	ws.RawPath, h.RawPath = "", ""
	return endpoints{ws: ws.String(), http: h.String()}, nil
}

// withSID returns the WebSocket endpoint with the sid query parameter that
// makes it an upgrade of HTTP session sid.
func (e endpoints) withSID(sid string) string {
	u, err := url.Parse(e.ws)
	if err != nil { // parsed before
		return e.ws
	}
	q := u.Query()
	q.Set(httpwire.ParamSID, sid)
	u.RawQuery = q.Encode()
	return u.String()
}

// hostPort is the address to dial for a ws:// or wss:// URL.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "wss" || u.Scheme == "https" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}
