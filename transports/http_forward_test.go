package transports

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
)

// Two servers behind one address, as nodes behind a load balancer: each
// session's id starts with its server's prefix, and a request for a sid
// the other server has is passed to it by Forward; a sid nobody has is 404.
func TestForwardSessionsOfAnotherServer(t *testing.T) {
	var servers [2]*Server
	forward := func(w http.ResponseWriter, r *http.Request, sid string) bool {
		for i, p := range []string{"0a", "0b"} {
			if strings.HasPrefix(sid, p) && r.Header.Get("X-Test-Forwarded") == "" {
				u, _ := url.Parse(servers[i].HTTPURL())
				rp := httputil.NewSingleHostReverseProxy(u)
				r.Header.Set("X-Test-Forwarded", "1")
				rp.ServeHTTP(w, r)
				return true
			}
		}
		return false
	}
	for i, p := range []string{"0a", "0b"} {
		servers[i] = newTestServer(t, Options{SIDPrefix: p, Forward: forward}, newEchoHandler())
	}
	owner := newHTTPClient(t, servers[1]).handshake("")
	if !strings.HasPrefix(owner.sid, "0b") || len(owner.sid) != 32 {
		t.Fatalf("sid %q, want 32 hex digits starting with 0b", owner.sid)
	}
	// The same session, through the other server.
	other := newHTTPClient(t, servers[0])
	other.sid = owner.sid
	other.post([]byte("hello"))
	recs := other.get(true)
	if len(recs) != 1 || string(recs[0].data) != "hello" {
		t.Fatalf("echo through the other server: %v", recs)
	}
	other.sid = "0c" + owner.sid[2:]
	if a := other.poll(0, false); a.status != http.StatusNotFound || a.errCode() != "unknown_session" {
		t.Errorf("unknown sid: %d %s, want 404 unknown_session", a.status, a.body)
	}
}
