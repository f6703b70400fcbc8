package transports

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// wsHandshake is the header set of a valid WebSocket handshake; each case
// below breaks one part of it.
func wsHandshake() http.Header {
	return http.Header{
		"Connection":            {"Upgrade"},
		"Upgrade":               {"websocket"},
		"Sec-Websocket-Version": {"13"},
		"Sec-Websocket-Key":     {"dGhlIHNhbXBsZSBub25jZQ=="},
	}
}

var badUpgradeCases = []struct {
	name   string
	method string
	edit   func(http.Header)
	status int
	code   string
}{
	{"proxy dropped Upgrade and Connection", http.MethodGet, func(h http.Header) { h.Del("Upgrade"); h.Del("Connection") }, 400, "bad_upgrade"},
	{"no Upgrade", http.MethodGet, func(h http.Header) { h.Del("Upgrade") }, 400, "bad_upgrade"},
	{"no Connection", http.MethodGet, func(h http.Header) { h.Del("Connection") }, 400, "bad_upgrade"},
	{"Connection keep-alive", http.MethodGet, func(h http.Header) { h.Set("Connection", "keep-alive") }, 400, "bad_upgrade"},
	{"Upgrade h2c", http.MethodGet, func(h http.Header) { h.Set("Upgrade", "h2c") }, 400, "bad_upgrade"},
	{"version 8", http.MethodGet, func(h http.Header) { h.Set("Sec-Websocket-Version", "8") }, 400, "bad_upgrade"},
	{"no key", http.MethodGet, func(h http.Header) { h.Del("Sec-Websocket-Key") }, 400, "bad_upgrade"},
	{"POST", http.MethodPost, func(http.Header) {}, 405, "bad_method"},
}

// wsRequest sends one plain HTTP request to the WebSocket endpoint (with
// query, e.g. "?sid=…") and reads the answer.
func wsRequest(t *testing.T, s *Server, method, query string, h http.Header) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.HTTPURL()+s.path+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: waitTimeout}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, query, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// checkBadUpgrade checks one refused handshake: the status, the JSON body
// with its code, the headers that go with it and the counter.
func checkBadUpgrade(t *testing.T, s *Server, a answer, status int, code string, before uint64) {
	t.Helper()
	var body httpwire.ErrorBody
	if a.status != status || a.header.Get("Content-Type") != "application/json" || json.Unmarshal(a.body, &body) != nil || body.Code != code {
		t.Errorf("answer %d %q %s, want %d application/json with code %q", a.status, a.header.Get("Content-Type"), a.body, status, code)
	}
	if a.header.Get("Cache-Control") == "" {
		t.Errorf("no Cache-Control in %v", a.header)
	}
	switch code {
	case "bad_method":
		if got := a.header.Get("Allow"); got != http.MethodGet {
			t.Errorf("Allow = %q, want GET", got)
		}
	case "bad_upgrade":
		if body.Message == "" {
			t.Error("empty message")
		}
	}
	if got := s.Stats().HTTPErrors[code] - before; got != 1 {
		t.Errorf("HTTPErrors[%q] grew by %d, want 1", code, got)
	}
}

// TestBadWebSocketRequest: a request on the WebSocket endpoint that is not a
// handshake gws would take gets the documented JSON error, not gws's
// text/plain 400, and never reaches the Handler.
func TestBadWebSocketRequest(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	for _, tt := range badUpgradeCases {
		t.Run(tt.name, func(t *testing.T) {
			hdr := wsHandshake()
			tt.edit(hdr)
			before := s.Stats().HTTPErrors[tt.code]
			a := wsRequest(t, s, tt.method, "", hdr)
			checkBadUpgrade(t, s, a, tt.status, tt.code, before)
			if tt.name == "version 8" && a.header.Get("Sec-Websocket-Version") != "13" {
				t.Errorf("Sec-WebSocket-Version = %q, want 13", a.header.Get("Sec-Websocket-Version"))
			}
		})
	}
	select {
	case <-h.accepted:
		t.Error("a refused request reached Handler.Accept")
	default:
	}
	if st := s.Stats(); st.Accepted != 0 || st.Active != 0 {
		t.Errorf("Accepted %d, Active %d; want 0, 0", st.Accepted, st.Active)
	}
	// The endpoint still upgrades real handshakes.
	c := dial(t, s, dialOptions{})
	rc := h.next(t)
	_ = rc.link.Send(ClassControl, nil, []byte("hi"))
	if got := string(c.recv(t)); got != "hi" {
		t.Errorf("client got %q", got)
	}
}

// TestBadUpgradeProbe: a probe whose Upgrade header a proxy dropped gets
// bad_upgrade and leaves its session alone: the session is not reserved for
// a probe, and a real probe then upgrades it.
func TestBadUpgradeProbe(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	c := newHTTPClient(t, s).handshake("")
	rc := h.next(t)
	for _, tt := range badUpgradeCases {
		hdr := wsHandshake()
		tt.edit(hdr)
		before := s.Stats().HTTPErrors[tt.code]
		a := wsRequest(t, s, tt.method, "?sid="+c.sid, hdr)
		checkBadUpgrade(t, s, a, tt.status, tt.code, before)
		if _, up := sessionState(s, c.sid); up != upHTTP {
			t.Fatalf("%s: upgrade state %d after the refusal, want upHTTP", tt.name, up)
		}
	}
	_ = rc.link.Send(ClassControl, seqHead(1), nil)
	if got := frameNums(c.get(true)); len(got) != 1 || got[0] != 1 {
		t.Errorf("poll after the refusals: frames %v, want [1]", got)
	}
	p := c.upgrade(t)
	_ = rc.link.Send(ClassControl, seqHead(2), nil)
	if got := seqOf(p.binary(t)); got != 2 {
		t.Errorf("frame %d over the upgraded WebSocket, want 2", got)
	}
}
