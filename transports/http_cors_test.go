package transports

import (
	"net/http"
	"slices"
	"testing"

	"github.com/lxzan/gws"
)

func TestCORS(t *testing.T) {
	const good, evil = "https://good.example", "https://evil.example"
	h := newTestHandler()
	s := newTestServer(t, Options{AllowedOrigins: []string{good}}, h)
	c := newHTTPClient(t, s)
	from := func(origin string) http.Header { return http.Header{"Origin": {origin}} }

	// An allowed origin gets the CORS headers on every answer.
	a := c.do(http.MethodPost, "", nil, from(good))
	if a.status != http.StatusOK {
		t.Fatalf("handshake from %s: %d %s", good, a.status, a.body)
	}
	c.handshake("")
	h.next(t)
	h.next(t)
	a = c.do(http.MethodGet, "/"+c.sid+"?ack=0&wait=0", nil, from(good))
	if a.status != http.StatusOK {
		t.Fatalf("poll from %s: %d %s", good, a.status, a.body)
	}
	for k, v := range map[string]string{
		"Access-Control-Allow-Origin":   good,
		"Vary":                          "Origin",
		"Access-Control-Expose-Headers": "Content-Type, Retry-After",
		"Cache-Control":                 "no-store, no-cache, must-revalidate, max-age=0",
		"Pragma":                        "no-cache",
		"Expires":                       "0",
		"X-Content-Type-Options":        "nosniff",
		"Content-Type":                  "application/octet-stream",
	} {
		if !hasHeader(a.header, k, v) {
			t.Errorf("poll answer: %s = %q, want %q", k, a.header.Values(k), v)
		}
	}

	// Preflight on every path.
	for _, path := range []string{"", "/", "/" + c.sid, "/" + c.sid + "/stream"} {
		a := c.do(http.MethodOptions, path, nil, http.Header{
			"Origin": {good}, "Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"content-type"},
		})
		if a.status != http.StatusNoContent {
			t.Errorf("preflight %q: %d %s, want 204", path, a.status, a.body)
		}
		for k, v := range map[string]string{
			"Access-Control-Allow-Origin":  good,
			"Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
			"Access-Control-Allow-Headers": "Content-Type, Authorization",
			"Access-Control-Max-Age":       "600",
		} {
			if !hasHeader(a.header, k, v) {
				t.Errorf("preflight %q: %s = %q, want %q", path, k, a.header.Values(k), v)
			}
		}
	}

	// A disallowed origin gets 403 everywhere, preflight included.
	for _, m := range []string{http.MethodOptions, http.MethodPost, http.MethodGet} {
		path := "/" + c.sid + "?ack=0"
		if m == http.MethodPost {
			path = ""
		}
		a := c.do(m, path, nil, from(evil))
		if a.status != http.StatusForbidden || a.errCode() != "origin_not_allowed" {
			t.Errorf("%s from %s: %d %s, want 403 origin_not_allowed", m, evil, a.status, a.body)
		}
		if a.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s from %s carries Access-Control-Allow-Origin", m, evil)
		}
	}
	if got := s.Stats().OriginRejected; got != 3 {
		t.Errorf("OriginRejected = %d, want 3", got)
	}
}

func TestDisabledTransports(t *testing.T) {
	all := []string{"websocket", "longpoll", "stream", "poll"}
	for _, off := range all {
		t.Run(off, func(t *testing.T) {
			o := Options{
				DisableWebSocket: off == "websocket",
				DisableLongPoll:  off == "longpoll",
				DisableStream:    off == "stream",
				DisablePoll:      off == "poll",
			}
			h := newTestHandler()
			s := newTestServer(t, o, h)
			c := newHTTPClient(t, s).handshake("")
			h.next(t)
			want := slices.DeleteFunc(slices.Clone(all), func(s string) bool { return s == off })
			if !slices.Equal(c.hs.Transports, want) {
				t.Errorf("transports %v, want %v", c.hs.Transports, want)
			}
			if wantUp := off != "websocket"; slices.Contains(c.hs.Upgrades, "websocket") != wantUp {
				t.Errorf("upgrades %v", c.hs.Upgrades)
			}

			var a answer
			switch off {
			case "websocket":
				// Both a plain WebSocket and an upgrade get 404 before upgrading.
				for _, q := range []string{"", "?sid=" + c.sid} {
					_, resp, err := gws.NewClient(&probeClient{}, &gws.ClientOption{Addr: s.URL() + q})
					if err == nil || resp == nil || resp.StatusCode != http.StatusNotFound {
						t.Errorf("WebSocket%s with websocket disabled: %v %v, want 404", q, err, resp)
					}
				}
				if got := s.Stats().HTTPErrors["transport_disabled"]; got != 2 {
					t.Errorf(`HTTPErrors["transport_disabled"] = %d, want 2`, got)
				}
				return
			case "longpoll":
				a = c.poll(0, true)
			case "poll":
				a = c.poll(0, false)
			case "stream":
				a = c.do(http.MethodGet, "/"+c.sid+"/stream?ack=0", nil, nil)
			}
			if a.status != http.StatusNotFound || a.errCode() != "transport_disabled" {
				t.Errorf("%s while disabled: %d %s, want 404 transport_disabled", off, a.status, a.body)
			}
			if a := c.do(http.MethodPost, "?transport="+off, nil, nil); a.status != http.StatusNotFound || a.errCode() != "transport_disabled" {
				t.Errorf("handshake naming %s: %d %s, want 404 transport_disabled", off, a.status, a.body)
			}
			// The others still work.
			if off != "poll" {
				if a := c.poll(0, false); a.status != http.StatusOK {
					t.Errorf("poll with %s disabled: %d %s", off, a.status, a.body)
				}
			}
		})
	}
}
